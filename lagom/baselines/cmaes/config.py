"""CMA-ES policy search's configuration: one flat dict of dotted keys per environment.

The keys shared by the policy-search algorithms (``cem``, ``cmaes``, ``openaies``):

* ``env.id``: the gymnasium environment (a flat ``Box`` observation space; ``Discrete`` or
  bounded ``Box`` actions).
* ``policy.hidden_sizes``: hidden layers of the :class:`~lagom.baselines.cmaes.FlatPolicy`
  (``[]``: linear).
* ``train.generations``: generations to run (ES runs count generations, not env steps; the
  env steps done are logged as ``timesteps``).
* ``train.episodes_per_eval``: episodes per candidate; its fitness is minus their mean return.
* ``train.workers``: evaluation processes (``0`` or ``1``: serial, in this process).
* ``train.max_episode_steps``: episode time limit (``None``: the environment's own).
* ``train.checkpoint_every``: generations between checkpoints.
* ``train.stop_at``: stop (after a checkpoint, without final evaluation) once this many
  generations are done (``None``: run to the end).
* ``eval.episodes``: episodes of the final deterministic evaluation.
* ``eval.solution``: ``"mean"`` (the search distribution's mean) or ``"best"`` (the best
  candidate ever) is the trained policy.

CMA-ES's own: ``es.popsize`` (``None``: pycma's ``4 + floor(3 ln N)``) and ``es.sigma0``.
"""

from __future__ import annotations

from typing import Any

from lagom.baselines._policy_search import (
    COMMON_DEFAULTS,
    COMMON_ENV_DEFAULTS,
    policy_search_config,
)

__all__ = ["DEFAULTS", "DEFAULT_ENV", "ENV_DEFAULTS", "default_config"]

#: The environment ``lagom train cmaes`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"

#: Every configuration key and its default.
DEFAULTS: dict[str, Any] = {**COMMON_DEFAULTS, "es.popsize": None, "es.sigma0": 0.5}

#: Per-environment overrides of :data:`DEFAULTS`.
ENV_DEFAULTS: dict[str, dict[str, Any]] = {
    env_id: dict(overrides) for env_id, overrides in COMMON_ENV_DEFAULTS.items()
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """CMA-ES's default configuration for ``env_id``: :data:`DEFAULTS`, its overrides on top.

    Raises:
        ValueError: ``env_id`` is not registered, or a linear policy cannot act in it.

    Example:
        >>> cfg = default_config("Pendulum-v1")
        >>> cfg["es.popsize"], cfg["es.sigma0"], cfg["train.generations"]
        (None, 0.5, 100)
    """
    return policy_search_config("cmaes", DEFAULTS, ENV_DEFAULTS, env_id)
