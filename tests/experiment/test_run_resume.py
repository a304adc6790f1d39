"""run_experiment: resuming a sweep, also after the whole sweep was killed mid-way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from lagom.experiment import run_experiment
from lagom.experiment._journal import JOURNAL, journal_files, read_journal
from tests.experiment._jobs import calls, expected, finished, record
from tests.payloads import Payload, marker_for, pickled

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
        while len(finished(log_dir)) < 4:
            assert process.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no job finished within 60 s"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    done = finished(log_dir)
    assert 4 <= len(done) < len(_folders(log_dir))

    results = run_experiment(record, CONFIGS, SEEDS, log_dir, 2, progress=False)
    assert results == _oracle()
    for folder in done:
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


def test_a_planted_pickle_in_the_journal_runs_nothing(tmp_path: Path) -> None:
    import struct
    import zlib

    run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    marker = marker_for(tmp_path)
    payload = pickled(("1/2", 2**62, Payload(marker)))
    (journal,) = journal_files(tmp_path)
    with journal.open("ab") as f:  # a well-formed record (length, CRC) of a pickle
        f.write(struct.pack("<II", len(payload), zlib.crc32(payload)) + payload)
    assert run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False) == _oracle()
    assert not marker.exists()
    assert all(calls(folder) == 1 for folder in _folders(tmp_path))


def test_a_record_nested_too_deep_is_skipped(tmp_path: Path) -> None:
    # A well-formed record of JSON nested 100,000 deep made every later call raise
    # RecursionError from inside json: the sweep could never run again.
    from lagom.experiment._journal import _record

    run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False)
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / ".journal" / "planted.log").write_bytes(_record("1/2", 2**62, deep))
    assert run_experiment(record, CONFIGS, SEEDS, tmp_path, None, progress=False) == _oracle()
    # The unreadable record is skipped like a torn one; the job's own record still counts.
    assert all(calls(folder) == 1 for folder in _folders(tmp_path))


def test_torn_last_record_counts_as_unfinished(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, [0], tmp_path, None, progress=False)
    (journal,) = journal_files(tmp_path)
    data = journal.read_bytes()
    journal.write_bytes(data[:-3])  # killed while writing the last record (ID 3, seed 0)
    assert set(read_journal(tmp_path)) == {"0/0", "1/0", "2/0"}
    assert run_experiment(record, CONFIGS, [0], tmp_path, None, progress=False) == [
        expected(c, 0, "cpu") for c in CONFIGS
    ]
    assert [calls(tmp_path / str(c["ID"]) / "0") for c in CONFIGS] == [1, 1, 1, 2]


def test_deleted_job_folder_runs_again(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, SEEDS, tmp_path, 2, progress=False)
    shutil.rmtree(tmp_path / "2" / "1")
    assert run_experiment(record, CONFIGS, SEEDS, tmp_path, 2, progress=False) == _oracle()
    assert calls(tmp_path / "2" / "1") == 1
    assert all(calls(folder) == 1 for folder in _folders(tmp_path))
    # The dropped record is gone from the journal, which was merged into one file.
    assert len(journal_files(tmp_path)) <= 3
    assert set(read_journal(tmp_path)) == {f"{c['ID']}/{s}" for c in CONFIGS for s in SEEDS}


def test_many_journal_files_are_merged(tmp_path: Path) -> None:
    for seed in range(40):  # each serial run appends from this process: one file, kept open
        run_experiment(record, CONFIGS[:1], [seed], tmp_path, 1, progress=False)
    assert len(journal_files(tmp_path)) <= 33
    assert len(read_journal(tmp_path)) == 40
    assert (tmp_path / JOURNAL).is_dir()
