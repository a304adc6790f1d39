"""One writer per folder: ``folder_lock`` and the sweep and run-folder locks built on it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lagom.experiment import Config, run_experiment
from lagom.utils import FolderLockedError, folder_lock

ROOT = Path(__file__).resolve().parents[2]

HOLD = textwrap.dedent(
    """
    import sys, time
    from lagom.utils import folder_lock
    with folder_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(120)
    """
)


def _holder(folder: Path) -> subprocess.Popen[str]:
    """A second process that takes the lock of ``folder`` and keeps it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_process_is_refused_with_the_holder_pid(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    try:
        message = f"another lagom process \\(PID {proc.pid}\\)"
        with pytest.raises(FolderLockedError, match=message), folder_lock(tmp_path):
            pass
    finally:
        proc.kill()
        proc.wait()


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (tmp_path / ".lock").read_text().strip() == str(proc.pid)  # stale file left
    with folder_lock(tmp_path):
        assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())


def test_the_lock_is_reentrant_and_released(tmp_path: Path) -> None:
    with folder_lock(tmp_path), folder_lock(tmp_path / "."):
        pass
    proc = _holder(tmp_path)  # released: another process gets it at once
    proc.kill()
    proc.wait()


def test_a_sweep_refuses_a_log_dir_another_process_writes(tmp_path: Path) -> None:
    calls: list[int] = []

    def run(config: dict[str, object], seed: int, device: str, logdir: Path) -> int:
        calls.append(seed)
        return seed

    proc = _holder(tmp_path)
    try:
        with pytest.raises(FolderLockedError, match=str(proc.pid)):
            run_experiment(run, Config({}), [0, 1], tmp_path, progress=False)
    finally:
        proc.kill()
        proc.wait()
    assert calls == []
    assert run_experiment(run, Config({}), [0, 1], tmp_path, progress=False) == [0, 1]


def test_a_job_whose_run_folder_is_held_fails_alone(tmp_path: Path) -> None:
    from lagom.experiment import SweepError

    def run(config: dict[str, object], seed: int, device: str, logdir: Path) -> int:
        return seed

    proc = _holder(tmp_path / "0" / "1")
    try:
        with pytest.raises(SweepError) as info:
            run_experiment(run, Config({}), [0, 1], tmp_path, progress=False)
    finally:
        proc.kill()
        proc.wait()
    assert info.value.results == [0, None]
    assert "FolderLockedError" in info.value.failed[0].error


def test_bad_folder_type() -> None:
    with (
        pytest.raises(TypeError, match=r"folder must be a str or os.PathLike path, got int 3"),
        folder_lock(3),
    ):  # type: ignore[arg-type]
        pass


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with (
        pytest.raises(ValueError, match="exists and is not a folder"),
        folder_lock(tmp_path / "file"),
    ):
        pass
