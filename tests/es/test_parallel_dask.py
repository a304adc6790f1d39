"""PopulationEvaluator on a real local Dask cluster (``client.get_executor(pure=False)``)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lagom.es import CEM, PopulationEvaluator

if os.environ.get("LAGOM_FULL") == "1":
    import distributed  # the full environment installs the cluster extra: never a skip there
else:
    distributed = pytest.importorskip("distributed")


def _rastrigin(x: np.ndarray) -> float:
    return float(10 * x.size + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def _pid(x: np.ndarray) -> float:
    return float(os.getpid())


def test_an_es_run_on_a_dask_cluster_equals_the_serial_run() -> None:
    def run(evaluate: object) -> tuple[np.ndarray, list[float]]:
        es = CEM([1.0] * 5, 0.5, {"popsize": 12, "seed": 3})
        best = []
        for _ in range(4):
            solutions = es.ask()
            values = (
                evaluate(solutions)  # type: ignore[operator]
                if evaluate is not None
                else np.array([_rastrigin(np.asarray(x)) for x in solutions])
            )
            es.tell(solutions, values)
            best.append(float(np.min(values)))
        return np.asarray(es.result.xbest), best

    serial_x, serial_best = run(None)
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        executor = client.get_executor(pure=False)
        with PopulationEvaluator(_rastrigin, executor=executor, chunksize=3) as evaluate:
            dask_x, dask_best = run(evaluate)
        # The work runs in the cluster's worker processes, not in this one.
        with PopulationEvaluator(_pid, executor=executor) as where:
            pids = set(where(np.zeros((8, 1))).astype(int).tolist())
        assert os.getpid() not in pids
        assert pids <= set(client.run(os.getpid).values())
        # The executor belongs to the caller: closing the evaluator leaves it working.
        assert executor.submit(sum, [1, 2]).result() == 3
    assert dask_best == serial_best
    assert np.array_equal(dask_x, serial_x)
