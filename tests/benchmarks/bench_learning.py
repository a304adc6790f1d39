"""Learning benchmarks of the reference algorithms, side by side with Stable-Baselines3.

Run from the repository root (lagom installed, Stable-Baselines3 2.x installed for the
peer rows)::

    python tests/benchmarks/bench_learning.py [--groups onpolicy offpolicy es]
                                              [--seeds 0 1 2] [--quick]

Each group module (``learning_onpolicy``, ``learning_offpolicy``, ``learning_es``) trains
lagom and, where it has the algorithm, Stable-Baselines3 with the same hyperparameters (the
rl-baselines3-zoo settings) and number of steps, one seed after the other, and returns one
row per (task, library, seed). This script prints them as one markdown table: the median and
range of the final evaluation return (20 deterministic episodes), wall clock, environment
steps per second and steps until the training return first reached the task's threshold,
then lagom/SB3 ratios. ``--quick`` runs tiny versions, only to check that the script works.

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

GROUPS = ("onpolicy", "offpolicy", "es")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt(value: float | None, spec: str = ".1f") -> str:
    if value is None or value != value:
        return "-"
    return format(value, spec)


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary per (task, library): medians and ranges over seeds."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(str(row["task"]), str(row["library"]))].append(row)
    out = []
    for (task, library), runs in grouped.items():
        finals = [float(r["final_return"]) for r in runs]
        reached = [r["steps_to_threshold"] for r in runs]
        out.append(
            {
                "task": task,
                "library": library,
                "seeds": len(runs),
                "final_median": _median(finals),
                "final_min": min(finals),
                "final_max": max(finals),
                "wall_s": _median([float(r["wall_s"]) for r in runs]),
                "steps_per_s": _median([float(r["steps_per_s"]) for r in runs]),
                "steps_to_threshold": (
                    _median([float(x) for x in reached])
                    if all(x is not None for x in reached)
                    else None
                ),
                "reached": sum(x is not None for x in reached),
                "threshold": runs[0].get("threshold"),
            }
        )
    return out


def print_table(summary: list[dict[str, Any]]) -> None:
    print(
        "| task | library | seeds | final return median [min, max] | wall s | env steps/s "
        "| steps to threshold (reached) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for s in summary:
        print(
            f"| {s['task']} | {s['library']} | {s['seeds']} | {_fmt(s['final_median'])} "
            f"[{_fmt(s['final_min'])}, {_fmt(s['final_max'])}] | {_fmt(s['wall_s'])} "
            f"| {_fmt(s['steps_per_s'], '.0f')} | {_fmt(s['steps_to_threshold'], '.0f')} "
            f"({s['reached']}/{s['seeds']}, threshold {s['threshold']}) |"
        )
    by_task: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in summary:
        by_task[s["task"]][s["library"]] = s
    print()
    print("| task | wall clock lagom/SB3 | steps/s lagom/SB3 |")
    print("| --- | --- | --- |")
    for task, libs in by_task.items():
        if "lagom" in libs and "sb3" in libs:
            ours, theirs = libs["lagom"], libs["sb3"]
            print(
                f"| {task} | {ours['wall_s'] / theirs['wall_s']:.2f}x "
                f"| {ours['steps_per_s'] / theirs['steps_per_s']:.2f}x |"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    rows: list[dict[str, Any]] = []
    for group in args.groups:
        module = importlib.import_module(f"tests.benchmarks.learning_{group}")
        rows.extend(module.benchmark(args.seeds, quick=args.quick))
    print_table(summarize(rows))


if __name__ == "__main__":
    main()
