"""run_experiment: folders, files, result order and devices, serially and on pools."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from lagom.experiment import Config, Grid, run_experiment
from lagom.experiment import run as run_module
from tests.experiment._jobs import calls, expected, finished, record, torch_threads

SEEDS = [7, 3, 11]


def _configs() -> list[dict[str, Any]]:
    return Config({"x": Grid([1, 2]), "name": Grid(["a", "b"])}).make_configs()


def _oracle(configs: list[dict[str, Any]], devices: list[str]) -> list[dict[str, Any]]:
    """Configurations outer, seeds inner; devices round-robin in that order."""
    jobs = [(config, seed) for config in configs for seed in SEEDS]
    return [expected(c, s, devices[i % len(devices)]) for i, (c, s) in enumerate(jobs)]


@pytest.mark.parametrize("max_workers", [None, 0, 1, 2, 5])
def test_layout_order_and_fake_gpus(tmp_path: Path, max_workers: int | None) -> None:
    configs = _configs()
    results = run_experiment(
        record,
        Config({"x": Grid([1, 2]), "name": Grid(["a", "b"])}),
        SEEDS,
        tmp_path,
        max_workers,
        use_gpu=True,
        gpu_ids=[2, 0, 5],
        progress=False,
    )
    assert results == _oracle(configs, ["cuda:2", "cuda:0", "cuda:5"])
    names = ["0", "1", "2", "3", ".journal", ".lock", "sweep.yml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for config in configs:
        folder = tmp_path / str(config["ID"])
        assert yaml.safe_load((folder / "config.yml").read_text()) == config
        assert sorted(p.name for p in folder.iterdir()) == sorted(["config.yml", "7", "3", "11"])
        for seed in SEEDS:
            assert calls(folder / str(seed)) == 1
            assert folder / str(seed) in finished(tmp_path)
    sweep = yaml.safe_load((tmp_path / "sweep.yml").read_text())
    assert sweep["seeds"] == SEEDS
    assert sweep["configs"] == configs
    assert [(j["ID"], j["seed"], j["logdir"]) for j in sweep["jobs"]] == [
        (c["ID"], s, f"{c['ID']}/{s}") for c in configs for s in SEEDS
    ]
    assert [j["device"] for j in sweep["jobs"]] == [r["device"] for r in results]


def test_cpu_devices_and_chunks(tmp_path: Path) -> None:
    configs = _configs()
    results = run_experiment(record, configs, SEEDS, tmp_path, 2, chunksize=5, progress=False)
    assert results == _oracle(configs, ["cpu"])


def test_all_visible_gpus_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "_visible_gpu_count", lambda: 2)
    configs = _configs()
    results = run_experiment(record, configs, SEEDS, tmp_path, None, use_gpu=True, progress=False)
    assert results == _oracle(configs, ["cuda:0", "cuda:1"])


def test_lambdas_and_closures_travel(tmp_path: Path) -> None:
    offset = 100
    results = run_experiment(
        lambda config, seed, device, logdir: (config["x"] + offset, seed, logdir.is_dir()),
        [{"ID": 0, "x": 1}, {"ID": 4, "x": 2}],
        [0, 1],
        tmp_path,
        2,
        progress=False,
    )
    assert results == [(101, 0, True), (101, 1, True), (102, 0, True), (102, 1, True)]
    assert (tmp_path / "4" / "1").is_dir()


def test_any_executor(tmp_path: Path) -> None:
    configs = _configs()
    with ThreadPoolExecutor(2) as executor:
        results = run_experiment(
            record, configs, SEEDS, tmp_path, executor=executor, progress=False
        )
        assert executor.submit(int, "3").result() == 3  # the caller's executor stays open
    assert results == _oracle(configs, ["cpu"])


def test_torch_threads_limited_in_workers_and_restored_serially(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        for max_workers in (1, None):  # in a worker (torch imported by the job), in-process
            results = run_experiment(
                torch_threads,
                [{"ID": 0}],
                [0],
                tmp_path / str(max_workers),
                max_workers,
                torch_threads=1,
                progress=False,
            )
            assert results == [1]
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


_SERIAL_SWEEP = """
import os, sys
from lagom.experiment import run_experiment
from tests.experiment._jobs import torch_threads
assert "torch" not in sys.modules
results = run_experiment(torch_threads, [{"ID": 0}], [0, 1], sys.argv[1], None,
                         torch_threads=1, progress=False)
print(results, os.environ.get("OMP_NUM_THREADS"))
"""


def test_torch_threads_also_hold_for_the_first_serial_job_that_imports_torch(
    tmp_path: Path,
) -> None:
    # Before: the first job imported torch with its default threads, the later ones had 1,
    # so the first job's numbers differed from the same job on a pool or run later.
    pytest.importorskip("torch")  # the torch-free environments have no torch to import
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    done = subprocess.run(
        [sys.executable, "-c", _SERIAL_SWEEP, str(tmp_path / "logs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["[1,", "1]", "None"]  # and the environment is restored


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_and_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    run_experiment(record, _configs(), SEEDS, tmp_path, None)
    final = terminal.getvalue().split("\r")[-1]
    assert "12/12 jobs" in final
    assert "done 12  failed 0  skipped 0" in final
    assert final.endswith("\n")
    assert (
        f"12 jobs in {tmp_path}: 12 done, 0 already done (skipped), 0 failed"
        in capsys.readouterr().out
    )


def test_quiet_without_terminal_or_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_experiment(record, _configs(), SEEDS, tmp_path, None, progress=False)
    assert capsys.readouterr() == ("", "")
