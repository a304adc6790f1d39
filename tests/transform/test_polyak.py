"""Tests for ``lagom.transform.polyak`` (polyak_update and PolyakAverage)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import PolyakAverage, polyak_update
from tests.strategies.transform import finite_floats


@given(st.floats(0.0, 1.0), st.lists(finite_floats, min_size=1, max_size=20))
def test_running_average_equals_plain_loop(alpha: float, values: list[float]) -> None:
    average = PolyakAverage(alpha)
    expected = values[0]
    for i, value in enumerate(values):
        if i > 0:
            expected = alpha * expected + (1 - alpha) * value
        current = average(value)
        assert current == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert average.get_current() is current


def test_extreme_factors() -> None:
    fast, frozen = PolyakAverage(0.0), PolyakAverage(1.0)
    for value in (1.0, 5.0, -2.0):
        fast(value)
        frozen(value)
    assert float(fast.get_current()) == -2.0  # type: ignore[arg-type]
    assert float(frozen.get_current()) == 1.0  # type: ignore[arg-type]


def test_arrays_dtype_and_purity() -> None:
    average = PolyakAverage(0.5)
    assert average.get_current() is None
    first = np.array([1.0, 3.0], dtype=np.float32)
    out = average(first)
    first[0] = 100.0  # the caller's array is theirs: the average copied it
    np.testing.assert_array_equal(out, [1.0, 3.0])
    out = average(np.array([3.0, 5.0]))
    np.testing.assert_array_equal(out, [2.0, 4.0])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="read-only"):
        out[0] = 0.0
    assert PolyakAverage(0.5)([1, 2]).dtype == np.float64


def test_update_function_is_pure() -> None:
    average, x = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(polyak_update(0.25, average, x), [2.5, 3.5])
    np.testing.assert_array_equal(average, [1.0, 2.0])
    np.testing.assert_array_equal(x, [3.0, 4.0])


@pytest.mark.parametrize(
    ("alpha", "error"), [(-0.1, ValueError), (1.1, ValueError), ("a", TypeError)]
)
def test_rejects_bad_alpha(alpha: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="alpha"):
        PolyakAverage(alpha)
    with pytest.raises(error, match="alpha"):
        polyak_update(alpha, [1.0], [1.0])


def test_rejects_shape_changes() -> None:
    average = PolyakAverage(0.5)
    average(np.zeros(3))
    with pytest.raises(ValueError, match=r"shape of the average \(3,\), got \(2,\)"):
        average(np.zeros(2))
    with pytest.raises(ValueError, match="shape of the average"):
        polyak_update(0.5, np.zeros(3), np.zeros((1, 3)))


def test_non_finite_inputs_are_refused_and_the_average_kept() -> None:
    with pytest.raises(ValueError, match="average must be finite, got nan at index 1"):
        polyak_update(0.5, [0.0, float("nan")], [1.0, 1.0])
    with pytest.raises(ValueError, match="x must be finite, got inf at index 0"):
        polyak_update(0.5, [0.0, 0.0], [float("inf"), 1.0])
    average = PolyakAverage(alpha=0.5)
    with pytest.raises(ValueError, match="x must be finite, got nan"):
        average(float("nan"))
    assert average.get_current() is None
    average([1.0, 2.0])
    with pytest.raises(ValueError, match="x must be finite, got nan at index 0"):
        average([float("nan"), 2.0])
    np.testing.assert_array_equal(average.get_current(), [1.0, 2.0])


def test_x_beyond_the_average_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match=r"x must be representable in the average's dtype float32"):
        polyak_update(0.5, np.ones(2, np.float32), [1e300, 1.0])
    with pytest.raises(ValueError, match=r"float16 \(\|x\| at most 65504\), got 1e\+10 at index"):
        polyak_update(0.5, np.ones((2, 2), np.float16), [[1.0, 1.0], [1.0, 1e10]])
    # The largest representable value is still fine.
    assert polyak_update(0.0, np.ones(1, np.float16), [65504.0]).tolist() == [65504.0]


def test_average_is_unchanged_by_an_update_that_would_overflow() -> None:
    average = PolyakAverage(alpha=0.5)
    average(np.ones(2, np.float16))
    with pytest.raises(ValueError, match="representable in the average's dtype float16"):
        average([1e10, 1.0])
    current = average.get_current()
    assert current is not None
    assert current.tolist() == [1.0, 1.0]
    assert average([3.0, 3.0]).tolist() == [2.0, 2.0]  # later updates still work
