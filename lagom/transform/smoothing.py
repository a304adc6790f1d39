"""Savitzky–Golay smoothing of curves in plain numpy: :func:`smooth_filter`."""

from __future__ import annotations

import math
from typing import Literal, TypeAlias, overload

import numpy as np

from lagom._checks import as_float_array, check_finite, check_int, check_real
from lagom._types import ArrayLike, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray

__all__ = ["smooth_filter"]

# Our edge modes and the np.pad modes that extend the signal the same way scipy.ndimage does.
_PAD_MODES = {"mirror": "reflect", "nearest": "edge", "constant": "constant", "wrap": "wrap"}
_Mode: TypeAlias = Literal["interp", "mirror", "nearest", "constant", "wrap"]


@overload
def smooth_filter(
    x: NDArray[FloatT],
    window_length: int,
    polyorder: int,
    *,
    deriv: int = ...,
    delta: float = ...,
    axis: int = ...,
    mode: _Mode = ...,
    cval: float = ...,
) -> NDArray[FloatT]: ...
@overload
def smooth_filter(
    x: IntoFloat64,
    window_length: int,
    polyorder: int,
    *,
    deriv: int = ...,
    delta: float = ...,
    axis: int = ...,
    mode: _Mode = ...,
    cval: float = ...,
) -> Float64Array: ...
@overload
def smooth_filter(
    x: ArrayLike,
    window_length: int,
    polyorder: int,
    *,
    deriv: int = ...,
    delta: float = ...,
    axis: int = ...,
    mode: _Mode = ...,
    cval: float = ...,
) -> FloatArray: ...
def smooth_filter(
    x: ArrayLike,
    window_length: int,
    polyorder: int,
    *,
    deriv: int = 0,
    delta: float = 1.0,
    axis: int = -1,
    mode: _Mode = "interp",
    cval: float = 0.0,
) -> FloatArray:
    r"""Smooth a curve with a Savitzky–Golay filter (``scipy.signal.savgol_filter`` semantics).

    Around each sample :math:`t`, a polynomial :math:`p` of degree ``polyorder`` is fitted by
    least squares to the ``window_length`` samples :math:`x_{t-h}, \dots, x_{t+h}`
    (:math:`h = (\text{window\_length} - 1) / 2`), and :math:`p^{(\text{deriv})}(t)` is the
    output. Because the fit is linear in the data, this is a correlation with fixed weights

    .. math::
        y_t = \sum_{j=-h}^{h} c_j\, x_{t+j}, \qquad
        c = \frac{\text{deriv}!}{\Delta^{\text{deriv}}} \, e_{\text{deriv}}^\top V^{+},
        \quad V_{jk} = j^k,

    computed here with the pseudo-inverse of a rescaled Vandermonde matrix. ``mode`` says what
    happens within :math:`h` samples of an end:

    - ``"interp"`` (default): one polynomial is fitted to the first (last) ``window_length``
      samples and evaluated at the first (last) :math:`h` positions;
    - ``"mirror"``, ``"nearest"``, ``"constant"`` (padding with ``cval``), ``"wrap"``: the
      signal is extended as ``scipy.ndimage`` does and the weights are applied everywhere.

    With ``mode="interp"`` a polynomial of degree ``<= polyorder`` passes through unchanged
    (``deriv=0``) everywhere; the padding modes keep it only at least :math:`h` samples
    away from the ends.

    Args:
        x: the curve(s), ``[..., T]`` with time along ``axis``; float dtypes are kept, bools
            and ints are smoothed in float64.
        window_length: the odd number of samples in each fit, ``1 <= window_length <= T``.
        polyorder: the degree of the fitted polynomial, ``0 <= polyorder < window_length``.
        deriv: which derivative of the fit to return (0 smooths; above ``polyorder`` gives
            zeros).
        delta: the spacing of the samples, used only when ``deriv > 0``.
        axis: the time axis of ``x``.
        mode: ``"interp"``, ``"mirror"``, ``"nearest"``, ``"constant"`` or ``"wrap"``.
        cval: the padding value for ``mode="constant"``.

    Returns:
        The smoothed curve(s), same shape and float dtype as ``x``; ``x`` is not modified.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``x`` is 0-D or holds a NaN or an infinity (which the filter would
            spread over a whole window; the message names the first one's index),
            ``window_length`` is even, below 1 or above ``T``, ``polyorder`` is not in
            ``[0, window_length)``, ``deriv < 0``, ``delta`` is not positive and finite,
            ``delta`` is so small or large that the derivative's scale
            :math:`(\Delta h)^{\text{deriv}}` or the weights are not finite and nonzero in
            float64, ``cval`` is not finite, ``axis`` is out of range, ``mode`` is unknown,
            or the result overflows the dtype of ``x`` (values near its largest float).

    Example:
        >>> x = [2, 2, 5, 2, 1, 0, 1, 4, 9]
        >>> smooth_filter(x, window_length=5, polyorder=2).round(2)
        array([1.66, 3.17, 3.54, 2.86, 0.66, 0.17, 1.  , 4.  , 9.  ])
        >>> smooth_filter(x, window_length=5, polyorder=2, mode="nearest").round(2)
        array([1.74, 3.03, 3.54, 2.86, 0.66, 0.17, 1.  , 4.6 , 7.97])
        >>> import numpy as np
        >>> squares = np.arange(8.0) ** 2
        >>> np.allclose(smooth_filter(squares, window_length=5, polyorder=2), squares)
        True
        >>> smooth_filter([1.0, 2.0, 3.0], 3, 2, deriv=2, delta=1e-200)
        Traceback (most recent call last):
        ...
        ValueError: delta=1e-200 is too small for deriv=2: the derivative's scale (delta * 1.0)
        ** 2 is 0 in float64
    """
    arr = as_float_array(x, "x")
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension (a curve), got a scalar")
    check_finite("x", arr)
    axis = check_int("axis", axis, minimum=None)
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis must be in [{-arr.ndim}, {arr.ndim}), got {axis}")
    T = arr.shape[axis]
    window_length = check_int("window_length", window_length, minimum=1)
    if window_length % 2 == 0:
        raise ValueError(f"window_length must be odd, got {window_length}")
    if window_length > T:
        raise ValueError(f"window_length must be at most the curve length {T}, got {window_length}")
    polyorder = check_int("polyorder", polyorder, minimum=0)
    if polyorder >= window_length:
        raise ValueError(
            f"polyorder must be less than window_length={window_length}, got {polyorder}"
        )
    deriv = check_int("deriv", deriv, minimum=0)
    delta = check_real("delta", delta, finite=True)
    if not delta > 0:
        raise ValueError(f"delta must be positive, got {delta}")
    if not isinstance(mode, str) or (mode != "interp" and mode not in _PAD_MODES):
        raise ValueError(f"mode must be 'interp' or one of {sorted(_PAD_MODES)}, got {mode!r}")
    cval = check_real("cval", cval, finite=True)

    signal = np.moveaxis(arr, axis, -1).astype(np.float64)
    half = window_length // 2
    if 0 < deriv <= polyorder:
        _check_derivative_scale(delta, deriv, max(float(half), 1.0))
    positions = np.arange(window_length, dtype=np.float64)
    weights = _fit_operator(window_length, positions[half : half + 1], polyorder, deriv, delta)
    # The edge operators, which only "interp" uses (empty otherwise: no work, nothing to check).
    edges = positions[:half] if mode == "interp" else positions[:0]
    left = _fit_operator(window_length, edges, polyorder, deriv, delta)
    right = _fit_operator(window_length, edges + (window_length - half), polyorder, deriv, delta)
    if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(left + right))):
        raise ValueError(
            f"delta={delta} is too small for deriv={deriv}: the filter's weights overflow float64"
        )
    # An overflow (x near its dtype's largest float) is refused once, on the result, below.
    with np.errstate(over="ignore", invalid="ignore"):
        if mode == "interp":
            out = np.empty_like(signal)
            out[..., half : T - half] = _correlate(signal, weights[0])
            if half > 0:
                out[..., :half] = signal[..., :window_length] @ left.T
                out[..., T - half :] = signal[..., T - window_length :] @ right.T
        else:
            pad = [(0, 0)] * (signal.ndim - 1) + [(half, half)]
            if mode == "constant":
                padded = np.pad(signal, pad, mode="constant", constant_values=cval)
            else:
                padded = np.pad(signal, pad, mode=_PAD_MODES[mode])  # type: ignore[call-overload]
            out = _correlate(padded, weights[0])
        result = np.moveaxis(out, -1, axis).astype(arr.dtype, copy=False)
    if not np.all(np.isfinite(result)):
        scaled = 0 < deriv <= polyorder
        raise ValueError(
            f"the smoothed x overflows {arr.dtype} (largest |x| is {float(np.abs(arr).max()):g}"
            + (f", deriv={deriv}, delta={delta}" if scaled else "")
            + "): rescale x"
            + (" or use a larger delta" if scaled else "")
        )
    return result


def _check_derivative_scale(delta: float, deriv: int, scale: float) -> None:
    """Refuse a ``delta`` whose derivative scale ``(delta * scale) ** deriv`` is 0 or not
    finite in float64: the weights divided by it would be NaN or infinite (or zero)."""
    try:
        factor = (scale * delta) ** deriv
    except OverflowError:
        factor = math.inf
    if factor == 0 or not math.isfinite(factor):
        size, result = ("small", "0") if factor == 0 else ("large", "inf")
        raise ValueError(
            f"delta={delta} is too {size} for deriv={deriv}: the derivative's scale "
            f"(delta * {scale}) ** {deriv} is {result} in float64"
        )


def _fit_operator(
    num_fit: int, at: Float64Array, polyorder: int, deriv: int, delta: float
) -> Float64Array:
    """The ``[len(at), num_fit]`` matrix mapping samples at ``0..num_fit-1`` to the value of the
    ``deriv``-th derivative, at positions ``at``, of their least-squares polynomial fit."""
    center = (num_fit - 1) / 2
    # Positions rescaled to [-1, 1] keep the Vandermonde matrix well conditioned; the fitted
    # polynomial is the same, only its coefficients change (undone by the chain rule below).
    scale = max(center, 1.0)
    u = (np.arange(num_fit, dtype=np.float64) - center) / scale
    v = (at - center) / scale
    degrees = np.arange(polyorder + 1)
    coefficients = np.linalg.pinv(u[:, None] ** degrees)
    basis = np.zeros((v.size, polyorder + 1), dtype=np.float64)
    for k in range(deriv, polyorder + 1):
        basis[:, k] = math.perm(k, deriv) * v ** (k - deriv)
    result: Float64Array = basis @ coefficients
    if deriv > polyorder:  # the derivative of the fit is 0, whatever delta
        return result
    # A subnormal scale overflows the weights: smooth_filter refuses them, without a warning.
    with np.errstate(over="ignore"):
        result /= (scale * delta) ** deriv
    return result


def _correlate(signal: Float64Array, weights: Float64Array) -> Float64Array:
    """``out[..., t] = sum_j weights[j] * signal[..., t + j]`` for every full window."""
    length = signal.shape[-1] - weights.size + 1
    # One vectorized pass per weight: O(T * window) work without materializing the
    # [T, window] matrix of windows.
    out: Float64Array = weights[0] * signal[..., :length]
    for j in range(1, weights.size):
        out += weights[j] * signal[..., j : j + length]
    return out
