"""The journal of finished jobs: records, torn tails, newest-wins, compaction."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
from pathlib import Path

from lagom.experiment import run_experiment
from lagom.experiment._journal import JOURNAL, append, compact, journal_files, read_journal


def _append_in_child(root: str, key: str, result: str) -> None:
    append(root, key, result)


def test_records_read_back_and_the_newest_wins(tmp_path: Path) -> None:
    append(tmp_path, "0/1", json.dumps("first"))
    append(tmp_path, "0/2", json.dumps({"other": [1, 2.5, None]}))
    # Another process writes a file of its own; its record for 0/1 is newer.
    child = multiprocessing.get_context("spawn").Process(
        target=_append_in_child, args=(str(tmp_path), "0/1", json.dumps("second"))
    )
    child.start()
    child.join()
    assert child.exitcode == 0
    assert len(journal_files(tmp_path)) == 2
    entries = read_journal(tmp_path)
    assert {key: json.loads(e.result) for key, e in entries.items()} == {
        "0/1": "second",
        "0/2": {"other": [1, 2.5, None]},
    }


def test_corrupt_record_ends_the_file_but_not_the_others(tmp_path: Path) -> None:
    append(tmp_path, "a", "1")
    append(tmp_path, "b", "2")
    (path,) = journal_files(tmp_path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # a flipped bit in the last record: its checksum fails
    path.write_bytes(bytes(data))
    (tmp_path / JOURNAL / "other.log").write_bytes(b"\x00" * 3)  # shorter than a header
    assert set(read_journal(tmp_path)) == {"a"}


def test_compaction_keeps_only_what_is_asked_and_writers_carry_on(tmp_path: Path) -> None:
    append(tmp_path, "a", "1")
    append(tmp_path, "b", "2")
    keep = {"a": read_journal(tmp_path)["a"]}
    compact(tmp_path, keep)
    assert read_journal(tmp_path) == keep
    append(tmp_path, "c", "3")  # this process's old file is gone: a new one is opened
    assert set(read_journal(tmp_path)) == {"a", "c"}
    compact(tmp_path, {})
    assert read_journal(tmp_path) == {}
    assert journal_files(tmp_path) == []


def _open_files() -> set[str]:
    """The paths this process has open (Linux), or an empty set elsewhere."""
    if not os.path.isdir("/proc/self/fd"):
        return set()
    paths = set()
    for fd in os.listdir("/proc/self/fd"):
        # The descriptor of the listing itself is closed by now.
        with contextlib.suppress(OSError):
            paths.add(os.readlink(f"/proc/self/fd/{fd}"))
    return paths


def test_a_serial_sweep_leaves_no_journal_file_open(tmp_path: Path) -> None:
    run_experiment(lambda c, s, d, log: s, [{"ID": 0}], [1, 2], tmp_path, progress=False)
    assert len(read_journal(tmp_path)) == 2
    assert not [path for path in _open_files() if path.startswith(str(tmp_path / JOURNAL))]


def test_results_are_json_and_other_objects_are_refused() -> None:
    import numpy as np
    import pytest

    from lagom.experiment._journal import to_json

    assert json.loads(to_json({"r": np.float32(1.5), "a": np.arange(3), "t": (1, "x")})) == {
        "r": 1.5,
        "a": [0, 1, 2],
        "t": [1, "x"],
    }
    assert to_json(float("nan")) == "NaN"
    with pytest.raises(TypeError, match=r"result of run must be JSON data.*object"):
        to_json({"x": object()})


def test_non_string_keys_are_refused_at_any_depth() -> None:
    import pytest

    from lagom.experiment._journal import to_json

    for result in ({1: "a"}, [{"x": {(1, 2): 3}}], ({"a": [{None: 1}]},), {"t": {True: 1}}):
        with pytest.raises(TypeError, match="dict keys are str"):
            to_json(result)
    assert json.loads(to_json({"a": [{"b": ({"c": 1},)}]})) == {"a": [{"b": [{"c": 1}]}]}
