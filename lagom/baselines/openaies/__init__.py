"""Policy search with OpenAI's evolution strategy, evaluated in parallel worker processes.

Read top to bottom: :mod:`~lagom.baselines.openaies.config` (per-environment defaults),
:mod:`~lagom.baselines.openaies.train` (the ES and ``run``); the generation loop is shared with
``cem`` and ``cmaes``.

Example:
    >>> from lagom.baselines.openaies import ALGORITHM
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('openaies', 'CartPole-v1', ('discrete', 'continuous'))
"""

from __future__ import annotations

from lagom.baselines._policy_search import FlatPolicy, PopulationRollouts, episode_seeds
from lagom.baselines.algorithm import Algorithm
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
ALGORITHM = Algorithm(
    name="openaies",
    summary="OpenAI-ES (Adam on the search gradient) searching a linear policy, in parallel",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("discrete", "continuous"),
    make_policy=make_policy,
)
