"""Tests of the logger's sinks: ``JsonlSink``, ``TensorBoardSink``, ``rebuild_sinks``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import (  # type: ignore[import-untyped,unused-ignore]
    EventAccumulator,
)

from lagom.baselines.common import progress_logger, write_row
from lagom.logger import (
    CellValue,
    JsonlSink,
    Logger,
    RebuildableSink,
    Sink,
    TensorBoardSink,
    rebuild_sinks,
)


class _Recorder:
    """A user sink: records what it gets."""

    def __init__(self) -> None:
        self.rows: list[tuple[dict[str, CellValue], int]] = []
        self.closed = False

    def write(self, row: Mapping[str, CellValue], step: int) -> None:
        self.rows.append((dict(row), step))

    def close(self) -> None:
        self.closed = True


def _scalars(logdir: Path, tag: str) -> list[tuple[int, float]]:
    events = EventAccumulator(str(logdir))
    events.Reload()
    return [(e.step, e.value) for e in events.Scalars(tag)]


def _rows(n: int, start: int = 1) -> list[dict[str, object]]:
    return [
        {"iteration": i, "timesteps": 100 * i, "train_return": i / 4, "env": "Fake-v0"}
        for i in range(start, start + n)
    ]


def test_user_sink_gets_csv_rows_after_the_csv(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    seen_csv: list[str] = []

    class Checker(_Recorder):
        def write(self, row: Mapping[str, CellValue], step: int) -> None:
            seen_csv.append(path.read_text().splitlines()[-1])  # the CSV is written first
            super().write(row, step)

    sink = Checker()
    assert isinstance(sink, Sink)
    assert not isinstance(sink, RebuildableSink)
    logger = Logger(csv_path=path, sinks=[sink])
    logger("timesteps", np.int64(128))
    logger("train_return", np.float32(0.5))
    logger("note", None)  # an empty cell: left out of the row
    logger.write_row()
    logger("iteration", 2)  # no step column: the row's position is its step
    logger.write_row()
    logger.close()
    assert sink.rows == [({"timesteps": 128, "train_return": 0.5}, 128), ({"iteration": 2}, 1)]
    assert seen_csv == ["128,0.5,", ",,,2"]
    assert sink.closed


def test_sinks_without_csv() -> None:
    sink = _Recorder()
    logger = Logger(sinks=[sink], step_key="iteration")
    logger("iteration", 7)
    logger.write_row()
    assert sink.rows == [({"iteration": 7}, 7)]


def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "progress.jsonl"
    logger = Logger(csv_path=tmp_path / "progress.csv", sinks=[JsonlSink(path)])
    rows: list[dict[str, object]] = [
        {"timesteps": 1, "loss": 0.1, "done": True, "env": 'a,b "q"'},
        {"timesteps": 2, "loss": math.nan, "gain": -math.inf},
        {"timesteps": 3, "loss": 1e-300},
    ]
    for row in rows:
        write_row(logger, row)
    got = [json.loads(line) for line in path.read_text().splitlines()]
    assert got == [
        {"timesteps": 1, "loss": 0.1, "done": True, "env": 'a,b "q"'},
        {"timesteps": 2, "loss": None, "gain": None},  # NaN and infinities are null
        {"timesteps": 3, "loss": 1e-300},
    ]
    for line in path.read_text().splitlines():
        json.loads(line, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_jsonl_cuts_an_incomplete_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"a": 1}\n{"a": ')
    sink = JsonlSink(path)
    sink.write({"a": 2}, 0)
    assert path.read_text() == '{"a": 1}\n{"a": 2}\n'


def test_tensorboard_curves_and_steps(tmp_path: Path) -> None:
    logdir = tmp_path / "tb"
    logger = Logger(csv_path=tmp_path / "progress.csv", sinks=[TensorBoardSink(logdir)])
    for row in _rows(3):
        write_row(logger, row)
    logger.close()
    assert _scalars(logdir, "train_return") == [(100, 0.25), (200, 0.5), (300, 0.75)]
    assert _scalars(logdir, "iteration") == [(100, 1.0), (200, 2.0), (300, 3.0)]
    events = EventAccumulator(str(logdir))
    events.Reload()
    assert "env" not in events.Tags()["scalars"]  # strings have no curve


def test_kill_and_resume_leaves_no_duplicates(tmp_path: Path) -> None:
    """A run checkpointed after iteration 2, killed after iteration 4, resumed from 2."""

    def sinks() -> list[Sink]:
        return [JsonlSink(tmp_path / "progress.jsonl"), TensorBoardSink(tmp_path / "tb")]

    logger = progress_logger(tmp_path, rows=0)
    logger = Logger(csv_path=logger.csv_path, sinks=sinks())
    for row in _rows(4):
        write_row(logger, row)
    # killed: no close(); the resumed process cuts the CSV back to 2 rows, then rebuilds
    cut = progress_logger(tmp_path, rows=2)
    resumed = Logger(csv_path=cut.csv_path, sinks=sinks())
    for row in _rows(3, start=3):
        write_row(resumed, {**row, "train_return": -row["train_return"]})  # type: ignore[operator]
    resumed.close()

    expected_returns = [0.25, 0.5, -0.75, -1.0, -1.25]
    jsonl = [json.loads(line) for line in (tmp_path / "progress.jsonl").read_text().splitlines()]
    assert [row["timesteps"] for row in jsonl] == [100, 200, 300, 400, 500]
    assert [row["train_return"] for row in jsonl] == expected_returns
    scalars = _scalars(tmp_path / "tb", "train_return")
    assert scalars == list(zip([100, 200, 300, 400, 500], expected_returns, strict=True))
    files = sorted(p.name for p in (tmp_path / "tb").iterdir())
    assert len(files) == 1
    assert files[0].startswith("events.out.tfevents.")


def test_rebuild_sinks_explicitly(tmp_path: Path) -> None:
    csv_path = tmp_path / "progress.csv"
    csv_path.write_text("iteration,train_return\n1,0.5\n2,\n3,1.5\n")
    jsonl = JsonlSink(tmp_path / "a.jsonl")
    jsonl.write({"iteration": 9}, 9)  # stale content, replaced
    recorder = _Recorder()
    assert rebuild_sinks(csv_path, [jsonl, recorder], step_key="iteration") == 3
    assert (tmp_path / "a.jsonl").read_text().splitlines() == [
        '{"iteration": 1, "train_return": 0.5}',
        '{"iteration": 2}',
        '{"iteration": 3, "train_return": 1.5}',
    ]
    assert recorder.rows == []  # not rebuildable: left alone
    assert rebuild_sinks(tmp_path / "missing.csv", [jsonl]) == 0
    assert (tmp_path / "a.jsonl").read_text() == ""


def test_rebuild_false_keeps_sinks_and_counts_rows(tmp_path: Path) -> None:
    csv_path = tmp_path / "progress.csv"
    csv_path.write_text("loss\n0.5\n0.25\n")
    sink = JsonlSink(tmp_path / "a.jsonl")
    sink.write({"old": 1}, 0)
    recorder = _Recorder()
    logger = Logger(csv_path=csv_path, sinks=[sink, recorder], rebuild=False)
    write_row(logger, {"loss": 0.125})
    assert recorder.rows == [({"loss": 0.125}, 2)]  # the third row of the file
    assert (tmp_path / "a.jsonl").read_text() == '{"old": 1}\n{"loss": 0.125}\n'


def test_bad_sinks(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="sinks must be a list"):
        Logger(sinks="jsonl")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"write\(row, step\) and close\(\).*object at 0"):
        Logger(sinks=[object()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="step_key must be a str"):
        Logger(sinks=[], step_key=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path"):
        JsonlSink(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="logdir"):
        TensorBoardSink(None)  # type: ignore[arg-type]


def test_missing_tensorboard_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    sink = TensorBoardSink(tmp_path)  # imports nothing yet
    with pytest.raises(ImportError, match='pip install "lagom\\[tensorboard\\]"'):
        sink.write({"a": 1.0}, 0)


@pytest.mark.parametrize("make", [JsonlSink, TensorBoardSink])
def test_sinks_refuse_what_write_cannot_take(make: Any, tmp_path: Path) -> None:
    # Before: JsonlSink.write([1], 0) raised AttributeError ('list' has no 'items') and took
    # a float or bool step.
    sink = make(tmp_path / "log")
    with pytest.raises(TypeError, match="row must be a mapping of column names"):
        sink.write([1], 0)
    with pytest.raises(TypeError, match="row keys must be str, got int"):
        sink.write({1: 2.0}, 0)
    with pytest.raises(TypeError, match=r"row\['a'\] must be a str, bool, int, float or None"):
        sink.write({"a": [1, 2]}, 0)
    for step in (1.5, True, "1"):
        with pytest.raises(TypeError, match="step must be an int"):
            sink.write({"a": 1}, step)
    sink.write({"a": 1.0}, 3)
    sink.close()


def test_tensorboard_refuses_an_int_too_large_for_a_float(tmp_path: Path) -> None:
    # Before: OverflowError from float(). The CSV file holds such an int (it is read back
    # exactly), but a TensorBoard scalar is a float: refused by its key, nothing written.
    logdir = tmp_path / "tb"
    match = r"the value of key 'a' \(a TensorBoard scalar\) must fit in a float"
    with pytest.raises(ValueError, match=match):
        TensorBoardSink(logdir).write({"a": 10**400}, 0)
    assert not logdir.exists()
    logger = Logger(csv_path=tmp_path / "progress.csv", sinks=[TensorBoardSink(logdir)])
    logger("a", 10**400)
    with pytest.raises(ValueError, match=match):
        logger.write_row()
    events = EventAccumulator(str(logdir))  # the empty event file of the logger's rebuild
    events.Reload()
    assert events.Tags()["scalars"] == []
    assert Logger.load(tmp_path / "progress.csv").logs == {"a": [10**400]}
    sink = TensorBoardSink(logdir)
    sink.write({"a": 1.0}, 5)
    with pytest.raises(ValueError, match=match):
        sink.rebuild([{"a": 2.0}, {"a": 10**400}], [6, 7])
    with pytest.raises(ValueError, match=r"step must be in \[-2\*\*63, 2\*\*63 - 1\]"):
        sink.write({"a": 1.0}, 2**63)
    sink.close()
    assert _scalars(logdir, "a") == [(5, 1.0)]  # the rebuild removed nothing


@pytest.mark.parametrize("make", [JsonlSink, TensorBoardSink])
def test_sinks_take_numpy_int_steps_and_check_rebuild(make: Any, tmp_path: Path) -> None:
    # Before: a numpy int step was refused; JsonlSink.rebuild took rows of any object (a
    # TypeError from json) and 2 rows with 0 steps.
    sink = make(tmp_path / "log")
    sink.write({"a": 1}, np.int64(3))
    with pytest.raises(TypeError, match=r"rows\[0\]\['a'\] must be a str, bool, int"):
        sink.rebuild([{"a": object()}], [0])
    with pytest.raises(ValueError, match="same length, got 2 rows and 0 steps"):
        sink.rebuild([{"a": 1}, {"a": 2}], [])
    with pytest.raises(TypeError, match=r"steps\[0\] must be an int"):
        sink.rebuild([{"a": 1}], [1.5])
    with pytest.raises(TypeError, match="rows must be a list"):
        sink.rebuild(None, None)
    sink.rebuild([{"a": 2}], [np.int32(4)])
    sink.close()
    # The refused rebuilds left nothing behind; the last one replaced the first row.
    if make is JsonlSink:
        assert (tmp_path / "log").read_text() == '{"a": 2}\n'
    else:
        assert _scalars(tmp_path / "log", "a") == [(4, 2.0)]


def test_jsonl_refuses_an_int_too_large_to_write(tmp_path: Path) -> None:
    # Before: ValueError from inside json, without the column's name.
    path = tmp_path / "log.jsonl"
    sink = JsonlSink(path)
    with pytest.raises(ValueError, match=r"row\['a'\] is an int too large to write as text"):
        sink.write({"a": 10**5000}, 0)
    with pytest.raises(ValueError, match=r"rows\[0\]\['a'\] is an int too large"):
        sink.rebuild([{"a": 10**5000}], [0])
    assert not path.exists()
    sink.write({"a": 10**400}, np.int64(1))  # JSON numbers have no size limit
    assert json.loads(path.read_text()) == {"a": 10**400}


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe binary\nmore", b"# notes, not a log\nhalf a line", b'[1, 2]\n{"a": '],
)
def test_jsonl_refuses_a_file_that_is_not_json_lines_and_leaves_it(
    tmp_path: Path, content: bytes
) -> None:
    # The torn last line of a JSON-lines log is cut off; a file of another format is not.
    path = tmp_path / "log.jsonl"
    path.write_bytes(content)
    sink = JsonlSink(path)
    with pytest.raises(ValueError, match=r"expected JSON lines of UTF-8 text in .*log\.jsonl"):
        sink.write({"a": 1}, 0)
    assert path.read_bytes() == content


def test_sink_paths_of_the_wrong_kind_are_value_errors(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="path must be a file, got the folder"):
        JsonlSink(tmp_path)
    with pytest.raises(ValueError, match="logdir must be a folder, got the file"):
        TensorBoardSink(tmp_path / "file")
