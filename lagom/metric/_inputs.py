"""Conversion and validation of the inputs of every ``lagom.metric`` function (private).

Inputs may be lists, numpy arrays or torch tensors. Tensors are recognized by what they
offer (``detach``, ``cpu``, ``numpy``), so this module never imports torch and the metrics
work where torch is not installed.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from lagom._types import BoolArray, Float64Array, FloatArray, NDArray

__all__ = [
    "Batch",
    "as_array",
    "as_batch",
    "as_flags",
    "as_scalar",
    "check_clip",
    "check_discount",
    "check_no_nan",
    "check_same_shape",
    "result_dtype",
]

_REAL_KINDS = frozenset("biuf")


def as_array(name: str, x: object) -> NDArray[Any]:
    """Return ``x`` as a numpy array of real numbers, without a copy where possible."""
    if not isinstance(x, np.ndarray) and _is_tensor(x):
        x = _tensor_to_numpy(x)
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be array-like of numbers, got {x!r}: {error}") from None
    if array.dtype.kind not in _REAL_KINDS:
        raise TypeError(
            f"{name} must hold real numbers (bool, int or float), got dtype {array.dtype}"
        )
    return array


def _is_tensor(x: object) -> bool:
    return all(callable(getattr(x, attr, None)) for attr in ("detach", "cpu", "numpy"))


def _tensor_to_numpy(tensor: Any) -> NDArray[Any]:
    tensor = tensor.detach().cpu()
    try:
        return np.asarray(tensor.numpy(force=True))
    except TypeError:
        # numpy has no bfloat16: widen such tensors to float32 first.
        return np.asarray(tensor.float().numpy(force=True))


def result_dtype(*arrays: NDArray[Any]) -> np.dtype[Any]:
    """The widest float dtype among ``arrays``; float64 when none of them holds floats."""
    floats = [array.dtype for array in arrays if array.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def as_flags(name: str, x: object) -> BoolArray:
    """Per-step flags as a bool array; ints and floats must be exactly 0 or 1."""
    array = as_array(name, x)
    if array.dtype.kind == "b":
        return array
    invalid = (array != 0) & (array != 1)
    if invalid.any():
        bad = array[invalid].flat[0].item()
        raise ValueError(f"{name} must hold booleans or 0/1, got the value {bad!r}")
    flags: BoolArray = np.not_equal(array, 0)
    return flags


def as_scalar(name: str, x: object) -> Float64Array:
    """A float, a 0-d or one-element array or tensor, as a 0-d float64 array."""
    array = as_array(name, x)
    if array.size != 1:
        raise ValueError(
            f"{name} must be a single number (a float, 0-d or one-element array or tensor), "
            f"got shape {array.shape}"
        )
    return np.asarray(array.reshape(()), dtype=np.float64)


def check_discount(name: str, value: object) -> float:
    """``value`` as a float in ``[0, 1]`` (a discount factor or a GAE ``lam``)."""
    number = _as_real(name, value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return number


def check_clip(name: str, value: object) -> float:
    """``value`` as a positive float (``inf`` means no clipping)."""
    number = _as_real(name, value)
    if not number > 0.0:
        raise ValueError(f"{name} must be positive (inf for no clipping), got {value!r}")
    return number


def _as_real(name: str, value: object) -> float:
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def check_same_shape(arrays: dict[str, NDArray[Any]], *, ndim: int | None = None) -> None:
    """Raise unless all ``arrays`` have the shape of the first one, with a time axis.

    Args:
        arrays: name -> array; the first entry sets the expected shape.
        ndim: the exact number of dimensions required; ``None`` asks for at least one
            (the time axis of ``[T, *B]``).
    """
    (first, reference), *others = arrays.items()
    if ndim is None and reference.ndim == 0:
        raise ValueError(f"{first} must be time-major [T, *B] (at least 1-D), got a 0-d array")
    if ndim is not None and reference.ndim != ndim:
        raise ValueError(
            f"{first} must be {ndim}-D ([T] for one episode), got shape {reference.shape}"
        )
    for name, array in others:
        if array.shape != reference.shape:
            raise ValueError(
                f"{name} must have the same shape as {first}, "
                f"got {array.shape} and {reference.shape}"
            )


def check_no_nan(name: str, array: NDArray[Any]) -> None:
    """Raise if ``array`` holds a NaN, naming the first index where it does."""
    # min() propagates NaN and needs no temporary array, unlike isnan(array).any().
    if array.dtype.kind == "f" and array.size and np.isnan(array.min()):
        index = tuple(int(i) for i in np.argwhere(np.isnan(array))[0])
        raise ValueError(f"{name} must not contain NaN, got NaN at index {index}")


class Batch(NamedTuple):
    """Checked ``[T, *B]`` inputs, flattened to ``[T, M]`` in the dtype the engine uses."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    floats: dict[str, FloatArray]
    flags: dict[str, BoolArray]

    def restore(self, y: FloatArray) -> FloatArray:
        """``y`` (``[T, M]``) in the inputs' shape and float dtype."""
        return y.reshape(self.shape).astype(self.dtype, copy=False)


def as_batch(floats: dict[str, object], flags: dict[str, object]) -> Batch:
    """Convert and check the inputs of a batched metric.

    The engine computes in the output dtype, but never in less than float32: float32
    rollouts stay float32 (half the memory traffic of float64, as a float32 loop would
    compute them), float16 ones are widened.

    Args:
        floats: name -> ``[T, *B]`` numbers; the first entry is the rewards, which must not
            hold NaN; the output dtype is the widest float dtype among them.
        flags: name -> ``[T, *B]`` booleans (or 0/1).

    Returns:
        The inputs as float and bool ``[T, M]`` arrays, ``M = prod(B)``.
    """
    numbers_ = {name: as_array(name, x) for name, x in floats.items()}
    bools = {name: as_flags(name, x) for name, x in flags.items()}
    check_same_shape({**numbers_, **bools})
    rewards_name, rewards = next(iter(numbers_.items()))
    check_no_nan(rewards_name, rewards)
    shape = rewards.shape
    flat = (shape[0], math.prod(shape[1:]))
    dtype = result_dtype(*numbers_.values())
    compute = np.promote_types(dtype, np.float32)
    return Batch(
        shape=shape,
        dtype=dtype,
        floats={name: np.asarray(x, dtype=compute).reshape(flat) for name, x in numbers_.items()},
        flags={name: x.reshape(flat) for name, x in bools.items()},
    )
