"""Tests of lagom.envs.record_episode_statistics on hand-computed counting episodes."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import SyncVectorEnv
from hypothesis import given
from hypothesis import strategies as st

from lagom.envs import (
    NormalizeObservation,
    NormalizeReward,
    RecordEpisodeStatistics,
    VecEnv,
    VecRecordEpisodeStatistics,
)
from tests.envs.fakes import CountingEnv, OddStepEnv
from tests.envs.helpers import counting_fns
from tests.strategies.envs import vec_counting_kwargs


def test_single_env_returns_and_horizons_by_hand() -> None:
    env = RecordEpisodeStatistics(CountingEnv(3, rewards=[1.0, 2.0, 4.0]), deque_size=2)
    env.reset()
    infos = [env.step(0)[-1] for _ in range(3)]
    assert infos[0] == {"t": 1}
    assert infos[1] == {"t": 2}
    assert infos[2]["t"] == 3
    assert infos[2]["episode"]["return"] == 7.0
    assert infos[2]["episode"]["horizon"] == 3
    assert infos[2]["episode"]["time"] >= 0.0
    env.reset()
    env.step(0)
    env.reset()  # an unfinished episode is dropped, not recorded
    for _ in range(3):
        env.step(0)
    env.reset()
    for _ in range(3):
        env.step(0)
    assert list(env.return_queue) == [7.0, 7.0]  # deque_size=2 keeps the last two of three
    assert list(env.horizon_queue) == [3, 3]


def test_single_env_truncation_also_ends_an_episode() -> None:
    env = RecordEpisodeStatistics(CountingEnv(2, end="truncated", reward=0.5))
    env.reset()
    env.step(0)
    _, _, terminated, truncated, info = env.step(0)
    assert (terminated, truncated) == (False, True)
    assert info["episode"]["return"] == 1.0
    assert info["episode"]["horizon"] == 2


def test_single_env_does_not_mutate_the_inner_info() -> None:
    inner_info: dict[str, Any] = {}

    class _Env(CountingEnv):
        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, _ = super().step(action)
            return obs, reward, terminated, truncated, inner_info

    env = RecordEpisodeStatistics(_Env(1))
    env.reset()
    assert "episode" in env.step(0)[-1]
    assert inner_info == {}


def test_vec_env_by_hand() -> None:
    a = {"episode_length": 2, "rewards": [1.0, 2.0]}
    b = {"episode_length": 3, "end": "truncated", "rewards": [0.5, 0.5, 3.0]}
    env = VecRecordEpisodeStatistics(VecEnv(counting_fns([a, b])), deque_size=3)
    env.reset()
    _, _, _, _, infos = env.step([0, 0])
    assert "episode" not in infos
    _, _, _, _, infos = env.step([0, 0])  # a ends: 1 + 2
    np.testing.assert_array_equal(infos["_episode"], [True, False])
    np.testing.assert_array_equal(infos["episode"]["return"], [3.0, 0.0])
    np.testing.assert_array_equal(infos["episode"]["horizon"], [2, 0])
    assert infos["episode"]["time"][0] >= 0.0
    assert infos["episode"]["time"][1] == 0.0
    _, _, _, _, infos = env.step([0, 0])  # b ends: 0.5 + 0.5 + 3
    np.testing.assert_array_equal(infos["_episode"], [False, True])
    np.testing.assert_array_equal(infos["episode"]["return"], [0.0, 4.0])
    np.testing.assert_array_equal(infos["episode"]["horizon"], [0, 3])
    for _ in range(3):  # steps 4-6: a ends at 4 and 6, b at 6 (queued in row order)
        env.step([0, 0])
    # Five episodes so far (a, b, a, a, b); deque_size=3 keeps the last three.
    assert list(env.return_queue) == [3.0, 3.0, 4.0]
    assert list(env.horizon_queue) == [2, 2, 3]
    env.close()


@given(configs=vec_counting_kwargs(), num_steps=st.integers(1, 10), deque_size=st.integers(1, 4))
def test_vec_env_matches_per_sub_env_reference(
    configs: list[dict[str, Any]], num_steps: int, deque_size: int
) -> None:
    env = VecRecordEpisodeStatistics(VecEnv(counting_fns(configs)), deque_size=deque_size)
    env.reset()
    expected_returns: list[float] = []
    expected_horizons: list[int] = []
    for k in range(1, num_steps + 1):
        _, _, _, _, infos = env.step(np.zeros(len(configs), dtype=np.int64))
        for i, config in enumerate(configs):
            length = config["episode_length"]
            if k % length == 0:  # episode of sub-env i ends here
                ret = float(np.float64(sum(config["rewards"])))
                assert infos["_episode"][i]
                assert infos["episode"]["return"][i] == pytest.approx(ret, rel=1e-12, abs=1e-12)
                assert infos["episode"]["horizon"][i] == length
                expected_returns.append(ret)
                expected_horizons.append(length)
            else:
                assert "_episode" not in infos or not infos["_episode"][i]
    np.testing.assert_allclose(list(env.return_queue), expected_returns[-deque_size:], atol=1e-12)
    assert list(env.horizon_queue) == expected_horizons[-deque_size:]
    env.close()


def test_invalid_arguments() -> None:
    vec = VecEnv(counting_fns([{"episode_length": 2}]))
    with pytest.raises(TypeError, match="VecRecordEpisodeStatistics"):
        RecordEpisodeStatistics(vec)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="use RecordEpisodeStatistics"):
        VecRecordEpisodeStatistics(CountingEnv())
    with pytest.raises(ValueError, match="same-step autoreset"):
        VecRecordEpisodeStatistics(SyncVectorEnv([CountingEnv]))
    with pytest.raises(ValueError, match="deque_size must be at least 1, got 0"):
        RecordEpisodeStatistics(CountingEnv(), deque_size=0)
    with pytest.raises(TypeError, match="deque_size must be an int"):
        VecRecordEpisodeStatistics(vec, deque_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"gymnasium\.Env"):
        RecordEpisodeStatistics("CartPole-v1")  # type: ignore[arg-type]
    assert isinstance(RecordEpisodeStatistics(gym.make("CartPole-v1")), gym.Wrapper)


def test_a_deque_size_beyond_memory_is_refused() -> None:
    import sys

    with pytest.raises(ValueError, match="deque_size must be at most"):
        RecordEpisodeStatistics(gym.make("CartPole-v1"), deque_size=10**30)
    with pytest.raises(ValueError, match="deque_size must be at most"):
        RecordEpisodeStatistics(gym.make("CartPole-v1"), deque_size=sys.maxsize + 1)


@pytest.mark.parametrize(
    "wrapper", [RecordEpisodeStatistics, NormalizeReward, NormalizeObservation]
)
@pytest.mark.parametrize(
    ("step", "match"),
    [
        ({"reward": "1.5"}, "reward that is a real number .*, got str"),
        ({"term": 2}, "terminated as a bool, got int 2"),
        ({"trunc": None}, "truncated as a bool, got NoneType"),
    ],
)
def test_single_env_wrappers_refuse_a_step_that_is_not_a_reward_and_two_bools(
    wrapper: Any, step: dict[str, Any], match: str
) -> None:
    # float("1.5") was summed into the episode return and 2 or None read as a flag, silently.
    env = wrapper(OddStepEnv(**step))
    env.reset(seed=0)
    with pytest.raises(TypeError, match=match):
        env.step(0)
