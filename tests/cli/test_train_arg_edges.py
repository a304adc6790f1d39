"""``lagom train``'s flags and ``--config`` files at their edges: one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagom.cli import main
from lagom.cli._early import UsageError, read_config_file


@pytest.mark.parametrize(
    "text",
    ["? [a]\n: 1\n", "agent:\n  ? [a]\n  : 1\n", "? {a: 1}\n: 1\n", "? !!set {a}\n: 1\n"],
)
def test_a_config_key_that_is_no_text_is_a_usage_error(tmp_path: Path, text: str) -> None:
    # Before: yaml's loader failed on the unhashable key with a TypeError (a traceback).
    path = tmp_path / "f.yml"
    path.write_text(text)
    with pytest.raises(UsageError, match="config file keys must be non-empty text"):
        read_config_file(path)


def test_a_yaml_set_value_is_refused_not_reordered(tmp_path: Path) -> None:
    # Before: {256, 64} became the hidden sizes in the set's order (64, 256), silently.
    path = tmp_path / "f.yml"
    path.write_text("agent.hidden_sizes: !!set {256, 64}\n")
    with pytest.raises(UsageError, match=r"'agent\.hidden_sizes' holds a YAML set"):
        read_config_file(path)


@pytest.mark.parametrize("log_dir", ["", "  "])
def test_an_empty_log_dir_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    log_dir: str,
) -> None:
    # Before: --log-dir "" trained into logs/ppo-CartPole-v1, the default, unnoticed.
    monkeypatch.chdir(tmp_path)
    assert main(["train", "ppo", "--steps", "64", "--log-dir", log_dir, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == f"lagom: error: --log-dir must name a folder, got {log_dir!r}\n"
    assert list(tmp_path.iterdir()) == []


def test_more_workers_than_seeds_run_one_worker_per_seed(tmp_path: Path) -> None:
    # Before: --workers 10**20 reached multiprocessing, whose OverflowError ("Python int too
    # large to convert to C int") ended the command in a traceback. The sweep starts one
    # worker per job at most (tests/experiment/test_run_checks.py).
    log_dir = tmp_path / "logs"
    argv = ["train", "ppo", "--steps", "64", "--quiet", "--log-dir", str(log_dir)]
    assert main([*argv, "--workers", str(10**20), "--seeds", "0", "1"]) == 0
    assert sorted(path.parent.name for path in log_dir.glob("0/*/final_eval.yml")) == ["0", "1"]


def test_a_run_stopped_by_stop_at_is_not_reported_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: the summary read "failed" for a run that train.stop_at ended as asked (its
    # result is {}: no final evaluation), beside "0 failed" and exit status 0.
    import lagom.experiment

    def sweep(run: object, config: object, seeds: list[int], log_dir: Path, **options: object):
        return [{}, {"return_mean": 1.0, "return_std": 0.0}]

    monkeypatch.setattr(lagom.experiment, "run_experiment", sweep)
    argv = ["train", "ppo", "--steps", "64", "--quiet", "--seeds", "0", "1"]
    assert main([*argv, "--log-dir", str(tmp_path / "logs")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["0", "stopped"]
    assert lines[2].split() == ["1", "1.00", "0.00"]
    assert "failed" not in "\n".join(lines)
    assert "train.stop_at ended the run" in lines[3]


@pytest.mark.parametrize(("value", "bound"), [("100", "<= 80.0"), ("-1000", ">= -80.0")])
def test_a_log_std_init_past_float32_is_refused_before_the_run(value: str, bound: str) -> None:
    # Before: accepted; the run then failed inside: exp(100) overflows float32 (NaN actions
    # from the first step), math.exp(1000) raised OverflowError, exp(-1000) is a zero std.
    from lagom.baselines import check_overrides

    with pytest.raises(ValueError, match=f"'log_std_init' must be {bound}"):
        check_overrides("ppo", {}, sets=[f"agent.log_std_init={value}"])
    check_overrides("ppo", {}, sets=["agent.log_std_init=-2.0"])


def test_a_run_stopped_by_stop_at_continues_when_run_again_without_it(tmp_path: Path) -> None:
    # Before: the second command was refused ("holds a different configuration ...
    # 'train.stop_at': 512 on disk, None given"), though a run resumes with another
    # stop_at, and the journal held the stopped run as finished.
    common = ["train", "ppo", "--steps", "1024", "--seeds", "0", "--quiet", "--set"]
    stopped, whole = tmp_path / "stopped", tmp_path / "whole"
    assert main([*common, "train.stop_at=512", "--log-dir", str(stopped)]) == 0
    assert not (stopped / "0" / "0" / "final_eval.yml").exists()
    assert main([*common, "train.stop_at=none", "--log-dir", str(stopped)]) == 0
    assert main([*common, "train.stop_at=none", "--log-dir", str(whole)]) == 0

    def rows(run: Path) -> list[list[str]]:  # progress.csv without its time column
        lines = (run / "0" / "0" / "progress.csv").read_text().splitlines()
        cells = [line.split(",") for line in lines]
        drop = cells[0].index("time")
        return [row[:drop] + row[drop + 1 :] for row in cells]

    assert rows(stopped) == rows(whole)
    assert len(rows(whole)) == 1 + 1024 // 256
    final = (stopped / "0" / "0" / "final_eval.yml").read_text()
    assert final == (whole / "0" / "0" / "final_eval.yml").read_text()
