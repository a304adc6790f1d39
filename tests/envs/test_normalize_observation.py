"""Tests of lagom.envs.normalize_observation against a numpy oracle over the same stream."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.envs import NormalizeObservation, VecEnv, VecNormalizeObservation
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import counting_fns, moments_reference
from tests.strategies.envs import counting_env_kwargs, vec_counting_kwargs

EPS = 1e-8


def _expected(x: Any, stream: list[Any], clip: float) -> np.ndarray:
    mean, var = moments_reference(stream)
    z = (np.asarray(x, dtype=np.float64) - mean) / np.sqrt(var + EPS)
    out: np.ndarray = np.clip(z, -clip, clip).astype(np.float32)
    return out


@given(config=counting_env_kwargs(), num_steps=st.integers(1, 12), clip=st.sampled_from([0.5, 5.0]))
def test_single_env_matches_numpy_oracle(
    config: dict[str, Any], num_steps: int, clip: float
) -> None:
    env = NormalizeObservation(CountingEnv(**config), clip=clip)
    raw = CountingEnv(**config)  # the same stream, unnormalized
    stream = [raw.reset()[0]]
    observation, _ = env.reset()
    np.testing.assert_allclose(observation, _expected(stream[-1], stream, clip), rtol=1e-6)
    for _ in range(num_steps):
        observation, _, terminated, truncated, _ = env.step(0)
        x, *_ = raw.step(0)
        stream.append(x)
        np.testing.assert_allclose(observation, _expected(x, stream, clip), rtol=1e-6, atol=1e-7)
        assert observation.dtype == np.float32
        assert np.abs(observation).max() <= clip
        if terminated or truncated:
            observation, _ = env.reset()
            stream.append(raw.reset()[0])
            np.testing.assert_allclose(
                observation, _expected(stream[-1], stream, clip), rtol=1e-6, atol=1e-7
            )
    mean, var = moments_reference(stream)
    assert env.obs_moments is not None
    assert env.obs_moments.n == len(stream)
    np.testing.assert_allclose(env.obs_moments.mean, mean, rtol=1e-10)
    np.testing.assert_allclose(env.obs_moments.var, var, rtol=1e-10)
    # The prior weighs 1e-4 samples: the moments are numpy's to within that.
    np.testing.assert_allclose(env.obs_moments.mean, np.mean(stream, axis=0), rtol=1e-3, atol=1e-3)


def test_constant_moments_by_hand() -> None:
    env = NormalizeObservation(CountingEnv(3, start=10), clip=5.0, constant_moments=(10.0, 4.0))
    assert env.obs_moments is None
    outputs = [env.reset()[0]] + [env.step(0)[0] for _ in range(3)]
    # (x - 10) / sqrt(4 + 1e-8) for x = 10, 11, 12, 13
    np.testing.assert_allclose(np.concatenate(outputs), [0.0, 0.5, 1.0, 1.5], rtol=1e-7)


def test_clip_is_honoured() -> None:
    env = NormalizeObservation(CountingEnv(3, start=10), clip=3.0, constant_moments=(0.0, 1.0))
    assert env.observation_space == gym.spaces.Box(-3.0, 3.0, (1,), np.float32)
    np.testing.assert_array_equal(env.reset()[0], [3.0])
    low = NormalizeObservation(CountingEnv(3), clip=0.25, constant_moments=(np.array([5.0]), 1.0))
    np.testing.assert_array_equal(low.reset()[0], [-0.25])


@given(configs=vec_counting_kwargs(), num_steps=st.integers(1, 10))
def test_vec_env_normalizes_observations_and_final_observations_alike(
    configs: list[dict[str, Any]], num_steps: int
) -> None:
    env = VecNormalizeObservation(VecEnv(counting_fns(configs)), clip=5.0)
    raw = VecEnv(counting_fns(configs))
    observations, _ = env.reset()
    raw_obs, _ = raw.reset()
    stream = list(raw_obs)
    np.testing.assert_allclose(observations, _expected(raw_obs, stream, 5.0), rtol=1e-6, atol=1e-7)
    for _ in range(num_steps):
        actions = np.zeros(len(configs), dtype=np.int64)
        observations, _, _, _, infos = env.step(actions)
        raw_obs, _, _, _, raw_infos = raw.step(actions)
        ended = raw_infos.get("_final_obs", np.zeros(len(configs), dtype=bool))
        stream += list(raw_obs) + [raw_infos["final_obs"][i] for i in np.flatnonzero(ended)]
        np.testing.assert_allclose(
            observations, _expected(raw_obs, stream, 5.0), rtol=1e-6, atol=1e-7
        )
        assert env.obs_moments is not None
        assert env.obs_moments.n == len(stream)
        for i in range(len(configs)):
            if ended[i]:
                expected = _expected(raw_infos["final_obs"][i], stream, 5.0)
                np.testing.assert_allclose(infos["final_obs"][i], expected, rtol=1e-6, atol=1e-7)
            else:
                assert "final_obs" not in infos or infos["final_obs"][i] is None
    assert env.observation_space == gym.vector.utils.batch_space(
        gym.spaces.Box(-5.0, 5.0, (1,), np.float32), len(configs)
    )
    env.close()
    raw.close()


def test_vec_env_partial_reset_updates_only_reset_rows() -> None:
    env = VecNormalizeObservation(VecEnv(counting_fns([{"episode_length": 3}] * 3)))
    env.reset()
    env.step([0, 0, 0])
    assert env.obs_moments is not None
    assert env.obs_moments.n == 6
    env.reset(options={"reset_mask": np.array([True, False, True])})
    assert env.obs_moments.n == 8


def test_vec_env_constant_moments() -> None:
    env = VecNormalizeObservation(
        VecEnv(counting_fns([{"episode_length": 1, "start": 10}] * 2)),
        constant_moments=(np.array([10.0]), np.array([1.0])),
    )
    observations, _ = env.reset()
    np.testing.assert_array_equal(observations, [[0.0], [0.0]])
    _, _, _, _, infos = env.step([0, 0])
    np.testing.assert_allclose(np.stack(list(infos["final_obs"])), [[1.0], [1.0]], rtol=1e-7)


def test_invalid_arguments() -> None:
    with pytest.raises(TypeError, match="Box observation space"):
        NormalizeObservation(gym.make("FrozenLake-v1"))
    with pytest.raises(ValueError, match=r"mean must be a scalar or have the observation shape"):
        NormalizeObservation(CountingEnv(), constant_moments=(np.zeros(3), 1.0))
    with pytest.raises(ValueError, match="var must be non-negative"):
        NormalizeObservation(CountingEnv(), constant_moments=(0.0, -1.0))
    with pytest.raises(ValueError, match=r"constant_moments must be \(mean, var\)"):
        NormalizeObservation(CountingEnv(), constant_moments=(0.0,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clip must be positive, got 0"):
        NormalizeObservation(CountingEnv(), clip=0.0)
    with pytest.raises(TypeError, match="clip must be a real number"):
        NormalizeObservation(CountingEnv(), clip="5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="constant_moments mean must be finite, got nan"):
        NormalizeObservation(CountingEnv(), constant_moments=(float("nan"), 1.0))
    with pytest.raises(ValueError, match="constant_moments var must be finite, got inf"):
        NormalizeObservation(CountingEnv(), constant_moments=(0.0, np.array([np.inf])))
    with pytest.raises(TypeError, match="constant_moments var must hold real numbers"):
        NormalizeObservation(CountingEnv(), constant_moments=(0.0, None))  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match="constant_moments must be a \\(mean, var\\) pair, got float"
    ):
        NormalizeObservation(CountingEnv(), constant_moments=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Box observation space .*got Tuple.*Flatten"):
        VecNormalizeObservation(VecEnv([lambda: gym.make("Blackjack-v1")]))


def test_a_nan_observation_is_refused_before_it_poisons_the_moments() -> None:
    env = NormalizeObservation(CountingEnv())
    env.reset()
    assert env.obs_moments is not None
    before = env.obs_moments.state
    with pytest.raises(
        ValueError, match=r"observations \(of the wrapped environment\) must be finite"
    ):
        env.observation(np.array([np.nan], dtype=np.float32))
    assert env.obs_moments.state is before
    vec = VecEnv(counting_fns([{"episode_length": 2}]))
    with pytest.raises(TypeError, match="use VecNormalizeObservation"):
        NormalizeObservation(vec)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="use NormalizeObservation"):
        VecNormalizeObservation(CountingEnv())
