r"""The policy-search loop over any :class:`~lagom.es.BaseES`: :func:`run_policy_search`.

Each generation ``g``::

    x_1..x_P = es.ask()
    R_i = mean return of policy(x_i) over E episodes reset with episode_seeds(seed, g, P, E)[i]
    es.tell(x, -R)                                   # everything minimizes

and one ``progress.csv`` row: ``iteration`` (generations done), ``timesteps`` (env steps so
far), ``time``, ``train_return`` (mean of ``R``), ``best_return`` (max of ``R``), ``fbest``
(best fitness ever, ``-`` the best mean return), ``sigma`` (mean per-coordinate std of the
search distribution). ES runs count generations, not env steps: ``train.generations`` sets the
length and ``train.stop_at`` is a generation count. The checkpoint pickles the ES object
(pycma's object for CMA-ES, the frozen state for CEM and OpenAI-ES), the counters, the random
generators' states and the best solution; the policy is a numpy function, so ``device`` is
accepted for the common signature and not used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from lagom._types import Float64Array
from lagom.baselines._common import (
    evaluate_policy,
    finish,
    load_checkpoint,
    merged_config,
    progress_logger,
    read_run_info,
    restore_rng_state,
    rng_state,
    save_checkpoint,
    start_run,
)
from lagom.baselines._policy_search.policy import Action, FlatPolicy
from lagom.baselines._policy_search.rollouts import PopulationRollouts, episode_seeds
from lagom.es import BaseES
from lagom.utils import set_global_seeds

__all__ = [
    "COMMON_DEFAULTS",
    "ESFactory",
    "check_env",
    "es_seed",
    "make_flat_policy",
    "policy_from_run",
    "run_policy_search",
]

#: ``make_es(x0, seed, cfg)``: the evolution strategy starting at ``x0`` ``[N]``.
ESFactory = Callable[[Float64Array, int, Mapping[str, Any]], BaseES]

#: The keys every policy-search algorithm has, and their defaults.
COMMON_DEFAULTS: dict[str, Any] = {
    "env.id": "CartPole-v1",
    "policy.hidden_sizes": [],
    "train.generations": 50,
    "train.episodes_per_eval": 1,
    "train.workers": 0,
    "train.max_episode_steps": None,
    "train.checkpoint_every": 10,
    "train.stop_at": None,
    "eval.episodes": 20,
    "eval.solution": "mean",
}


def check_env(algorithm: str, env_id: str) -> None:
    """Raise ``ValueError`` unless ``env_id`` exists and :class:`FlatPolicy` can act in it.

    Example:
        >>> check_env("cem", "Pendulum-v1")
        >>> check_env("cem", "Blackjack-v1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: cem cannot act in Blackjack-v1: policy search needs a flat Box observation ...
    """
    try:
        env = gym.make(env_id)
    except gym.error.Error as error:
        raise ValueError(f"{algorithm} cannot create environment {env_id!r}: {error}") from None
    try:
        FlatPolicy(env.observation_space, env.action_space)
    except ValueError as error:
        raise ValueError(f"{algorithm} cannot act in {env_id}: {error}") from None
    finally:
        env.close()


def es_seed(seed: int) -> int:
    """The ES's own seed, in ``[1, 2**32 - 1]`` (pycma reads 0 as "seed from the clock").

    Example:
        >>> es_seed(0), es_seed(2**32 - 1)
        (1, 1)
    """
    return int(seed) % (2**32 - 1) + 1


def make_flat_policy(cfg: Mapping[str, Any]) -> FlatPolicy:
    """The :class:`FlatPolicy` of ``cfg["env.id"]`` with ``cfg["policy.hidden_sizes"]``.

    Example:
        >>> make_flat_policy({"env.id": "CartPole-v1", "policy.hidden_sizes": [8]}).num_params
        58
    """
    env = gym.make(str(cfg["env.id"]))
    try:
        hidden = [int(h) for h in cfg["policy.hidden_sizes"]]
        return FlatPolicy(env.observation_space, env.action_space, hidden)
    finally:
        env.close()


def _check(cfg: Mapping[str, Any]) -> None:
    for key, low in (
        ("train.generations", 1),
        ("train.episodes_per_eval", 1),
        ("train.workers", 0),
        ("train.checkpoint_every", 1),
        ("eval.episodes", 1),
    ):
        value = cfg[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{key} must be an int >= {low}, got {value!r}")
    if cfg["eval.solution"] not in ("mean", "best"):
        raise ValueError(f"eval.solution must be 'mean' or 'best', got {cfg['eval.solution']!r}")


def _solution(state: Mapping[str, Any], which: str) -> Float64Array:
    """The evaluated solution of a checkpoint: the ES mean, or the best candidate ever."""
    x = state["xbest"] if which == "best" and state["xbest"] is not None else state["xmean"]
    return np.asarray(x, dtype=np.float64)


def run_policy_search(
    algorithm: str,
    make_es: ESFactory,
    default_config: Callable[[str], dict[str, Any]],
    config: Mapping[str, Any],
    seed: int,
    logdir: Path,
) -> dict[str, float]:
    """Train ``algorithm``'s ES on ``config`` (dotted keys over ``default_config(env_id)``).

    Writes ``run.yml``, ``progress.csv`` (one row per generation), ``checkpoint.pt`` (every
    ``train.checkpoint_every`` generations and at the end; resumed from when present) and
    ``final_eval.yml`` (``eval.episodes`` deterministic episodes of the ES mean, or of the best
    candidate with ``eval.solution: best``). Returns the final evaluation, or ``{}`` when
    ``train.stop_at`` generations stopped the run early.

    Raises:
        ValueError: an unknown configuration key or a bad value.

    Example:
        >>> import tempfile
        >>> from lagom.baselines.cem import default_config, make_es
        >>> config = {"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 3}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = run_policy_search("cem", make_es, default_config, config, 0, Path(logdir))
        ...     act = policy_from_run(Path(logdir))
        >>> metrics["episodes"], metrics["return_max"] <= 20, act(np.zeros((2, 4))).shape
        (3.0, True, (2,))
    """
    cfg = merged_config(default_config(config.get("env.id", COMMON_DEFAULTS["env.id"])), config)
    _check(cfg)
    logdir = Path(logdir)
    start_run(logdir, algorithm, cfg, seed)
    set_global_seeds(seed)
    policy = make_flat_policy(cfg)
    generations, episodes = int(cfg["train.generations"]), int(cfg["train.episodes_per_eval"])
    state = load_checkpoint(logdir)
    if state is None:
        es = make_es(np.zeros(policy.num_params), es_seed(seed), cfg)
        generation, timesteps, elapsed = 0, 0, 0.0
    else:
        es, generation, timesteps = state["es"], state["generation"], state["timesteps"]
        elapsed = state["time"]
        restore_rng_state(state["rng"])
    logger = progress_logger(logdir)
    stop_at, every = cfg["train.stop_at"], int(cfg["train.checkpoint_every"])
    t0 = time.perf_counter() - elapsed

    def checkpoint() -> dict[str, Any]:
        result = es.result
        ckpt = {"es": es, "generation": generation, "timesteps": timesteps}
        ckpt |= {"time": time.perf_counter() - t0, "rng": rng_state()}
        ckpt |= {"xmean": np.array(result.xfavorite), "xbest": result.xbest}
        save_checkpoint(logdir, ckpt)
        return ckpt

    max_steps = cfg["train.max_episode_steps"]
    env_id, hidden = str(cfg["env.id"]), [int(h) for h in cfg["policy.hidden_sizes"]]
    with PopulationRollouts(env_id, max_steps, hidden, int(cfg["train.workers"])) as rollouts:
        while generation < generations:
            solutions = es.ask()
            seeds = episode_seeds(seed, generation, len(solutions), episodes)
            returns, steps = rollouts(solutions, seeds)
            es.tell(solutions, -returns)
            generation += 1
            timesteps += int(steps.sum())
            result = es.result
            row: dict[str, float] = {"iteration": generation, "timesteps": timesteps}
            row |= {"time": time.perf_counter() - t0, "train_return": float(returns.mean())}
            row |= {"best_return": float(returns.max()), "fbest": float(result.fbest)}
            row |= {"sigma": float(np.mean(result.stds))}
            for key, value in row.items():
                logger(key, value)
            logger.write_row()
            if generation % every == 0 and generation < generations:
                checkpoint()
            if stop_at is not None and generation >= int(stop_at) and generation < generations:
                checkpoint()
                return {}
    final = checkpoint()
    act = policy.bind(_solution(final, str(cfg["eval.solution"])))
    metrics = evaluate_policy(
        act,
        lambda: gym.make(env_id, max_episode_steps=max_steps),
        int(cfg["eval.episodes"]),
        seed + 10_000,
    )
    return finish(logdir, metrics)


def policy_from_run(run_dir: Path) -> Action:
    """The trained deterministic policy of a finished policy-search run (numpy batch in and
    out), from its ``run.yml`` and final ``checkpoint.pt``.

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.
    """
    info = read_run_info(Path(run_dir))
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    cfg = info["config"]
    return make_flat_policy(cfg).bind(_solution(state, str(cfg["eval.solution"])))
