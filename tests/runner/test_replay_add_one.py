"""Tests of ``ReplayBuffer.add_one``: the same stored rows as ``add`` of a batch of one (flat,
discrete, image and Dict observations, prioritized), and every bad input refused before
anything is written."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gymnasium import spaces
from hypothesis import given
from hypothesis import strategies as st

from lagom.runner import PrioritizedReplayBuffer, ReplayBuffer

_FRAMES = spaces.Box(0, 255, (2, 3), np.uint8)
_GOAL = spaces.Dict(
    {"obs": spaces.Box(-1.0, 1.0, (3,), np.float32), "goal": spaces.Box(0, 9, (2,), np.int64)}
)


def _buffers(kind: str, capacity: int) -> tuple[ReplayBuffer, ReplayBuffer]:
    def make() -> ReplayBuffer:
        if kind == "flat":
            return ReplayBuffer(capacity, obs_dim=3, action_dim=2, seed=0)
        if kind == "discrete":
            return ReplayBuffer(capacity, obs_dim=3, action_dim=4, seed=0, discrete=True)
        if kind == "frames":
            return ReplayBuffer(capacity, 6, 4, seed=0, discrete=True, observation_space=_FRAMES)
        if kind == "dict":
            return ReplayBuffer(capacity, 5, 2, seed=0, observation_space=_GOAL)
        return PrioritizedReplayBuffer(capacity, 3, 4, seed=0, discrete=True, alpha=0.6)

    return make(), make()


def _transition(kind: str, k: int) -> tuple[Any, Any, float, Any, bool, bool]:
    """Transition number ``k`` (every field derived from it), unbatched."""
    if kind == "frames":
        obs: Any = np.full((2, 3), k % 250, np.uint8)
        nxt: Any = obs + 1
    elif kind == "dict":
        obs = {"obs": np.full(3, k / 7.0, np.float32), "goal": np.array([k % 9, 1])}
        nxt = {"obs": np.full(3, (k + 1) / 7.0, np.float32), "goal": np.array([k % 9, 2])}
    else:
        obs, nxt = np.array([k, -k, k / 3.0]), np.array([k + 1, -k - 1, (k + 1) / 3.0])
    continuous = kind in ("flat", "dict")
    action: Any = np.array([k / 10.0, -1.0]) if continuous else k % 4
    return obs, action, k + 0.25, nxt, k % 3 == 0, k % 2 == 1


def _batched(x: Any) -> Any:
    if isinstance(x, dict):
        return {key: np.asarray(v)[None] for key, v in x.items()}
    return np.asarray(x)[None]


def _assert_same(a: ReplayBuffer, b: ReplayBuffer) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        if isinstance(sa[key], dict) and key != "rng":
            for name in sa[key]:
                np.testing.assert_array_equal(sa[key][name], sb[key][name])
        elif isinstance(sa[key], np.ndarray):
            np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)
        else:
            assert sa[key] == sb[key], key


@pytest.mark.parametrize("kind", ["flat", "discrete", "frames", "dict", "prioritized"])
@given(capacity=st.integers(1, 5), count=st.integers(1, 12))
def test_add_one_stores_what_add_of_a_batch_of_one_stores(
    kind: str, capacity: int, count: int
) -> None:
    one, batched = _buffers(kind, capacity)
    for k in range(count):
        obs, action, reward, nxt, term, trunc = _transition(kind, k)
        one.add_one(obs, action, reward, nxt, term, trunc)
        batched.add(_batched(obs), _batched(action), [reward], _batched(nxt), [term], [trunc])
        _assert_same(one, batched)
    assert len(one) == min(count, capacity)


def test_add_one_takes_python_and_numpy_scalars_and_0_1_flags() -> None:
    buffer = ReplayBuffer(4, obs_dim=2, action_dim=3, seed=0, discrete=True)
    buffer.add_one([0, 1], np.int64(2), np.float32(1.5), (1.0, 2.0), 0, np.True_)
    buffer.add_one(np.zeros((1, 2)), np.array([1]), np.array(2.0), [[3.0, 4.0]], 1.0, False)
    assert buffer.action_indices[:2].tolist() == [2, 1]
    assert buffer.table[:2, 2].tolist() == [1.5, 2.0]  # rewards
    assert buffer.table[:2, -1].tolist() == [0.0, 1.0]  # terminated
    assert buffer.truncated[:2].tolist() == [True, False]
    assert buffer.observations.tolist() == [[0.0, 1.0], [0.0, 0.0]]


_GOOD = {
    "observation": [0.0, 1.0],
    "action": [0.5],
    "reward": 1.0,
    "next_observation": [1.0, 2.0],
    "terminated": False,
    "truncated": False,
}


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("observation", None, TypeError),
        ("observation", "ab", TypeError),
        ("observation", [1.0 + 2j, 0.0], TypeError),
        ("observation", [0.0, 1.0, 2.0], ValueError),
        ("observation", [0.0, np.nan], ValueError),
        ("observation", [0.0, 1e300], ValueError),  # no float32
        ("observation", {"a": [0.0, 1.0]}, TypeError),
        ("next_observation", [np.inf, 0.0], ValueError),
        ("next_observation", object(), TypeError),
        ("action", [0.5, 0.5], ValueError),
        ("action", [np.nan], ValueError),
        ("action", "x", TypeError),
        ("reward", None, TypeError),
        ("reward", "1", TypeError),
        ("reward", np.nan, ValueError),
        ("reward", 1e300, ValueError),
        ("reward", [1.0, 2.0], ValueError),
        ("terminated", 2, ValueError),
        ("terminated", None, TypeError),
        ("truncated", 0.5, ValueError),
        ("truncated", "yes", TypeError),
    ],
)
def test_a_bad_argument_is_named_and_nothing_is_stored(name: str, value: Any, error: type) -> None:
    buffer = ReplayBuffer(4, obs_dim=2, action_dim=1, seed=0)
    buffer.add_one(**_GOOD)
    before = buffer.state_dict()
    with pytest.raises(error, match=name):
        buffer.add_one(**{**_GOOD, name: value})
    _assert_same_state(buffer, before)


def _assert_same_state(buffer: ReplayBuffer, before: dict[str, Any]) -> None:
    after = buffer.state_dict()
    assert (after["pos"], after["size"]) == (before["pos"], before["size"])
    np.testing.assert_array_equal(buffer.table, np.pad(before["table"], ((0, 3), (0, 0))))


@pytest.mark.parametrize(
    ("action", "error", "match"),
    [
        (True, TypeError, "integer"),
        (1.0, TypeError, "integer"),
        (np.array([1.5]), TypeError, "integer"),
        (-1, ValueError, r"\[0, 3\)"),
        (3, ValueError, r"\[0, 3\)"),
        (np.array([0, 1]), ValueError, "one index"),
    ],
)
@pytest.mark.parametrize("frames", [False, True])
def test_a_bad_discrete_action_is_refused(
    action: Any, error: type, match: str, frames: bool
) -> None:
    # frames: image observations and an action index take add_one's shorter path. The
    # buffer is full first, so that every stored row is compared.
    if frames:
        buffer = ReplayBuffer(4, 6, 3, seed=0, discrete=True, observation_space=_FRAMES)
        good: Any = np.ones((2, 3), np.uint8)
    else:
        buffer = ReplayBuffer(4, obs_dim=2, action_dim=3, seed=0, discrete=True)
        good = np.ones(2)
    for k in range(4):
        buffer.add_one(good, k % 3, 1.0, good, False, False)
    before = buffer.state_dict()
    with pytest.raises(error, match=match):
        buffer.add_one(7 * good, action, 2.0, 7 * good, True, True)
    _assert_same(buffer, _restored(buffer, before))


def _restored(buffer: ReplayBuffer, state: dict[str, Any]) -> ReplayBuffer:
    """A buffer like ``buffer`` holding ``state``."""
    copy = ReplayBuffer(
        buffer.capacity,
        buffer.obs_dim,
        buffer.action_dim,
        seed=0,
        discrete=buffer.discrete,
        observation_space=_FRAMES if buffer.obs_specs else None,
    )
    copy.load_state_dict(state)
    return copy


def test_an_image_of_another_shape_or_a_dict_of_other_keys_is_refused() -> None:
    frames = ReplayBuffer(4, 6, 2, seed=0, discrete=True, observation_space=_FRAMES)
    frame = np.zeros((2, 3), np.uint8)
    with pytest.raises(ValueError, match=r"next_observation must have shape \[2, 3\]"):
        frames.add_one(frame, 0, 1.0, frame.T, False, False)
    goal = ReplayBuffer(4, 5, 2, seed=0, observation_space=_GOAL)
    obs = {"obs": np.zeros(3, np.float32), "goal": np.zeros(2, np.int64)}
    with pytest.raises(ValueError, match="keys"):
        goal.add_one({"obs": obs["obs"]}, [0.0, 0.0], 1.0, obs, False, False)
    with pytest.raises(TypeError, match="observation must be a dict"):
        goal.add_one(np.zeros(5), [0.0, 0.0], 1.0, obs, False, False)
    assert len(frames) == len(goal) == 0


def test_a_new_row_gets_the_largest_priority_as_with_add() -> None:
    buffer = PrioritizedReplayBuffer(4, 1, 2, seed=0, discrete=True, alpha=1.0, eps=1.0)
    buffer.add_one([0.0], 0, 0.0, [1.0], False, False)
    assert buffer.priorities.tolist() == [1.0]  # the first row: priority 1
    buffer.update_priorities(np.array([0]), np.array([3.0]))  # (|3| + 1) ** 1
    buffer.add_one([1.0], 1, 0.0, [2.0], False, False)
    assert buffer.priorities.tolist() == [4.0, 4.0]
