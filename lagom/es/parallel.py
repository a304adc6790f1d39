"""Evaluate a population in parallel: :func:`evaluate_population` and :class:`PopulationEvaluator`.

Starting processes costs far more than a generation of most objectives, so a
:class:`PopulationEvaluator` creates its process pool once and keeps it for every
generation. Each worker receives the objective once, when it starts (not with every
task), and may build expensive objects once too: an ``initializer`` runs in each worker
before its first task and can keep them in a module-level ("worker-global") variable that
the objective reads. For a reinforcement-learning objective, in a module of your own::

    import gymnasium as gym
    import numpy as np
    import torch

    env = policy = None  # worker-globals, set once per worker process

    def init_worker(env_id):
        global env, policy
        torch.set_num_threads(1)  # one thread per worker, or the cores thrash
        env = gym.make(env_id)
        policy = torch.nn.Linear(4, 2)

    @torch.no_grad()
    def episode_cost(params):
        torch.nn.utils.vector_to_parameters(torch.as_tensor(params, dtype=torch.float32),
                                            policy.parameters())
        ...  # run one episode with env and policy
        return -episode_return  # everything minimizes

    with PopulationEvaluator(episode_cost, max_workers=4,
                             initializer=init_worker, initargs=("CartPole-v1",)) as evaluate:
        for generation in range(100):
            solutions = es.ask()
            es.tell(solutions, evaluate(solutions))

Objectives, initializers and their arguments are serialized with cloudpickle, so lambdas
and closures work. Any ``concurrent.futures.Executor`` (a thread pool, a Dask or a loky
executor) can do the work instead of the default process pool.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import Any

import numpy as np

from lagom._checks import check_int
from lagom._types import ArrayLike, Float64Array
from lagom.es._shared import check_real_value
from lagom.utils import CloudpickleWrapper
from lagom.utils.processes import die_with
from lagom.utils.processes import mp_context as default_mp_context

__all__ = ["PopulationEvaluator", "evaluate_population"]

#: An objective: one real number (an int or a float, a numpy one included; not a bool,
#: which is refused when it runs) for one solution.
Objective = Callable[[Any], float | np.floating[Any] | np.integer[Any]]

# The objective installed in a worker of a PopulationEvaluator's own pool, or the traceback
# of the initializer that failed there (set by `_install` in worker processes only; the
# parent never assigns them).
_worker_objective: Objective | None = None
_worker_failure: str | None = None


def _install(
    payload: CloudpickleWrapper[tuple[Objective, Callable[..., object] | None, tuple[Any, ...]]],
    master: int,
) -> None:
    global _worker_objective, _worker_failure
    # A worker ends with the process that made the pool, however that one ends (a killed
    # training run must not leave its evaluation workers behind).
    die_with(master)
    try:
        objective, initializer, initargs = payload.x
        if initializer is not None:
            initializer(*initargs)
    except Exception:
        # Kept for every task to raise: an initializer that raises would otherwise break
        # the pool, which reads as a dead worker and is retried for nothing.
        _worker_failure = traceback.format_exc()
        return
    _worker_objective = objective


def _exited(error: SystemExit) -> RuntimeError:
    # A worker's SystemExit would reach the caller as one and end it without a word.
    return RuntimeError(
        f"the objective called sys.exit({error.code!r}) while evaluating a solution in a "
        "worker; raise an exception or return a large value instead"
    )


def _evaluate_installed(chunk: list[Any]) -> list[Any]:
    if _worker_failure is not None:
        raise RuntimeError(
            "the initializer of the PopulationEvaluator raised in a worker process:\n"
            + _worker_failure
        )
    if _worker_objective is None:
        raise RuntimeError("no objective installed in this worker process")
    try:
        return [_worker_objective(x) for x in chunk]
    except SystemExit as error:
        raise _exited(error) from None


def _evaluate_with(objective: Objective, chunk: list[Any]) -> list[Any]:
    try:
        return [objective(x) for x in chunk]
    except SystemExit as error:
        raise _exited(error) from None


def _chunks(solutions: Sequence[Any], chunksize: int) -> list[list[Any]]:
    return [list(solutions[i : i + chunksize]) for i in range(0, len(solutions), chunksize)]


def _as_values(raw: list[Any], count: int) -> Float64Array:
    # Item by item first: numpy would read [True, 1.0] as floats and None as NaN.
    for i, value in enumerate(raw):
        check_real_value(value, "the objective's values", f" for solution {i}")
    values: Float64Array = np.asarray(raw, dtype=np.float64)  # each one a real number
    if values.shape != (count,):
        raise TypeError(
            f"the objective must return one real number per solution, got values of "
            f"shape {values.shape[1:]} for {count} solutions"
        )
    return values


def _check_chunksize(chunksize: int) -> int:
    return check_int("chunksize", chunksize, minimum=1)


def _check_fn(fn: object) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be the objective, fn(x) -> float, got {type(fn).__name__}")


def _check_executor(executor: object) -> None:
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(
            "executor must be a concurrent.futures.Executor (with a submit method) or None, "
            f"got {type(executor).__name__}"
        )


def _as_population(solutions: object) -> list[Any]:
    """The solutions of a population, in order: rows of an array or items of a list."""
    if (
        isinstance(solutions, (str, bytes, Mapping))
        or not isinstance(solutions, Iterable)
        or (isinstance(solutions, np.ndarray) and solutions.ndim == 0)
    ):
        raise TypeError(
            "solutions must be a population: a list of [N] arrays or a [P, N] array, got "
            f"{type(solutions).__name__} {solutions!r:.60}"
        )
    return list(solutions)


def _broken(error: BaseException, detail: str) -> BrokenProcessPool:
    message = (
        "a worker process died while evaluating the population (a crash in native code, "
        "os._exit, or the out-of-memory killer); " + detail
    )
    broken = BrokenProcessPool(message)
    broken.__cause__ = error
    return broken


def evaluate_population(
    fn: Objective,
    solutions: Sequence[ArrayLike] | ArrayLike,
    executor: Executor | None = None,
    chunksize: int = 1,
) -> Float64Array:
    """Evaluate ``fn`` on each solution, serially or with ``executor``; keep population order.

    With an executor, ``fn`` is wrapped in :class:`~lagom.utils.CloudpickleWrapper` (so a
    lambda works in a process pool) and sent with every chunk of ``chunksize`` solutions.
    Evaluating many generations with an expensive objective is cheaper with a
    :class:`PopulationEvaluator`, which sends it once per worker.

    Args:
        fn: the objective, ``fn(x) -> float`` for one ``[N]`` solution.
        solutions: ``[P, N]`` the population (a list of arrays or one array).
        executor: any ``concurrent.futures.Executor``; ``None`` evaluates in this process.
        chunksize: solutions per task.

    Returns:
        ``[P]`` float64 values, ``values[i] = fn(solutions[i])``.

    Raises:
        TypeError: ``fn`` is not callable, ``solutions`` is not a list or an array,
            ``executor`` is not an executor, or ``fn`` returned something other than one
            real number.
        ValueError: ``chunksize < 1``, ``executor`` refuses new work (it was shut down),
            or ``fn`` returned an int too large for a float64.
        BrokenProcessPool: a worker of ``executor`` died (the executor is unusable).

    Example:
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> xs = np.arange(6.0).reshape(3, 2)
        >>> evaluate_population(lambda x: float(x.sum()), xs).tolist()
        [1.0, 5.0, 9.0]
        >>> with ThreadPoolExecutor(2) as pool:
        ...     evaluate_population(lambda x: float(x.sum()), xs, pool).tolist()
        [1.0, 5.0, 9.0]
    """
    _check_fn(fn)
    _check_executor(executor)
    chunksize = _check_chunksize(chunksize)
    population = _as_population(solutions)
    if executor is None:
        return _as_values([fn(x) for x in population], len(population))
    wrapped = CloudpickleWrapper(fn)
    try:
        futures = [
            executor.submit(_evaluate_with, wrapped, c) for c in _chunks(population, chunksize)
        ]
    except BrokenProcessPool as error:
        raise _broken(error, "the executor cannot be used any more") from error
    except RuntimeError as error:  # concurrent.futures' word for "shut down"
        raise ValueError(
            f"executor refused the work (was it shut down?): {type(error).__name__}: {error}"
        ) from error
    try:
        raw = [value for future in futures for value in future.result()]
    except BrokenProcessPool as error:
        raise _broken(error, "the executor cannot be used any more") from error
    return _as_values(raw, len(population))


class PopulationEvaluator:
    """A reusable parallel objective: one process pool for all generations.

    Calling the evaluator on a population returns ``[P]`` values in population order. Its
    own pool (``max_workers`` processes, created once on first use or on ``with``) gets
    the objective and ``initializer(*initargs)`` once per worker; the initializer runs
    before the worker's first task, e.g. to build an environment and a policy in
    worker-globals (see the module documentation). If a worker dies, the pool is
    recreated and the unfinished solutions are evaluated again, at most ``max_restarts``
    times per call; then :class:`BrokenProcessPool` is raised with an explanation.

    With ``executor`` given, that executor does the work instead: the objective is sent
    with every task, no initializer can run, and the executor is not shut down here.

    Args:
        fn: the objective, ``fn(x) -> float`` for one ``[N]`` solution.
        max_workers: processes of the own pool (``None``: one per CPU).
        initializer: called as ``initializer(*initargs)`` once in each worker.
        initargs: arguments of ``initializer``.
        executor: a ``concurrent.futures.Executor`` to use instead of an own pool.
        chunksize: solutions per task (larger chunks suit cheap objectives).
        mp_context: the ``multiprocessing`` context of the own pool (``None``: "forkserver",
            else "spawn"; never "fork", which can deadlock a multi-threaded parent).
        max_restarts: pool recreations allowed per call after a worker died.

    Raises:
        TypeError: ``fn`` or ``initializer`` is not callable, ``max_workers``,
            ``chunksize`` or ``max_restarts`` is not an int, ``initargs`` is not a tuple,
            or ``executor`` or ``mp_context`` is of the wrong type.
        ValueError: ``executor`` together with ``max_workers``, ``initializer`` or
            ``mp_context``, a non-positive ``max_workers``/``chunksize`` or a negative
            ``max_restarts``.

    Example:
        >>> xs = np.arange(8.0).reshape(4, 2)
        >>> with PopulationEvaluator(lambda x: float(x @ x), max_workers=2) as evaluate:
        ...     evaluate(xs).tolist()
        [1.0, 13.0, 41.0, 85.0]
    """

    def __init__(
        self,
        fn: Objective,
        max_workers: int | None = None,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        executor: Executor | None = None,
        *,
        chunksize: int = 1,
        mp_context: BaseContext | None = None,
        max_restarts: int = 1,
    ) -> None:
        if executor is not None and (
            max_workers is not None or initializer is not None or mp_context is not None
        ):
            raise ValueError(
                "give either an executor or max_workers/initializer/mp_context for an own "
                "process pool, not both (an initializer cannot run in a given executor)"
            )
        _check_fn(fn)
        _check_executor(executor)
        if initializer is not None and not callable(initializer):
            raise TypeError(f"initializer must be callable, got {type(initializer).__name__}")
        if not isinstance(initargs, (tuple, list)):
            raise TypeError(f"initargs must be a tuple, got {type(initargs).__name__}")
        if mp_context is not None and not isinstance(mp_context, BaseContext):
            raise TypeError(
                "mp_context must be a multiprocessing context (multiprocessing.get_context()) "
                f"or None, got {type(mp_context).__name__}"
            )
        if max_workers is not None:
            max_workers = check_int("max_workers", max_workers, minimum=1)
        max_restarts = check_int("max_restarts", max_restarts, minimum=0)
        self.fn = fn
        self.max_workers = max_workers
        self.chunksize = _check_chunksize(chunksize)
        self.max_restarts = max_restarts
        self._payload = CloudpickleWrapper((fn, initializer, tuple(initargs)))
        self._mp_context = mp_context
        self._given = executor
        self._pool: ProcessPoolExecutor | None = None

    def _own_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.max_workers,
                # Never "fork" (the default on Linux before Python 3.14): see mp_context.
                mp_context=self._mp_context or default_mp_context(),
                initializer=_install,
                initargs=(self._payload, os.getpid()),
            )
        return self._pool

    def __enter__(self) -> PopulationEvaluator:
        if self._given is None:
            self._own_pool()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Shut the own pool down (a later call starts a new one); a given executor stays."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __call__(self, solutions: Sequence[ArrayLike] | ArrayLike) -> Float64Array:
        """Evaluate a population: ``[P, N]`` solutions to ``[P]`` values, in order.

        Raises:
            TypeError: ``solutions`` is not a list or an array, or ``fn`` returned
                something other than one real number.
            ValueError: a given executor refuses new work (it was shut down), or ``fn``
                returned an int too large for a float64.
            BrokenProcessPool: workers kept dying (or a given executor broke).
        """
        population = _as_population(solutions)
        if self._given is not None:
            return evaluate_population(self.fn, population, self._given, self.chunksize)
        chunks = _chunks(population, self.chunksize)
        results: list[list[Any] | None] = [None] * len(chunks)
        for attempt in range(self.max_restarts + 1):
            pool = self._own_pool()
            pending = [i for i, r in enumerate(results) if r is None]
            futures: dict[int, Future[list[Any]]] = {
                i: pool.submit(_evaluate_installed, chunks[i]) for i in pending
            }
            try:
                for i, future in futures.items():
                    results[i] = future.result()
                break
            except BrokenProcessPool as error:
                # Chunks that finished before the crash keep their results.
                for i, future in futures.items():
                    if future.done() and not future.cancelled() and future.exception() is None:
                        results[i] = future.result()
                self._pool = None
                pool.shutdown(wait=True, cancel_futures=True)
                if attempt == self.max_restarts:
                    raise _broken(
                        error,
                        f"the pool was recreated {self.max_restarts} time(s) and broke "
                        "again; the next call starts a fresh pool",
                    ) from error
        return _as_values([v for r in results if r is not None for v in r], len(population))

    def __repr__(self) -> str:
        where = "given executor" if self._given is not None else f"max_workers={self.max_workers}"
        return f"PopulationEvaluator({where}, chunksize={self.chunksize})"
