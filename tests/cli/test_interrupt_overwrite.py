"""``lagom train --overwrite`` interrupted: the line says how to resume, which is without
``--overwrite`` (the same command would delete what the interrupted runs checkpointed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import lagom.experiment
from lagom.cli import main


@pytest.mark.parametrize(
    ("flags", "advice"),
    [
        ([], "run the same command again"),
        (["--overwrite"], "run the command again without --overwrite"),
    ],
)
def test_the_interrupted_line_says_how_to_resume(
    flags: list[str],
    advice: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> None:
        run_dir = tmp_path / "0" / "0"
        run_dir.mkdir(parents=True)
        (run_dir / "progress.csv").write_text("iteration,timesteps\n1,64\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(lagom.experiment, "run_experiment", interrupted)
    args = ["train", "ppo", "--steps", "128", "--log-dir", str(tmp_path), "--quiet", *flags]
    assert main(args) == 130
    assert capsys.readouterr().err == f"lagom: interrupted at step 64; {advice} to resume\n"
