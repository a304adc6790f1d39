"""run_experiment: bad input is refused with a message that says what was expected."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lagom.experiment import Config, run_experiment
from lagom.experiment import run as run_module
from tests.experiment._jobs import calls, record

CONFIGS = [{"ID": 0}, {"ID": 1}]


def _call(tmp_path: Path, **kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "run": record,
        "config": CONFIGS,
        "seeds": [0, 1],
        "log_dir": tmp_path / "logs",
        "max_workers": None,
        "progress": False,
    }
    return run_experiment(**{**args, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"run": "train"}, TypeError, "run must be callable"),
        ({"seeds": []}, ValueError, "seeds must hold at least one integer, got an empty seeds"),
        ({"seeds": [1, 2, 1]}, ValueError, r"seeds must be distinct, got \[1\] more than once"),
        ({"seeds": [0, 1.5]}, TypeError, r"seeds must be integers, got 1.5 \(float\)"),
        ({"seeds": [True]}, TypeError, "seeds must be integers, got True"),
        ({"seeds": 3}, TypeError, "seeds must be a list of integers, got int"),
        ({"config": {"ID": 0}}, TypeError, "config must be a Config or a list"),
        ({"config": []}, ValueError, "configuration IDs must hold at least one integer"),
        ({"config": [{"lr": 1}]}, TypeError, "each configuration must be a dict with an 'ID' item"),
        ({"config": [{"ID": 0}, {"ID": 0}]}, ValueError, "configuration IDs must be distinct"),
        ({"config": [{"ID": -1}]}, ValueError, "configuration IDs must be integers >= 0, got -1"),
        ({"max_workers": -1}, ValueError, "max_workers must be >= 0"),
        ({"max_workers": 1.0}, TypeError, "max_workers must be an integer or None, got 1.0"),
        ({"chunksize": 0}, ValueError, "chunksize must be at least 1, got 0"),
        ({"chunksize": None}, TypeError, "chunksize must be a positive integer, got None"),
        ({"torch_threads": 0}, ValueError, "torch_threads must be at least 1"),
        ({"gpu_ids": [0]}, ValueError, r"gpu_ids=\[0\] is given but use_gpu is False"),
        ({"use_gpu": True, "gpu_ids": []}, ValueError, "gpu_ids must hold at least one"),
        ({"use_gpu": True, "gpu_ids": [0, 0]}, ValueError, "gpu_ids must be distinct"),
        ({"use_gpu": True, "gpu_ids": [-1]}, ValueError, "gpu_ids must be integers >= 0"),
        (
            {"executor": "dask"},
            TypeError,
            "executor must be a concurrent.futures.Executor, got str",
        ),
        ({"log_dir": 3}, TypeError, "log_dir must be a str or os.PathLike path, got int"),
        ({"log_dir": ""}, ValueError, "log_dir must be a path, got the empty string"),
        ({"torch_threads": 10**30}, ValueError, "torch_threads must be at most 2147483647"),
    ],
)
def test_bad_input(
    tmp_path: Path, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _call(tmp_path, **kwargs)
    assert not (tmp_path / "logs").exists()


def test_executor_and_max_workers_together(tmp_path: Path) -> None:
    with (
        ThreadPoolExecutor(1) as executor,
        pytest.raises(ValueError, match="either max_workers or executor"),
    ):
        _call(tmp_path, max_workers=2, executor=executor)


def test_log_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        _call(tmp_path)


def test_unpicklable_run_for_workers(tmp_path: Path) -> None:
    class Run:
        def __call__(self, *args: Any) -> None:
            pass

        def __reduce__(self) -> Any:
            raise RuntimeError("no pickling")

    with pytest.raises(TypeError, match="run cannot be pickled by cloudpickle"):
        _call(tmp_path, run=Run(), max_workers=1)


def test_no_gpu_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "_visible_gpu_count", lambda: 0)
    with pytest.raises(ValueError, match="use_gpu=True but torch sees no CUDA device"):
        _call(tmp_path, use_gpu=True)


def test_numpy_integers_are_integers(tmp_path: Path) -> None:
    results = _call(tmp_path, seeds=np.array([4, 5]), config=Config({"x": 1}))
    assert [r["seed"] for r in results] == [4, 5]
    assert all(type(r["seed"]) is int for r in results)


def test_numpy_integer_ids_are_integers(tmp_path: Path) -> None:
    # A numpy ID passed the checks, then sweep.yml's JSON writer refused it mid-setup.
    configs = [{"ID": np.int64(3), "x": 1}, {"ID": np.uint8(4), "x": 2}]
    results = _call(tmp_path, config=configs, seeds=[0])
    assert [(r["ID"], type(r["ID"])) for r in results] == [(3, int), (4, int)]
    assert "ID: 3" in (tmp_path / "logs" / "3" / "config.yml").read_text()
    assert _call(tmp_path, config=configs, seeds=[0]) == results  # resumes


def test_log_dir_under_a_file_or_a_broken_link(tmp_path: Path) -> None:
    # It raised NotADirectoryError from inside pathlib, naming no argument.
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match=r"log_dir .*sub lies under .*file, which exists and is"):
        _call(tmp_path, log_dir=tmp_path / "file" / "deeper" / "sub")
    (tmp_path / "link").symlink_to(tmp_path / "gone")  # FileExistsError from mkdir before
    with pytest.raises(ValueError, match=r"log_dir .*link is a link to .*gone, which does not"):
        _call(tmp_path, log_dir=tmp_path / "link")


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_string_that_is_not_unicode_is_named(tmp_path: Path, overwrite: bool) -> None:
    # os.fsdecode(b"\xff") is "\udcff": it raised "'utf-8' codec can't encode", naming no
    # configuration, and with overwrite=True only after the job folders were deleted.
    _call(tmp_path, config=[{"ID": 0, "path": "a"}], seeds=[0])
    bad = [{"ID": 0, "path": "a"}, {"ID": 1, "path": os.fsdecode(b"data-\xff")}]
    with pytest.raises(ValueError, match="configuration ID 1 holds a string that is not valid"):
        _call(tmp_path, config=bad, seeds=[0], overwrite=overwrite)
    assert (tmp_path / "logs" / "0" / "0" / "calls").is_dir()
    assert not (tmp_path / "logs" / "1").exists()


def test_more_workers_than_jobs_start_one_per_job(tmp_path: Path) -> None:
    # Before: max_workers=10**20 raised OverflowError from inside multiprocessing.
    results = _call(tmp_path, max_workers=10**20)
    assert sorted((r["ID"], r["seed"]) for r in results) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_resumable_keys_may_change_and_rerun_their_jobs(tmp_path: Path) -> None:
    first = [{"ID": 0, "x": 1, "stop_at": 5}, {"ID": 1, "x": 2, "stop_at": 5}]
    _call(tmp_path, config=first, seeds=[0])
    changed = [first[0] | {"stop_at": None}, first[1]]
    with pytest.raises(ValueError, match=r"'stop_at': 5 on disk, None given"):
        _call(tmp_path, config=changed, seeds=[0])
    results = _call(tmp_path, config=changed, seeds=[0], resumable_keys=["stop_at"])
    assert [r["value"] for r in results] == [1000, 2000]
    logs = tmp_path / "logs"
    # The changed configuration's job ran again (finished or not); the other was skipped.
    assert (calls(logs / "0" / "0"), calls(logs / "1" / "0")) == (2, 1)
    assert "stop_at: null" in (logs / "0" / "config.yml").read_text()
    with pytest.raises(ValueError, match=r"'x': 1 on disk, 3 given"):
        _call(tmp_path, config=[changed[0] | {"x": 3}], seeds=[0], resumable_keys=["stop_at"])
    with pytest.raises(TypeError, match="resumable_keys must be a list of str, got str"):
        _call(tmp_path, resumable_keys="stop_at")
