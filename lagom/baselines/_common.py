"""Plumbing shared by the reference algorithms: configs, environments, checkpoints, evaluation.

Every algorithm's ``run(config, seed, device, logdir)`` follows the same life cycle, and these
functions are its steps:

1. ``cfg = merged_config(ALGORITHM.default_config(env_id), config)``;
2. ``start_run(logdir, "ppo", cfg, seed)`` (writes ``run.yml``, read back by ``lagom eval``),
   ``set_global_seeds(seed)``, then ``state = load_checkpoint(logdir)`` (``None`` on a fresh
   start) and ``restore_rng_state(state["rng"])`` when resuming;
3. training, logging one CSV row per iteration with ``progress_logger(logdir)``, and
   ``save_checkpoint(logdir, {..., "rng": rng_state()})`` every so often;
4. ``finish(logdir, evaluate_policy(policy, env_id, episodes, seed))``.

Example:
    >>> merged_config({"agent.lr": 1e-3, "env.id": "CartPole-v1"}, {"agent.lr": 3e-4, "ID": 0})
    {'agent.lr': 0.0003, 'env.id': 'CartPole-v1', 'ID': 0}
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lagom.logger import Logger
from lagom.utils import atomic_write, yaml_dump, yaml_load

__all__ = [
    "CHECKPOINT_FILE",
    "FINAL_EVAL_FILE",
    "PROGRESS_FILE",
    "RUN_INFO_FILE",
    "evaluate_policy",
    "finish",
    "load_checkpoint",
    "merged_config",
    "progress_logger",
    "read_run_info",
    "restore_rng_state",
    "rng_state",
    "save_checkpoint",
    "start_run",
]

PROGRESS_FILE = "progress.csv"
CHECKPOINT_FILE = "checkpoint.pt"
FINAL_EVAL_FILE = "final_eval.yml"
RUN_INFO_FILE = "run.yml"


def merged_config(defaults: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` overridden by ``config``; keys of ``config`` unknown to ``defaults`` are
    kept only when they are bookkeeping (``"ID"``) and otherwise rejected.

    Raises:
        ValueError: ``config`` has a key the algorithm does not know (the message lists the
            known keys), so a typo in ``--set`` never passes silently.

    Example:
        >>> merged_config({"a": 1}, {"b": 2})
        Traceback (most recent call last):
        ...
        ValueError: unknown config key 'b'; known keys: a
    """
    unknown = sorted(set(config) - set(defaults) - {"ID"})
    if unknown:
        raise ValueError(
            f"unknown config key {unknown[0]!r}; known keys: {', '.join(sorted(defaults))}"
        )
    return {**defaults, **config}


def start_run(logdir: Path, algorithm: str, cfg: Mapping[str, Any], seed: int) -> Path:
    """Write ``logdir/run.yml`` (algorithm name, seed, full configuration), atomically.

    ``lagom eval`` and :func:`read_run_info` read it back to rebuild the policy of a run.
    """
    Path(logdir).mkdir(parents=True, exist_ok=True)
    info = {"algorithm": algorithm, "seed": int(seed), "config": dict(cfg)}
    return yaml_dump(info, Path(logdir) / Path(RUN_INFO_FILE).stem, ext=".yml")


def read_run_info(logdir: Path) -> dict[str, Any]:
    """The ``run.yml`` of a run folder: ``{"algorithm", "seed", "config"}``.

    Raises:
        ValueError: ``logdir`` holds no ``run.yml`` (it is not a run folder).
    """
    path = Path(logdir) / RUN_INFO_FILE
    if not path.exists():
        raise ValueError(f"{logdir} is not a run folder: it has no {RUN_INFO_FILE}")
    info: dict[str, Any] = yaml_load(path)
    return info


def progress_logger(logdir: Path) -> Logger:
    """A :class:`~lagom.logger.Logger` appending one row per iteration to ``logdir/progress.csv``.

    Rows are flushed as they are written, so a crash loses at most the current iteration; a
    resumed run appends to the rows already there.
    """
    return Logger(csv_path=Path(logdir) / PROGRESS_FILE)


def rng_state() -> dict[str, Any]:
    """The states of Python's, numpy's global and torch's CPU random generators."""
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002 - set_global_seeds seeds it
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Restore the generators from :func:`rng_state`'s output."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002 - restores what rng_state saved
    torch.set_rng_state(state["torch"])


def save_checkpoint(logdir: Path, state: Mapping[str, Any]) -> Path:
    """Write ``state`` to ``logdir/checkpoint.pt`` atomically (temporary file, then rename).

    ``state`` holds everything needed to continue bit-for-bit: ``state_dict()`` of networks
    and optimizers, normalizer statistics, counters, replay buffers and ``rng_state()``.
    """
    return atomic_write(Path(logdir) / CHECKPOINT_FILE, lambda f: torch.save(dict(state), f))


def load_checkpoint(logdir: Path) -> dict[str, Any] | None:
    """The state saved by :func:`save_checkpoint` in ``logdir``, or ``None`` when there is none."""
    path = Path(logdir) / CHECKPOINT_FILE
    if not path.exists():
        return None
    state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    return state


def evaluate_policy(
    policy: Callable[[np.ndarray[Any, Any]], Any],
    make_env: Callable[[], Any],
    episodes: int,
    seed: int,
) -> dict[str, float]:
    """Run ``episodes`` episodes of a deterministic ``policy`` (one observation batch of size 1
    in, one action batch out) on fresh environments from ``make_env``.

    Episode ``i`` resets with seed ``seed + i``, so evaluations are reproducible and do not
    share the training environments' random streams.

    Returns:
        ``return_mean``, ``return_std``, ``return_min``, ``return_max``, ``horizon_mean``,
        ``episodes``.
    """
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    env = make_env()
    returns: list[float] = []
    horizons: list[int] = []
    try:
        for i in range(episodes):
            obs, _ = env.reset(seed=seed + i)
            total, steps, done = 0.0, 0, False
            while not done:
                action = np.asarray(policy(np.asarray(obs)[None]))[0]
                obs, reward, terminated, truncated, _ = env.step(action)
                total += float(reward)
                steps += 1
                done = bool(terminated or truncated)
            returns.append(total)
            horizons.append(steps)
    finally:
        env.close()
    r = np.asarray(returns)
    return {
        "return_mean": float(r.mean()),
        "return_std": float(r.std()),
        "return_min": float(r.min()),
        "return_max": float(r.max()),
        "horizon_mean": float(np.mean(horizons)),
        "episodes": float(episodes),
    }


def finish(logdir: Path, metrics: Mapping[str, float]) -> dict[str, float]:
    """Write the final evaluation to ``logdir/final_eval.yml`` and return it."""
    out = {key: float(value) for key, value in metrics.items()}
    yaml_dump(out, Path(logdir) / Path(FINAL_EVAL_FILE).stem, ext=".yml")
    return out
