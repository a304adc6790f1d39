"""Tests for ``lagom.transform.rank`` (rank_transform)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import rank_transform
from tests.strategies.transform import float_arrays


def _loop_ranks(values: list[float]) -> list[int]:
    """Rank = number of smaller values plus the number of equal values earlier in the list."""
    return [
        sum(v < x for v in values) + sum(v == x for v in values[:i]) for i, x in enumerate(values)
    ]


def test_reference_examples() -> None:
    centered = rank_transform([3, 14, 1], centered=True)
    np.testing.assert_array_equal(centered, [0.0, 0.5, -0.5])
    assert centered.dtype == np.float64
    ranks = rank_transform([3, 14, 1], centered=False)
    np.testing.assert_array_equal(ranks, [1, 2, 0])
    assert ranks.dtype == np.int64


def test_ties_follow_position() -> None:
    np.testing.assert_array_equal(
        rank_transform([2.0, 1.0, 2.0, 1.0], centered=False), [2, 0, 3, 1]
    )
    np.testing.assert_array_equal(rank_transform([5, 5, 5], centered=False), [0, 1, 2])


@given(float_arrays(st.integers(0, 30).map(lambda n: (n,)), elements=st.integers(-5, 5).map(float)))
def test_ranks_equal_counting_loop_and_form_a_permutation(x: np.ndarray[Any, Any]) -> None:
    ranks = rank_transform(x, centered=False)
    assert ranks.tolist() == _loop_ranks(x.tolist())
    assert sorted(ranks.tolist()) == list(range(x.size))


@given(float_arrays(st.integers(2, 30).map(lambda n: (n,))))
def test_centered_ranks_span_minus_half_to_half(x: np.ndarray[Any, Any]) -> None:
    centered = rank_transform(x)
    n = x.size
    np.testing.assert_allclose(np.sort(centered), np.arange(n) / (n - 1) - 0.5, atol=1e-15)
    assert centered.min() == -0.5
    assert centered.max() == 0.5
    np.testing.assert_allclose(centered, rank_transform(x, centered=False) / (n - 1) - 0.5)


def test_small_inputs_dtype_and_purity() -> None:
    np.testing.assert_array_equal(rank_transform([7.0]), [0.0])
    assert rank_transform([]).shape == (0,)
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    assert rank_transform(x).dtype == np.float32
    np.testing.assert_array_equal(x, [0.5, -1.0, 2.0])
    inf = np.inf
    np.testing.assert_array_equal(rank_transform([1.0, inf, -inf], centered=False), [1, 2, 0])


def test_nan_is_refused_with_its_index() -> None:
    with pytest.raises(ValueError, match="x must not be NaN, got nan at index 1"):
        rank_transform([1.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="x must not be NaN, got nan at index 2"):
        rank_transform(np.array([1.0, np.inf, np.nan], dtype=np.float32), centered=False)


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="1-D vector"):
        rank_transform(3.0)
    with pytest.raises(ValueError, match="1-D vector"):
        rank_transform([[1.0, 2.0]])
    with pytest.raises(TypeError, match="real numbers"):
        rank_transform(["b", "a"])
    with pytest.raises(TypeError, match="centered must be a bool"):
        rank_transform([1.0], centered=1)  # type: ignore[call-overload]


def test_integers_above_two_to_the_53_keep_their_order() -> None:
    # As float64, 2**53 + 1 equals 2**53: the tie was broken by position, the wrong way.
    assert rank_transform([2**53 + 1, 2**53], centered=False).tolist() == [1, 0]
    big = np.array([2**63 + 1, 2**63, 1], np.uint64)
    assert rank_transform(big, centered=False).tolist() == [2, 1, 0]
    assert rank_transform(big, centered=True).tolist() == [0.5, 0.0, -0.5]
