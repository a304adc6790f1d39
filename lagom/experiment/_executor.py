"""How a sweep's jobs reach processes: in-process, lagom's own pool, or any Executor (private).

lagom's own pool is a ``ProcessPoolExecutor`` started by "forkserver" (by "spawn" where
there is no forkserver, as on Windows), never by "fork": the master may hold threads (the
pool's own manager thread, torch's thread pools, a Dask client) and may have initialized
CUDA, and a forked child inherits locks held by threads that do not exist in it, and a
CUDA context it cannot use. The fork server is a fresh single-threaded process, so its
children start clean, at a fraction of the cost of "spawn".

When a worker dies (``os._exit``, a segfault, the OOM killer), the stdlib pool breaks and
fails every job in it without saying which one killed it. The pool here keeps at most a
few chunks per worker submitted, so after a break only those are suspects. Each suspect
whose record is in the sweep's journal finished before the break; every other suspect runs
again alone, in a fresh process of its own (as many at once as there are workers), so a death
there is that job's own; then a new pool takes the remaining jobs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from concurrent.futures import as_completed as _as_completed
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as _wait_connections
from multiprocessing.context import BaseContext
from typing import Any, cast

from lagom.experiment._jobs import Job, Outcome, Task, dumps, execute, init_worker, run_task
from lagom.experiment._journal import read_journal
from lagom.experiment._progress import Tracker
from lagom.utils.processes import mp_context

__all__ = ["mp_context", "run_executor", "run_pool", "run_serial"]

# Chunks submitted per worker: enough that a worker never waits for the master, few enough
# that a broken pool leaves only a handful of suspects to rerun alone.
_WINDOW_PER_WORKER = 4


def run_serial(
    run: Callable[..., Any], jobs: Sequence[Job], threads: int | None, tracker: Tracker
) -> None:
    """Run the jobs one after another in this process."""
    for job in jobs:
        tracker.record(execute(run, job, threads, tracker.root))


def _chunks(jobs: Sequence[Job], size: int) -> list[list[Job]]:
    return [list(jobs[start : start + size]) for start in range(0, len(jobs), size)]


def _task(run: bytes, chunk: list[Job], threads: int | None, tracker: Tracker) -> Task | None:
    """Pickle a chunk for a worker; a chunk that cannot be pickled fails its jobs here."""
    try:
        return Task(run, dumps(chunk), threads, tracker.root)
    except Exception:
        text = f"the job's configuration could not be pickled\n{traceback.format_exc()}"
        for job in chunk:
            tracker.fail(job, text)
        return None


def _collect(future: Future[list[Outcome]], chunk: list[Job], tracker: Tracker) -> bool:
    """Record a finished chunk; return True (recording nothing) if its executor broke."""
    try:
        outcomes = future.result()
    except BrokenExecutor:
        return True
    except Exception:
        text = traceback.format_exc()
        for job in chunk:
            tracker.fail(job, text)
        return False
    for outcome in outcomes:
        tracker.record(outcome)
    return False


def run_pool(
    run: bytes,
    jobs: Sequence[Job],
    chunksize: int,
    workers: int,
    threads: int | None,
    tracker: Tracker,
) -> None:
    """Run the jobs on lagom's own process pool, rebuilt after any worker death."""
    context = mp_context()
    pending = deque(_chunks(jobs, chunksize))
    # No more workers than chunks: a larger pool would only start idle processes (and a
    # count beyond a semaphore's range fails inside multiprocessing).
    workers = min(workers, len(pending))
    while pending:
        suspects = _pool_round(context, run, pending, workers, threads, tracker)
        _run_alone(context, run, suspects, workers, threads, tracker)


def _pool_round(
    context: BaseContext,
    run: bytes,
    pending: deque[list[Job]],
    workers: int,
    threads: int | None,
    tracker: Tracker,
) -> list[Job]:
    """Run chunks from ``pending`` on one pool until done or broken; return the suspects."""
    pool = ProcessPoolExecutor(
        workers, context, initializer=init_worker, initargs=(threads, os.getpid())
    )
    inflight: dict[Future[list[Outcome]], list[Job]] = {}
    suspects: list[Job] = []
    broken = False
    try:
        while (pending or inflight) and not broken:
            while pending and len(inflight) < _WINDOW_PER_WORKER * workers:
                chunk = pending.popleft()
                task = _task(run, chunk, threads, tracker)
                if task is None:
                    continue
                try:
                    inflight[pool.submit(run_task, task)] = chunk
                except BrokenProcessPool:
                    pending.appendleft(chunk)
                    broken = True
                    break
            if not inflight or broken:
                break
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = inflight.pop(future)
                if _collect(future, chunk, tracker):
                    suspects.extend(chunk)
                    broken = True
        # A pool that breaks fails all its futures at once: collect the rest of them.
        for future in wait(inflight).done:
            if _collect(future, inflight[future], tracker):
                suspects.extend(inflight[future])
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): the workers stop now, not after their jobs; what
        # they checkpointed is kept and a rerun resumes from it.
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    return sorted(suspects, key=lambda job: job.position)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers and wait for its manager thread to notice and end.

    The manager thread must be gone before the interpreter exits: it closes its wake-up
    pipe while cleaning up after the dead workers, and the exit hook of
    ``concurrent.futures`` (before Python 3.12) writes to that pipe unlocked, which races
    into ``OSError: Bad file descriptor`` printed after our own message.
    """
    processes = getattr(pool, "_processes", None) or {}
    manager = getattr(pool, "_executor_manager_thread", None)
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.kill()
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.join(5)
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None:
        manager.join(10)


def _alone_main(task: Task, sender: Connection, master: int) -> None:
    """Entry point of a process that runs one job alone (after a pool broke)."""
    init_worker(task.torch_threads, master)
    sender.send(run_task(task))
    sender.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"was killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def _run_alone(
    context: BaseContext,
    run: bytes,
    jobs: Sequence[Job],
    workers: int,
    threads: int | None,
    tracker: Tracker,
) -> None:
    """Run each job in a fresh process of its own, ``workers`` at a time."""
    queue: deque[Job] = deque()
    finished = read_journal(tracker.root) if jobs else {}
    for job in jobs:
        if job.key in finished:  # it finished before the pool broke
            result = json.loads(finished[job.key].result)
            tracker.record(Outcome(job.position, True, dumps(result)))
        else:
            queue.append(job)
    running: dict[Connection, tuple[Job, Any]] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                job = queue.popleft()
                task = _task(run, [job], threads, tracker)
                if task is None:
                    continue
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(  # type: ignore[attr-defined]
                    target=_alone_main, args=(task, sender, os.getpid()), daemon=True
                )
                process.start()
                sender.close()
                running[receiver] = (job, process)
            for ready in _wait_connections(list(running)):
                receiver = cast(Connection, ready)
                job, process = running.pop(receiver)
                try:
                    outcomes: list[Outcome] = receiver.recv()
                except EOFError:
                    outcomes = []
                receiver.close()
                process.join()
                if outcomes:
                    tracker.record(outcomes[0])
                else:
                    tracker.fail(
                        job,
                        "The job was rerun alone in a fresh process after its process pool broke.\n"
                        f"WorkerDied: the process running this job {_death(process.exitcode)}\n",
                    )
    except BaseException:
        for _job, process in running.values():
            process.terminate()
        raise


def run_executor(
    executor: Executor,
    run: bytes,
    jobs: Sequence[Job],
    chunksize: int,
    threads: int | None,
    tracker: Tracker,
) -> None:
    """Run the jobs on a caller's executor, all submitted at once.

    The caller owns the executor, so one that breaks is not rebuilt: its unfinished jobs
    fail (their folders say why) and the next call with the same ``log_dir`` runs them.
    """
    chunks = _chunks(jobs, chunksize)
    futures: dict[Future[list[Outcome]], list[Job]] = {}
    try:
        for position, chunk in enumerate(chunks):
            task = _task(run, chunk, threads, tracker)
            if task is None:
                continue
            try:
                futures[executor.submit(run_task, task)] = chunk
            except (BrokenExecutor, RuntimeError):
                text = f"the executor refused the job\n{traceback.format_exc()}"
                for job in (job for rest in chunks[position:] for job in rest):
                    tracker.fail(job, text)
                break
        for future in _as_completed(futures):
            if _collect(future, futures[future], tracker):
                text = f"the executor broke while running the job\n{_format(future)}"
                for job in futures[future]:
                    tracker.fail(job, text)
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _format(future: Future[Any]) -> str:
    error = future.exception()
    if error is None:
        return "no exception"
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))
