"""Tests of the CSV stream of ``lagom.logger.Logger``: rows per iteration, crashes, new columns."""

from __future__ import annotations

import csv
import enum
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from lagom.logger import JsonlSink, Logger, last_row
from tests.strategies.logger import csv_iterations

REPO_ROOT = Path(__file__).resolve().parents[2]


class Level(enum.IntEnum):
    HIGH = 2


class FakeTensor:
    """Duck type of a 0-d torch tensor: ``ndim == 0`` and ``item()``."""

    ndim = 0

    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


def test_rows_are_readable_after_each_iteration(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    assert logger.csv_path == path
    assert not path.exists()
    expected = "iteration,train_loss\n"
    for iteration, loss in [(1, 0.12), (2, 0.11), (3, 0.09)]:
        logger("iteration", iteration)
        logger("train_loss", loss)
        logger.write_row()
        expected += f"{iteration},{loss}\n"
        assert path.read_text() == expected
    assert logger.logs["iteration"] == [1, 2, 3]  # the in-memory log is kept as well


def test_row_holds_latest_value_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("iteration", 1)
    logger("loss", 0.5)
    logger("loss", 0.25)
    logger.write_row()
    logger("iteration", 2)
    logger.write_row()
    logger.write_row()  # nothing logged since the previous row: no row
    assert path.read_text() == "iteration,loss\n1,0.25\n2,\n"
    assert logger.logs["loss"] == [0.5, 0.25]


def test_new_key_mid_run_keeps_all_data(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    for iteration, loss in [(1, 0.5), (2, 0.25)]:
        logger("iteration", iteration)
        logger("loss", loss)
        logger.write_row()
    logger("iteration", 3)
    logger("loss", 0.125)
    logger("entropy", 0.7)
    logger.write_row()
    assert path.read_text() == "iteration,loss,entropy\n1,0.5,\n2,0.25,\n3,0.125,0.7\n"
    logger("entropy", 0.6)
    logger("iteration", 4)
    logger.write_row()
    assert path.read_text().endswith("3,0.125,0.7\n4,,0.6\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.csv"]  # no temporary left


def test_new_key_keeps_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("a", 1)
    logger.write_row()
    path.chmod(0o640)
    logger("b", 2)
    logger.write_row()
    assert path.stat().st_mode & 0o777 == 0o640


_CRASHING_RUN = """
import os, sys
from lagom.logger import Logger
logger = Logger(csv_path=sys.argv[1])
for iteration in range(1, 4):
    logger('iteration', iteration)
    logger('return', iteration / 2)
    logger.write_row()
logger('iteration', 4)
logger('return', 2.0)
os._exit(1)
"""


def test_crash_leaves_complete_rows(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    result = subprocess.run(
        [sys.executable, "-c", _CRASHING_RUN, str(path)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert path.read_text() == "iteration,return\n1,0.5\n2,1.0\n3,1.5\n"
    assert Logger.load(path).logs == {"iteration": [1, 2, 3], "return": [0.5, 1.0, 1.5]}


def test_existing_file_is_continued(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    first = Logger(csv_path=path)
    first("iteration", 1)
    first("loss", 0.5)
    first.write_row()
    resumed = Logger(csv_path=path)
    resumed("iteration", 2)
    resumed("loss", 0.25)
    resumed.write_row()
    assert path.read_text() == "iteration,loss\n1,0.5\n2,0.25\n"


def test_incomplete_last_line_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    path.write_text("iteration,loss\n1,0.5\n2,0.2")
    logger = Logger(csv_path=path)
    logger("iteration", 2)
    logger("loss", 0.25)
    logger.write_row()
    assert path.read_text() == "iteration,loss\n1,0.5\n2,0.25\n"


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\xff binary, no newline at the end",  # not UTF-8 text
        b"a,a\n1,2\n3",  # a column twice: a row would go to both
        b"a\n1,2,3\nmore",  # a row wider than the header
        b"\n",  # a blank first line: a header written after it would not read back
    ],
)
def test_a_file_that_is_not_a_log_is_refused_not_cut(tmp_path: Path, content: bytes) -> None:
    # The torn last line of a log is cut off, but only once the file is known to be a log:
    # a file of another format at csv_path is left exactly as it was.
    path = tmp_path / "progress.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"progress\.csv"):
        Logger(csv_path=path)
    assert path.read_bytes() == content


def test_two_loggers_of_one_file_keep_each_value_in_its_column(tmp_path: Path) -> None:
    # Each adds a column after the other wrote: neither writes over the other's header.
    path = tmp_path / "progress.csv"
    first = Logger(csv_path=path)
    second = Logger(csv_path=path)
    second("x", 1)
    second.write_row()
    first("a", 2)
    first.write_row()  # the file has a header now: no second header line
    second("x", 3)
    second("b", 30)
    second.write_row()
    first("a", 4)
    first("c", 40)
    first.write_row()
    assert dict(Logger.load(path).logs) == {
        "x": [1, None, 3, None],
        "a": [None, 2, None, 4],
        "b": [None, None, 30, None],
        "c": [None, None, None, 40],
    }


@pytest.mark.parametrize("tail", ["12", "3,", '3,"a b', "3,4\r"])
def test_a_row_cut_short_is_not_read_as_a_row(tmp_path: Path, tail: str) -> None:
    # A reader (Logger.load, read_xy) during a write or after a crash: "12" may be the
    # start of "12345", "3," a row whose second value is missing. The row is left out.
    path = tmp_path / "progress.csv"
    path.write_text(f"a,b\n1,2\n{tail}", newline="")
    assert dict(Logger.load(path).logs) == {"a": [1], "b": [2]}
    (tmp_path / "header.csv").write_text("a,b")
    with pytest.raises(ValueError, match="no whole line"):
        Logger.load(tmp_path / "header.csv")


def test_a_carriage_return_in_a_key_or_value_reads_back(tmp_path: Path) -> None:
    # Python 3.11's csv module leaves "a\rb" unquoted, and reading took the "\r" for a line
    # end: the whole log became unreadable.
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("note", "a\rb")
    logger.write_row()
    logger("note", "plain")
    logger("key\r", 2)  # a new column: the file is rewritten
    logger.write_row()
    assert dict(Logger.load(path).logs) == {"note": ["a\rb", "plain"], "key\r": [None, 2]}
    assert last_row(path) == {"note": "plain", "key\r": 2}


def test_a_new_column_rewrites_through_a_temp_that_remove_stale_temps_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process killed during the rewrite leaves its temporary file: it must be one that
    # remove_stale_temps (run when a run starts) recognizes and deletes.
    from lagom.utils import remove_stale_temps

    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("a", 1)
    logger.write_row()
    path.chmod(0o600)
    temps: list[Path] = []

    def killed(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        temps.append(Path(src))
        raise SystemExit  # stands for the kill: atomic_write removes its temp on exit...

    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)  # ...not on kill
    logger("b", 2)
    with pytest.raises(SystemExit):
        logger.write_row()
    monkeypatch.undo()
    assert temps[0].exists()
    assert temps[0].stat().st_mode & 0o777 == 0o600  # the log's own permissions
    assert remove_stale_temps(tmp_path) == []  # this process lives
    assert temps[0].exists()
    dead = temps[0].with_name(temps[0].name.replace(f".{os.getpid()}.", ".999999999."))
    temps[0].rename(dead)
    assert remove_stale_temps(tmp_path) == [dead]  # its writer is gone
    assert path.read_text() == "a\n1\n"


def test_fsync_after_each_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    logger = Logger(csv_path=tmp_path / "progress.csv", fsync=True)
    for i in range(3):
        logger("i", i)
        logger.write_row()
    assert len(calls) == 3
    unsynced = Logger(csv_path=tmp_path / "other.csv")
    unsynced("i", 0)
    unsynced.write_row()
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (3, "3"),
        (-7, "-7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-300, "1e-300"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (True, "True"),
        (None, '""'),  # a lone empty cell is quoted: a blank line would be no row at all
        ("done", "done"),
        ("a,b", '"a,b"'),
        (np.int64(5), "5"),
        (np.float32(0.5), "0.5"),
        (np.float64(0.25), "0.25"),
        (Level.HIGH, "2"),
        (np.bool_(False), "False"),
        (np.array(2.5), "2.5"),
        (np.array(4), "4"),
        (np.array("done"), "done"),
        (FakeTensor(1.5), "1.5"),
    ],
)
def test_scalar_cells(tmp_path: Path, value: Any, cell: str) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("x", value)
    logger.write_row()
    assert path.read_text() == f"x\n{cell}\n"


def test_torch_scalar_tensor(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("loss", torch.tensor(0.5, requires_grad=True) * 1)
    logger("steps", torch.tensor(3))
    logger.write_row()
    assert path.read_text() == "loss,steps\n0.5,3\n"


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ([1, 2], "list"),
        (np.zeros(3), r"ndarray of shape \(3,\)"),
        (np.zeros((1, 1)), r"ndarray of shape \(1, 1\)"),
        ({"a": 1}, "dict"),
        (1 + 2j, "complex"),
    ],
)
def test_non_scalars_are_refused(tmp_path: Path, value: Any, described: str) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("iteration", 1)
    with pytest.raises(TypeError, match=f"takes only scalars .* got {described} for key 'x'"):
        logger("x", value)
    logger.write_row()
    assert "x" not in logger.logs
    assert path.read_text() == "iteration\n1\n"


def test_text_a_utf8_file_cannot_hold_is_refused_when_logged(tmp_path: Path) -> None:
    # A lone surrogate used to pass the log call, fail the write after the header was
    # recorded as written, and leave a file without its header (the row lost).
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("iteration", 1)
    for key, value, match in (
        ("x", "bad\ud800", r"the value of key 'x' cannot be written to a UTF-8 file"),
        ("bad\udc00", 1.0, "key cannot be written to a UTF-8 file"),
        ("x", 10**5000, "the int logged for key 'x' is too large to write as a CSV cell"),
    ):
        with pytest.raises(ValueError, match=match):
            logger(key, value)
    logger("x", "ok")
    logger.write_row()
    logger("iteration", 2)
    logger.write_row()
    assert path.read_text(encoding="utf-8") == "iteration,x\n1,ok\n2,\n"
    assert "bad\udc00" not in logger.logs
    assert logger.logs["x"] == ["ok"]


def test_a_failed_append_leaves_the_file_and_the_columns_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    real_open = open

    def failing_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "a" in mode:
            raise OSError("disk full")
        return real_open(file, mode, *args, **kwargs)

    logger("iteration", 1)
    monkeypatch.setattr("builtins.open", failing_open)
    with pytest.raises(OSError, match="disk full"):
        logger.write_row()
    monkeypatch.undo()
    logger("iteration", 2)
    logger.write_row()
    assert path.read_text() == "iteration\n2\n"  # the header with the first row written


def test_non_scalars_are_fine_without_csv() -> None:
    logger = Logger()
    logger("x", [1, 2])
    assert logger.logs["x"] == [[1, 2]]


def test_write_row_needs_csv_path() -> None:
    with pytest.raises(ValueError, match="write_row needs a CSV file"):
        Logger().write_row()


def test_clear_drops_pending_values(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    logger = Logger(csv_path=path)
    logger("a", 1)
    logger.clear()
    logger.write_row()
    assert not path.exists()


def test_load_csv_parses_cells(tmp_path: Path) -> None:
    path = tmp_path / "progress.CSV"
    path.write_text('iteration,loss,done,note\n1,0.5,False,"a,b"\n2,,True,\n3,1e-05,,x\n')
    logs = Logger.load(path).logs
    assert list(logs) == ["iteration", "loss", "done", "note"]
    assert logs["iteration"] == [1, 2, 3]
    assert all(type(v) is int for v in logs["iteration"])
    assert logs["loss"] == [0.5, None, 1e-05]
    assert logs["done"] == [False, True, None]
    assert logs["note"] == ["a,b", None, "x"]


def test_load_csv_short_rows_and_header_only(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1\n")
    assert Logger.load(path).logs == {"a": [1], "b": [None]}
    path.write_text("a,b\n")
    assert Logger.load(path).logs == {"a": [], "b": []}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "expected a CSV log with a header row, got an empty file"),
        ("a,a\n1,2\n", r"expected distinct column names .* got \['a', 'a'\]"),
        ("a,b\n1,2,3\n", "expected at most 2 cells per row .* got 3 on line 2"),
    ],
)
def test_load_bad_csv(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        Logger.load(path)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@given(csv_iterations)
def test_csv_round_trip_matches_oracle(iterations: list[dict[str, Any]]) -> None:
    # Oracle: columns in order of first appearance; one row per non-empty iteration holding
    # that iteration's value or None.
    columns: list[str] = []
    for logged in iterations:
        columns += [key for key in logged if key not in columns]
    rows = [logged for logged in iterations if logged]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "progress.csv"
        logger = Logger(csv_path=path)
        for logged in iterations:
            for key, value in logged.items():
                logger(key, value)
            logger.write_row()
        if not rows:
            assert not path.exists()
            return
        loaded = Logger.load(path).logs
    assert list(loaded) == columns
    for key in columns:
        expected = [row.get(key) for row in rows]
        assert len(loaded[key]) == len(expected)
        assert all(_same(a, b) for a, b in zip(loaded[key], expected, strict=True)), (
            key,
            loaded[key],
        )


def test_a_cell_longer_than_the_csv_field_limit_reads_back(tmp_path: Path) -> None:
    # Before: a str over 131,072 characters (the csv module's default limit) made every read
    # of the file raise _csv.Error: field larger than field limit.
    path = tmp_path / "progress.csv"
    text = "y" * 200_000
    logger = Logger(csv_path=path)
    logger("timesteps", 1)
    logger("text", text)
    logger.write_row()
    assert Logger.load(path).logs == {"timesteps": [1], "text": [text]}
    logger("loss", 0.5)  # a new key: the file is read back and rewritten
    logger.write_row()
    assert Logger.load(path).logs == {
        "timesteps": [1, None],
        "text": [text, None],
        "loss": [None, 0.5],
    }
    sink = JsonlSink(tmp_path / "log.jsonl")
    Logger(csv_path=path, sinks=[sink])  # rebuilds the sink from the file
    assert json.loads((tmp_path / "log.jsonl").read_text().splitlines()[0])["text"] == text


def test_a_damaged_csv_is_a_value_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: Logger.load raised UnicodeDecodeError (or _csv.Error) without the file's name.
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n\xff,1\n")
    with pytest.raises(ValueError, match=r"expected a CSV log of UTF-8 text in .*bad\.csv"):
        Logger.load(path)
    with pytest.raises(ValueError, match=r"bad\.csv"):
        Logger(csv_path=path, sinks=[JsonlSink(tmp_path / "log.jsonl")])
    path.write_text("a,b\n1,too long\n")
    # A real csv.Error, from a field size limit lowered for the test.
    monkeypatch.setattr("lagom.logger._csv._FIELD_SIZE_LIMIT", 4)
    old = csv.field_size_limit(4)
    try:
        with pytest.raises(ValueError, match=r"bad\.csv.*field larger than field limit"):
            Logger.load(path)
    finally:
        csv.field_size_limit(old)


def test_csv_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    # Before: IsADirectoryError from inside the CSV module of lagom.
    with pytest.raises(ValueError, match="csv_path must be a file, got the folder"):
        Logger(csv_path=tmp_path)
    (tmp_path / "sub.csv").mkdir()
    with pytest.raises(ValueError, match="expected a CSV file, got the folder"):
        Logger.load(tmp_path / "sub.csv")


def test_row_cut_inside_a_quoted_newline_is_cut_off(tmp_path: Path) -> None:
    # Before: a crash that cut a row just after a newline inside its quoted cell left a file
    # ending in a newline, so the open quote stayed and swallowed the resumed run's rows.
    path = tmp_path / "progress.csv"
    first = Logger(csv_path=path)
    first("iteration", 1)
    first("note", 'a "b"\nc')
    first.write_row()
    whole = path.read_bytes()
    path.write_bytes(whole + b'2,"half\n')
    resumed = Logger(csv_path=path)
    resumed("iteration", 2)
    resumed("note", "d")
    resumed.write_row()
    assert path.read_bytes() == whole + b"2,d\n"
    assert Logger.load(path).logs == {"iteration": [1, 2], "note": ['a "b"\nc', "d"]}
