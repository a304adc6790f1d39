"""CEM policy search's configuration: one flat dict of dotted keys per environment.

:data:`DEFAULTS` holds every key: the policy-search keys shared with ``cmaes`` and
``openaies`` (listed in :mod:`lagom.baselines.cmaes.config`) and the cross-entropy method's own
``es.*`` keys. :data:`ENV_DEFAULTS` overrides them per environment.
"""

from __future__ import annotations

from typing import Any

from lagom.baselines._policy_search import (
    COMMON_DEFAULTS,
    COMMON_ENV_DEFAULTS,
    policy_search_config,
)

__all__ = ["DEFAULTS", "DEFAULT_ENV", "ENV_DEFAULTS", "default_config"]

#: The environment ``lagom train cem`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"

#: Every configuration key and its default.
DEFAULTS: dict[str, Any] = {
    **COMMON_DEFAULTS,
    "es.popsize": 32,
    "es.sigma0": 1.0,
    "es.elite_ratio": 0.2,
    # Extra variance [initial, final, N, start] added to the refitted one (None: none); it
    # keeps the elite, picked on one noisy episode each, from collapsing the search early.
    "es.noise_scheduler_args": [0.1, 0.0, 30, 0],
}

#: Per-environment overrides of :data:`DEFAULTS`.
ENV_DEFAULTS: dict[str, dict[str, Any]] = {
    env_id: dict(overrides) for env_id, overrides in COMMON_ENV_DEFAULTS.items()
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """CEM's default configuration for ``env_id``: :data:`DEFAULTS`, its overrides on top.

    Raises:
        ValueError: ``env_id`` is not registered, or a linear policy cannot act in it (its
            observations are not a flat ``Box``, or its actions are neither ``Discrete`` nor
            a bounded flat ``Box``).

    Example:
        >>> cfg = default_config("CartPole-v1")
        >>> cfg["es.popsize"], cfg["es.elite_ratio"], cfg["train.generations"]
        (32, 0.2, 50)
        >>> default_config("Blackjack-v1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: cem cannot act in Blackjack-v1: policy search needs a flat Box observation...
    """
    return policy_search_config("cem", DEFAULTS, ENV_DEFAULTS, env_id)
