"""Discounted future sums: :func:`geometric_cumsum`."""

from __future__ import annotations

from typing import overload

from lagom._checks import as_float_array, check_finite, check_real
from lagom._types import ArrayLike, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray

__all__ = ["geometric_cumsum"]


@overload
def geometric_cumsum(alpha: float, x: NDArray[FloatT]) -> NDArray[FloatT]: ...
@overload
def geometric_cumsum(alpha: float, x: IntoFloat64) -> Float64Array: ...
@overload
def geometric_cumsum(alpha: float, x: ArrayLike) -> FloatArray: ...
def geometric_cumsum(alpha: float, x: ArrayLike) -> FloatArray:
    r"""Future sums of each row of ``x``, each later element discounted by a factor ``alpha``.

    For a row :math:`x_0, \dots, x_{T-1}` the output row is

    .. math::
        y_t = x_t + \alpha x_{t+1} + \alpha^2 x_{t+2} + \dots + \alpha^{T-1-t} x_{T-1}
            = x_t + \alpha\, y_{t+1}, \qquad y_{T-1} = x_{T-1},

    i.e. the discounted return of rewards ``x`` with discount ``alpha`` (nothing is
    bootstrapped beyond the last column). Rows are independent.

    The recurrence is evaluated as a log-depth doubling scan over whole rows: after the pass
    with shift :math:`k`, :math:`y_t` holds the first :math:`2k` terms of its sum, so there are
    :math:`\lceil\log_2 T\rceil` vectorized passes and no Python loop over time steps (passes
    stop early once :math:`\alpha^k` underflows to zero). For ``alpha = 1`` this is a reverse
    cumulative sum; for ``alpha = 0`` it returns a copy of ``x``.

    Args:
        alpha: the factor :math:`\alpha \in [0, 1]`.
        x: ``[T]`` (one sequence) or ``[N, T]`` (a batch of ``N`` sequences, time along the
            last axis); element ``t`` carries the quantity received at time step ``t``.
            Float dtypes are kept; bools and ints are computed in float64.

    Returns:
        ``[1, T]`` for 1-D input, ``[N, T]`` for 2-D input (always 2-D, as in the seed), in
        the float dtype of ``x``. ``x`` is not modified.

    Raises:
        TypeError: ``alpha`` is not a real number, or ``x`` holds non-real values.
        ValueError: ``alpha`` is outside ``[0, 1]`` or NaN, ``x`` is not 1-D or 2-D, or ``x``
            holds a NaN or an infinity (the message names the first one's index).

    Example:
        >>> geometric_cumsum(0.1, [1, 2, 3, 4])
        array([[1.234, 2.34 , 3.4  , 4.   ]])
        >>> geometric_cumsum(0.5, [[1.0, 1.0, 1.0], [0.0, 0.0, 8.0]])
        array([[1.75, 1.5 , 1.  ],
               [2.  , 4.  , 8.  ]])
        >>> import numpy as np
        >>> geometric_cumsum(1.0, np.array([1, 2, 3], dtype=np.float32))
        array([[6., 5., 3.]], dtype=float32)
    """
    factor = check_real("alpha", alpha, low=0.0, high=1.0)
    arr = as_float_array(x, "x")
    if arr.ndim not in (1, 2):
        raise ValueError(f"x must be 1-D [T] or 2-D [N, T], got an array of shape {arr.shape}")
    check_finite("x", arr)
    out: FloatArray = arr.reshape(1, -1).copy() if arr.ndim == 1 else arr.copy()
    T = out.shape[1]
    shift = 1
    while shift < T:
        # alpha**shift is computed directly (not by repeated squaring) so that its relative
        # error stays at one rounding however long the sequence is.
        weight = factor**shift
        if weight == 0.0:
            break
        # The right-hand side is materialized before the in-place add, so every element is
        # updated from the previous pass's values.
        out[:, :-shift] += weight * out[:, shift:]
        shift *= 2
    return out
