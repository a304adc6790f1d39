"""The live progress of ``lagom train``: a thread that reads the runs' ``progress.csv`` files.

Runs may go on in this process or in worker processes; either way each writes one CSV row
per iteration, so the command's main process shows their progress by reading the last row
of each file about once a second (:class:`RunMonitor`), with no message from the workers.
One :class:`~lagom.logger.Progress` display covers all seeds: the steps of all runs
together out of their total, the mean of their latest training returns, steps per second
and the time left; a live bar on a terminal, a plain line every 10% otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from lagom.baselines.algorithm import PROGRESS_FILE
from lagom.logger import Progress, last_row

__all__ = ["RunMonitor"]


def _number(value: object) -> float | None:
    """A cell's number (``None`` for an empty cell, text, or a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class RunMonitor:
    """Show the progress of the runs of one ``lagom train`` command until :meth:`stop`.

    Args:
        log_dir: the sweep's folder; run ``seed`` writes ``log_dir/*/seed/progress.csv``.
        seeds: the seeds being trained.
        total: the steps of one run (in ``step_key`` units).
        step_key: the column counting progress (``timesteps``; ``iteration`` for the
            evolution strategies, whose total is in generations).
        quiet: show nothing.
        stream: where to write; default ``sys.stderr``.
        interval: seconds between reads.

    Example:
        >>> import io, tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> run = folder / "0" / "1"
        >>> run.mkdir(parents=True)
        >>> _ = (run / "progress.csv").write_text("timesteps,train_return\\n50,9.0\\n")
        >>> out = io.StringIO()
        >>> monitor = RunMonitor(folder, [1], total=100, stream=out, interval=0.01)
        >>> monitor.poll()
        >>> out.getvalue().split(" | ")[:2]
        ['[ 50%] 50/100 steps', 'return 9.00']
    """

    def __init__(
        self,
        log_dir: Path,
        seeds: Sequence[int],
        total: int,
        *,
        step_key: str = "timesteps",
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float = 1.0,
    ) -> None:
        self.log_dir, self.seeds, self.step_key = Path(log_dir), list(seeds), step_key
        self.interval = interval
        self.progress = Progress(max(1, total * len(self.seeds)), stream=stream, quiet=quiet)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lagom-progress", daemon=True)
        self._shown = -1

    def _read(self) -> tuple[int, list[float]] | None:
        """The steps of all runs together and their latest training returns (``None``
        before any run has written a row). A file that is not a CSV log counts as no row:
        the run reports it (or cuts it back) itself, and a display must not stop the sweep."""
        steps, returns, found = 0, [], False
        for seed in self.seeds:
            for path in self.log_dir.glob(f"*/{seed}/{PROGRESS_FILE}"):
                try:
                    row = last_row(path)
                except ValueError:
                    continue
                if row is None:
                    continue
                found = True
                step = _number(row.get(self.step_key))
                steps += int(step) if step is not None else 0
                ret = _number(row.get("train_return"))
                if ret is not None and ret == ret:  # NaN before the first episode ends
                    returns.append(ret)
        return (steps, returns) if found else None

    def poll(self, *, final: bool = False) -> None:
        """Read every run's last row once and show the sum of their steps.

        A run may end a little past its length (whole rollouts: PPO's ``--steps 20000`` runs
        20,224 steps), so the total is reached only by the last display (``final``, from
        :meth:`stop`): it shows the real steps, the total raised to them when they are more.
        """
        read = self._read()
        if read is None or read[0] == self._shown:
            return
        steps, returns = read
        if not final and steps >= self.progress.total_steps:
            return  # the runs are ending: their last rows are shown once, by stop()
        self._shown = steps
        if steps > self.progress.total_steps:
            self.progress.set_total(steps)
        summary: dict[str, int | float] = {self.step_key: steps}
        if returns:
            summary["train_return"] = sum(returns) / len(returns)
        self.progress.write(summary, steps)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # a display problem must never stop training
                return

    def start(self) -> RunMonitor:
        """Start reading in a background (daemon) thread; steps already written (a resumed
        sweep) count as done before the start, not in the rate."""
        before = self._read()
        if before is not None:
            self.progress.rebuild([{}], [before[0]])  # one row per step, as a sink takes them
        self._thread.start()
        return self

    def stop(self, *, final: bool = True) -> None:
        """Stop the thread, show the final state (unless not ``final``: a sweep refused
        before it ran shows nothing) and close the display."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if final:
            self.poll(final=True)
        self.progress.close()
