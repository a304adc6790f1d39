"""Tests for ``lagom.runner.step_runner``: StepRunner covers exactly T steps and resumes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.data import StepType, Trajectory
from lagom.runner import StepRunner
from tests.envs.fakes import CountingEnv
from tests.runner.fakes import ValueAgent, obs_value


def _obs(traj: Trajectory) -> list[float]:
    return [float(o) for o in traj.observations[:, 0]]


def test_exact_trace_reset_on_call() -> None:
    env = CountingEnv(episode_length=3, end="truncated", rewards=[1.0, 2.0, 3.0])
    runner = StepRunner()
    D = runner(ValueAgent(env), env, T=7)
    assert [traj.T for traj in D] == [3, 3, 1]
    assert [_obs(traj) for traj in D] == [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1]]
    assert [traj.finished for traj in D] == [True, True, False]
    assert [traj.reach_time_limit for traj in D] == [True, True, False]
    np.testing.assert_array_equal(D[0].rewards, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(D[0].truncated, [False, False, True])
    np.testing.assert_array_equal(D[2].rewards, [1.0])
    # last_info is the agent's output on each trajectory's final observation.
    assert [traj.last_info["V"] for traj in D] == [30.5, 30.5, 10.5]
    assert D[0].get_infos("V") == [0.5, 10.5, 20.5]
    # A new call starts a new episode.
    D = runner(ValueAgent(env), env, T=2)
    assert [_obs(traj) for traj in D] == [[0, 1, 2]]
    assert len(env.reset_seeds) == 4


def test_resume_mid_episode() -> None:
    env = CountingEnv(episode_length=3, end="terminated")
    runner = StepRunner(reset_on_call=False)
    agent = ValueAgent(env)
    D = runner(agent, env, T=4)
    assert [_obs(traj) for traj in D] == [[0, 1, 2, 3], [0, 1]]
    assert D[-1].last_info == {"raw_action": 0, "V": obs_value([1.0])}
    D = runner(agent, env, T=4)
    # The cut episode continues from observation 1, recorded as the piece's first step.
    assert [_obs(traj) for traj in D] == [[1, 2, 3], [0, 1, 2]]
    assert D[0][0].step_type == StepType.FIRST
    assert D[0].reach_terminal
    assert D[0][0].info["t"] == 1
    assert [traj.T for traj in D] == [2, 2]
    assert len(env.reset_seeds) == 3
    D = runner(agent, env, T=1)
    assert [_obs(traj) for traj in D] == [[2, 3]]
    # The episode ended exactly at the end of the call: the next call starts with a reset.
    D = runner(agent, env, T=1)
    assert [_obs(traj) for traj in D] == [[0, 1]]
    assert len(env.reset_seeds) == 4


def test_resume_needs_the_same_env() -> None:
    env, other = CountingEnv(episode_length=5), CountingEnv(episode_length=5)
    runner = StepRunner(reset_on_call=False)
    runner(ValueAgent(), env, T=2)
    (traj,) = runner(ValueAgent(), other, T=2)
    assert _obs(traj) == [0, 1, 2]
    (traj,) = runner(ValueAgent(), other, T=1)
    assert _obs(traj) == [2, 3]


def _reference(length: int, end: str, total: int) -> list[tuple[Any, ...]]:
    """Transitions of ``total`` steps of a plain loop: reset, step, reset when done."""
    env = CountingEnv(episode_length=length, end=end)  # type: ignore[arg-type]
    observation, _ = env.reset()
    out = []
    for _ in range(total):
        following, reward, terminated, truncated, _ = env.step(np.int64(0))
        out.append((float(observation[0]), float(following[0]), reward, terminated, truncated))
        observation = following if not (terminated or truncated) else env.reset()[0]
    return out


@given(
    length=st.integers(1, 6),
    end=st.sampled_from(["terminated", "truncated", "both"]),
    Ts=st.lists(st.integers(1, 12), min_size=1, max_size=5),
    reset_on_call=st.booleans(),
)
def test_calls_cover_exactly_T_steps(
    length: int, end: str, Ts: list[int], reset_on_call: bool
) -> None:
    env = CountingEnv(episode_length=length, end=end)  # type: ignore[arg-type]
    runner = StepRunner(reset_on_call=reset_on_call)
    agent = ValueAgent(env)
    collected = []
    for T in Ts:
        D = runner(agent, env, T)
        assert sum(traj.T for traj in D) == T
        assert all(traj.finished for traj in D[:-1])
        assert all(traj.last_info["V"] == obs_value(traj[-1].observation) for traj in D)
        assert all(traj.get_infos("V") == list(obs_value(traj.observations[:-1])) for traj in D)
        transitions = [tr for traj in D for tr in traj.transitions]
        if reset_on_call:
            assert transitions == [_as_transition(x) for x in _reference(length, end, T)]
        collected.extend(transitions)
    if not reset_on_call:
        # Resumed calls join up: together they are one uninterrupted run.
        assert collected == [_as_transition(x) for x in _reference(length, end, sum(Ts))]


def _as_transition(x: tuple[Any, ...]) -> Any:
    from lagom.data import Transition

    obs, following, reward, terminated, truncated = x
    return Transition(
        np.array([obs], dtype=np.float32),
        0,
        reward,
        np.array([following], dtype=np.float32),
        terminated,
        truncated,
    )


def test_trajectories_are_built_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each add must extend the newest version of its trajectory (amortised O(1), storage
    # shared); extending an older version would copy it.
    extends_newest: list[bool] = []
    add = Trajectory.add

    def spy(self: Trajectory, timestep: Any, action: Any) -> Trajectory:
        extends_newest.append(len(self._store.timesteps) == len(self))
        return add(self, timestep, action)

    monkeypatch.setattr(Trajectory, "add", spy)
    env = CountingEnv(episode_length=400)
    D = StepRunner()(ValueAgent(env), env, T=1000)
    assert [traj.T for traj in D] == [400, 400, 200]
    assert len(extends_newest) == 1000 + len(D)
    assert all(extends_newest)


@pytest.mark.parametrize("T", [1, 2])
def test_single_step_episodes(T: int) -> None:
    env = CountingEnv(episode_length=1, end="both")
    D = StepRunner()(ValueAgent(env), env, T)
    assert [traj.T for traj in D] == [1] * T
    assert all(traj.reach_terminal and not traj.reach_time_limit for traj in D)
