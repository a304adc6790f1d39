"""Input validation shared by the :mod:`lagom.transform` modules (private)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from lagom._types import ArrayLike, FloatArray


def as_float_array(x: ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as an array of floats: float dtypes are kept, bools and ints become float64.

    The input is never modified; the result may share memory with it, so callers copy before
    writing.
    """
    try:
        arr = np.asarray(x)
    except ValueError as error:
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """Return ``value`` as a Python float in ``[low, high]``; reject bools, NaN and non-reals."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    result = float(value)
    if np.isnan(result):
        raise ValueError(f"{name} must not be NaN")
    if low is not None and result < low:
        raise ValueError(f"{name} must be >= {low}, got {result}")
    if high is not None and result > high:
        raise ValueError(f"{name} must be <= {high}, got {result}")
    return result


def check_int(name: str, value: Any, *, low: int | None = None) -> int:
    """Return ``value`` as a Python int ``>= low``; reject bools, floats and other types."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    result = int(value)
    if low is not None and result < low:
        raise ValueError(f"{name} must be >= {low}, got {result}")
    return result
