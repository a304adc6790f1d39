"""Fused ensembles of critics: :class:`QEnsemble`, ``n`` Q-networks run as one.

Its ``n`` Q-networks run as one batched matrix product per layer (``torch.baddbmm`` over a
leading member axis), so twin critics (SAC, TD3) cost one module call, one backward and one
optimizer step instead of two of each.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import torch
from torch import nn

from lagom._checks import check_device, check_features, check_int
from lagom.networks.layers import _check_parameter_memory, _check_sizes, make_fc
from lagom.networks.module import Module

__all__ = ["QEnsemble"]


class QEnsemble(Module):
    r"""``n`` independent Q-networks :math:`Q_i(s, a)`, MLPs with ReLU, evaluated together.

    Member ``i`` maps ``[s, a]`` through ``hidden_sizes`` to one value. The weights of layer
    ``l`` are stored as one ``[n, fan_in, fan_out]`` parameter; each member starts with the
    initialization of its own :func:`~lagom.networks.make_fc` stack (``nn.Linear``'s default).

    Args:
        obs_dim: observation size.
        action_dim: action size.
        hidden_sizes: hidden layer sizes of every member.
        n: number of members (2 for twin critics, 1 for DDPG).
        device: device of the parameters.

    Raises:
        TypeError: a size is not an int, ``hidden_sizes`` is not a list, or ``device`` is
            not a device.
        ValueError: a size is not positive, ``device`` names no device, or the
            parameters would not fit in its memory (checked before anything is allocated).

    Example:
        >>> import torch
        >>> critic = QEnsemble(3, 1, [8, 8], n=2)
        >>> obs, actions = torch.zeros(5, 3), torch.zeros(5, 1)
        >>> critic(obs, actions).shape
        torch.Size([5, 2])
        >>> torch.equal(critic(obs, actions, members=1)[:, 0], critic(obs, actions)[:, 0])
        True
    """

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int],
        n: int = 2,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.n = check_int("n", n, minimum=1)
        self.obs_dim = check_int("obs_dim", obs_dim)
        self.action_dim = check_int("action_dim", action_dim)
        in_dim = self.obs_dim + self.action_dim
        hidden_sizes = _check_sizes("hidden_sizes", hidden_sizes)
        sizes = [in_dim, *hidden_sizes, 1]
        # n stacks, then their stacked copies: twice the parameters of the ensemble at once.
        numel = 2 * self.n * sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        _check_parameter_memory(
            "QEnsemble", numel, None if device is None else check_device("device", device)
        )
        stacks = [
            [cast(nn.Linear, layer) for layer in make_fc(in_dim, [*hidden_sizes, 1], device=device)]
            for _ in range(self.n)
        ]
        self.weights = nn.ParameterList(
            torch.stack([stack[i].weight.detach().T for stack in stacks])
            for i in range(len(stacks[0]))
        )
        self.biases = nn.ParameterList(
            torch.stack([stack[i].bias.detach()[None] for stack in stacks])
            for i in range(len(stacks[0]))
        )

    def _check_members(self, members: object) -> int:
        m = check_int("members", members, minimum=1)
        if m > self.n:
            raise ValueError(f"members must be at most n={self.n}, got {m}")
        return m

    def forward(
        self, observations: torch.Tensor, actions: torch.Tensor, members: int | None = None
    ) -> torch.Tensor:
        """Q-values ``[B, m]`` of the first ``m = members`` (default all ``n``) members.

        Args:
            observations: ``[B, obs_dim]``.
            actions: ``[B, action_dim]``.
            members: evaluate only members ``0 .. members-1`` (TD3's actor uses ``1``).

        Raises:
            TypeError: an input is not a floating-point tensor, or ``members`` is not an int.
            ValueError: an input is not ``[B, obs_dim]`` or ``[B, action_dim]``, or
                ``members`` is not in ``[1, n]``.
        """
        m = self.n if members is None else self._check_members(members)
        first = self.weights._parameters["0"]
        check_features("observations", observations, self.obs_dim, like=first)
        check_features("actions", actions, self.action_dim, like=first)
        if observations.ndim != 2:
            raise ValueError(
                f"observations must have shape [B, {self.obs_dim}], got {list(observations.shape)}"
            )
        if observations.shape[:-1] != actions.shape[:-1]:
            raise ValueError(
                f"observations and actions must have one batch shape, got "
                f"{list(observations.shape)} and {list(actions.shape)}"
            )
        x = torch.cat([observations, actions], dim=-1)
        x = x.expand(m, *x.shape)
        # All members use the parameters whole: a slice would cost its backward a zeroed
        # copy of every weight.
        # (``_parameters`` is read directly: indexing a ParameterList costs 10 us a call.)
        weights = cast(list[torch.Tensor], list(self.weights._parameters.values()))
        biases = cast(list[torch.Tensor], list(self.biases._parameters.values()))
        layers = [
            (weight, bias) if m == self.n else (weight[:m], bias[:m])
            for weight, bias in zip(weights, biases, strict=True)
        ]
        for weight, bias in layers[:-1]:
            x = torch.relu(torch.baddbmm(bias, x, weight))
        # The one-unit output layer as a product and a sum: a batched matrix product with
        # one output column (and its backward, an outer product) is several times slower.
        weight, bias = layers[-1]
        return ((x * weight.transpose(1, 2)).sum(-1) + bias[:, :, 0]).T

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward
