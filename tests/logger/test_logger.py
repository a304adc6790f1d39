"""Tests of ``lagom.logger.Logger``: the documented example, ``dump`` formats, save/load, errors."""

from __future__ import annotations

import contextlib
import io
import pickle
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagom.logger import Logger
from lagom.utils import pickle_dump, pickle_load
from tests.strategies.logger import log_calls


@pytest.fixture
def documented() -> Logger:
    """The logger of the reference example."""
    logger = Logger()
    logger("iteration", 1)
    logger("train_loss", 0.12)
    logger("iteration", 2)
    logger("train_loss", 0.11)
    logger("iteration", 3)
    logger("train_loss", 0.09)
    return logger


def dumped(capsys: pytest.CaptureFixture[str], logger: Logger, **kwargs: Any) -> str:
    logger.dump(**kwargs)
    return capsys.readouterr().out


def test_documented_repr(documented: Logger) -> None:
    assert repr(documented) == (
        "OrderedDict([('iteration', [1, 2, 3]), ('train_loss', [0.12, 0.11, 0.09])])"
    )
    assert isinstance(documented.logs, OrderedDict)
    assert list(documented.logs) == ["iteration", "train_loss"]


def test_empty_repr() -> None:
    assert repr(Logger()) == "OrderedDict()"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "Iteration: [1, 2, 3]\nTrain Loss: [0.12, 0.11, 0.09]\n"),
        ({"indent": 1}, "\tIteration: [1, 2, 3]\n\tTrain Loss: [0.12, 0.11, 0.09]\n"),
        ({"indent": 2}, "\t\tIteration: [1, 2, 3]\n\t\tTrain Loss: [0.12, 0.11, 0.09]\n"),
        ({"keys": ["iteration"]}, "Iteration: [1, 2, 3]\n"),
        (
            {"keys": ["train_loss", "iteration"]},
            "Train Loss: [0.12, 0.11, 0.09]\nIteration: [1, 2, 3]\n",
        ),
        ({"keys": []}, ""),
        ({"index": 0}, "Iteration: 1\nTrain Loss: 0.12\n"),
        ({"index": -1}, "Iteration: 3\nTrain Loss: 0.09\n"),
        ({"index": np.int64(1)}, "Iteration: 2\nTrain Loss: 0.11\n"),
        ({"index": [0, 2]}, "Iteration: [1, 3]\nTrain Loss: [0.12, 0.09]\n"),
        ({"index": [2, 0]}, "Iteration: [3, 1]\nTrain Loss: [0.09, 0.12]\n"),
        ({"index": [1]}, "Iteration: [2]\nTrain Loss: [0.11]\n"),
        ({"index": (0, -1)}, "Iteration: [1, 3]\nTrain Loss: [0.12, 0.09]\n"),
        ({"index": []}, "Iteration: []\nTrain Loss: []\n"),
        (
            {"border": "-----"},
            "-----\nIteration: [1, 2, 3]\nTrain Loss: [0.12, 0.11, 0.09]\n-----\n",
        ),
        (
            {"keys": ["train_loss"], "index": -1, "indent": 1, "border": "=" * 8},
            "========\n\tTrain Loss: 0.09\n========\n",
        ),
    ],
)
def test_dump_formats(
    capsys: pytest.CaptureFixture[str], documented: Logger, kwargs: dict[str, Any], expected: str
) -> None:
    assert dumped(capsys, documented, **kwargs) == expected


def test_dump_prettifies_keys(capsys: pytest.CaptureFixture[str]) -> None:
    logger = Logger()
    logger("num_episodes_per_iter", 4)
    logger(" loss ", "x")
    logger("x", None)
    assert dumped(capsys, logger) == "Num Episodes Per Iter: [4]\nLoss: ['x']\nX: [None]\n"


def test_dump_of_empty_logger(capsys: pytest.CaptureFixture[str]) -> None:
    assert dumped(capsys, Logger()) == ""
    assert dumped(capsys, Logger(), border="***") == "***\n***\n"


def test_dump_keys_of_different_lengths(capsys: pytest.CaptureFixture[str]) -> None:
    logger = Logger()
    for value in [1, 2, 3]:
        logger("iteration", value)
    logger("eval_return", 10.5)
    assert dumped(capsys, logger, index=-1) == "Iteration: 3\nEval Return: 10.5\n"
    with pytest.raises(IndexError, match=r"index 1 .* key 'eval_return' with 1 values"):
        logger.dump(index=1)


def test_values_are_kept_as_logged() -> None:
    logger = Logger()
    array = np.arange(3)
    logger("histogram", array)
    logger("histogram", {"a": 1})
    assert logger.logs["histogram"][0] is array
    assert logger.logs["histogram"][1] == {"a": 1}


def test_clear(documented: Logger, capsys: pytest.CaptureFixture[str]) -> None:
    documented.clear()
    assert documented.logs == OrderedDict()
    assert dumped(capsys, documented) == ""
    documented("iteration", 7)
    assert documented.logs == OrderedDict([("iteration", [7])])


@given(log_calls)
def test_logs_match_dict_of_lists(calls: list[tuple[str, Any]]) -> None:
    logger = Logger()
    expected: dict[str, list[Any]] = {}
    order: list[str] = []
    for key, value in calls:
        logger(key, value)
        if key not in expected:
            expected[key] = []
            order.append(key)
        expected[key].append(value)
    assert list(logger.logs) == order
    assert dict(logger.logs) == expected


def _title_words(key: str) -> str:
    # Oracle for the documented prettifying: '_' is a space, every word starts upper-case.
    out, start = "", True
    for char in key.strip():
        char = " " if char == "_" else char
        out += char.upper() if start else char.lower()
        start = not char.isalpha()
    return out


@given(log_calls)
def test_dump_last_index_matches_loop(calls: list[tuple[str, Any]]) -> None:
    logger = Logger()
    latest: dict[str, Any] = {}
    for key, value in calls:
        logger(key, value)
        latest[key] = value
    expected = "".join(f"{_title_words(key)}: {value}\n" for key, value in latest.items())
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        logger.dump(index=-1)
    assert buffer.getvalue() == expected


@pytest.mark.parametrize(
    ("key", "error", "match"),
    [(3, TypeError, "key must be a str, got int 3"), ("", ValueError, "non-empty")],
)
def test_bad_key(key: Any, error: type[Exception], match: str) -> None:
    logger = Logger()
    with pytest.raises(error, match=match):
        logger(key, 1.0)
    assert logger.logs == OrderedDict()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"keys": "iteration"}, TypeError, "keys must be a list of str or None, got str"),
        ({"keys": ["iteration", "loss"]}, KeyError, "'loss' was never logged"),
        ({"index": 3}, IndexError, "index 3 is out of range for key 'iteration' with 3 values"),
        ({"index": -4}, IndexError, "index -4 is out of range"),
        ({"index": [0, 5]}, IndexError, "index 5 is out of range"),
        ({"index": 1.0}, TypeError, "index must be an int, a list of int or None, got 1.0"),
        ({"index": True}, TypeError, "index must be an int"),
        ({"index": [0, "1"]}, TypeError, "index must be an int"),
        ({"indent": -1}, ValueError, r"indent must be in \[0, 100\], got -1"),
        # Before: a 10 GB string of tabs built and printed.
        ({"indent": 10**10}, ValueError, r"indent must be in \[0, 100\], got 10000000000"),
        ({"indent": 1.5}, TypeError, "indent must be an int, got float"),
        ({"border": None}, TypeError, "border must be a str, got NoneType"),
    ],
)
def test_bad_dump_arguments(
    capsys: pytest.CaptureFixture[str],
    documented: Logger,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        documented.dump(**kwargs)
    assert capsys.readouterr().out == ""  # nothing half-printed


def test_save_load_round_trip(tmp_path: Path, documented: Logger) -> None:
    documented("weights", np.array([1.5, 2.5]))
    path = tmp_path / "logs.pkl"
    assert documented.save(path) == path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs.pkl"]  # no temporary left
    raw = pickle_load(path)
    assert isinstance(raw, OrderedDict)
    assert list(raw) == ["iteration", "train_loss", "weights"]

    loaded = Logger.load(path)
    assert loaded.logs["iteration"] == [1, 2, 3]
    assert loaded.logs["train_loss"] == [0.12, 0.11, 0.09]
    np.testing.assert_array_equal(loaded.logs["weights"][0], [1.5, 2.5])
    assert loaded.csv_path is None
    # The loaded logger is independent of the saved one and keeps logging.
    loaded("iteration", 4)
    assert documented.logs["iteration"] == [1, 2, 3]


def test_save_adds_pkl_extension(tmp_path: Path, documented: Logger) -> None:
    assert documented.save(tmp_path / "logs") == tmp_path / "logs.pkl"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs.pkl"]
    assert Logger.load(tmp_path / "logs").logs == documented.logs
    assert Logger.load(str(tmp_path / "logs.pkl")).logs == documented.logs


def test_save_overwrites(tmp_path: Path) -> None:
    logger = Logger()
    logger("a", 1)
    logger.save(tmp_path / "logs.pkl")
    logger("a", 2)
    logger.save(tmp_path / "logs.pkl")
    assert Logger.load(tmp_path / "logs.pkl").logs == OrderedDict([("a", [1, 2])])


def test_load_plain_pickle_of_dict(tmp_path: Path) -> None:
    path = tmp_path / "logs.pkl"
    path.write_bytes(pickle.dumps({"return": [1.0, 2.0]}))
    assert Logger.load(path).logs == OrderedDict([("return", [1.0, 2.0])])


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ([1, 2], "expected a pickled dict of logs, got list"),
        ({"a": 1}, "expected a pickled dict of str to list, got key 'a' with int"),
        ({1: [1]}, "got key 1 with list"),
    ],
)
def test_load_rejects_other_pickles(tmp_path: Path, obj: Any, match: str) -> None:
    pickle_dump(obj=obj, f=tmp_path / "x")
    with pytest.raises(TypeError, match=match):
        Logger.load(tmp_path / "x.pkl")


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Logger.load(tmp_path / "missing.pkl")


class _RunsCode:
    """Unpickling this calls ``os.mkdir(path)``: code a file from elsewhere could run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.mkdir, (str(self.path),))


def test_load_refuses_a_pickle_that_would_run_code(tmp_path: Path) -> None:
    target = tmp_path / "created_by_the_pickle"
    path = tmp_path / "logs.pkl"
    path.write_bytes(pickle.dumps({"return": [1.0, _RunsCode(target)]}))
    with pytest.raises(ValueError, match=r"names (posix|nt|os)\.mkdir.*pickle_load"):
        Logger.load(path)
    assert not target.exists()


def test_load_reads_every_plain_value_save_writes(tmp_path: Path) -> None:
    logger = Logger()
    objects = np.empty(2, dtype=object)
    objects[0], objects[1] = {"k": np.arange(3)}, None
    values: list[Any] = [
        1,
        -2.5,
        True,
        None,
        "text",
        b"raw",
        1 + 2j,
        (1, [2, 3]),
        {"nested": {"a": [1.0]}},
        {1, 2},
        frozenset({3}),
        np.float32(1.5),
        np.int64(-3),
        np.bool_(False),
        np.array(2.0),
        np.arange(6, dtype=np.int16).reshape(2, 3).T,  # not contiguous
        np.zeros(3, np.float16),
        np.array(["a", "bc"]),
        np.array([1 + 1j]),
        objects,
        OrderedDict(b=1),
    ]
    for value in values:
        logger("value", value)
    loaded = Logger.load(logger.save(tmp_path / "logs")).logs["value"]
    assert len(loaded) == len(values)
    for got, want in zip(loaded, values, strict=True):
        assert type(got) is type(want)
        if isinstance(want, np.ndarray) and want.dtype != object:
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        elif isinstance(want, np.ndarray):
            assert got[0]["k"].tolist() == [0, 1, 2]
            assert got[1] is None
        else:
            assert got == want


def test_load_names_what_it_refuses(tmp_path: Path) -> None:
    logger = Logger()
    logger("when", Path("/tmp/x"))
    path = logger.save(tmp_path / "logs")
    with pytest.raises(ValueError, match=r"names pathlib\.[\w.]*Path, which a log of plain data"):
        Logger.load(path)
    assert pickle_load(path)["when"] == [Path("/tmp/x")]  # the owner's way to read it


@pytest.mark.parametrize("content", [b"", b"not a pickle at all", b"\x80\x05K"])
def test_load_of_a_file_that_is_not_a_pickle_is_a_value_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "logs.pkl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a pickle, or a damaged one"):
        Logger.load(path)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_load_reads_plain_logs_of_every_pickle_protocol(tmp_path: Path, protocol: int) -> None:
    shared = np.arange(4.0)
    logs = {
        "arrays": [shared, shared, np.array([1, 2], dtype=">i4"), np.zeros((2, 0))],
        "scalars": [np.float32(0.25), np.int8(-1), 3, "x", b"y", {1}, (1,)],
    }
    path = tmp_path / "logs.pkl"
    path.write_bytes(pickle.dumps(logs, protocol=protocol))
    loaded = Logger.load(path).logs
    first, second, big_endian, empty = loaded["arrays"]
    assert first is second  # one object in the file, one object loaded
    np.testing.assert_array_equal(first, shared)
    assert big_endian.dtype == np.dtype(">i4")
    assert big_endian.tolist() == [1, 2]
    assert empty.shape == (2, 0)
    assert loaded["scalars"] == logs["scalars"]
    assert [type(x) for x in loaded["scalars"]] == [type(x) for x in logs["scalars"]]


class _Forged:
    """Pickles as whatever ``reduce`` says: a forged numpy dtype or array state."""

    def __init__(self, reduce: tuple[Any, ...]) -> None:
        self.reduce = reduce

    def __reduce__(self) -> tuple[Any, ...]:
        return self.reduce


@pytest.mark.parametrize(
    ("reduce", "match"),
    [
        # A dtype whose state claims another item size (numpy would trust it).
        ((np.dtype, ("f4", False, True), (3, "<", None, None, None, 1024, 1, 0)), "dtype state"),
        ((np.dtype, ("f4", False, True), "state"), "dtype state"),
        ((np.dtype, ("M8", False, True)), "dtype datetime64"),
        ((np.dtype, (("f4", 2), False, True)), "a dtype of"),
        # An array whose bytes do not fill its shape.
        (
            (*np.zeros(3).__reduce__()[:2], (1, (5,), np.dtype("f8"), False, b"\x00" * 24)),
            "24 bytes",
        ),
        ((*np.zeros(3).__reduce__()[:2], (1, (-1,), np.dtype("f8"), False, b"")), "shape"),
        ((*np.zeros(3).__reduce__()[:2], (1, (2,), "f8", False, b"\x00" * 16)), "where a dtype"),
        # A numpy rebuild step left without its BUILD step.
        (np.zeros(3).__reduce__()[:2], "half-built"),
    ],
)
def test_load_refuses_forged_numpy_states(tmp_path: Path, reduce: Any, match: str) -> None:
    path = tmp_path / "logs.pkl"
    path.write_bytes(pickle.dumps({"x": [_Forged(reduce)]}, protocol=pickle.HIGHEST_PROTOCOL))
    with pytest.raises(ValueError, match=match):
        Logger.load(path)


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_load_of_a_damaged_log_is_a_value_error_or_a_log(data: st.DataObject) -> None:
    logs = {"a": [1.0, np.arange(3), "x", (1, 2), np.array([None, {"k": 1}], dtype=object)]}
    raw = bytearray(pickle.dumps(logs, protocol=data.draw(st.integers(0, 5))))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "logs.pkl"
        path.write_bytes(bytes(raw))
        try:
            loaded = Logger.load(path)
        except (ValueError, TypeError):
            return  # refused, by name: never a crash or another error
    assert all(isinstance(values, list) for values in loaded.logs.values())


@pytest.mark.parametrize("step", [1e30, 2**63, -1])
def test_a_step_sinks_refuse_is_refused_before_the_csv_row(tmp_path: Path, step: object) -> None:
    # Before: the CSV row was written, then a TensorBoard or Progress sink refused the step,
    # and every later Logger on that CSV failed rebuilding its sinks from that row.
    from lagom.logger import JsonlSink

    def logger() -> Logger:
        return Logger(tmp_path / "progress.csv", sinks=[JsonlSink(tmp_path / "log.jsonl")])

    first = logger()
    first("timesteps", 10)
    first.write_row()
    first("timesteps", step)
    with pytest.raises(ValueError, match=r"the step \('timesteps'\) must be in \[0, 2\*\*63 - 1\]"):
        first.write_row()
    assert (tmp_path / "progress.csv").read_text() == "timesteps\n10\n"
    first("timesteps", 20)  # a corrected value goes through
    first.write_row()
    assert (tmp_path / "progress.csv").read_text() == "timesteps\n10\n20\n"
    assert logger()._rows == 2  # resumes


def test_a_large_step_without_sinks_is_only_a_csv_cell(tmp_path: Path) -> None:
    logger = Logger(tmp_path / "progress.csv")
    logger("timesteps", 1e30)
    logger.write_row()
    assert (tmp_path / "progress.csv").read_text() == "timesteps\n1e+30\n"
