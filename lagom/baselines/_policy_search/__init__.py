"""Policy search with evolution strategies: the parts ``cem``, ``cmaes`` and ``openaies`` share.

:mod:`~lagom.baselines._policy_search.policy` holds the :class:`FlatPolicy` whose flat
parameter vector is the ES solution, :mod:`~lagom.baselines._policy_search.rollouts` plays
populations of it (serially or in worker processes) and
:mod:`~lagom.baselines._policy_search.train` is the generation loop over any
:class:`~lagom.es.BaseES`; :mod:`~lagom.baselines._policy_search.package` builds each
package's configuration and record. The public names are re-exported by the algorithm packages.
"""

from __future__ import annotations

from lagom.baselines._policy_search.package import (
    COMMON_ENV_DEFAULTS,
    make_policy,
    policy_search_algorithm,
    policy_search_config,
)
from lagom.baselines._policy_search.policy import Action, FlatPolicy
from lagom.baselines._policy_search.rollouts import PopulationRollouts, episode_seeds
from lagom.baselines._policy_search.train import (
    COMMON_DEFAULTS,
    ESFactory,
    check_env,
    es_seed,
    make_flat_policy,
    policy_from_run,
    run_policy_search,
)

__all__ = [
    "COMMON_DEFAULTS",
    "COMMON_ENV_DEFAULTS",
    "Action",
    "ESFactory",
    "FlatPolicy",
    "PopulationRollouts",
    "check_env",
    "episode_seeds",
    "es_seed",
    "make_flat_policy",
    "make_policy",
    "policy_from_run",
    "policy_search_algorithm",
    "policy_search_config",
    "run_policy_search",
]
