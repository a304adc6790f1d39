"""Vanilla policy gradient: actor-critic with GAE, one full-batch step per iteration.

Read top to bottom: :mod:`~lagom.baselines.vpg.config` (defaults) and
:mod:`~lagom.baselines.vpg.train` (the update and ``run``); the actor-critic, the
environments and the collection are PPO's (:mod:`lagom.baselines.ppo`).

Example:
    >>> from lagom.baselines.vpg import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('vpg', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines.algorithm import Algorithm
from lagom.baselines.vpg.config import DEFAULT_ENV, DEFAULTS, TUNED, default_config
from lagom.baselines.vpg.train import make_policy, run, update

__all__ = [
    "ALGORITHM",
    "DEFAULTS",
    "DEFAULT_ENV",
    "TUNED",
    "default_config",
    "make_policy",
    "run",
    "update",
]

#: VPG's record for the ``lagom`` command.
ALGORITHM = Algorithm(
    name="vpg",
    summary="Vanilla policy gradient: actor-critic with GAE, one step per batch",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("discrete", "continuous"),
    make_policy=make_policy,
)
