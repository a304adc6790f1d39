"""The four subcommands of ``lagom``. Heavy imports (torch, gymnasium) happen inside them."""

from __future__ import annotations

import argparse
import contextlib
import math
from pathlib import Path
from typing import Any

import yaml

__all__ = ["UsageError", "cmd_eval", "cmd_list", "cmd_plot", "cmd_train", "parse_sets"]


class UsageError(Exception):
    """A mistake in the command line or its inputs; reported as one line, exit status 2.

    Example:
        >>> try:
        ...     parse_sets(["lr"])
        ... except UsageError as error:
        ...     print(f"lagom: error: {error}")
        lagom: error: --set expects KEY=VALUE, got 'lr'
        >>> issubclass(UsageError, Exception)
        True
    """


def parse_sets(items: list[str]) -> dict[str, Any]:
    """``["a.b=3e-4", "c=[1, 2]"]`` -> ``{"a.b": 0.0003, "c": [1, 2]}``; values are YAML.

    Example:
        >>> parse_sets(["agent.lr=3e-4", "env.normalize_obs=true", "name=x"])
        {'agent.lr': 0.0003, 'env.normalize_obs': True, 'name': 'x'}
        >>> parse_sets(["oops"])
        Traceback (most recent call last):
        ...
        lagom.cli._commands.UsageError: --set expects KEY=VALUE, got 'oops'
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as error:
            raise UsageError(f"--set {key}: cannot read {raw!r} as a value ({error})") from None
        # YAML 1.1 reads "3e-4" as a string; a number is what a user means there.
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        out[key.strip()] = value
    return out


def _algorithm(name: str) -> Any:
    from lagom.baselines import get_algorithm

    try:
        return get_algorithm(name)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _check_env(env_id: str) -> None:
    import gymnasium as gym

    try:
        gym.spec(env_id)
    except gym.error.Error as error:
        raise UsageError(f"unknown environment {env_id!r}: {error}") from None


def _train_config(algo: Any, args: argparse.Namespace) -> dict[str, Any]:
    env_id = args.env or algo.default_env
    _check_env(env_id)
    try:
        defaults: dict[str, Any] = algo.default_config(env_id)
    except ValueError as error:
        raise UsageError(str(error)) from None
    overrides = parse_sets(args.set)
    if args.steps is not None:
        if args.steps < 1:
            raise UsageError(f"--steps must be a positive integer, got {args.steps}")
        key = "train.timesteps" if "train.timesteps" in defaults else "train.generations"
        overrides[key] = args.steps
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise UsageError(
            f"unknown configuration key {unknown[0]!r} for {algo.name}; "
            f"known keys: {', '.join(sorted(defaults))}"
        )
    return {**defaults, **overrides}


def cmd_train(args: argparse.Namespace) -> int:
    """``lagom train``: one run per seed through ``run_experiment``, then a summary and a PNG."""
    from lagom.experiment import Config, SweepError, run_experiment

    algo = _algorithm(args.algo)
    cfg = _train_config(algo, args)
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if len(set(args.seeds)) != len(args.seeds):
        raise UsageError(f"--seeds must be distinct, got {args.seeds}")
    log_dir = Path(args.log_dir or Path("logs") / f"{algo.name}-{cfg['env.id']}")
    print(f"lagom: training {algo.name} on {cfg['env.id']}, seeds {args.seeds}, logs in {log_dir}")
    failed = 0
    try:
        results = run_experiment(
            algo.run,
            Config(cfg),
            args.seeds,
            log_dir,
            max_workers=args.workers,
            use_gpu=args.device == "cuda",
            overwrite=args.overwrite,
        )
    except SweepError as error:
        results = list(error.results)
        failed = len(error.failed)
    _print_summary(args.seeds, results)
    _plot_quietly(log_dir, "timesteps", "train_return", log_dir / "learning_curve.png")
    return 1 if failed else 0


def _print_summary(seeds: list[int], results: list[Any]) -> None:
    print(f"{'seed':>6}  {'return mean':>12}  {'return std':>10}")
    means = []
    for seed, result in zip(seeds, results, strict=False):
        if not result:
            print(f"{seed:>6}  {'failed':>12}")
            continue
        means.append(float(result["return_mean"]))
        print(f"{seed:>6}  {result['return_mean']:>12.2f}  {result['return_std']:>10.2f}")
    if len(means) > 1:
        mean = sum(means) / len(means)
        spread = math.sqrt(sum((m - mean) ** 2 for m in means) / len(means))
        print(f"{'all':>6}  {mean:>12.2f}  {spread:>10.2f}")


def _plot_quietly(log_dir: Path, x: str, y: str, out: Path) -> None:
    try:
        path = _plot(log_dir, x, y, out)
    except (ValueError, KeyError) as error:
        print(f"lagom: no learning curve written ({error})")
    else:
        print(f"lagom: learning curve in {path}")


def _plot(log_dir: Path, x: str, y: str, out: Path) -> Path:
    from lagom.vis import plot_curves, read_xy

    data = read_xy(log_dir, "progress.csv", x, y)
    plot_curves(data, out=out, xlabel=x, ylabel=y, title=log_dir.name)
    return out


def cmd_plot(args: argparse.Namespace) -> int:
    """``lagom plot``: mean learning curve with a std band per configuration, as a PNG."""
    log_dir = Path(args.log_dir)
    if not log_dir.is_dir():
        raise UsageError(f"{log_dir} is not a folder")
    out = Path(args.out) if args.out else log_dir / "learning_curve.png"
    try:
        path = _plot(log_dir, args.x, args.y, out)
    except (ValueError, KeyError) as error:
        raise UsageError(str(error)) from None
    print(path)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``lagom eval``: deterministic episodes with the trained policy of one run."""
    import gymnasium as gym

    from lagom.baselines._common import evaluate_policy, read_run_info

    run_dir = Path(args.run_dir)
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    try:
        info = read_run_info(run_dir)
    except ValueError as error:
        raise UsageError(str(error)) from None
    algo = _algorithm(info["algorithm"])
    policy = algo.make_policy(run_dir, args.device)
    env_id = info["config"]["env.id"]
    metrics = evaluate_policy(policy, lambda: gym.make(env_id), args.episodes, 2**20 + info["seed"])
    for key, value in metrics.items():
        print(f"{key:>14}: {value:.2f}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """``lagom list``: name, default environment, action spaces and summary of each algorithm."""
    from lagom.baselines import list_algorithms

    for name in list_algorithms():
        algo = _algorithm(name)
        spaces = "/".join(algo.action_spaces)
        print(f"{name:<9} {algo.default_env:<16} {spaces:<20} {algo.summary}")
    return 0
