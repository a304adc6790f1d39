"""The :class:`Algorithm` record: what the ``lagom`` command needs to know of an algorithm."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import attrs

__all__ = ["Algorithm", "RunFn"]

#: ``run(config, seed, device, logdir) -> final evaluation metrics``, called by ``run_experiment``.
RunFn: TypeAlias = Callable[[Mapping[str, Any], int, str, Path], Mapping[str, Any]]


@attrs.frozen
class Algorithm:
    """One reference algorithm.

    Attributes:
        name: short name used on the command line (``"ppo"``).
        summary: one line saying what it is.
        run: the training entry point ``run(config, seed, device, logdir)``. It writes
            ``logdir/progress.csv`` (one row per iteration), ``logdir/checkpoint.pt`` (resumed
            from when present) and ``logdir/final_eval.yml``, and returns the final
            evaluation metrics (``{"return_mean": ..., ...}``).
        default_config: ``default_config(env_id)`` returns the algorithm's configuration
            for that environment as a flat dict of dotted keys (``"agent.lr"``), with at
            least ``"env.id"`` and ``"train.timesteps"``.
        default_env: the environment ``lagom train NAME`` uses when none is given.
        action_spaces: which action spaces it supports: ``"discrete"``, ``"continuous"``.
        make_policy: ``make_policy(run_dir, device)`` rebuilds the trained deterministic
            policy (observation batch -> action batch, numpy in and out) from a finished
            run's folder, for ``lagom eval``.

    Example:
        >>> algo = Algorithm(
        ...     name="noop", summary="does nothing", run=lambda c, s, d, l: {},
        ...     default_config=lambda env_id: {"env.id": env_id, "train.timesteps": 0},
        ...     default_env="CartPole-v1", action_spaces=("discrete",),
        ...     make_policy=lambda run_dir, device: (lambda obs: obs),
        ... )
        >>> algo.default_config("CartPole-v1")["env.id"]
        'CartPole-v1'
    """

    name: str
    summary: str
    run: RunFn
    default_config: Callable[[str], dict[str, Any]]
    default_env: str
    action_spaces: tuple[str, ...]
    make_policy: Callable[[Path, str], Callable[[Any], Any]]
