"""Policy search with the cross-entropy method (:class:`~lagom.es.CEM`) over a flat policy.

:mod:`~lagom.baselines.cem.config` holds the defaults per environment and
:mod:`~lagom.baselines.cem.train` builds the ES from them; generations, parallel episode
rollouts and checkpoints come from the loop that ``cmaes`` and ``openaies`` use as well.

Example:
    >>> from lagom.baselines.cem import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('cem', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines._policy_search import (
    FlatPolicy,
    PopulationRollouts,
    episode_seeds,
    policy_search_algorithm,
)
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
ALGORITHM = policy_search_algorithm(
    "cem",
    "Cross-entropy method searching a linear policy, parallel episode evaluation",
    run,
    default_config,
    DEFAULT_ENV,
)
