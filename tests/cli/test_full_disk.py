"""``lagom train`` on a disk that fills up mid-run (a small tmpfs in a private mount
namespace): the summary names the cause in one line, no traceback, no half-written or
temporary file is left, and the folder, moved to a disk with room, resumes into the rows of
an uninterrupted run."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["train", "ppo", "--steps", "4000", "--set", "train.checkpoint_every=1"]
# Room left on the 1 MiB tmpfs: enough for the first checkpoints, not for all of them.
FREE_BYTES = 200_000
CANNOT_MOUNT = 97

SCRIPT = f"""
set -u
mount -t tmpfs -o size=1m tmpfs "$1" || exit {CANNOT_MOUNT}
head -c $((1024 * 1024 - {FREE_BYTES})) /dev/zero > "$1/filler" 2>/dev/null
cd "$1"
"$2" -m lagom "${{@:4}}" --log-dir logs > "$3/stdout" 2> "$3/stderr"
echo $? > "$3/rc"
cp -a logs "$3/logs"
"""


def _lagom(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "lagom", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "progress.csv").open(newline="") as f:
        return [{k: v for k, v in r.items() if k != "time"} for r in csv.DictReader(f)]


def _on_a_full_disk(tmp_path: Path) -> Path:
    """Run ``lagom train`` with its log folder on the small tmpfs; return the folder where
    its outputs (stdout, stderr, rc and a copy of the log folder) were saved."""
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs Linux and unshare to mount a private tmpfs")
    mount, saved = tmp_path / "mnt", tmp_path / "saved"
    mount.mkdir()
    saved.mkdir()
    script = tmp_path / "full_disk.sh"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tail = [str(mount), sys.executable, str(saved), *ARGS]
    for unshare in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
        done = subprocess.run(
            [*unshare, "bash", str(script), *tail], env=env, capture_output=True, text=True
        )
        if done.returncode != CANNOT_MOUNT and (saved / "rc").exists():
            return saved
    pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    straight = tmp_path / "straight"
    straight.mkdir()
    assert _lagom([*ARGS, "--log-dir", "logs"], straight).returncode == 0

    saved = _on_a_full_disk(tmp_path)
    out, err = (saved / "stdout").read_text(), (saved / "stderr").read_text()
    assert (saved / "rc").read_text().strip() == "1", out + err
    assert "failed: ID 0 seed 0" in out
    assert "No space left on device" in out
    assert "Traceback" not in out + err
    run_dir = saved / "logs" / "0" / "0"
    known = {".lock", "run.yml", "config.yml", "progress.csv", "error.txt", "policy.pt"}
    known |= {"checkpoint.pt", "checkpoint.prev.pt"}
    assert {p.name for p in run_dir.iterdir()} <= known  # no temporary file left behind
    assert (run_dir / "checkpoint.pt").exists()

    # The folder on a disk with room: the same command resumes it to the uninterrupted rows.
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copytree(saved / "logs", moved / "logs")
    (moved / "logs" / "0" / "0" / "error.txt").unlink()
    resumed = _lagom([*ARGS, "--log-dir", "logs"], moved)
    assert resumed.returncode == 0, resumed.stderr
    assert _rows(moved / "logs" / "0" / "0") == _rows(straight / "logs" / "0" / "0")
