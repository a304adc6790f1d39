"""Show how far a run has come (:class:`Progress`, a :class:`~lagom.logger.Sink`): steps
done of the total, recent return, steps per second and the time left.

On a terminal with ``rich`` installed (``pip install "lagom[progress]"``, imported only then)
:class:`Progress` draws a live bar; otherwise (a log file, a pipe, no rich) it prints a plain
line for the first row and then each time another 10% of the total is done.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from lagom._checks import check_bool, check_int, check_str
from lagom.logger._csv import CellValue, check_row, check_rows, check_step

__all__ = ["Progress"]


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _rate_eta(done: float, total: float, since: float, elapsed: float) -> tuple[str, str]:
    """Steps per second since the start and the time left at that rate, as text."""
    if elapsed <= 0 or done <= since:
        return "-", "-"
    rate = (done - since) / elapsed
    return f"{rate:,.0f}", _duration(max(total - done, 0) / rate)


def _check_stream(stream: object) -> TextIO:
    if stream is None:
        return sys.stderr
    if not callable(getattr(stream, "write", None)):
        raise TypeError(f"stream must be a text stream with write(), got {type(stream).__name__}")
    return stream  # type: ignore[return-value]  # anything with write() will do


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed file
        return False


def _rich_display(stream: TextIO) -> Any:
    """A started rich progress bar on ``stream``, or ``None`` when rich is not installed."""
    try:
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn
        from rich.progress import Progress as RichProgress
    except ImportError:
        return None
    display = RichProgress(
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}% {task.completed:,.0f}/{task.total:,.0f} steps"),
        TextColumn("| return {task.fields[ret]} | {task.fields[rate]} steps/s"),
        TextColumn("| ETA {task.fields[eta]}"),
        console=Console(file=stream),
        auto_refresh=False,  # redrawn on each row: no background thread
    )
    display.start()
    return display


class Progress:
    """A :class:`~lagom.logger.Sink` showing steps done of ``total_steps``, the recent
    return, steps per second and the time left (ETA).

    The step of each row is the logger's step (``timesteps`` by default); the recent return
    is the row's ``return_key`` value (``-`` when absent). Steps per second count the steps
    since this object was made (or since the step the run resumed from, see
    :meth:`rebuild`); the ETA is the steps left at that rate.

    * ``quiet=True``: nothing is shown.
    * A live bar (``rich``) when ``live`` is ``True``, or ``None`` and ``stream`` is a
      terminal; without rich installed it falls back to plain lines.
    * Plain lines otherwise: one for the first row, then one each time the steps cross
      another 10% of ``total_steps``, and on :meth:`close` one for the last row if it was
      not shown. A line reads
      ``[ 30%] 30,000/100,000 steps | return 12.50 | 1,000 steps/s | ETA 0:01:10``.

    Args:
        total_steps: the steps of the whole run (``>= 1``).
        stream: where to write; default ``sys.stderr``.
        quiet: show nothing.
        return_key: the column shown as the recent return.
        live: ``True`` for the rich bar, ``False`` for plain lines, ``None`` to choose by
            whether ``stream`` is a terminal.
        clock: seconds, monotonic (for tests); default :func:`time.monotonic`.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``total_steps < 1``.

    Example:
        >>> import io
        >>> from lagom.logger import Logger
        >>> out = io.StringIO()
        >>> ticks = iter([0.0, 1.0, 2.0, 3.0])
        >>> progress = Progress(300, stream=out, clock=lambda: next(ticks))
        >>> logger = Logger(sinks=[progress])
        >>> for steps in (100, 200, 300):
        ...     logger('timesteps', steps); logger('train_return', steps / 10); logger.write_row()
        >>> print(out.getvalue(), end='')
        [ 33%] 100/300 steps | return 10.00 | 100 steps/s | ETA 0:00:02
        [ 67%] 200/300 steps | return 20.00 | 100 steps/s | ETA 0:00:01
        [100%] 300/300 steps | return 30.00 | 100 steps/s | ETA 0:00:00
    """

    def __init__(
        self,
        total_steps: int,
        *,
        stream: TextIO | None = None,
        quiet: bool = False,
        return_key: str = "train_return",
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total_steps = check_int("total_steps", total_steps, minimum=1)
        self.stream = _check_stream(stream)
        self.quiet = check_bool("quiet", quiet)
        self.return_key = check_str("return_key", return_key)
        if live is not None:
            check_bool("live", live)
        if not callable(clock):
            raise TypeError(f"clock must be a callable, got {type(clock).__name__}")
        self._clock = clock
        self._start = clock()
        self._since = 0  # the step the rate counts from
        self._decile = -1  # the last tenth of the total shown as a plain line
        self._last: str | None = None  # the last row's line, not yet shown
        use_live = _isatty(self.stream) if live is None else live
        self._display = None if self.quiet or not use_live else _rich_display(self.stream)
        self._task = None
        if self._display is not None:
            self._task = self._display.add_task("run", total=self.total_steps, **self._fields())

    @staticmethod
    def _fields(ret: str = "-", rate: str = "-", eta: str = "-") -> dict[str, str]:
        return {"ret": ret, "rate": rate, "eta": eta}

    def write(self, row: Mapping[str, CellValue], step: int) -> None:
        """Show ``step`` of the total and the row's return.

        Raises:
            TypeError: ``row`` is not a mapping of str keys to scalars, or ``step`` not an int
                (Python or numpy).
            ValueError: ``step`` is negative or above ``2**63 - 1``.
        """
        step = check_step("step", check_row(row, step), 0)
        if self.quiet:
            return
        value = row.get(self.return_key)
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        ret = f"{value:.2f}" if numeric else "-"
        rate, eta = _rate_eta(step, self.total_steps, self._since, self._clock() - self._start)
        if self._display is not None:
            self._display.update(self._task, completed=step, **self._fields(ret, rate, eta))
            self._display.refresh()
            return
        percent = 100 * step / self.total_steps
        line = (
            f"[{percent:3.0f}%] {step:,}/{self.total_steps:,} steps | return {ret} | "
            f"{rate} steps/s | ETA {eta}"
        )
        decile = math.floor(10 * step / self.total_steps)
        if self._decile < 0 or decile > self._decile:
            self._decile = decile
            self._emit(line)
        else:
            self._last = line

    def _emit(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
        self._last = None

    def rebuild(self, rows: Sequence[Mapping[str, CellValue]], steps: Sequence[int]) -> None:
        """Continue a resumed run: the rate counts from its last step; nothing is shown.

        Raises:
            TypeError: ``rows`` or ``steps`` is not a list, or holds what :meth:`write`
                refuses.
            ValueError: ``rows`` and ``steps`` differ in length, or a step is negative or
                above ``2**63 - 1``.
        """
        checked = [
            check_step(f"steps[{i}]", step, 0) for i, step in enumerate(check_rows(rows, steps))
        ]
        self._since = checked[-1] if checked else 0
        self._start = self._clock()

    def set_total(self, total_steps: int) -> None:
        """Make ``total_steps`` the total, of the plain lines and of the live bar alike (a
        run that ends past its length, by whole rollouts, shows the steps it ran).

        Raises:
            TypeError: ``total_steps`` is not an int.
            ValueError: ``total_steps < 1``.

        Example:
            >>> import io
            >>> out = io.StringIO()
            >>> progress = Progress(100, stream=out, live=False)
            >>> progress.set_total(128)
            >>> progress.write({"timesteps": 128}, 128)
            >>> out.getvalue().split(" | ")[0]
            '[100%] 128/128 steps'
        """
        self.total_steps = check_int("total_steps", total_steps, minimum=1)
        if self._display is not None:
            self._display.update(self._task, total=self.total_steps)

    def close(self) -> None:
        """Stop the live bar, or print the last row's line if it was not shown."""
        if self._display is not None:
            self._display.stop()
            self._display = None
        elif self._last is not None:
            self._emit(self._last)
