"""No orphans: a sweep's workers end with its master, however the master ends.

Each test starts a sweep in a subprocess whose jobs sleep for minutes, waits until every job
has started (each writes its worker's PID), then kills or interrupts the master and checks
that no worker process is left within 10 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SWEEP = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from lagom.experiment import Config, run_experiment

    def run(config, seed, device, logdir):
        (Path(logdir) / "pid").write_text(str(os.getpid()))
        time.sleep(300)
        return seed

    if __name__ == "__main__":
        run_experiment(run, Config({}), [0, 1], sys.argv[1], max_workers=2, progress=False)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended; only its exit status is left


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log_dir = tmp_path / "logs"
    master = subprocess.Popen(
        [sys.executable, str(script), str(log_dir)], env=env, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    files = [log_dir / "0" / str(seed) / "pid" for seed in (0, 1)]
    while not all(f.exists() and f.read_text() for f in files):
        assert master.poll() is None, master.stderr.read() if master.stderr else ""
        assert time.monotonic() < deadline, "the jobs did not start"
        time.sleep(0.1)
    return master, [int(f.read_text()) for f in files]


def _wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if _alive(pid)]
        if not left:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc (the behaviour holds elsewhere)"
)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_workers_end_with_their_master(tmp_path: Path, how: signal.Signals) -> None:
    master, workers = _start(tmp_path)
    assert all(_alive(pid) for pid in workers)
    try:
        master.send_signal(how)
        master.wait(timeout=30)
        left = _wait_gone(workers)
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if master.poll() is None:
            master.kill()
    assert left == [], f"workers {left} outlived their master ({how.name})"
    assert master.returncode != 0


def test_an_interrupted_pool_leaves_no_thread_behind() -> None:
    """After an interrupt, the pool's manager thread has ended before the master exits.

    Otherwise the interpreter's exit hook of ``concurrent.futures`` races that thread's
    cleanup and prints ``OSError: Bad file descriptor`` after lagom's one-line message.
    """
    from concurrent.futures import ProcessPoolExecutor

    from lagom.experiment._executor import _stop_pool
    from lagom.utils.processes import mp_context

    pool = ProcessPoolExecutor(1, mp_context())
    future = pool.submit(time.sleep, 60)
    deadline = time.monotonic() + 60
    while not future.running():
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    workers = list(pool._processes.values())  # type: ignore[union-attr]
    manager = pool._executor_manager_thread
    assert manager is not None
    assert manager.is_alive()
    _stop_pool(pool)
    assert not manager.is_alive()
    assert all(not process.is_alive() for process in workers)
    assert future.cancelled() or future.exception(timeout=0) is not None
