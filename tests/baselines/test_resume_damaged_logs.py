"""A resumed run's ``progress.csv`` that a crash or another user damaged: rows cut back to
the checkpoint's, never silently fewer, and a file that is not a CSV log refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagom.baselines.common import progress_logger, write_row

HEADER = "iteration,timesteps,train_return\n"


def _log(folder: Path, rows: int) -> Path:
    logger = progress_logger(folder, rows=0)
    for i in range(1, rows + 1):
        write_row(logger, {"iteration": i, "timesteps": 10 * i, "train_return": 0.5})
    return folder / "progress.csv"


def test_rows_lost_before_the_checkpoint_are_reported(tmp_path: Path) -> None:
    path = _log(tmp_path, 3)
    with pytest.warns(RuntimeWarning, match=r"progress.csv holds 3 whole rows, fewer than the 8"):
        progress_logger(tmp_path, rows=8)  # the checkpoint is of iteration 8: rows 4-8 lost
    assert path.read_text().count("\n") == 4
    path.unlink()
    with pytest.warns(RuntimeWarning, match=r"progress.csv holds 0 whole rows, fewer than the 2"):
        progress_logger(tmp_path, rows=2)


def test_a_malformed_row_costs_no_good_row(tmp_path: Path) -> None:
    path = _log(tmp_path, 6)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:3], "2,20,0.5,9,9\n", *lines[3:]]))
    progress_logger(tmp_path, rows=4)
    assert path.read_text() == HEADER + "".join(f"{i},{10 * i},0.5\n" for i in range(1, 5))


def test_a_log_that_is_not_utf8_csv_is_refused_by_name(tmp_path: Path) -> None:
    path = _log(tmp_path, 3)
    with path.open("ab") as f:
        f.write(b"\xff\xfe\n")
    with pytest.raises(ValueError, match=r"progress.csv is not a progress log of UTF-8 CSV"):
        progress_logger(tmp_path, rows=2)


def test_a_torn_last_line_is_not_counted_as_a_row(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    path.write_text(HEADER + "1,10,0.5\n2,20,0.5\n3,30,0.")  # killed while writing row 3
    with pytest.warns(RuntimeWarning, match=r"holds 2 whole rows, fewer than the 3"):
        progress_logger(tmp_path, rows=3)
    assert path.read_text() == HEADER + "1,10,0.5\n2,20,0.5\n"
