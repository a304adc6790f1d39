"""Mixture density network head (`MDNHead`): Gaussian mixtures, their loss and sampling."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn import functional

from lagom._checks import (
    check_device,
    check_features,
    check_float_tensor,
    check_int,
    check_positive,
)
from lagom.networks.init import ortho_init
from lagom.networks.layers import _check_parameter_memory
from lagom.networks.module import Module

__all__ = ["MDNHead"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _check_mixture(
    logit_pi: torch.Tensor, mean: torch.Tensor, std: torch.Tensor
) -> tuple[int, int, int]:
    check_float_tensor("logit_pi", logit_pi)
    check_float_tensor("mean", mean)
    check_float_tensor("std", std)
    if logit_pi.ndim != 3 or mean.shape != logit_pi.shape or std.shape != logit_pi.shape:
        raise ValueError(
            "logit_pi, mean and std must all have shape [N, K, D], got "
            f"{tuple(logit_pi.shape)}, {tuple(mean.shape)} and {tuple(std.shape)}"
        )
    N, K, D = logit_pi.shape
    return N, K, D


class MDNHead(Module):
    """Mixture density network head: ``K`` Gaussian densities over ``D`` output dimensions.

    Three linear layers (orthogonal init, gain 0.01, zero bias) map features ``x`` to the
    logits of the mixing coefficients, the means and the log-variances, each ``[N, K, D]``;
    ``std = exp(0.5 * logvar)``.

    As documented by the reference, the mixing coefficients are per dimension:
    `loss` multiplies ``π_{k,d} N(y_d | μ_{k,d}, σ_{k,d})`` over ``d`` inside the sum over
    ``k``, while `sample` draws a density for each dimension independently; the two describe
    the same distribution when ``D = 1``.

    Args:
        in_features: number of input features ``F``.
        out_features: output dimension ``D``.
        num_density: number of Gaussian densities ``K``.
        device: device the head is created on (stored as ``self.device``).
        **kwargs: further attributes to set on the module.

    Raises:
        TypeError: if a size is not an int or ``device`` is not a device.
        ValueError: if a size is not positive, ``device`` names no device, or the
            parameters would not fit in its memory (checked before anything is allocated).

    Example:
        >>> import torch
        >>> from lagom.networks import MDNHead
        >>> head = MDNHead(in_features=5, out_features=2, num_density=3, device='cpu')
        >>> logit_pi, mean, std = head(torch.randn(4, 5))
        >>> logit_pi.shape, mean.shape, std.shape
        (torch.Size([4, 3, 2]), torch.Size([4, 3, 2]), torch.Size([4, 3, 2]))
        >>> head.loss(logit_pi, mean, std, torch.randn(4, 2)).shape
        torch.Size([])
        >>> head.sample(logit_pi, mean, std, tau=0.5).shape
        torch.Size([4, 2])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        num_density: int,
        device: torch.device | str,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.in_features = check_int("in_features", in_features)
        self.out_features = check_int("out_features", out_features)
        self.num_density = check_int("num_density", num_density)
        self.device = check_device("device", device)
        size = out_features * num_density
        _check_parameter_memory("MDNHead", 3 * (in_features + 1) * size, self.device)
        self.pi_head = nn.Linear(in_features, size, device=self.device)
        self.mean_head = nn.Linear(in_features, size, device=self.device)
        self.logvar_head = nn.Linear(in_features, size, device=self.device)
        for layer in (self.pi_head, self.mean_head, self.logvar_head):
            ortho_init(layer, weight_scale=0.01, constant_bias=0.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return the mixture parameters for features ``x``.

        Args:
            x: features, shape ``[N, F]``.

        Returns:
            ``(logit_pi, mean, std)``, each of shape ``[N, K, D]``.

        Raises:
            TypeError: ``x`` is not a floating-point tensor.
            ValueError: ``x`` is not ``[N, F]``.
        """
        check_features("x", x, self.in_features, like=self.pi_head.weight)
        shape = (*x.shape[:-1], self.num_density, self.out_features)
        logit_pi = self.pi_head(x).reshape(shape)
        mean = self.mean_head(x).reshape(shape)
        std = torch.exp(0.5 * self.logvar_head(x).reshape(shape))
        return logit_pi, mean, std

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward

    def loss(
        self, logit_pi: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        r"""Return the mixture negative log-likelihood of ``target``, averaged over the batch.

        With ``π_{k,d} = softmax_k(logit_pi)[n, k, d]`` (normalized over the ``K`` densities
        for each dimension), the loss is

        .. math::
            L = -\frac{1}{N} \sum_{n=1}^N \ln \sum_{k=1}^K \prod_{d=1}^D
                \pi_{k,d}\, \mathcal{N}(y_{n,d} \mid \mu_{n,k,d}, \sigma_{n,k,d}),

        computed in log space with the log-sum-exp trick
        ``log Σ_k exp(a_k) = a* + log Σ_k exp(a_k - a*)``, ``a* = max_k a_k``, where
        ``a_k = Σ_d (ln π_{k,d} + ln N(y_{n,d} | μ_{n,k,d}, σ_{n,k,d}))``; the direct product
        underflows to ``log 0 = -inf`` for far targets, this form stays finite.

        Args:
            logit_pi: logits of the mixing coefficients, shape ``[N, K, D]``.
            mean: means of the densities, shape ``[N, K, D]``.
            std: standard deviations of the densities, positive, shape ``[N, K, D]``.
            target: targets ``y``, shape ``[N, D]``.

        Returns:
            The loss, a scalar tensor.

        Raises:
            TypeError: if an input is not a floating-point tensor.
            ValueError: if the shapes do not match.
        """
        N, _, D = _check_mixture(logit_pi, mean, std)
        check_float_tensor("target", target)
        if target.shape != (N, D):
            raise ValueError(f"target must have shape [N, D] = {[N, D]}, got {list(target.shape)}")
        log_pi = functional.log_softmax(logit_pi, dim=1)
        z = (target.unsqueeze(1) - mean) / std
        log_normal = -0.5 * z.square() - std.log() - _HALF_LOG_2PI
        joint = (log_pi + log_normal).sum(dim=-1)
        return -torch.logsumexp(joint, dim=-1).mean()

    def sample(
        self,
        logit_pi: torch.Tensor,
        mean: torch.Tensor,
        std: torch.Tensor,
        tau: float = 1.0,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Sample from the Gaussian mixtures with temperature ``tau``.

        For every ``(n, d)`` independently: draw a density
        ``k ~ Categorical(softmax_k(logit_pi[n, :, d] / tau))``, then return
        ``mean[n, k, d] + sqrt(tau) * std[n, k, d] * ε`` with ``ε ~ N(0, 1)``
        (reparameterized: gradients flow into ``mean`` and ``std``). ``tau > 1`` increases
        the uncertainty, ``tau < 1`` decreases it; as ``tau -> 0`` the sample tends to the
        mean of the most likely density.

        Args:
            logit_pi: logits of the mixing coefficients, shape ``[N, K, D]``.
            mean: means of the densities, shape ``[N, K, D]``.
            std: standard deviations of the densities, shape ``[N, K, D]``.
            tau: temperature, positive. Default: ``1.0``.
            generator: random generator (on the tensors' device); default torch's global one.

        Returns:
            Samples of shape ``[N, D]``.

        Raises:
            TypeError: if a tensor is not a floating-point tensor or ``tau`` is not a real
                number.
            ValueError: if the shapes do not match, or ``tau`` is not positive and finite.
        """
        N, K, D = _check_mixture(logit_pi, mean, std)
        tau = check_positive("tau", tau, finite=True)
        pi = functional.softmax(logit_pi.detach() / tau, dim=1)
        # multinomial draws one index per row of a [rows, K] matrix: one row per (n, d)
        rows = pi.permute(0, 2, 1).reshape(N * D, K)
        k = torch.multinomial(rows, 1, generator=generator).reshape(N, 1, D)
        chosen_mean = mean.gather(1, k).squeeze(1)
        chosen_std = std.gather(1, k).squeeze(1)
        eps = torch.randn(chosen_std.shape, dtype=std.dtype, device=std.device, generator=generator)
        return chosen_mean + math.sqrt(tau) * chosen_std * eps
