"""Tests of ``lagom.runner.PrioritizedReplayBuffer``: priorities, sampling probabilities and
importance weights against a direct numpy computation, updates, wraparound, state."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.runner import PrioritizedReplayBuffer, ReplayBuffer
from tests.strategies.replay import priority_histories


def _fill(buffer: ReplayBuffer, start: int, k: int) -> None:
    """Add transitions ``start .. start + k - 1`` (observation = its number), one per call."""
    for g in range(start, start + k):
        buffer.add([[g]], [g % 2], [1.0], [[g + 1]], [False], [False])


def _replay(
    capacity: int, alpha: float, eps: float, steps: list[tuple[int, list[int], list[float]]]
) -> tuple[PrioritizedReplayBuffer, np.ndarray[Any, Any], float]:
    """A buffer that went through ``steps``, the priorities an oracle says it holds and the
    largest priority given."""
    buffer = PrioritizedReplayBuffer(capacity, 1, 2, seed=0, alpha=alpha, eps=eps, discrete=True)
    oracle = np.zeros(capacity)  # by row
    added, largest = 0, 1.0
    for k, rows, errors in steps:
        _fill(buffer, added, k)
        for g in range(added, added + k):
            oracle[g % capacity] = largest
        added += k
        buffer.update_priorities(np.array(rows, dtype=np.int64), errors)
        for row, error in zip(rows, errors, strict=True):  # in order: the last write wins
            oracle[row] = (abs(error) + eps) ** alpha
            largest = max(largest, oracle[row])
    return buffer, oracle[: len(buffer)], largest


@given(history=priority_histories())
def test_priorities_are_the_powered_td_errors_and_new_rows_get_the_largest(
    history: tuple[int, float, float, list[tuple[int, list[int], list[float]]]],
) -> None:
    buffer, oracle, largest = _replay(*history)
    np.testing.assert_allclose(buffer.priorities, oracle, rtol=1e-12)
    assert buffer.max_priority == pytest.approx(largest, rel=1e-12)
    assert largest >= oracle.max()


@given(
    history=priority_histories(),
    batch_size=st.integers(1, 20),
    beta=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_sampling_probabilities_and_weights_match_a_direct_computation(
    history: tuple[int, float, float, list[tuple[int, list[int], list[float]]]],
    batch_size: int,
    beta: float,
    seed: int,
) -> None:
    buffer, _, _ = _replay(*history)
    buffer.rng = np.random.default_rng(seed)
    uniforms = np.random.default_rng(seed).random(batch_size)
    p = buffer.priorities
    # Direct: stratum j draws u_j = (j + U_j) * sum(p) / B and picks the row whose interval
    # [p_0 + ... + p_{i-1}, p_0 + ... + p_i) holds it, so that row i has probability P(i).
    u = (np.arange(batch_size) + uniforms) * p.sum() / batch_size
    edges, slack = np.cumsum(p), 1e-9 * p.sum()
    low = np.searchsorted(edges, u - slack, side="right")
    high = np.searchsorted(edges, u + slack, side="right")
    rows = buffer.sample_indices(batch_size)
    assert rows.dtype == np.int64
    assert np.all((low <= rows) & (rows <= np.minimum(high, len(p) - 1)))
    P = p / p.sum()
    w = (len(p) * P) ** -beta
    expected = w / w.max()  # the largest weight of every stored transition
    np.testing.assert_allclose(buffer.weights(rows, beta), expected[rows], rtol=1e-5)
    assert float(buffer.weights(np.argmin(p)[None], beta)[0]) == pytest.approx(1.0)


def test_rows_are_drawn_with_probability_proportional_to_their_priority() -> None:
    # Capacity 5 (the trees hold 8 leaves): leaves 5..7 are never drawn.
    buffer = PrioritizedReplayBuffer(5, 1, 2, seed=1, alpha=1.0, eps=1e-9, discrete=True)
    _fill(buffer, 0, 5)
    buffer.update_priorities([0, 1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0, 0.5])
    draws = 200_000
    counts = np.bincount(buffer.sample_indices(draws), minlength=5)
    P = np.array([1.0, 2.0, 3.0, 4.0, 0.5]) / 10.5
    sigma = np.sqrt(draws * P * (1 - P))
    assert len(counts) == 5
    assert np.all(np.abs(counts - draws * P) < 4 * sigma)
    # The minibatch's strata: each holds B / 200_000 of the mass, so counts are near exact.
    assert np.all(np.abs(counts - draws * P) <= 2)


def test_the_largest_priority_carries_over_to_new_and_overwritten_rows() -> None:
    buffer = PrioritizedReplayBuffer(3, 1, 2, seed=0, alpha=1.0, eps=1e-6, discrete=True)
    _fill(buffer, 0, 2)
    np.testing.assert_array_equal(buffer.priorities, [1.0, 1.0])
    buffer.update_priorities([1, 1], [4.0, 9.0])  # a repeated row keeps its last error
    np.testing.assert_allclose(buffer.priorities, [1.0, 9.0 + 1e-6])
    assert buffer.max_priority == pytest.approx(9.0 + 1e-6)
    buffer.update_priorities([1], [0.0])  # the largest so far stays, though no row holds it
    _fill(buffer, 2, 2)  # row 2 is new, row 0 is overwritten (wraparound)
    np.testing.assert_allclose(buffer.priorities, [9.0 + 1e-6, 1e-6, 9.0 + 1e-6])
    assert buffer.observations[:, 0].tolist() == [3.0, 1.0, 2.0]
    rows = buffer.sample_indices(1000)
    assert set(rows.tolist()) <= {0, 1, 2}
    assert np.mean(rows == 1) < 0.01


def test_weights_normalize_by_the_stored_rows_only() -> None:
    # Before the buffer is full the unused leaves (priority 0, minimum inf) count for nothing.
    buffer = PrioritizedReplayBuffer(8, 1, 2, seed=0, alpha=1.0, eps=1e-12, discrete=True)
    _fill(buffer, 0, 3)
    buffer.update_priorities([0, 1, 2], [2.0, 4.0, 8.0])
    np.testing.assert_allclose(buffer.weights([0, 1, 2], beta=1.0), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(buffer.weights([0, 1, 2], beta=0.0), [1.0, 1.0, 1.0])
    assert set(buffer.sample_indices(100).tolist()) <= {0, 1, 2}


def test_alpha_zero_is_uniform_replay_with_unit_weights() -> None:
    buffer = PrioritizedReplayBuffer(4, 1, 2, seed=0, alpha=0.0, discrete=True)
    _fill(buffer, 0, 4)
    buffer.update_priorities([0, 1, 2, 3], [0.0, 1.0, 10.0, 100.0])
    np.testing.assert_array_equal(buffer.priorities, np.ones(4))
    np.testing.assert_array_equal(buffer.weights([0, 3], beta=1.0), [1.0, 1.0])
    assert buffer.sample_indices(8).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


@given(history=priority_histories(), seed=st.integers(0, 2**32 - 1))
def test_state_dict_restores_priorities_trees_and_generator(
    history: tuple[int, float, float, list[tuple[int, list[int], list[float]]]], seed: int
) -> None:
    buffer, _, _ = _replay(*history)
    capacity, alpha, eps, _ = history
    copy = PrioritizedReplayBuffer(capacity, 1, 2, seed=seed, alpha=alpha, eps=eps, discrete=True)
    _fill(copy, 100, capacity)  # a different past, overwritten by the load
    copy.update_priorities([0], [1e3])
    copy.load_state_dict(buffer.state_dict())
    np.testing.assert_array_equal(copy.priorities, buffer.priorities)
    assert copy.max_priority == buffer.max_priority
    for _ in range(3):
        rows = buffer.sample_indices(7)
        np.testing.assert_array_equal(copy.sample_indices(7), rows)
        np.testing.assert_array_equal(copy.weights(rows, 0.5), buffer.weights(rows, 0.5))
        np.testing.assert_array_equal(
            copy.gather(rows).observations, buffer.gather(rows).observations
        )
        copy.update_priorities(rows, np.arange(7.0))
        buffer.update_priorities(rows, np.arange(7.0))
        _fill(copy, 50, 1)
        _fill(buffer, 50, 1)


def test_a_prioritized_buffer_is_a_replay_buffer() -> None:
    buffer = PrioritizedReplayBuffer(4, 2, 1, seed=0)
    buffer.add([[0, 1]], [[0.5]], [1.0], [[2, 3]], [True], [False])
    batch = buffer.sample(2)
    assert isinstance(buffer, ReplayBuffer)
    assert batch.actions.dtype == np.float32
    assert batch.terminated.tolist() == [1.0, 1.0]
    assert sorted(buffer.state_dict()) == [
        "max_priority",
        "pos",
        "priorities",
        "rng",
        "size",
        "table",
        "truncated",
    ]


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        PrioritizedReplayBuffer(4, 1, 1, seed=0, alpha=-0.1)
    with pytest.raises(ValueError, match="eps must be > 0"):
        PrioritizedReplayBuffer(4, 1, 1, seed=0, eps=0.0)
    buffer = PrioritizedReplayBuffer(4, 1, 1, seed=0)
    with pytest.raises(ValueError, match="empty replay buffer"):
        buffer.sample_indices(2)
    buffer.add([[0]], [[0]], [0], [[1]], [0], [0])
    with pytest.raises(ValueError, match=r"indices must name stored rows in \[0, 1\)"):
        buffer.update_priorities([1], [1.0])
    with pytest.raises(ValueError, match="td_errors must have the shape of indices"):
        buffer.update_priorities([0], [1.0, 2.0])
    with pytest.raises(ValueError, match="td_errors"):
        buffer.update_priorities([0], [float("nan")])
    with pytest.raises(TypeError, match="indices must be integers"):
        buffer.weights([0.0], beta=0.5)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\]"):
        buffer.weights([0], beta=1.5)
    with pytest.raises(TypeError, match=r"PrioritizedReplayBuffer\.state_dict"):
        buffer.load_state_dict(ReplayBuffer(4, 1, 1, seed=0).state_dict())
    # Checked before the rows load: a refused state leaves the buffer as it was.
    source = PrioritizedReplayBuffer(4, 1, 1, seed=0)
    source.add([[1.0], [2.0]], [[0.0], [0.0]], [0.0, 0.0], [[2.0], [3.0]], [0, 0], [0, 0])
    fresh = PrioritizedReplayBuffer(4, 1, 1, seed=1)
    no_max = {k: v for k, v in source.state_dict().items() if k != "max_priority"}
    with pytest.raises(TypeError, match=r"got no \['max_priority'\]"):
        fresh.load_state_dict(no_max)
    with pytest.raises(ValueError, match="saved priorities must be positive and finite"):
        fresh.load_state_dict(source.state_dict() | {"priorities": np.array([1.0, -1.0])})
    assert len(fresh) == 0


def test_priorities_too_large_to_sum_are_refused() -> None:
    # Two priorities of 1e308 summed to inf in the tree: every draw then fell on one row.
    buffer = PrioritizedReplayBuffer(4, 1, 1, seed=0, alpha=1.0)
    _fill(buffer, 0, 2)
    with pytest.raises(ValueError, match=r"td_errors give priorities .* too large to sum"):
        buffer.update_priorities([0, 1], [1e308, 1e308])
    np.testing.assert_array_equal(buffer.priorities, [1.0, 1.0])


def test_a_saved_max_priority_below_the_saved_priorities_is_refused() -> None:
    # max_priority 0 loaded: every new row got priority 0 and was never replayed.
    source = PrioritizedReplayBuffer(4, 1, 1, seed=0, alpha=1.0)
    _fill(source, 0, 2)
    source.update_priorities([0], [3.0])
    buffer = PrioritizedReplayBuffer(4, 1, 1, seed=0, alpha=1.0)
    for bad in (0.0, 2.0):
        with pytest.raises(ValueError, match=r"max_priority.* at least the largest saved"):
            buffer.load_state_dict(source.state_dict() | {"max_priority": bad})
    assert len(buffer) == 0
    buffer.load_state_dict(source.state_dict())
    assert buffer.max_priority == source.max_priority
