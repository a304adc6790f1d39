"""run_experiment: resuming a sweep, also after the whole sweep was killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from lagom.experiment import run_experiment
from tests.experiment._jobs import calls, expected, record

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = [{"ID": i, "x": i} for i in range(4)]
SEEDS = [0, 1, 2]

SCRIPT = """
import sys
from lagom.experiment import run_experiment
from tests.experiment._jobs import record

if __name__ == "__main__":
    configs = [{"ID": i, "x": i} for i in range(4)]
    run_experiment(record, configs, [0, 1, 2], sys.argv[1], max_workers=2, progress=False)
"""


def _folders(log_dir: Path) -> list[Path]:
    return [log_dir / str(c["ID"]) / str(s) for c in CONFIGS for s in SEEDS]


def _oracle() -> list[dict[str, Any]]:
    return [expected(c, s, "cpu") for c in CONFIGS for s in SEEDS]


def test_killed_sweep_resumes_without_rerunning_finished_jobs(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAGOM_TEST_JOB_SLEEP": "0.25"}
    # A new session puts the master and its workers in one process group, killed together.
    process = subprocess.Popen(
        [sys.executable, str(script), str(log_dir)], env=env, cwd=ROOT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while sum((f / ".done").exists() for f in _folders(log_dir)) < 4:
            assert process.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no job finished within 60 s"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = {f for f in _folders(log_dir) if (f / ".done").exists()}
    assert 4 <= len(finished) < len(_folders(log_dir))

    results = run_experiment(record, CONFIGS, SEEDS, log_dir, 2, progress=False)
    assert results == _oracle()
    for folder in finished:
        assert calls(folder) == 1
    assert all(calls(folder) >= 1 for folder in _folders(log_dir))


def test_rerun_skips_everything_and_reads_results_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    again = run_experiment(record, CONFIGS, SEEDS, tmp_path, 2)
    assert first == again == _oracle()
    assert all(calls(folder) == 1 for folder in _folders(tmp_path))
    assert "0 done, 12 already done (skipped), 0 failed" in capsys.readouterr().out


def test_new_seeds_run_alone_and_sweep_file_follows(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, [0], tmp_path, None, progress=False)
    results = run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    assert results == _oracle()
    assert all(calls(folder) == 1 for folder in _folders(tmp_path))
    assert yaml.safe_load((tmp_path / "sweep.yml").read_text())["seeds"] == SEEDS


def test_overwrite_reruns_from_empty_folders(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    (tmp_path / "notes.txt").write_text("mine")
    stale = tmp_path / "0" / "0" / "stale.txt"
    stale.write_text("old")
    results = run_experiment(record, CONFIGS, SEEDS, tmp_path, None, overwrite=True, progress=False)
    assert results == _oracle()
    assert all(calls(folder) == 1 for folder in _folders(tmp_path))
    assert not stale.exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_resume_refuses_a_different_configuration(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    changed = [{**c, "x": 9} if c["ID"] == 2 else c for c in CONFIGS]
    with pytest.raises(
        ValueError,
        match=r"2/config.yml holds a different configuration .*'x': 2 on disk, 9 given",
    ):
        run_experiment(record, changed, SEEDS, tmp_path, None, progress=False)
    results = run_experiment(record, changed, SEEDS, tmp_path, None, overwrite=True, progress=False)
    assert results[6:9] == [expected(changed[2], s, "cpu") for s in SEEDS]


def test_unreadable_marker_counts_as_unfinished(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    (tmp_path / "1" / "2" / ".done").write_bytes(b"not a pickle")
    assert run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False) == _oracle()
    assert calls(tmp_path / "1" / "2") == 2
