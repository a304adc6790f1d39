"""Tests of lagom.envs.normalize_observation against a numpy oracle over the same stream."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.envs import (
    NormalizeObservation,
    VecEnv,
    VecNormalizeDictObservation,
    VecNormalizeObservation,
)
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


def _as_dict(env: gym.Env[Any, Any]) -> gym.Env[Any, Any]:
    """A Dict of a float key ``count`` (the count), ``scaled`` (twice it) and a uint8
    ``frame`` that no default normalization may touch."""
    space = gym.spaces.Dict(
        {
            "count": env.observation_space,
            "frame": gym.spaces.Box(0, 255, (2,), np.uint8),
            "scaled": env.observation_space,
        }
    )

    def to_dict(x: Any) -> dict[str, Any]:
        frame = np.full(2, 7, np.uint8)
        return {"count": x, "frame": frame, "scaled": (2 * x).astype(x.dtype)}

    return gym.wrappers.TransformObservation(env, to_dict, space)


def test_vec_env_normalizes_each_float_key_of_a_dict_with_its_own_moments() -> None:
    configs = [{"episode_length": 2}, {"episode_length": 3, "start": 4}]
    fns = [lambda fn=fn: _as_dict(fn()) for fn in counting_fns(configs)]
    env = VecNormalizeDictObservation(VecEnv(fns), clip=5.0)
    raw = VecEnv(counting_fns(configs))
    assert sorted(env.key_moments) == ["count", "scaled"]
    assert env.single_observation_space["frame"] == gym.spaces.Box(0, 255, (2,), np.uint8)
    observations, _ = env.reset()
    raw_obs, _ = raw.reset()
    stream = list(raw_obs)
    for step in range(6):
        for key, factor in (("count", 1), ("scaled", 2)):
            expected = _expected(factor * raw_obs, [factor * x for x in stream], 5.0)
            np.testing.assert_allclose(observations[key], expected, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(observations["frame"], np.full((2, 2), 7, np.uint8))
        assert env.key_moments["count"].n == len(stream)
        if step == 5:
            break
        observations, _, _, _, infos = env.step(np.zeros(2, dtype=np.int64))
        raw_obs, _, _, _, raw_infos = raw.step(np.zeros(2, dtype=np.int64))
        ended = raw_infos.get("_final_obs", np.zeros(2, dtype=bool))
        stream += list(raw_obs) + [raw_infos["final_obs"][i] for i in np.flatnonzero(ended)]
        for i in np.flatnonzero(ended):
            final = raw_infos["final_obs"][i]
            np.testing.assert_allclose(
                infos["final_obs"][i]["count"], _expected(final, stream, 5.0), rtol=1e-6
            )
            assert infos["final_obs"][i]["frame"].tolist() == [7, 7]
    env.close()
    raw.close()


def test_dict_keys_and_constant_moments_are_checked() -> None:
    fns = [lambda: _as_dict(CountingEnv(3, start=10))]
    only = VecNormalizeDictObservation(
        VecEnv(fns), keys=["count"], constant_moments={"count": (10.0, 4.0)}
    )
    observations, _ = only.reset()
    assert observations["count"].tolist() == [[0.0]]  # (10 - 10) / 2
    assert observations["scaled"].tolist() == [[20.0]]  # not named: unchanged
    assert only.key_moments == {}
    with pytest.raises(ValueError, match=r"keys: 'speed' is not a key of the observations"):
        VecNormalizeDictObservation(VecEnv(fns), keys=["speed"])
    with pytest.raises(ValueError, match=r"exactly the normalized keys \['count', 'scaled'\]"):
        VecNormalizeDictObservation(VecEnv(fns), constant_moments={"count": (0.0, 1.0)})
    with pytest.raises(TypeError, match="a dict of \\(mean, var\\) by key, got tuple"):
        VecNormalizeDictObservation(VecEnv(fns), constant_moments=(0.0, 1.0))
    with pytest.raises(TypeError, match="keys must be a list of str or None, got str"):
        VecNormalizeDictObservation(VecEnv(fns), keys="count")
    with pytest.raises(ValueError, match=r"no key of the observations .* is a float Box"):
        VecNormalizeDictObservation(VecEnv(fns), keys=[])
    with pytest.raises(
        TypeError, match=r"needs a Dict observation space, got Box.*use VecNormalizeObs"
    ):
        VecNormalizeDictObservation(VecEnv(counting_fns([{"episode_length": 2}])))
    with pytest.raises(TypeError, match="got a Dict: use VecNormalizeDictObservation"):
        VecNormalizeObservation(VecEnv(fns))
