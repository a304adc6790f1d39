"""Picklable job functions for the ``run_experiment`` tests.

Every call of :func:`record` leaves a file in ``logdir/calls/``, so tests count how often a
job ran, even across processes. Configuration items steer it: ``x`` enters the result,
``mode`` (``"raise"``, ``"exit"`` or ``"kill"``) makes it fail, but only while the file
named by ``flag`` exists (or always, without ``flag``), and the environment variable
``LAGOM_TEST_JOB_SLEEP`` (seconds) makes every call slow.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from lagom.experiment._journal import read_journal


def expected(config: dict[str, Any], seed: int, device: str) -> dict[str, Any]:
    """What :func:`record` returns for a job: the oracle of the tests."""
    return {
        "ID": config["ID"],
        "seed": seed,
        "device": device,
        "value": config.get("x", 0) * 1000 + seed,
    }


def finished(log_dir: Path) -> set[Path]:
    """The folders of the jobs whose results are in the journal of the sweep in ``log_dir``."""
    return {log_dir / key for key in read_journal(log_dir)}


def calls(logdir: Path) -> int:
    """How many times a job ran in ``logdir``."""
    folder = logdir / "calls"
    return len(list(folder.iterdir())) if folder.exists() else 0


def record(config: dict[str, Any], seed: int, device: str, logdir: Path) -> dict[str, Any]:
    """Record the call, fail as the configuration says, and return :func:`expected`."""
    (logdir / "calls").mkdir(exist_ok=True)
    (logdir / "calls" / f"{os.getpid()}-{uuid.uuid4().hex}").touch()
    time.sleep(float(os.environ.get("LAGOM_TEST_JOB_SLEEP", "0")))
    mode = config.get("mode", "ok")
    flag = config.get("flag")
    if mode != "ok" and (flag is None or Path(flag).exists()):
        if mode == "raise":
            raise ZeroDivisionError(f"job {config['ID']}/{seed} fails on purpose")
        if mode == "exit":
            os._exit(3)
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
    return expected(config, seed, device)


def torch_threads(config: dict[str, Any], seed: int, device: str, logdir: Path) -> int:
    """The number of torch intra-op threads the job sees (imports torch)."""
    import torch

    return torch.get_num_threads()
