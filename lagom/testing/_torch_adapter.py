"""The torch adapter: numpy arrays in as tensors, tensors out as numpy arrays.

A module of its own so that only it needs torch (imported when the adapter is called):
the torch-free test environments leave it out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from lagom._types import FloatArray

if TYPE_CHECKING:
    import torch

__all__ = ["torch_tensors"]


@overload
def torch_tensors(
    fn: Callable[..., tuple[torch.Tensor, torch.Tensor]], device: str = ...
) -> Callable[..., tuple[FloatArray, FloatArray]]: ...
@overload
def torch_tensors(
    fn: Callable[..., torch.Tensor], device: str = ...
) -> Callable[..., FloatArray]: ...
def torch_tensors(fn: Callable[..., Any], device: str = "cpu") -> Callable[..., Any]:
    """Adapt an estimator that takes and returns torch tensors.

    Every numpy argument becomes a tensor of the same dtype (float32 stays float32, bool
    flags become ``torch.bool``) on ``device``; floats such as ``gamma`` stay floats.
    Tensors returned (one, or each of a pair) come back as numpy arrays of their dtype.

    Args:
        fn: the estimator, with lagom's keyword names and tensors.
        device: where the input tensors are put.

    Returns:
        The estimator with numpy arrays in and out.

    Raises:
        TypeError: ``fn`` is not callable, or ``device`` is not a str or torch.device.
        ValueError: ``device`` names no device, or one this machine does not have.

    Example:
        >>> import torch
        >>> def td_target(*, gamma, rewards, next_values, terminated):
        ...     return rewards + gamma * next_values * (~terminated)
        >>> f = torch_tensors(td_target)
        >>> f(gamma=0.5, rewards=np.ones((1, 2), np.float32), next_values=np.full((1, 2),
        ...   4.0, np.float32), terminated=np.array([[False, True]]))
        array([[3., 1.]], dtype=float32)
    """
    import torch

    from lagom._checks import check_device
    from lagom.testing._adapters import check_estimator

    check_estimator(fn)
    target = check_device("device", device)

    def to_tensor(value: object) -> object:
        if isinstance(value, np.ndarray):
            return torch.from_numpy(value.copy()).to(target)
        return value

    def to_array(value: object) -> object:
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy()
        if isinstance(value, tuple):
            items = [to_array(item) for item in value]
            make = getattr(value, "_make", None)  # a named tuple keeps its type
            return make(items) if callable(make) else tuple(items)
        return value

    @functools.wraps(fn)
    def adapted(**arguments: Any) -> Any:
        return to_array(fn(**{name: to_tensor(value) for name, value in arguments.items()}))

    return adapted
