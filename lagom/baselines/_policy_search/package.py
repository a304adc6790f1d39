"""What a policy-search package (``cem``, ``cmaes``, ``openaies``) is built from.

Each package names its ES and its defaults; :func:`policy_search_config` turns those into its
``default_config``, and :func:`policy_search_algorithm` into its
:class:`~lagom.baselines.algorithm.Algorithm` record with the shared :func:`make_policy`.

Example:
    >>> sorted(COMMON_ENV_DEFAULTS)
    ['CartPole-v1', 'Pendulum-v1']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lagom.baselines._policy_search.policy import Action
from lagom.baselines._policy_search.train import check_env, policy_from_run
from lagom.baselines.algorithm import Algorithm, RunFn

__all__ = [
    "COMMON_ENV_DEFAULTS",
    "make_policy",
    "policy_search_algorithm",
    "policy_search_config",
]


#: The per-environment overrides every policy-search algorithm starts from.
COMMON_ENV_DEFAULTS: dict[str, dict[str, Any]] = {
    "CartPole-v1": {},
    "Pendulum-v1": {"train.generations": 100, "train.episodes_per_eval": 3},
}


def policy_search_config(
    algorithm: str,
    defaults: Mapping[str, Any],
    env_defaults: Mapping[str, Mapping[str, Any]],
    env_id: str,
) -> dict[str, Any]:
    """``defaults`` with the overrides ``env_defaults[env_id]`` on top, for ``env_id``.

    Raises:
        ValueError: ``env_id`` has no overrides and is not registered, or a linear policy
            cannot act in it (see :func:`check_env`).

    Example:
        >>> policy_search_config("cem", {"a": 1}, {"X-v0": {"a": 2}}, "X-v0")
        {'a': 2, 'env.id': 'X-v0'}
    """
    if env_id not in env_defaults:
        check_env(algorithm, env_id)
    return {**defaults, **env_defaults.get(env_id, {}), "env.id": env_id}


def make_policy(run_dir: Path, device: str) -> Action:
    """The trained deterministic policy of a finished CEM, CMA-ES or OpenAI-ES run (numpy
    batch in and out; ``device`` is unused, the policy is numpy).

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> from lagom.baselines.cem import run
        >>> config = {"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     act = make_policy(Path(logdir), "cpu")
        >>> act(np.zeros((3, 4))).shape  # CartPole-v1: 3 observations in, 3 actions out
        (3,)
    """
    return policy_from_run(Path(run_dir))


def policy_search_algorithm(
    name: str,
    summary: str,
    run: RunFn,
    default_config: Callable[[str], dict[str, Any]],
    default_env: str,
) -> Algorithm:
    """The :class:`~lagom.baselines.algorithm.Algorithm` record of a policy-search package:
    its own ``run`` and configuration, any action space and :func:`make_policy`.

    Example:
        >>> from lagom.baselines.cem import default_config, run
        >>> policy_search_algorithm("cem", "CEM", run, default_config, "Pendulum-v1")
        Algorithm(name='cem', summary='CEM', ...default_env='Pendulum-v1', ...)
    """
    return Algorithm(
        name=name,
        summary=summary,
        run=run,
        default_config=default_config,
        default_env=default_env,
        action_spaces=("discrete", "continuous"),
        make_policy=make_policy,
    )
