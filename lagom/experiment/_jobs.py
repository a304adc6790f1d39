"""The worker side of :func:`~lagom.experiment.run_experiment`: run jobs, record outcomes (private).

A job is one ``(config, seed)`` pair. Running it calls ``run(config, seed, device, logdir)``;
a finished job's result is appended, as JSON, to the sweep's journal
(:mod:`lagom.experiment._journal`, written last, after ``run`` returned), and a failed job
leaves its traceback in ``logdir/`` :data:`ERROR`. This module is imported by worker
processes, so it needs only the standard library and cloudpickle.

Files are written by :func:`lagom.utils.serialize.atomic_write` without ``fsync``: the
rename protects against a killed process, which is the failure we guard against, and an
``fsync`` costs about 4 ms per file here, more than a trivial job.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from lagom.experiment._journal import append, to_json
from lagom.utils.lock import folder_lock
from lagom.utils.processes import die_with
from lagom.utils.serialize import atomic_write

__all__ = [
    "ERROR",
    "Job",
    "Outcome",
    "Task",
    "dumps",
    "execute",
    "init_worker",
    "run_task",
]

ERROR = "error.txt"


class Job(NamedTuple):
    """One ``(config, seed)`` pair: its index in job order, and where and how it runs.

    ``key`` is ``logdir`` relative to the sweep's folder, ``"<ID>/<seed>"``: the job's name
    in the journal.
    """

    position: int
    config: dict[str, Any]
    seed: int
    device: str
    logdir: Path
    key: str


class Outcome(NamedTuple):
    """What running a job gave: ``ok`` with the pickled result, or the traceback text."""

    position: int
    ok: bool
    payload: bytes | str


class Task(NamedTuple):
    """What a worker receives: ``run`` and a chunk of jobs, both pickled by cloudpickle.

    Pickling in the master, once per sweep for ``run``, lets lambdas and closures travel
    through any executor and turns an unpicklable job into a failure of that job alone.
    ``root`` is the sweep's folder, where the journal lives.
    """

    run: bytes
    jobs: bytes
    torch_threads: int | None
    root: str


def dumps(obj: object) -> bytes:
    """Pickle ``obj`` with cloudpickle at the highest protocol."""
    import cloudpickle

    data: bytes = cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return data


#: The environment variables of the thread pools torch uses (OpenMP, MKL).
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _set_torch_threads(n: int | None) -> int | None:
    """Set torch's intra-op threads to ``n`` if torch is loaded; return the previous count.

    torch is never imported here: importing it costs a second per worker, and a job that
    does not use torch should not pay it. Worker processes that lagom starts also get
    ``OMP_NUM_THREADS`` from :func:`init_worker`, which covers a job importing torch later.
    """
    torch = sys.modules.get("torch")
    if n is None or torch is None:
        return None
    previous: int = torch.get_num_threads()
    if previous != n:
        torch.set_num_threads(n)
    return previous


def _thread_variables(n: int | None) -> dict[str, str | None]:
    """Where torch is not loaded yet (a serial sweep, a foreign executor's worker), set
    ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` to ``n`` for a job that imports torch: torch
    reads them then, so its first job runs with ``n`` threads as the later ones do. Return
    the values to restore (``None``: unset) after the job."""
    if n is None or "torch" in sys.modules:
        return {}
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(_THREAD_VARIABLES, str(n)))
    return saved


def init_worker(torch_threads: int | None, master: int | None = None) -> None:
    """Initialize a worker process of lagom's own pool: it ends when the ``master`` process
    ends, leaves Ctrl-C to the master (which stops it), and gets thread limits for
    OpenMP/MKL."""
    if master is not None:
        die_with(master)
    # A terminal's Ctrl-C reaches the whole process group; the master decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if torch_threads is not None:
        for name in _THREAD_VARIABLES:
            os.environ[name] = str(torch_threads)


def execute(run: Callable[..., Any], job: Job, torch_threads: int | None, root: str) -> Outcome:
    """Run one job in this process and record its outcome: the journal of the sweep in
    ``root``, or ``logdir/error.txt``.

    An exception becomes a failed outcome and ``logdir/error.txt``: any ``BaseException``
    (``SystemExit``, so that ``sys.exit`` in a job cannot end a serial sweep, and asyncio's
    ``CancelledError`` or ``GeneratorExit`` escaping a job's own machinery, which would
    otherwise end the whole sweep) but ``KeyboardInterrupt``, which propagates. Each job
    gets its own shallow copy of the configuration.
    """
    logdir = job.logdir
    previous = None
    saved = _thread_variables(torch_threads)
    try:
        with folder_lock(logdir):
            (logdir / ERROR).unlink(missing_ok=True)
            previous = _set_torch_threads(torch_threads)
            result = run(dict(job.config), job.seed, job.device, logdir)
            record = to_json(result)
            data = dumps(result)
            append(root, job.key, record)
    except KeyboardInterrupt:
        raise
    except BaseException:
        text = traceback.format_exc()
        try:
            atomic_write(logdir / ERROR, text.encode("utf-8"), fsync=False)
        except (OSError, ValueError) as error:  # ValueError: a folder named error.txt
            # Said first: the summary shows a traceback's last line, which must stay the
            # job's own exception (on a full disk, often the very cause of this one).
            text = f"({ERROR} could not be written: {error})\n{text}"
        return Outcome(job.position, False, text)
    finally:
        _set_torch_threads(previous)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Outcome(job.position, True, data)


def run_task(task: Task) -> list[Outcome]:
    """Worker entry point: unpickle ``run`` and the chunk, and run its jobs one by one."""
    run = pickle.loads(task.run)
    jobs: Sequence[Job] = pickle.loads(task.jobs)
    return [execute(run, job, task.torch_threads, task.root) for job in jobs]
