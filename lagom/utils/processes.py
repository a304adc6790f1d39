"""A master that farms tasks out to worker processes over pipes, and the worker base class."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from abc import ABC, abstractmethod
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from lagom._checks import check_int, check_real

# From <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1

__all__ = ["ProcessMaster", "ProcessWorker", "die_with", "mp_context"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by another user
        return True
    try:  # a zombie has ended: only its exit status waits to be read
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def die_with(pid: int, poll_seconds: float = 0.5) -> None:
    """End this (worker) process soon after process ``pid`` (its master) ends, however it ends.

    A worker training for minutes would otherwise run on after its master was killed
    (``kill -9``) and write the folder a rerun writes too. A daemon thread checks every
    ``poll_seconds`` whether ``pid`` still runs and ends this process with ``os._exit`` once
    it does not; where ``pid`` is the parent, Linux is also asked to send ``SIGKILL`` at once
    (``prctl(PR_SET_PDEATHSIG)``). The master is named rather than taken to be the parent
    because a worker started by "forkserver" is the fork server's child, and the fork server
    lives as long as any of its children does.

    Raises:
        TypeError: ``pid`` is not an int or ``poll_seconds`` not a real number.
        ValueError: ``pid < 1``, or ``poll_seconds`` is not positive and finite.

    Example:
        >>> die_with(os.getpid())  # in a worker's initializer; here: watching ourselves
        >>> any(t.name == "lagom-master-watch" for t in threading.enumerate())
        True
    """
    pid = check_int("pid", pid, minimum=1)
    poll_seconds = check_real("poll_seconds", poll_seconds, finite=True)
    if not poll_seconds > 0:
        raise ValueError(f"poll_seconds must be positive, got {poll_seconds}")
    if pid == os.getppid() and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread remains
            pass
    if not _alive(pid):  # the master ended before the watch began
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if not _alive(pid):
                os._exit(1)

    threading.Thread(target=watch, name="lagom-master-watch", daemon=True).start()


def mp_context() -> BaseContext:
    """The start method for lagom's own worker pools: "forkserver", else "spawn"; never "fork".

    The parent may hold threads (torch's intra-op pool, a progress thread) or CUDA, and a
    forked child inherits locks held by threads that do not exist in it and a CUDA context it
    cannot use (Python 3.12 warns of the deadlock). The fork server is a fresh
    single-threaded process, so children forked from it are safe. Code sent to such workers
    must pickle (lagom sends it through cloudpickle) and a script needs the
    ``if __name__ == "__main__":`` guard.

    Example:
        >>> mp_context().get_start_method() in ("forkserver", "spawn")
        True
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


_CLOSE = "close"
_CONFIRMED = "confirmed"


class ProcessWorker(ABC):
    """Base class of a worker that runs in its own process and serves tasks over a pipe.

    The master starts a process whose target is the worker class itself: constructing the
    worker runs its serving loop. The worker waits for a job (a list of ``(task_id, task)``
    pairs), answers with ``[(task_id, result), ...]``, and on the ``"close"`` command
    confirms, closes its connection and returns. An exception in :meth:`work` is sent back
    to the master as text, which then raises.

    Args:
        master_conn: the master's end of the pipe (closed here: it belongs to the master).
        worker_conn: this worker's end of the pipe.

    Example:
        A worker served in this process: the job and the close command wait in its pipe,
        so constructing it answers both and returns.

        >>> from multiprocessing import Pipe
        >>> class Square(ProcessWorker):
        ...     def work(self, task_id, task):
        ...         return task**2
        >>> master_conn, worker_conn = Pipe()
        >>> master_conn.send([(0, 3), (1, 4)])
        >>> master_conn.send("close")
        >>> _, unused_end = Pipe()  # the end a worker closes (the master's, in a real run)
        >>> _ = Square(unused_end, worker_conn)
        >>> master_conn.recv(), master_conn.recv()
        ([(0, 9), (1, 16)], 'confirmed')
    """

    def __init__(self, master_conn: Connection, worker_conn: Connection) -> None:
        master_conn.close()
        while True:
            job = worker_conn.recv()
            if job == _CLOSE:
                worker_conn.send(_CONFIRMED)
                worker_conn.close()
                break
            try:
                result: Any = [(task_id, self.work(task_id, task)) for task_id, task in job]
            except Exception:
                result = traceback.format_exc()
            worker_conn.send(result)

    @abstractmethod
    # Any: tasks and results are whatever the user's master and worker exchange.
    def work(self, task_id: int, task: Any) -> Any:
        """Work on the given task and return the result.

        Args:
            task_id: the task's index in the master's task list.
            task: the task.

        Returns:
            The result (it must be picklable).
        """


class ProcessMaster(ABC):
    """Base class of a master that runs a list of tasks on worker processes.

    Calling the master makes the tasks (:meth:`make_tasks`), starts the workers, hands out
    the tasks round-robin (task ``i`` to worker ``i % num_worker``), collects the results in
    task order, and closes the workers. With fewer tasks than workers only as many workers
    as tasks are started.

    Args:
        worker_class: a :class:`ProcessWorker` subclass (importable, so that any process
            start method can run it).
        num_worker: positive number of worker processes.

    Raises:
        TypeError: ``worker_class`` is not a :class:`ProcessWorker` subclass, or
            ``num_worker`` is not an int.
        ValueError: ``num_worker < 1``.

    Example:
        Two worker processes square three tasks (task 2 goes to worker 0 again). The
        classes are defined here, so this runs where processes start by ``fork`` (the
        default on Linux); elsewhere define them in an importable module.

        >>> class Square(ProcessWorker):
        ...     def work(self, task_id, task):
        ...         return task**2
        >>> class Master(ProcessMaster):
        ...     def make_tasks(self):
        ...         return [1, 2, 3]
        >>> master = Master(Square, num_worker=2)
        >>> master()
        [1, 4, 9]
        >>> [process.exitcode for process in master.list_process]
        [0, 0]
    """

    def __init__(self, worker_class: type[ProcessWorker], num_worker: int) -> None:
        if not (isinstance(worker_class, type) and issubclass(worker_class, ProcessWorker)):
            raise TypeError(f"worker_class must be a ProcessWorker subclass, got {worker_class!r}")
        num_worker = check_int("num_worker", num_worker, minimum=1)
        self.worker_class = worker_class
        self.num_worker = num_worker
        self.master_conns: list[Connection] = []
        self.list_process: list[BaseProcess] = []

    def __call__(self) -> list[Any]:
        """Run every task of :meth:`make_tasks` on the workers; return the results in order.

        Raises:
            TypeError: :meth:`make_tasks` did not return a list.
        """
        tasks = self.make_tasks()
        if not isinstance(tasks, list):  # None (no return) would silently give no results
            raise TypeError(f"make_tasks must return a list of tasks, got {type(tasks).__name__}")
        if not tasks:
            return []
        self.num_worker = min(self.num_worker, len(tasks))
        self.make_workers()
        try:
            return self.assign_tasks(tasks)
        finally:
            self.close()

    def make_workers(self) -> None:
        """Start ``num_worker`` worker processes, each with its own pipe."""
        self.master_conns, self.list_process = [], []
        for _ in range(self.num_worker):
            master_conn, worker_conn = multiprocessing.Pipe()
            process = multiprocessing.Process(
                target=self.worker_class, args=(master_conn, worker_conn), daemon=False
            )
            process.start()
            # The worker's end now lives in the child; closing ours lets recv() see its exit.
            worker_conn.close()
            self.master_conns.append(master_conn)
            self.list_process.append(process)

    @abstractmethod
    def make_tasks(self) -> list[Any]:
        """Return the list of tasks."""

    def assign_tasks(self, tasks: list[Any]) -> list[Any]:
        """Hand ``tasks`` out round-robin to the started workers; return results in task order.

        Raises:
            RuntimeError: a worker's :meth:`ProcessWorker.work` raised (its traceback is in
                the message) or a worker died.
        """
        jobs: list[list[tuple[int, Any]]] = [[] for _ in self.master_conns]
        for task_id, task in enumerate(tasks):
            jobs[task_id % len(jobs)].append((task_id, task))
        for master_conn, job in zip(self.master_conns, jobs, strict=True):
            master_conn.send(job)
        results: list[Any] = [None] * len(tasks)
        failures = []
        for index, master_conn in enumerate(self.master_conns):
            try:
                answer = master_conn.recv()
            except EOFError:
                failures.append(f"worker {index} exited without answering")
                continue
            if isinstance(answer, str):
                failures.append(f"worker {index} failed:\n{answer}")
                continue
            for task_id, result in answer:
                results[task_id] = result
        if failures:
            raise RuntimeError("\n".join(failures))
        return results

    def close(self) -> None:
        """Stop every worker, close the pipes and wait for the processes to exit."""
        for master_conn in self.master_conns:
            try:
                master_conn.send(_CLOSE)
                master_conn.recv()
            except (EOFError, BrokenPipeError, OSError):
                pass  # the worker is already gone: nothing to stop
            master_conn.close()
        for process in self.list_process:
            process.join()
