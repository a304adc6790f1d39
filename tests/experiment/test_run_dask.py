"""run_experiment on a real local Dask cluster through ``client.get_executor(pure=False)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lagom.experiment import SweepError, run_experiment
from tests.experiment._jobs import calls, expected, finished, record

distributed = pytest.importorskip("distributed")


def test_sweep_on_a_local_dask_cluster(tmp_path: Path) -> None:
    flag = tmp_path / "fail-now"
    flag.touch()
    configs: list[dict[str, Any]] = [
        {"ID": 0, "x": 1},
        {"ID": 1, "x": 2, "mode": "raise", "flag": str(flag)},
        {"ID": 2},
    ]
    seeds = [10, 20]
    log_dir = tmp_path / "logs"
    folders = [log_dir / str(c["ID"]) / str(s) for c in configs for s in seeds]
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
        with pytest.raises(SweepError) as info:
            run_experiment(record, configs, seeds, log_dir, executor=executor, progress=False)
        assert [(f.ID, f.seed) for f in info.value.failed] == [(1, 10), (1, 20)]
        assert info.value.failed[0].error == "ZeroDivisionError: job 1/10 fails on purpose"
        oracle = [expected(c, s, "cpu") for c in configs for s in seeds]
        assert info.value.results == [r if r["ID"] != 1 else None for r in oracle]
        assert [calls(folder) for folder in folders] == [1] * 6

        flag.unlink()
        results = run_experiment(record, configs, seeds, log_dir, executor=executor, progress=False)
        assert results == oracle
        assert [calls(folder) for folder in folders] == [1, 1, 2, 2, 1, 1]
        # The executor belongs to the caller: it still works.
        assert executor.submit(sum, [1, 2]).result() == 3
    for config in configs:
        on_disk = yaml.safe_load((log_dir / str(config["ID"]) / "config.yml").read_text())
        assert on_disk == config
    assert finished(log_dir) == set(folders)
