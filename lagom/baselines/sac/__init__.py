"""Soft Actor-Critic (SAC): twin critics, automatic entropy tuning, continuous actions.

Reads top to bottom: :mod:`~lagom.baselines.sac.config` (Stable-Baselines3 defaults and
rl-baselines3-zoo settings), :mod:`~lagom.baselines.sac.networks` (the tanh-squashed Gaussian
policy; the critic is :class:`~lagom.baselines.td3.QEnsemble`),
:mod:`~lagom.baselines.sac.agent` (the update rule) and :mod:`~lagom.baselines.sac.train`
(the loop, checkpoints and evaluation).

Example:
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('sac', 'Pendulum-v1', ('continuous',))
"""

from __future__ import annotations

from lagom.baselines.algorithm import Algorithm
from lagom.baselines.sac.agent import SACAgent
from lagom.baselines.sac.config import DEFAULT_ENV, default_config
from lagom.baselines.sac.networks import SquashedGaussianActor
from lagom.baselines.sac.train import make_policy, run

__all__ = ["ALGORITHM", "SACAgent", "SquashedGaussianActor", "default_config", "make_policy", "run"]

ALGORITHM = Algorithm(
    name="sac",
    summary="Soft Actor-Critic: twin critics, automatic entropy tuning (continuous actions)",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("continuous",),
    make_policy=make_policy,
)
