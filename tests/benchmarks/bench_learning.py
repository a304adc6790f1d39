"""Learning benchmarks of the reference algorithms, side by side with Stable-Baselines3.

Run from the repository root (lagom installed, Stable-Baselines3 2.x installed for the
peer rows)::

    python tests/benchmarks/bench_learning.py [--groups onpolicy offpolicy es]
                                              [--seeds 0 1 2] [--quick] [--cartpole-only]

Each group module (``learning_onpolicy``, ``learning_offpolicy``, ``learning_es``) trains
lagom and, where it has the algorithm, Stable-Baselines3 with the same hyperparameters (the
rl-baselines3-zoo settings) and number of steps, one seed after the other, and returns one
row per (task, library, seed). This script prints them as one markdown table: the median and
range of the final evaluation return (20 deterministic episodes), wall clock, environment
steps per second and steps until the training return first reached the task's threshold,
then the ratios of the CPU-time and wall-clock medians of lagom to SB3 and to the
plain torch PPO loop (``ppo_plain_torch.py``) and the CPU-time ratio of each seed's two
runs, per environment implementation (the library column says which: ``(sync)`` is 8
``gym.make`` copies stepped in turn, no suffix gymnasium's native vectorized env), with the
load average. ``--cartpole-only`` keeps the PPO CartPole rows of the on-policy group.
``--quick`` runs tiny versions, only to check that the script works.

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
        library = str(row["library"])
        if row.get("env", "native") != "native" or library == "sb3":
            library += f" ({row.get('env', 'native')})"
        grouped[(str(row["task"]), library)].append(row)
    out = []
    for (task, library), runs in grouped.items():
        cpus = [float(r.get("cpu_s", float("nan"))) for r in runs]
        walls = [float(r["wall_s"]) for r in runs]
        finals = [float(r["final_return"]) for r in runs]
        reached = [r["steps_to_threshold"] for r in runs]
        out.append(
            {
                "task": task,
                "library": library,
                "seeds": len(runs),
                "cpu_by_seed": {r.get("seed"): float(r.get("cpu_s", float("nan"))) for r in runs},
                "final_median": _median(finals),
                "final_min": min(finals),
                "final_max": max(finals),
                "wall_s": _median(walls),
                "wall_range": (min(walls), max(walls)),
                "cpu_s": _median(cpus),
                "cpu_range": (min(cpus), max(cpus)),
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
    load = os.getloadavg()
    print(
        f"One torch thread per run; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"on {os.cpu_count()} CPUs at the end. Library labels: (sync) = 8 gym.make copies "
        "stepped in turn (SB3's DummyVecEnv), otherwise gymnasium's native vectorized env."
    )
    print()
    print(
        "| task | library | seeds | final return median [min, max] | CPU s median [min, max] "
        "| wall s median [min, max] | env steps/s | steps to threshold (reached) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in summary:
        cpu_lo, cpu_hi = s["cpu_range"]
        wall_lo, wall_hi = s["wall_range"]
        print(
            f"| {s['task']} | {s['library']} | {s['seeds']} | {_fmt(s['final_median'])} "
            f"[{_fmt(s['final_min'])}, {_fmt(s['final_max'])}] | {_fmt(s['cpu_s'])} "
            f"[{_fmt(cpu_lo)}, {_fmt(cpu_hi)}] | {_fmt(s['wall_s'])} "
            f"[{_fmt(wall_lo)}, {_fmt(wall_hi)}] "
            f"| {_fmt(s['steps_per_s'], '.0f')} | {_fmt(s['steps_to_threshold'], '.0f')} "
            f"({s['reached']}/{s['seeds']}, threshold {s['threshold']}) |"
        )
    by_task: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in summary:
        by_task[s["task"]][s["library"]] = s
    print()
    print(
        "| task | lagom | vs | CPU time ratio (medians) | wall clock ratio (medians) "
        "| CPU time ratio by seed |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    pairs = [
        ("lagom (sync)", "sb3 (sync)"),
        ("lagom", "sb3 (sync)"),
        ("lagom", "sb3 (native)"),
        ("lagom", "plain-torch"),
        ("lagom (sync)", "plain-torch (sync)"),
    ]
    for task, libs in by_task.items():
        for ours_name, theirs_name in pairs:
            if ours_name in libs and theirs_name in libs:
                ours, theirs = libs[ours_name], libs[theirs_name]
                by_seed = " / ".join(
                    f"{cpu / theirs['cpu_by_seed'][seed]:.2f}"
                    for seed, cpu in ours["cpu_by_seed"].items()
                    if seed in theirs["cpu_by_seed"]
                )
                print(
                    f"| {task} | {ours_name} | {theirs_name} "
                    f"| {ours['cpu_s'] / theirs['cpu_s']:.2f}x "
                    f"| {ours['wall_s'] / theirs['wall_s']:.2f}x | {by_seed} |"
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--cartpole-only", action="store_true", help="onpolicy: only the PPO CartPole rows"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    rows: list[dict[str, Any]] = []
    for group in args.groups:
        module = importlib.import_module(f"tests.benchmarks.learning_{group}")
        if group == "onpolicy":
            rows.extend(module.benchmark(args.seeds, args.quick, args.cartpole_only))
        else:
            rows.extend(module.benchmark(args.seeds, quick=args.quick))
    print_table(summarize(rows))


if __name__ == "__main__":
    main()
