"""``lagom train`` on a folder whose ``progress.csv`` a crash or another user damaged: the
live display and the interruption message read around it, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

from lagom.cli._commands import _last_step
from lagom.cli._monitor import RunMonitor


def _damage(log_dir: Path) -> None:
    good, bad, huge = (log_dir / "0" / str(seed) / "progress.csv" for seed in (0, 1, 2))
    for path in (good, bad, huge):
        path.parent.mkdir(parents=True)
    good.write_text("iteration,timesteps,train_return\n1,100,5.0\n")
    bad.write_bytes(b"iteration,timesteps,train_return\n1,200,5.0\n\xff\xfe,3,4\n")
    huge.write_text("iteration,timesteps,train_return\n1," + "9" * 200_000 + ",1\n")


def test_the_display_skips_a_log_it_cannot_read(tmp_path: Path) -> None:
    _damage(tmp_path)
    out = io.StringIO()
    monitor = RunMonitor(tmp_path, [0, 1, 2], total=1000, stream=out, interval=60).start()
    monitor.stop()
    assert out.getvalue().splitlines()[-1].startswith("[  3%] 100/3,000 steps | return 5.00")


def test_the_interrupted_step_skips_a_log_it_cannot_read(tmp_path: Path) -> None:
    _damage(tmp_path)
    (tmp_path / "0" / "3").mkdir()
    (tmp_path / "0" / "3" / "progress.csv").write_text("timesteps\n1e400\n")
    assert _last_step(tmp_path) == 100
