"""Tests of ``lagom.logger.Progress``, ``SweepProgress``, ``last_row`` and ``last_step``."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
import pytest

from lagom.logger import Logger, Progress, SweepProgress, last_row, last_step


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


def test_last_row_reads_a_quoted_cell_holding_newlines(tmp_path: Path) -> None:
    # Before: the file was split on every newline, so a note "x\n5,7" read back as the row
    # {'timesteps': 5, 'note': '7"'}.
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    for steps, note in [(100, "x\n5,7"), (200, 'a "b"\n'), (300, "plain")]:
        logger("timesteps", steps)
        logger("note", note)
        logger.write_row()
        assert last_row(path) == {"timesteps": steps, "note": note}
        assert last_step(path) == steps
    # A row cut in its quoted cell by a crash is not complete: the row before it is read.
    data = path.read_bytes()
    path.write_bytes(data + b'400,"half\n')
    assert last_step(path) == 300
    # A quoted column name holding a newline, and more than 64 KiB of rows after it.
    logger = Logger(csv_path=tmp_path / "keys.csv")
    for i in range(5000):
        logger("time\nsteps", i)
        logger("loss", i / 8)
        logger.write_row()
    assert last_row(tmp_path / "keys.csv") == {"time\nsteps": 4999, "loss": 4999 / 8}


def test_last_row_reads_a_row_longer_than_the_tail(tmp_path: Path) -> None:
    # Before: a last row longer than the 64 KiB read from the end gave None.
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    for steps in (1, 2):
        logger("timesteps", steps)
        logger("text", "y" * 200_000)
        logger.write_row()
    assert last_step(path) == 2


def test_last_row_of_a_file_that_is_not_utf8_names_it(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    path.write_bytes(b"timesteps,note\n1,\xff\n")
    with pytest.raises(ValueError, match=r"progress\.csv"):
        last_row(path)


def test_progress_refuses_what_a_sink_cannot_take() -> None:
    # Before: write(None, 0) raised AttributeError, write({}, 10**400) OverflowError,
    # write({}, -50) printed "[-50%]" and rebuild(None, None) was accepted.
    out = io.StringIO()
    progress = Progress(100, stream=out)
    with pytest.raises(TypeError, match="row must be a mapping"):
        progress.write(None, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step must be an int"):
        progress.write({}, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"step must be in \[0, 2\*\*63 - 1\], got -50"):
        progress.write({}, -50)
    with pytest.raises(ValueError, match=r"step must be in .* got an int of 1329 bits"):
        progress.write({}, 10**400)
    with pytest.raises(TypeError, match="rows must be a list"):
        progress.rebuild(None, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rows and steps must have the same length"):
        progress.rebuild([{}], [])
    with pytest.raises(ValueError, match=r"steps\[1\] must be in \[0"):
        progress.rebuild([{}, {}], [1, -1])
    with pytest.raises(ValueError, match="step must be in"):
        Progress(100, quiet=True).write({}, -1)
    assert out.getvalue() == ""
    progress.rebuild([{}], [np.int64(40)])  # type: ignore[list-item]
    progress.write({"timesteps": 50}, np.int64(50))  # type: ignore[arg-type]
    assert out.getvalue().startswith("[ 50%] 50/100 steps")


def test_sweep_poll_and_last_row_refuse_what_is_not_a_csv_log(tmp_path: Path) -> None:
    sweep = SweepProgress(1, stream=io.StringIO())
    with pytest.raises(TypeError, match="csv_paths must be a mapping of jobs to CSV paths"):
        sweep.poll([tmp_path / "progress.csv"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="csv_path must be a file, got the folder"):
        last_row(tmp_path)
    with pytest.raises(ValueError, match="csv_path must be a file, got the folder"):
        last_step(tmp_path)


def test_last_row_reads_a_row_from_before_a_column_was_added(tmp_path: Path) -> None:
    # A second logger of the file added a column the first had not seen: the first's next
    # row is shorter than the header, and Logger.load reads its missing cells as empty.
    path = tmp_path / "progress.csv"
    first, second = Logger(csv_path=path), Logger(csv_path=path)
    first("timesteps", 1)
    first.write_row()
    second("timesteps", 2)
    second("loss", 0.5)
    second.write_row()
    first("timesteps", 3)
    first.write_row()
    assert path.read_text() == "timesteps,loss\n1,\n2,0.5\n3\n"
    assert last_row(path) == {"timesteps": 3}
    assert last_step(path) == 3
    path.write_text('timesteps,"loss"\n1,0.5\n3\n')  # a quote: the whole file is parsed
    assert last_step(path) == 3
