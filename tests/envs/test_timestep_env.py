"""Tests of lagom.envs.timestep_env: step types and fields on counting episodes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lagom.data import StepType, TimeStep
from lagom.envs import TimeStepEnv, VecEnv
from tests.envs.fakes import CountingEnv, OddStepEnv
from tests.envs.helpers import counting_fns


@pytest.mark.parametrize(
    ("end", "terminated", "truncated"),
    [("terminated", True, False), ("truncated", False, True), ("both", True, True)],
)
def test_step_types_of_an_episode(end: str, terminated: bool, truncated: bool) -> None:
    env = TimeStepEnv(CountingEnv(3, end=end, rewards=[1.0, 2.0, 3.0]))  # type: ignore[arg-type]
    first = env.reset(seed=4)
    assert first == TimeStep(StepType.FIRST, np.array([0.0], np.float32), info={"t": 0})
    assert env.unwrapped.reset_seeds == [4]  # type: ignore[attr-defined]
    mids = [env.step(0) for _ in range(2)]
    assert mids == [
        TimeStep(StepType.MID, np.array([1.0], np.float32), 1.0, info={"t": 1}),
        TimeStep(StepType.MID, np.array([2.0], np.float32), 2.0, info={"t": 2}),
    ]
    last = env.step(0)
    assert last == TimeStep(
        StepType.LAST, np.array([3.0], np.float32), 3.0, terminated, truncated, {"t": 3}
    )
    assert last.terminal() is terminated
    assert last.time_limit() is (truncated and not terminated)
    assert env.reset().first()


def test_rejects_vectorized_environments() -> None:
    with pytest.raises(
        TypeError,
        match=r"TimeStepEnv wraps a single gymnasium\.Env.*use lagom\."
        r"runner\.VecStepRunner \(a Rollout of steps\) for vectorized",
    ):
        TimeStepEnv(VecEnv(counting_fns([{}])))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"reward": "1.5"}, "reward that is a real number.*str '1.5'"),
        ({"reward": np.array([1.0])}, "reward that is a real number.*ndarray"),
        ({"reward": None}, "reward that is a real number.*NoneType"),
        ({"term": 2}, "terminated as a bool, got int 2"),
        ({"term": np.array([True, False])}, "terminated as a bool, got ndarray"),
        ({"trunc": 0.5}, "truncated as a bool, got float 0.5"),
    ],
)
def test_a_step_that_is_not_a_reward_and_two_bools_is_refused(
    kwargs: dict[str, Any], match: str
) -> None:
    # "1.5" was read as 1.5 by float(), [1.0] as 1.0; an array flag raised numpy's "truth
    # value of an array is ambiguous".
    env = TimeStepEnv(OddStepEnv(**kwargs))
    env.reset()
    with pytest.raises(TypeError, match=match):
        env.step(0)


def test_numpy_rewards_and_flags_are_read_as_numbers_and_bools() -> None:
    env = TimeStepEnv(OddStepEnv(np.float32(2.5), np.bool_(True), False))
    env.reset()
    last = env.step(0)
    assert (last.reward, last.terminated, last.last()) == (2.5, True, True)
    assert type(last.reward) is float
    assert type(last.terminated) is bool
    env = TimeStepEnv(OddStepEnv(np.array(3), False, False))
    env.reset()
    assert env.step(0).reward == 3.0
