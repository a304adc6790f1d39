"""Tests of ``lagom.logger.Progress``, ``SweepProgress`` and ``last_step``."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from lagom.logger import Logger, Progress, SweepProgress, last_step


class _Clock:
    """One second more per call."""

    def __init__(self) -> None:
        self.ticks = itertools.count()

    def __call__(self) -> float:
        return float(next(self.ticks))


def _run(progress: Progress, steps: range) -> None:
    logger = Logger(sinks=[progress])
    for step in steps:
        logger("timesteps", step)
        logger("train_return", step / 1000)
        logger.write_row()
    logger.close()


def test_plain_lines_at_each_tenth() -> None:
    out = io.StringIO()
    # 100 rows of 37 steps: 3,700 steps in all, not a multiple of the tenths.
    _run(Progress(3700, stream=out, clock=_Clock()), range(37, 3701, 37))
    lines = out.getvalue().splitlines()
    steps = [int(line.split("]")[1].split("/")[0].replace(",", "")) for line in lines]
    # The first row, then the first row at or past each 10% (370 steps), then 100%.
    expected = [37] + [next(s for s in range(37, 3701, 37) if s >= 370 * k) for k in range(1, 11)]
    assert steps == expected
    assert lines[0] == "[  1%] 37/3,700 steps | return 0.04 | 37 steps/s | ETA 0:01:39"
    # Row 100 is written at clock 100: 37 steps/s, nothing left.
    assert lines[-1] == "[100%] 3,700/3,700 steps | return 3.70 | 37 steps/s | ETA 0:00:00"


def test_close_shows_the_last_row_once() -> None:
    out = io.StringIO()
    _run(Progress(1000, stream=out, clock=_Clock()), range(100, 951, 50))
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("[ 95%] 950/1,000 steps")
    assert sum(line.startswith("[ 90%] 900/") for line in lines) == 1


def test_quiet_shows_nothing() -> None:
    out = io.StringIO()
    _run(Progress(100, stream=out, quiet=True), range(10, 101, 10))
    assert out.getvalue() == ""


def test_missing_return_and_resume() -> None:
    out = io.StringIO()
    progress = Progress(1000, stream=out, clock=_Clock(), return_key="eval_return")
    progress.rebuild([{"timesteps": 400}], [400])  # resumed at 400: clock 1
    progress.write({"timesteps": 500}, 500)  # clock 2: 100 steps in 1 s
    assert out.getvalue() == "[ 50%] 500/1,000 steps | return - | 100 steps/s | ETA 0:00:05\n"


def test_live_display_with_rich() -> None:
    out = io.StringIO()
    progress = Progress(200, stream=out, live=True, clock=_Clock())
    progress.write({"timesteps": 100, "train_return": 1.5}, 100)
    progress.close()
    text = out.getvalue()
    assert "100/200 steps" in text
    assert "return 1.50" in text
    assert "steps/s" in text


def test_a_non_terminal_gets_plain_lines() -> None:
    out = io.StringIO()  # isatty() is False
    progress = Progress(10, stream=out)
    assert progress._display is None


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="total_steps"):
        Progress(0)
    with pytest.raises(TypeError, match="stream"):
        Progress(10, stream=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="quiet"):
        Progress(10, quiet="no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="total_jobs"):
        SweepProgress(0)


def test_last_step(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    assert last_step(path) is None  # no file yet
    path.write_text("iteration,timesteps\n")
    assert last_step(path) is None  # no row yet
    rows = "".join(f"{i},{128 * i}\n" for i in range(1, 5001))  # more than 64 KiB
    path.write_text("iteration,timesteps\n" + rows + "5001,64")
    assert last_step(path) == 128 * 5000
    assert last_step(path, "iteration") == 5000
    assert last_step(path, "missing") is None


def test_sweep_progress_polls_job_logs(tmp_path: Path) -> None:
    paths = {seed: tmp_path / f"{seed}.csv" for seed in (1, 2)}
    out = io.StringIO()
    sweep = SweepProgress(2, total_steps=1000, stream=out, clock=_Clock())
    paths[1].write_text("timesteps\n100\n")
    sweep.poll(paths)  # clock 1: 100 steps, first line
    paths[2].write_text("timesteps\n150\n")
    sweep.poll(paths)  # 250 steps: crosses 20%
    sweep.poll(paths)  # nothing new: no line
    paths[1].write_text("timesteps\n100\n500\n")
    sweep.finish(1)  # a finished job always shows
    assert out.getvalue().splitlines() == [
        "jobs 0/2 done | 100/1,000 steps (10%) | 100 steps/s | ETA 0:00:09",
        "jobs 0/2 done | 250/1,000 steps (25%) | 125 steps/s | ETA 0:00:06",
        "jobs 1/2 done | 250/1,000 steps (25%) | 62 steps/s | ETA 0:00:12",
    ]
    assert sweep.steps == {1: 100, 2: 150}
    assert sweep.finished == {1}


def test_live_without_rich_falls_back_to_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "rich.progress", None)  # as if rich were not installed
    out = io.StringIO()
    progress = Progress(100, stream=out, live=True, clock=_Clock())
    progress.write({"timesteps": 50}, 50)
    assert out.getvalue() == "[ 50%] 50/100 steps | return - | 50 steps/s | ETA 0:00:01\n"
