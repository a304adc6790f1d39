"""Bookkeeping of a sweep in the master: results, failures, progress bar, summary (private)."""

from __future__ import annotations

import os
import pickle
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from lagom.experiment._jobs import ERROR, Job, Outcome
from lagom.utils.serialize import atomic_write

__all__ = ["Tracker", "last_line"]

_BAR = 24
_REDRAW_S = 0.2


def last_line(text: str) -> str:
    """The last non-blank line of a traceback: the exception and its message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Tracker:
    """Collects the outcome of every job, in job order, and draws a progress bar.

    Args:
        jobs: all jobs of the sweep, in job order.
        skipped: results of the jobs already finished, by job index.
        stream: where the bar is drawn (a terminal), or ``None`` for no bar.
        root: the sweep's folder (where the journal of finished jobs lives).
    """

    def __init__(
        self,
        jobs: Sequence[Job],
        skipped: Mapping[int, Any],
        stream: TextIO | None,
        root: str,
    ) -> None:
        self.jobs = jobs
        self.root = root
        self.results: list[Any] = [None] * len(jobs)
        for index, result in skipped.items():
            self.results[index] = result
        self.failed: dict[int, str] = {}
        self.done = 0
        self.skipped = len(skipped)
        self._stream = stream
        self._start = time.monotonic()
        self._drawn = 0.0

    def record(self, outcome: Outcome) -> None:
        """Record a job's outcome as sent by the worker."""
        if not outcome.ok:
            self.failed[outcome.position] = str(outcome.payload)
        else:
            try:
                self.results[outcome.position] = pickle.loads(outcome.payload)  # type: ignore[arg-type]
            except Exception:
                self.fail(self.jobs[outcome.position], traceback.format_exc(), redraw=False)
            else:
                self.done += 1
        self.draw()

    def fail(self, job: Job, text: str, redraw: bool = True) -> None:
        """Record a failure found by the master (a dead worker, a broken executor)."""
        self.failed[job.position] = text
        try:
            job.logdir.mkdir(parents=True, exist_ok=True)
            atomic_write(job.logdir / ERROR, text.encode("utf-8"), fsync=False)
        except OSError:
            pass
        if redraw:
            self.draw()

    def draw(self, final: bool = False) -> None:
        """Redraw the bar (at most every 0.2 s unless ``final``)."""
        now = time.monotonic()
        if self._stream is None or (not final and now - self._drawn < _REDRAW_S):
            return
        self._drawn = now
        total = len(self.jobs)
        finished = self.done + len(self.failed)
        count = finished + self.skipped
        filled = _BAR * count // total if total else _BAR
        elapsed = now - self._start
        to_run = total - self.skipped
        eta = elapsed / finished * (to_run - finished) if finished else None
        line = (
            f"\r[{'#' * filled}{'.' * (_BAR - filled)}] {count}/{total} jobs"
            f"  done {self.done}  failed {len(self.failed)}  skipped {self.skipped}"
            f"  elapsed {_clock(elapsed)}  ETA {'?' if eta is None else _clock(eta)} "
        )
        self._stream.write(line + ("\n" if final else ""))
        self._stream.flush()

    def summary(self, log_dir: Path) -> str:
        """A few lines: counts, then one line per failed job with its folder."""
        lines = [
            f"run_experiment: {len(self.jobs)} job{'' if len(self.jobs) == 1 else 's'} in "
            f"{log_dir}: {self.done} done, "
            f"{self.skipped} already done (skipped), {len(self.failed)} failed"
        ]
        for index in sorted(self.failed):
            job = self.jobs[index]
            lines.append(
                f"  failed: ID {job.config['ID']} seed {job.seed} in "
                f"{os.fspath(job.logdir)} (see {ERROR}): {last_line(self.failed[index])}"
            )
        return "\n".join(lines)
