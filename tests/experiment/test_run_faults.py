"""run_experiment: a job that raises or kills its worker fails alone, and a rerun repairs it."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from lagom.experiment import Config, FailedJob, SweepError, run_experiment
from tests.experiment._jobs import calls, expected, finished, record

SEEDS = [0, 1]


def _configs(flag: Path) -> list[dict[str, Any]]:
    modes = ["ok", "raise", "ok", "exit", "ok", "kill", "ok"]
    return [{"ID": i, "x": i, "mode": mode, "flag": str(flag)} for i, mode in enumerate(modes)]


def _counts(log_dir: Path, configs: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    return {(c["ID"], s): calls(log_dir / str(c["ID"]) / str(s)) for c in configs for s in SEEDS}


@pytest.mark.parametrize("max_workers", [None, 2])
def test_failures_are_isolated_recorded_and_rerun(tmp_path: Path, max_workers: int | None) -> None:
    flag = tmp_path / "fail-now"
    flag.touch()
    configs = _configs(flag)
    if max_workers is None:  # a job that kills the process would end a serial sweep
        configs = [c if c["mode"] in ("ok", "raise") else {**c, "mode": "ok"} for c in configs]
    bad = {c["ID"] for c in configs if c["mode"] != "ok"}
    log_dir = tmp_path / "logs"

    with pytest.raises(SweepError) as info:
        run_experiment(record, configs, SEEDS, log_dir, max_workers, progress=False)
    failed = info.value.failed
    assert [(f.ID, f.seed, f.logdir) for f in failed] == [
        (i, s, log_dir / str(i) / str(s)) for i in sorted(bad) for s in SEEDS
    ]
    assert all(isinstance(f, FailedJob) for f in failed)
    for f in failed:
        mode = configs[f.ID]["mode"]
        want = {
            "raise": f"ZeroDivisionError: job {f.ID}/{f.seed} fails on purpose",
            "exit": "WorkerDied: the process running this job exited with code 3",
            "kill": "WorkerDied: the process running this job was killed by signal SIGKILL",
        }[mode]
        assert f.error == want
        assert want in (f.logdir / "error.txt").read_text()
        assert f.logdir not in finished(log_dir)
    results = info.value.results
    for position, (config, seed) in enumerate((c, s) for c in configs for s in SEEDS):
        good = config["ID"] not in bad
        assert results[position] == (expected(config, seed, "cpu") if good else None)
        folder = log_dir / str(config["ID"]) / str(seed)
        assert (folder in finished(log_dir)) == good
        assert (folder / "error.txt").is_file() == (not good)

    before = _counts(log_dir, configs)
    flag.unlink()
    results = run_experiment(record, configs, SEEDS, log_dir, max_workers, progress=False)
    assert results == [expected(c, s, "cpu") for c in configs for s in SEEDS]
    after = _counts(log_dir, configs)
    assert {job for job in after if after[job] != before[job]} == {
        (i, s) for i in bad for s in SEEDS
    }
    assert all(after[(i, s)] == before[(i, s)] + 1 for i in bad for s in SEEDS)
    assert not list(log_dir.glob("*/*/error.txt"))


def test_summary_names_the_failed_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configs = [{"ID": 0, "mode": "ok"}, {"ID": 1, "mode": "raise"}]
    with pytest.raises(
        SweepError, match=r"2 jobs in .*: 1 done, 0 already done \(skipped\), 1 failed"
    ) as info:
        run_experiment(record, configs, [5], tmp_path, None)
    out = capsys.readouterr().out
    assert out.strip() == str(info.value)
    assert f"failed: ID 1 seed 5 in {tmp_path / '1' / '5'}" in out
    assert "ZeroDivisionError: job 1/5 fails on purpose" in out


def test_sys_exit_in_a_serial_job_is_a_failure(tmp_path: Path) -> None:
    def run(config: dict[str, Any], seed: int, device: str, logdir: Path) -> int:
        if seed == 1:
            raise SystemExit(4)
        return seed

    with pytest.raises(SweepError) as info:
        run_experiment(run, [{"ID": 0}], [0, 1, 2], tmp_path, None, progress=False)
    assert info.value.results == [0, None, 2]
    assert info.value.failed[0].error == "SystemExit: 4"


def test_unpicklable_result_fails_that_job(tmp_path: Path) -> None:
    import threading

    def run(config: dict[str, Any], seed: int, device: str, logdir: Path) -> object:
        return threading.Lock() if seed else seed

    with pytest.raises(SweepError) as info:
        run_experiment(run, [{"ID": 0}], [0, 1], tmp_path, 1, progress=False)
    assert info.value.results == [0, None]
    assert "TypeError" in info.value.failed[0].error


def _disk_full(config: dict[str, object], seed: int, device: str, logdir: Path) -> None:
    # error.txt cannot be written either: a folder stands where the file would go.
    (Path(logdir) / "error.txt").mkdir(exist_ok=True)
    (Path(logdir) / "error.txt" / "x").write_text("keeps the folder non-empty")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_the_job_own_error_reaches_the_summary_when_error_txt_fails(tmp_path: Path) -> None:
    with pytest.raises(SweepError) as info:
        run_experiment(_disk_full, Config({}), [0], tmp_path, progress=False)
    (failed,) = info.value.failed
    assert failed.error == "OSError: [Errno 28] No space left on device"
    assert "No space left on device" in str(info.value)


def test_a_cancelled_error_fails_its_job_alone(tmp_path: Path) -> None:
    # asyncio's CancelledError is a BaseException: it used to end the whole sweep.
    import asyncio

    def run(config: dict[str, Any], seed: int, device: str, logdir: Path) -> int:
        if seed == 1:
            raise asyncio.CancelledError("an environment's event loop gave up")
        return seed

    with pytest.raises(SweepError) as info:
        run_experiment(run, [{"ID": 0}], [0, 1, 2], tmp_path, None, progress=False)
    assert info.value.results == [0, None, 2]
    assert info.value.failed[0].error.startswith("asyncio.exceptions.CancelledError")
    assert (tmp_path / "0" / "1" / "error.txt").exists()


def test_a_result_with_non_string_keys_fails_instead_of_changing_on_resume(
    tmp_path: Path,
) -> None:
    # JSON turned {1: 2} into {"1": 2}: the first run returned one result, a resume another.
    def run(config: dict[str, Any], seed: int, device: str, logdir: Path) -> object:
        return {"curve": [{"step": 1}], "by_seed": {seed: 1.0}} if seed else {"ok": [1]}

    with pytest.raises(SweepError) as info:
        run_experiment(run, [{"ID": 0}], [0, 1], tmp_path, None, progress=False)
    assert info.value.results == [{"ok": [1]}, None]
    assert "dict keys are str, got the key 1 (int)" in info.value.failed[0].error
