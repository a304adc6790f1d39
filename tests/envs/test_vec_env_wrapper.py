"""Tests of lagom.envs.vec_env_wrapper: forwarding, unwrapped, get_images, stacking."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gymnasium.wrappers.vector import ClipReward

from lagom.envs import VecEnv, VecEnvWrapper
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import assert_same, counting_fns

CONFIGS: list[dict[str, Any]] = [
    {"episode_length": 2, "render_mode": "rgb_array"},
    {"episode_length": 3, "start": 5},
]


def test_forwards_everything() -> None:
    inner = VecEnv(counting_fns(CONFIGS))
    reference = VecEnv(counting_fns(CONFIGS))
    env = VecEnvWrapper(inner)
    assert len(env) == 2
    assert env.num_envs == 2
    assert env.unwrapped is inner
    assert repr(env) == "<VecEnvWrapper, <VecEnv: 2>>"
    for name in ("observation_space", "action_space", "single_observation_space",
                 "single_action_space", "metadata", "spec", "render_mode"):  # fmt: skip
        assert getattr(env, name) == getattr(inner, name), name
    assert_same(env.reset(seed=1), reference.reset(seed=1))
    for _ in range(4):
        assert_same(env.step(np.array([1, 0])), reference.step(np.array([1, 0])))
    env.close()
    assert inner.closed
    assert env.closed


def test_unwrapped_and_get_images_through_a_gymnasium_wrapper() -> None:
    configs = [{**config, "render_mode": "rgb_array"} for config in CONFIGS]
    inner = VecEnv(counting_fns(configs))
    env = VecEnvWrapper(ClipReward(VecEnvWrapper(inner), min_reward=0.0))
    assert env.unwrapped is inner
    env.reset()
    env.step([0, 0])
    images = env.get_images()
    assert images.shape == (2, 4, 6, 3)
    assert (images == 1).all()
    env.close()


def test_rejects_a_single_environment() -> None:
    with pytest.raises(TypeError, match="VecEnvWrapper wraps a vectorized environment"):
        VecEnvWrapper(CountingEnv())  # type: ignore[arg-type]


def test_single_env_wrappers_take_a_numpy_seed() -> None:
    # Before: check_seed accepted np.int64 but the wrapper passed it on, and gymnasium
    # refuses any seed that is not a Python int ("Seed must be a python integer").
    import gymnasium as gym

    from lagom.envs import (
        NormalizeObservation,
        NormalizeReward,
        RecordEpisodeStatistics,
        TimeStepEnv,
    )

    expected, _ = gym.make("CartPole-v1").reset(seed=2)
    for wrap in (NormalizeObservation, NormalizeReward, RecordEpisodeStatistics, TimeStepEnv):
        outs = [wrap(gym.make("CartPole-v1")).reset(seed=seed) for seed in (np.int64(2), 2)]
        first, same = (out.observation if wrap is TimeStepEnv else out[0] for out in outs)
        assert np.array_equal(first, same), wrap  # the numpy seed is the int seed
        if wrap is not NormalizeObservation:  # the others pass the observation on as is
            assert np.array_equal(first, expected), wrap
