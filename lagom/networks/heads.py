"""Action-distribution heads: `CategoricalHead` (discrete) and `DiagGaussianHead` (continuous)."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.distributions import Categorical, Independent, Normal
from torch.nn import functional

from lagom._checks import check_device, check_features, check_int
from lagom.networks.init import ortho_init
from lagom.networks.layers import _check_parameter_memory
from lagom.networks.module import Module

__all__ = ["CategoricalHead", "DiagGaussianHead"]


class CategoricalHead(Module):
    """A Categorical (discrete) action distribution computed from features.

    ``probs = softmax(x Wᵀ + b)`` over the last dimension; the linear layer is initialized
    orthogonally with gain 0.01 and zero bias, so the initial policy is almost uniform.

    Args:
        feature_dim: number of input features ``F``.
        num_action: number of discrete actions ``A``.
        device: device the head is created on (stored as ``self.device``).
        **kwargs: further attributes to set on the module.

    Raises:
        TypeError: if a size is not an int or ``device`` is not a device.
        ValueError: if ``feature_dim`` or ``num_action`` is not positive, ``device`` names
            no device, or the parameters would not fit in its memory.

    Example:
        >>> import torch
        >>> from lagom.networks import CategoricalHead
        >>> action_head = CategoricalHead(30, 4, 'cpu')
        >>> action_head(torch.randn(2, 30))
        Categorical(probs: torch.Size([2, 4]))
    """

    def __init__(
        self, feature_dim: int, num_action: int, device: torch.device | str, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.feature_dim = check_int("feature_dim", feature_dim)
        self.num_action = check_int("num_action", num_action)
        self.device = check_device("device", device)
        _check_parameter_memory("CategoricalHead", (feature_dim + 1) * num_action, self.device)
        self.action_head = nn.Linear(feature_dim, num_action, device=self.device)
        ortho_init(self.action_head, weight_scale=0.01, constant_bias=0.0)

    def forward(self, x: torch.Tensor) -> Categorical:
        """Return the action distribution for features ``x``.

        Args:
            x: features, shape ``[*, F]``.

        Returns:
            ``Categorical`` with ``probs`` of shape ``[*, A]``.

        Raises:
            TypeError: ``x`` is not a floating-point tensor.
            ValueError: ``x`` is not ``[*, F]``.
        """
        check_features("x", x, self.feature_dim, like=self.action_head.weight)
        return Categorical(probs=functional.softmax(self.action_head(x), dim=-1))

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


def _check_std0(std0: object) -> float:
    if isinstance(std0, bool) or not isinstance(std0, numbers.Real):
        raise TypeError(f"std0 must be a positive finite number, got {type(std0).__name__}")
    value = float(std0)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"std0 must be a positive finite number, got {std0!r}")
    return value


class DiagGaussianHead(Module):
    """A diagonal Gaussian (continuous) action distribution with state-independent std.

    The mean is ``μ(x) = x Wᵀ + b`` (orthogonal init with gain 0.01 and zero bias, so it
    starts near 0); the log standard deviation ``log σ`` is one learnable parameter per
    action dimension (``logstd_head``), initialized to ``log(std0)`` and optimized in log
    space (any real value), and ``σ = exp(log σ)``. The distribution is
    ``Independent(Normal(μ(x), σ), 1)``: ``log_prob`` sums over the action dimensions.

    Args:
        feature_dim: number of input features ``F``.
        action_dim: flat dimension of actions ``A``.
        device: device the head is created on (stored as ``self.device``).
        std0: initial standard deviation, positive.
        **kwargs: further attributes to set on the module.

    Raises:
        TypeError: if a dimension is not an int, ``std0`` is not a real number, or
            ``device`` is not a device.
        ValueError: if a dimension is not positive, ``std0`` is not positive and finite,
            ``device`` names no device, or the parameters would not fit in its memory.

    Example:
        >>> import torch
        >>> from lagom.networks import DiagGaussianHead
        >>> action_head = DiagGaussianHead(10, 4, 'cpu', 0.45)
        >>> action_dist = action_head(torch.randn(2, 10))
        >>> action_dist.base_dist
        Normal(loc: torch.Size([2, 4]), scale: torch.Size([2, 4]))
        >>> action_dist.base_dist.stddev
        tensor([[0.4500, 0.4500, 0.4500, 0.4500],
                [0.4500, 0.4500, 0.4500, 0.4500]], grad_fn=<ExpBackward0>)
    """

    def __init__(
        self,
        feature_dim: int,
        action_dim: int,
        device: torch.device | str,
        std0: float,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.feature_dim = check_int("feature_dim", feature_dim)
        self.action_dim = check_int("action_dim", action_dim)
        self.std0 = _check_std0(std0)
        self.device = check_device("device", device)
        numel = (feature_dim + 2) * action_dim
        _check_parameter_memory("DiagGaussianHead", numel, self.device)
        self.mean_head = nn.Linear(feature_dim, action_dim, device=self.device)
        ortho_init(self.mean_head, weight_scale=0.01, constant_bias=0.0)
        self.logstd_head = nn.Parameter(
            torch.full((action_dim,), math.log(self.std0), device=self.device)
        )

    def forward(self, x: torch.Tensor) -> Independent[Normal]:
        """Return the action distribution for features ``x``.

        Args:
            x: features, shape ``[*, F]``.

        Returns:
            ``Independent(Normal(loc, scale), 1)`` with ``loc`` and ``scale`` of shape
            ``[*, A]``.

        Raises:
            TypeError: ``x`` is not a floating-point tensor.
            ValueError: ``x`` is not ``[*, F]``.
        """
        mean = self.mean_head(check_features("x", x, self.feature_dim, self.mean_head.weight))
        std = self.logstd_head.expand_as(mean).exp()
        return Independent(Normal(loc=mean, scale=std), 1)

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward
