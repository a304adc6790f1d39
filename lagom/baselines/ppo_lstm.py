r"""Recurrent PPO: the clipped surrogate of :mod:`lagom.baselines.ppo` with a layer-normalized
LSTM (:func:`~lagom.networks.make_lnlstm`) under the actor and the critic.

Network. Observations ``x_t`` go through an optional MLP encoder (``agent.encoder_sizes``),
an LSTM, then an MLP, then the policy head (actor) or the value head (critic). The LSTM
layer-normalizes its input gates, ``LN(W x)``, which is blind to the scale of ``x``
(``LN(W(a x)) = LN(W x)`` for ``a > 0``): of masked CartPole's two numbers only their ratio
would reach the memory; an encoder, with biases and a nonlinearity, keeps the scale (the
zoo's masked CartPole uses one of 64 units). By default the actor and the critic have
separate encoders and LSTMs (``agent.shared_lstm=False``, sb3-contrib's ``RecurrentPPO``
default): the value loss then cannot pull the memory the policy relies on, and the critic's
memory is free to keep what predicts returns. ``shared_lstm=True`` runs one LSTM for both
(half the recurrent cost).

Recurrent state. Each LSTM carries ``(h, c)`` per layer; the state before step ``t`` is
zeroed where step ``t`` starts an episode (``start_t = done_{t-1}``, ``done = terminated or
truncated``)::

    (h, c)_t = LSTM(x_t, (1 - start_t) · (h, c)_{t-1})

:func:`collect` runs ``T`` steps of ``N`` environments with the actor (one LSTM step each),
storing for every step its observation, ``start_t``, the action, ``log π_old(a|s)`` and the
state before the step; then the critic runs over the whole ``[T, N]`` rollout in one unroll,
and GAE (:func:`~lagom.metric.batched_gae`) bootstraps truncated steps from ``V`` of the true
final observation, evaluated from the critic state after that step (no reset). The update
cuts the rollout into sequences of ``train.seq_len`` steps of one environment (the whole
column when ``None``) and replays minibatches of them from their stored initial states,
zeroing the state at episode starts inside a sequence exactly as collection did: before any
update the replayed ``log π`` equal the collected ones, so the first ratios are 1. Loss, Adam
step and schedules are PPO's (see :mod:`lagom.baselines.ppo`).

Speed: the input projections of a whole sequence are one matmul, and the actor's and the
critic's LSTMs advance together (:meth:`RecurrentActorCritic.unroll_many`: one batched matmul
per layer and step for both), so an update step costs about one LSTM's worth of small ops.

Evaluation resets the state at each episode start (:class:`RecurrentPolicy`). A run folder
holds PPO's files; ``checkpoint.pt`` also holds the current observations, episode starts and
recurrent states, so a resumed run on CPU matches an uninterrupted one bit for bit.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, cast

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from torch import nn
from torch.nn import functional

from lagom._checks import (
    check_device,
    check_discount,
    check_instance,
    check_int,
    check_path,
    check_real,
    check_seed,
    check_str,
)
from lagom._types import NDArray
from lagom.baselines import common
from lagom.baselines.algorithm import Algorithm
from lagom.baselines.configs.ppo_lstm import (
    DEFAULT_ENV,
    ZOO,
    AgentConfig,
    EnvConfig,
    EvalConfig,
    PPOLSTMConfig,
    Schedule,
    TrainConfig,
)
from lagom.envs import VecRecordEpisodeStatistics, make_vec_env
from lagom.metric import batched_gae
from lagom.networks import (
    LayerNormLSTMCell,
    LSTMLayer,
    Module,
    StackedLSTM,
    make_fc,
    make_lnlstm,
    ortho_init,
)
from lagom.transform import LinearSchedule, explained_variance
from lagom.utils import set_global_seeds

__all__ = [
    "ALGORITHM", "DEFAULT_ENV", "ZOO", "AgentConfig", "Batch", "EnvConfig", "EvalConfig",
    "Learner", "PPOLSTMConfig", "RecurrentActorCritic", "RecurrentPolicy", "TrainConfig",
    "TrainEnv", "collect", "default_config", "evaluate", "load_policy", "make_policy",
    "make_train_env", "replay", "run", "train", "update",
]  # fmt: skip

# The configuration is in lagom.baselines.configs.ppo_lstm (importable without torch):
# DEFAULT_ENV (masked CartPole), EnvConfig, AgentConfig, TrainConfig, EvalConfig,
# PPOLSTMConfig and the tuned ZOO.


def default_config(env_id: str = DEFAULT_ENV) -> PPOLSTMConfig:
    """The tuned configuration of ``env_id`` (:data:`~lagom.baselines.configs.ppo_lstm.ZOO`),
    else the defaults for it.

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` cannot be made or has unsupported spaces.

    >>> default_config().train.n_steps, default_config("Acrobot-v1").env.id
    (32, 'Acrobot-v1')
    """
    if check_str("env_id", env_id) in ZOO:
        return ZOO[env_id]
    common.check_spaces("ppo_lstm", env_id)
    return PPOLSTMConfig(env=EnvConfig(id=env_id))


_LOG_SQRT_2PI = 0.5 * float(np.log(2.0 * np.pi))


class _Norm(NamedTuple):
    """A layer norm's affine map ``[K, 1, F]`` for ``K`` LSTMs side by side, and its eps."""

    weight: torch.Tensor
    bias: torch.Tensor
    eps: float


class _StackedCell(NamedTuple):
    """The parameters of ``K`` :class:`~lagom.networks.LayerNormLSTMCell` s, stacked:
    ``w_ih [K, I, 4H]`` and ``w_hh [K, H, 4H]`` (transposed for ``x @ w``) and the norms."""

    w_ih: torch.Tensor
    w_hh: torch.Tensor
    norm_i: _Norm
    norm_h: _Norm
    norm_c: _Norm


def _stacked_cell(cells: list[LayerNormLSTMCell]) -> _StackedCell:
    def norm(name: str) -> _Norm:
        modules = [cast(nn.LayerNorm, getattr(cell, name)) for cell in cells]
        weight = torch.stack([m.weight for m in modules]).unsqueeze(1)
        bias = torch.stack([m.bias for m in modules]).unsqueeze(1)
        return _Norm(weight, bias, modules[0].eps)

    return _StackedCell(
        torch.stack([cell.weight_ih.t() for cell in cells]),
        torch.stack([cell.weight_hh.t() for cell in cells]),
        norm("layernorm_i"),
        norm("layernorm_h"),
        norm("layernorm_c"),
    )


def _affine_norm(x: torch.Tensor, norm: _Norm) -> torch.Tensor:
    """Layer norm of ``x [K, *, F]`` over ``F`` with LSTM ``k``'s affine map on row ``k``."""
    y = functional.layer_norm(x, x.shape[-1:], eps=norm.eps)
    shape = (norm.weight.shape[0],) + (1,) * (x.ndim - 2) + (x.shape[-1],)
    return torch.addcmul(norm.bias.reshape(shape), y, norm.weight.reshape(shape))


class RecurrentActorCritic(Module):
    """LSTM-MLP actor and critic: ``x -> LSTM -> MLP -> head``; one LSTM for both, or one
    each (``agent.shared_lstm``). Discrete actions: ``softmax(logits)``; Box actions:
    ``N(μ, diag(σ²))`` with a state-independent ``log σ`` (0 at the start).

    The recurrent state of ``B`` sequences is one tensor ``[K, L, 2, B, H]``: LSTM ``k``
    (0: actor, 1: critic unless shared), layer ``l``, ``h`` then ``c``.

    Raises:
        TypeError: an observation space other than Box, an action space other than
            Discrete or Box, ``agent`` not an :class:`AgentConfig`, or ``device`` not a device.
        ValueError: ``device`` names no device.

    Example:
        >>> box, discrete = spaces.Box(-1, 1, (3,)), spaces.Discrete(2)
        >>> ac = RecurrentActorCritic(box, discrete, AgentConfig(), "cpu")
        >>> state = ac.initial_state(5)
        >>> state.shape
        torch.Size([2, 1, 2, 5, 64])
        >>> obs, starts = torch.zeros(7, 5, 3), torch.zeros(7, 5)
        >>> features, states = ac.unroll(0, obs, starts, state[0], keep_states=True)
        >>> features.shape, states.shape
        (torch.Size([7, 5, 64]), torch.Size([8, 1, 2, 5, 64]))
        >>> ac.value(features).shape
        torch.Size([7, 5])
    """

    def __init__(
        self,
        observation_space: spaces.Space[Any],
        action_space: spaces.Space[Any],
        agent: AgentConfig,
        device: torch.device | str,
    ) -> None:
        super().__init__()
        if not isinstance(observation_space, spaces.Box):
            raise TypeError(
                "observation_space must be a Box (RecurrentActorCritic reads flat vectors), "
                f"got {observation_space!r:.60}"
            )
        check_instance("agent", agent, AgentConfig)
        self.device, H = check_device("device", device), agent.lstm_hidden_size
        self.obs_dim = int(np.prod(observation_space.shape))
        self.hidden_size, self.num_layers = H, agent.lstm_layers
        count = 1 if agent.shared_lstm else 2
        self.activation = torch.tanh if agent.activation == "tanh" else torch.relu
        encoded = agent.encoder_sizes[-1] if agent.encoder_sizes else self.obs_dim
        #: An MLP before each LSTM (``agent.encoder_sizes``; empty lists without one).
        self.encoded = bool(agent.encoder_sizes)
        self.encoders = nn.ModuleList(
            [make_fc(self.obs_dim, agent.encoder_sizes, device=self.device) for _ in range(count)]
        )
        self.lstms = nn.ModuleList(
            [make_lnlstm(encoded, H, agent.lstm_layers, device=self.device) for _ in range(count)]
        )
        self.critic_index = count - 1
        self.actor = make_fc(H, agent.hidden_sizes, device=self.device)
        self.critic = make_fc(H, agent.hidden_sizes, device=self.device)
        features = agent.hidden_sizes[-1] if agent.hidden_sizes else H
        self.discrete = isinstance(action_space, spaces.Discrete)
        self.box = action_space if isinstance(action_space, spaces.Box) else None
        if isinstance(action_space, spaces.Discrete):
            self.policy_out = nn.Linear(features, int(action_space.n), device=self.device)
        elif self.box is not None:
            action_dim = int(np.prod(self.box.shape))
            self.policy_out = nn.Linear(features, action_dim, device=self.device)
            self.log_std = nn.Parameter(torch.zeros(action_dim, device=self.device))
        else:
            raise TypeError(
                "action_space must be a Discrete or a Box (RecurrentActorCritic needs a "
                f"Discrete or Box action space), got {action_space!r:.60}"
            )
        self.value_head = nn.Linear(features, 1, device=self.device)
        if agent.ortho_init:
            for layer in [*self.actor, *self.critic]:
                ortho_init(layer, weight_scale=float(np.sqrt(2.0)))
            ortho_init(self.value_head, weight_scale=1.0)
            ortho_init(self.policy_out, weight_scale=0.01)

    def initial_state(self, batch_size: int) -> torch.Tensor:
        """Zero states ``[K, L, 2, B, H]`` for ``B = batch_size`` sequences."""
        K = len(self.lstms)
        return torch.zeros(K, self.num_layers, 2, batch_size, self.hidden_size, device=self.device)

    def unroll(
        self,
        index: int,
        obs: torch.Tensor,
        starts: torch.Tensor,
        state: torch.Tensor,
        *,
        keep_states: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run LSTM ``index`` over ``obs [T, B, D]`` from ``state [L, 2, B, H]``, zeroing the
        state before step ``t`` where ``starts [T, B]`` is 1 (:meth:`unroll_many` of one).

        Returns:
            the last layer's outputs ``[T, B, H]`` and, with ``keep_states``, the states
            ``[T+1, L, 2, B, H]``: entry ``t`` is the state after step ``t - 1``, before the
            reset of step ``t`` (entry 0 is ``state``); else only the final state ``[1, ...]``.
        """
        out, states = self.unroll_many((index,), obs, starts, state[None], keep_states=keep_states)
        return out[0], states[:, 0]

    def unroll_many(
        self,
        indices: tuple[int, ...],
        obs: torch.Tensor,
        starts: torch.Tensor,
        states: torch.Tensor,
        *,
        keep_states: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the LSTMs ``indices`` side by side over the same ``obs [T, B, D]`` from
        ``states [K, L, 2, B, H]`` (one per index), resetting as :meth:`unroll` does.

        The ``K`` LSTMs advance together: one batched matmul per layer and step for all of
        them, the layer norms' affine maps applied per LSTM. The gate equations are
        :class:`~lagom.networks.LayerNormLSTMCell`'s.

        Returns:
            outputs ``[K, T, B, H]`` and states ``[T+1, K, L, 2, B, H]`` (``[1, ...]``, the
            final ones, without ``keep_states``).
        """
        lstms = [cast(StackedLSTM, self.lstms[k]) for k in indices]
        layers = [
            [cast(LSTMLayer, lstm.layers[i]).cell for lstm in lstms] for i in range(self.num_layers)
        ]
        T, B, H = obs.shape[0], obs.shape[1], self.hidden_size
        reset = starts.to(torch.float32).any(dim=1).tolist()
        keep = (1.0 - starts.to(torch.float32)).unsqueeze(-1)
        params = [_stacked_cell(cells) for cells in layers]
        first = params[0]
        x = obs.reshape(T * B, -1)
        if self.encoded:
            encoded = [self._mlp(cast(nn.ModuleList, self.encoders[k]), x) for k in indices]
            igates = torch.bmm(torch.stack(encoded), first.w_ih)
        else:
            igates = torch.matmul(x, first.w_ih)
        igates0 = _affine_norm(igates, first.norm_i).reshape(-1, T, B, 4 * H)
        hs = [states[:, i, 0] for i in range(self.num_layers)]
        cs = [states[:, i, 1] for i in range(self.num_layers)]
        outputs, kept = [], [states]
        for t in range(T):
            for i, p in enumerate(params):
                h, c = (hs[i] * keep[t], cs[i] * keep[t]) if reset[t] else (hs[i], cs[i])
                ig = (
                    igates0[:, t]
                    if i == 0
                    else _affine_norm(torch.bmm(hs[i - 1], p.w_ih), p.norm_i)
                )
                gates = ig + _affine_norm(torch.bmm(h, p.w_hh), p.norm_h)
                i_f_o = gates[..., : 3 * H].sigmoid()
                g = gates[..., 3 * H :].tanh()
                i_gate, f_gate, o_gate = i_f_o.chunk(3, dim=-1)
                cs[i] = _affine_norm(torch.addcmul(f_gate * c, i_gate, g), p.norm_c)
                hs[i] = o_gate * cs[i].tanh()
            outputs.append(hs[-1])
            if keep_states or t == T - 1:
                kept.append(torch.stack([torch.stack(hs, 1), torch.stack(cs, 1)], dim=2))
        final = torch.stack(kept) if keep_states else kept[-1][None]
        return torch.stack(outputs, dim=1), final

    def _mlp(self, layers: nn.ModuleList, features: torch.Tensor) -> torch.Tensor:
        x = features
        for layer in layers:
            x = self.activation(layer(x))
        return x

    def policy_params(self, features: torch.Tensor) -> torch.Tensor:
        """Logits (discrete) or means (Box) ``[*, A]`` of actor LSTM outputs ``[*, H]``."""
        out: torch.Tensor = self.policy_out(self._mlp(self.actor, features))
        return out

    def value(self, features: torch.Tensor) -> torch.Tensor:
        """``V`` ``[*]`` of critic LSTM outputs ``[*, H]``."""
        out: torch.Tensor = self.value_head(self._mlp(self.critic, features))
        return out.squeeze(-1)

    def sample(self, params: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """An action per row of ``params``: sampled (Gumbel-max or Gaussian) or the mode."""
        if deterministic:
            return params.argmax(-1) if self.discrete else params
        if self.discrete:
            return (params - torch.log(-torch.log(torch.rand_like(params)))).argmax(-1)
        return params + self.log_std.exp() * torch.randn_like(params)

    def log_prob_entropy(
        self, params: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``log π(a|·)`` and the entropy of ``π(·|·)`` (closed forms, as PPO's), ``[*]``."""
        if self.discrete:
            logp_all = functional.log_softmax(params, dim=-1)
            logp = logp_all.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
            return logp, -(logp_all.exp() * logp_all).sum(-1)
        z = (actions - params) * torch.exp(-self.log_std)
        logp = (-0.5 * z.square() - self.log_std - _LOG_SQRT_2PI).sum(-1)
        entropy = (0.5 + _LOG_SQRT_2PI + self.log_std).sum().expand(params.shape[:-1])
        return logp, entropy

    def env_action(self, action: torch.Tensor) -> NDArray[Any]:
        """``action`` as numpy for ``env.step``: clipped to a Box's bounds."""
        out = action.cpu().numpy()
        if self.box is None:
            return out
        clipped: NDArray[Any] = np.clip(
            out.reshape(len(out), *self.box.shape), self.box.low, self.box.high
        )
        return clipped


def _make_model(
    env_id: str, agent: AgentConfig, device: torch.device | str
) -> RecurrentActorCritic:
    env = gym.make(env_id)
    observation_space, action_space = env.observation_space, env.action_space
    env.close()
    return RecurrentActorCritic(observation_space, action_space, agent, device)


class TrainEnv:
    """The training environments and where collection stands: the observations ``[N, D]``
    the next step starts from, which of them start an episode (``starts [N]``) and the
    recurrent state ``[K, L, 2, N, H]`` before the next step.

    >>> model = _make_model(DEFAULT_ENV, AgentConfig(), "cpu")
    >>> train_env = make_train_env(EnvConfig(num_envs=2), model, seed=0)
    >>> train_env.obs.shape, train_env.starts.tolist(), train_env.train_return()
    ((2, 2), [True, True], nan)
    """

    def __init__(self, env: VecRecordEpisodeStatistics, state: torch.Tensor) -> None:
        check_instance("env", env, VecRecordEpisodeStatistics)
        check_instance("state", state, torch.Tensor)
        self.env = env
        obs, _ = env.reset()
        self.obs: NDArray[Any] = np.asarray(obs)
        self.starts: NDArray[np.bool_] = np.ones(env.num_envs, dtype=np.bool_)
        self.state = state

    def train_return(self) -> float:
        """Mean return of the last 100 finished training episodes (NaN before the first)."""
        queue = self.env.return_queue
        return float(np.mean(queue)) if queue else float("nan")


def make_train_env(env: EnvConfig, model: RecurrentActorCritic, seed: int) -> TrainEnv:
    """``env.num_envs`` copies of ``env.id`` with same-step autoreset seeded with ``seed``,
    episode statistics, reset, with ``model``'s zero state.

    Raises:
        TypeError: ``env`` is not an :class:`EnvConfig` or ``model`` not a
            :class:`RecurrentActorCritic`.
        ValueError: ``seed`` outside ``[0, 2**32 - 1]``.

    >>> model = _make_model(DEFAULT_ENV, AgentConfig(), "cpu")
    >>> make_train_env(EnvConfig(num_envs=3), model, seed=0).state.shape
    torch.Size([2, 1, 2, 3, 64])
    """
    check_instance("env", env, EnvConfig)
    check_instance("model", model, RecurrentActorCritic)
    seed = check_seed("seed", seed)
    env_id = env.id
    vec = VecRecordEpisodeStatistics(make_vec_env(lambda: gym.make(env_id), env.num_envs, seed))
    return TrainEnv(vec, model.initial_state(env.num_envs))


class Batch(NamedTuple):
    """A rollout of ``T`` steps of ``N`` environments, time-major, on the model's device:
    ``observations [T, N, D]``, ``starts [T, N]`` (step ``t`` starts an episode: the state
    before it is zeroed), the sampled ``actions`` ``[T, N]`` or ``[T, N, A]``, ``log_probs``
    ``log π_old``, ``values`` ``V_old``, GAE ``advantages`` and ``returns`` (``A + V_old``),
    ``[T, N]``, and ``states [T, K, L, 2, N, H]``, the recurrent states before each step.

    >>> Batch(*(torch.zeros(4, 2) for _ in range(8))).returns.shape
    torch.Size([4, 2])
    """

    observations: torch.Tensor
    starts: torch.Tensor
    actions: torch.Tensor
    log_probs: torch.Tensor
    values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    states: torch.Tensor


def collect(
    model: RecurrentActorCritic, train_env: TrainEnv, T: int, gamma: float, lam: float
) -> Batch:
    """Run ``T`` steps of each environment with the actor (continuing the episodes and the
    recurrent state of the last call), then unroll the critic over the rollout and compute
    the GAE advantages (see the module docstring).

    Raises:
        TypeError: ``model`` is not a :class:`RecurrentActorCritic`, ``train_env`` not a
            :class:`TrainEnv`, or a number has the wrong type.
        ValueError: ``T < 1``, or ``gamma`` or ``lam`` outside ``[0, 1]``.

    >>> model = _make_model(DEFAULT_ENV, AgentConfig(), "cpu")
    >>> batch = collect(model, make_train_env(EnvConfig(num_envs=3), model, 0), 5, 0.99, 0.95)
    >>> batch.observations.shape, batch.states.shape
    (torch.Size([5, 3, 2]), torch.Size([5, 2, 1, 2, 3, 64]))
    """
    check_instance("model", model, RecurrentActorCritic)
    check_instance("train_env", train_env, TrainEnv)
    T = check_int("T", T)
    gamma, lam = check_discount("gamma", gamma), check_discount("lam", lam)
    device, env, N = model.device, train_env.env, train_env.env.num_envs
    obs_buf = np.empty((T, *train_env.obs.shape), dtype=np.float32)
    next_obs = np.empty_like(obs_buf)
    starts = np.empty((T, N), dtype=np.bool_)
    rewards = np.empty((T, N), dtype=np.float32)
    terminated, truncated = np.empty((T, N), dtype=np.bool_), np.empty((T, N), dtype=np.bool_)
    actions, log_probs, actor_states = [], [], [train_env.state[0]]
    state = train_env.state[0]
    with torch.no_grad():
        for t in range(T):
            obs_buf[t], starts[t] = train_env.obs, train_env.starts
            x = torch.from_numpy(obs_buf[t : t + 1]).to(device)
            features, state_t = model.unroll(
                0, x, torch.from_numpy(starts[t : t + 1]).to(device), state
            )
            state = state_t[-1]
            params = model.policy_params(features[0])
            action = model.sample(params)
            log_probs.append(model.log_prob_entropy(params, action)[0])
            actions.append(action)
            actor_states.append(state)
            obs, rewards[t], terminated[t], truncated[t], info = env.step(model.env_action(action))
            next_obs[t] = obs
            final_mask = info.get("_final_obs")
            if final_mask is not None and final_mask.any():
                for i in np.flatnonzero(final_mask):
                    next_obs[t, i] = info["final_obs"][i]
            train_env.obs, train_env.starts = np.asarray(obs), terminated[t] | truncated[t]
        observations = torch.from_numpy(obs_buf).to(device)
        start_mask = torch.from_numpy(starts).to(device)
        c = model.critic_index
        if c == 0:
            critic_states = torch.stack(actor_states)
            features, _ = model.unroll(0, observations, start_mask, actor_states[0])
        else:
            features, critic_states = model.unroll(
                c, observations, start_mask, train_env.state[c], keep_states=True
            )
        values = model.value(features)
        # V(s'_t): the next row's value, else (truncated, or the last row) one critic step on
        # the true next observation from the state after step t, not reset.
        next_values = torch.zeros_like(values)
        next_values[:-1] = values[1:]
        boot = truncated.copy()
        boot[-1] |= ~(terminated[-1] | truncated[-1])
        ts, ns = np.nonzero(boot)
        if len(ts):
            boot_obs = torch.from_numpy(next_obs[ts, ns]).to(device)[None]
            t_index = torch.from_numpy(ts + 1).to(device)
            n_index = torch.from_numpy(ns).to(device)
            boot_state = critic_states[t_index, :, :, n_index].permute(1, 2, 0, 3)
            zeros = torch.zeros(1, len(ts), device=device)
            boot_features, _ = model.unroll(c, boot_obs, zeros, boot_state)
            next_values[ts, ns] = model.value(boot_features[0])
    v, next_v = values.cpu().numpy(), next_values.cpu().numpy()
    adv = batched_gae(gamma, lam, rewards, v, next_v, terminated=terminated, truncated=truncated)
    advantages = torch.from_numpy(adv).to(device)
    actor_stack = torch.stack(actor_states)
    states = torch.stack([actor_stack[:T]] + ([critic_states[:T]] if c else []), dim=1)
    train_env.state = torch.stack([actor_stack[T]] + ([critic_states[T]] if c else []))
    action_tensor = torch.stack(actions)
    return Batch(
        observations, start_mask.float(), action_tensor, torch.stack(log_probs), values,
        advantages, advantages + values, states,
    )  # fmt: skip


def _sequences(batch: Batch, S: int) -> Batch:
    """``batch`` as ``C = (T/S)·N`` sequences of ``S`` steps: ``[S, C, ...]`` tensors,
    sequence ``j = k·N + n`` holding steps ``[kS, (k+1)S)`` of environment ``n``, and
    ``states [K, L, 2, C, H]``, the state before each sequence's first step."""
    T, N = batch.starts.shape
    K = T // S

    def cut(x: torch.Tensor) -> torch.Tensor:
        return x.reshape(K, S, N, *x.shape[2:]).transpose(0, 1).reshape(S, K * N, *x.shape[2:])

    first = batch.states[::S]  # [K_seq, K, L, 2, N, H]
    states = first.permute(1, 2, 3, 0, 4, 5).reshape(*first.shape[1:4], K * N, first.shape[-1])
    return Batch._make([*(cut(x) for x in batch[:-1]), states])


def replay(
    model: RecurrentActorCritic, mb: Batch
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``log π(a|s)``, entropies and ``V(s)``, ``[S, M]``, of the sequences ``mb``
    (``[S, M, ...]``, states ``[K, L, 2, M, H]``) replayed from their initial states.

    >>> model = _make_model(DEFAULT_ENV, AgentConfig(), "cpu")
    >>> batch = collect(model, make_train_env(EnvConfig(num_envs=2), model, 0), 4, 0.99, 0.95)
    >>> log_probs, _, values = replay(model, _sequences(batch, 4))
    >>> bool(torch.allclose(log_probs, batch.log_probs, atol=1e-6))
    True
    """
    check_instance("model", model, RecurrentActorCritic)
    check_instance("mb", mb, Batch)
    indices = tuple(range(model.critic_index + 1))
    out, _ = model.unroll_many(indices, mb.observations, mb.starts, mb.states)
    actor, critic = out[0], out[-1]
    log_probs, entropy = model.log_prob_entropy(model.policy_params(actor), mb.actions)
    return log_probs, entropy, model.value(critic)


def update(
    model: RecurrentActorCritic,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    config: PPOLSTMConfig,
    clip_range: float,
) -> dict[str, float]:
    """``train.n_epochs`` passes of clipped-surrogate steps on shuffled minibatches of
    whole sequences of ``batch`` (see the module docstring); ``clip_range`` is this
    iteration's ``ε``.

    Returns:
        the means over all minibatches of ``policy_loss``, ``value_loss``, ``entropy_loss``,
        ``approx_kl`` (``mean(r - 1 - log r)``) and ``clip_fraction`` (``|r - 1| > ε``).

    Raises:
        TypeError: an argument is not of its documented type.
        ValueError: ``clip_range`` is negative, NaN or infinite, or ``batch`` does not have
            whole sequences of ``train.seq_len`` steps.

    >>> config = default_config()
    >>> model = _make_model(DEFAULT_ENV, config.agent, "cpu")
    >>> batch = collect(model, make_train_env(config.env, model, 0), 32, 0.98, 0.8)
    >>> optimizer = torch.optim.Adam(model.parameters())
    >>> sorted(update(model, optimizer, batch, config, clip_range=0.2))
    ['approx_kl', 'clip_fraction', 'entropy_loss', 'policy_loss', 'value_loss']
    """
    check_instance("model", model, RecurrentActorCritic)
    check_instance("optimizer", optimizer, torch.optim.Optimizer)
    check_instance("batch", batch, Batch)
    check_instance("config", config, PPOLSTMConfig)
    clip_range = check_real("clip_range", clip_range, low=0.0, finite=True)
    agent, train = config.agent, config.train
    S, T = train.sequence_length, batch.starts.shape[0]
    if T % S:
        raise ValueError(f"batch must have a multiple of train.seq_len={S} steps, got {T}")
    seqs = _sequences(batch, S)
    n, per_batch = seqs.starts.shape[1], max(1, train.batch_size // S)
    params, stats = list(model.parameters()), []
    for _ in range(train.n_epochs):
        order = torch.randperm(n, device=model.device) if per_batch < n else None
        for start in range(0, n, per_batch):
            if order is None:
                mb = seqs
            else:
                idx = order[start : start + per_batch]
                mb = Batch._make([*(x[:, idx] for x in seqs[:-1]), seqs.states[:, :, :, idx]])
            log_probs, entropy, values = replay(model, mb)
            adv = mb.advantages
            if agent.normalize_advantage and adv.numel() > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            log_ratio = log_probs - mb.log_probs
            ratio = log_ratio.exp()
            clipped = ratio.clamp(1.0 - clip_range, 1.0 + clip_range)
            policy_loss = -torch.min(adv * ratio, adv * clipped).mean()
            value_loss = functional.mse_loss(values, mb.returns)
            entropy_loss = -entropy.mean()
            loss = policy_loss + agent.ent_coef * entropy_loss + agent.vf_coef * value_loss
            optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(loss)
            nn.utils.clip_grad_norm_(params, agent.max_grad_norm, foreach=True)
            optimizer.step()
            with torch.no_grad():
                approx_kl = ((ratio - 1.0) - log_ratio).mean()
                clip_fraction = ((ratio - 1.0).abs() > clip_range).float().mean()
                terms = [policy_loss, value_loss, entropy_loss, approx_kl, clip_fraction]
                stats.append(torch.stack(terms).detach())
    names = ("policy_loss", "value_loss", "entropy_loss", "approx_kl", "clip_fraction")
    return dict(zip(names, torch.stack(stats).mean(0).tolist(), strict=True))


def _schedule(initial: float, kind: Schedule, timesteps: int) -> LinearSchedule:
    return LinearSchedule(initial, initial if kind == "constant" else 0.0, timesteps)


class RecurrentPolicy:
    """The deterministic recurrent policy: observations ``[B, D]`` to the mode of
    ``π(·|history)``, carrying the actor's state from call to call. Call :meth:`reset` at
    the start of each episode (a batch of another size resets it too).

    Raises:
        TypeError: ``model`` is not a :class:`RecurrentActorCritic`.

    Example:
        >>> model = _make_model(DEFAULT_ENV, AgentConfig(), "cpu")
        >>> policy = RecurrentPolicy(model)
        >>> first = policy(np.zeros((3, 2), dtype=np.float32))
        >>> policy.reset()
        >>> bool((policy(np.zeros((3, 2), dtype=np.float32)) == first).all()), first.shape
        (True, (3,))
    """

    def __init__(self, model: RecurrentActorCritic) -> None:
        check_instance("model", model, RecurrentActorCritic)
        self.model = model
        self.state: torch.Tensor | None = None

    def reset(self) -> None:
        """Forget the history: the next call starts from zero states."""
        self.state = None

    def __call__(self, obs: NDArray[Any]) -> NDArray[Any]:
        """The actions ``[B]`` or ``[B, A]`` for ``obs [B, D]``, given the history."""
        D = self.model.obs_dim
        try:
            array = np.asarray(obs, dtype=np.float32)
        except (TypeError, ValueError):
            raise TypeError(
                f"obs must be a float array [B, {D}], got {type(obs).__name__} {obs!r:.60}"
            ) from None
        if array.ndim < 1 or len(array) == 0 or array[0].size != D:
            raise ValueError(f"obs must have shape [B, {D}] with B >= 1, got {array.shape}")
        x = torch.from_numpy(array.reshape(len(array), D)).to(self.model.device)
        if self.state is None or self.state.shape[-2] != len(x):
            self.state = self.model.initial_state(len(x))[0]
        with torch.inference_mode():
            zeros = torch.zeros(1, len(x), device=self.model.device)
            features, state = self.model.unroll(0, x[None], zeros, self.state)
            self.state = state[-1]
            action = self.model.sample(self.model.policy_params(features[0]), deterministic=True)
        return self.model.env_action(action)


class _ResetPolicy(gym.Wrapper[Any, Any, Any, Any]):
    """Resets ``policy`` whenever the environment resets: a new episode, a new history."""

    def __init__(self, env: gym.Env[Any, Any], policy: RecurrentPolicy) -> None:
        super().__init__(env)
        self.policy = policy

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        self.policy.reset()
        return self.env.reset(**kwargs)


def evaluate(policy: RecurrentPolicy, env_id: str, episodes: int, seed: int) -> dict[str, float]:
    """:func:`~lagom.baselines.common.evaluate_policy` of ``policy`` on ``env_id``, its state
    reset at each episode start (episode ``i`` resets with seed ``seed + i``).

    Raises:
        TypeError: ``policy`` is not a :class:`RecurrentPolicy`, or a number of the wrong type.
        ValueError: ``env_id`` cannot be made, ``episodes < 1`` or ``seed < 0``.

    >>> policy = RecurrentPolicy(_make_model(DEFAULT_ENV, AgentConfig(), "cpu"))
    >>> evaluate(policy, DEFAULT_ENV, episodes=2, seed=0)["episodes"]
    2.0
    """
    check_instance("policy", policy, RecurrentPolicy)
    check_str("env_id", env_id)
    return common.evaluate_policy(
        policy, lambda: _ResetPolicy(gym.make(env_id), policy), episodes, seed
    )


class Learner:
    """The state of one recurrent PPO run and the bookkeeping of its loop (as
    :class:`lagom.baselines.ppo.Learner`): it writes ``run.yml`` and ``config.yml``, seeds
    every generator, builds the model, its Adam optimizer (eps 1e-5) and the environments,
    then resumes from ``logdir/checkpoint.pt`` when there is one.

    Raises:
        TypeError: ``config`` is not a :class:`PPOLSTMConfig`, or ``seed``, ``device`` or
            ``logdir`` of the wrong type.
        ValueError: ``seed`` is out of range or ``device`` unknown.

    Example:
        >>> import tempfile
        >>> config = PPOLSTMConfig(train=TrainConfig(timesteps=64, n_steps=8), eval=EvalConfig(1))
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     learner = Learner(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     batch = learner.collect()
        ...     stopped = learner.end_iteration(batch, {})
        >>> learner.iteration, learner.timesteps, stopped
        (1, 64, False)
    """

    def __init__(self, config: PPOLSTMConfig, seed: int, device: str, logdir: Path) -> None:
        torch_device, logdir = common.check_run(config, PPOLSTMConfig, seed, device, logdir)
        self.config, self.seed, self.logdir = config, seed, logdir
        common.start_run(self.logdir, "ppo_lstm", config, seed)
        set_global_seeds(seed)
        self.model = _make_model(config.env.id, config.agent, torch_device)
        self.train_env = make_train_env(config.env, self.model, seed)
        params, lr = self.model.parameters(), config.agent.lr
        self.optimizer = torch.optim.Adam(params, lr=lr, eps=1e-5, fused=True)
        self.lr = _schedule(lr, config.agent.lr_schedule, config.train.timesteps)
        self.iteration, self.timesteps, elapsed = 0, 0, 0.0
        # Evaluation during training: the recurrent state is reset at each episode's start.
        acting, env_id = RecurrentPolicy(self.model), config.env.id
        self.evaluation = common.PeriodicEvaluation(
            config.eval.every,
            config.eval.every_episodes,
            seed,
            lambda: _ResetPolicy(gym.make(env_id), acting),
        )
        self._acting = acting
        state = common.load_checkpoint(self.logdir)
        if state is not None:
            with common.restoring_checkpoint(self.logdir, "ppo_lstm"):
                self.model.load_state_dict(state["model"])
                self.optimizer.load_state_dict(state["optimizer"])
                common.restore_env_checkpoint(self.train_env.env, state["env"])
                self.train_env.obs = np.asarray(state["obs"])
                self.train_env.starts = np.asarray(state["starts"], dtype=np.bool_)
                self.train_env.state = state["state"].to(torch_device)
                self.iteration, self.timesteps = state["iteration"], state["timesteps"]
                elapsed = state["time"]
                common.restore_rng_state(state["rng"])
                self.evaluation.restore(state.get("evaluation"))
        self.logger = common.progress_logger(self.logdir, self.iteration, config.train.log)
        self.t0 = time.perf_counter() - elapsed

    def collect(self) -> Batch:
        """The next batch (:func:`collect`); counts it and sets the learning rate at the new
        step count."""
        T, agent = self.config.train.n_steps, self.config.agent
        batch = collect(self.model, self.train_env, T, agent.gamma, agent.gae_lambda)
        self.iteration += 1
        self.timesteps += batch.starts.numel()
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr(self.timesteps)
        return batch

    def end_iteration(self, batch: Batch, stats: dict[str, float]) -> bool:
        """Write the progress row and checkpoint when due; ``True`` when ``train.stop_at``
        ends the run here (after a checkpoint)."""
        ev = explained_variance(batch.returns.cpu().numpy(), batch.values.cpu().numpy())
        row = {
            "iteration": self.iteration,
            "timesteps": self.timesteps,
            "time": time.perf_counter() - self.t0,
            "train_return": self.train_env.train_return(),
            "explained_variance": ev,
            "lr": self.lr(self.timesteps),
        }
        row |= self.evaluation(self.logdir, self.timesteps, self._acting, self.policy_tensors)
        common.write_row(self.logger, row | stats)
        train = self.config.train
        stop = train.stop_at is not None and train.stop_at <= self.timesteps < train.timesteps
        if stop or self.iteration % train.checkpoint_every == 0:
            self.save()
        if stop:
            self.train_env.env.close()
        return stop

    def save(self) -> None:
        """Write ``checkpoint.pt`` (all it takes to continue bit for bit) and ``policy.pt``."""
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "env": common.env_checkpoint(self.train_env.env),
            "obs": self.train_env.obs,
            "starts": self.train_env.starts,
            "state": self.train_env.state,
            "iteration": self.iteration,
            "timesteps": self.timesteps,
            "time": time.perf_counter() - self.t0,
            "rng": common.rng_state(),
            "evaluation": self.evaluation.state(),
        }
        common.save_checkpoint(self.logdir, state)
        common.save_policy(self.logdir, self.policy_tensors())

    def policy_tensors(self) -> dict[str, Any]:
        """What ``policy.pt`` (and ``best_policy.pt``) hold: the model's weights."""
        return {"model": self.model.state_dict()}

    def finish(self) -> dict[str, float]:
        """Save, close the environments, evaluate the deterministic recurrent policy
        (``eval.episodes`` episodes, seeds ``seed + 10000 + i``) and write ``final_eval.yml``."""
        self.save()
        self.train_env.env.close()
        policy = RecurrentPolicy(self.model)
        metrics = evaluate(
            policy, self.config.env.id, self.config.eval.episodes, self.seed + 10_000
        )
        return common.finish(self.logdir, metrics | self.evaluation.summary())


def train(config: PPOLSTMConfig, seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train recurrent PPO into ``logdir``: the final evaluation, or ``{}`` when
    ``train.stop_at`` stopped the run.

    Raises:
        TypeError: ``config`` is not a :class:`PPOLSTMConfig`, ``seed`` not an int or
            ``logdir`` not a path.
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]`` or ``device`` unknown.

    >>> import tempfile
    >>> config = PPOLSTMConfig(train=TrainConfig(timesteps=64, n_steps=8), eval=EvalConfig(2))
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     metrics = train(config, seed=0, device="cpu", logdir=Path(logdir))
    ...     rows = (Path(logdir) / "progress.csv").read_text().splitlines()
    >>> len(rows), metrics["episodes"]
    (2, 2.0)
    """
    check_instance("config", config, PPOLSTMConfig)
    learner = Learner(config, seed, device, logdir)
    agent, total = config.agent, config.train.timesteps
    clip = _schedule(agent.clip_range, agent.clip_range_schedule, total)
    while learner.timesteps < total:
        batch = learner.collect()
        clip_range = clip(learner.timesteps)
        stats = update(learner.model, learner.optimizer, batch, config, clip_range)
        if learner.end_iteration(batch, stats | {"clip_range": clip_range}):
            return {}
    return learner.finish()


def run(
    config: Mapping[str, Any] | PPOLSTMConfig, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """:func:`train` with ``config``: a :class:`PPOLSTMConfig`, or dotted keys over the
    :func:`default_config` of its ``env.id`` (as ``run_experiment`` and ``lagom train`` call).

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or
            ``seed`` or ``logdir`` has the wrong type.
        ValueError: an unknown key (with close matches), a wrong type or a bad value.

    >>> run({"train.seq_lenn": 8}, 0, "cpu", Path("unused"))
    Traceback (most recent call last):
    ...
    ValueError: unknown config key 'train.seq_lenn'; did you mean 'train.seq_len'?
    """
    return train(common.resolve_config(default_config, config, DEFAULT_ENV), seed, device, logdir)


def load_policy(
    run_dir: Path, device: str, config: PPOLSTMConfig, *, name: str = common.POLICY_FILE
) -> RecurrentPolicy:
    """The deterministic recurrent policy that a run with ``config`` saved in ``run_dir``'s
    policy file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one).

    Raises:
        TypeError: ``run_dir`` is not a path, ``config`` not a :class:`PPOLSTMConfig`, or
            ``name`` not a str.
        ValueError: ``run_dir`` holds no file ``name`` (read weights-only: no code runs).

    >>> load_policy(Path("/nonexistent"), "cpu", PPOLSTMConfig())
    Traceback (most recent call last):
    ...
    ValueError: /nonexistent holds no policy.pt to rebuild the policy from
    """
    check_instance("config", config, PPOLSTMConfig)
    check_path("run_dir", run_dir)
    state = common.load_policy_state(run_dir, name)
    model = _make_model(config.env.id, config.agent, common.choose_device(device))
    model.load_state_dict(state["model"])
    return RecurrentPolicy(model.eval())


def make_policy(run_dir: Path, device: str, *, name: str = common.POLICY_FILE) -> RecurrentPolicy:
    """The trained deterministic recurrent policy of the run folder ``run_dir``, from its
    policy file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one).

    Its state carries over between calls: call ``reset()`` at each episode start.

    Raises:
        TypeError: ``run_dir`` is not a str or path, or ``name`` not a str.
        ValueError: ``run_dir`` is not a ppo_lstm run folder, holds no file ``name``, or
            ``device`` is unknown.

    >>> import tempfile
    >>> config = PPOLSTMConfig(train=TrainConfig(timesteps=8, n_steps=8), eval=EvalConfig(1))
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     _ = train(config, 0, "cpu", Path(logdir))
    ...     actions = make_policy(Path(logdir), "cpu")(np.zeros((3, 2)))
    >>> actions.shape, set(actions.tolist()) <= {0, 1}
    ((3,), True)
    """
    check_path("run_dir", run_dir)
    config = common.load_run_config(run_dir, default_config)
    return load_policy(run_dir, device, config, name=name)


#: Recurrent PPO's record for the ``lagom`` command.
ALGORITHM = Algorithm(
    name="ppo_lstm",
    summary="PPO with layer-normalized LSTM actor and critic (partially observed tasks)",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("discrete", "continuous"),
    make_policy=make_policy,
)
