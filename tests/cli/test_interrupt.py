"""``lagom train`` (PPO, SAC, CEM) stopped by SIGINT or SIGTERM at a random moment: one line,
exit 130, no worker left, and the same command resumes into logs equal to an uninterrupted
run's."""

from __future__ import annotations

import csv
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _train(*words: str) -> list[str]:
    """``lagom train`` arguments; ``KEY=VALUE`` words become ``--set KEY=VALUE``."""
    out = ["train"]
    for word in words:
        out += ["--set", word] if "=" in word else [word]
    return out


ARGS = {
    "ppo": _train("ppo", "--steps", "30000", "train.checkpoint_every=7"),
    "sac": _train(
        "sac",
        "--steps",
        "4000",
        "train.log_interval=100",
        "train.checkpoint_every=3",
        "agent.hidden_sizes=16,16",
        "agent.learning_starts=500",
        "eval.episodes=2",
    ),
    "cem": _train(
        "cem",
        "--steps",
        "60",
        "train.checkpoint_every=4",
        "train.max_episode_steps=100",
        "eval.episodes=2",
    ),
}
CASES = [("ppo", signal.SIGINT), ("ppo", signal.SIGTERM), ("sac", signal.SIGTERM)]
CASES += [("cem", signal.SIGINT)]


def _lagom(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "lagom", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the signal reaches only what we aim at
    )


def _rows(run_dir: Path) -> list[dict[str, str]]:
    path = run_dir / "progress.csv"
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [{k: v for k, v in r.items() if k != "time"} for r in csv.DictReader(f)]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


_STRAIGHT: dict[str, list[dict[str, str]]] = {}


def _straight(name: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """The rows of an uninterrupted run of the same command (once per algorithm)."""
    if name not in _STRAIGHT:
        cwd = tmp_path_factory.mktemp(f"straight-{name}")
        proc = _lagom([*ARGS[name], "--log-dir", "logs"], cwd)
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        _STRAIGHT[name] = _rows(cwd / "logs" / "0" / "0")
    return _STRAIGHT[name]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("name", "how"), CASES)
def test_interrupt_then_resume(
    name: str,
    how: signal.Signals,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    straight = _straight(name, tmp_path_factory)
    run_dir = tmp_path / "logs" / "0" / "0"
    proc = _lagom([*ARGS[name], "--log-dir", "logs"], tmp_path)
    # A random row (reproducible per case) before the end.
    stop_after = random.Random(f"{name}{how}").randint(5, len(straight) - 5)
    deadline = time.monotonic() + 300
    while len(_rows(run_dir)) < stop_after:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # The whole tree below the command: its workers and their fork server.
    tree = _children(proc.pid)
    tree += [grandchild for child in tree for grandchild in _children(child)]
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    # Besides the progress display's lines, one line says what happened.
    lines = [line for line in err.strip().splitlines() if not re.match(r"\[\s*\d+%\] ", line)]
    assert len(lines) == 1, err
    assert lines[0].startswith("lagom: interrupted at step ")
    assert lines[0].endswith("; run the same command again to resume")
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in tree if _alive(pid)], "processes outlived lagom train"

    again = _lagom([*ARGS[name], "--log-dir", "logs"], tmp_path)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert _rows(run_dir) == straight
    final = yaml.safe_load((run_dir / "final_eval.yml").read_text())
    assert final["episodes"] == (20.0 if name == "ppo" else 2.0)


KILLS = [("ppo", "main"), ("sac", "group"), ("cem", "worker"), ("ppo", "worker")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("name", "target"), KILLS)
def test_kill_9_then_resume(
    name: str, target: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """SIGKILL at a random row of the main process, of its whole process group, or of the
    worker training the run. No process outlives a killed main process by 10 s; a killed
    worker's run is taken up again from its checkpoint by the same command; either way the
    rows end equal to an uninterrupted run's."""
    straight = _straight(name, tmp_path_factory)
    run_dir = tmp_path / "logs" / "0" / "0"
    proc = _lagom([*ARGS[name], "--log-dir", "logs"], tmp_path)
    stop_after = random.Random(f"{name}{target}").randint(5, len(straight) - 5)
    deadline = time.monotonic() + 300
    while len(_rows(run_dir)) < stop_after:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    children = _children(proc.pid)  # the resource tracker and the fork server
    workers = [grandchild for child in children for grandchild in _children(child)]
    assert workers, "no worker process found"
    tree = children + workers
    if target == "main":
        os.kill(proc.pid, signal.SIGKILL)
    elif target == "group":
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    if target == "worker":  # the same command takes the run up again and finishes it
        assert proc.returncode == 0, err
    else:
        assert proc.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in tree if _alive(pid)], "processes outlived lagom train"
        again = _lagom([*ARGS[name], "--log-dir", "logs"], tmp_path)
        _, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
    assert _rows(run_dir) == straight
    assert (run_dir / "final_eval.yml").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("how", "gap"), [(signal.SIGINT, 0.0), (signal.SIGINT, 0.3), (signal.SIGTERM, 0.1)]
)
def test_a_second_signal_while_stopping_changes_nothing(
    how: signal.Signals, gap: float, tmp_path: Path
) -> None:
    # Before: a second Ctrl-C while the workers stopped could print a traceback (an atexit
    # callback interrupted) and a second TERM end the command with 143 instead of 130.
    run_dir = tmp_path / "logs" / "0" / "0"
    proc = _lagom([*ARGS["ppo"], "--log-dir", "logs", "--seeds", "0", "1", "--workers", "2"],
                  tmp_path)  # fmt: skip
    deadline = time.monotonic() + 300
    while len(_rows(run_dir)) < 3:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(how)
    time.sleep(gap)
    if proc.poll() is None:
        proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lines = [line for line in err.strip().splitlines() if not re.match(r"\[\s*\d+%\] ", line)]
    assert len(lines) == 1, err
    assert lines[0].startswith("lagom: interrupted")
