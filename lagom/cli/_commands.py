"""The subcommands of ``lagom``. Heavy imports (torch, gymnasium) happen inside them, after
the checks of :mod:`lagom.cli._early`."""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import re
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lagom.baselines.algorithm import (
    BEST_POLICY_FILE,
    CONFIG_FILE,
    POLICY_FILE,
    PROGRESS_FILE,
    RUN_INFO_FILE,
)
from lagom.cli._config import check_env, show_config, train_config
from lagom.cli._early import (
    BUILTIN_DEFAULTS,
    UsageError,
    check_sinks_installed,
    check_train_args,
    early_env,
    early_steps,
    known_algorithm,
)
from lagom.cli._monitor import RunMonitor

if TYPE_CHECKING:
    from lagom.baselines import Algorithm

__all__ = [
    "UsageError",
    "cmd_eval",
    "cmd_list",
    "cmd_plot",
    "cmd_show",
    "cmd_train",
    "train_config",
]


def _algorithm(name: str) -> Algorithm:
    from lagom.baselines import get_algorithm

    try:
        return get_algorithm(name)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _check_device(device: str) -> None:
    from lagom.baselines.common import choose_device

    try:
        choose_device(device)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _default_steps(algo: str, env: str | None) -> str | None:
    """The training length of a built-in algorithm's default configuration for ``env`` (its
    zoo entry), read without torch; ``None`` for a plug-in."""
    from lagom.baselines import base_config

    key = BUILTIN_DEFAULTS.get(algo, ("", ""))[1]
    if not key:
        return None
    try:
        config: Any = base_config(algo, env)
        return str(getattr(config.train, key.rpartition(".")[2]))
    except (AttributeError, TypeError, ValueError):
        return None


def _header(algo: str, env: str | None, steps: str | None, seeds: list[int], log_dir: str) -> str:
    """``lagom: train ppo on CartPole-v1, 100,000 steps, seeds [0], logs in DIR``."""
    where = f" on {env}" if env else ""
    if steps is None:
        steps = _default_steps(algo, env)
    try:  # thousands separated, as the progress display writes them; "1e6" as 1,000,000
        number = float(steps) if steps is not None else math.nan
        steps = f"{int(number):,}" if number.is_integer() else steps
    except (ValueError, OverflowError):
        pass  # text a later check refuses; shown as given
    length = f"{steps} steps" if steps is not None else "default steps"
    if BUILTIN_DEFAULTS.get(algo, ("", ""))[1] == "train.generations" and steps is not None:
        length = f"{steps} generations"
    return f"lagom: train {algo}{where}, {length}, seeds {seeds}, logs in {log_dir}"


def cmd_train(args: argparse.Namespace) -> int:
    """``lagom train``: one run per seed through ``run_experiment``, then a summary and a PNG.

    The checks of :func:`~lagom.cli._early.check_train_args` and the header come before
    torch is imported; :func:`~lagom.cli._config.train_config` then needs the algorithm's
    module. ``args.quiet`` turns off the header and the progress display.
    """
    file_values = check_train_args(args)
    quiet = bool(args.quiet)
    env_id = early_env(args, file_values)
    if env_id is None:  # a plug-in (or a new built-in): its default env needs its module
        env_id = _algorithm(args.algo).default_env
    log_dir = Path(args.log_dir or Path("logs") / f"{args.algo}-{env_id}")
    if not quiet:
        header = _header(
            args.algo, env_id, early_steps(args, file_values), args.seeds, str(log_dir)
        )
        print(header, flush=True)
    if env_id is not None:
        check_env(env_id)  # gymnasium's registry, before torch is imported
    algo = _algorithm(args.algo)
    config = train_config(algo, args.env, args.set, args.steps, file_values)
    check_sinks_installed(getattr(getattr(config, "train", None), "log", ()))
    _check_device(args.device)
    return _run_jobs(algo, config, args, log_dir, quiet=quiet)


def _run_jobs(
    algo: Algorithm, config: Any, args: argparse.Namespace, log_dir: Path, *, quiet: bool
) -> int:
    """Run the sweep of ``config`` over ``args.seeds``; the summary, the learning curve, and
    the exit status (1 when a run failed)."""
    from lagom.experiment import Config, SweepError, run_experiment, to_dotted
    from lagom.utils import FolderLockedError

    failed, refused = 0, True
    monitor = _monitor(config, args.seeds, log_dir, quiet=quiet)
    # SIGTERM (kill, a scheduler's stop) ends the sweep as Ctrl-C does; once: a second
    # signal while the workers stop is ignored (no traceback, the exit status stays 130).
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in _STOP_SIGNALS}
    # The sweep's summary line ("run_experiment: 2 jobs in ...") waits for the display's
    # last line: printed at once, it would land in the middle of a terminal's live bar. (The
    # runs go on in worker processes: nothing else of theirs waits.)
    held = io.StringIO()
    try:
        hold = contextlib.redirect_stdout(held) if monitor is not None else None
        with hold or contextlib.nullcontext():
            results = run_experiment(
                algo.run,
                Config(to_dotted(config)),
                args.seeds,
                log_dir,
                max_workers=args.workers,  # the sweep starts no more than one per job
                use_gpu=args.device.startswith("cuda"),
                # cuda:N pins every run to GPU N; plain cuda spreads them over all GPUs.
                gpu_ids=[int(args.device[5:])] if args.device.startswith("cuda:") else None,
                overwrite=args.overwrite,
                # The monitor shows steps; the sweep's own bar (jobs done) only without one.
                progress=False if quiet else "summary" if monitor is not None else True,
                # A run stopped early by train.stop_at continues with another (or none).
                resumable_keys=["train.stop_at"],
            )
        refused = False
    except SweepError as error:
        results = list(error.results)
        failed, refused = len(error.failed), False
    except ValueError as error:
        # The sweep's own checks (a log folder of another configuration): one line, in the
        # command's words.
        message = str(error).replace("pass overwrite=True", "pass --overwrite")
        raise UsageError(message.replace("another log_dir", "another --log-dir")) from None
    except FolderLockedError as error:
        print(f"lagom: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        refused = False
        step = _last_step(log_dir)
        where = f" at step {step:,}" if step is not None else ""
        # --overwrite would start afresh again: the command that resumes goes without it.
        again = (
            "the command again without --overwrite" if args.overwrite else "the same command again"
        )
        print(f"lagom: interrupted{where}; run {again} to resume", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if monitor is not None:
            # A sweep refused before it ran (another configuration in the folder, a folder
            # in use) shows no progress: the bar would read as training done.
            monitor.stop(final=not refused)
        print(held.getvalue(), end="")
    _print_summary(args.seeds, results)
    _plot_quietly(log_dir, "timesteps", "train_return", log_dir / "learning_curve.png")
    return 1 if failed else 0


def _monitor(config: Any, seeds: list[int], log_dir: Path, *, quiet: bool) -> RunMonitor | None:
    """A started :class:`RunMonitor` of the runs (``None`` when quiet or when the
    configuration names no length: a plug-in's may not)."""
    train = getattr(config, "train", None)
    if quiet or train is None:
        return None
    for field, key in (("timesteps", "timesteps"), ("generations", "iteration")):
        total = getattr(train, field, None)
        if isinstance(total, int) and total > 0:
            return RunMonitor(log_dir, seeds, total, step_key=key).start()
    return None


def cmd_show(args: argparse.Namespace) -> int:
    """``lagom show``: the default configuration of an algorithm for an environment, as a
    ``--config`` YAML file on stdout."""
    known_algorithm(args.algo)
    if args.env is not None and not args.env.strip():  # before the algorithm (and torch)
        raise UsageError("--env must name an environment, got an empty string")
    print(show_config(_algorithm(args.algo), args.env), end="")
    return 0


#: The signals that stop ``lagom train`` (exit status 130).
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _raise_interrupt(signum: int, frame: object) -> None:
    for sig in _STOP_SIGNALS:  # the first one stops the sweep; the rest are ignored
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt


def _last_step(log_dir: Path) -> int | None:
    """The largest ``timesteps`` in the last rows of the sweep's ``progress.csv`` files."""
    import csv

    steps = []
    for path in log_dir.glob(f"*/*/{PROGRESS_FILE}"):
        try:
            with path.open(newline="") as f:
                rows = list(csv.DictReader(f))
            steps.append(int(float(rows[-1]["timesteps"])))
        except (OSError, IndexError, KeyError, ValueError, OverflowError, csv.Error):
            continue  # a file a crash or a user damaged: the step of the others
    return max(steps) if steps else None


def _print_summary(seeds: list[int], results: list[Any]) -> None:
    """The table of the seeds' final returns: ``failed`` for a run that failed (``None``),
    ``stopped`` for one that ``train.stop_at`` ended before its length (``{}``: no final
    evaluation)."""
    print(f"{'seed':>6}  {'return mean':>12}  {'return std':>10}")
    means = []
    stopped = False
    for seed, result in zip(seeds, results, strict=False):
        if not result:
            stopped = stopped or result is not None
            print(f"{seed:>6}  {'failed' if result is None else 'stopped':>12}")
            continue
        means.append(float(result["return_mean"]))
        print(f"{seed:>6}  {result['return_mean']:>12.2f}  {result['return_std']:>10.2f}")
    if len(means) > 1:
        mean = sum(means) / len(means)
        spread = math.sqrt(sum((m - mean) ** 2 for m in means) / len(means))
        print(f"{'all':>6}  {mean:>12.2f}  {spread:>10.2f}")
    if stopped:
        print("stopped: train.stop_at ended the run before its length; no final evaluation")
    for seed, result in zip(seeds, results, strict=False):
        if result and "best_eval_step" in result:  # eval.every: the best evaluation's step
            print(
                f"seed {seed}: best evaluation {result['best_eval_return']:.2f} at step "
                f"{int(result['best_eval_step']):,} ({BEST_POLICY_FILE})"
            )


def _plot_quietly(log_dir: Path, x: str, y: str, out: Path) -> None:
    try:
        path = _plot(log_dir, x, y, out)
    except (ValueError, KeyError, OSError) as error:  # OSError: e.g. the disk is full
        print(f"lagom: no learning curve written ({error})")
    except ModuleNotFoundError as error:  # trained without the vis extra: say so, exit 0
        if (error.name or "").partition(".")[0] != "matplotlib":
            raise
        print('lagom: no learning curve written (it needs matplotlib: pip install "lagom[vis]")')
    else:
        print(f"lagom: learning curve in {path}")


def _plot(log_dir: Path, x: str, y: str, out: Path, **options: Any) -> Path:
    """Plot ``y`` over ``x`` of every configuration of the sweep in ``log_dir`` to ``out``
    (axis labels from :data:`lagom.vis.AXIS_LABELS`; ``options`` go to ``plot_curves``)."""
    from lagom.vis import plot_curves, read_xy

    data = read_xy(log_dir, PROGRESS_FILE, x, y)
    plot_curves(data, out=out, x=x, y=y, title=log_dir.name, **options)
    return out


def _check_sweep_folder(log_dir: Path) -> None:
    """Raise :class:`UsageError` naming a sweep folder (the one holding ``sweep.yml``) when
    ``log_dir`` is not one but lies inside one or holds some."""
    from lagom.experiment import SWEEP_FILE

    if (log_dir / SWEEP_FILE).is_file():
        return
    what = f"{log_dir} is not a sweep folder: LOG_DIR is the folder holding {SWEEP_FILE}"
    for parent in log_dir.parents:
        if (parent / SWEEP_FILE).is_file():
            raise UsageError(f"{what}, here {parent}")
    inside = sorted(path.parent for path in log_dir.glob(f"*/{SWEEP_FILE}"))
    if inside:
        raise UsageError(f"{what}, such as {inside[0]}")


#: read_xy's message for a column not in a log, in the words of the library's API.
_NO_COLUMN = re.compile(r"get_([xy]) key (.+?) is not in (.+?); its keys are \[(.*)\]", re.S)


def cmd_plot(args: argparse.Namespace) -> int:
    """``lagom plot``: mean learning curve with a std band per configuration, as a PNG."""
    log_dir = Path(args.log_dir)
    if not log_dir.is_dir():
        raise UsageError(f"{log_dir} is not a folder")
    _check_sweep_folder(log_dir)
    if args.out is not None and not args.out.strip():
        raise UsageError("--out must name a file, got an empty string")
    out = Path(args.out) if args.out else log_dir / "learning_curve.png"
    try:
        options = {"band": args.band, "estimator": args.estimator, "smooth": args.smooth}
        path = _plot(log_dir, args.x, args.y, out, **options)
    except (ValueError, KeyError) as error:
        found = _NO_COLUMN.fullmatch(str(error))
        if found is None:  # plot_curves names its argument out: the flag is --out
            raise UsageError(re.sub(r"^out must ", "--out must ", str(error))) from None
        axis, key, where, keys = found.groups()
        columns = keys.replace("'", "")
        raise UsageError(
            f"--{axis} {key} is not a column of {where}; its columns: {columns}"
        ) from None
    print(path)
    return 0


def _check_run_folder(run_dir: Path) -> None:
    """Raise :class:`UsageError` unless ``run_dir`` holds a ``run.yml``: no such folder, a
    file, or a folder around runs (a sweep's or a configuration's: one of its runs named)."""
    if (run_dir / RUN_INFO_FILE).is_file():
        return
    if not run_dir.exists():
        raise UsageError(f"{run_dir} does not exist")
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is a file, not a run folder (LOG_DIR/<ID>/<seed>)")
    runs: list[Path] = []
    for depth in ("*", "*/*", "*/*/*"):  # a config's, a sweep's, ...
        runs = runs or sorted(path.parent for path in run_dir.glob(f"{depth}/{RUN_INFO_FILE}"))
    where = f"; RUN_DIR is one run, LOG_DIR/<ID>/<seed>, such as {runs[0]}" if runs else ""
    raise UsageError(f"{run_dir} is not a run folder: it has no {RUN_INFO_FILE}{where}")


def cmd_eval(args: argparse.Namespace) -> int:
    """``lagom eval``: episodes with the trained policy of one run (deterministic, or
    sampled with ``--stochastic``), rendered with ``--render``."""
    run_dir = Path(args.run_dir)
    _check_run_folder(run_dir)
    import gymnasium as gym

    from lagom.baselines import load_policy
    from lagom.baselines.common import evaluate_policy, read_run_info
    from lagom.baselines.common import make_env as common_make_env
    from lagom.cli._eval import FrameCounter, frame_counter, stochastic_policy

    _check_device(args.device)
    name = BEST_POLICY_FILE if args.best else POLICY_FILE
    try:
        info = read_run_info(run_dir)
        algo = _algorithm(info.algorithm)
        seed = 2**20 + info.seed
        if args.best and not (run_dir / name).is_file():
            raise UsageError(
                f"--best: {run_dir} has no {name}; a run writes it when it evaluates its "
                "policy during training (eval.every > 0)"
            )
        if args.stochastic:
            policy = stochastic_policy(algo.name, run_dir, args.device, seed, name=name)
        else:  # a policy file that does not fit the run is a ValueError here
            policy = load_policy(run_dir, args.device, name=name)
    except ValueError as error:
        raise UsageError(str(error)) from None
    except (KeyError, RuntimeError) as error:
        # A policy file without this algorithm's tensors, or of other shapes than config.yml.
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise UsageError(
            f"{run_dir}: {name} does not fit the {info.algorithm} policy its {CONFIG_FILE} "
            f"describes ({type(error).__name__}: {first:.200})"
        ) from None
    env_id = str(info.config.get("env.id", algo.default_env))
    check_env(env_id)
    counter = FrameCounter()
    # An evolution strategy's episode limit (train.max_episode_steps), which its training
    # and final evaluation give gym.make.
    limit = info.config.get("train.max_episode_steps")

    def make_env() -> gym.Env[Any, Any]:
        # As the run's own evaluation makes it: Atari preprocessed and stacked (unclipped
        # rewards), MinAtar registered; not the bare gym.make of the id.
        if isinstance(limit, int) and not isinstance(limit, bool):
            env = gym.make(env_id, max_episode_steps=limit, render_mode=args.render)
        else:
            env = common_make_env(env_id, clip_reward=False, render_mode=args.render)
        return frame_counter(env, counter) if args.render == "rgb_array" else env

    try:
        metrics = evaluate_policy(policy, make_env, args.episodes, seed)
    except gym.error.DependencyNotInstalled as error:
        raise UsageError(f"--render {args.render}: {error}") from None
    for key, value in metrics.items():
        print(f"{key:>14}: {value:.2f}")
    if args.render == "rgb_array":
        shape = "x".join(map(str, counter.shape)) if counter.shape else "none"
        print(f"{'frames':>14}: {counter.frames} (shape {shape})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """``lagom list``: name, default environment, action spaces and summary of each algorithm."""
    from lagom.baselines import list_algorithms

    rows: list[tuple[str, str, str, str]] = []
    for name in list_algorithms():
        algo = _algorithm(name)
        rows.append((name, algo.default_env, "/".join(algo.action_spaces), algo.summary))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, env_id, spaces, summary in rows:
        print(f"{name:<{widths[0]}}  {env_id:<{widths[1]}}  {spaces:<{widths[2]}}  {summary}")
    return 0
