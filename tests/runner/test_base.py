"""Tests for ``lagom.runner.base`` and the checks every runner shares: bad input fails early."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from lagom.envs import TimeStepEnv, VecEnv
from lagom.runner import BaseRunner, EpisodeRunner, StepRunner, VecStepRunner
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import counting_fns
from tests.runner.fakes import OutputAgent, ValueAgent

SINGLE = [EpisodeRunner(), StepRunner(), StepRunner(reset_on_call=False)]


def _env_for(runner: BaseRunner[Any]) -> Any:
    if isinstance(runner, VecStepRunner):
        return VecEnv(counting_fns([{"episode_length": 2}] * 2))
    return CountingEnv(episode_length=2)


def _agent_for(runner: BaseRunner[Any]) -> ValueAgent:
    return ValueAgent(num_envs=2 if isinstance(runner, VecStepRunner) else None)


ALL = [*SINGLE, VecStepRunner()]


def test_base_runner_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BaseRunner()  # type: ignore[abstract]


@pytest.mark.parametrize("runner", ALL)
@pytest.mark.parametrize("count", [0, -3])
def test_count_below_one(runner: BaseRunner[Any], count: int) -> None:
    with pytest.raises(ValueError, match="must be at least 1, got"):
        runner(_agent_for(runner), _env_for(runner), count)


@pytest.mark.parametrize("runner", ALL)
@pytest.mark.parametrize("count", [2.0, "3", True, None])
def test_count_not_an_int(runner: BaseRunner[Any], count: Any) -> None:
    with pytest.raises(TypeError, match="must be an int, got"):
        runner(_agent_for(runner), _env_for(runner), count)


@pytest.mark.parametrize("runner", ALL)
def test_output_without_raw_action(runner: BaseRunner[Any]) -> None:
    agent = OutputAgent(lambda step: {"action": 0, "V": 1.0})
    with pytest.raises(ValueError, match=r"'raw_action'.*got keys \['V', 'action'\]"):
        runner(agent, _env_for(runner), 2)


@pytest.mark.parametrize("runner", ALL)
@pytest.mark.parametrize("output", [0, [0, 1], None])
def test_output_not_a_dict(runner: BaseRunner[Any], output: Any) -> None:
    with pytest.raises(TypeError, match="must return a dict holding 'raw_action'"):
        runner(OutputAgent(lambda step: output), _env_for(runner), 2)


@pytest.mark.parametrize("runner", ALL)
def test_agent_without_choose_action(runner: BaseRunner[Any]) -> None:
    with pytest.raises(TypeError, match="choose_action"):
        runner(object(), _env_for(runner), 2)  # type: ignore[arg-type]


def test_last_info_output_must_be_a_dict() -> None:
    def outputs(step: int) -> Any:
        return {"raw_action": 0} if step < 2 else np.zeros(1)

    with pytest.raises(TypeError, match=r"last_info=True\) must return a dict"):
        EpisodeRunner()(OutputAgent(outputs), CountingEnv(episode_length=2), 1)


def test_last_info_may_omit_raw_action() -> None:
    def outputs(step: int) -> dict[str, Any]:
        return {"raw_action": 0} if step < 2 else {"V": 3.0}

    (traj,) = EpisodeRunner()(OutputAgent(outputs), CountingEnv(episode_length=2), 1)
    assert traj.last_info == {"V": 3.0}


@pytest.mark.parametrize("runner", SINGLE)
def test_single_runners_refuse_other_envs(runner: BaseRunner[Any]) -> None:
    vec = VecEnv(counting_fns([{"episode_length": 2}]))
    with pytest.raises(TypeError, match="VecStepRunner"):
        runner(ValueAgent(), vec, 2)
    vec.close()
    with pytest.raises(TypeError, match=r"gymnasium.Env \(or a TimeStepEnv\)"):
        runner(ValueAgent(), "CartPole-v1", 2)


@pytest.mark.parametrize("runner", SINGLE)
def test_single_runners_accept_a_timestep_env(runner: BaseRunner[Any]) -> None:
    wrapped = copy.deepcopy(runner)(ValueAgent(), TimeStepEnv(CountingEnv(episode_length=2)), 2)
    plain = copy.deepcopy(runner)(ValueAgent(), CountingEnv(episode_length=2), 2)
    # Two episodes of two steps for EpisodeRunner, two steps for StepRunner.
    assert sum(traj.T for traj in wrapped) == (4 if isinstance(runner, EpisodeRunner) else 2)
    assert wrapped == plain


def test_step_runner_reset_on_call_must_be_bool() -> None:
    with pytest.raises(TypeError, match="reset_on_call must be a bool, got int"):
        StepRunner(reset_on_call=0)  # type: ignore[arg-type]
