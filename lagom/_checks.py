"""Argument checks shared by every lagom package (private: import from here only).

This is lagom's one module of argument checks. It belongs to the core, so it imports only
the standard library and numpy; a check that needs torch or gymnasium lives, private,
beside the code that uses it.

Numbers arrive as Python numbers, but just as often as numpy scalars (``space.n``,
``array.shape`` entries, ``np.arange`` items, ``np.float32`` rewards): both are accepted
and returned as ``int``/``float``. ``bool`` is refused although it is an int subclass,
because ``True`` as a count or a rate is a bug. Every message names the argument, the
expected kind and the value received.

Example:
    >>> import numpy as np
    >>> check_int("num_action", np.int64(2))
    2
    >>> check_int("T", True)
    Traceback (most recent call last):
    ...
    TypeError: T must be an int, got bool True
    >>> check_int("padding", -1, minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: padding must be at least 0, got -1
    >>> check_real("alpha", np.float32(0.5), low=0.0, high=1.0)
    0.5
    >>> check_int_list("seeds", [0, 1, 1], None)
    Traceback (most recent call last):
    ...
    ValueError: seeds must be distinct, got [1] more than once in [0, 1, 1]
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import TypeGuard

import numpy as np

from lagom._types import ArrayLike, FloatArray

__all__ = [
    "as_float_array",
    "check_bool",
    "check_int",
    "check_int_list",
    "check_positive",
    "check_real",
    "is_int",
]


def is_int(value: object) -> TypeGuard[numbers.Integral]:
    """Whether ``value`` is an integer, Python or numpy, and not a bool.

    Example:
        >>> is_int(3), is_int(np.uint8(3)), is_int(True), is_int(3.0)
        (True, True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(name: str, value: object, minimum: int | None = 1) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``.

    Args:
        name: the argument's name, for the message.
        value: the value to check.
        minimum: the smallest value allowed; ``None`` allows any integer. Default: 1 (a
            count).

    Raises:
        TypeError: ``value`` is not an integer (Python or numpy), or is a bool.
        ValueError: ``value < minimum``.

    Example:
        >>> check_int("axis", -1, minimum=None), check_int("N", np.int32(3))
        (-1, 3)
    """
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_int_list(name: str, values: object, minimum: int | None) -> list[int]:
    """Return ``values`` as a list of distinct ints (at least one, each ``>= minimum``).

    Raises:
        TypeError: ``values`` is a string, a mapping or not iterable, or holds a non-integer.
        ValueError: ``values`` is empty, holds a value below ``minimum`` or a repeated one.

    Example:
        >>> check_int_list("gpu_ids", (np.int64(1), 0), 0)
        [1, 0]
    """
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of integers, got {type(values).__name__}")
    items = list(values)
    if not items:
        raise ValueError(f"{name} must hold at least one integer, got an empty {name}")
    bad = [item for item in items if not is_int(item)]
    if bad:
        raise TypeError(f"{name} must be integers, got {bad[0]!r} ({type(bad[0]).__name__})")
    ints = [int(item) for item in items]
    if minimum is not None and min(ints) < minimum:
        raise ValueError(f"{name} must be integers >= {minimum}, got {min(ints)}")
    repeated = sorted({n for n in ints if ints.count(n) > 1})
    if repeated:
        raise ValueError(f"{name} must be distinct, got {repeated} more than once in {ints}")
    return ints


def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """Return ``value`` as a Python float in ``[low, high]``; reject bools, NaN and non-reals.

    A 0-d array counts as its item. With both bounds the message reads ``must be in [low,
    high]``, with one ``must be >= low`` or ``must be <= high``.

    Raises:
        TypeError: ``value`` is not a real number (Python or numpy), or is a bool.
        ValueError: ``value`` is NaN or outside the bounds.

    Example:
        >>> check_real("lr", 0.1, low=0.0), check_real("x", np.array(2.5))
        (0.1, 2.5)
        >>> check_real("gamma", 1.5, low=0.0, high=1.0)
        Traceback (most recent call last):
        ...
        ValueError: gamma must be in [0.0, 1.0], got 1.5
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    result = float(value)
    if np.isnan(result):
        raise ValueError(f"{name} must not be NaN")
    below = low is not None and result < low
    above = high is not None and result > high
    if (below or above) and low is not None and high is not None:
        raise ValueError(f"{name} must be in [{low}, {high}], got {result}")
    if below:
        raise ValueError(f"{name} must be >= {low}, got {result}")
    if above:
        raise ValueError(f"{name} must be <= {high}, got {result}")
    return result


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float, raising unless it is a positive real number.

    Raises:
        TypeError: ``value`` is not a real number, or is a bool.
        ValueError: ``value <= 0`` or NaN.

    Example:
        >>> check_positive("clip", 10)
        10.0
        >>> check_positive("clip", 0.0)
        Traceback (most recent call last):
        ...
        ValueError: clip must be positive, got 0.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not float(value) > 0:  # NaN fails too
        raise ValueError(f"{name} must be positive, got {value}")
    return float(value)


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a ``bool`` if it is one (Python or numpy); ints are refused.

    Raises:
        TypeError: ``value`` is not a bool.

    Example:
        >>> check_bool("antithetic", np.True_)
        True
        >>> check_bool("antithetic", 1)
        Traceback (most recent call last):
        ...
        TypeError: antithetic must be a bool, got int 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def as_float_array(x: ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as an array of floats: float dtypes are kept, bools and ints become float64.

    The input is never modified; the result may share memory with it, so callers copy before
    writing.

    Raises:
        ValueError: ``x`` is ragged.
        TypeError: ``x`` holds something other than real numbers.

    Example:
        >>> as_float_array([1, 2], "x").dtype, as_float_array(np.ones(2, np.float32), "x").dtype
        (dtype('float64'), dtype('float32'))
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
