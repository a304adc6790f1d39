"""Policy search with OpenAI's evolution strategy (:class:`~lagom.es.OpenAIES`).

Configuration in :mod:`~lagom.baselines.openaies.config`, the Adam-stepped ES in
:mod:`~lagom.baselines.openaies.train`; candidates are scored by episodes played in parallel
worker processes, in the generation loop that ``cem`` and ``cmaes`` run as well.

Example:
    >>> from lagom.baselines.openaies import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('openaies', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines._policy_search import (
    FlatPolicy,
    PopulationRollouts,
    episode_seeds,
    policy_search_algorithm,
)
from lagom.baselines.openaies.config import DEFAULT_ENV, DEFAULTS, ENV_DEFAULTS, default_config
from lagom.baselines.openaies.train import make_es, make_policy, run

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

#: CMA-ES's record for the ``lagom`` command.
ALGORITHM = policy_search_algorithm(
    "openaies",
    "OpenAI-ES (Adam on the search gradient) searching a linear policy, in parallel",
    run,
    default_config,
    DEFAULT_ENV,
)
