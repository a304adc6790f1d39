"""Run every ``(configuration, seed)`` pair of a sweep: :func:`run_experiment`.

See :mod:`lagom.experiment._executor` for how jobs reach processes and how a dead worker
is found, and :mod:`lagom.experiment._layout` for the folder layout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from lagom._checks import check_bool, check_int_list, check_path, check_seed, is_int
from lagom.experiment._executor import run_executor, run_pool, run_serial
from lagom.experiment._jobs import dumps
from lagom.experiment._journal import release
from lagom.experiment._layout import (
    check_configs,
    plan_jobs,
    resume,
    write_configs,
    write_sweep,
)
from lagom.experiment._progress import Tracker, last_line
from lagom.experiment.config import Config
from lagom.experiment.dotted import _strings
from lagom.utils.lock import folder_lock
from lagom.utils.serialize import remove_stale_temps

__all__ = ["FailedJob", "SweepError", "run_experiment"]

R = TypeVar("R")


class FailedJob(NamedTuple):
    """A job that failed: its configuration ``ID``, ``seed``, folder, and error line.

    ``error`` is the last line of the traceback (``"ZeroDivisionError: division by
    zero"``); the whole traceback is in ``logdir/error.txt``.

    Example:
        >>> job = FailedJob(0, 2, Path("logs/0/2"), "ZeroDivisionError: division by zero")
        >>> job.ID, job.seed, job.logdir.as_posix(), job.error
        (0, 2, 'logs/0/2', 'ZeroDivisionError: division by zero')
    """

    ID: int
    seed: int
    logdir: Path
    error: str


class SweepError(RuntimeError):
    """Some jobs of a sweep failed; every other job ran and its results are kept.

    Attributes:
        failed: the failed jobs, in job order.
        results: the results of all jobs in job order, ``None`` where a job failed.

    Example:
        >>> import tempfile
        >>> from lagom.experiment import Config
        >>> def run(config, seed, device, logdir):
        ...     return 1 / seed
        >>> options = {"torch_threads": None, "progress": False}
        >>> with tempfile.TemporaryDirectory() as log_dir:
        ...     try:
        ...         run_experiment(run, Config({}), [0, 2], log_dir, **options)
        ...     except SweepError as error:
        ...         failed, results = error.failed, error.results
        >>> results
        [None, 0.5]
        >>> [(job.ID, job.seed, job.error) for job in failed]
        [(0, 0, 'ZeroDivisionError: division by zero')]
    """

    def __init__(self, message: str, failed: list[FailedJob], results: list[Any]) -> None:
        super().__init__(message)
        self.failed = failed
        self.results = results


def _visible_gpu_count() -> int:
    """How many CUDA devices torch sees (torch is imported only when GPUs are asked for)."""
    import torch

    count: int = torch.cuda.device_count()
    return count


def _devices(use_gpu: bool, gpu_ids: Sequence[int] | None) -> list[str]:
    use_gpu = check_bool("use_gpu", use_gpu)
    if gpu_ids is not None:
        gpu_ids = check_int_list("gpu_ids", gpu_ids, 0)
    if not use_gpu:
        if gpu_ids is not None:
            raise ValueError(f"gpu_ids={gpu_ids} is given but use_gpu is False")
        return ["cpu"]
    if gpu_ids is None:
        count = _visible_gpu_count()
        if count == 0:
            raise ValueError("use_gpu=True but torch sees no CUDA device; pass gpu_ids or use CPU")
        gpu_ids = range(count)
    return [f"cuda:{i}" for i in check_int_list("gpu_ids", gpu_ids, 0)]


def _check_configs(configs: object) -> list[Mapping[str, Any]]:
    """Configuration mappings with distinct integer ``"ID"`` items (non-negative), at least one."""
    if isinstance(configs, (str, bytes, Mapping)) or not isinstance(configs, Sequence):
        raise TypeError(
            "config must be a Config or a list of configuration dicts with an 'ID' item, "
            f"got {type(configs).__name__}"
        )
    for config in configs:
        if not isinstance(config, Mapping) or "ID" not in config:
            raise TypeError(
                f"each configuration must be a dict with an 'ID' item, got {config!r:.80}"
            )
    ids = check_int_list("configuration IDs", [config["ID"] for config in configs], 0)
    # A numpy ID is an int from here on: sweep.yml and the journal are JSON and YAML.
    return [{**config, "ID": ID} for config, ID in zip(configs, ids, strict=True)]


def _check_positive_int(
    name: str, value: object, *, allow_none: bool, maximum: int | None = None
) -> None:
    if value is None and allow_none:
        return
    if not is_int(value):
        expected = "a positive integer or None" if allow_none else "a positive integer"
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    if maximum is not None and int(value) > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")


def _check_workers(
    max_workers: object, chunksize: object, executor: object, torch_threads: object
) -> int:
    """The number of worker processes of lagom's own pool; 0 means serial or ``executor``."""
    _check_positive_int("chunksize", chunksize, allow_none=False)
    # torch.set_num_threads takes a C int.
    _check_positive_int("torch_threads", torch_threads, allow_none=True, maximum=2**31 - 1)
    if executor is not None:
        if not isinstance(executor, Executor):
            raise TypeError(
                f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}"
            )
        if max_workers not in (None, 0):
            raise ValueError(
                f"pass either max_workers or executor, got max_workers={max_workers!r} and an "
                "executor (the executor decides how many jobs run at once)"
            )
        return 0
    if max_workers is None:
        return 0
    if not is_int(max_workers):
        raise TypeError(f"max_workers must be an integer or None, got {max_workers!r}")
    if int(max_workers) < 0:
        raise ValueError(f"max_workers must be >= 0 (0 or None runs serially), got {max_workers}")
    return int(max_workers)


def _check_log_dir(root: Path) -> None:
    """Refuse a ``log_dir`` that is a file or a broken link, or lies under one (it could
    never be created)."""
    for folder in (root, *root.parents):
        if folder.is_symlink() and not folder.exists():
            where = "is" if folder == root else f"lies under {folder}, which is"
            raise ValueError(
                f"log_dir {root} {where} a link to {os.readlink(folder)}, which does not exist"
            )
        if folder.exists():
            if not folder.is_dir():
                where = "exists" if folder == root else f"lies under {folder}, which exists"
                raise ValueError(f"log_dir {root} {where} and is not a folder")
            return


def run_experiment(
    run: Callable[[dict[str, Any], int, str, Path], R],
    config: Config | Sequence[Mapping[str, Any]],
    seeds: Sequence[int],
    log_dir: str | os.PathLike[str],
    max_workers: int | None = None,
    chunksize: int = 1,
    use_gpu: bool = False,
    gpu_ids: Sequence[int] | None = None,
    *,
    executor: Executor | None = None,
    overwrite: bool = False,
    torch_threads: int | None = 1,
    progress: bool | Literal["summary"] = True,
    resumable_keys: Collection[str] = (),
) -> list[R]:
    """Run ``run(config, seed, device, logdir)`` for every configuration and seed.

    Jobs are ordered configurations outer, seeds inner: job ``i * len(seeds) + j`` is
    configuration ``i`` with ``seeds[j]``, and the results come back in that order.
    ``logdir = log_dir/<ID>/<seed>`` (a :class:`~pathlib.Path`) exists when ``run`` is
    called; ``log_dir/<ID>/config.yml`` holds each configuration and ``log_dir/sweep.yml``
    the whole sweep (seeds, configurations, jobs with device and folder).

    It never prompts and never loses a finished job. A job's result is appended, as JSON (a
    result read back on resume is its JSON form: tuples become lists), last, to the sweep's
    journal ``log_dir/.journal/`` (one append-only file per worker process, each record
    checksummed, so a crash mid-write loses nothing else, and no file is created per job;
    nothing in it is ever unpickled); a later call with the same ``log_dir`` skips those jobs,
    reads their results back, and runs the rest. Deleting a job's folder makes it run again;
    ``overwrite=True`` deletes this sweep's job folders and runs everything. Resuming refuses a
    ``config.yml`` that differs from the configuration given, except in ``resumable_keys``:
    such a configuration is written over its ``config.yml`` and its jobs run again, finished
    or not (``run`` resumes each from its own checkpoint). While the sweep runs, ``log_dir``
    and each job's folder are locked (:func:`~lagom.utils.folder_lock`): a second sweep on the
    same folder raises :class:`~lagom.utils.FolderLockedError`. A job that raises, or whose
    worker process dies, leaves its traceback in ``logdir/error.txt`` while all other jobs still
    run; then a summary is printed and :class:`SweepError` raised. An unfinished job is rerun in
    its folder as it is, so ``run`` may resume from its own checkpoints there.

    Where jobs run: ``max_workers=None`` or ``0`` runs them one by one in this process (a
    job that kills its process then ends the sweep); ``max_workers >= 1`` runs them on a
    process pool started by "forkserver" (where available, else "spawn"; so a script
    needs the ``if __name__ == "__main__":`` guard), rebuilt when a worker dies, which
    finds the culprit by rerunning the jobs in flight each alone in a fresh process;
    ``executor`` runs them on any :class:`concurrent.futures.Executor`, such as a Dask
    ``client.get_executor(pure=False)`` (see :doc:`clusters`), which the caller owns and
    which is not rebuilt if it breaks. ``run`` is pickled by cloudpickle, so lambdas and
    closures work, and jobs travel ``chunksize`` at a time.

    Args:
        run: ``run(config, seed, device, logdir) -> result``; the result must be JSON data
            (dicts with string keys, lists, tuples, str, numbers, bool, None, numpy values):
            a job returning anything else fails with a ``TypeError`` naming it.
        config: a :class:`Config`, or a list of configuration dicts with distinct integer
            ``"ID"`` items (``Config.make_configs()``).
        seeds: distinct integer seeds, at least one.
        log_dir: the sweep's folder, created if missing.
        max_workers: worker processes (at most one per chunk of jobs is started); ``None``
            or ``0`` runs serially in this process.
        chunksize: jobs sent to a worker at a time (many short jobs run faster in chunks).
        use_gpu: if ``True``, devices are ``"cuda:<id>"`` round-robin over ``gpu_ids`` in
            job order; otherwise every job gets ``"cpu"``.
        gpu_ids: CUDA device ids; ``None`` means all that torch sees.
        executor: run jobs on this executor instead (then ``max_workers`` must be ``None``).
        overwrite: if ``True``, rerun every job from an empty folder.
        torch_threads: intra-op threads of torch in each job (``torch.set_num_threads``,
            and ``OMP_NUM_THREADS`` for a job that imports torch); ``None`` leaves them.
        progress: show a progress bar of the jobs on stderr (when it is a terminal) and
            print a summary at the end; ``"summary"``: only the summary (for a caller that
            shows progress of its own, as ``lagom train`` does).
        resumable_keys: configuration keys that may change from one call to the next on
            the same ``log_dir`` (``lagom train`` passes ``["train.stop_at"]``, the length
            after which its runs stop early).

    Returns:
        The results of ``run``, in job order.

    Raises:
        SweepError: some jobs failed (``error.failed``, ``error.results``).
        TypeError: ``run`` is not callable or cannot be pickled, or an argument has the
            wrong type.
        ValueError: empty or repeated seeds or IDs, a bad worker or thread count, an
            empty ``log_dir`` (``"."`` names the current folder), a ``log_dir`` that is or
            lies under a file or a broken link, a configuration string that is not valid
            Unicode, or a resumed ``config.yml`` that differs in other keys than
            ``resumable_keys``.

    Example:
        >>> import tempfile
        >>> from lagom.experiment import Config, Grid
        >>> config = Config({"lr": Grid([0.1, 0.01])})
        >>> def run(config, seed, device, logdir):
        ...     return (config["ID"], seed, device, config["lr"])
        >>> with tempfile.TemporaryDirectory() as log_dir:
        ...     run_experiment(run, config, [1, 2], log_dir, max_workers=None, progress=False)
        [(0, 1, 'cpu', 0.1), (0, 2, 'cpu', 0.1), (1, 1, 'cpu', 0.01), (1, 2, 'cpu', 0.01)]
    """
    if not callable(run):
        raise TypeError(f"run must be callable as run(config, seed, device, logdir), got {run!r}")
    configs = _check_configs(config.make_configs() if isinstance(config, Config) else config)
    seeds = [check_seed("seeds", seed) for seed in check_int_list("seeds", seeds, None)]
    workers = _check_workers(max_workers, chunksize, executor, torch_threads)
    devices = _devices(use_gpu, gpu_ids)
    overwrite = check_bool("overwrite", overwrite)
    if progress != "summary":
        progress = check_bool("progress", progress)
    root = Path(check_path("log_dir", log_dir))  # not "": the sweep would fill this folder
    _check_log_dir(root)
    pickled_run = b""
    if workers or executor is not None:
        try:
            pickled_run = dumps(run)
        except Exception as error:
            raise TypeError(
                f"run cannot be pickled by cloudpickle for worker processes: {error}"
            ) from error

    resumable = frozenset(_strings("resumable_keys", resumable_keys))
    with folder_lock(root):
        return _sweep(
            run,
            pickled_run,
            configs,
            seeds,
            root,
            devices,
            executor,
            workers,
            chunksize,
            overwrite,
            torch_threads,
            progress,
            resumable,
        )


def _sweep(
    run: Callable[[dict[str, Any], int, str, Path], R],
    pickled_run: bytes,
    configs: list[Mapping[str, Any]],
    seeds: list[int],
    root: Path,
    devices: list[str],
    executor: Executor | None,
    workers: int,
    chunksize: int,
    overwrite: bool,
    torch_threads: int | None,
    progress: bool | Literal["summary"],
    resumable: frozenset[str],
) -> list[R]:
    """The sweep itself, run while this process holds the lock of ``root``."""
    jobs = plan_jobs(configs, seeds, root, devices)
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(root)  # half-written files of a process killed earlier (kill -9)
    texts, changed = check_configs(configs, root, overwrite, resumable)
    # The journal first: a sweep ended before its config.yml files are written still
    # finds the changed configurations changed, and runs their jobs again, when called again.
    skipped = resume(root, jobs, overwrite, rerun=changed)
    write_configs(texts, root, jobs, overwrite)
    write_sweep(configs, seeds, root, jobs)
    todo = [job for job in jobs if job.position not in skipped]

    stream = sys.stderr if progress is True and sys.stderr.isatty() else None
    tracker = Tracker(jobs, skipped, stream, os.fspath(root))
    if executor is not None:
        run_executor(executor, pickled_run, todo, chunksize, torch_threads, tracker)
    elif workers:
        run_pool(pickled_run, todo, chunksize, workers, torch_threads, tracker)
    else:
        try:
            run_serial(run, todo, torch_threads, tracker)
        finally:
            release(root)
    tracker.draw(final=True)
    summary = tracker.summary(root)
    if progress:
        print(summary, flush=True)
    if tracker.failed:
        failed = [
            FailedJob(
                job.config["ID"], job.seed, job.logdir, last_line(tracker.failed[job.position])
            )
            for job in jobs
            if job.position in tracker.failed
        ]
        raise SweepError(summary, failed, tracker.results)
    return tracker.results
