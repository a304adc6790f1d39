"""Policy search with CMA-ES through pycma (:class:`~lagom.es.CMAES`), episodes in workers.

Two modules are its own: :mod:`~lagom.baselines.cmaes.config` (the defaults of each
environment) and :mod:`~lagom.baselines.cmaes.train` (pycma's options from the config). Its
generation loop is shared with ``cem`` and ``openaies``.

Example:
    >>> from lagom.baselines.cmaes import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('cmaes', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines._policy_search import (
    FlatPolicy,
    PopulationRollouts,
    episode_seeds,
    policy_search_algorithm,
)
from lagom.baselines.cmaes.config import DEFAULT_ENV, DEFAULTS, ENV_DEFAULTS, default_config
from lagom.baselines.cmaes.train import make_es, make_policy, run

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
    "cmaes",
    "CMA-ES searching a linear policy, parallel episode evaluation",
    run,
    default_config,
    DEFAULT_ENV,
)
