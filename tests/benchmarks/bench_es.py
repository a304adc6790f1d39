"""Timings of lagom.es (a script, not a test).

Run from the repository root (one BLAS thread keeps timings on a shared machine stable):
``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m tests.benchmarks.bench_es [--repeats R]
[--workers W]``.

1. ``CMAES.ask``/``tell`` against raw pycma on a 100-d sphere, per generation (target: the
   wrapper within 5% of pycma). Both sides run blocks of fresh generations, interleaved,
   and the ratio is the median of the per-repeat ratios.
2. ``CEM`` and ``OpenAIES`` generations per second at popsize 256, dimension 10,000
   (ask + tell; the class API and the pure functions).
3. A population of 32 linear policies on gymnasium ``CartPole-v1`` (one episode of up to
   500 steps each; CEM samples around a policy that balances, so episodes are long),
   evaluated serially and by a :class:`PopulationEvaluator` with ``W`` workers whose
   initializer builds the environment once per worker (report the speed-up).
4. With ``--dask``: the same population evaluated through a local Dask cluster's executor
   (``client.get_executor(pure=False)``), 1 worker against 2 workers (one thread each), both
   clusters up at once and their rounds interleaved; median and range of the round times.

Each timing is a median over ``R`` repeats after warm-up; compare ratios measured in one
run, never absolute times across machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import cma
import gymnasium as gym
import numpy as np

from lagom.es import (
    CEM,
    CMAES,
    OpenAIES,
    PopulationEvaluator,
    cem_ask,
    cem_init,
    cem_tell,
    openaies_ask,
    openaies_init,
    openaies_tell,
)


def _sphere_values(solutions: list[np.ndarray] | np.ndarray) -> np.ndarray:
    xs = np.asarray(solutions)
    values: np.ndarray = np.einsum("ij,ij->i", xs, xs)
    return values


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_cmaes(repeats: int, generations: int = 30, dimension: int = 100) -> None:
    x0 = np.full(dimension, 1.0)

    def ours(seed: int) -> Callable[[], None]:
        es = CMAES(x0, 0.5, {"seed": seed})

        def run() -> None:
            for _ in range(generations):
                xs = es.ask()
                es.tell(xs, _sphere_values(xs))

        return run

    def raw(seed: int) -> Callable[[], None]:
        es = cma.CMAEvolutionStrategy(x0, 0.5, {"seed": seed, "verbose": -9})

        def run() -> None:
            for _ in range(generations):
                xs = es.ask()
                es.tell(xs, _sphere_values(xs))

        return run

    ours(1)()
    raw(1)()
    ratios, times_ours, times_raw = [], [], []
    for r in range(repeats):
        # Alternate which side goes first, so drifts in machine load hit both alike.
        if r % 2:
            t_raw, t_ours = _time(raw(r + 2)), _time(ours(r + 2))
        else:
            t_ours, t_raw = _time(ours(r + 2)), _time(raw(r + 2))
        ratios.append(t_ours / t_raw)
        times_ours.append(t_ours / generations)
        times_raw.append(t_raw / generations)
    print(
        f"CMAES ask+tell, {dimension}-d sphere, popsize {CMAES(x0, 0.5, {'seed': 1}).popsize}: "
        f"ours {statistics.median(times_ours) * 1e3:.3f} ms/gen, "
        f"pycma {statistics.median(times_raw) * 1e3:.3f} ms/gen, "
        f"median ratio {statistics.median(ratios):.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f}; target <= 1.05)"
    )


def _generations_per_second(step: Callable[[], None], repeats: int, generations: int) -> float:
    def run() -> None:
        for _ in range(generations):
            step()

    step()
    return statistics.median(generations / _time(run) for _ in range(repeats))


def bench_cem_openaies(repeats: int, popsize: int = 256, dimension: int = 10_000) -> None:
    x0 = np.zeros(dimension)
    cem = CEM(x0, 1.0, {"popsize": popsize, "seed": 0, "noise_scheduler_args": [0.1, 0, 50]})
    oes = OpenAIES(x0, 0.1, {"popsize": popsize, "seed": 0})
    cem_state = [cem_init(x0, 1.0, {"popsize": popsize, "seed": 0})]
    oes_state = [openaies_init(x0, 0.1, {"popsize": popsize, "seed": 0})]

    def class_step(es: CEM | OpenAIES) -> Callable[[], None]:
        def step() -> None:
            xs = es.ask()
            es.tell(xs, _sphere_values(xs))

        return step

    def pure_cem() -> None:
        xs, state = cem_ask(cem_state[0])
        cem_state[0] = cem_tell(state, xs, _sphere_values(xs))

    def pure_oes() -> None:
        xs, state = openaies_ask(oes_state[0])
        oes_state[0] = openaies_tell(state, xs, _sphere_values(xs))

    for name, step in [
        ("CEM (class)", class_step(cem)),
        ("CEM (pure functions)", pure_cem),
        ("OpenAIES (class)", class_step(oes)),
        ("OpenAIES (pure functions)", pure_oes),
    ]:
        rate = _generations_per_second(step, repeats, generations=5)
        print(f"{name:<26} popsize {popsize}, dimension {dimension}: {rate:7.1f} generations/s")


# CartPole with a linear policy, action = argmax(W @ obs + b): 4 * 2 + 2 = 10 parameters.
_env: Any = None


def _make_env(env_id: str) -> None:
    global _env
    _env = gym.make(env_id)


def _negative_return(params: np.ndarray) -> float:
    weights, bias = params[:8].reshape(2, 4), params[8:]
    observation, _ = _env.reset(seed=0)
    total, done = 0.0, False
    while not done:
        action = int(np.argmax(weights @ observation + bias))
        observation, reward, terminated, truncated, _ = _env.step(action)
        total += float(reward)
        done = terminated or truncated
    return -total


def bench_cartpole(repeats: int, workers: int, popsize: int = 32) -> None:
    balancing = np.zeros(10)
    balancing[4:8] = [0.0, 0.0, 1.0, 1.0]  # push right when the pole falls right
    es = CEM(balancing, 0.1, {"popsize": popsize, "seed": 0})
    population = es.ask()
    _make_env("CartPole-v1")
    serial_values = np.array([_negative_return(x) for x in population])
    with PopulationEvaluator(
        _negative_return, max_workers=workers, initializer=_make_env, initargs=("CartPole-v1",)
    ) as evaluate:
        parallel_values = evaluate(population)  # also starts the workers (not timed)
        if not np.array_equal(parallel_values, serial_values):
            raise RuntimeError("parallel evaluation differs from serial evaluation")
        serial_times, parallel_times = [], []
        for _ in range(repeats):
            serial_times.append(_time(lambda: [_negative_return(x) for x in population]))
            parallel_times.append(_time(lambda: evaluate(population)))
    serial, parallel = statistics.median(serial_times), statistics.median(parallel_times)
    print(
        f"CartPole-v1, {popsize} linear policies (mean episode {-serial_values.mean():.0f} "
        f"steps): serial {serial * 1e3:.1f} ms, {workers} workers {parallel * 1e3:.1f} ms, "
        f"speed-up {serial / parallel:.2f}x ({os.cpu_count()} CPUs)"
    )


def _lazy_negative_return(params: np.ndarray) -> float:
    """The objective for an executor (no initializer runs there): builds the env once."""
    if _env is None:
        _make_env("CartPole-v1")
    return _negative_return(params)


def bench_dask(repeats: int, popsize: int = 32) -> None:
    from dask.distributed import Client, LocalCluster

    # By reference (not __main__), so the cluster's workers import the objective.
    from tests.benchmarks import bench_es as this

    balancing = np.zeros(10)
    balancing[4:8] = [0.0, 0.0, 1.0, 1.0]
    population = CEM(balancing, 0.1, {"popsize": popsize, "seed": 0}).ask()
    serial_values = np.array([this._lazy_negative_return(x) for x in population])
    clusters = {
        n: LocalCluster(
            n_workers=n,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        )
        for n in (1, 2)
    }
    clients = {n: Client(cluster) for n, cluster in clusters.items()}
    times: dict[int, list[float]] = {1: [], 2: []}
    try:
        evaluators = {
            n: PopulationEvaluator(
                this._lazy_negative_return,
                executor=client.get_executor(pure=False),
                chunksize=popsize // (2 * n),
            )
            for n, client in clients.items()
        }
        for n, evaluate in evaluators.items():  # warm-up: workers build their envs
            if not np.array_equal(evaluate(population), serial_values):
                raise RuntimeError(f"Dask evaluation with {n} worker(s) differs from serial")
        for _ in range(repeats):
            for n, evaluate in evaluators.items():
                times[n].append(_time(lambda evaluate=evaluate: evaluate(population)))
    finally:
        for client in clients.values():
            client.close()
        for cluster in clusters.values():
            cluster.close()
    for n, ts in times.items():
        print(
            f"Dask LocalCluster, {n} worker(s), {popsize} CartPole policies: median "
            f"{statistics.median(ts) * 1e3:.1f} ms (range {min(ts) * 1e3:.1f}-"
            f"{max(ts) * 1e3:.1f}) over {repeats} interleaved rounds"
        )
    speed_up = statistics.median(times[1]) / statistics.median(times[2])
    print(f"  2 workers vs 1: {speed_up:.2f}x ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="only the Dask 1-vs-2 workers part")
    args = parser.parse_args()
    if args.dask:
        bench_dask(args.repeats)
        return
    bench_cmaes(args.repeats)
    bench_cem_openaies(max(3, args.repeats // 4))
    bench_cartpole(args.repeats, args.workers)


if __name__ == "__main__":
    main()
