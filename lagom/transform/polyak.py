"""Exponential moving averages: :func:`polyak_update` and :class:`PolyakAverage`."""

from __future__ import annotations

from typing import overload

import numpy as np

from lagom._checks import as_float_array, check_finite, check_real
from lagom._types import ArrayLike, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray

__all__ = ["PolyakAverage", "polyak_update"]


@overload
def polyak_update(alpha: float, average: NDArray[FloatT], x: ArrayLike) -> NDArray[FloatT]: ...
@overload
def polyak_update(alpha: float, average: IntoFloat64, x: ArrayLike) -> Float64Array: ...
@overload
def polyak_update(alpha: float, average: ArrayLike, x: ArrayLike) -> FloatArray: ...
def polyak_update(alpha: float, average: ArrayLike, x: ArrayLike) -> FloatArray:
    r"""One step of Polyak (exponential moving) averaging: :math:`\alpha\,\bar x + (1 - \alpha)\,x`.

    ``alpha = 0`` forgets the past at once (the result is ``x``); ``alpha = 1`` never moves.

    Args:
        alpha: the weight :math:`\alpha \in [0, 1]` of the current average.
        average: the current average :math:`\bar x`.
        x: the new data, the same shape as ``average`` (nothing is broadcast).

    Returns:
        The new average, a new array in the float dtype of ``average`` (float64 if it holds
        bools or ints). Neither input is modified.

    Raises:
        TypeError: ``alpha`` is not a real number or an input holds non-real values.
        ValueError: ``alpha`` is outside ``[0, 1]``, the shapes differ, an input holds a
            NaN or an infinity (which would stay in every later average), or ``x`` holds a
            value too large for the average's dtype (it would make the average infinite).

    Example:
        >>> polyak_update(0.9, [1.0, 2.0], [2.0, 2.0])
        array([1.1, 2. ])
        >>> polyak_update(0.9, [1.0, 2.0], [2.0, float("nan")])
        Traceback (most recent call last):
        ...
        ValueError: x must be finite, got nan at index 1
        >>> polyak_update(0.5, np.ones(2, np.float16), [1e10, 1.0])
        Traceback (most recent call last):
        ...
        ValueError: x must be representable in the average's dtype float16 (|x| at most
        65504), got 1e+10 at index 0
    """
    alpha = check_real("alpha", alpha, low=0.0, high=1.0)
    current = as_float_array(average, "average")
    new = as_float_array(x, "x")
    if new.shape != current.shape:
        raise ValueError(f"x must have the shape of the average {current.shape}, got {new.shape}")
    check_finite("average", current)
    check_finite("x", new)
    largest = np.finfo(current.dtype).max
    if new.size and new.dtype.itemsize > current.dtype.itemsize and np.abs(new).max() > largest:
        index = [int(i) for i in np.unravel_index(np.argmax(np.abs(new) > largest), new.shape)]
        where = f" at index {index if len(index) > 1 else index[0]}" if index else ""
        raise ValueError(
            f"x must be representable in the average's dtype {current.dtype} (|x| at most "
            f"{largest:g}), got {new[tuple(index)]:g}{where}"
        )
    # np.asarray: arithmetic on 0-d arrays yields numpy scalars, and we promise an array.
    result: FloatArray = np.asarray(alpha * current + (1.0 - alpha) * new, dtype=current.dtype)
    return result


class PolyakAverage:
    r"""Running Polyak average of a quantity: more sensitive to recent values than a mean.

    The first call stores ``x``; every later call replaces the average :math:`\bar x` by
    :func:`polyak_update` ``(alpha, average, x)`` =
    :math:`\alpha\,\bar x + (1 - \alpha)\,x`. The average keeps the float dtype and
    shape of the first ``x`` (float64 for bool and int data); later data must have the
    same shape.

    Args:
        alpha: the weight of the past in ``[0, 1]``; 0 is most sensitive to recent changes
            (the average is the last ``x``), 1 keeps the first ``x`` forever.

    Raises:
        TypeError: ``alpha`` is not a real number.
        ValueError: ``alpha`` is outside ``[0, 1]``.

    Example:
        >>> average = PolyakAverage(alpha=0.5)
        >>> average.get_current() is None
        True
        >>> average(1.0)
        array(1.)
        >>> average(3.0)
        array(2.)
        >>> average([5.0])
        Traceback (most recent call last):
        ...
        ValueError: x must have the shape of the average (), got (1,)
    """

    def __init__(self, alpha: float) -> None:
        self.alpha = check_real("alpha", alpha, low=0.0, high=1.0)
        self._average: FloatArray | None = None

    def __call__(self, x: ArrayLike) -> FloatArray:
        """Fold ``x`` into the average and return the new average.

        Args:
            x: new data: any shape on the first call, that shape afterwards.

        Returns:
            The current average (a read-only array; ``x`` is not modified).

        Raises:
            TypeError: ``x`` holds non-real values.
            ValueError: ``x`` has a different shape than the first data, holds a NaN or
                an infinity, or a value too large for the average's dtype (``1e10`` for a
                float16 average); the average is then unchanged.
        """
        if self._average is None:
            average = np.array(check_finite("x", as_float_array(x, "x")), copy=True)
        else:
            average = polyak_update(self.alpha, self._average, x)
        # Callers get the stored array itself; freezing it keeps the average theirs to read,
        # never to change behind this object's back.
        average.flags.writeable = False
        self._average = average
        return average

    def get_current(self) -> FloatArray | None:
        """Return the current average, or ``None`` before the first call."""
        return self._average
