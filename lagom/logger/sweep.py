"""Show how far a sweep of runs in worker processes has come: :class:`SweepProgress`, which
reads each job's step count from the end of its CSV log with :func:`last_step`."""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import TextIO, TypeVar

from lagom._checks import check_bool, check_int, check_path, check_str
from lagom.logger._csv import CellValue, csv_reader, damaged, parse_row
from lagom.logger.progress import _check_stream, _rate_eta

__all__ = ["SweepProgress", "last_row", "last_step"]

_Job = TypeVar("_Job", bound=Hashable)


def last_row(csv_path: str | os.PathLike[str]) -> dict[str, CellValue] | None:
    """The last complete row of a CSV log as ``column -> value`` (cells parsed as
    :class:`~lagom.logger.Logger` wrote them), read from its end.

    Cheap for a sweep to call often on every job's ``progress.csv``: it reads the header and
    the last 64 KiB (more only when the last row is longer). A quoted cell may hold a
    newline, so when the header or that tail holds a quote character, the whole file is
    parsed instead. ``None`` when the file is missing or holds no complete row yet.

    Raises:
        TypeError: ``csv_path`` is not a str or path.
        ValueError: ``csv_path`` is a folder, or the file is not UTF-8 text or not a CSV log.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / 'progress.csv'
        >>> _ = path.write_text('iteration,timesteps\\n1,128\\n2,256\\n3,38')  # row 3 unfinished
        >>> last_row(path)
        {'iteration': 2, 'timesteps': 256}
        >>> _ = path.write_text('timesteps,note\\n100,"two\\nlines"\\n')
        >>> last_row(path)
        {'timesteps': 100, 'note': 'two\\nlines'}
    """
    path = Path(check_path("csv_path", csv_path))
    if path.is_dir():
        raise ValueError(f"csv_path must be a file, got the folder {str(path)!r}")
    try:
        with open(path, "rb") as f:
            header = f.readline()
            size = f.seek(0, os.SEEK_END)
            chunk = 65536
            while True:
                start = max(len(header), size - chunk)
                f.seek(start)
                tail = f.read()
                if b'"' in header or b'"' in tail:
                    f.seek(0)
                    return _parse_last_row(path, f.read())
                lines = tail.split(b"\n")[:-1]  # the piece after the last newline is incomplete
                # The first line of a tail that starts after the header may be cut: a row
                # longer than the tail needs a longer one.
                if start == len(header) or len(lines) >= 2:
                    break
                chunk *= 2
    except OSError:
        return None
    if not lines or not header.endswith(b"\n"):
        return None
    try:
        columns = next(csv_reader(io.StringIO(header.decode("utf-8"))), [])
        cells = next(csv_reader(io.StringIO(lines[-1].decode("utf-8"))), [])
    except (csv.Error, UnicodeDecodeError) as error:
        raise damaged(path, error) from None
    return _row(columns, cells)


def _parse_last_row(path: Path, data: bytes) -> dict[str, CellValue] | None:
    """The last complete row of the CSV text ``data``, parsed from its header."""
    complete = data[: data.rfind(b"\n") + 1]
    try:
        records = csv_reader(io.StringIO(complete.decode("utf-8"), newline=""))
        columns = next(records, [])
        previous: list[str] | None = None
        last: list[str] | None = None
        for record in records:
            previous, last = last, record
    except (csv.Error, UnicodeDecodeError) as error:
        raise damaged(path, error) from None
    # With Logger's quoting, an odd number of quotes means that the last newline is inside
    # a quoted cell: the last record read is cut short.
    if complete.count(b'"') % 2:
        last = previous
    return None if last is None else _row(columns, last)


def _row(columns: list[str], cells: list[str]) -> dict[str, CellValue] | None:
    """The row of ``cells`` under ``columns``: a shorter row (written by a writer that had
    not seen the later columns yet) has empty cells there, as :meth:`Logger.load` reads it;
    ``None`` for a row longer than the header or an empty line."""
    if not cells or len(cells) > len(columns):
        return None
    padded = cells + [""] * (len(columns) - len(cells))
    return parse_row(dict(zip(columns, padded, strict=True)))


def last_step(csv_path: str | os.PathLike[str], step_key: str = "timesteps") -> int | None:
    """The ``step_key`` value of :func:`last_row`; ``None`` when there is no complete row,
    no such column, or the cell is not an integer.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / 'progress.csv'
        >>> _ = path.write_text('iteration,timesteps\\n1,128\\n2,256\\n3,38')  # row 3 unfinished
        >>> last_step(path)
        256
    """
    check_str("step_key", step_key)
    row = last_row(csv_path)
    value = None if row is None else row.get(step_key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class SweepProgress:
    """Progress of a sweep whose runs go on in worker processes: jobs finished and, with
    ``total_steps``, environment steps summed over the jobs.

    The sweep's main process calls :meth:`finish` when a job's future is done and, while it
    waits, :meth:`poll` with each running job's ``progress.csv`` (read from its end by
    :func:`last_step`; no message passing between processes). Plain lines: the first call,
    each finished job, and each further 10% of ``total_steps``.

    Args:
        total_jobs: the number of jobs (``>= 1``).
        total_steps: the steps of all jobs together, or ``None`` to count jobs only.
        stream: where to write; default ``sys.stderr``.
        quiet: show nothing.
        clock: seconds, monotonic (for tests).

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``total_jobs`` or ``total_steps`` is below 1.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> ticks = iter([0.0, 10.0, 20.0])
        >>> sweep = SweepProgress(2, total_steps=2000, stream=out, clock=lambda: next(ticks))
        >>> sweep.update('seed 1', 1000)
        >>> sweep.finish('seed 1')
        >>> print(out.getvalue(), end='')
        jobs 0/2 done | 1,000/2,000 steps (50%) | 100 steps/s | ETA 0:00:10
        jobs 1/2 done | 1,000/2,000 steps (50%) | 50 steps/s | ETA 0:00:20
    """

    def __init__(
        self,
        total_jobs: int,
        total_steps: int | None = None,
        *,
        stream: TextIO | None = None,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total_jobs = check_int("total_jobs", total_jobs, minimum=1)
        self.total_steps = None if total_steps is None else check_int("total_steps", total_steps)
        self.stream = _check_stream(stream)
        self.quiet = check_bool("quiet", quiet)
        if not callable(clock):
            raise TypeError(f"clock must be a callable, got {type(clock).__name__}")
        self._clock = clock
        self._start = clock()
        #: job -> its latest step count.
        self.steps: dict[Hashable, int] = {}
        #: the jobs finished so far.
        self.finished: set[Hashable] = set()
        self._decile = -1

    def update(self, job: Hashable, steps: int) -> None:
        """Record that ``job`` has done ``steps`` steps."""
        self.steps[job] = check_int("steps", steps, minimum=0)
        self._show(force=False)

    def poll(
        self, csv_paths: Mapping[_Job, str | os.PathLike[str]], step_key: str = "timesteps"
    ) -> None:
        """Read each job's last step from its CSV log (:func:`last_step`) and show progress.

        Raises:
            TypeError: ``csv_paths`` is not a mapping of jobs to paths.
        """
        if not isinstance(csv_paths, Mapping):
            raise TypeError(
                f"csv_paths must be a mapping of jobs to CSV paths, got {type(csv_paths).__name__}"
            )
        for job, path in csv_paths.items():
            steps = last_step(path, step_key)
            if steps is not None:
                self.steps[job] = steps
        self._show(force=False)

    def finish(self, job: Hashable) -> None:
        """Record that ``job`` is done, and show a line."""
        self.finished.add(job)
        self._show(force=True)

    def _show(self, force: bool) -> None:
        if self.quiet:
            return
        line = f"jobs {len(self.finished)}/{self.total_jobs} done"
        decile = 10 * len(self.finished) // self.total_jobs
        if self.total_steps is not None:
            done = sum(self.steps.values())
            rate, eta = _rate_eta(done, self.total_steps, 0, self._clock() - self._start)
            percent = 100 * done / self.total_steps
            line += (
                f" | {done:,}/{self.total_steps:,} steps ({percent:.0f}%) | {rate} steps/s"
                f" | ETA {eta}"
            )
            decile = math.floor(10 * done / self.total_steps)
        if force or self._decile < 0 or decile > self._decile:
            self._decile = max(decile, self._decile)
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Nothing to release (lines are written as they come)."""
