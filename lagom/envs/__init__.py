"""Environments: vectorization with same-step autoreset, seeding and wrappers (gymnasium >= 1.4).

- :class:`VecEnv`: N sub-environments as one gymnasium ``VectorEnv`` (``"sync"`` loop or
  ``"async"`` subprocesses), autoresetting in the step that ends an episode and reporting
  the true final observation in ``infos["final_obs"]``; :class:`VecEnvWrapper` is the base
  of wrappers around it.
- :func:`make_vec_env`: a seeded :class:`VecEnv` from a ``make_env`` function;
  :func:`make_native_vec_env`: the same over gymnasium's numpy-vectorized implementation
  (e.g. CartPole), faster, same semantics.
- Wrappers for a single ``gymnasium.Env`` and their vectorized twins (``Vec`` prefix):
  :class:`RecordEpisodeStatistics`, :class:`NormalizeObservation`,
  :class:`NormalizeReward`; :class:`TimeStepEnv` returns :class:`~lagom.data.TimeStep`;
  :class:`MaskObservation` and :class:`MaskVelocity` hide entries of the observation
  (``lagom/MaskedCartPole-v1``: CartPole without velocities).
- :func:`env_state` / :func:`restore_env_state`: an environment's state (simulator, random
  generators, wrappers' counters) as plain data and back, for checkpoints that run no code.

Example:
    >>> import gymnasium as gym
    >>> from lagom.envs import make_vec_env
    >>> env = make_vec_env(lambda: gym.make("CartPole-v1"), num_env=3, init_seed=0)
    >>> env
    <VecEnv: 3, CartPole-v1>
    >>> env.close()
"""

from __future__ import annotations

from lagom.envs.make_vec_env import make_native_vec_env, make_vec_env
from lagom.envs.mask_velocity import MASKED_CARTPOLE_ID, MaskObservation, MaskVelocity
from lagom.envs.normalize_observation import (
    NormalizeObservation,
    VecNormalizeDictObservation,
    VecNormalizeObservation,
)
from lagom.envs.normalize_reward import NormalizeReward, VecNormalizeReward
from lagom.envs.record_episode_statistics import (
    RecordEpisodeStatistics,
    VecRecordEpisodeStatistics,
)
from lagom.envs.state import env_state, restore_env_state
from lagom.envs.timestep_env import TimeStepEnv
from lagom.envs.vec_env import VecEnv
from lagom.envs.vec_env_wrapper import VecEnvWrapper

__all__ = [
    "MASKED_CARTPOLE_ID",
    "MaskObservation",
    "MaskVelocity",
    "NormalizeObservation",
    "NormalizeReward",
    "RecordEpisodeStatistics",
    "TimeStepEnv",
    "VecEnv",
    "VecEnvWrapper",
    "VecNormalizeDictObservation",
    "VecNormalizeObservation",
    "VecNormalizeReward",
    "VecRecordEpisodeStatistics",
    "env_state",
    "make_native_vec_env",
    "make_vec_env",
    "restore_env_state",
]
