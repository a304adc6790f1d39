"""Polyak averaging of network parameters in place: :func:`polyak_update_`."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lagom._checks import check_discount, check_tensor_list

__all__ = ["polyak_update_"]


def polyak_update_(
    targets: Sequence[torch.Tensor], sources: Sequence[torch.Tensor], tau: float
) -> None:
    r"""Move every target tensor a fraction ``tau`` of the way to its source, in place.

    .. math::

        \bar\theta \leftarrow (1 - \tau)\,\bar\theta + \tau\,\theta

    This is the in-place torch face of :func:`lagom.transform.polyak_update` with
    ``alpha = 1 - tau`` (``tau`` is the weight of the *new* values, the convention of target
    networks): one ``torch._foreach_lerp_`` call updates all tensors, outside autograd.
    ``tau = 1`` copies the sources; ``tau = 0`` leaves the targets as they are.

    Args:
        targets: the averaged tensors :math:`\bar\theta` (e.g. ``list(target.parameters())``),
            changed in place.
        sources: the current tensors :math:`\theta`, one per target, of the same shapes; not
            modified.
        tau: the weight :math:`\tau \in [0, 1]` of the sources.

    Raises:
        TypeError: ``tau`` is not a real number, ``targets`` or ``sources`` is not a list
            of tensors, or a target and its source are not floating-point tensors of one
            dtype.
        ValueError: ``tau`` is outside ``[0, 1]``, the two lists differ in length, or a
            target and its source differ in shape or device.

    Example:
        >>> import torch
        >>> target, online = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
        >>> with torch.no_grad():
        ...     _ = target.bias.fill_(0.0), online.bias.fill_(1.0)
        >>> polyak_update_(list(target.parameters()), list(online.parameters()), tau=0.25)
        >>> target.bias
        Parameter containing:
        tensor([0.2500], requires_grad=True)
    """
    tau = check_discount("tau", tau)
    targets = check_tensor_list("targets", targets)
    sources = check_tensor_list("sources", sources)
    if len(targets) != len(sources):
        raise ValueError(
            f"targets and sources must pair up, got {len(targets)} and {len(sources)} tensors"
        )
    for i, (target, source) in enumerate(zip(targets, sources, strict=True)):
        if target.shape != source.shape:
            raise ValueError(
                f"target {i} has shape {tuple(target.shape)} but its source {tuple(source.shape)}"
            )
        if target.dtype != source.dtype or not target.is_floating_point():
            raise TypeError(
                f"target {i} and its source must be floating-point tensors of one dtype, got "
                f"{target.dtype} and {source.dtype}"
            )
        if target.device != source.device:
            raise ValueError(
                f"target {i} and its source must be on one device, got {target.device} and "
                f"{source.device}"
            )
    if not targets:
        return  # nothing to average
    with torch.no_grad():
        torch._foreach_lerp_(list(targets), list(sources), tau)
