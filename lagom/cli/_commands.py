"""The four subcommands of ``lagom``. Heavy imports (torch, gymnasium) happen inside them."""

from __future__ import annotations

import argparse
import math
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrs import AttrsInstance

    from lagom.baselines import Algorithm

__all__ = ["UsageError", "cmd_eval", "cmd_list", "cmd_plot", "cmd_train", "train_config"]


class UsageError(Exception):
    """A mistake in the command line or its inputs; reported as one line, exit status 2.

    Example:
        >>> try:
        ...     _algorithm("nope")
        ... except UsageError as error:
        ...     print(f"lagom: error: {error}")  # doctest: +ELLIPSIS
        lagom: error: unknown algorithm 'nope'; choose one of: cem, ...
        >>> issubclass(UsageError, Exception)
        True
    """


def _algorithm(name: str) -> Algorithm:
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


def _check_device(device: str) -> None:
    from lagom.baselines.common import choose_device

    try:
        choose_device(device)
    except ValueError as error:
        raise UsageError(str(error)) from None


def train_config(
    algo: Algorithm, env: str | None, sets: list[str], steps: int | None
) -> AttrsInstance:
    """The typed configuration ``lagom train`` runs: ``algo.default_config(env)`` with the
    ``--set KEY=VALUE`` items read by their fields' types and ``--steps`` as
    ``algo.steps_key``.

    Raises:
        UsageError: an unknown environment or key, a value of the wrong type or range.

    Example:
        >>> from lagom.baselines import get_algorithm
        >>> cfg = train_config(get_algorithm("ppo"), None, ["agent.gamma=0.9"], 5000)
        >>> cfg.agent.gamma, cfg.train.timesteps
        (0.9, 5000)
        >>> train_config(get_algorithm("ppo"), None, ["agent.gama=0.9"], None)
        Traceback (most recent call last):
        ...
        lagom.cli._commands.UsageError: unknown config key 'agent.gama'; did you mean 'agent.gamma'?
    """
    from lagom.experiment import from_dotted, parse_dotted

    env_id = env or algo.default_env
    _check_env(env_id)
    try:
        base = algo.default_config(env_id)
        overrides = parse_dotted(base, sets)
        if steps is not None:
            if steps < 1:
                raise UsageError(f"--steps must be a positive integer, got {steps}")
            overrides[algo.steps_key] = steps
        return from_dotted(base, overrides)
    except ValueError as error:
        raise UsageError(str(error)) from None


def cmd_train(args: argparse.Namespace) -> int:
    """``lagom train``: one run per seed through ``run_experiment``, then a summary and a PNG."""
    from lagom.experiment import Config, SweepError, run_experiment, to_dotted
    from lagom.utils import FolderLockedError

    algo = _algorithm(args.algo)
    cfg = to_dotted(train_config(algo, args.env, args.set, args.steps))
    _check_device(args.device)
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if len(set(args.seeds)) != len(args.seeds):
        raise UsageError(f"--seeds must be distinct, got {args.seeds}")
    env_id = cfg.get("env.id", args.env or algo.default_env)
    log_dir = Path(args.log_dir or Path("logs") / f"{algo.name}-{env_id}")
    if log_dir.exists() and not log_dir.is_dir():
        raise UsageError(f"--log-dir {log_dir} is a file, not a folder")
    print(f"lagom: training {algo.name} on {env_id}, seeds {args.seeds}, logs in {log_dir}")
    failed = 0
    # SIGTERM (kill, a scheduler's stop) ends the sweep as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
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
    except FolderLockedError as error:
        print(f"lagom: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        step = _last_step(log_dir)
        where = f" at step {step}" if step is not None else ""
        print(f"lagom: interrupted{where}; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_summary(args.seeds, results)
    _plot_quietly(log_dir, "timesteps", "train_return", log_dir / "learning_curve.png")
    return 1 if failed else 0


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _last_step(log_dir: Path) -> int | None:
    """The largest ``timesteps`` in the last rows of the sweep's ``progress.csv`` files."""
    import csv

    steps = []
    for path in log_dir.glob("*/*/progress.csv"):
        try:
            with path.open(newline="") as f:
                rows = list(csv.DictReader(f))
            steps.append(int(float(rows[-1]["timesteps"])))
        except (OSError, IndexError, KeyError, ValueError):
            continue
    return max(steps) if steps else None


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
    except (ValueError, KeyError, OSError) as error:  # OSError: e.g. the disk is full
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

    from lagom.baselines.common import evaluate_policy, read_run_info

    run_dir = Path(args.run_dir)
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    _check_device(args.device)
    try:
        info = read_run_info(run_dir)
        algo = _algorithm(info.algorithm)
        policy = algo.make_policy(run_dir, args.device)
    except ValueError as error:
        raise UsageError(str(error)) from None
    env_id = str(info.config.get("env.id", algo.default_env))
    metrics = evaluate_policy(policy, lambda: gym.make(env_id), args.episodes, 2**20 + info.seed)
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
