"""Tests for ``lagom.transform.smoothing`` (Savitzky–Golay filter)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import smooth_filter
from tests.strategies.transform import float_arrays, polynomial_signals

MODES = ["interp", "mirror", "nearest", "constant", "wrap"]


def _pad(x: list[float], half: int, mode: str, cval: float) -> list[float]:
    """Extend ``x`` by ``half`` samples at each end, the way scipy.ndimage's modes do."""
    if half == 0:
        return list(x)
    if mode == "mirror":  # reflect about the end samples: d c b | a b c d | c b a
        return x[half:0:-1] + x + x[-2 : -half - 2 : -1]
    if mode == "nearest":
        return [x[0]] * half + x + [x[-1]] * half
    if mode == "constant":
        return [cval] * half + x + [cval] * half
    return x[-half:] + x + x[:half]  # wrap


def _oracle(
    x: list[float], window: int, order: int, deriv: int, delta: float, mode: str, cval: float
) -> list[float]:
    """Fit a polynomial to every window with np.polyfit and evaluate it (or a derivative)."""
    half = window // 2
    offsets = np.arange(window) - half  # positions relative to the window's center

    def fit(samples: list[float], at: np.ndarray[Any, Any]) -> list[float]:
        coefficients: Any = np.polyfit(offsets, samples, order)
        if deriv:
            coefficients = np.polyder(coefficients, deriv)
        return list(np.polyval(coefficients, at) / delta**deriv)

    T = len(x)
    if mode != "interp":
        padded = _pad(x, half, mode, cval)
        return [fit(padded[t : t + window], np.array([0]))[0] for t in range(T)]
    out = [fit(x[t - half : t + half + 1], np.array([0]))[0] for t in range(half, T - half)]
    left = fit(x[:window], np.arange(half) - half)
    right = fit(x[T - window :], np.arange(window - half, window) - half)
    return left + out + right


def test_scipy_documented_examples() -> None:
    # The values scipy.signal.savgol_filter's documentation prints for this signal.
    x = np.array([2, 2, 5, 2, 1, 0, 1, 4, 9])
    np.testing.assert_allclose(
        smooth_filter(x, 5, 2), [1.66, 3.17, 3.54, 2.86, 0.66, 0.17, 1.0, 4.0, 9.0], atol=5e-3
    )
    np.testing.assert_allclose(
        smooth_filter(x, 5, 2, mode="nearest"),
        [1.74, 3.03, 3.54, 2.86, 0.66, 0.17, 1.0, 4.6, 7.97],
        atol=5e-3,
    )


def test_reference_example_runs_and_smooths() -> None:
    rng = np.random.default_rng(0)
    x = np.linspace(0, 4 * 2 * np.pi, num=100)
    y = x * (np.sin(x) + rng.random(100) * 4)
    y2 = smooth_filter(y, window_length=31, polyorder=10)
    assert y2.shape == y.shape
    assert np.abs(np.diff(y2, 2)).mean() < np.abs(np.diff(y, 2)).mean()
    expected = _oracle(y.tolist(), 31, 10, 0, 1.0, "interp", 0.0)
    np.testing.assert_allclose(y2, expected, rtol=1e-9, atol=1e-9)


@st.composite
def _filter_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    window = draw(st.integers(1, 13).map(lambda w: w | 1))
    order = draw(st.integers(0, min(window - 1, 4)))
    x = draw(float_arrays(st.integers(window, 30).map(lambda T: (T,))))
    deriv = draw(st.integers(0, 2))
    delta = draw(st.sampled_from([1.0, 0.5, 2.0]))
    mode = draw(st.sampled_from(MODES))
    cval = draw(st.floats(-10, 10))
    return x, window, order, deriv, delta, mode, cval


@given(_filter_cases())
def test_equals_per_window_polyfit(case: tuple[Any, ...]) -> None:
    x, window, order, deriv, delta, mode, cval = case
    out = smooth_filter(x, window, order, deriv=deriv, delta=delta, mode=mode, cval=cval)
    expected = _oracle(x.tolist(), window, order, deriv, delta, mode, cval)
    scale = 1.0 + np.abs(x).max() + abs(cval)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-9 * scale)


@given(polynomial_signals())
def test_preserves_polynomials_of_degree_up_to_polyorder(case: tuple[Any, int, int]) -> None:
    signal, window, order = case
    np.testing.assert_allclose(smooth_filter(signal, window, order), signal, atol=1e-10)


def test_derivative_of_a_polynomial() -> None:
    t = np.arange(20) * 0.5
    np.testing.assert_allclose(
        smooth_filter(t**2, 7, 2, deriv=1, delta=0.5), 2 * t, rtol=1e-12, atol=1e-10
    )
    np.testing.assert_allclose(smooth_filter(t**2, 7, 2, deriv=3), 0.0, atol=1e-12)


def test_axis_dtype_and_purity() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(25, 3)).astype(np.float32)
    before = x.copy()
    out = smooth_filter(x, 7, 2, axis=0)
    assert out.dtype == np.float32
    assert out.shape == x.shape
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(out, smooth_filter(x.T, 7, 2).T, rtol=1e-6)
    assert smooth_filter([1, 2, 4], 3, 1).dtype == np.float64


def test_window_of_one_is_the_identity() -> None:
    x = np.array([3.0, -1.0, 2.0])
    np.testing.assert_allclose(smooth_filter(x, 1, 0), x)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((5.0, 3, 1), {}, "at least one dimension"),
        ((np.ones(9), 4, 1), {}, "odd"),
        ((np.ones(9), 11, 1), {}, "at most the curve length 9"),
        ((np.ones(9), -1, 0), {}, "window_length must be at least 1"),
        ((np.ones(9), 5, 5), {}, "less than window_length=5"),
        ((np.ones(9), 5, -1), {}, "polyorder must be at least 0"),
        ((np.ones(9), 5, 2), {"deriv": -1}, "deriv must be at least 0"),
        ((np.ones(9), 5, 2), {"delta": 0.0}, "delta must be positive"),
        ((np.ones(9), 5, 2), {"mode": "reflect"}, "mode must be"),
        ((np.ones(9), 5, 2), {"axis": 1}, "axis must be in"),
    ],
)
def test_rejects_bad_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        smooth_filter(*args, **kwargs)


def test_rejects_wrong_types() -> None:
    with pytest.raises(TypeError, match="window_length must be an int"):
        smooth_filter(np.ones(9), 5.0, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="x must hold real numbers"):
        smooth_filter(["a"] * 9, 5, 2)


def test_non_finite_curves_and_parameters_are_refused() -> None:
    x = np.arange(12.0).reshape(2, 6)
    x[1, 3] = np.nan
    with pytest.raises(ValueError, match=r"x must be finite, got nan at index \[1, 3\]"):
        smooth_filter(x, 3, 1)
    with pytest.raises(ValueError, match="delta must be finite, got inf"):
        smooth_filter(np.arange(6.0), 3, 1, deriv=1, delta=float("inf"))
    with pytest.raises(ValueError, match="cval must be finite, got -inf"):
        smooth_filter(np.arange(6.0), 3, 1, mode="constant", cval=float("-inf"))
    with pytest.raises(ValueError, match="mode must be 'interp' or one of"):
        smooth_filter(np.arange(6.0), 3, 1, mode=["wrap"])  # type: ignore[arg-type]


def test_derivative_scale_that_underflows_or_overflows_is_refused() -> None:
    # (scale * delta) ** deriv underflowed to 0: the weights were 0 / 0 = NaN.
    with pytest.raises(ValueError, match=r"delta=1e-200 is too small for deriv=2"):
        smooth_filter([1.0, 2.0, 3.0], 3, 2, deriv=2, delta=1e-200)
    with pytest.raises(ValueError, match=r"delta=1e\+200 is too large for deriv=2"):
        smooth_filter([1.0, 2.0, 3.0], 3, 2, deriv=2, delta=1e200)  # was an OverflowError
    with pytest.raises(ValueError, match=r"delta=1e-155 is too small.*weights overflow"):
        smooth_filter([1.0, 2.0, 3.0], 3, 2, deriv=2, delta=1e-155)  # a subnormal scale
    # A derivative above polyorder is 0 whatever delta; a tiny delta still works when exact.
    np.testing.assert_array_equal(smooth_filter([1.0, 2.0, 3.0], 3, 2, deriv=3, delta=1e-200), 0)
    np.testing.assert_allclose(smooth_filter([1.0, 2.0, 3.0], 3, 2, deriv=1, delta=1e-300), 1e300)


def test_result_that_overflows_is_refused() -> None:
    with pytest.raises(ValueError, match="the smoothed x overflows float64"):
        smooth_filter(np.full(9, 1.7e308), 5, 2)
