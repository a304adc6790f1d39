"""Runners: data collection by an agent acting in an environment.

- :class:`BaseRunner`: the base class, ``runner(agent, env, ...)``.
- :class:`EpisodeRunner`: N complete episodes of a single environment, as N finished
  :class:`~lagom.data.Trajectory`.
- :class:`StepRunner`: exactly T steps of a single environment, as trajectories (one per
  episode), optionally resuming mid-episode across calls.
- :class:`VecStepRunner`: T steps of a vectorized environment as one time-major
  :class:`~lagom.data.Rollout` (with the true next observations) plus the agent's outputs,
  in a :class:`VecRunnerResult`.
- :class:`ReplayBuffer`: the last ``capacity`` single-step transitions (with the true next
  observations) of an off-policy learner, sampled as :class:`ReplayBatch` minibatches, or
  read as n-step transitions (:class:`NStepBatch`);
  :class:`PrioritizedReplayBuffer` samples them by priority (proportional prioritized replay).

Every trajectory carries ``last_info``, the agent's output on its final observation (the
source of ``last_V``).

Example:
    >>> import gymnasium as gym
    >>> from lagom.agent import RandomAgent
    >>> from lagom.runner import StepRunner
    >>> env = gym.make("CartPole-v1")
    >>> _ = env.reset(seed=0); _ = env.action_space.seed(0)
    >>> D = StepRunner()(RandomAgent({}, env, None), env, T=100)
    >>> sum(traj.T for traj in D)
    100
"""

from __future__ import annotations

from lagom.runner.base import BaseRunner
from lagom.runner.episode_runner import EpisodeRunner
from lagom.runner.replay import NStepBatch, PrioritizedReplayBuffer, ReplayBatch, ReplayBuffer
from lagom.runner.step_runner import StepRunner
from lagom.runner.vec_step_runner import VecRunnerResult, VecStepRunner

__all__ = [
    "BaseRunner",
    "EpisodeRunner",
    "NStepBatch",
    "PrioritizedReplayBuffer",
    "ReplayBatch",
    "ReplayBuffer",
    "StepRunner",
    "VecRunnerResult",
    "VecStepRunner",
]
