"""Tests for ``lagom.transform.interpolation``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from lagom.transform import interp_curves
from tests.strategies.transform import curve_batches

X1, Y1 = [4.0, 5.0, 7.0, 13.0, 20.0], [0.25, 0.22, 0.53, 0.37, 0.55]
X2, Y2 = [2.0, 4.0, 6.0, 7.0, 9.0, 11.0, 15.0], [0.03, 0.12, 0.4, 0.2, 0.18, 0.32, 0.39]


def _linear(x: list[float], y: list[float], at: float) -> float:
    """Piecewise linear interpolation by search, held constant beyond the ends."""
    if at <= x[0]:
        return y[0]
    if at >= x[-1]:
        return y[-1]
    j = next(i for i in range(len(x) - 1) if x[i] <= at <= x[i + 1])
    return y[j] + (y[j + 1] - y[j]) * (at - x[j]) / (x[j + 1] - x[j])


def test_reference_example() -> None:
    new_x, new_y = interp_curves([X1, X2], [Y1, Y2], num_point=100)
    assert isinstance(new_x, list)
    assert isinstance(new_y, list)
    assert len(new_x) == len(new_y) == 2
    np.testing.assert_array_equal(new_x[0], new_x[1])
    np.testing.assert_allclose(new_x[0], np.linspace(2, 20, 100))
    for curve_x, curve_y, ys in zip((X1, X2), (Y1, Y2), new_y, strict=True):
        expected = [_linear(curve_x, curve_y, at) for at in new_x[0]]
        np.testing.assert_allclose(ys, expected, rtol=1e-12)


def test_values_on_an_integer_grid() -> None:
    new_x, new_y = interp_curves([X1, X2], [Y1, Y2], num_point=10)
    np.testing.assert_allclose(new_x[0], [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])
    # Worked by hand from the points above.
    expected_1 = [0.25, 0.25, 0.375, 0.53 - 0.16 / 6, 0.45, 0.53 - 0.8 / 6, 0.37 + 0.18 / 7]
    np.testing.assert_allclose(new_y[0][:7], expected_1)
    np.testing.assert_allclose(
        new_y[1], [0.03, 0.12, 0.4, 0.19, 0.25, 0.3375, 0.3725, 0.39, 0.39, 0.39]
    )


def test_default_number_of_points() -> None:
    new_x, _ = interp_curves([[0.0, 1.0]], [[0.0, 1.0]])
    assert new_x[0].shape == (100,)


@given(curve_batches(integer_x=True))
def test_passes_through_the_original_points(curves: Any) -> None:
    xs, ys = curves
    low = min(x[0] for x in xs)
    high = max(x[-1] for x in xs)
    # One grid point per integer: every original x lies on the grid.
    new_x, new_y = interp_curves(xs, ys, num_point=int(high - low) + 1)
    for curve_x, curve_y, grid, values in zip(xs, ys, new_x, new_y, strict=True):
        for x, y in zip(curve_x, curve_y, strict=True):
            i = int(np.argmin(np.abs(grid - x)))
            assert grid[i] == pytest.approx(x)
            assert values[i] == pytest.approx(y, abs=1e-9)


def test_subnormal_spacing_gives_finite_values() -> None:
    # Found by Hypothesis: np.interp's slope 1 / 2.2e-311 overflows to inf here.
    xs = [[0.0, 1.0], [-1.0, -2.225073858507e-311, 2.2250738585e-313]]
    ys = [[0.0, 0.0], [0.0, 0.0, 1.0]]
    new_x, new_y = interp_curves(xs, ys, num_point=17)
    expected = [_linear(xs[1], ys[1], at) for at in new_x[1]]
    np.testing.assert_allclose(new_y[1], expected, rtol=1e-9, atol=1e-9)
    assert np.isfinite(new_y[1]).all()


@given(curve_batches())
def test_equals_plain_interpolation(curves: Any) -> None:
    xs, ys = curves
    new_x, new_y = interp_curves(xs, ys, num_point=17)
    for curve_x, curve_y, grid, values in zip(xs, ys, new_x, new_y, strict=True):
        assert grid[0] == min(x[0] for x in xs)
        assert grid[-1] == max(x[-1] for x in xs)
        expected = [_linear(curve_x, curve_y, at) for at in grid]
        np.testing.assert_allclose(values, expected, rtol=1e-9, atol=1e-9)


def test_inputs_are_not_modified() -> None:
    x, y = np.array([0.0, 2.0]), np.array([1.0, 3.0])
    interp_curves([x], [y], num_point=3)
    np.testing.assert_array_equal(x, [0.0, 2.0])
    np.testing.assert_array_equal(y, [1.0, 3.0])


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([[1, 2]], [[1, 2], [1, 2]], "same number of curves"),
        ([], [], "at least one curve"),
        ([[1, 2]], [[1, 2, 3]], "as many x as y"),
        ([[]], [[]], "as many x as y"),
        ([[[1, 2]]], [[[1, 2]]], "must be 1-D"),
        ([[2, 1]], [[1, 2]], "strictly increasing"),
        ([[1, 1]], [[1, 2]], "strictly increasing"),
        ([[1, float("nan")]], [[1, 2]], "finite"),
    ],
)
def test_rejects_bad_curves(x: Any, y: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        interp_curves(x, y, num_point=5)


def test_rejects_bad_num_point_and_types() -> None:
    with pytest.raises(ValueError, match="num_point must be at least 1"):
        interp_curves([[1, 2]], [[1, 2]], num_point=0)
    with pytest.raises(TypeError, match="num_point must be an int"):
        interp_curves([[1, 2]], [[1, 2]], num_point=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="x must be a sequence of curves"):
        interp_curves("ab", "cd")
    with pytest.raises(TypeError, match="real numbers"):
        interp_curves([["a", "b"]], [[1, 2]])


def test_non_finite_y_values_are_refused_with_curve_and_index() -> None:
    with pytest.raises(ValueError, match=r"y\[1\] must be finite, got nan at index 0"):
        interp_curves([[1, 2], [1, 2]], [[1, 2], [float("nan"), 2]])
    with pytest.raises(ValueError, match=r"x\[0\] must be finite, got inf at index 1"):
        interp_curves([[1, float("inf")]], [[1, 2]])
    with pytest.raises(TypeError, match=r"y must be a sequence of curves .* got NoneType"):
        interp_curves([[1, 2]], None)  # type: ignore[arg-type]


def test_a_span_beyond_float64_is_interpolated_without_warnings() -> None:
    # high - low overflows: the grid was [nan, inf, 1e308] and every y NaN.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new_x, new_y = interp_curves([[-1e308, 0.0, 1e308]], [[0.0, 2.0, 1.0]], num_point=5)
    assert new_x[0].tolist() == [-1e308, -5e307, 0.0, 5e307, 1e308]
    assert new_y[0].tolist() == [0.0, 1.0, 2.0, 1.5, 1.0]


def test_integers_that_float64_merges_are_named_as_such() -> None:
    with pytest.raises(ValueError, match=r"x\[0\] is strictly increasing but not as float64"):
        interp_curves([[2**53, 2**53 + 1]], [[0, 1]], 3)
    with pytest.raises(ValueError, match=r"x\[0\] must be strictly increasing"):
        interp_curves([[2, 1]], [[0, 1]], 3)


def test_one_point_is_the_low_end_with_the_values_there() -> None:
    # Before: x said the high end (3.0) while y held the values at the low end (0.0).
    new_x, new_y = interp_curves([[0.0, 2.0], [1.0, 3.0]], [[1.0, 5.0], [10.0, 30.0]], 1)
    assert [x.tolist() for x in new_x] == [[0.0], [0.0]]
    # np.linspace(0, 3, 1) is [0.0]; curve 2 starts at x = 1, so holds its first value there.
    assert [y.tolist() for y in new_y] == [[1.0], [10.0]]
    two_x, two_y = interp_curves([[0.0, 2.0]], [[1.0, 5.0]], 2)
    assert two_x[0].tolist() == [0.0, 2.0]
    assert two_y[0].tolist() == [1.0, 5.0]


def test_num_point_too_large_to_allocate_is_refused() -> None:
    with pytest.raises(ValueError, match=r"num_point must be at most 1152921504606846975"):
        interp_curves([[1, 2]], [[1, 2]], num_point=10**30)
    with pytest.raises(ValueError, match="num_point must be at most"):
        interp_curves([[1, 2]], [[1, 2]], num_point=2**60)


def test_num_point_beyond_physical_memory_is_refused_before_allocating() -> None:
    # Before: 10**12 points passed the addressable-size check, then numpy's MemoryError.
    with pytest.raises(ValueError, match=r"num_point must be at most \d+ for 1 curve\(s\) \(what"):
        interp_curves([[1, 2]], [[1, 2]], num_point=10**12)
