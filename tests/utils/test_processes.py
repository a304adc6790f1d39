"""Tests for ``lagom.utils.processes``: ProcessMaster and ProcessWorker on real processes."""

from __future__ import annotations

import os
from typing import Any

import pytest

from lagom.utils import ProcessMaster, ProcessWorker


class SquareWorker(ProcessWorker):
    def work(self, task_id: int, task: Any) -> Any:
        return task_id, task**2, os.getpid()


class FailingWorker(ProcessWorker):
    def work(self, task_id: int, task: Any) -> Any:
        if task == 3:
            raise ZeroDivisionError("task three is cursed")
        return task


class Master(ProcessMaster):
    def __init__(self, worker_class: type[ProcessWorker], num_worker: int, tasks: list[Any]):
        super().__init__(worker_class, num_worker)
        self.tasks = tasks

    def make_tasks(self) -> list[Any]:
        return self.tasks


def _assert_closed(master: ProcessMaster) -> None:
    assert all(conn.closed for conn in master.master_conns)
    assert all(process.exitcode == 0 for process in master.list_process)


def test_two_workers_return_results_in_task_order() -> None:
    tasks = list(range(10))
    master = Master(SquareWorker, num_worker=2, tasks=tasks)
    results = master()
    assert [(task_id, square) for task_id, square, _ in results] == [(t, t * t) for t in tasks]
    pids = [pid for _, _, pid in results]
    assert os.getpid() not in pids
    assert len(set(pids)) == 2
    # Round-robin: even tasks on one worker, odd tasks on the other.
    assert len(set(pids[0::2])) == 1
    assert len(set(pids[1::2])) == 1
    assert len(master.list_process) == 2
    _assert_closed(master)


def test_fewer_tasks_than_workers_start_fewer_workers() -> None:
    master = Master(SquareWorker, num_worker=4, tasks=[5, 6])
    assert [square for _, square, _ in master()] == [25, 36]
    assert master.num_worker == 2
    assert len(master.list_process) == 2
    _assert_closed(master)


def test_no_tasks_start_no_workers() -> None:
    master = Master(SquareWorker, num_worker=2, tasks=[])
    assert master() == []
    assert master.list_process == []


@pytest.mark.parametrize("tasks", [None, (1, 2), iter([1, 2])])
def test_make_tasks_must_return_a_list(tasks: Any) -> None:
    # A make_tasks that forgot its return gave None: [] results, silently.
    master = Master(SquareWorker, num_worker=2, tasks=tasks)
    with pytest.raises(TypeError, match="make_tasks must return a list of tasks, got"):
        master()
    assert master.list_process == []


def test_a_failing_task_raises_and_still_closes_the_workers() -> None:
    master = Master(FailingWorker, num_worker=2, tasks=[0, 1, 2, 3])
    with pytest.raises(RuntimeError, match=r"worker 1 failed:(.|\n)*task three is cursed"):
        master()
    _assert_closed(master)


def test_validation() -> None:
    with pytest.raises(TypeError, match="worker_class must be a ProcessWorker subclass"):
        Master(int, num_worker=2, tasks=[])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_worker must be at least 1, got 0"):
        Master(SquareWorker, num_worker=0, tasks=[])
