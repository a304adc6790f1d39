"""``lagom.envs.env_state`` / ``restore_env_state``: an environment's state as plain data.

A restored fresh environment continues exactly as the saved one would have (simulator,
wrappers, random generators); sharing between objects survives; an environment built
differently is refused before anything is written; nothing in the data names a class that
gets constructed; non-data state is a ``TypeError`` naming where it was found.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import pytest

from lagom.envs import (
    VecNormalizeObservation,
    VecRecordEpisodeStatistics,
    env_state,
    make_native_vec_env,
    make_vec_env,
    restore_env_state,
)


def _trace_single(env: gym.Env[Any, Any], steps: int) -> list[tuple[Any, ...]]:
    """``steps`` transitions with random actions from the env's own action space, resetting
    (without a seed, so from the env's own generator) at every episode end."""
    out: list[tuple[Any, ...]] = []
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        out.append((np.asarray(obs).tolist(), float(reward), terminated, truncated))
        if terminated or truncated:
            out.append(("reset", np.asarray(env.reset()[0]).tolist()))
    return out


def _trace_vec(env: Any, steps: int) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        out.append((obs.tolist(), reward.tolist(), terminated.tolist(), truncated.tolist()))
    return out


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1", "MountainCar-v0"])
def test_a_restored_env_continues_as_the_saved_one(env_id: str) -> None:
    env = gym.make(env_id, max_episode_steps=30)
    env.reset(seed=3)
    env.action_space.seed(4)
    _trace_single(env, 17)  # mid-episode
    state = env_state(env)
    expected = _trace_single(env, 80)  # crosses episode ends: resets use the env's generator
    fresh = gym.make(env_id, max_episode_steps=30)
    restore_env_state(fresh, state)
    assert _trace_single(fresh, 80) == expected


def test_a_restored_vec_env_with_wrappers_continues_as_the_saved_one() -> None:
    def build() -> Any:
        env = make_vec_env(lambda: gym.make("CartPole-v1"), 3, 7)
        return VecRecordEpisodeStatistics(VecNormalizeObservation(env))

    env = build()
    env.reset()
    _trace_vec(env, 40)
    state = env_state(env)
    expected = _trace_vec(env, 60)
    fresh = build()
    restore_env_state(fresh, state)
    assert _trace_vec(fresh, 60) == expected
    assert list(fresh.return_queue) == list(env.return_queue)


def test_a_restored_native_vec_env_continues_as_the_saved_one() -> None:
    env = make_native_vec_env("CartPole-v1", 4, 1)
    env.reset()
    _trace_vec(env, 25)
    state = env_state(env)
    expected = _trace_vec(env, 60)
    fresh = make_native_vec_env("CartPole-v1", 4, 1)
    restore_env_state(fresh, state)
    assert _trace_vec(fresh, 60) == expected


def test_the_state_holds_only_plain_data() -> None:
    env = make_vec_env(lambda: gym.make("Pendulum-v1"), 2, 0)
    env.reset()

    def check(node: object) -> None:
        if isinstance(node, (list, tuple)):
            for item in node:
                check(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                assert isinstance(key, (str, int))
                check(value)
        else:
            assert (
                node is None
                or isinstance(node, (bool, int, float, complex, str, bytes))
                or (type(node) is np.ndarray and node.dtype.kind in "biufc")
            ), type(node)

    check(env_state(env))


class _Holder:
    def __init__(self) -> None:
        self.shared = [1, 2]
        self.again = self.shared
        self.rng = np.random.default_rng(5)
        self.legacy = np.random.RandomState(6)
        self.recent: collections.deque[int] = collections.deque([1, 2, 3], maxlen=3)
        self.ordered = collections.OrderedDict([("b", 1), ("a", np.float32(2.5))])
        self.dtype = np.dtype(np.float32)
        self.fn: Callable[[int], int] = abs


@attrs.define(slots=True)
class _Slotted:
    count: int
    values: np.ndarray[Any, np.dtype[np.float64]]


def test_sharing_containers_and_generators_survive() -> None:
    saved = _Holder()
    saved.shared.append(3)
    saved.rng.random(3)
    saved.legacy.rand(2)
    saved.recent.append(4)
    state = env_state(saved)
    fresh = _Holder()
    restore_env_state(fresh, state)
    assert fresh.shared == [1, 2, 3]
    assert fresh.again is fresh.shared
    assert fresh.rng.random() == saved.rng.random()
    assert fresh.legacy.rand() == saved.legacy.rand()
    assert fresh.recent == collections.deque([2, 3, 4])
    assert fresh.recent.maxlen == 3
    assert type(fresh.ordered) is collections.OrderedDict
    assert list(fresh.ordered) == ["b", "a"]
    assert fresh.ordered["a"].dtype == np.float32
    assert fresh.fn is abs


def test_an_array_reached_twice_stays_one_array() -> None:
    saved = _Holder()
    saved.shared = saved.again = np.arange(3.0)  # type: ignore[assignment]
    fresh = _Holder()
    restore_env_state(fresh, env_state(saved))
    assert fresh.shared is fresh.again
    np.testing.assert_array_equal(fresh.shared, [0.0, 1.0, 2.0])


def test_a_slotted_attrs_instance_is_restored_by_its_fresh_class() -> None:
    saved, fresh = _Holder(), _Holder()
    saved.box = _Slotted(4, np.ones(2))  # type: ignore[attr-defined]
    fresh.box = _Slotted(0, np.zeros(2))  # type: ignore[attr-defined]
    restore_env_state(fresh, env_state(saved))
    assert fresh.box.count == 4  # type: ignore[attr-defined]
    np.testing.assert_array_equal(fresh.box.values, [1.0, 1.0])  # type: ignore[attr-defined]


def test_a_differently_built_env_is_refused_before_anything_is_written() -> None:
    env = gym.make("Pendulum-v1")
    env.reset(seed=1)
    other = gym.make("CartPole-v1")
    before = other.unwrapped.np_random.bit_generator.state
    with pytest.raises(ValueError, match=r"'env(\.env){3}' was a .*PendulumEnv, but"):
        restore_env_state(other, env_state(env))
    assert other.unwrapped.np_random.bit_generator.state == before


def test_a_mismatch_deep_inside_leaves_the_earlier_parts_untouched() -> None:
    saved = _Holder()
    saved.shared.append(99)
    saved.zlast = _Holder()  # type: ignore[attr-defined]  # walked after the others
    fresh = _Holder()
    fresh.zlast = _Slotted(0, np.zeros(1))  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"'env\.zlast' was a .*_Holder, but the fresh .*_Slotted"):
        restore_env_state(fresh, env_state(saved))
    assert fresh.shared == [1, 2]


def test_a_changed_constant_is_refused() -> None:
    saved, fresh = _Holder(), _Holder()
    fresh.dtype = np.dtype(np.float64)
    with pytest.raises(ValueError, match=r"'env\.dtype' was dtype\('float32'\), but .*float64"):
        restore_env_state(fresh, env_state(saved))


def test_what_is_not_plain_data_is_named() -> None:
    holder = _Holder()
    holder.lock = threading.Lock()  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"env state at 'env\.lock' is a _thread\.lock"):
        env_state(holder)
    holder.lock = np.array(["a"])  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"'env\.lock' is a numpy array of dtype <U1"):
        env_state(holder)
    holder.lock = {("a", 1): 2}  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"'env\.lock' has a dict key \('a', 1\)"):
        env_state(holder)


def test_an_async_vec_env_is_not_plain_data() -> None:
    env = make_vec_env(lambda: gym.make("CartPole-v1"), 2, 0, mode="async")
    try:
        with pytest.raises(TypeError, match=r"env state at 'env.*' is a .*not plain data"):
            env_state(env)
    finally:
        env.close()


def _replace(node: Any, old: object, new: object) -> Any:
    """``node`` with every ``old`` leaf replaced by ``new``."""
    if isinstance(node, (list, tuple)):
        return type(node)(_replace(x, old, new) for x in node)
    if isinstance(node, dict):
        return {k: _replace(v, old, new) for k, v in node.items()}
    return new if isinstance(node, str) and node == old else node


def test_an_unknown_generator_is_refused() -> None:
    saved = _Holder()
    state = _replace(env_state(saved), "PCG64", "os.system")
    with pytest.raises(ValueError, match=r"'env\.rng' names an unknown generator 'os\.system'"):
        restore_env_state(_Holder(), state)


def test_a_class_named_by_the_data_is_never_built() -> None:
    state = _replace(env_state(_Holder()), f"{__name__}._Holder", "subprocess.Popen")
    with pytest.raises(ValueError, match=r"'env' was a subprocess\.Popen, but the fresh .*_Holder"):
        restore_env_state(_Holder(), state)


@pytest.mark.parametrize(
    "state",
    [None, (), ("value", 1), ("object",), ("object", "x", [("a",)]), ("list", [("nope", 1)])],
    ids=["none", "empty", "value-root", "short", "short-item", "unknown-kind"],
)
def test_malformed_state_is_a_value_error(state: Any) -> None:
    with pytest.raises(ValueError, match="state"):
        restore_env_state(_Holder(), state)
