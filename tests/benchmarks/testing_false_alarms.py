"""False alarms and caught bugs of lagom.testing's estimator suites (a script, not a test).

Run from the repository root: ``python -m tests.benchmarks.testing_false_alarms [--runs R]
[--bug-seeds S] [--processes P]``.

1. False alarms: ``R`` runs (default 200) of a suite, at Hypothesis's default budget of 100
   examples per property, against correct estimators: lagom's own five, five plain loops a
   user would write (float64 accumulation), and two through adapters (a ``dones`` GAE via
   ``from_dones``, ``[N, T]`` returns via ``batch_major``). Run ``i`` checks estimator
   ``i mod 12`` with seed ``i``. Any failure is a false alarm; the count must be 0.
2. Caught bugs: each deliberately wrong estimator of ``tests/testing/implementations.py``
   under ``S`` seeds (default 10): how often it is caught, by which property, and the
   examples that property needed to find it (Hypothesis's count up to the first failing
   input, before shrinking), as min / median / max over the seeds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from lagom.testing import PropertyFailure
from tests.testing.implementations import ADAPTED, BUGS, CORRECT, LAGOM

ESTIMATORS = LAGOM + CORRECT + ADAPTED


def _false_alarm(run: int) -> tuple[str, str | None, float]:
    correct = ESTIMATORS[run % len(ESTIMATORS)]
    start = time.perf_counter()
    try:
        correct.run(None, run)
    except PropertyFailure as failure:
        return correct.name, str(failure), time.perf_counter() - start
    return correct.name, None, time.perf_counter() - start


def _bug(args: tuple[int, int]) -> tuple[int, str | None, int, float]:
    index, seed = args
    start = time.perf_counter()
    try:
        BUGS[index].run(None, seed)
    except PropertyFailure as failure:
        return index, failure.property_name, failure.examples_run, time.perf_counter() - start
    return index, None, 0, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--bug-seeds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()

    with ProcessPoolExecutor(args.processes) as pool:
        start = time.perf_counter()
        alarms: list[tuple[str, str]] = []
        per_estimator: dict[str, int] = {}
        for name, failure, _ in pool.map(_false_alarm, range(args.runs)):
            per_estimator[name] = per_estimator.get(name, 0) + 1
            if failure is not None:
                alarms.append((name, failure))
        print(
            f"False alarms: {len(alarms)} in {args.runs} runs against correct estimators "
            f"({time.perf_counter() - start:.0f} s)"
        )
        for name, count in per_estimator.items():
            print(f"  {count:4d} runs  {name}")
        for name, failure in alarms:
            print(f"\nFALSE ALARM on {name}:\n{failure}")

        jobs = [(i, seed) for i in range(len(BUGS)) for seed in range(args.bug_seeds)]
        results: dict[int, list[tuple[str | None, int, float]]] = {}
        for index, prop, examples, seconds in pool.map(_bug, jobs):
            results.setdefault(index, []).append((prop, examples, seconds))

    print(
        f"\nCaught bugs ({args.bug_seeds} seeds each; examples the property needed: "
        "min / median / max)"
    )
    print(f"{'bug':52s} {'caught':>7s}  {'examples':>14s}  {'s/run':>6s}  property")
    for index, bug in enumerate(BUGS):
        rows = results[index]
        caught = [r for r in rows if r[0] is not None]
        props = sorted({r[0] for r in caught if r[0] is not None})
        examples: list[Any] = sorted(r[1] for r in caught)
        spread = (
            f"{examples[0]} / {statistics.median(examples):g} / {examples[-1]}" if examples else "-"
        )
        seconds = statistics.mean(r[2] for r in rows)
        expected = "" if props == [bug.property_name] else f"  (expected {bug.property_name!r})"
        print(
            f"{bug.name:52s} {len(caught):3d}/{len(rows):<3d}  {spread:>14s}  {seconds:6.1f}  "
            f"{', '.join(props) or 'MISSED'}{expected}"
        )


if __name__ == "__main__":
    main()
