"""Tests for ``lagom.transform.cumsum``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given

from lagom.testing.strategies import discounts
from lagom.transform import geometric_cumsum
from tests.strategies.transform import sequence_batches


def _double_loop(alpha: float, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    rows = np.atleast_2d(np.asarray(x, dtype=np.float64))
    out = np.zeros_like(rows)
    for n in range(rows.shape[0]):
        T = rows.shape[1]
        for t in range(T):
            out[n, t] = sum(alpha ** (j - t) * rows[n, j] for j in range(t, T))
    return out


def test_reference_example() -> None:
    out = geometric_cumsum(0.1, [1, 2, 3, 4])
    np.testing.assert_allclose(out, [[1.234, 2.34, 3.4, 4.0]], rtol=1e-15)
    assert out.shape == (1, 4)
    assert out.dtype == np.float64


def test_batch_rows_are_independent() -> None:
    out = geometric_cumsum(0.5, [[1.0, 1.0, 1.0], [0.0, 0.0, 8.0]])
    np.testing.assert_array_equal(out, [[1.75, 1.5, 1.0], [2.0, 4.0, 8.0]])


def test_edge_factors() -> None:
    x = np.array([1.0, -2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(geometric_cumsum(0.0, x), [x])
    np.testing.assert_array_equal(geometric_cumsum(1.0, x), [[11.0, 10.0, 12.0, 9.0, 5.0]])


def test_long_sequence_matches_the_recurrence() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3000))
    expected = np.zeros_like(x)
    running = np.zeros(2)
    for t in reversed(range(x.shape[1])):
        running = x[:, t] + 0.99 * running
        expected[:, t] = running
    np.testing.assert_allclose(geometric_cumsum(0.99, x), expected, rtol=1e-10, atol=1e-10)


@given(discounts(), sequence_batches())
def test_equals_double_loop(alpha: float, x: np.ndarray[Any, Any]) -> None:
    out = geometric_cumsum(alpha, x)
    expected = _double_loop(alpha, x)
    assert out.shape == expected.shape
    assert out.dtype == x.dtype
    # Rounding is relative to the magnitudes summed, not to the (possibly cancelling) sum.
    scale = _double_loop(alpha, np.abs(x))
    eps = 1e-13 if x.dtype == np.float64 else 1e-5
    underflow = 10 * np.finfo(x.dtype).tiny  # results below the dtype's range round to 0
    assert np.all(np.abs(out - expected) <= eps * scale + underflow)


@given(discounts(), sequence_batches())
def test_does_not_modify_input(alpha: float, x: np.ndarray[Any, Any]) -> None:
    before = x.copy()
    geometric_cumsum(alpha, x)
    np.testing.assert_array_equal(x, before)


def test_int_and_bool_inputs_become_float64() -> None:
    assert geometric_cumsum(0.5, np.array([1, 2], dtype=np.int32)).dtype == np.float64
    np.testing.assert_array_equal(geometric_cumsum(0.5, [True, True]), [[1.5, 1.0]])


def test_empty_sequence() -> None:
    assert geometric_cumsum(0.9, np.zeros((2, 0))).shape == (2, 0)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_rejects_alpha_outside_unit_interval(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        geometric_cumsum(alpha, [1.0, 2.0])


@pytest.mark.parametrize("alpha", ["0.5", None, True])
def test_rejects_non_real_alpha(alpha: Any) -> None:
    with pytest.raises(TypeError, match="alpha"):
        geometric_cumsum(alpha, [1.0, 2.0])


@pytest.mark.parametrize("x", [1.0, np.zeros((2, 2, 2))])
def test_rejects_bad_dimensions(x: Any) -> None:
    with pytest.raises(ValueError, match=r"1-D \[T\] or 2-D \[N, T\]"):
        geometric_cumsum(0.5, x)


def test_rejects_non_numeric_data() -> None:
    with pytest.raises(TypeError, match="real numbers"):
        geometric_cumsum(0.5, ["a", "b"])
    with pytest.raises(ValueError, match="rectangular"):
        geometric_cumsum(0.5, [[1.0], [1.0, 2.0]])


@pytest.mark.parametrize(
    ("x", "match"),
    [
        ([1.0, float("nan"), 2.0], "x must be finite, got nan at index 1"),
        ([[0.0, 1.0], [2.0, float("-inf")]], r"x must be finite, got -inf at index \[1, 1\]"),
        (np.array([np.inf], dtype=np.float32), "x must be finite, got inf at index 0"),
    ],
)
def test_non_finite_rewards_are_refused_with_their_index(x: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        geometric_cumsum(0.9, x)
