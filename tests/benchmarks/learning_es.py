"""Learning benchmark of the policy-search algorithms: CEM, CMA-ES and OpenAI-ES on CartPole-v1.

Run from the repository root::

    python tests/benchmarks/learning_es.py [--seeds 0 1 2] [--workers 0] [--quick]

Each strategy of :mod:`lagom.baselines.policy_search` searches a linear policy (argmax of
``W obs + b``, 10 parameters) with its default configuration (50 generations, one episode per
candidate) and is evaluated on 20 deterministic episodes of the final search mean.
Stable-Baselines3 has no evolution strategy, so there are lagom rows only. The target
(issue 11): CEM, CMA-ES and OpenAI-ES reach 500 within 50 generations, counted as the first
generation in which a candidate's episode return is 500; ``steps_to_threshold`` is the number
of env steps done by the end of that generation.
``bench_learning.py`` imports :func:`benchmark`. The file defines no ``test_`` function.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

THRESHOLD = 500.0
#: Task name -> the strategy's configuration class in ``lagom.baselines.policy_search``.
TASKS = {
    "CEM CartPole-v1": "CEMConfig",
    "CMA-ES CartPole-v1": "CMAESConfig",
    "OpenAI-ES CartPole-v1": "OpenAIESConfig",
}


def _first(rows: list[dict[str, str]], key: str, threshold: float) -> dict[str, str] | None:
    return next((row for row in rows if float(row[key]) >= threshold), None)


def benchmark(seeds: list[int], quick: bool = False, workers: int = 0) -> list[dict[str, object]]:
    """Train every task once per seed; one row per (task, seed) in ``bench_learning``'s format,
    plus ``generations``, ``generations_to_threshold`` and ``generations_to_mean_475`` (the
    first generation whose population mean return reached 475)."""
    import attrs

    from lagom.baselines import policy_search

    out: list[dict[str, object]] = []
    for task, name in TASKS.items():
        config = policy_search.default_config(getattr(policy_search, name), "CartPole-v1")
        train: dict[str, Any] = {"workers": workers}
        if quick:
            train |= {"generations": 3, "max_episode_steps": 100}
            config = attrs.evolve(config, eval=attrs.evolve(config.eval, episodes=2))
        config = attrs.evolve(config, train=attrs.evolve(config.train, **train))
        for seed in seeds:
            with tempfile.TemporaryDirectory() as folder:
                logdir = Path(folder)
                start = time.perf_counter()
                metrics = policy_search.train(config, seed, "cpu", logdir)
                wall = time.perf_counter() - start
                with open(logdir / "progress.csv") as f:
                    rows = list(csv.DictReader(f))
            reached = _first(rows, "best_return", THRESHOLD)
            mean_reached = _first(rows, "train_return", 475.0)
            steps = int(rows[-1]["timesteps"])
            out.append(
                {
                    "task": task,
                    "library": "lagom",
                    "seed": seed,
                    "final_return": metrics["return_mean"],
                    "wall_s": wall,
                    "steps_per_s": steps / wall,
                    "steps_to_threshold": None if reached is None else int(reached["timesteps"]),
                    "threshold": THRESHOLD,
                    "generations": len(rows),
                    "generations_to_threshold": (
                        None if reached is None else int(reached["iteration"])
                    ),
                    "generations_to_mean_475": (
                        None if mean_reached is None else int(mean_reached["iteration"])
                    ),
                }
            )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    rows = benchmark(args.seeds, quick=args.quick, workers=args.workers)
    print(
        "| task | seed | final return | wall s | env steps/s | generation reaching 500 "
        "| steps to 500 | generation with population mean >= 475 |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['task']} | {r['seed']} | {r['final_return']:.1f} | {r['wall_s']:.1f} "
            f"| {r['steps_per_s']:.0f} | {r['generations_to_threshold'] or '-'} "
            f"| {r['steps_to_threshold'] or '-'} | {r['generations_to_mean_475'] or '-'} |"
        )


if __name__ == "__main__":
    main()
