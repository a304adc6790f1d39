"""Collect a fixed number of steps from a single environment: :class:`StepRunner`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from lagom.agent import Agent
from lagom.data import StepType, TimeStep, Trajectory
from lagom.envs import TimeStepEnv
from lagom.runner._shared import (
    agent_step,
    as_timestep_env,
    check_agent,
    check_count,
    final_output,
)
from lagom.runner.base import BaseRunner

__all__ = ["StepRunner"]


class StepRunner(BaseRunner[list[Trajectory]]):
    """Run exactly T steps of a single environment; return them as trajectories.

    The T steps are cut into one trajectory per episode: every episode that ends within
    the T steps is a finished trajectory and the environment is reset for the next one; the
    last trajectory is unfinished when step T does not end its episode. So
    ``sum(traj.T for traj in D) == T``. Every trajectory carries
    :attr:`~lagom.data.Trajectory.last_info`, the agent's output (``last_info=True``) on its
    final observation: the ``last_V`` that bootstraps a truncated or unfinished trajectory.
    It is computed for terminated ones too (the metrics ignore it there).

    As in :class:`~lagom.runner.EpisodeRunner`, the agent gets the current
    :class:`~lagom.data.TimeStep`, and its outputs other than ``"raw_action"`` are stored in
    the info of the step its action leads to.

    With ``reset_on_call=True`` every call starts a new episode. With
    ``reset_on_call=False`` a call continues where the previous one stopped (in the same
    environment): an episode cut at step T goes on in the next call, whose first trajectory
    starts at the observation the previous one ended with. That observation is recorded as
    the new trajectory's first step, so its step type is ``FIRST`` (a trajectory always
    starts with one) although no reset happened; its info is the one the step had. If the
    previous call ended exactly at the end of an episode, or ``env`` is another object than
    last time, the call starts with a reset.

    ``env`` is a :class:`lagom.envs.TimeStepEnv` or a plain ``gymnasium.Env`` (wrapped in
    one). Resets are unseeded: seed the environment once (``env.reset(seed=...)``) and its
    action space for reproducible data. Trajectories are built in O(T).

    Args:
        reset_on_call: whether each call starts with ``env.reset()``. Default: ``True``.

    Example:
        >>> import gymnasium as gym
        >>> from lagom.agent import RandomAgent
        >>> env = gym.make("CartPole-v1", max_episode_steps=4)
        >>> _ = env.reset(seed=0); _ = env.action_space.seed(0)
        >>> runner = StepRunner(reset_on_call=False)
        >>> D = runner(RandomAgent({}, env, None), env, T=6)
        >>> [(traj.T, traj.finished) for traj in D]
        [(4, True), (2, False)]
        >>> D = runner(RandomAgent({}, env, None), env, T=3)
        >>> [(traj.T, traj.finished) for traj in D]
        [(2, True), (1, False)]
    """

    def __init__(self, reset_on_call: bool = True) -> None:
        if not isinstance(reset_on_call, bool):
            raise TypeError(f"reset_on_call must be a bool, got {type(reset_on_call).__name__}")
        self.reset_on_call = reset_on_call
        # Where the previous call stopped: the environment and its current step (None when
        # the next call must reset).
        self._env: gym.Env[Any, Any] | None = None  # the env given, wrapped or not
        self._timestep: TimeStep | None = None

    def __call__(
        self, agent: Agent, env: gym.Env[Any, Any], T: int, **kwargs: Any
    ) -> list[Trajectory]:
        """Run ``T`` steps; return the trajectories covering them, in order.

        Args:
            agent: has ``choose_action(timestep, **kwargs)`` returning a dict with
                ``"raw_action"``.
            env: a single environment (:class:`lagom.envs.TimeStepEnv` or ``gymnasium.Env``).
            T: number of steps (at least 1).
            **kwargs: passed to every ``agent.choose_action`` call.

        Returns:
            the trajectories, ``sum(traj.T for traj in D) == T``; all finished except
            possibly the last.

        Raises:
            TypeError: ``T`` is not an int, ``env`` is not a single environment, ``agent``
                has no ``choose_action`` or returns something other than a dict.
            ValueError: ``T < 1`` or the agent's output lacks ``"raw_action"``.
        """
        T = check_count("T", T)
        check_agent(agent)
        timestep_env = as_timestep_env(env, "StepRunner")
        timestep = self._start(env, timestep_env)
        D = []
        traj = Trajectory().add(timestep, None)
        for t in range(T):
            action, timestep = agent_step(agent, timestep_env, timestep, kwargs)
            traj = traj.add(timestep, action)
            if timestep.last():
                D.append(traj.with_last_info(final_output(agent, timestep, kwargs)))
                if t == T - 1:
                    break
                timestep = timestep_env.reset()
                traj = Trajectory().add(timestep, None)
        else:
            D.append(traj.with_last_info(final_output(agent, timestep, kwargs)))
        self._env = env
        self._timestep = None if timestep.last() else timestep
        return D

    def _start(self, env: Any, timestep_env: TimeStepEnv) -> TimeStep:
        """The first step of this call: a reset, or where the previous call stopped."""
        previous = self._timestep
        if self.reset_on_call or previous is None or env is not self._env:
            return timestep_env.reset()
        if previous.first():
            return previous
        return TimeStep(StepType.FIRST, previous.observation, info=previous.info)
