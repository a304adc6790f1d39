"""Tests of ``ReplayBuffer.n_step`` and of discrete actions: n-step windows that stop at
terminations, bootstrap truncations and the newest transition from the true next
observation, across the ring's wraparound; int64 actions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.metric import batched_returns
from lagom.runner import NStepBatch, PrioritizedReplayBuffer, ReplayBuffer
from tests.strategies.replay import Stream, streams


def _oracle(s: Stream, g: int, n: int, gamma: float) -> tuple[float, float, float]:
    """The n-step return, bootstrap discount and next observation of transition ``g``, by a
    plain loop over the stream (the newest transition is the stream's last)."""
    total, discount = 0.0, 1.0
    for j in range(n):
        t = g + j
        total += discount * float(s.rewards[t])
        discount *= gamma
        if s.terminated[t]:
            return total, 0.0, float(s.next_observations[t, 0])
        if s.truncated[t] or j == n - 1 or t == len(s.rewards) - 1:
            return total, discount, float(s.next_observations[t, 0])
    raise AssertionError("unreachable")


def _n_step(s: Stream, n: int, gamma: float) -> tuple[NStepBatch, np.ndarray, np.ndarray]:
    """The n-step batch of every row of a buffer fed ``s``, those rows, and the stream's
    transition each holds."""
    buffer = ReplayBuffer(s.capacity, 1, s.n_actions, seed=0, discrete=True)
    s.add_to(buffer)
    rows = np.arange(len(buffer), dtype=np.int64)
    ids = buffer.observations[:, 0]
    which = np.array([int(np.flatnonzero(s.observations[:, 0] == i)[0]) for i in ids])
    return buffer.n_step(rows, n, gamma), rows, which


@given(s=streams(), n=st.integers(1, 5), gamma=st.sampled_from([0.0, 0.5, 0.9, 1.0]))
def test_n_step_returns_match_a_plain_loop_over_the_episodes(
    s: Stream, n: int, gamma: float
) -> None:
    batch, rows, which = _n_step(s, n, gamma)
    assert isinstance(batch, NStepBatch)
    assert batch.returns.dtype == batch.discounts.dtype == np.float32
    for row, g in zip(rows, which, strict=True):
        total, discount, after = _oracle(s, g, n, gamma)
        assert batch.returns[row] == pytest.approx(total, rel=1e-5, abs=1e-4)
        assert batch.discounts[row] == pytest.approx(discount, rel=1e-6)
        assert batch.next_observations[row, 0] == after
        assert batch.observations[row, 0] == s.observations[g, 0]
        assert batch.actions[row] == s.actions[g]


@given(s=streams(), n=st.integers(1, 4), values=st.floats(-100, 100))
def test_the_target_is_batched_returns_with_the_value_after_the_window(
    s: Stream, n: int, values: float
) -> None:
    """``returns + discounts * V`` is ``batched_returns`` of the window with next value V."""
    batch, rows, which = _n_step(s, n, 0.9)
    for row, g in zip(rows, which, strict=True):
        window = slice(g, min(g + n, len(s.rewards)))
        # The stream's end cuts the window like a time limit: a truncation there.
        truncated = s.truncated[window].copy()
        truncated[-1] |= window.stop == len(s.rewards)
        expected = batched_returns(
            0.9,
            s.rewards[window].astype(np.float64),
            np.full(window.stop - g, values),
            terminated=s.terminated[window],
            truncated=truncated,
        )[0]
        target = float(batch.returns[row]) + float(batch.discounts[row]) * values
        assert target == pytest.approx(expected, rel=1e-5, abs=1e-3)


@given(s=streams(), gamma=st.floats(0.0, 1.0))
def test_one_step_is_the_transition_with_its_td0_discount(s: Stream, gamma: float) -> None:
    buffer = ReplayBuffer(s.capacity, 1, s.n_actions, seed=0, discrete=True)
    s.add_to(buffer)
    rows = np.arange(len(buffer))
    one, plain = buffer.n_step(rows, 1, gamma), buffer.gather(rows)
    np.testing.assert_array_equal(one.returns, plain.rewards)
    np.testing.assert_array_equal(one.next_observations, plain.next_observations)
    zeros = np.zeros_like(plain.rewards)
    expected = batched_returns(
        gamma,
        zeros[None],
        zeros[None] + 1,
        terminated=plain.terminated[None],
        truncated=zeros[None],
    )[0]
    np.testing.assert_array_equal(one.discounts, expected)


def test_windows_wrap_around_the_ring_and_stop_at_the_newest_transition() -> None:
    buffer = ReplayBuffer(4, 1, 2, seed=0, discrete=True)
    for t in range(6):  # rows hold transitions [4, 5, 2, 3]; the newest, 5, is in row 1
        buffer.add([[t]], [t % 2], [1.0], [[t + 1]], [False], [t == 3])
    batch = buffer.n_step([2, 3, 0, 1], n_steps=3, gamma=0.5)
    assert batch.observations[:, 0].tolist() == [2.0, 3.0, 4.0, 5.0]
    # 2 -> 3 (truncated: bootstrapped from its final observation 4); 3 alone; 4 -> 5 (newest).
    assert batch.returns.tolist() == [1.5, 1.0, 1.5, 1.0]
    assert batch.discounts.tolist() == [0.25, 0.5, 0.25, 0.5]
    assert batch.next_observations[:, 0].tolist() == [4.0, 4.0, 6.0, 6.0]
    assert batch.actions.tolist() == [0, 1, 0, 1]


def test_discrete_actions_are_int64_indices() -> None:
    buffer = ReplayBuffer(4, 2, 3, seed=0, discrete=True)
    buffer.add(
        np.zeros((2, 2)), np.array([[2], [0]], np.int32), [0, 1], np.ones((2, 2)), [0, 1], [0, 0]
    )
    batch = buffer.gather([0, 1])
    assert batch.actions.dtype == np.int64
    assert batch.actions.tolist() == [2, 0]
    assert buffer.table.shape == (4, 2 + 1 + 2 + 1)  # no action column in the table
    state = buffer.state_dict()
    assert state["actions"].tolist() == [2, 0]
    copy = ReplayBuffer(4, 2, 3, seed=1, discrete=True)
    copy.load_state_dict(state)
    assert copy.gather([1, 0]).actions.tolist() == [0, 2]
    with pytest.raises(TypeError, match="discrete actions must be integer indices"):
        buffer.add([[0, 0]], [1.0], [0], [[0, 0]], [0], [0])
    with pytest.raises(ValueError, match=r"discrete actions must be in \[0, 3\)"):
        buffer.add([[0, 0]], [3], [0], [[0, 0]], [0], [0])
    with pytest.raises(
        TypeError, match=r"keys \['table', 'truncated', 'pos', 'size', 'rng', 'actions'\]"
    ):
        copy.load_state_dict({k: v for k, v in state.items() if k != "actions"})
    assert len(buffer) == 2  # nothing was stored by the refused calls


def test_bad_input_raises() -> None:
    buffer = PrioritizedReplayBuffer(4, 1, 2, seed=0, discrete=True)
    buffer.add([[0]], [1], [0], [[1]], [0], [0])
    with pytest.raises(ValueError, match="n_steps must be at least 1"):
        buffer.n_step([0], 0, 0.9)
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\]"):
        buffer.n_step([0], 2, 1.5)
    with pytest.raises(ValueError, match="indices must be 1-D"):
        buffer.n_step([[0]], 2, 0.9)
    with pytest.raises(ValueError, match=r"indices must name stored rows in \[0, 1\)"):
        buffer.gather([0, 2])


@pytest.mark.parametrize("prioritized", [False, True])
@given(s=streams(), n=st.integers(1, 4), batch_size=st.integers(1, 9))
def test_sample_n_step_is_sample_indices_then_n_step(
    s: Stream, n: int, batch_size: int, prioritized: bool
) -> None:
    kind = PrioritizedReplayBuffer if prioritized else ReplayBuffer
    one, two = (kind(s.capacity, 1, s.n_actions, seed=3, discrete=True) for _ in range(2))
    s.add_to(one)
    s.add_to(two)
    for _ in range(2):  # twice: the generators stay in step
        rows, batch = one.sample_n_step(batch_size, n, 0.9)
        expected_rows = two.sample_indices(batch_size)
        expected = two.n_step(expected_rows, n, 0.9)
        np.testing.assert_array_equal(rows, expected_rows)
        for got, want in zip(batch, expected, strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 1, 0.9), ValueError, "batch_size must be at least 1"),
        ((2.0, 1, 0.9), TypeError, "batch_size"),
        ((2, 0, 0.9), ValueError, "n_steps must be at least 1"),
        ((2, "3", 0.9), TypeError, "n_steps"),
        ((2, 1, 1.5), ValueError, r"gamma must be in \[0, 1\]"),
        ((2, 1, None), TypeError, "gamma"),
    ],
)
def test_sample_n_step_refuses_bad_input_and_draws_nothing(
    args: tuple[object, object, object], error: type, match: str
) -> None:
    buffer = ReplayBuffer(4, 1, 2, seed=0, discrete=True)
    buffer.add([[0], [1]], [1, 0], [0, 1], [[1], [2]], [0, 1], [0, 0])
    state = buffer.rng.bit_generator.state
    with pytest.raises(error, match=match):
        buffer.sample_n_step(*args)  # type: ignore[arg-type]
    assert buffer.rng.bit_generator.state == state
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(4, 1, 2, seed=0, discrete=True).sample_n_step(2, 1, 0.9)
