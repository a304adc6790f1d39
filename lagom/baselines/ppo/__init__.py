"""Proximal Policy Optimization (clipped surrogate) on vectorized environments.

Read top to bottom: :mod:`~lagom.baselines.ppo.config` (per-environment defaults from
rl-baselines3-zoo), :mod:`~lagom.baselines.ppo.agent` (the actor-critic),
:mod:`~lagom.baselines.ppo.envs` (training environments and the deterministic policy),
:mod:`~lagom.baselines.ppo.rollout` (collection and GAE), :mod:`~lagom.baselines.ppo.loop`
(the iteration loop, checkpoints and evaluation, shared with VPG) and
:mod:`~lagom.baselines.ppo.train` (the update and ``run``).

Example:
    >>> from lagom.baselines.ppo import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('ppo', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines.algorithm import Algorithm
from lagom.baselines.ppo.agent import ActorCritic
from lagom.baselines.ppo.config import DEFAULT_ENV, DEFAULTS, ZOO, default_config
from lagom.baselines.ppo.envs import (
    ObsNormalizer,
    TrainEnv,
    deterministic_policy,
    make_train_env,
)
from lagom.baselines.ppo.rollout import Batch, PolicyAgent, collect
from lagom.baselines.ppo.train import make_model, make_policy, run, schedule, update

__all__ = [
    "ALGORITHM",
    "DEFAULTS",
    "DEFAULT_ENV",
    "ZOO",
    "ActorCritic",
    "Batch",
    "ObsNormalizer",
    "PolicyAgent",
    "TrainEnv",
    "collect",
    "default_config",
    "deterministic_policy",
    "make_model",
    "make_policy",
    "make_train_env",
    "run",
    "schedule",
    "update",
]

#: PPO's record for the ``lagom`` command.
ALGORITHM = Algorithm(
    name="ppo",
    summary="Proximal Policy Optimization: clipped surrogate, GAE, minibatch epochs",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("discrete", "continuous"),
    make_policy=make_policy,
)
