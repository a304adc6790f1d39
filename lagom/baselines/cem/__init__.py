"""Policy search with the cross-entropy method, evaluated in parallel worker processes.

Read top to bottom: :mod:`~lagom.baselines.cem.config` (per-environment defaults),
:mod:`~lagom.baselines.cem.train` (the ES and ``run``); the generation loop is shared with
``cmaes`` and ``openaies``.

Example:
    >>> from lagom.baselines.cem import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('cem', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines._policy_search import FlatPolicy, PopulationRollouts, episode_seeds
from lagom.baselines.algorithm import Algorithm
from lagom.baselines.cem.config import DEFAULT_ENV, DEFAULTS, ENV_DEFAULTS, default_config
from lagom.baselines.cem.train import make_es, make_policy, run

__all__ = [
    "ALGORITHM",
    "DEFAULTS",
    "DEFAULT_ENV",
    "ENV_DEFAULTS",
    "FlatPolicy",
    "PopulationRollouts",
    "default_config",
    "episode_seeds",
    "make_es",
    "make_policy",
    "run",
]

#: CEM's record for the ``lagom`` command.
ALGORITHM = Algorithm(
    name="cem",
    summary="Cross-entropy method searching a linear policy, parallel episode evaluation",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("discrete", "continuous"),
    make_policy=make_policy,
)
