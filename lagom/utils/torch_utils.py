"""Conversion between numpy arrays and PyTorch tensors: :func:`tensorify`, :func:`numpify`.

This module imports torch; ``lagom.utils`` imports it only when one of its names is used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import DTypeLike

from lagom._types import ArrayLike, NDArray

__all__ = ["numpify", "tensorify"]


def tensorify(x: torch.Tensor | ArrayLike, device: torch.device | str) -> torch.Tensor:
    """Return ``x`` as a tensor on ``device``.

    A tensor keeps its dtype and is moved only if it lives on another device. Anything else
    (an array, a list, a number) becomes a ``float32`` tensor: ``torch.from_numpy`` shares
    the memory of a float32 array, other dtypes are converted.

    Args:
        x: a tensor, an array or anything ``numpy.asarray`` accepts.
        device: the target device, e.g. ``"cpu"`` or ``torch.device("cuda:0")``.

    Returns:
        A tensor on ``device``.

    Example:
        >>> tensorify(np.array([1, 2]), "cpu")
        tensor([1., 2.])
        >>> tensorify(torch.tensor([1, 2]), "cpu")
        tensor([1, 2])
    """
    device = torch.device(device)
    if isinstance(x, torch.Tensor):
        return x if x.device == device else x.to(device)
    return torch.from_numpy(np.asarray(x)).float().to(device)


def numpify(x: torch.Tensor | ArrayLike, dtype: DTypeLike) -> NDArray[Any]:
    """Return ``x`` as a numpy array of ``dtype``.

    A tensor is detached and copied to the CPU first.

    Args:
        x: a tensor, an array or anything ``numpy.asarray`` accepts.
        dtype: the dtype of the result, e.g. ``np.float32``.

    Returns:
        An array of ``dtype``.

    Example:
        >>> numpify(torch.tensor([1.5, 2.5], requires_grad=True), np.float64)
        array([1.5, 2.5])
        >>> numpify([1, 2], np.float32)
        array([1., 2.], dtype=float32)
    """
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy().astype(dtype)
    return np.asarray(x).astype(dtype)
