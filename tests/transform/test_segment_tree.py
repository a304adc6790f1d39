"""Tests for ``lagom.transform.segment_tree`` (SegmentTree, SumTree, MinTree)."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import MinTree, SegmentTree, SumTree
from tests.strategies.transform import powers_of_two, tree_writes


def _apply(writes: list[tuple[list[int], list[float]]], capacity: int, fill: float) -> list[float]:
    """The plain array the writes leave behind (one write at a time, in order)."""
    array = [fill] * capacity
    for indices, values in writes:
        for index, value in zip(indices, values, strict=True):
            array[index] = value
    return array


@given(tree_writes(), st.data())
def test_sum_tree_equals_plain_sums(case: Any, data: st.DataObject) -> None:
    capacity, writes = case
    tree = SumTree(capacity)
    for indices, values in writes:
        tree[np.array(indices)] = values
    array = _apply(writes, capacity, 0.0)
    np.testing.assert_array_equal(tree[np.arange(capacity)], array)
    for _ in range(5):
        start = data.draw(st.integers(0, capacity))
        end = data.draw(st.integers(start, capacity))
        assert tree.sum(start, end) == pytest.approx(sum(array[start:end]), rel=1e-12, abs=1e-12)
    assert tree.sum() == pytest.approx(sum(array), rel=1e-12, abs=1e-12)


@given(tree_writes(), st.data())
def test_min_tree_equals_plain_minima(case: Any, data: st.DataObject) -> None:
    capacity, writes = case
    tree = MinTree(capacity)
    for indices, values in writes:
        tree[np.array(indices)] = values
    array = _apply(writes, capacity, float("inf"))
    for _ in range(5):
        start = data.draw(st.integers(0, capacity - 1))
        end = data.draw(st.integers(start + 1, capacity))
        assert tree.min(start, end) == min(array[start:end])
    assert tree.min() == min(array)


@given(tree_writes(integer_values=True))
def test_single_writes_equal_batch_writes(case: Any) -> None:
    capacity, writes = case
    batched, single = SumTree(capacity), SumTree(capacity)
    for indices, values in writes:
        batched[np.array(indices)] = np.array(values)
        for index, value in zip(indices, values, strict=True):
            single[index] = value
    for start in range(capacity + 1):
        assert batched.sum(start) == single.sum(start)
    assert [batched[i] for i in range(capacity)] == [single[i] for i in range(capacity)]


@given(tree_writes(integer_values=True), st.data())
def test_find_prefixsum_index_inverts_prefix_sums(case: Any, data: st.DataObject) -> None:
    capacity, writes = case
    tree = SumTree(capacity)
    for indices, values in writes:
        tree[indices] = values
    array = _apply(writes, capacity, 0.0)
    total = sum(array)
    if total == 0:  # nothing to draw: an index of value 0 is never the answer
        with pytest.raises(ValueError, match=r"needs a positive sum\(\) to draw from"):
            tree.find_prefixsum_index(0.0)
        return
    targets = data.draw(st.lists(st.floats(0.0, total), min_size=1, max_size=10))
    found = tree.find_prefixsum_index(np.array(targets))
    for target, index in zip(targets, found.tolist(), strict=True):
        assert array[index] > 0
        assert sum(array[:index]) <= target
        if target < total:
            assert target < sum(array[: index + 1])
        else:  # the top of the range: the last index of positive value
            assert index == max(i for i, v in enumerate(array) if v > 0)
        assert tree.find_prefixsum_index(target) == index


def test_find_prefixsum_index_samples_proportionally() -> None:
    tree = SumTree(8)
    tree[np.arange(4)] = [1.0, 0.0, 3.0, 4.0]
    rng = np.random.default_rng(0)
    indices = tree.find_prefixsum_index(rng.random(80_000) * tree.sum())
    counts = np.bincount(indices, minlength=8) / indices.size
    np.testing.assert_allclose(counts, [0.125, 0.0, 0.375, 0.5, 0, 0, 0, 0], atol=0.01)


def test_reduce_is_ordered_for_non_commutative_operations() -> None:
    # Composition of the affine maps x -> a*x + b, stored as a*1000 + b with small ints: not
    # commutative, so a wrong order gives a different number.
    def compose(p: Any, q: Any) -> Any:
        a1, b1 = np.divmod(p, 1000)
        a2, b2 = np.divmod(q, 1000)
        return (a1 * a2) * 1000 + (a1 * b2 + b1)

    tree = SegmentTree(4, compose, 1000.0)
    tree[np.arange(4)] = [2001.0, 1002.0, 3000.0, 1001.0]
    expected = 1000.0
    for value in (2001.0, 1002.0, 3000.0):
        expected = compose(expected, value)
    assert tree.reduce(0, 3) == expected
    assert tree.reduce(0, 3) != compose(compose(3000.0, 1002.0), 2001.0)


def test_generic_tree_with_operator_and_defaults() -> None:
    tree = SegmentTree(8, operator.add, 0.0)
    tree[3] = 2.0
    tree[np.array([5, 6])] = 1.5
    assert tree.reduce() == 5.0
    assert tree.reduce(4) == 3.0
    assert tree.reduce(0, -2) == 3.5
    assert tree.reduce(-3, -1) == 3.0
    assert tree.reduce(2, 2) == 0.0
    assert tree[3] == 2.0
    assert isinstance(tree[3], float)
    np.testing.assert_array_equal(tree[np.array([[5, 6], [3, 0]])], [[1.5, 1.5], [2.0, 0.0]])
    assert len(tree) == tree.capacity == 8


def test_batch_write_keeps_the_last_of_repeated_indices() -> None:
    tree = SumTree(4)
    tree[np.array([1, 2, 1, 1])] = [5.0, 1.0, 7.0, 3.0]
    assert tree[1] == 3.0
    assert tree.sum() == 4.0
    tree[[]] = []
    assert tree.sum() == 4.0


@pytest.mark.parametrize("capacity", [0, 3, 6, -4])
def test_capacity_must_be_a_power_of_two(capacity: int) -> None:
    with pytest.raises(ValueError, match="positive power of two"):
        SumTree(capacity)


@given(powers_of_two)
def test_rejects_bad_indices_values_and_ranges(capacity: int) -> None:
    tree = MinTree(capacity)
    with pytest.raises(IndexError, match=rf"\[0, {capacity}\)"):
        tree[capacity] = 1.0
    with pytest.raises(IndexError, match="indices must be in"):
        tree[np.array([0, -1])] = 1.0
    with pytest.raises(IndexError, match="indices must be in"):
        _ = tree[capacity]
    with pytest.raises(TypeError, match="integers"):
        tree[0.0] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError, match="bool"):
        tree[True] = 1.0
    with pytest.raises(ValueError, match="values must not be NaN, got nan at index 1"):
        tree[np.array([0, 0])] = [1.0, float("nan")]
    with pytest.raises(TypeError, match="values must be real numbers, got an array of dtype bool"):
        tree[0] = True
    with pytest.raises(ValueError, match="values must be a rectangular array"):
        tree[np.array([0, 0])] = [[1.0], [1.0, 2.0]]
    with pytest.raises(ValueError, match="cannot be written"):
        tree[np.array([0])] = [1.0, 2.0]
    with pytest.raises(ValueError, match="start <= end"):
        tree.min(1, 0)
    with pytest.raises(ValueError, match="end <= capacity"):
        tree.min(0, capacity + 1)
    with pytest.raises(TypeError, match="start must be an int"):
        tree.min(0.5)  # type: ignore[arg-type]


def test_sum_tree_specific_errors() -> None:
    tree = SumTree(4)
    tree[0] = 1.0
    with pytest.raises(ValueError, match="non-negative"):
        tree[1] = -1.0
    with pytest.raises(ValueError, match="values must be finite, got inf"):
        tree[1] = float("inf")
    with pytest.raises(ValueError, match=r"within \[0, sum\(\)=1.0\]"):
        tree.find_prefixsum_index(1.5)
    with pytest.raises(ValueError, match="within"):
        tree.find_prefixsum_index(np.array([0.5, -0.1]))
    with pytest.raises(ValueError, match="within"):
        tree.find_prefixsum_index(float("nan"))
    with pytest.raises(TypeError, match="prefixsum must be real"):
        tree.find_prefixsum_index("a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="operation must be callable"):
        SegmentTree(4, "add", 0.0)  # type: ignore[arg-type]
    # The builtin min compares whole arrays: it failed only at the first batched write.
    with pytest.raises(TypeError, match="operation must combine two arrays element by element"):
        SegmentTree(4, min, float("inf"))
    with pytest.raises(ValueError, match=r"identity_element 0\.0 is not the identity of"):
        SegmentTree(4, np.minimum, 0.0)


def test_an_all_zero_tree_has_nothing_to_draw() -> None:
    tree = SumTree(4)
    for prefixsum in (0.0, [0.0, 0.0]):
        with pytest.raises(ValueError, match=r"positive sum\(\) to draw from, got sum\(\)=0.0"):
            tree.find_prefixsum_index(prefixsum)
    tree[2] = 1.0
    assert tree.find_prefixsum_index(0.0) == 2
    assert tree.find_prefixsum_index(np.zeros(0)).shape == (0,)


def test_capacity_too_large_to_allocate_is_refused() -> None:
    with pytest.raises(ValueError, match=r"capacity must be at most 2\*\*58 .*got 2\*\*62"):
        SumTree(2**62)
    with pytest.raises(ValueError, match="capacity must be at most"):
        MinTree(2**59)


def test_a_capacity_beyond_physical_memory_is_refused_before_allocating() -> None:
    # Before: 2**40 leaves passed the addressable-size check, then numpy's MemoryError.
    with pytest.raises(
        ValueError,
        match=r"capacity must be at most \d+, for its 2 \* capacity float64 nodes \(what fits",
    ):
        SumTree(2**40)
