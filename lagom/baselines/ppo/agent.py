"""The actor-critic of PPO and VPG: separate actor and critic MLPs, fast log-probabilities.

Stable-Baselines3's ``MlpPolicy`` layout: the actor ``s -> h_1 -> ... -> h_L -> policy head``
and the critic ``s -> h_1 -> ... -> h_L -> V(s)`` share nothing; hidden layers are
orthogonally initialized with gain ``sqrt(2)``, the policy head with 0.01 (inside
:class:`~lagom.networks.CategoricalHead` / :class:`~lagom.networks.DiagGaussianHead`), the value
head with 1, biases 0. The log-probabilities and entropies are written out in closed form on
the heads' parameters instead of building ``torch.distributions`` objects, which costs more than
the arithmetic on minibatches of a few hundred rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from torch import nn
from torch.nn import functional

from lagom.networks import CategoricalHead, DiagGaussianHead, Module, make_fc, ortho_init

__all__ = ["ActorCritic"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


class ActorCritic(Module):
    """Actor and critic MLPs for a Box observation space and a Discrete or Box action space.

    Discrete actions: ``π(a|s) = softmax(logits(s))_a``. Box actions: ``π(·|s) = N(μ(s),
    diag(σ²))`` with a state-independent ``log σ`` (initialized to ``log_std_init``); actions
    are sampled unbounded (the caller clips them to the action space before ``env.step``).

    Args:
        observation_space: a ``Box``; observations are flattened to ``D`` features.
        action_space: ``Discrete(A)`` or a ``Box`` of ``A`` flat dimensions.
        hidden_sizes: hidden layer sizes of both MLPs.
        activation: ``"tanh"`` or ``"relu"``.
        device: where the parameters live.
        ortho: whether to use the orthogonal initialization described above for the hidden
            layers and the value head (the policy heads always use theirs).
        log_std_init: initial ``log σ`` of a Box action space.

    Raises:
        TypeError: a space of another type.
        ValueError: an unknown activation.

    Example:
        >>> import torch
        >>> from gymnasium import spaces
        >>> _ = torch.manual_seed(0)
        >>> ac = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), [8, 8], "tanh", "cpu")
        >>> obs = torch.zeros(5, 3)
        >>> ac.sample(obs).shape, ac.value(obs).shape
        (torch.Size([5]), torch.Size([5]))
        >>> logp, entropy = ac.log_prob_entropy(obs, torch.tensor([0, 1, 0, 1, 0]))
        >>> bool(torch.allclose(entropy, torch.full((5,), math.log(2.0)), atol=1e-3))
        True
    """

    def __init__(
        self,
        observation_space: spaces.Space[Any],
        action_space: spaces.Space[Any],
        hidden_sizes: Sequence[int],
        activation: str,
        device: torch.device | str,
        ortho: bool = True,
        log_std_init: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(observation_space, spaces.Box):
            raise TypeError(f"ActorCritic needs a Box observation space, got {observation_space}")
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.device = torch.device(device)
        self.obs_dim = int(np.prod(observation_space.shape))
        self.activation = _ACTIVATIONS[activation]
        self.actor = make_fc(self.obs_dim, hidden_sizes, device=self.device)
        self.critic = make_fc(self.obs_dim, hidden_sizes, device=self.device)
        feature_dim = hidden_sizes[-1] if hidden_sizes else self.obs_dim
        self.discrete = isinstance(action_space, spaces.Discrete)
        self.head: CategoricalHead | DiagGaussianHead
        if isinstance(action_space, spaces.Discrete):
            self.head = CategoricalHead(feature_dim, int(action_space.n), self.device)
            self.policy_out: nn.Linear = self.head.action_head
        elif isinstance(action_space, spaces.Box):
            action_dim = int(np.prod(action_space.shape))
            self.head = DiagGaussianHead(
                feature_dim, action_dim, self.device, math.exp(log_std_init)
            )
            self.policy_out = self.head.mean_head
        else:
            raise TypeError(f"ActorCritic needs a Discrete or Box action space, got {action_space}")
        self.value_head = nn.Linear(feature_dim, 1, device=self.device)
        if ortho:
            for layer in [*self.actor, *self.critic]:
                ortho_init(layer, weight_scale=math.sqrt(2.0))
            ortho_init(self.value_head, weight_scale=1.0)

    def _mlp(self, layers: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            x = self.activation(layer(x))
        return x

    def policy_params(self, obs: torch.Tensor) -> torch.Tensor:
        """The logits ``[B, A]`` (discrete) or the means ``μ(s)`` ``[B, A]`` (Box)."""
        out: torch.Tensor = self.policy_out(self._mlp(self.actor, obs.reshape(len(obs), -1)))
        return out

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """The values ``V(s)`` ``[B]`` of observations ``[B, *shape]``."""
        out: torch.Tensor = self.value_head(self._mlp(self.critic, obs.reshape(len(obs), -1)))
        return out.squeeze(-1)

    def sample(self, obs: torch.Tensor) -> torch.Tensor:
        """Actions ``a ~ π(·|s)``: ``[B]`` integers or ``[B, A]`` floats.

        Discrete actions use the Gumbel-max trick, ``argmax(logits - log(-log U))``.
        """
        params = self.policy_params(obs)
        if self.discrete:
            gumbel = -torch.log(-torch.log(torch.rand_like(params)))
            return (params + gumbel).argmax(-1)
        return params + self._log_std().exp() * torch.randn_like(params)

    def mode(self, obs: torch.Tensor) -> torch.Tensor:
        """The most likely actions: the argmax of the logits or the mean ``μ(s)``."""
        params = self.policy_params(obs)
        return params.argmax(-1) if self.discrete else params

    def log_prob_entropy(
        self, obs: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``log π(a|s)`` ``[B]`` and the entropy of ``π(·|s)`` ``[B]``.

        Discrete: ``log softmax(logits)_a`` and ``-Σ p log p``. Box: ``Σ_i -(a_i - μ_i)² /
        (2σ_i²) - log σ_i - log √(2π)`` and ``Σ_i 1/2 + log √(2π) + log σ_i``.
        """
        params = self.policy_params(obs)
        if self.discrete:
            logp_all = functional.log_softmax(params, dim=-1)
            logp = logp_all.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
            return logp, -(logp_all.exp() * logp_all).sum(-1)
        log_std = self._log_std()
        z = (actions.reshape(params.shape) - params) * torch.exp(-log_std)
        logp = (-0.5 * z.square() - log_std - _LOG_SQRT_2PI).sum(-1)
        entropy = (0.5 + _LOG_SQRT_2PI + log_std).sum().expand(len(params))
        return logp, entropy

    def _log_std(self) -> torch.Tensor:
        if not isinstance(self.head, DiagGaussianHead):
            raise TypeError("a discrete policy has no standard deviation")
        log_std: torch.Tensor = self.head.logstd_head
        return log_std
