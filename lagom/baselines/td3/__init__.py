"""Twin Delayed DDPG (TD3): twin critics, target policy smoothing, delayed policy updates.

DDPG (:mod:`lagom.baselines.ddpg`) is the same code with one critic, no smoothing and no
delay. Reads top to bottom: :mod:`~lagom.baselines.td3.config`,
:mod:`~lagom.baselines.td3.networks`, :mod:`~lagom.baselines.td3.agent`,
:mod:`~lagom.baselines.td3.train`.

Example:
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('td3', 'Pendulum-v1', ('continuous',))
"""

from __future__ import annotations

from lagom.baselines.algorithm import Algorithm
from lagom.baselines.td3.agent import TD3Agent
from lagom.baselines.td3.config import DEFAULT_ENV, default_config
from lagom.baselines.td3.networks import DeterministicActor, QEnsemble
from lagom.baselines.td3.train import make_policy, run

__all__ = [
    "ALGORITHM",
    "DeterministicActor",
    "QEnsemble",
    "TD3Agent",
    "default_config",
    "make_policy",
    "run",
]

ALGORITHM = Algorithm(
    name="td3",
    summary="Twin Delayed DDPG: twin critics, target smoothing, delayed actor (continuous)",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("continuous",),
    make_policy=make_policy,
)
