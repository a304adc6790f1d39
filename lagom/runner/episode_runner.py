"""Collect whole episodes from a single environment: :class:`EpisodeRunner`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from lagom.agent import Agent
from lagom.data import Trajectory
from lagom.runner._shared import (
    agent_step,
    as_timestep_env,
    check_agent,
    check_count,
    final_output,
)
from lagom.runner.base import BaseRunner

__all__ = ["EpisodeRunner"]


class EpisodeRunner(BaseRunner[list[Trajectory]]):
    """Run N complete episodes and return them as N finished :class:`~lagom.data.Trajectory`.

    Each episode starts with ``env.reset()`` and runs until a step is terminated or
    truncated. At every step the agent gets the current :class:`~lagom.data.TimeStep` ``x``
    and returns a dict with ``"raw_action"``; its other entries (e.g. ``"V"``) are stored in
    the info of the step that action leads to, so ``traj.get_infos("V")`` lists ``V(s_t)``
    for ``t`` in ``[0, T-1]``. Finally the agent is called once more on the final observation
    with ``last_info=True``, and that output becomes the trajectory's
    :attr:`~lagom.data.Trajectory.last_info` (the source of ``last_V``). It is computed for
    every episode, terminated ones included, whose ``last_V`` the metrics ignore
    (``reach_terminal``).

    ``env`` is a single environment: a :class:`lagom.envs.TimeStepEnv`, or a plain
    ``gymnasium.Env`` that the runner wraps in one. Resets are unseeded; for reproducible
    episodes seed the environment once (``env.reset(seed=...)``) and its action space
    before the first call. Trajectories are built in O(T) (:meth:`~lagom.data.Trajectory.add`).

    Example:
        >>> import gymnasium as gym
        >>> from lagom.agent import BaseAgent
        >>> class LeftAgent(BaseAgent):
        ...     def choose_action(self, x, **kwargs):
        ...         return {"raw_action": 0, "V": float(x.observation[0])}
        ...     def learn(self, D, **kwargs):
        ...         return {}
        >>> env = gym.make("CartPole-v1", max_episode_steps=3)
        >>> _ = env.reset(seed=0)
        >>> D = EpisodeRunner()(LeftAgent({}, env, None), env, N=2)
        >>> [(traj.T, traj.reach_time_limit, traj.reach_terminal) for traj in D]
        [(3, True, False), (3, True, False)]
        >>> len(D[0].get_infos("V")), sorted(D[0].last_info)
        (3, ['V', 'raw_action'])
    """

    def __call__(
        self, agent: Agent, env: gym.Env[Any, Any], N: int, **kwargs: Any
    ) -> list[Trajectory]:
        """Run ``N`` episodes; return them as ``N`` finished trajectories.

        Args:
            agent: has ``choose_action(timestep, **kwargs)`` returning a dict with
                ``"raw_action"``.
            env: a single environment (:class:`lagom.envs.TimeStepEnv` or ``gymnasium.Env``).
            N: number of episodes (at least 1).
            **kwargs: passed to every ``agent.choose_action`` call.

        Returns:
            ``N`` trajectories, each from a reset to the step that ended its episode.

        Raises:
            TypeError: ``N`` is not an int, ``env`` is not a single environment, ``agent``
                has no ``choose_action`` or returns something other than a dict.
            ValueError: ``N < 1`` or the agent's output lacks ``"raw_action"``.
        """
        N = check_count("N", N)
        check_agent(agent)
        timestep_env = as_timestep_env(env, "EpisodeRunner")
        D = []
        for _ in range(N):
            timestep = timestep_env.reset()
            traj = Trajectory().add(timestep, None)
            while not timestep.last():
                action, timestep = agent_step(agent, timestep_env, timestep, kwargs)
                traj = traj.add(timestep, action)
            D.append(traj.with_last_info(final_output(agent, timestep, kwargs)))
        return D
