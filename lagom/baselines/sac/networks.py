"""SAC's policy: :class:`SquashedGaussianActor`, a tanh-squashed diagonal Gaussian.

The critic is :class:`lagom.baselines.td3.QEnsemble` with two members.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import torch
from torch import nn
from torch.nn import functional

from lagom._checks import check_int
from lagom.networks import Module, make_fc

__all__ = ["SquashedGaussianActor"]

LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0
_LOG2 = math.log(2.0)


class SquashedGaussianActor(Module):
    r"""The policy :math:`a = \tanh(u)`, :math:`u \sim \mathcal{N}(\mu(s), \sigma(s)^2)`.

    An MLP with ReLU gives the features; one linear head gives :math:`\mu` and
    :math:`\log\sigma` (clamped to ``[-20, 2]``). By the change of variables
    :math:`a = \tanh(u)`,

    .. math::

        \log \pi(a \mid s) = \sum_{j} \Big[\log \mathcal{N}(u_j; \mu_j, \sigma_j^2)
            - \log(1 - \tanh^2 u_j)\Big],
        \qquad \log(1 - \tanh^2 u) = 2\,(\log 2 - u - \operatorname{softplus}(-2u)),

    the right-hand form being exact and finite for every :math:`u` (no ``1e-6`` fudge).

    Args:
        obs_dim: observation size.
        action_dim: action size ``A``.
        hidden_sizes: hidden layer sizes.
        device: device of the parameters.

    Example:
        >>> import torch
        >>> actor = SquashedGaussianActor(3, 2, [8])
        >>> actions, log_probs = actor.sample(torch.randn(4, 3))
        >>> actions.shape, log_probs.shape, bool(actions.abs().max() < 1)
        (torch.Size([4, 2]), torch.Size([4]), True)
    """

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int],
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.action_dim = check_int("action_dim", action_dim)
        self.layers = make_fc(obs_dim, hidden_sizes, device=device)
        last = hidden_sizes[-1] if len(hidden_sizes) else obs_dim
        self.head = nn.Linear(last, 2 * self.action_dim, device=device)
        self._log_prob_offset = self.action_dim * (0.5 * math.log(2.0 * math.pi) + 2.0 * _LOG2)

    def forward(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and clamped log standard deviation of :math:`u`, each ``[B, A]``."""
        x = observations
        for layer in self.layers:
            linear = cast(nn.Linear, layer)  # called through F.linear: no module-call overhead
            x = torch.relu(functional.linear(x, linear.weight, linear.bias))
        mean, log_std = functional.linear(x, self.head.weight, self.head.bias).chunk(2, dim=-1)
        return mean, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)

    def sample(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Reparameterized actions ``[B, A]`` in ``(-1, 1)`` and their log-probabilities ``[B]``.

        Draws the noise :math:`\\epsilon \\sim \\mathcal{N}(0, I)` from torch's generator of
        the parameters' device; with :math:`u = \\mu + \\sigma\\epsilon` the log-probability
        is :math:`\\sum_j [2(u_j + \\operatorname{softplus}(-2u_j)) - \\log\\sigma_j]
        - \\tfrac12\\lVert\\epsilon\\rVert^2 - A(\\tfrac12\\log 2\\pi + 2\\log 2)`, whose
        last two terms carry no gradient.
        """
        mean, log_std = self(observations)
        noise = torch.randn_like(mean)
        u = torch.addcmul(mean, log_std.exp(), noise)
        log_prob = (2.0 * (u + functional.softplus(-2.0 * u)) - log_std).sum(-1)
        constant = 0.5 * noise.square().sum(-1) + self._log_prob_offset
        return torch.tanh(u), log_prob - constant

    def sample_actions(self, observations: torch.Tensor) -> torch.Tensor:
        """The actions of :meth:`sample` (the same noise draw) without their log-probabilities.

        Example:
            >>> import torch
            >>> actor, obs = SquashedGaussianActor(3, 2, [8]), torch.randn(4, 3)
            >>> _ = torch.manual_seed(0)
            >>> actions = actor.sample_actions(obs)
            >>> _ = torch.manual_seed(0)
            >>> torch.equal(actions, actor.sample(obs)[0])
            True
        """
        mean, log_std = self(observations)
        return torch.tanh(torch.addcmul(mean, log_std.exp(), torch.randn_like(mean)))

    def deterministic(self, observations: torch.Tensor) -> torch.Tensor:
        r"""The mode's image :math:`\tanh(\mu(s))`, ``[B, A]``: the evaluation policy."""
        return torch.tanh(self(observations)[0])
