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

from lagom._checks import check_discount, is_tensor, tensor_array, to_float
from lagom._types import ArrayOrTensor, BoolArray, Float64Array, FloatArray, NDArray

__all__ = [
    "Batch",
    "as_array",
    "as_batch",
    "as_flags",
    "as_scalar",
    "check_clip",
    "check_discount",
    "check_finite",
    "check_overflow",
    "check_same_shape",
    "result_dtype",
]

_REAL_KINDS = frozenset("biuf")


def as_array(name: str, x: ArrayOrTensor | None) -> NDArray[Any]:
    """Return ``x`` as a numpy array of real numbers, without a copy where possible.

    Raises:
        TypeError: ``x`` is ``None`` (every array input of a metric is required), a masked
            array, or it does not hold real numbers (strings, objects, complex numbers).
        ValueError: numpy cannot read ``x`` as an array (a ragged nested list).
    """
    if x is None:
        raise TypeError(f"{name} is required, got None")
    if isinstance(x, np.ma.MaskedArray):
        # np.asarray drops the mask: the masked values would be used as if valid.
        raise TypeError(
            f"{name} is a masked array, whose mask the metrics cannot honour; pass "
            f"{name}.filled(value) or leave the masked steps out"
        )
    if not isinstance(x, np.ndarray) and is_tensor(x):
        x = tensor_array(x)
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be array-like of numbers, got {x!r}: {error}") from None
    if array.dtype.kind not in _REAL_KINDS:
        raise TypeError(
            f"{name} must hold real numbers (bool, int or float), got dtype {array.dtype}"
        )
    return array


def result_dtype(*arrays: NDArray[Any]) -> np.dtype[Any]:
    """The widest float dtype among ``arrays``; float64 when none of them holds floats."""
    floats = [array.dtype for array in arrays if array.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def as_flags(name: str, x: ArrayOrTensor) -> BoolArray:
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


def as_scalar(name: str, x: float | ArrayOrTensor) -> Float64Array:
    """A finite float, a 0-d or one-element array or tensor, as a 0-d float64 array."""
    array = as_array(name, x)
    if array.dtype == np.bool_:
        raise TypeError(f"{name} must be a real number, got a bool {x!r:.40}")
    if array.size != 1:
        raise ValueError(
            f"{name} must be a single number (a float, 0-d or one-element array or tensor), "
            f"got shape {array.shape}"
        )
    scalar = np.asarray(array.reshape(()), dtype=np.float64)
    if not np.isfinite(scalar):
        raise ValueError(f"{name} must be finite, got {float(scalar)}")
    return scalar


def check_clip(name: str, value: float) -> float:
    """``value`` (a real number or a 0-d array of one) as a positive float (``inf`` means
    no clipping)."""
    number = _as_real(name, value)
    if not number > 0.0:
        raise ValueError(f"{name} must be positive (inf for no clipping), got {value!r}")
    return number


def _as_real(name: str, value: object) -> float:
    # `object`: a caller's annotation promises a float, but this is where it is checked.
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()  # a 0-d array counts as its item, as for gamma and lam
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return to_float(name, value)


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


def check_finite(name: str, array: NDArray[Any]) -> None:
    """Raise if ``array`` holds NaN or ±inf, naming the first index where it does."""
    # One pass for the common, finite case: isfinite().all() is exact (a sum could overflow
    # on finite data) and takes half the time of np.sum at [2048, 16] float32. The index is
    # looked for only once that pass failed.
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
    raise ValueError(
        f"{name} holds {float(array[index])} at index {index}; every input must be finite"
    )


def check_overflow(result: NDArray[Any]) -> None:
    """Raise if ``result``, computed from finite inputs, overflowed its dtype.

    A sum of finite values beyond the dtype's range (float32 returns of rewards near
    ``3e38``, float16 ones past ``65504``) is ±inf, and an episode boundary turns that
    into NaN (``0 * inf``): a result that is not the answer, refused rather than returned.
    """
    if np.isfinite(result).all():
        return
    largest = float(np.finfo(result.dtype).max)
    raise ValueError(
        f"the result overflowed {result.dtype} (magnitudes up to about {largest:.4g}): the "
        "inputs are finite, but their discounted sums are not; rescale the rewards and "
        "values, or pass them in a wider float dtype"
    )


class Batch(NamedTuple):
    """Checked ``[T, *B]`` inputs, flattened to ``[T, M]`` in the dtype the engine uses."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    floats: dict[str, FloatArray]
    flags: dict[str, BoolArray]

    def restore(self, y: FloatArray) -> FloatArray:
        """``y`` (``[T, M]``) in the inputs' shape and float dtype.

        Raises:
            ValueError: ``y`` does not fit in that dtype (float16 inputs, computed in
                float32: see :func:`check_overflow`).
        """
        if y.dtype == self.dtype:
            return y.reshape(self.shape)
        with np.errstate(over="ignore"):
            result = y.reshape(self.shape).astype(self.dtype)
        check_overflow(result)
        return result

    def check_out(self, out: object) -> FloatArray | None:
        """Check a caller's ``out`` array; return its ``[T, M]`` view when the engine can
        write into it directly (its dtype is the engine's), else ``None``.

        Raises:
            TypeError: ``out`` is not a numpy array.
            ValueError: ``out`` has another shape or dtype than the result, is not
                C-contiguous or not writeable, or may share memory with an input.
        """
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy array or None, got {type(out).__name__}")
        if out.shape != self.shape or out.dtype != self.dtype:
            raise ValueError(
                f"out must have the result's shape {self.shape} and dtype {self.dtype}, got "
                f"{out.shape} and {out.dtype}"
            )
        if not out.flags.c_contiguous or not out.flags.writeable:
            raise ValueError("out must be C-contiguous and writeable")
        inputs = [*self.floats.values(), *self.flags.values()]
        if any(np.may_share_memory(out, x) for x in inputs):
            raise ValueError("out must not share memory with an input")
        if out.dtype != next(iter(self.floats.values())).dtype:
            return None  # float16 out: the engine computes in float32, then copies
        columns = math.prod(self.shape[1:])  # not -1: T == 0 leaves it undetermined
        view: FloatArray = out.reshape(self.shape[0], columns)
        return view

    def deliver(self, y: FloatArray, out: NDArray[Any] | None) -> FloatArray:
        """``y`` (``[T, M]``) as the result: :meth:`restore`, or written into ``out``
        (nothing to copy when the engine wrote there already)."""
        if out is None:
            return self.restore(y)
        if not np.shares_memory(y, out):
            np.copyto(out, self.restore(y))
        return out

    def check_finite(self) -> None:
        """Raise if a float input holds NaN or ±inf, naming it and the first such index."""
        for name, array in self.floats.items():
            check_finite(name, array.reshape((self.shape[0], *self.shape[1:])))


def as_batch(
    floats: dict[str, ArrayOrTensor],
    flags: dict[str, ArrayOrTensor],
    *,
    defer_finite: bool = False,
) -> Batch:
    """Convert and check the inputs of a batched metric.

    The engine computes in the output dtype, but never in less than float32: float32
    rollouts stay float32 (half the memory traffic of float64, as a float32 loop would
    compute them), float16 ones are widened.

    Args:
        floats: name -> ``[T, *B]`` finite numbers; the first entry is the rewards; the
            output dtype is the widest float dtype among them.
        flags: name -> ``[T, *B]`` booleans (or 0/1).
        defer_finite: leave the NaN/±inf check to the caller (``Batch.check_finite``): a
            compiled kernel finds out in the pass it makes anyway.

    Returns:
        The inputs as float and bool ``[T, M]`` arrays, ``M = prod(B)``.
    """
    numbers_ = {name: as_array(name, x) for name, x in floats.items()}
    bools = {name: as_flags(name, x) for name, x in flags.items()}
    check_same_shape({**numbers_, **bools})
    if not defer_finite:
        for name, array in numbers_.items():
            check_finite(name, array)
    shape = next(iter(numbers_.values())).shape
    flat = (shape[0], math.prod(shape[1:]))
    dtype = result_dtype(*numbers_.values())
    compute = np.promote_types(dtype, np.float32)
    return Batch(
        shape=shape,
        dtype=dtype,
        floats={name: np.asarray(x, dtype=compute).reshape(flat) for name, x in numbers_.items()},
        flags={name: x.reshape(flat) for name, x in bools.items()},
    )
