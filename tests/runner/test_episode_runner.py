"""Tests for ``lagom.runner.episode_runner``: exact traces of EpisodeRunner on CountingEnv."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from lagom.agent import RandomAgent
from lagom.data import StepType
from lagom.envs import TimeStepEnv
from lagom.runner import EpisodeRunner
from tests.envs.fakes import CountingEnv
from tests.runner.fakes import ValueAgent, obs_value


@pytest.mark.parametrize("wrap", [False, True])
def test_exact_trace_terminated(wrap: bool) -> None:
    env = CountingEnv(episode_length=3, end="terminated", rewards=[1.0, 2.0, 3.0])
    agent = ValueAgent(env)
    D = EpisodeRunner()(agent, TimeStepEnv(env) if wrap else env, 2)
    assert len(D) == 2
    for traj in D:
        assert traj.T == 3
        assert traj.finished
        assert traj.reach_terminal
        assert not traj.reach_time_limit
        np.testing.assert_array_equal(traj.observations, [[0.0], [1.0], [2.0], [3.0]])
        np.testing.assert_array_equal(traj.actions, [0, 0, 0])
        np.testing.assert_array_equal(traj.rewards, [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(traj.terminated, [False, False, True])
        np.testing.assert_array_equal(traj.truncated, [False, False, False])
        assert [ts.step_type for ts in traj] == [
            StepType.FIRST,
            StepType.MID,
            StepType.MID,
            StepType.LAST,
        ]
        # The agent's V(s_t) sits in the info of step t + 1, beside the env's own info.
        assert traj.get_infos("V") == [0.5, 10.5, 20.5]
        assert traj.get_infos("t") == [1, 2, 3]
        assert traj[0].info == {"t": 0}
        assert traj.last_info == {"raw_action": 0, "V": 30.5}
    assert env.reset_seeds == [None, None]


def test_truncated_episodes_and_agent_calls() -> None:
    env = CountingEnv(episode_length=2, end="truncated", reward=0.5)
    agent = ValueAgent(env)
    D = EpisodeRunner()(agent, env, N=3, temperature=2.0)
    assert [traj.T for traj in D] == [2, 2, 2]
    assert all(traj.reach_time_limit and not traj.reach_terminal for traj in D)
    assert [traj.last_info["V"] for traj in D] == [obs_value([2.0])] * 3
    # Per episode: two action choices, then one call on the final observation.
    kwargs = [call[1] for call in agent.calls]
    assert kwargs == ([{"temperature": 2.0}] * 2 + [{"last_info": True, "temperature": 2.0}]) * 3
    assert [float(call[0].observation[0]) for call in agent.calls] == [0, 1, 2] * 3
    assert [call[0].step_type for call in agent.calls[:3]] == [
        StepType.FIRST,
        StepType.MID,
        StepType.LAST,
    ]


def test_agent_output_overrides_env_info() -> None:
    class TAgent(ValueAgent):
        def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
            return {**super().choose_action(x, **kwargs), "t": "agent"}

    env = CountingEnv(episode_length=1)
    (traj,) = EpisodeRunner()(TAgent(env, value_fn=lambda obs: 7.0), env, 1)
    assert traj.infos == [{"t": "agent", "V": 7.0}]


def test_cartpole_episodes_are_reproducible() -> None:
    def collect() -> list[np.ndarray]:
        env = gym.make("CartPole-v1")
        env.reset(seed=3)
        env.action_space.seed(3)
        D = EpisodeRunner()(RandomAgent({}, env, None), env, 3)
        assert all(traj.finished for traj in D)
        return [traj.observations for traj in D]

    first, second = collect(), collect()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
