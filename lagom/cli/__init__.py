"""The ``lagom`` command: train, show, plot and evaluate the reference algorithms.

::

    lagom --version
    lagom train ALGO [--env ID] [--config FILE] [--set KEY=VALUE ...] [--steps N]
                     [--seeds S ...] [--workers N] [--log-dir DIR] [--device cpu|cuda[:N]]
                     [--overwrite] [--quiet]
    lagom show ALGO [--env ID]
    lagom plot LOG_DIR [--x KEY] [--y KEY] [--out FILE] [--band std|minmax|ci95]
                       [--estimator mean|iqm] [--smooth N]
    lagom eval RUN_DIR [--episodes N] [--best] [--stochastic] [--render human|rgb_array]
    lagom list

``lagom show ppo > f.yml`` writes PPO's default configuration (the zoo entry of the
environment when there is one) in ``config.yml``'s dotted layout; ``lagom train ppo --config
f.yml`` trains it. A ``--config`` file may be partial, dotted or nested. Precedence, lowest
first: the defaults for the environment, the ``--config`` file, the ``--set`` items in order,
then ``--steps`` and ``--env``.

Exit status:

- ``0``: done;
- ``1``: a sweep in which some runs failed (after the summary), a log folder in use by
  another ``lagom``, or an operating-system error (a full disk, a closed output pipe);
- ``2``: a user error (an unknown algorithm, environment or config key, a bad flag value,
  a missing or invalid ``--config`` file, a folder that is not a log) or a package the
  command needs that is not installed (an extra, named with what to install): one line,
  ``lagom: error: ...``, on stderr. The flags, the ``--set`` syntax and the ``--config``
  file are checked before torch or gymnasium is imported;
- ``130``: interrupted (Ctrl-C or SIGTERM); the same command (without ``--overwrite``) resumes.

Example:
    >>> parser = build_parser()
    >>> args = parser.parse_args(["train", "ppo", "--steps", "2000", "--set", "agent.lr=3e-4"])
    >>> args.command, args.algo, args.steps, args.set, args.quiet
    ('train', 'ppo', 2000, ['agent.lr=3e-4'], False)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

# The commands (and numpy with them) are imported by main(), after its signal handlers.
from lagom.cli._early import UsageError, device_name, positive_int, seed_int, sink_names

__all__ = ["UsageError", "build_parser", "main"]


#: What to install for each optional package the commands import (pyproject.toml's extras).
_EXTRAS = {
    "torch": 'install the torch build you want first (docs/installation.rst), then "lagom[all]"',
    "gymnasium": 'pip install "lagom[all]" (or "lagom[envs]")',
    "yaml": 'pip install "lagom[all]" (or "lagom[experiment]")',
    "cloudpickle": 'pip install "lagom[all]" (or "lagom[experiment]")',
    "cma": 'pip install "lagom[all]" (or "lagom[es]")',
    "matplotlib": 'pip install "lagom[all]" (or "lagom[vis]")',
    "tensorboard": 'pip install "lagom[tensorboard]"',
}


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("lagom")
    except metadata.PackageNotFoundError:
        import lagom

        return str(getattr(lagom, "__version__", "unknown"))


class _Parser(argparse.ArgumentParser):
    """argparse's parser with one-line errors: ``lagom: error: --steps must be ...``."""

    def error(self, message: str) -> NoReturn:
        # "argument --steps: must be ..." reads "--steps must be ..."
        message = re.sub(r"^argument ([^:]+): ", r"\1 ", message)
        self.exit(2, f"lagom: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``lagom`` argument parser with its subcommands; its errors are one line.

    Example:
        >>> build_parser().parse_args(["list"]).command
        'list'
        >>> build_parser().parse_args(["eval", "logs/run", "--stochastic"]).stochastic
        True
    """
    parser = _Parser(
        prog="lagom", description="Train, show, plot and evaluate lagom's reference algorithms."
    )
    parser.add_argument("--version", action="version", version=f"lagom {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train an algorithm (one run per seed)")
    train.add_argument("algo", help="algorithm name, see `lagom list`")
    train.add_argument("--env", help="gymnasium environment ID (default: the algorithm's)")
    train.add_argument(
        "--config",
        metavar="FILE",
        help="YAML configuration, full or partial, dotted or nested (see `lagom show`)",
    )
    train.add_argument("--steps", type=positive_int, help="environment steps (generations for ES)")
    train.add_argument("--seeds", type=seed_int, nargs="+", default=[0], help="seeds (default: 0)")
    train.add_argument("--workers", type=positive_int, default=1, help="parallel runs (default: 1)")
    train.add_argument("--log-dir", help="output folder (default: logs/ALGO-ENV)")
    train.add_argument("--device", type=device_name, default="cpu", help="cpu, cuda or cuda:N")
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=(
            "override a configuration key (dotted, e.g. agent.lr=3e-4) over --config; the "
            "value is read by the key's type (repeatable)"
        ),
    )
    train.add_argument(
        "--overwrite", action="store_true", help="start afresh instead of resuming LOG_DIR"
    )
    train.add_argument(
        "--quiet", action="store_true", help="no header line and no progress display"
    )
    train.add_argument(
        "--log",
        type=sink_names,
        metavar="SINK[,SINK]",
        help=(
            "also log to jsonl (progress.jsonl) and/or tensorboard (tb/, needs "
            '"lagom[tensorboard]"); the config key train.log'
        ),
    )

    show = sub.add_parser("show", help="print an algorithm's default configuration as YAML")
    show.add_argument("algo", help="algorithm name, see `lagom list`")
    show.add_argument("--env", help="gymnasium environment ID (default: the algorithm's)")

    plot = sub.add_parser("plot", help="plot learning curves of a sweep (PNG, PDF or SVG)")
    plot.add_argument("log_dir", help="a folder written by `lagom train`")
    plot.add_argument("--x", default="timesteps", help="x column (default: timesteps)")
    plot.add_argument("--y", default="train_return", help="y column (default: train_return)")
    plot.add_argument(
        "--out", help="PNG, PDF or SVG file, by its suffix (default: LOG_DIR/learning_curve.png)"
    )
    plot.add_argument(
        "--band",
        choices=["std", "minmax", "ci95"],
        default="std",
        help="band around the line: ± std, min-max, or a bootstrap 95%% interval (default: std)",
    )
    plot.add_argument(
        "--estimator",
        choices=["mean", "iqm"],
        default="mean",
        help="the line: mean or interquartile mean over seeds (default: mean)",
    )
    plot.add_argument(
        "--smooth", type=positive_int, default=1, help="moving average over N points (default: 1)"
    )

    evaluate = sub.add_parser("eval", help="evaluate the trained policy of one run")
    evaluate.add_argument("run_dir", help="a run folder: LOG_DIR/<ID>/<seed>")
    evaluate.add_argument(
        "--episodes", type=positive_int, default=20, help="episodes to run (default: 20)"
    )
    evaluate.add_argument("--device", type=device_name, default="cpu", help="cpu, cuda or cuda:N")
    evaluate.add_argument(
        "--stochastic",
        action="store_true",
        help="sample the actions (a ~ pi(.|s)) instead of the deterministic policy",
    )
    evaluate.add_argument(
        "--best",
        action="store_true",
        help=(
            "the policy of the best evaluation during training (best_policy.pt, written "
            "when eval.every > 0) instead of the final one (policy.pt)"
        ),
    )
    evaluate.add_argument(
        "--render",
        choices=["human", "rgb_array"],
        help="show the episodes (human) or render and count their frames (rgb_array)",
    )

    sub.add_parser("list", help="list the reference algorithms")
    return parser


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: stop the command (``KeyboardInterrupt``), once; a second signal
    while it stops is ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lagom`` command and return its exit status (0, 1, 2 or 130: see above).

    As the command (``argv`` ``None``), Ctrl-C and SIGTERM stop it quietly with status 130
    from the start: while its modules import and its parser is built too.

    Example:
        >>> main(["train", "nope"])  # prints "lagom: error: unknown algorithm 'nope'; ..."
        2
    """
    if argv is None:  # the command itself, not a call from Python: the handlers come first
        for sig in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                signal.signal(sig, _interrupt)  # one ignored (nohup, a shell's &) stays so
    try:
        status = _main(argv)
    except KeyboardInterrupt:
        print("lagom: interrupted", file=sys.stderr)
        status = 130
    if status == 130 and argv is None:
        # The command was interrupted and exits now: a second Ctrl-C or TERM during the
        # interpreter's exit would print a traceback or end it with another status.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    return status


def _main(argv: Sequence[str] | None) -> int:
    """:func:`main` within its handling of interrupts."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # a bad flag (printed in one line), --help or --version
        return done.code if isinstance(done.code, int) else 2
    from lagom.cli._commands import cmd_eval, cmd_list, cmd_plot, cmd_show, cmd_train

    commands = {
        "train": cmd_train,
        "show": cmd_show,
        "plot": cmd_plot,
        "eval": cmd_eval,
        "list": cmd_list,
    }
    try:
        status = commands[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return status
    except BrokenPipeError:
        # The reader stopped early (``lagom show ppo | head``): say nothing more.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except UsageError as error:
        # One line for the user; a stack trace would bury what to fix.
        print(f"lagom: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:  # an extra not installed: what to install, in one line
        package = (error.name or "").partition(".")[0]
        if package not in _EXTRAS:
            raise
        print(
            f"lagom: error: lagom {args.command} needs the {package} package: {_EXTRAS[package]}",
            file=sys.stderr,
        )
        return 2
    except OSError as error:  # a full disk, a folder not writable: the cause, in one line
        print(f"lagom: error: {error}", file=sys.stderr)
        return 1
