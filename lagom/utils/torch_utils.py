"""Conversion between numpy arrays and PyTorch tensors: :func:`tensorify`, :func:`numpify`.

This module imports torch; ``lagom.utils`` imports it only when one of its names is used.
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

import numpy as np
import torch
from numpy.typing import DTypeLike

from lagom._checks import check_device, check_finite
from lagom._types import ArrayLike, NDArray

_Scalar = TypeVar("_Scalar", bound=np.generic)

__all__ = ["numpify", "tensorify"]


def tensorify(x: torch.Tensor | ArrayLike, device: torch.device | str) -> torch.Tensor:
    """Return ``x`` as a tensor on ``device``.

    A tensor keeps its dtype and is moved only if it lives on another device. Anything else
    (an array, a list, a number) becomes a ``float32`` tensor: ``torch.from_numpy`` shares
    the memory of a writable float32 array, other arrays (other dtypes, read-only ones,
    negative strides as in ``a[::-1]``) are copied.

    Args:
        x: a tensor, an array or anything ``numpy.asarray`` turns into an array of numbers.
        device: the target device, e.g. ``"cpu"`` or ``torch.device("cuda:0")``.

    Returns:
        A tensor on ``device``.

    Raises:
        TypeError: ``x`` is not a tensor and holds something other than real numbers
            (``None``, strings, objects, complex numbers), or ``device`` is not a str or
            ``torch.device``.
        ValueError: ``x`` is ragged or holds a finite number beyond float32's range (it
            would become an infinity), or ``device`` names no device or one this machine
            does not have (``"cuda"`` without a CUDA device).

    Example:
        >>> tensorify(np.array([1, 2]), "cpu")
        tensor([1., 2.])
        >>> tensorify(torch.tensor([1, 2]), "cpu")
        tensor([1, 2])
        >>> tensorify(None, "cpu")
        Traceback (most recent call last):
        ...
        TypeError: x must be a tensor, an array or numbers, got NoneType None
    """
    device = check_device("device", device)
    if isinstance(x, torch.Tensor):
        return x if x.device == device else x.to(device)
    array = _as_real_numbers(_as_numbers(x), "float32")
    if array.dtype.kind == "f" and array.dtype.itemsize > 4:
        array = _cast_float(array, np.dtype(np.float32))
    if not array.flags.writeable or any(stride < 0 for stride in array.strides):
        array = array.copy()  # torch.from_numpy refuses negative strides, warns on read-only
    return torch.from_numpy(array).float().to(device)


@overload
def numpify(x: torch.Tensor | ArrayLike, dtype: type[_Scalar]) -> NDArray[_Scalar]: ...
@overload
def numpify(x: torch.Tensor | ArrayLike, dtype: np.dtype[_Scalar]) -> NDArray[_Scalar]: ...
@overload
def numpify(x: torch.Tensor | ArrayLike, dtype: DTypeLike) -> NDArray[Any]: ...
def numpify(x: torch.Tensor | ArrayLike, dtype: DTypeLike) -> NDArray[Any]:
    """Return ``x`` as a numpy array of ``dtype``.

    A tensor is detached and copied to the CPU first (a bfloat16 tensor, which numpy cannot
    hold, through float32).

    Args:
        x: a tensor, an array or anything ``numpy.asarray`` turns into an array of numbers.
        dtype: the dtype of the result, a numeric numpy dtype, e.g. ``np.float32``.

    Returns:
        An array of ``dtype``.

    Raises:
        TypeError: ``x`` holds something other than numbers (``None``, strings, objects),
            or complex numbers for a real ``dtype``, or ``dtype`` is not a numeric numpy
            dtype.
        ValueError: ``x`` is ragged, or a NaN or an infinity would be cast to an integer or
            bool ``dtype``, or a number outside an integer ``dtype``'s range (numpy would
            make up a number: wrap it around), or a finite number beyond a float ``dtype``'s
            range (it would become an infinity).

    Example:
        >>> numpify(torch.tensor([1.5, 2.5], requires_grad=True), np.float64)
        array([1.5, 2.5])
        >>> numpify([1, 2], np.float32)
        array([1., 2.], dtype=float32)
        >>> numpify(None, np.float32)
        Traceback (most recent call last):
        ...
        TypeError: x must be a tensor, an array or numbers, got NoneType None
    """
    target = _check_dtype(dtype)
    if isinstance(x, torch.Tensor):
        tensor = x.detach().cpu()
        array = (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy()
    else:
        array = _as_numbers(x)
    if target.kind != "c":
        array = _as_real_numbers(array, target)
    if target.kind in "biu" and array.dtype.kind == "f":
        check_finite("x", array)
    if target.kind in "iu" and array.size and array.dtype.kind in "iuf":
        # Out of range, numpy would wrap around (300 as uint8 is 44): make up a number too.
        # Python numbers compare exactly (numpy compares 2.0**63 and 2**63 - 1 as floats).
        info, low, high = np.iinfo(target), array.min().item(), array.max().item()
        if low < info.min or high > info.max:
            value = low if low < info.min else high
            raise ValueError(f"x holds {value}, outside {target}'s range [{info.min}, {info.max}]")
    if target.kind == "f":
        return _cast_float(array, target)
    return array.astype(target)


def _cast_float(array: NDArray[Any], target: np.dtype[Any]) -> NDArray[Any]:
    """``array`` cast to the float ``target``, or ``ValueError`` where a finite number would
    become an infinity (``1e300`` as float32): a made-up number, which the metrics refuse."""
    if array.dtype.kind == "b" or (array.dtype.kind == "f" and array.itemsize <= target.itemsize):
        return array.astype(target)  # a widening cast: nothing can overflow
    with np.errstate(over="ignore"):
        cast = array.astype(target)
    overflow = np.isinf(cast) & ~np.isinf(array) if array.dtype.kind == "f" else np.isinf(cast)
    if np.any(overflow):
        value, limit = array[overflow].flat[0].item(), np.finfo(target).max.item()
        raise ValueError(
            f"x holds {value}, outside {target}'s range [{-limit}, {limit}]: it would become "
            "an infinity"
        )
    return cast


def _as_real_numbers(array: NDArray[Any], target: object) -> NDArray[Any]:
    """``array`` unless it holds complex numbers, whose imaginary part a cast would drop."""
    if array.dtype.kind == "c":
        raise TypeError(
            f"x holds complex numbers ({array.dtype}), which {target} cannot hold: "
            "take the real part or the magnitude first"
        )
    return array


def _as_numbers(x: object) -> NDArray[Any]:
    try:
        array = np.asarray(x)
    except ValueError as error:  # ragged
        raise ValueError(f"x must be a rectangular array of numbers: {error}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"x must be a tensor, an array or numbers, got {type(x).__name__} {x!r:.60}"
        )
    return array


def _check_dtype(dtype: object) -> np.dtype[Any]:
    expected = "dtype must be a numeric numpy dtype such as np.float32"
    if dtype is None:  # np.dtype(None) would silently mean float64
        raise TypeError(f"{expected}, got None")
    try:
        target: np.dtype[Any] = np.dtype(dtype)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise TypeError(f"{expected}, got {dtype!r}") from None
    if target.kind not in "biufc":
        raise TypeError(f"{expected}, got {target}")
    return target
