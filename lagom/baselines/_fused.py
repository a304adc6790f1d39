r"""Minibatch steps with the gradient written out by hand, for the MLP networks of PPO, DQN and SAC.

For an :class:`~lagom.baselines.ppo.ActorCritic` without an encoder (a flat Box observation,
two MLPs of ``tanh`` or ``relu`` layers, a categorical or diagonal Gaussian head, a value
head), :class:`FusedPPOStep` computes the loss of :func:`lagom.baselines.ppo.update` and its
gradient in one forward and one backward pass of explicit matrix products, the weight
gradients written straight into the flat gradient buffer of
:meth:`~lagom.baselines.ppo.ActorCritic.flatten_parameters`. :class:`FusedDQNStep` does the
same for the Huber loss of a :class:`~lagom.baselines.dqn.QNetwork` without an encoder
(dueling or not, weighted by prioritized replay or not), into the parameters' gradients.
:class:`FusedSACStep` does SAC's step (temperature, twin critics, actor, targets) for an
agent without encoders; its formulas are in its docstring.
They are the same gradients as autograd's (the tests compare them in float64, the ties of
``min`` and the clipping bounds included). At the sizes of classic control (batch 64 to 256,
64-64 or 256-256 networks) autograd's work per node, not the arithmetic, dominates a step on
the CPU, and the steps by hand take about half the time or less.

The backward pass, with :math:`g_o = \partial L / \partial o` for a head's output ``o``:

* PPO's policy loss
  :math:`L_\pi = -\frac1B \sum_i \min(r_i \hat A_i, \mathrm{clip}(r_i) \hat A_i)`:
  :math:`\partial L_\pi / \partial \log\pi_i = -\frac1B \hat A_i r_i c_i`, with
  :math:`c_i = 1` where the unclipped term is the smaller, :math:`0` where the clipped one
  is, and at a tie autograd's rule (half to each term, the clipped half only inside the
  bounds);
* categorical head: :math:`\partial \log\pi_a / \partial o_j = [j = a] - p_j`,
  :math:`\partial H / \partial o_j = -p_j (\log p_j + H)`;
* Gaussian head, :math:`z = (a - \mu) e^{-\log\sigma}`:
  :math:`\partial \log\pi / \partial \mu = z e^{-\log\sigma}`,
  :math:`\partial \log\pi / \partial \log\sigma = z^2 - 1`,
  :math:`\partial H / \partial \log\sigma = 1`;
* PPO's value loss :math:`c_v \frac1B \sum_i (V_i - R_i)^2` (``V`` kept within
  ``V_old ± ε_v`` when that is set; no gradient where the bound holds it);
* DQN's Huber loss :math:`\frac1B \sum_i w_i\,\mathrm{huber}(Q(s_i, a_i) - y_i)`:
  :math:`\partial / \partial Q(s_i, a_i) = \frac1B w_i\,\mathrm{clip}(Q(s_i, a_i) - y_i,
  -1, 1)`; a dueling head :math:`Q = V + A - \bar A` passes :math:`g` to ``V`` and
  :math:`g_a - \frac1n \sum_b g_b` to ``A``;
* each layer :math:`h = f(h' W^\top + b)`: :math:`\partial W = \delta^\top h'`,
  :math:`\partial b = \sum_i \delta_i`, :math:`\delta' = (\delta W) \odot f'`, with
  :math:`f' = 1 - h^2` (tanh) or :math:`[h > 0]` (relu).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from lagom.networks import polyak_update_

if TYPE_CHECKING:
    from lagom.baselines.dqn import DQNAgent
    from lagom.baselines.ppo import ActorCritic
    from lagom.baselines.sac import SACAgent
    from lagom.networks import QEnsemble

__all__ = [
    "LOG_SQRT_2PI", "FusedDQNStep", "FusedPPOStep", "FusedSACStep", "MinibatchResult",
    "normalized", "same_params", "steps_exactly", "tanh",
]  # fmt: skip

#: log √(2π), the Gaussian log-density's constant.
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def normalized(adv: torch.Tensor) -> torch.Tensor:
    """PPO's advantage normalization ``(A - mean A) / (std A + 1e-8)``.

    >>> normalized(torch.tensor([1.0, 3.0])).tolist()
    [-0.7071067690849304, 0.7071067690849304]
    """
    return (adv - adv.mean()) / (adv.std() + 1e-8)


def same_params(group: Sequence[torch.Tensor], params: Sequence[torch.Tensor]) -> bool:
    """Whether an optimizer's parameter group holds exactly ``params``, in order (by identity:
    ``==`` on tensors would compare their values).

    >>> a, b = torch.zeros(2), torch.zeros(2)
    >>> same_params([a, b], [a, b]), same_params([a], [b])
    (True, False)
    """
    return len(group) == len(params) and all(a is b for a, b in zip(group, params, strict=True))


def steps_exactly(optimizer: torch.optim.Optimizer, params: Sequence[torch.Tensor]) -> bool:
    """Whether ``optimizer`` has one parameter group, holding exactly ``params`` in order.

    >>> a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    >>> steps_exactly(torch.optim.SGD([a, b]), [a, b]), steps_exactly(torch.optim.SGD([a]), [b])
    (True, False)
    """
    groups = optimizer.param_groups
    return len(groups) == 1 and same_params(groups[0]["params"], params)


def _split(buffer: torch.Tensor, params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Views of consecutive slices of ``buffer`` shaped like ``params``."""
    views, offset = [], 0
    for p in params:
        views.append(buffer[offset : offset + p.numel()].view_as(p))
        offset += p.numel()
    return views


def _numpy_tanh(x: torch.Tensor) -> torch.Tensor:
    out = torch.empty(x.shape, dtype=x.dtype, device="cpu")  # whatever the default device
    np.tanh(x.detach().contiguous().numpy(), out=out.numpy())
    return out


class _Tanh(torch.autograd.Function):
    """numpy's tanh forward, autograd's tanh backward ``g (1 - y²)``. ``y`` is saved as this
    function's output, so autograd differentiates the backward too (Hessian-vector
    products)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        y = _numpy_tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        out: torch.Tensor = torch.ops.aten.tanh_backward(grad, y)
        return out


def tanh(x: torch.Tensor) -> torch.Tensor:
    """``torch.tanh``, computed by numpy's vectorized kernel for float32 and float64 tensors on
    the CPU, by torch's elsewhere; differentiable (its backward is autograd's for tanh).

    On the CPU numpy's kernel is several times faster than torch's at the sizes of
    classic-control networks (``[256, 64]`` float32: about 8 µs against 50 µs here); both are
    within a unit in the last place or so of the true value. The actor-critic uses it in
    every pass (acting, collecting, the fused step and autograd's), so the log-probabilities of
    a rollout and of the update agree exactly.

    Example:
        >>> x = torch.linspace(-3, 3, 7)
        >>> bool(torch.allclose(tanh(x), torch.tanh(x), atol=1e-6))
        True
    """
    if x.device.type != "cpu" or (x.dtype != torch.float32 and x.dtype != torch.float64):
        return torch.tanh(x)
    if x.requires_grad and torch.is_grad_enabled():
        out: torch.Tensor = _Tanh.apply(x)  # type: ignore[no-untyped-call]
        return out
    return _numpy_tanh(x)


class MinibatchResult(NamedTuple):
    """One minibatch's losses ``[policy, value, entropy]`` and its ratios (all detached)."""

    losses: torch.Tensor
    ratio: torch.Tensor
    log_ratio: torch.Tensor


class _Layer(NamedTuple):
    """A linear layer's weight and bias (the parameters, whose data an optimizer changes in
    place) and the tensors their gradients are written into."""

    weight: torch.Tensor
    bias: torch.Tensor
    grad_weight: torch.Tensor
    grad_bias: torch.Tensor


def _weight_grad(delta: torch.Tensor, x: torch.Tensor, out: torch.Tensor) -> None:
    """``out = delta.T @ x`` (``[fan_out, fan_in]``, a linear layer's weight gradient).

    A tall, narrow result (fan-in a few observations, fan-out hundreds of units) is computed
    as its transpose, ``x.T @ delta``, and copied: BLAS takes 4x longer on that shape (on
    CPU, 81 against 19 us at 256 x 3 from a batch of 256).
    """
    if out.shape[0] >= 8 * out.shape[1]:
        out.copy_(torch.mm(x.t(), delta).t())
    else:
        torch.mm(delta.t(), x, out=out)


def _plain_linears(modules: list[nn.Module]) -> bool:
    return all(type(m) is nn.Linear and m.bias is not None for m in modules)


def _mlp_params(network: nn.Module, layers: list[nn.Module]) -> list[torch.Tensor] | None:
    """``network``'s parameters when ``layers`` are plain linear layers with biases that hold
    all of them, else ``None``."""
    params: list[torch.Tensor] = list(network.parameters())
    if not _plain_linears(layers):
        return None
    if {id(p) for m in layers for p in m.parameters()} != {id(p) for p in params}:
        return None
    return params


class _HandMLP:
    """Linear layers, each followed by tanh or relu, then a linear head: the forward and the
    backward pass by hand, the gradients written into ``grads`` (by the parameters' ids)."""

    def __init__(
        self,
        layers: list[nn.Linear],
        head: nn.Linear,
        use_tanh: bool,
        grads: dict[int, torch.Tensor],
    ) -> None:
        def layer(m: nn.Linear) -> _Layer:
            return _Layer(m.weight, m.bias, grads[id(m.weight)], grads[id(m.bias)])

        self.layers, self.head, self.tanh = [layer(m) for m in layers], layer(head), use_tanh

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The inputs of every layer and the head's (``[x, h_1, ..., h_L]``) and the output."""
        hs = [x]
        for layer in self.layers:
            z = torch.addmm(layer.bias, hs[-1], layer.weight.t())
            hs.append(tanh(z) if self.tanh else torch.relu(z))
        return hs, torch.addmm(self.head.bias, hs[-1], self.head.weight.t())

    def backward(self, hs: list[torch.Tensor], delta: torch.Tensor) -> None:
        """Write the gradients for ``delta``, the loss's gradient with respect to the output."""
        head, layers = self.head, self.layers
        _weight_grad(delta, hs[-1], head.grad_weight)
        torch.sum(delta, 0, out=head.grad_bias)
        if not layers:
            return
        delta = delta.mm(head.weight)
        for i in range(len(layers) - 1, -1, -1):
            h = hs[i + 1]
            if self.tanh:
                delta = torch.ops.aten.tanh_backward(delta, h)
            else:
                delta = torch.ops.aten.threshold_backward(delta, h, 0)
            _weight_grad(delta, hs[i], layers[i].grad_weight)
            torch.sum(delta, 0, out=layers[i].grad_bias)
            if i > 0:
                delta = delta.mm(layers[i].weight)


class FusedPPOStep:
    """One PPO minibatch step for an MLP :class:`~lagom.baselines.ppo.ActorCritic` whose
    optimizer steps its flat parameter buffer: the loss, its gradient by hand, the gradient
    norm clipped, the optimizer's step (see the module docstring).

    :meth:`of` gives one for the model and optimizer when they qualify, else ``None``.

    Example:
        >>> from lagom.baselines.ppo import ActorCritic, AgentConfig
        >>> from gymnasium import spaces
        >>> model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), AgentConfig(), "cpu")
        >>> optimizer = torch.optim.Adam([model.flatten_parameters()], lr=1e-3)
        >>> step = FusedPPOStep.of(model, optimizer)
        >>> obs, actions = torch.zeros(4, 3), torch.tensor([0, 1, 1, 0])
        >>> zeros = torch.zeros(4)
        >>> result = step(obs, actions, zeros - 0.7, zeros, torch.ones(4), zeros,
        ...               lo=0.8, hi=1.2, clip_range_vf=None, vf_coef=0.5, ent_coef=0.0,
        ...               normalize=False, max_grad_norm=0.5)
        >>> result.losses.shape, result.ratio.shape
        (torch.Size([3]), torch.Size([4]))
    """

    def __init__(self, model: ActorCritic, optimizer: torch.optim.Optimizer) -> None:
        if model.flat is None:
            raise ValueError("the model's parameters are not flattened (flatten_parameters)")
        self.optimizer = optimizer
        self.buffer, params = model.flat
        self.grad = torch.zeros_like(self.buffer)
        views = {id(p): g for p, g in zip(params, _split(self.grad, params), strict=True)}

        use_tanh = model.activation is tanh
        self.actor = _HandMLP(list(model.actor), model.policy_out, use_tanh, views)  # type: ignore[arg-type]
        self.critic = _HandMLP(list(model.critic), model.value_head, use_tanh, views)  # type: ignore[arg-type]
        self.log_std: tuple[torch.Tensor, torch.Tensor] | None = None
        if not model.discrete:
            log_std = model._log_std()
            self.log_std = (log_std, views[id(log_std)])

    @classmethod
    def of(cls, model: ActorCritic, optimizer: torch.optim.Optimizer) -> FusedPPOStep | None:
        """The fused step of ``model`` and ``optimizer``, or ``None`` where it does not apply:
        an encoder, parameters not flattened or not all in the layers it knows, an optimizer
        over anything but the flat buffer, or an activation other than tanh and relu."""
        flat = model.flat
        if model.encoder is not None or flat is None or not steps_exactly(optimizer, [flat[0]]):
            return None
        if model.activation is not tanh and model.activation is not torch.relu:
            return None
        known = [*model.actor, *model.critic, model.policy_out, model.value_head]
        if not _plain_linears(known):
            return None
        ids = {id(p) for m in known for p in m.parameters()}
        if not model.discrete:
            ids.add(id(model._log_std()))
        if {id(p) for p in flat[1]} != ids or len(flat[1]) != len(ids):
            return None
        return cls(model, optimizer)

    @torch.no_grad()
    def __call__(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        old_log_probs: torch.Tensor,
        old_values: torch.Tensor,
        advantages: torch.Tensor,
        returns: torch.Tensor,
        *,
        lo: float,
        hi: float,
        clip_range_vf: float | None,
        vf_coef: float,
        ent_coef: float,
        normalize: bool,
        max_grad_norm: float,
    ) -> MinibatchResult:
        """One step on a minibatch of ``B`` rows (the arguments of
        :func:`lagom.baselines.ppo.update`'s loss); the advantages normalized first when
        ``normalize`` and ``B > 1``."""
        n = len(advantages)
        x = obs.reshape(n, -1)
        (actor, out), (critic, values) = self.actor.forward(x), self.critic.forward(x)
        values = values[:, 0]
        if self.log_std is None:
            logp_all = functional.log_softmax(out, dim=-1)
            p = logp_all.exp()
            index = actions.long().unsqueeze(-1)
            log_probs = logp_all.gather(-1, index).squeeze(-1)
            entropy = -(p * logp_all).sum(-1)
        else:
            log_std = self.log_std[0]
            inv_std = torch.exp(-log_std)
            z = (actions.reshape(out.shape) - out) * inv_std
            log_probs = (-0.5 * z.square() - log_std - LOG_SQRT_2PI).sum(-1)
            entropy = (0.5 + LOG_SQRT_2PI + log_std).sum().expand(n)
        adv = advantages
        if normalize and n > 1:
            adv = normalized(adv)
        log_ratio = log_probs - old_log_probs
        ratio = log_ratio.exp()
        unclipped, clipped = adv * ratio, adv * ratio.clamp(lo, hi)
        policy_loss = -torch.min(unclipped, clipped).mean()
        if clip_range_vf is not None:
            change = values - old_values
            values = old_values + change.clamp(-clip_range_vf, clip_range_vf)
        value_loss = functional.mse_loss(values, returns)
        entropy_loss = -entropy.mean()

        # The loss's gradient with respect to log π(a|s). Twice the share of the gradient of
        # min(unclipped, clipped) that reaches r: 2 where the unclipped term is the smaller, 0
        # where the clipped one is; at a tie each term takes half (autograd's rule for min),
        # the clipped one only inside the bounds, which is where the two are always equal.
        inside = (ratio >= lo) & (ratio <= hi)
        share = (unclipped <= clipped).to(adv.dtype) + (unclipped < clipped) + inside
        g_logp = unclipped * share * (-0.5 / n)
        g_values = (values - returns) * (2.0 * vf_coef / n)
        if clip_range_vf is not None:
            bounded = (change >= -clip_range_vf) & (change <= clip_range_vf)
            g_values = g_values * bounded.to(adv.dtype)
        if self.log_std is None:
            g_rows = g_logp.unsqueeze(-1)  # -p (g_logp + g_H (log p + H)) + [j = a] g_logp
            if ent_coef != 0.0:
                g_rows = g_rows - (ent_coef / n) * (logp_all + entropy.unsqueeze(-1))
            g_out = (p * g_rows).neg_().scatter_add_(-1, index, g_logp.unsqueeze(-1))
        else:
            g_out = g_logp.unsqueeze(-1) * z * inv_std
            torch.sum(g_logp.unsqueeze(-1) * (z.square() - 1.0), 0, out=self.log_std[1])
            if ent_coef != 0.0:
                self.log_std[1].sub_(ent_coef)
        self.actor.backward(actor, g_out)
        self.critic.backward(critic, g_values.unsqueeze(-1))

        norm = torch.linalg.vector_norm(self.grad)
        self.grad.mul_((max_grad_norm / (norm + 1e-6)).clamp_(max=1.0))
        self.buffer.grad = self.grad
        self.optimizer.step()
        losses = torch.stack([policy_loss, value_loss, entropy_loss])
        return MinibatchResult(losses, ratio, log_ratio)


class FusedDQNStep:
    """One DQN gradient step for a :class:`~lagom.baselines.dqn.QNetwork` without an encoder:
    the Huber loss of :math:`Q(s, a)` against given targets (weighted by importance weights
    when given), its gradient by hand into the parameters' gradients, the gradient norm
    clipped, the optimizer's step (see the module docstring).

    :meth:`of` gives one for the agent when its network and optimizer qualify, else ``None``.

    Example:
        >>> from lagom.baselines.dqn import DQNAgent, DQNAgentConfig
        >>> agent = DQNAgent(4, 2, DQNAgentConfig(hidden_sizes=(16,)), torch.device("cpu"))
        >>> step = FusedDQNStep.of(agent)
        >>> loss, q = step(torch.zeros(3, 4), torch.tensor([0, 1, 1]), torch.ones(3), None)
        >>> loss.shape, q.shape
        (torch.Size([]), torch.Size([3]))
    """

    def __init__(self, agent: DQNAgent) -> None:
        self.agent, self.q_net, self.optimizer = agent, agent.q_net, agent.optimizer
        self.params = list(agent.q_net.parameters())
        self._bind()

    def _bind(self) -> None:
        """Gradient tensors of the parameters' current dtype and device: again after the
        network's ``to`` or ``double`` replaced its parameters' data."""
        q_net, params = self.q_net, self.params
        first = params[0]
        # One buffer, each gradient a view of it: one norm and one scaling clip them all.
        self.grad = torch.zeros(
            sum(p.numel() for p in params), dtype=first.dtype, device=first.device
        )
        self.grads = _split(self.grad, params)
        views = {id(p): g for p, g in zip(params, self.grads, strict=True)}
        self.mlp = _HandMLP(list(q_net.layers), q_net.head, False, views)  # type: ignore[arg-type]
        self.data = params[0].data_ptr(), params[0].dtype, params[0].device

    def is_for(self, agent: DQNAgent) -> bool:
        """Whether this step was made for ``agent``'s current network and optimizer (an
        agent whose attribute was replaced needs :meth:`of` again)."""
        return self.q_net is agent.q_net and self.optimizer is agent.optimizer

    @classmethod
    def of(cls, agent: DQNAgent) -> FusedDQNStep | None:
        """The fused step of ``agent``, or ``None`` where it does not apply: an encoder, a
        parameter outside the network's linear layers, or an optimizer over anything but the
        network's parameters in their order."""
        q_net = agent.q_net
        if q_net.encoder is not None:
            return None
        params = _mlp_params(q_net, [*q_net.layers, q_net.head])
        if params is None or not steps_exactly(agent.optimizer, params):
            return None
        return cls(agent)

    @torch.no_grad()
    def __call__(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        target: torch.Tensor,
        weights: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step on ``B`` transitions: observations ``[B, obs_dim]``, action indices and
        targets ``[B]``, importance weights ``[B]`` or ``None``.

        Returns:
            The loss (0-d) and :math:`Q(s_i, a_i)` ``[B]``, detached.
        """
        first = self.params[0]
        if self.data != (first.data_ptr(), first.dtype, first.device):
            self._bind()
        n = len(target)
        hs, out = self.mlp.forward(obs)
        q_all = out
        if self.q_net.dueling:
            value, advantages = out[:, :1], out[:, 1:]
            q_all = value + advantages - advantages.mean(dim=1, keepdim=True)
        index = actions[:, None]
        q = q_all.gather(1, index)[:, 0]
        g = (q - target).clamp_(-1.0, 1.0)  # the Huber loss's derivative (beta 1)
        if weights is None:
            loss = functional.smooth_l1_loss(q, target)
        else:
            loss = (weights * functional.smooth_l1_loss(q, target, reduction="none")).mean()
            g.mul_(weights)
        g.mul_(1.0 / n)
        g_out = torch.zeros_like(q_all).scatter_(1, index, g[:, None])
        if self.q_net.dueling:  # V takes g, A_k takes g_k - g / n_actions
            g_out = torch.cat([g[:, None], g_out.sub_((g / q_all.shape[1])[:, None])], 1)
        for p, grad in zip(self.params, self.grads, strict=True):
            p.grad = grad  # an optimizer's zero_grad may have dropped them
        self.mlp.backward(hs, g_out)
        norm = torch.linalg.vector_norm(self.grad)  # clip_grad_norm_'s rule
        max_norm = self.agent.config.max_grad_norm
        self.grad.mul_((max_norm / (norm + 1e-6)).clamp_(max=1.0))
        self.optimizer.step()
        return loss, q


class _HandEnsemble:
    """A :class:`~lagom.networks.QEnsemble`'s forward and backward passes by hand.

    Layer ``l`` of member ``i`` has weight ``W_l[i]`` (``[fan_in, fan_out]``) and bias
    ``b_l[i]``; the hidden layers apply ReLU, the last maps to one value. The gradients are
    written into ``grads`` (by the parameters' ids).
    """

    def __init__(
        self,
        weights: list[torch.Tensor],
        biases: list[torch.Tensor],
        obs_dim: int,
        grads: dict[int, torch.Tensor],
    ) -> None:
        self.weights, self.biases, self.obs_dim = weights, biases, obs_dim
        self.grad_weights = [grads[id(w)] for w in weights]
        # [n, 1, fan_out] parameters; their gradients as [n, fan_out] views for sum's out=.
        self.grad_biases = [grads[id(b)][:, 0] for b in biases]

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The inputs ``[n, B, fan_in]`` of every layer and the values ``[n, B]`` at the rows
        ``x`` (``[B, obs_dim + action_dim]``), computed as :class:`QEnsemble` does."""
        weights, biases = self.weights, self.biases
        hs = [x.expand(len(weights[0]), *x.shape)]
        for weight, bias in zip(weights[:-1], biases[:-1], strict=True):
            hs.append(torch.relu(torch.baddbmm(bias, hs[-1], weight)))
        q = (hs[-1] * weights[-1].transpose(1, 2)).sum(-1) + biases[-1][:, :, 0]
        return hs, q

    def backward(self, hs: list[torch.Tensor], g: torch.Tensor) -> None:
        """Write the parameters' gradients for ``g = ∂L/∂q`` (``[n, B]``)."""
        weights, last = self.weights, len(self.weights) - 1
        # The last layer maps to one value: its weight gradient is g's rows times the inputs,
        # [n, 1, B] @ [n, B, H] (as [n, H, B] @ [n, B, 1] BLAS takes 10x longer on CPU).
        torch.bmm(g[:, None, :], hs[last], out=self.grad_weights[last].transpose(1, 2))
        torch.sum(g, 1, keepdim=True, out=self.grad_biases[last])
        delta = g[:, :, None] * weights[last].transpose(1, 2)  # ∂L/∂(input of the last)
        for i in range(last - 1, -1, -1):
            delta = torch.ops.aten.threshold_backward(delta, hs[i + 1], 0)
            torch.bmm(hs[i].transpose(1, 2), delta, out=self.grad_weights[i])
            torch.sum(delta, 1, out=self.grad_biases[i])
            if i > 0:
                delta = torch.bmm(delta, weights[i].transpose(1, 2))

    def action_grad(self, hs: list[torch.Tensor], g: torch.Tensor) -> torch.Tensor:
        """``∂L/∂a`` (``[B, action_dim]``, summed over the members) for ``g = ∂L/∂q``."""
        weights, obs_dim = self.weights, self.obs_dim
        if len(weights) == 1:  # no hidden layer
            return (g[:, :, None] * weights[0][:, obs_dim:].transpose(1, 2)).sum(0)
        if g.device.type == "cpu":
            return self._sparse_action_grad(hs, g)
        return self._dense_action_grad(hs, g)

    def _dense_action_grad(self, hs: list[torch.Tensor], g: torch.Tensor) -> torch.Tensor:
        """:meth:`action_grad` through every member's every row (batched products)."""
        weights, last, obs_dim = self.weights, len(self.weights) - 1, self.obs_dim
        delta = g[:, :, None] * weights[last].transpose(1, 2)
        for i in range(last - 1, 0, -1):
            delta = torch.ops.aten.threshold_backward(delta, hs[i + 1], 0)
            delta = torch.bmm(delta, weights[i].transpose(1, 2))
        delta = torch.ops.aten.threshold_backward(delta, hs[1], 0)
        return torch.bmm(delta, weights[0][:, obs_dim:].transpose(1, 2)).sum(0)

    def _sparse_action_grad(self, hs: list[torch.Tensor], g: torch.Tensor) -> torch.Tensor:
        """:meth:`action_grad` through each member's rows where ``g`` is not zero only.

        The actor's loss reaches one member per row (the minimum; both at a tie), so each
        member's backward takes about 1/n of the rows: half of a pair's products. On CPU
        only (finding the rows synchronizes a GPU).
        """
        weights, last, obs_dim = self.weights, len(self.weights) - 1, self.obs_dim
        out = g.new_zeros(g.shape[1], weights[0].shape[1] - obs_dim)
        for member, g_member in enumerate(g):
            (rows,) = g_member.nonzero(as_tuple=True)
            if not len(rows):
                continue
            delta = g_member[rows, None] * weights[last][member].t()
            for i in range(last - 1, -1, -1):
                delta = torch.ops.aten.threshold_backward(delta, hs[i + 1][member, rows], 0)
                weight = weights[i][member] if i else weights[0][member, obs_dim:]
                delta = delta.mm(weight.t())
            out.index_add_(0, rows, delta)
        return out


class FusedSACStep:
    r"""One SAC gradient step (:meth:`lagom.baselines.sac.SACAgent.update`'s steps 1-4) with
    the critics' and the actor's gradients written out by hand, for an agent without
    encoders: the actor an MLP of ReLU layers and a linear head, the critics a
    :class:`~lagom.networks.QEnsemble`, each optimizer over its own parameters in order
    (the temperature last among the critics').

    With :math:`u = \mu + \sigma\epsilon`, :math:`a = \tanh u` and :math:`m_i` the share of
    :math:`\min_j Q_j` that member ``i`` takes (1, or split evenly at a tie, as autograd's
    ``amin``), the actor's loss :math:`L_\pi = \frac1B\sum_b (\alpha\log\pi_b - \min_i Q_i)`
    has :math:`\partial L_\pi/\partial a = -\frac1B \sum_i m_i \partial Q_i/\partial a`,
    :math:`\partial L_\pi/\partial u = (1 - a^2)\,\partial L_\pi/\partial a +
    \frac{2\alpha}{B} a`, :math:`\partial L_\pi/\partial\mu = \partial L_\pi/\partial u`
    and :math:`\partial L_\pi/\partial\log\sigma = \sigma\epsilon\,\partial L_\pi/\partial u
    - \frac{\alpha}{B}` (zero where the clamp of :math:`\log\sigma` holds it). The critics'
    loss :math:`\tfrac12\sum_i \operatorname{mean}(Q_i - y)^2` has
    :math:`\partial/\partial Q_i = (Q_i - y)/B`.

    :meth:`of` gives one for the agent when it qualifies, else ``None``.

    Example:
        >>> from lagom.baselines.common import TensorBatch
        >>> from lagom.baselines.sac import SACAgent, SACAgentConfig
        >>> agent = SACAgent(3, 1, SACAgentConfig(hidden_sizes=(16,)), torch.device("cpu"))
        >>> step = FusedSACStep.of(agent)
        >>> obs = torch.zeros(4, 3)
        >>> losses = step(TensorBatch(obs, torch.zeros(4, 1), torch.ones(4), obs, torch.zeros(4)))
        >>> sorted(losses)
        ['actor_loss', 'alpha_loss', 'critic_loss']
    """

    def __init__(self, agent: SACAgent) -> None:
        from lagom.baselines.sac import LOG_STD_MAX, LOG_STD_MIN

        self.agent, self.log_std_bounds = agent, (LOG_STD_MIN, LOG_STD_MAX)
        self.parts = _sac_parts(agent)
        self.actor_params = list(agent.actor.parameters())
        self.critic_params = list(agent.critic.parameters())
        self._bind()

    def _bind(self) -> None:
        """Gradient tensors of the parameters' current dtype and device: again after a
        network's ``to`` or ``double`` replaced its parameters' data."""
        agent = self.agent
        self.actor_grads = [torch.zeros_like(p) for p in self.actor_params]
        self.critic_grads = [torch.zeros_like(p) for p in self.critic_params]
        views = {
            id(p): g
            for p, g in zip(
                [*self.actor_params, *self.critic_params],
                [*self.actor_grads, *self.critic_grads],
                strict=True,
            )
        }
        actor = agent.actor
        self.actor = _HandMLP(list(actor.layers), actor.head, False, views)  # type: ignore[arg-type]
        critic = cast("QEnsemble", agent.critic)
        self.critic = _HandEnsemble(
            list(critic.weights), list(critic.biases), critic.obs_dim, views
        )
        self.data = self._data()

    def _data(self) -> tuple[tuple[int, torch.dtype, torch.device], ...]:
        return tuple(
            (p.data_ptr(), p.dtype, p.device) for p in (self.actor_params[0], self.critic_params[0])
        )

    def is_for(self, agent: SACAgent) -> bool:
        """Whether this step was made for ``agent``'s current networks, optimizers and
        temperature (an agent whose attribute was replaced needs :meth:`of` again)."""
        return same_params(self.parts, _sac_parts(agent))

    @classmethod
    def of(cls, agent: SACAgent) -> FusedSACStep | None:
        """The fused step of ``agent``, or ``None`` where it does not apply: an encoder, a
        critic other than a :class:`~lagom.networks.QEnsemble`, an actor layer other than
        ``nn.Linear``, or an optimizer over other parameters (or in another order)."""
        from lagom.networks import QEnsemble

        actor, critic = agent.actor, agent.critic
        if actor.encoder is not None or type(critic) is not QEnsemble:
            return None
        actor_params = _mlp_params(actor, [*actor.layers, actor.head])
        if actor_params is None or not steps_exactly(agent.actor_optimizer, actor_params):
            return None
        critic_params = [*critic.parameters(), agent.log_alpha]
        if not steps_exactly(agent.critic_optimizer, critic_params):
            return None
        return cls(agent)

    @torch.no_grad()
    def __call__(self, batch: Any) -> dict[str, torch.Tensor]:
        """One step on a minibatch (a :class:`~lagom.baselines.common.TensorBatch` of
        ``[B, ...]`` tensors); returns the losses as :meth:`SACAgent.update` does."""
        if self.data != self._data():
            self._bind()
        agent = self.agent
        obs, actions, rewards, next_obs, terminated = batch
        n = len(rewards)
        log_alpha = agent.log_alpha
        alpha = log_alpha.exp()

        # The actor at s (its activations kept) and a reparameterized draw, as actor.sample.
        hs, out = self.actor.forward(obs)
        mean, raw_log_std = out.chunk(2, dim=-1)
        lo, hi = self.log_std_bounds
        log_std = raw_log_std.clamp(lo, hi)
        noise = torch.randn_like(mean)
        std = log_std.exp()
        u = torch.addcmul(mean, std, noise)
        log_probs = (2.0 * (u + functional.softplus(-2.0 * u)) - log_std).sum(-1)
        log_probs -= 0.5 * noise.square().sum(-1) + agent.actor._log_prob_offset
        pi_actions = torch.tanh(u)

        # 1. temperature, 2. critics (their gradients and the temperature's, one Adam step).
        entropy_gap = (log_probs + agent.target_entropy).mean()
        alpha_loss = -log_alpha[0] * entropy_gap
        target = agent.td_target(rewards, next_obs, terminated)
        critic_hs, q = self.critic.forward(torch.cat([obs, actions], dim=-1))
        diff = q - target
        critic_loss = 0.5 * diff.square().mean(1).sum()
        self.critic.backward(critic_hs, diff.mul_(1.0 / n))
        for p, grad in zip(self.critic_params, self.critic_grads, strict=True):
            p.grad = grad  # an optimizer's zero_grad may have dropped them
        log_alpha.grad = -entropy_gap.reshape(1)
        agent.critic_optimizer.step()

        # 3. actor, through the updated critics.
        pi_hs, q_pi = self.critic.forward(torch.cat([obs, pi_actions], dim=-1))
        q_min = q_pi.amin(0)
        actor_loss = (alpha * log_probs - q_min).mean()
        share = (q_pi == q_min).to(q_pi.dtype)
        share /= share.sum(0)  # amin's rule: a tie splits the gradient evenly
        g_actions = self.critic.action_grad(pi_hs, share.mul_(-1.0 / n))
        scaled_alpha = alpha * (1.0 / n)
        g_tanh = g_actions * (1.0 - pi_actions.square())
        g_u = torch.addcmul(g_tanh, pi_actions, scaled_alpha, value=2.0)
        g_log_std = torch.addcmul(-scaled_alpha, g_u, std * noise)
        held = (raw_log_std >= lo) & (raw_log_std <= hi)
        for p, grad in zip(self.actor_params, self.actor_grads, strict=True):
            p.grad = grad
        self.actor.backward(hs, torch.cat([g_u, g_log_std * held], dim=-1))
        agent.actor_optimizer.step()

        # 4. targets.
        polyak_update_(agent._target_params, agent._critic_params, agent.tau)
        return {
            "critic_loss": critic_loss,
            "actor_loss": actor_loss,
            "alpha_loss": alpha_loss,
        }


def _sac_parts(agent: SACAgent) -> tuple[Any, ...]:
    """What a fused step of ``agent`` was made for: replaced, it must be made again."""
    return agent.actor, agent.critic, agent.actor_optimizer, agent.critic_optimizer, agent.log_alpha
