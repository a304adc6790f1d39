"""OpenAI-ES policy search's configuration: one flat dict of dotted keys per environment.

The policy-search keys shared with ``cem`` and ``cmaes`` are listed in
:mod:`lagom.baselines.cmaes.config`. OpenAI-ES's own keys pass to
:func:`~lagom.es.openaies_init`: ``es.popsize`` (even with antithetic sampling),
``es.sigma0`` (noise scale), ``es.lr`` (Adam's step size), ``es.lr_decay``, ``es.min_lr``,
``es.sigma_decay``, ``es.min_sigma``, ``es.antithetic``, ``es.rank_transform`` and
``es.weight_decay``.
"""

from __future__ import annotations

from typing import Any

from lagom.baselines._policy_search import (
    COMMON_DEFAULTS,
    COMMON_ENV_DEFAULTS,
    policy_search_config,
)

__all__ = ["DEFAULTS", "DEFAULT_ENV", "ENV_DEFAULTS", "default_config"]

#: The environment ``lagom train openaies`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"

#: Every configuration key and its default.
DEFAULTS: dict[str, Any] = {
    **COMMON_DEFAULTS,
    "es.popsize": 32,
    "es.sigma0": 0.1,
    "es.lr": 0.05,
    "es.lr_decay": 1.0,
    "es.min_lr": 0.0,
    "es.sigma_decay": 1.0,
    "es.min_sigma": 0.0,
    "es.antithetic": True,
    "es.rank_transform": True,
    "es.weight_decay": 0.0,
}

#: Per-environment overrides of :data:`DEFAULTS`.
ENV_DEFAULTS: dict[str, dict[str, Any]] = {
    env_id: dict(overrides) for env_id, overrides in COMMON_ENV_DEFAULTS.items()
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """OpenAI-ES's default configuration for ``env_id``: :data:`DEFAULTS`, its overrides on top.

    Raises:
        ValueError: ``env_id`` is not registered, or a linear policy cannot act in it.

    Example:
        >>> cfg = default_config()
        >>> cfg["env.id"], cfg["es.popsize"], cfg["es.lr"], cfg["es.antithetic"]
        ('CartPole-v1', 32, 0.05, True)
    """
    return policy_search_config("openaies", DEFAULTS, ENV_DEFAULTS, env_id)
