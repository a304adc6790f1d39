"""The live progress of ``lagom train``: RunMonitor reads the runs' CSV files."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from lagom.cli._monitor import RunMonitor
from lagom.logger import last_row


def _write(path: Path, rows: list[tuple[int, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "iteration,timesteps,train_return\n"
    text += "".join(f"{i},{t},{r}\n" for i, (t, r) in enumerate(rows, 1))
    path.write_text(text)


def test_a_line_at_every_tenth_of_all_seeds_steps(tmp_path: Path) -> None:
    out = io.StringIO()
    monitor = RunMonitor(tmp_path, [3, 4], total=1000, stream=out, interval=60)
    for k in range(1, 101):  # both seeds advance 10 steps at a time
        _write(tmp_path / "0" / "3" / "progress.csv", [(10 * j, 1.0) for j in range(1, k + 1)])
        _write(tmp_path / "0" / "4" / "progress.csv", [(10 * j, 3.0) for j in range(1, k + 1)])
        monitor.poll()
    monitor.stop()
    lines = out.getvalue().splitlines()
    percents = [int(re.match(r"\[\s*(\d+)%\]", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert percents == [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert lines[-1].startswith("[100%] 2,000/2,000 steps | return 2.00 |")


def test_quiet_shows_nothing_and_unfinished_rows_are_not_read(tmp_path: Path) -> None:
    path = tmp_path / "0" / "0" / "progress.csv"
    path.parent.mkdir(parents=True)
    path.write_text("timesteps,train_return\n100,5.0\n20")  # the second row is being written
    assert last_row(path) == {"timesteps": 100, "train_return": 5.0}
    path.write_text("timesteps,train")  # not even a header line yet
    assert last_row(path) is None
    out = io.StringIO()
    monitor = RunMonitor(tmp_path, [0], total=100, stream=out, quiet=True).start()
    monitor.stop()
    assert out.getvalue() == ""


def test_lagom_train_shows_its_progress_when_output_is_a_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lagom",
            "train",
            "ppo",
            "--steps",
            "1024",
            "--log-dir",
            str(tmp_path / "logs"),
            "--set",
            "eval.episodes=1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("lagom: train ppo on CartPole-v1, 1,024 steps")
    lines = [line for line in result.stderr.splitlines() if re.match(r"\[\s*\d+%\]", line)]
    assert lines
    assert lines[-1].startswith("[100%] 1,024/1,024 steps")
    quiet = subprocess.run(
        [
            sys.executable,
            "-m",
            "lagom",
            "train",
            "ppo",
            "--steps",
            "256",
            "--quiet",
            "--log-dir",
            str(tmp_path / "quiet"),
            "--set",
            "eval.episodes=1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "steps |" not in quiet.stderr + quiet.stdout
