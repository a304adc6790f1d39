"""Tests of lagom.envs.make_vec_env: seeding, reproducibility, the native CartPole path."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from hypothesis import given, settings
from hypothesis import strategies as st

from lagom.data._freeze import freeze_info
from lagom.envs import VecEnv, make_native_vec_env, make_vec_env
from lagom.envs._native import same_step
from lagom.utils import Seeder
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import assert_same


def _cartpole() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1")


def _random_rollout(env: VecEnv, num_steps: int) -> list[Any]:
    """Observations, rewards, flags and final observations of random seeded actions."""
    out: list[Any] = [env.reset()[0]]
    for _ in range(num_steps):
        observations, rewards, terminated, truncated, infos = env.step(env.action_space.sample())
        out.append((observations, rewards, terminated, truncated, infos.get("final_obs")))
    env.close()
    return out


def test_reference_example() -> None:
    env = make_vec_env(_cartpole, 3, 0)
    assert repr(env) == "<VecEnv: 3, CartPole-v1>"
    env.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_same_init_seed_gives_same_rollouts(mode: str) -> None:
    first = _random_rollout(make_vec_env(_cartpole, 4, 123, mode=mode), 60)  # type: ignore[arg-type]
    again = _random_rollout(make_vec_env(_cartpole, 4, 123, mode=mode), 60)  # type: ignore[arg-type]
    assert_same(first, again)
    # Episodes ended on the way, so autoresets (unseeded, continuing each RNG) are covered.
    assert any(step[4] is not None for step in first[1:])
    other = _random_rollout(make_vec_env(_cartpole, 4, 124, mode=mode), 60)  # type: ignore[arg-type]
    assert not np.array_equal(first[0], other[0])


def test_sync_and_async_rollouts_are_identical() -> None:
    sync = _random_rollout(make_vec_env(_cartpole, 3, 7, mode="sync"), 40)
    asynchronous = _random_rollout(make_vec_env(_cartpole, 3, 7, mode="async"), 40)
    assert_same(sync, asynchronous)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_each_sub_environment_gets_its_seeder_seed(mode: str) -> None:
    seeds = Seeder(5)(3)
    assert len(set(seeds)) == 3
    env = make_vec_env(lambda: CountingEnv(2), 3, 5, mode=mode)  # type: ignore[arg-type]
    env.reset()
    env.step([0, 0, 0])
    env.step([0, 0, 0])  # episodes end: autoresets do not reseed
    assert env.get_attr("reset_seeds") == tuple([s, None] for s in seeds)
    # The sub-environments' action spaces are seeded with the same seeds ...
    samples = env.call("action_space")
    for space, seed in zip(samples, seeds, strict=True):
        reference = gym.spaces.Discrete(2, seed=seed)
        assert [space.sample() for _ in range(20)] == [reference.sample() for _ in range(20)]
    # ... and the batched ones with init_seed.
    reference_batch = gym.spaces.MultiDiscrete([2, 2, 2], seed=5)
    np.testing.assert_array_equal(env.action_space.sample(), reference_batch.sample())
    env.close()


def test_different_sub_environments_start_differently() -> None:
    observations, _ = make_vec_env(_cartpole, 8, 0).reset()
    assert len({row.tobytes() for row in observations}) == 8


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="num_env must be at least 1, got 0"):
        make_vec_env(_cartpole, 0, 0)
    with pytest.raises(TypeError, match="num_env must be an int"):
        make_vec_env(_cartpole, 2.0, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="make_env must be a callable"):
        make_vec_env(gym.make("CartPole-v1"), 2, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"make_env must return a gymnasium\.Env"):
        make_vec_env(lambda: 3, 2, 0)  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="mode must be 'sync' or 'async'"):
        make_vec_env(_cartpole, 2, 0, mode="parallel")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"init_seed must be in \[0, 2\*\*32 - 1\]"):
        make_vec_env(_cartpole, 2, -1)
    with pytest.raises(TypeError, match="init_seed must be an int, got float"):
        make_vec_env(_cartpole, 2, 1.0)  # type: ignore[arg-type]
    assert len(make_vec_env(_cartpole, 2, np.uint32(2**32 - 1))) == 2


# --- the native CartPole path -------------------------------------------------------------


def _reset_state(observation: np.ndarray) -> bool:
    return bool((np.abs(observation) <= 0.05).all())


def test_native_cartpole_has_the_semantics_of_make_vec_env() -> None:
    native = make_native_vec_env("CartPole-v1", 4, 0, max_episode_steps=30)
    looped = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=30), 4, 0)
    assert repr(native) == "<VecEnv: 4, CartPole-v1>"
    for env in (native, looped):
        observations, infos = env.reset()
        assert observations.shape == (4, 4)
        assert observations.dtype == np.float32
        assert infos == {}
        ended = {"terminated": 0, "truncated": 0}
        for _ in range(80):
            observations, rewards, terminated, truncated, infos = env.step(
                env.action_space.sample()
            )
            assert rewards.dtype == np.float64
            assert (rewards == 1.0).all()
            assert terminated.dtype == truncated.dtype == np.bool_
            done = terminated | truncated
            if not done.any():
                assert infos == {}
                continue
            assert sorted(infos) == ["_final_info", "_final_obs", "final_info", "final_obs"]
            assert infos["final_info"] == {}
            np.testing.assert_array_equal(infos["_final_obs"], done)
            np.testing.assert_array_equal(infos["_final_info"], done)
            for i in np.flatnonzero(done):
                final = infos["final_obs"][i]
                assert final.shape == (4,)
                assert final.dtype == np.float32
                # A terminated final state left the bounds; every new row is a fresh start.
                if terminated[i]:
                    assert abs(final[0]) > 2.4 or abs(final[2]) > 12 * 2 * np.pi / 360
                assert _reset_state(observations[i])
            assert all(infos["final_obs"][i] is None for i in np.flatnonzero(~done))
            ended["terminated"] += int(terminated.sum())
            ended["truncated"] += int((truncated & ~terminated).sum())
        assert ended["terminated"] > 0
        assert ended["truncated"] > 0
        env.close()


def test_native_cartpole_equals_native_next_step_without_fake_steps() -> None:
    """With one copy, dropping gymnasium's fake autoreset steps gives our steps exactly."""
    ours = make_native_vec_env("CartPole-v1", 1, 3, max_episode_steps=15)
    raw = gym.make_vec(
        "CartPole-v1", 1, vectorization_mode="vector_entry_point", max_episode_steps=15
    )
    (seed,) = Seeder(3)(1)
    observation, _ = ours.reset()
    raw_observation, _ = raw.reset(seed=seed)
    np.testing.assert_array_equal(observation, raw_observation)
    rng = np.random.default_rng(0)
    for _ in range(70):
        action = rng.integers(0, 2, size=1)
        observation, reward, terminated, truncated, infos = ours.step(action)
        raw_obs, raw_reward, raw_terminated, raw_truncated, _ = raw.step(action)
        np.testing.assert_array_equal(reward, raw_reward)
        np.testing.assert_array_equal(terminated, raw_terminated)
        np.testing.assert_array_equal(truncated, raw_truncated)
        if terminated[0] or truncated[0]:
            np.testing.assert_array_equal(infos["final_obs"][0], raw_obs[0])
            raw_obs, raw_reward, *_ = raw.step(action)  # the fake step: reset, reward 0
            assert raw_reward[0] == 0.0
        np.testing.assert_array_equal(observation, raw_obs)
    ours.close()
    raw.close()


def test_native_seeding_is_reproducible() -> None:
    def run(init_seed: int) -> list[Any]:
        return _random_rollout(make_native_vec_env("CartPole-v1", 3, init_seed), 40)

    assert_same(run(1), run(1))
    assert not np.array_equal(run(1)[0], run(2)[0])


def test_native_rejects_what_it_cannot_adapt() -> None:
    with pytest.raises(ValueError, match=r"env_id 'Pendulum-v1' must be .*vector entry point"):
        make_native_vec_env("Pendulum-v1", 2, 0)
    with pytest.raises(ValueError, match="env_id 'NoSuchEnv-v0' must be a registered environment"):
        make_native_vec_env("NoSuchEnv-v0", 2, 0)
    with pytest.raises(TypeError, match="env_id must be a str such as 'CartPole-v1', got NoneType"):
        make_native_vec_env(None, 2, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="init_seed must be an int, got bool"):
        make_native_vec_env("CartPole-v1", 2, True)
    next_step = SyncVectorEnv([CountingEnv])
    with pytest.raises(ValueError, match="no same-step adapter"):
        same_step(next_step)
    same = SyncVectorEnv([CountingEnv], autoreset_mode=AutoresetMode.SAME_STEP)
    assert same_step(same) is same
    native = make_native_vec_env("CartPole-v1", 2, 0)
    native.reset()
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        native.step([0, 1, 1])
    native.close()


_ACTION_BATCHES: list[Any] = [
    np.array([0, 1, 1], dtype=np.int64),
    np.array([1, 0, 1], dtype=np.int8),
    np.array([1, 1, 0], dtype=np.uint8),
    np.array([True, False, True]),
    [0, 1, 0],
    np.array([0, 2, 1]),
    np.array([-1, 0, 1]),
    np.array([0.0, 1.0, 1.0]),
    np.array([0, 1, 1], dtype=np.uint64),
    np.array([[0, 1, 1]]),
    np.array([0, 1]),
    np.array(["0", "1", "1"]),
]


def test_native_env_has_one_environment_for_every_row() -> None:
    # No sub-environments: call/get_attr answer for each row with the one environment's
    # attribute, set_attr takes one value, and what it cannot do (seed or reset rows one by
    # one) is refused by name instead of ignored.
    env = make_native_vec_env("CartPole-v1", 3, 0)
    env.reset()
    assert env.get_attr("gravity") == (9.8, 9.8, 9.8)
    env.set_attr("gravity", 5.0)
    assert env.get_attr("gravity") == (5.0, 5.0, 5.0)
    env.set_attr("gravity", 4.0)
    assert env.call("gravity") == (4.0,) * 3
    same = 3.5
    env.set_attr("gravity", [same] * 3)  # one value for every row, as gymnasium's list
    assert env.get_attr("gravity") == (3.5,) * 3
    with pytest.raises(ValueError, match="set_attr takes one value for all rows, got 3 values"):
        env.set_attr("gravity", [1.0, 2.0, 3.0])
    with pytest.raises(AttributeError, match="name 'no_such': the environment has no such"):
        env.set_attr("no_such", 1)
    with pytest.raises(AttributeError, match="name 'no_such'"):
        env.get_attr("no_such")
    with pytest.raises(ValueError, match="seed must be one int or None, got a list of 3"):
        env.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match=r"reset_mask'\] must select every row"):
        env.reset(options={"reset_mask": np.array([True, False, True])})
    for mask in (np.array([True]), "abc", [True, True, True]):
        with pytest.raises(ValueError, match=r"reset_mask'\] must be a bool array of shape"):
            env.reset(options={"reset_mask": mask})
    observations, _ = env.reset(seed=1, options={"reset_mask": np.ones(3, bool)})
    assert observations.shape == (3, 4)
    env.close()


@pytest.mark.parametrize("actions", _ACTION_BATCHES, ids=repr)
def test_native_accepts_exactly_the_batches_gymnasium_accepts(actions: Any) -> None:
    """lagom's vectorized check of an action batch agrees with gymnasium's ``contains``;
    a refused batch is one ValueError naming what was expected, and changes nothing."""
    ours = make_native_vec_env("CartPole-v1", 3, 0)
    reference = make_native_vec_env("CartPole-v1", 3, 0)
    ours.reset()
    reference.reset()
    space = gym.make_vec("CartPole-v1", 3, vectorization_mode="vector_entry_point").action_space
    if space.contains(np.asarray(actions) if not isinstance(actions, list) else actions):
        stepped = ours.step(actions)
        expected = reference.step(np.asarray(actions, dtype=np.int64))
        for got, want in zip(stepped[:4], expected[:4], strict=True):
            np.testing.assert_array_equal(got, want)
    else:
        with pytest.raises(ValueError, match=r"expected (actions of shape|integer|every action)"):
            ours.step(actions)
        # Nothing moved: the next valid step matches the reference's first step.
        stepped = ours.step([0, 1, 1])
        expected = reference.step([0, 1, 1])
        for got, want in zip(stepped[:4], expected[:4], strict=True):
            np.testing.assert_array_equal(got, want)
    # gymnasium's own check is back in place after each step.
    unwrapped = ours._backend.env  # type: ignore[attr-defined]
    assert unwrapped.action_space == space
    assert not unwrapped.action_space.contains(np.array([0, 2, 1]))
    ours.close()
    reference.close()


def test_native_final_observations_and_masks_are_read_only_copies() -> None:
    env = make_native_vec_env("CartPole-v1", 4, 0, max_episode_steps=2)
    env.reset()
    env.step([0, 1, 0, 1])
    observations, _, _, truncated, infos = env.step([0, 1, 0, 1])
    assert truncated.all()
    finals = np.stack(list(infos["final_obs"]))
    assert not np.shares_memory(finals, observations)
    for key in ("_final_obs", "_final_info"):
        assert infos[key].tolist() == [True] * 4
        with pytest.raises(ValueError, match="read-only"):
            infos[key][0] = False
    with pytest.raises(ValueError, match="read-only"):
        infos["final_obs"][0][0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        infos["final_obs"][0] = None
    # Sealed over frozen rows, so a record keeps the object array without copying it.
    assert freeze_info(infos)["final_obs"] is infos["final_obs"]
    observations[0, 0] = 7.0  # the reset observations stay the caller's to write
    env.close()


def test_native_through_a_wrapper_keeps_gymnasiums_own_check() -> None:
    """Behind a wrapper the actions the base env gets may differ: its check stays."""
    from gymnasium.vector import VectorActionWrapper

    class Flip(VectorActionWrapper[Any, Any, Any]):
        def actions(self, actions: Any) -> Any:
            return np.asarray(actions) * 2  # 0 -> 0, 1 -> 2: invalid for CartPole

    native = gym.make_vec("CartPole-v1", 2, vectorization_mode="vector_entry_point")
    env = same_step(Flip(native))
    env.reset(seed=0)
    env.step(np.array([0, 0]))
    with pytest.raises(AssertionError, match="invalid"):
        env.step(np.array([1, 0]))
    env.close()


def test_sync_final_observations_and_masks_are_read_only_and_kept_by_records() -> None:
    env = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=2), 3, 0)
    env.reset()
    env.step([0, 1, 0])
    observations, _, _, truncated, infos = env.step([0, 1, 0])
    assert truncated.all()
    for key in ("final_obs", "_final_obs", "_final_info"):
        with pytest.raises(ValueError, match="read-only"):
            infos[key][0] = None if key == "final_obs" else False
    with pytest.raises(ValueError, match="read-only"):
        infos["final_obs"][0][0] = 5.0
    frozen = freeze_info(infos)
    assert frozen["final_obs"] is infos["final_obs"]
    assert frozen["_final_obs"] is infos["_final_obs"]
    observations[0, 0] = 7.0  # the reset observations stay the caller's to write
    env.close()


@settings(max_examples=40, deadline=None)
@given(
    num_envs=st.integers(1, 6),
    seed=st.integers(0, 2**16),
    max_episode_steps=st.integers(1, 25),
    sutton_barto=st.booleans(),
    semi_implicit=st.booleans(),
)
def test_native_physics_equal_gymnasiums_step_bit_for_bit(
    num_envs: int, seed: int, max_episode_steps: int, sutton_barto: bool, semi_implicit: bool
) -> None:
    """The adapter steps CartPoleVectorEnv's dynamics itself; gymnasium's own step (with its
    no-op reset block) must give the same bits: outputs, state, counters and generator."""
    kwargs = {"max_episode_steps": max_episode_steps, "sutton_barto_reward": sutton_barto}
    ours = make_native_vec_env("CartPole-v1", num_envs, seed, **kwargs)
    reference = make_native_vec_env("CartPole-v1", num_envs, seed, **kwargs)
    adapter: Any = ours._backend
    assert adapter._own_physics
    reference._backend._own_physics = False  # type: ignore[attr-defined]
    own, theirs = adapter._base, reference._backend._base  # type: ignore[attr-defined]
    if semi_implicit:
        own.kinematics_integrator = theirs.kinematics_integrator = "semi-implicit"
    ours.reset()
    reference.reset()
    rng = np.random.default_rng(seed)
    ended = 0
    for _ in range(60):
        actions = rng.integers(0, 2, size=num_envs)
        step, expected = ours.step(actions), reference.step(actions)
        for got, want in zip(step[:4], expected[:4], strict=True):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
            assert (np.signbit(got) == np.signbit(want)).all()  # -0.0 rewards included
        assert step[4].keys() == expected[4].keys()
        if "final_obs" in step[4]:
            ended += 1
            for a, b in zip(step[4]["final_obs"], expected[4]["final_obs"], strict=True):
                assert (a is None and b is None) or np.array_equal(a, b)
        np.testing.assert_array_equal(own.state, theirs.state)
        np.testing.assert_array_equal(own.steps, theirs.steps)
        assert not own.prev_done.any()
        assert not theirs.prev_done.any()
    assert ended > 0
    assert own.np_random.bit_generator.state == theirs.np_random.bit_generator.state
    ours.close()
    reference.close()


def test_a_huge_num_env_is_refused_before_seeding() -> None:
    with pytest.raises(ValueError, match="num_env must be at most 16777216"):
        make_vec_env(lambda: gym.make("CartPole-v1"), 10**30, 0)
    with pytest.raises(ValueError, match="num_env must be at most 16777216"):
        make_native_vec_env("CartPole-v1", 2**24 + 1, 0)
