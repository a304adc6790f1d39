"""Put curves sampled at different x values on one shared x grid: :func:`interp_curves`."""

from __future__ import annotations

import math
from collections.abc import Sequence, Sized

import numpy as np

from lagom._checks import as_float_array, check_finite, check_fits, check_int
from lagom._types import ArrayLike, Float64Array

__all__ = ["interp_curves"]

#: The largest ``num_point``: a float64 array of that many points must be addressable by
#: ``np.intp`` (``2**60 - 1`` on a 64-bit machine); numpy cannot even describe a longer one.
_MAX_POINT = np.iinfo(np.intp).max // 8


def interp_curves(
    x: Sequence[ArrayLike], y: Sequence[ArrayLike], num_point: int = 100
) -> tuple[list[Float64Array], list[Float64Array]]:
    r"""Resample a batch of curves, by piecewise linear interpolation, on one shared x grid.

    The grid is ``num_point`` evenly spaced values from the smallest to the largest x of the
    whole batch (``np.linspace``). Curve :math:`i` is evaluated on it by linear
    interpolation between its own points :math:`(x_{i,j}, y_{i,j})`; beyond its own x range
    it is held constant at its first (last) y value, as ``np.interp`` does. This is what
    uncertainty bands over curves logged at different x values need: every curve gets y
    values at the same x values. Piecewise linear (not polynomial) interpolation is used on
    purpose: it never invents oscillations between the data points.

    Args:
        x: ``B`` curves' x values; curve ``i`` is a 1-D sequence of ``T_i >= 1`` strictly
            increasing finite numbers (the curves may have different lengths).
        y: ``B`` curves' y values; ``y[i]`` has the same length as ``x[i]``.
        num_point: how many grid points to generate, in ``[1, 2**60 - 1]``
            (on a 64-bit machine; see ``_MAX_POINT``).

    Returns:
        ``(new_x, new_y)``: two lists of ``B`` float64 arrays of shape ``[num_point]``;
        every ``new_x[i]`` is the same grid (separate copies), ``new_y[i]`` is curve ``i``
        on it. The inputs are not modified.

    Raises:
        TypeError: ``x`` or ``y`` is not a sequence of curves, a value is not a real number,
            or ``num_point`` is not an int.
        ValueError: the batch is empty, ``x`` and ``y`` hold different numbers of curves, a
            curve is not 1-D, is empty, has mismatched lengths, a NaN or infinite value
            (x or y: interpolation would spread it to its neighbours; the message names
            ``x[i]``/``y[i]`` and the index), or not strictly increasing x values, or
            ``num_point`` is outside ``[1, 2**60 - 1]`` or asks for more than this
            machine's memory holds.

    Example:
        >>> x1 = [4, 5, 7, 13, 20]
        >>> y1 = [0.25, 0.22, 0.53, 0.37, 0.55]
        >>> x2 = [2, 4, 6, 7, 9, 11, 15]
        >>> y2 = [0.03, 0.12, 0.4, 0.2, 0.18, 0.32, 0.39]
        >>> new_x, new_y = interp_curves([x1, x2], [y1, y2], num_point=100)
        >>> len(new_x), new_x[0].shape, float(new_x[0][0]), float(new_x[0][-1])
        (2, (100,), 2.0, 20.0)
        >>> new_x, new_y = interp_curves([x1, x2], [y1, y2], num_point=10)
        >>> new_x[0]
        array([ 2.,  4.,  6.,  8., 10., 12., 14., 16., 18., 20.])
        >>> new_y[0].round(4)
        array([0.25  , 0.25  , 0.375 , 0.5033, 0.45  , 0.3967, 0.3957, 0.4471, 0.4986, 0.55  ])
        >>> new_y[1].round(4)
        array([0.03  , 0.12  , 0.4   , 0.19  , 0.25  , 0.3375, 0.3725, 0.39  , 0.39  , 0.39  ])
        >>> interp_curves([x1], [y1], num_point=2**60)
        Traceback (most recent call last):
        ...
        ValueError: num_point must be at most 1152921504606846975, got 1152921504606846976
    """
    for name, given in (("x", x), ("y", y)):
        if isinstance(given, (str, bytes)) or not isinstance(given, Sized):
            raise TypeError(
                f"{name} must be a sequence of curves (one 1-D array each), got "
                f"{type(given).__name__}"
            )
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of curves, got {len(x)} and {len(y)}")
    if len(x) == 0:
        raise ValueError("interp_curves needs at least one curve, got none")
    num_point = check_int("num_point", num_point, minimum=1, maximum=_MAX_POINT)
    _check_memory(num_point, len(x))
    curves = [
        _check_curve(i, curve_x, curve_y)
        for i, (curve_x, curve_y) in enumerate(zip(x, y, strict=True))
    ]
    low = min(float(curve_x[0]) for curve_x, _ in curves)
    high = max(float(curve_x[-1]) for curve_x, _ in curves)
    scale = 1.0
    if not math.isfinite(high - low):
        # The span overflows float64 (x near +-1.8e308): interpolate on x / 2, which is
        # exact for normal floats, and hand back the grid at full scale.
        scale = 0.5
        curves = [(curve_x * scale, curve_y) for curve_x, curve_y in curves]
    grid = np.linspace(low * scale, high * scale, num=num_point)
    new_y = [_interp(grid, curve_x, curve_y) for curve_x, curve_y in curves]
    full = grid / scale
    # The ends exactly (x / scale * scale may round); one point is linspace's: the low end.
    full[0] = low
    if num_point > 1:
        full[-1] = high
    new_x = [full.copy() for _ in curves]
    return new_x, new_y


def _check_memory(num_point: int, curves: int) -> None:
    """Refuse a grid whose arrays cannot fit in this machine's memory, before allocating
    (numpy would raise ``MemoryError``): two float64 arrays per curve (``new_x`` and
    ``new_y``) and about four of the grid's size while interpolating."""
    check_fits("num_point", num_point, (2 * curves + 4) * 8, context=f" for {curves} curve(s)")


def _interp(at: Float64Array, xp: Float64Array, fp: Float64Array) -> Float64Array:
    """``np.interp(at, xp, fp)`` computed as :math:`(1 - t) f_j + t f_{j+1}` with
    :math:`t = (x - x_j) / (x_{j+1} - x_j) \\in [0, 1]`.

    ``np.interp`` multiplies by the slope :math:`(f_{j+1} - f_j) / (x_{j+1} - x_j)`, which
    overflows to ``inf`` when two x values are a subnormal distance apart; ``t`` cannot.
    """
    if xp.size == 1:
        return np.full(at.shape, fp[0])
    j = np.clip(np.searchsorted(xp, at, side="right") - 1, 0, xp.size - 2)
    # Inside a segment |x - x_j| <= x_{j+1} - x_j, so t cannot overflow there; beyond the
    # curve's ends it may, harmlessly, as it is clipped to 0 or 1.
    with np.errstate(over="ignore"):
        t = np.clip((at - xp[j]) / (xp[j + 1] - xp[j]), 0.0, 1.0)
    out: Float64Array = (1.0 - t) * fp[j] + t * fp[j + 1]
    return out


def _check_curve(
    index: int, curve_x: ArrayLike, curve_y: ArrayLike
) -> tuple[Float64Array, Float64Array]:
    xs = as_float_array(curve_x, f"x[{index}]").astype(np.float64)
    ys = as_float_array(curve_y, f"y[{index}]").astype(np.float64)
    if xs.ndim != 1 or ys.ndim != 1:
        raise ValueError(
            f"curve {index} must be 1-D, got x of shape {xs.shape} and y of shape {ys.shape}"
        )
    if xs.size == 0 or xs.size != ys.size:
        raise ValueError(
            f"curve {index} needs as many x as y values (at least one), got {xs.size} and {ys.size}"
        )
    check_finite(f"x[{index}]", xs)
    check_finite(f"y[{index}]", ys)
    with np.errstate(over="ignore"):  # a span beyond float64's range is still increasing
        increasing = bool(np.all(np.diff(xs) > 0))
    if not increasing:
        given = np.asarray(curve_x)
        if given.dtype.kind in "iu" and np.all(given[1:] > given[:-1]):
            raise ValueError(
                f"x[{index}] is strictly increasing but not as float64, in which the curves "
                f"are interpolated: integers above 2**53 that differ by less than their "
                f"spacing become equal, got {given}"
            )
        raise ValueError(f"x[{index}] must be strictly increasing, got {xs}")
    return xs, ys
