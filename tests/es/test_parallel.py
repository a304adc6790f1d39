"""Tests for ``lagom.es.parallel``: parallel evaluation equals serial evaluation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest

from lagom.es import CEM, PopulationEvaluator, evaluate_population

# Worker-globals, as a user's module would keep them; set by the initializers below.
_scale = 1.0
_initializations = 0


def _init_scale(scale: float) -> None:
    global _scale, _initializations
    _scale = scale
    _initializations += 1


def _scaled_sphere(x: np.ndarray) -> float:
    return _scale * float(np.sum(x**2))


def _initializations_seen(x: np.ndarray) -> float:
    return float(_initializations)


def _population(size: int = 10, dimension: int = 3) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((size, dimension))


def test_two_workers_with_a_lambda_equal_serial_evaluation() -> None:
    xs = _population()
    serial = np.array([float(np.sum(np.abs(x))) for x in xs])
    objective = lambda x: float(np.sum(np.abs(x)))  # noqa: E731 - a lambda on purpose
    assert np.array_equal(evaluate_population(objective, xs), serial)
    with ProcessPoolExecutor(2) as pool:
        assert np.array_equal(evaluate_population(objective, list(xs), pool, chunksize=3), serial)
    with PopulationEvaluator(objective, max_workers=2, chunksize=3) as evaluate:
        assert np.array_equal(evaluate(xs), serial)


def test_an_initializer_sets_up_each_worker_once() -> None:
    xs = _population()
    serial = np.array([3.0 * float(np.sum(x**2)) for x in xs])
    with PopulationEvaluator(
        _scaled_sphere, max_workers=2, initializer=_init_scale, initargs=(3.0,)
    ) as evaluate:
        for _ in range(3):
            assert np.array_equal(evaluate(xs), serial)
    with PopulationEvaluator(
        _initializations_seen, max_workers=2, initializer=_init_scale, initargs=(1.0,)
    ) as evaluate:
        for _ in range(3):
            assert evaluate(xs).tolist() == [1.0] * len(xs)


def test_a_script_style_initializer_and_lambda_share_their_globals() -> None:
    # Functions defined in a script or notebook are pickled by value; sent together they
    # keep sharing one globals dict in the worker, so the worker-global pattern still works.
    namespace: dict[str, object] = {"np": np}
    exec(
        "offset = 0.0\n"
        "def init(value):\n"
        "    global offset\n"
        "    offset = value\n"
        "objective = lambda x: offset + float(np.sum(x))\n",
        namespace,
    )
    xs = _population()
    with PopulationEvaluator(
        namespace["objective"],  # type: ignore[arg-type]
        max_workers=2,
        initializer=namespace["init"],  # type: ignore[arg-type]
        initargs=(10.0,),
    ) as evaluate:
        np.testing.assert_array_equal(evaluate(xs), 10.0 + xs.sum(axis=1))


def test_one_pool_serves_every_generation() -> None:
    es = CEM(np.ones(4), 0.5, {"popsize": 8, "seed": 0})
    pids: set[float] = set()
    with PopulationEvaluator(lambda x: float(os.getpid()), max_workers=2) as evaluate:
        for _ in range(4):
            solutions = es.ask()
            pids.update(evaluate(solutions).tolist())
            es.tell(solutions, [float(np.sum(x**2)) for x in solutions])
    assert 1 <= len(pids) <= 2
    assert float(os.getpid()) not in pids


def _die_once(marker: Path) -> object:
    def objective(x: np.ndarray) -> float:
        if x[0] < 0 and not marker.exists():
            marker.touch()
            os._exit(1)
        return float(x[0])

    return objective


def test_a_dead_worker_is_replaced_and_the_population_finished(tmp_path: Path) -> None:
    xs = np.array([[1.0], [2.0], [-3.0], [4.0]])
    with PopulationEvaluator(_die_once(tmp_path / "died"), max_workers=2) as evaluate:  # type: ignore[arg-type]
        assert evaluate(xs).tolist() == [1.0, 2.0, -3.0, 4.0]
        assert evaluate(xs).tolist() == [1.0, 2.0, -3.0, 4.0]


def test_workers_that_keep_dying_raise_a_clear_error() -> None:
    def crash(x: np.ndarray) -> float:
        if x[0] < 0:
            os._exit(1)
        return float(x[0])

    with PopulationEvaluator(crash, max_workers=2, max_restarts=1) as evaluate:
        with pytest.raises(BrokenProcessPool, match=r"worker process died.*recreated 1 time"):
            evaluate(np.array([[1.0], [-1.0]]))
        assert evaluate(np.array([[1.0], [2.0]])).tolist() == [1.0, 2.0]
    with ProcessPoolExecutor(1) as pool, pytest.raises(BrokenProcessPool, match="worker"):
        evaluate_population(crash, [np.array([-1.0])], pool)


def test_a_given_executor_is_used_and_left_open() -> None:
    xs = _population()
    with ThreadPoolExecutor(2) as pool:
        with PopulationEvaluator(lambda x: float(x[0]), executor=pool) as evaluate:
            assert evaluate(xs).tolist() == xs[:, 0].tolist()
        assert pool.submit(lambda: 1).result() == 1  # not shut down by the evaluator


def test_bad_arguments_and_results_are_rejected() -> None:
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="either an executor"):
        PopulationEvaluator(float, executor=pool, initializer=print)
    with pytest.raises(ValueError, match="max_workers"):
        PopulationEvaluator(float, max_workers=0)
    with pytest.raises(ValueError, match="chunksize"):
        evaluate_population(float, [1.0], chunksize=0)
    with pytest.raises(TypeError, match="the objective's values must be real numbers"):
        evaluate_population(lambda x: np.ones(2), _population())
    with pytest.raises(TypeError, match="the objective's values must be real numbers"):
        evaluate_population(lambda x: "a", _population())
    # Nothing that is not a number passes as one (None was NaN, "1.5" and True numbers).
    for wrong, name in ((None, "NoneType None"), ("1.5", "str '1.5'"), (True, "bool True")):
        with pytest.raises(TypeError, match=f"values must be real numbers .*got {name} for"):
            evaluate_population(lambda x, wrong=wrong: wrong, _population())
    values = evaluate_population(lambda x: np.float32(x.sum()) if x[0] else 2, _population())
    assert values.dtype == np.float64
    with pytest.raises(
        TypeError, match="fn must be the objective, fn\\(x\\) -> float, got NoneType"
    ):
        evaluate_population(None, _population())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"solutions must be a population: .* got str"):
        evaluate_population(float, "abc")
    with pytest.raises(TypeError, match=r"solutions must be a population: .* got NoneType"):
        PopulationEvaluator(float, max_workers=1)(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_workers must be an int, got float nan"):
        PopulationEvaluator(float, max_workers=float("nan"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_restarts must be at least 0, got -1"):
        PopulationEvaluator(float, max_restarts=-1)
    with pytest.raises(TypeError, match="initializer must be callable, got int"):
        PopulationEvaluator(float, initializer=3)  # type: ignore[arg-type]


def test_the_own_pool_never_forks() -> None:
    # A forked child of a multi-threaded parent can deadlock (Python 3.12 warns).
    with PopulationEvaluator(abs, max_workers=1) as evaluate:
        pool = evaluate._own_pool()
        assert pool._mp_context.get_start_method() in ("forkserver", "spawn")
        assert evaluate([1.0, -2.0]).tolist() == [1.0, 2.0]


_MASTER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from lagom.es import PopulationEvaluator

    if __name__ == "__main__":
        with PopulationEvaluator(lambda x: os.getpid(), max_workers=2) as evaluate:
            pids = {int(v) for v in evaluate([[0.0]] * 8)}
            Path(sys.argv[1]).write_text(" ".join(map(str, sorted(pids))))
            time.sleep(300)
    """
)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_own_pool_processes_end_with_their_master(tmp_path: Path, how: signal.Signals) -> None:
    # Before: killing the process that made the pool left the fork server, its workers and
    # the resource tracker running for good (a killed `lagom train cem` with workers).
    script, out = tmp_path / "master.py", tmp_path / "pids"
    script.write_text(_MASTER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    master = subprocess.Popen([sys.executable, str(script), str(out)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_text()):
            assert master.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.1)
        workers = [int(pid) for pid in out.read_text().split()]
        below = _descendants(master.pid)
        assert set(workers) <= below
        assert workers  # one worker or both took the tasks
        master.send_signal(how)
        master.wait(30)
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in below if _running(pid)] == []
    finally:
        if master.poll() is None:
            master.kill()


def _mixed_bool(x: np.ndarray) -> object:
    return True if x[0] == 0 else 1.0


def test_a_bool_among_the_values_is_refused() -> None:
    # numpy reads [True, 1.0] as floats: the bool must be found item by item.
    xs = np.arange(6.0).reshape(3, 2)
    with pytest.raises(TypeError, match="not a bool\\), got bool True"):
        evaluate_population(_mixed_bool, xs)
    with pytest.raises(ValueError, match="fit in a float64"):
        evaluate_population(lambda x: 10**400, xs)


def test_a_shut_down_executor_is_named() -> None:
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    with pytest.raises(ValueError, match="executor refused the work \\(was it shut down\\?\\)"):
        evaluate_population(float, [1.0, 2.0], pool)
    with pytest.raises(ValueError, match="executor refused the work"):
        PopulationEvaluator(float, executor=pool)([1.0])


def _exits(x: object) -> float:
    sys.exit(3)


def test_sys_exit_in_a_worker_does_not_end_the_caller() -> None:
    # A worker's SystemExit reached the caller as a SystemExit: it ended silently.
    with (
        ThreadPoolExecutor(1) as pool,
        pytest.raises(RuntimeError, match=r"the objective called sys.exit\(3\)"),
    ):
        evaluate_population(_exits, [1.0], pool)


def _failing_init() -> None:
    raise ZeroDivisionError("cannot build the environment")


def test_a_failing_initializer_is_reported_as_such() -> None:
    # It used to break the pool: "a worker process died (a crash in native code, ...)",
    # after a pointless restart.
    with PopulationEvaluator(float, max_workers=1, initializer=_failing_init) as evaluate:
        with pytest.raises(RuntimeError, match=r"initializer .* raised") as info:
            evaluate([1.0, 2.0])
        assert "ZeroDivisionError: cannot build the environment" in str(info.value)
        with pytest.raises(RuntimeError, match="initializer"):
            evaluate([1.0])
