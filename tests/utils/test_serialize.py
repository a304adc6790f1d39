"""Tests for ``lagom.utils.serialize``: atomic pickle/YAML files and CloudpickleWrapper."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.utils import (
    CloudpickleWrapper,
    atomic_write,
    pickle_dump,
    pickle_load,
    remove_stale_temps,
    yaml_dump,
    yaml_load,
)

# Plain data that YAML writes and reads back unchanged (tuples would come back as lists).
_yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
_yaml_data = st.recursive(
    _yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


class _FailsToPickle:
    def __reduce__(self) -> Any:
        raise RuntimeError("cannot pickle me")


def _only_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_pickle_round_trip_with_extension(tmp_path: Path) -> None:
    obj = {"a": np.arange(3), "b": [1, "x", None]}
    path = pickle_dump(obj, tmp_path / "data")
    assert path == tmp_path / "data.pkl"
    loaded = pickle_load(path)
    np.testing.assert_array_equal(loaded["a"], obj["a"])
    assert loaded["b"] == obj["b"]
    assert pickle_dump(1, str(tmp_path / "other"), ext=".bin") == tmp_path / "other.bin"
    assert pickle_load(str(tmp_path / "other.bin")) == 1
    assert _only_files(tmp_path) == ["data.pkl", "other.bin"]


def test_pickle_dump_serializes_closures(tmp_path: Path) -> None:
    offset = 10
    path = pickle_dump(lambda x: x + offset, tmp_path / "f")
    assert pickle_load(path)(1) == 11


def test_pickle_dump_overwrites_atomically(tmp_path: Path) -> None:
    path = pickle_dump("old", tmp_path / "data")
    # Fails after part of the list has been written to the temporary file.
    with pytest.raises(RuntimeError, match="cannot pickle me"):
        pickle_dump(["x" * 100_000, _FailsToPickle()], tmp_path / "data")
    assert pickle_load(path) == "old"
    assert _only_files(tmp_path) == ["data.pkl"]


def test_failure_when_syncing_leaves_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pickle_dump("old", tmp_path / "data")
    yaml_dump({"old": 1}, tmp_path / "config")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        pickle_dump("new", tmp_path / "data")
    with pytest.raises(OSError, match="disk full"):
        yaml_dump({"new": 2}, tmp_path / "config")
    assert pickle_load(tmp_path / "data.pkl") == "old"
    assert yaml_load(tmp_path / "config.yaml") == {"old": 1}
    assert _only_files(tmp_path) == ["config.yaml", "data.pkl"]


def test_atomic_write_with_and_without_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    path = atomic_write(str(tmp_path / "a.bin"), b"one")
    assert path == tmp_path / "a.bin"
    assert len(synced) == 1
    atomic_write(path, lambda f: f.write(b"two"), fsync=False)
    atomic_write(path, memoryview(b"three"), fsync=False)
    assert len(synced) == 1  # fsync=False did not sync
    assert path.read_bytes() == b"three"
    # A writer that fails leaves the old content and no temporary file.
    with pytest.raises(ZeroDivisionError):
        atomic_write(path, lambda f: (f.write(b"partial"), 1 / 0), fsync=False)
    assert path.read_bytes() == b"three"
    assert _only_files(tmp_path) == ["a.bin"]


def test_atomic_write_rejects_text(tmp_path: Path) -> None:
    with pytest.raises(
        TypeError, match="data must be bytes or a write\\(file\\) callable, got str"
    ):
        atomic_write(tmp_path / "a.txt", "text")  # type: ignore[arg-type]
    assert _only_files(tmp_path) == []


def test_writing_over_a_folder_is_a_value_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "out.png").mkdir()
    (tmp_path / "data.pkl").mkdir()
    (tmp_path / "config.yaml").mkdir()
    for write in (
        lambda: atomic_write(tmp_path / "out.png", b"image"),
        lambda: pickle_dump([1], tmp_path / "data"),
        lambda: yaml_dump([1], tmp_path / "config"),
    ):
        with pytest.raises(ValueError, match=r"path must be a file, got the folder "):
            write()
    assert _only_files(tmp_path) == ["config.yaml", "data.pkl", "out.png"]  # no temp left


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = pickle_dump(1, tmp_path / "data")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


@given(_yaml_data)
def test_yaml_round_trip(tmp_path_factory: pytest.TempPathFactory, data: Any) -> None:
    folder = tmp_path_factory.mktemp("yaml")
    assert yaml_load(yaml_dump(data, folder / "data")) == data


def test_yaml_dump_keeps_key_order_and_extension(tmp_path: Path) -> None:
    path = yaml_dump({"z": 1, "a": {"y": 2, "b": 3}}, tmp_path / "config")
    assert path == tmp_path / "config.yaml"
    assert path.read_text() == "z: 1\na:\n  y: 2\n  b: 3\n"
    assert yaml_dump([1], tmp_path / "list", ext=".yml").name == "list.yml"


def test_yaml_dump_writes_numpy_values_and_tuples_as_plain_data(tmp_path: Path) -> None:
    data = {"lr": np.float32(0.5), "n": np.int64(3), "w": np.arange(4).reshape(2, 2), "t": (1, 2)}
    path = yaml_dump(data, tmp_path / "config")
    assert yaml_load(path) == {"lr": 0.5, "n": 3, "w": [[0, 1], [2, 3]], "t": [1, 2]}
    assert "!!" not in path.read_text()


def test_yaml_dump_rejects_arbitrary_objects(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="yaml_dump writes plain data only"):
        yaml_dump({"f": object()}, tmp_path / "config")
    assert _only_files(tmp_path) == []


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({(1, 2): 3}, r"dict keys must be str, numbers, bool or None, got tuple \(1, 2\) at obj"),
        ({"a": {1, 2}}, r"got set \{1, 2\} at obj\['a'\]"),
        ({"a": [b"x"]}, r"got bytes b'x' at obj\['a'\]\[0\]"),
        ({"a": np.datetime64("2020-01-01")}, r"numpy value of dtype datetime64\[D\] at obj"),
    ],
)
def test_yaml_dump_refuses_what_yaml_load_would_not_give_back(
    data: Any, match: str, tmp_path: Path
) -> None:
    # A tuple key was written as a list (which yaml_load cannot read back as a key); a set,
    # bytes or a date came back as another type.
    with pytest.raises(TypeError, match=match):
        yaml_dump(data, tmp_path / "config")
    assert _only_files(tmp_path) == []


def test_yaml_load_is_safe(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['echo pwned']\n")
    # Refused by the safe loader, and named as a file yaml_load cannot read.
    with pytest.raises(ValueError, match=r"evil\.yaml is not a readable YAML file: could not "):
        yaml_load(path)


def test_a_malformed_or_binary_yaml_file_is_a_value_error_naming_it(tmp_path: Path) -> None:
    broken, binary = tmp_path / "broken.yml", tmp_path / "binary.yml"
    broken.write_text("x: [\n")
    binary.write_bytes(b"\xff\xfe\x00")
    for path in (broken, binary):
        with pytest.raises(ValueError, match=f"{path.name} is not a readable YAML file"):
            yaml_load(path)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("lr: 0.1\nlr: 0.2\n", "'lr'"),
        ("net:\n  size: 64\n  size: 32\n", "'size'"),
        ("1: a\n1.0: b\n", "1.0"),
    ],
)
def test_yaml_load_refuses_a_key_given_twice(tmp_path: Path, text: str, key: str) -> None:
    # yaml.safe_load would keep the last value silently: a config that says two things.
    path = tmp_path / "config.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"config.yml .*found the key {key} twice"):
        yaml_load(path)


def test_yaml_load_lets_a_key_override_a_merged_one(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("base: &b {a: 1, c: 2}\nrun:\n  <<: *b\n  a: 5\n")
    assert yaml_load(path) == {"base": {"a": 1, "c": 2}, "run": {"a": 5, "c": 2}}


def test_cloudpickle_wrapper_pickles_lambdas() -> None:
    wrapped = CloudpickleWrapper(lambda x, y=1: x * y)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(wrapped.x)
    clone = pickle.loads(pickle.dumps(wrapped))
    assert clone(3, y=2) == 6
    assert clone(3) == 3


def test_cloudpickle_wrapper_forwards_attributes() -> None:
    wrapped = CloudpickleWrapper(np.arange(3))
    assert wrapped.shape == (3,)
    assert pickle.loads(pickle.dumps(wrapped)).sum() == 3
    with pytest.raises(TypeError, match="the wrapped ndarray object is not callable"):
        wrapped()
    with pytest.raises(AttributeError):
        wrapped.no_such_attribute  # noqa: B018 - the lookup is the test


def test_paths_must_be_paths(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"path must be a str or os.PathLike path, got NoneType"):
        atomic_write(None, b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"f must be a str or os.PathLike path, got int 3"):
        pickle_dump({}, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ext must be a str such as '.pkl', got NoneType"):
        yaml_dump({}, tmp_path / "a", ext=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"f must be a str or os.PathLike path, got NoneType"):
        pickle_load(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"f must be a str or os.PathLike path, got list"):
        yaml_load([])  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


_KILLED_WRITER = """
import sys, time
from lagom.utils import atomic_write

def write(file):
    file.write(b"half of it")
    file.flush()
    time.sleep(300)  # killed here, before the rename

atomic_write(sys.argv[1], write)
"""


def test_a_writer_killed_midway_leaves_a_temp_that_remove_stale_temps_deletes(
    tmp_path: Path,
) -> None:
    import signal
    import subprocess
    import sys
    import time

    run = tmp_path / "run"
    (run / "tb").mkdir(parents=True)
    target = run / "checkpoint.pt"
    target.write_bytes(b"old")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], env=env)
    deadline = time.monotonic() + 60
    while not list(run.glob(".checkpoint.pt.*.tmp")):
        assert writer.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    (left,) = run.glob(".checkpoint.pt.*.tmp")  # kill -9 gives atomic_write no clean-up
    assert target.read_bytes() == b"old"
    # Beside it: a temp of a live writer (this process), one below, names not of atomic_write.
    live = run / f".progress.csv.{os.getpid()}.0123abcd.tmp"
    below = run / "tb" / ".events.4194304.89abcdef.tmp"  # above Linux's largest PID
    huge = run / f".x.{2**70}.0123abcd.tmp"
    others = [run / ".notes.tmp", run / "data.123.0123abcd.tmp", run / ".a.12.XYZ.tmp"]
    for path in (live, below, huge, *others):
        path.write_bytes(b"")
    removed = remove_stale_temps(run)
    assert sorted(removed) == sorted([left, below, huge])
    assert sorted(p.name for p in run.rglob("*")) == sorted(
        [".a.12.XYZ.tmp", ".notes.tmp", "checkpoint.pt", "data.123.0123abcd.tmp", live.name, "tb"]
    )
    assert remove_stale_temps(run) == []
    with pytest.raises(TypeError, match="folder must be"):
        remove_stale_temps(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("content", [b"", b"hello, not a pickle", b"\x80\x05\x95"])
def test_pickle_load_of_a_file_that_is_no_pickle_names_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "metrics.pkl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"metrics\.pkl is not a readable pickle file"):
        pickle_load(path)
