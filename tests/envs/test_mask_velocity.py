"""Tests of lagom.envs.mask_velocity: MaskObservation, MaskVelocity, lagom/MaskedCartPole-v1."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from lagom.envs import MASKED_CARTPOLE_ID, MaskObservation, MaskVelocity


def test_mask_velocity_hides_exactly_the_velocities() -> None:
    """Each observation is the simulator's (x, θ) and never carries ẋ or θ̇."""
    env = MaskVelocity(gym.make("CartPole-v1"))
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, _, theta, _ = env.unwrapped.state  # type: ignore[attr-defined]
        np.testing.assert_array_equal(obs, np.array([x, theta], dtype=np.float32))
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(2)))
        if terminated or truncated:
            obs, _ = env.reset()
    full = gym.make("CartPole-v1").observation_space
    assert isinstance(full, gym.spaces.Box)
    space = env.observation_space
    assert isinstance(space, gym.spaces.Box)
    np.testing.assert_array_equal(space.low, full.low[[0, 2]])
    np.testing.assert_array_equal(space.high, full.high[[0, 2]])


def test_mask_observation_keeps_the_given_entries_in_order() -> None:
    env = MaskObservation(gym.make("CartPole-v1"), keep=[3, 0])
    obs, _ = env.reset(seed=0)
    full, _ = gym.make("CartPole-v1").reset(seed=0)
    np.testing.assert_array_equal(obs, full[[3, 0]])
    assert env.observation_space.shape == (2,)
    assert env.observation_space.contains(obs)


def test_registered_masked_cartpole_keeps_the_500_step_limit() -> None:
    env = gym.make(MASKED_CARTPOLE_ID)
    assert env.observation_space.shape == (2,)
    limits = []
    inner: Any = env
    while hasattr(inner, "env"):
        if isinstance(inner, gym.wrappers.TimeLimit):
            limits.append(inner._max_episode_steps)
        inner = inner.env
    assert limits == [500]


@pytest.mark.parametrize(
    ("keep", "error", "match"),
    [
        ((0, 4), ValueError, r"keep indices must lie in \[0, 4\), got 4"),
        ((), ValueError, "at least one entry"),
        ((1, 1), ValueError, "each once"),
        ("02", TypeError, "sequence of int indices"),
        ((0.0,), TypeError, "int indices"),
        ((True,), TypeError, "int indices"),
    ],
)
def test_bad_keep_raises(keep: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        MaskObservation(gym.make("CartPole-v1"), keep=keep)


def test_bad_environments_raise() -> None:
    with pytest.raises(TypeError, match="CartPole environment"):
        MaskVelocity(gym.make("Pendulum-v1"))
    with pytest.raises(TypeError, match=r"gymnasium\.Env"):
        MaskObservation("CartPole-v1", keep=(0,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="1-D Box"):
        MaskObservation(gym.make("FrozenLake-v1"), keep=(0,))


@pytest.mark.parametrize("observation", [None, np.zeros(3), np.zeros((4, 1))])
def test_an_observation_of_another_shape_is_named(observation: object) -> None:
    env = MaskVelocity(gym.make("CartPole-v1"))
    with pytest.raises(ValueError, match=r"observation must have shape \(4,\)"):
        env.observation(observation)  # type: ignore[arg-type]
