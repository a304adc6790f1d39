"""Timings of lagom.experiment.run_experiment (a script, not a test).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_experiment.py
[--repeats R] [--jobs N] [--workers W] [--dirs DIR ...]`` (or ``-m
tests.benchmarks.bench_experiment``).

1. Overhead: ``N`` (200) trivial jobs on ``W`` (2) workers, ``run_experiment`` (job
   folders, ``config.yml``, ``sweep.yml``, the journal of results) against a bare
   ``ProcessPoolExecutor.map`` of the same function on the same start method, pool start
   and shutdown included in both; the deletion of the benchmark's temporary log folder
   afterwards is not part of ``run_experiment`` and is not timed. Target: within 20%.
   The sweep's folder matters, since a job's folder is a file-system operation: it is
   measured under each of ``--dirs`` (default: the working directory, where ``lagom
   train`` writes ``logs/``, and the system's temporary folder), beside the floor of
   creating the job folders alone in one process.
2. Scaling: 8 CPU-bound jobs of about 0.5 s each with 1 and with 2 workers. Target: a
   speed-up of at least 1.8 on 2 free cores.

Both sides run interleaved, ``R`` times, and each row keeps the best time; the machine is
shared, so compare the ratios of one run, never absolute times across runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

if not __package__:  # run as a file: make the repository importable, here and in workers
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lagom.experiment import run_experiment
from lagom.experiment._executor import mp_context


def trivial(config: dict[str, Any], seed: int, device: str, logdir: Path) -> int:
    """A job that does nothing but return a number."""
    return int(config["ID"]) * 1000 + seed


def busy(config: dict[str, Any], seed: int, device: str, logdir: Path) -> int:
    """A CPU-bound job of ``config["loops"]`` iterations of pure Python."""
    total = 0
    for i in range(int(config["loops"])):
        total += i * i % 7
    return total


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _bare(n_jobs: int, workers: int) -> None:
    configs = [{"ID": i // 20} for i in range(n_jobs)]
    seeds = [i % 20 for i in range(n_jobs)]
    with ProcessPoolExecutor(workers, mp_context()) as pool:
        list(pool.map(trivial, configs, seeds, ["cpu"] * n_jobs, [Path(".")] * n_jobs))


def _lagom(
    n_jobs: int,
    workers: int,
    fn: Callable[..., int] = trivial,
    loops: int = 0,
    where: str | None = None,
) -> float:
    """Seconds of one ``run_experiment`` call in a new folder under ``where`` (the
    benchmark's own clean-up not counted)."""
    configs = [{"ID": i, "loops": loops} for i in range(max(1, n_jobs // 20))]
    seeds = list(range(n_jobs // len(configs)))
    with tempfile.TemporaryDirectory(dir=where) as log_dir:
        return _time(lambda: run_experiment(fn, configs, seeds, log_dir, workers, progress=False))


def _filesystem(n_jobs: int, where: str | None) -> float:
    """What the jobs cost the file system at least: their folders, made in one process."""

    def write(log_dir: str) -> None:
        for i in range(n_jobs):
            (Path(log_dir) / str(i // 20) / str(i % 20)).mkdir(parents=True)

    with tempfile.TemporaryDirectory(dir=where) as log_dir:
        return _time(lambda: write(log_dir))


def _loops_for(seconds: float) -> int:
    """Iterations of :func:`busy` that take about ``seconds`` here."""
    loops = 100_000
    while True:
        start = time.perf_counter()
        busy({"loops": loops}, 0, "cpu", Path("."))
        elapsed = time.perf_counter() - start
        if elapsed >= 0.1:
            return int(loops * seconds / elapsed)
        loops *= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dirs", nargs="+", default=[".", tempfile.gettempdir()])
    args = parser.parse_args()
    n, w = args.jobs, args.workers
    print(f"start method: {mp_context().get_start_method()}, best of {args.repeats}")

    _bare(4, w)  # start the fork server once, outside the timings
    bare = float("inf")
    ours = dict.fromkeys(args.dirs, float("inf"))
    files = dict.fromkeys(args.dirs, float("inf"))
    for _ in range(args.repeats):
        bare = min(bare, _time(lambda: _bare(n, w)))
        for where in args.dirs:
            ours[where] = min(ours[where], _lagom(n, w, where=where))
            files[where] = min(files[where], _filesystem(n, where))
    print(f"\n{n} trivial jobs, {w} workers     total s   per job ms")
    print(f"  ProcessPoolExecutor.map       {bare:7.3f}   {bare / n * 1e3:8.3f}")
    for where in args.dirs:
        print(f"  run_experiment in {os.path.abspath(where)}")
        print(f"    time                        {ours[where]:7.3f}   {ours[where] / n * 1e3:8.3f}")
        print(f"    ratio to bare               {ours[where] / bare:7.2f}   (target <= 1.20)")
        print(f"    overhead per job            {(ours[where] - bare) / n * 1e3:7.3f} ms")
        print(f"    job folders alone, 1 process {files[where] / n * 1e3:6.3f} ms per job (floor)")

    loops = _loops_for(0.5)
    one, two = float("inf"), float("inf")
    for _ in range(max(1, args.repeats // 2)):
        one = min(one, _lagom(8, 1, busy, loops))
        two = min(two, _lagom(8, 2, busy, loops))
    print("\n8 CPU-bound jobs of ~0.5 s      total s")
    print(f"  1 worker                      {one:7.3f}")
    print(f"  2 workers                     {two:7.3f}")
    print(f"  speed-up                      {one / two:7.2f}   (target >= 1.80)")


if __name__ == "__main__":
    main()
