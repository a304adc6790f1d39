"""The ``lagom`` command: train, plot and evaluate the reference algorithms.

::

    lagom train ALGO [--env ID] [--steps N] [--seeds S ...] [--workers N] [--log-dir DIR]
                     [--device cpu|cuda] [--set key=value ...]
    lagom plot LOG_DIR [--x KEY] [--y KEY] [--out FILE]
    lagom eval RUN_DIR [--episodes N]
    lagom list

A user error (unknown algorithm or environment, a bad ``--set``, a folder that is not a log)
prints one line, ``lagom: error: ...``, and exits with status 2; a sweep in which some runs
failed exits with status 1 after the summary.

Example:
    >>> parser = build_parser()
    >>> args = parser.parse_args(["train", "ppo", "--steps", "2000", "--set", "agent.lr=3e-4"])
    >>> args.command, args.algo, args.steps, args.set
    ('train', 'ppo', 2000, ['agent.lr=3e-4'])
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lagom.cli._commands import UsageError, cmd_eval, cmd_list, cmd_plot, cmd_train

__all__ = ["UsageError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``lagom`` argument parser with its four subcommands.

    Example:
        >>> build_parser().parse_args(["list"]).command
        'list'
    """
    parser = argparse.ArgumentParser(
        prog="lagom", description="Train, plot and evaluate lagom's reference algorithms."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train an algorithm (one run per seed)")
    train.add_argument("algo", help="algorithm name, see `lagom list`")
    train.add_argument("--env", help="gymnasium environment ID (default: the algorithm's)")
    train.add_argument("--steps", type=int, help="environment steps (generations for ES)")
    train.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds (default: 0)")
    train.add_argument("--workers", type=int, default=1, help="parallel runs (default: 1)")
    train.add_argument("--log-dir", help="output folder (default: logs/ALGO-ENV)")
    train.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=(
            "override a configuration key (dotted, e.g. agent.lr=3e-4); the value is read "
            "by the key's type (repeatable)"
        ),
    )
    train.add_argument(
        "--overwrite", action="store_true", help="start afresh instead of resuming LOG_DIR"
    )

    plot = sub.add_parser("plot", help="plot learning curves of a sweep to a PNG")
    plot.add_argument("log_dir", help="a folder written by `lagom train`")
    plot.add_argument("--x", default="timesteps", help="x column (default: timesteps)")
    plot.add_argument("--y", default="train_return", help="y column (default: train_return)")
    plot.add_argument("--out", help="PNG file (default: LOG_DIR/learning_curve.png)")

    evaluate = sub.add_parser("eval", help="evaluate the trained policy of one run")
    evaluate.add_argument("run_dir", help="a run folder: LOG_DIR/<ID>/<seed>")
    evaluate.add_argument("--episodes", type=int, default=20)
    evaluate.add_argument("--device", choices=["cpu", "cuda"], default="cpu")

    sub.add_parser("list", help="list the reference algorithms")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lagom`` command and return its exit status.

    Example:
        >>> main(["train", "nope"])  # prints "lagom: error: unknown algorithm 'nope'; ..."
        2
    """
    args = build_parser().parse_args(argv)
    commands = {"train": cmd_train, "plot": cmd_plot, "eval": cmd_eval, "list": cmd_list}
    try:
        return commands[args.command](args)
    except UsageError as error:
        # One line for the user; a stack trace would bury what to fix.
        print(f"lagom: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lagom: interrupted", file=sys.stderr)
        return 130
    except OSError as error:  # a full disk, a folder not writable: the cause, in one line
        print(f"lagom: error: {error}", file=sys.stderr)
        return 1
