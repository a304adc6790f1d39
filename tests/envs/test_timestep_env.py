"""Tests of lagom.envs.timestep_env: step types and fields on counting episodes."""

from __future__ import annotations

import numpy as np
import pytest

from lagom.data import StepType, TimeStep
from lagom.envs import TimeStepEnv, VecEnv
from tests.envs.fakes import CountingEnv
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
