"""Tests of ``lagom.runner.ReplayBuffer``: ring order, whole transitions, seeded sampling."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.runner import ReplayBatch, ReplayBuffer


def _rows(start: int, n: int) -> tuple[np.ndarray, ...]:
    """``n`` transitions numbered ``start ..``: every field encodes its transition number."""
    k = np.arange(start, start + n, dtype=np.float64)
    return (
        np.stack([k, -k], axis=1),  # observations [n, 2]
        (k / 1000.0)[:, None],  # actions [n, 1]
        k + 0.5,  # rewards [n]
        np.stack([k + 1, -k - 1], axis=1),  # next observations [n, 2]
        k % 3 == 0,  # terminated [n]
        k % 2 == 0,  # truncated [n]
    )


@given(
    capacity=st.integers(1, 7),
    chunks=st.lists(st.integers(1, 4), min_size=1, max_size=8),
)
def test_ring_keeps_the_last_capacity_transitions_in_slot_order(
    capacity: int, chunks: list[int]
) -> None:
    buffer = ReplayBuffer(capacity, obs_dim=2, action_dim=1, seed=0)
    slots: list[int | None] = [None] * capacity  # oracle: transition number held by each slot
    pos, count = 0, 0
    for n in chunks:
        n = min(n, capacity)
        buffer.add(*_rows(count, n))
        for k in range(count, count + n):
            slots[pos] = k
            pos = (pos + 1) % capacity
        count += n
    held = [k for k in slots if k is not None]
    assert len(buffer) == len(held)
    assert buffer.observations[:, 0].tolist() == [float(k) for k in held]
    expected = _rows(0, count)
    np.testing.assert_array_equal(buffer.truncated[: len(held)], expected[5][held])
    np.testing.assert_array_equal(buffer.table[: len(held), -1], expected[4][held])


def test_sample_returns_whole_transitions_with_separate_flags() -> None:
    buffer = ReplayBuffer(100, obs_dim=2, action_dim=1, seed=3)
    buffer.add(*_rows(0, 30))
    batch = buffer.sample(64)
    assert isinstance(batch, ReplayBatch)
    k = batch.observations[:, 0]
    assert batch.observations.shape == (64, 2)
    assert batch.actions.shape == (64, 1)
    assert batch.rewards.shape == batch.terminated.shape == (64,)
    assert all(field.dtype == np.float32 for field in batch)
    np.testing.assert_array_equal(batch.observations[:, 1], -k)
    np.testing.assert_allclose(batch.actions[:, 0], k / 1000.0, rtol=1e-6)
    np.testing.assert_array_equal(batch.rewards, k + 0.5)
    np.testing.assert_array_equal(batch.next_observations, np.stack([k + 1, -k - 1], axis=1))
    # terminated is its own flag: steps that are only truncated (k % 2 == 0) still bootstrap.
    np.testing.assert_array_equal(batch.terminated, (k % 3 == 0).astype(np.float32))


def test_the_fields_of_a_sample_are_views_of_one_gathered_block() -> None:
    buffer = ReplayBuffer(10, obs_dim=2, action_dim=1, seed=0)
    buffer.add(*_rows(0, 5))
    batch = buffer.sample(8)
    base = batch.observations.base
    assert base is not None
    assert base.shape == (8, buffer.table.shape[1])
    assert all(field.base is base for field in batch)
    assert not np.shares_memory(base, buffer.table)  # the buffer's rows stay its own


def test_sampling_is_seeded_and_resumes_from_the_state_dict() -> None:
    a = ReplayBuffer(50, obs_dim=2, action_dim=1, seed=7)
    b = ReplayBuffer(50, obs_dim=2, action_dim=1, seed=7)
    for buffer in (a, b):
        buffer.add(*_rows(0, 20))
    np.testing.assert_array_equal(a.sample(16).observations, b.sample(16).observations)
    state = a.state_dict()
    c = ReplayBuffer(50, obs_dim=2, action_dim=1, seed=999)
    c.load_state_dict(state)
    for buffer in (a, c):
        buffer.add(*_rows(20, 5))
    assert len(c) == len(a) == 25
    for _ in range(3):
        x, y = a.sample(8), c.sample(8)
        assert all(np.array_equal(u, v) for u, v in zip(x, y, strict=True))


def test_state_dict_holds_only_the_filled_rows() -> None:
    buffer = ReplayBuffer(1000, obs_dim=2, action_dim=1, seed=0)
    buffer.add(*_rows(0, 3))
    table = buffer.state_dict()["table"]
    assert table.shape == (3, buffer.table.shape[1])
    np.testing.assert_array_equal(table, buffer.table[:3])
    assert table[:, 0].tolist() == [0.0, 1.0, 2.0]  # the observations added, in order


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        ReplayBuffer(0, 2, 1, seed=0)
    with pytest.raises(TypeError, match="obs_dim must be an int"):
        ReplayBuffer(5, True, 1, seed=0)
    with pytest.raises(ValueError, match=r"seed must be in \[0, 2\*\*32 - 1\], got -1"):
        ReplayBuffer(5, 2, 1, seed=-1)
    buffer = ReplayBuffer(5, obs_dim=2, action_dim=1, seed=0)
    with pytest.raises(ValueError, match="empty replay buffer"):
        buffer.sample(4)
    with pytest.raises(ValueError, match=r"observations must have shape \[N, 2\]"):
        buffer.add([[0.0, 1.0, 2.0]], [[0.0]], [0.0], [[0.0, 1.0]], [False], [False])
    with pytest.raises(ValueError, match=r"observations must have shape \[N, 2\]"):
        buffer.add(
            np.zeros((6, 2)), np.zeros((6, 1)), np.zeros(6), np.zeros((6, 2)), [0] * 6, [0] * 6
        )
    with pytest.raises(ValueError, match="do not fit the buffer"):
        buffer.add([[0.0, 1.0]], [[0.0, 1.0]], [0.0], [[0.0, 1.0]], [False], [False])
    buffer.add([[0.0, 1.0]], [[0.0]], [0.0], [[0.0, 1.0]], [False], [False])
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        buffer.sample(0)
    with pytest.raises(ValueError, match="do not fit a buffer"):
        ReplayBuffer(2, 2, 1, seed=0).load_state_dict(
            ReplayBuffer(5, 2, 1, seed=0).state_dict() | {"table": np.zeros((3, 7)), "size": 3}
        )


def test_a_buffer_larger_than_the_machine_is_refused_before_allocating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gymnasium import spaces

    import lagom._checks as checks

    # Per transition: 2 * 6 bytes of [2 x 3] uint8 frames (observation and next), 2 * 4 of
    # the float32 table (reward, terminated), 1 of truncated, 8 of the int64 action: 29.
    frames = spaces.Box(0, 255, (2, 3), np.uint8)
    monkeypatch.setattr(checks, "physical_memory", lambda: 28_999)
    with pytest.raises(
        ValueError,
        match=r"capacity must be at most 999 transitions of 29 bytes \(what fits in this "
        r"machine's 0\.0 GiB of memory\), got 1000: lower the capacity \(agent\.buffer_size\)",
    ):
        ReplayBuffer(1000, 6, 2, seed=0, discrete=True, observation_space=frames)
    monkeypatch.setattr(checks, "physical_memory", lambda: 29_000)
    assert len(ReplayBuffer(1000, 6, 2, seed=0, discrete=True, observation_space=frames)) == 0
    monkeypatch.setattr(checks, "physical_memory", lambda: None)  # the OS did not say
    assert ReplayBuffer(1000, 6, 2, seed=0).capacity == 1000


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"pos": 4}, ValueError, r"state\['pos'\] must be the next row to write \(1 for 1"),
        ({"pos": 100}, ValueError, r"state\['pos'\] must be the next row"),
        ({"rng": "x"}, ValueError, r"state\['rng'\] must be a PCG64 state"),
        ({"truncated": "abc"}, ValueError, r"state\['truncated'\] must be a bool array"),
        ({"truncated": np.zeros(3, bool)}, ValueError, r"shape \(1,\), got dtype bool and"),
        ({"table": np.full((1, 7), np.nan)}, ValueError, r"state\[.table.\] must hold finite"),
    ],
)
def test_a_refused_state_leaves_the_buffer_as_it_was(
    change: dict[str, Any], error: type[Exception], match: str
) -> None:
    source = ReplayBuffer(4, 2, 1, seed=0)
    source.add_one([0.0, 1.0], [0.5], 1.0, [1.0, 2.0], False, False)
    buffer = ReplayBuffer(4, 2, 1, seed=3)
    before = buffer.state_dict()
    with pytest.raises(error, match=match):
        buffer.load_state_dict(source.state_dict() | change)
    after = buffer.state_dict()
    assert len(buffer) == 0
    assert after["pos"] == before["pos"]
    assert after["rng"] == before["rng"]
    np.testing.assert_array_equal(after["table"], before["table"])
    buffer.load_state_dict(source.state_dict())  # the good state still loads
    assert len(buffer) == 1


def test_an_empty_list_of_rows_gathers_an_empty_batch() -> None:
    # np.asarray([]) is float64: "indices must be integers" named the wrong problem.
    buffer = ReplayBuffer(4, 1, 1, seed=0)
    buffer.add_one([0.0], [0.0], 0.0, [1.0], False, False)
    batch = buffer.gather([])
    assert batch.rewards.shape == (0,)
    assert batch.observations.shape == (0, 1)
    with pytest.raises(TypeError, match="indices must be integers, got dtype float64"):
        buffer.gather(np.zeros(0))  # an array says its dtype: a float array stays refused


def test_transposed_actions_are_refused_not_scrambled() -> None:
    # [action_dim, N] actions have the size of [N, action_dim]: they were reshaped silently.
    buffer = ReplayBuffer(4, 1, 3, seed=0)
    obs = np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"actions must have shape \[2, 3\], got \(3, 2\)"):
        buffer.add(obs, np.zeros((3, 2)), [0, 0], obs, [0, 0], [0, 0])
    with pytest.raises(ValueError, match=r"next_observations must have shape \[2, 3\]"):
        ReplayBuffer(4, 3, 1, seed=0).add(
            np.zeros((2, 3)), [[0], [0]], [0, 0], np.zeros((3, 2)), [0, 0], [0, 0]
        )
    assert len(buffer) == 0
    # A shape that differs only by axes of length 1 still reads as the rows.
    buffer.add(obs, np.arange(6.0).reshape(2, 3), [[1.0, 2.0]], obs, [[0], [1]], [0, 0])
    np.testing.assert_array_equal(buffer.gather([0, 1]).rewards, [1.0, 2.0])
    np.testing.assert_array_equal(buffer.gather([1]).actions, [[3.0, 4.0, 5.0]])


@pytest.mark.parametrize("one", [False, True])
@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (np.array([300, 0]), r"whole numbers in \[0, 255\].*300"),
        (np.array([-1, 0]), r"whole numbers in \[0, 255\].*-1"),
        (np.array([0.5, 2.0]), r"whole numbers in \[0, 255\].*0.5"),
        (np.array([np.nan, 2.0]), "must be finite"),
    ],
)
def test_observations_that_do_not_fit_an_integer_space_are_refused(
    one: bool, frame: np.ndarray, match: str
) -> None:
    # uint8 frames took 300 as 44, -1 as 255 and 0.5 as 0 without a word.
    from gymnasium import spaces

    space = spaces.Box(0, 255, (2,), np.uint8)
    buffer = ReplayBuffer(4, 2, 2, seed=0, discrete=True, observation_space=space)
    good = np.array([255, 7])
    add = (
        (lambda: buffer.add_one(frame, 0, 1.0, good, False, False))
        if one
        else (lambda: buffer.add(frame[None], [0], [1.0], good[None], [False], [False]))
    )
    with pytest.raises(ValueError, match=match):
        add()
    assert len(buffer) == 0
    buffer.add(good[None].astype(np.float64), [0], [1.0], good[None], [False], [False])
    assert buffer.observations.tolist() == [[255, 7]]


def test_a_float64_observation_beyond_float32_is_refused_in_a_batch() -> None:
    from gymnasium import spaces

    space = spaces.Dict({"x": spaces.Box(-np.inf, np.inf, (1,), np.float32)})
    buffer = ReplayBuffer(4, 1, 1, seed=0, observation_space=space)
    ok = {"x": np.zeros((1, 1))}
    with pytest.raises(ValueError, match=r"observations\['x'\] must be finite, got inf"):
        buffer.add({"x": np.array([[1e300]])}, [[0.0]], [0.0], ok, [0], [0])
    assert len(buffer) == 0


def test_a_tampered_terminated_flag_in_a_saved_state_is_refused() -> None:
    source = ReplayBuffer(4, 1, 1, seed=0)
    source.add_one([0.0], [0.0], 0.0, [1.0], True, False)
    state = source.state_dict()
    state["table"][0, -1] = 0.5  # the terminated column
    buffer = ReplayBuffer(4, 1, 1, seed=0)
    with pytest.raises(ValueError, match=r"0 or 1 in its terminated column, .* got \[0.5\]"):
        buffer.load_state_dict(state)
    assert len(buffer) == 0
