"""``lagom train --overwrite`` interrupted: the line says how to resume, which is without
``--overwrite`` (the same command would delete what the interrupted runs checkpointed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import lagom.experiment
from lagom.cli import main


def _interrupt_after(row: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the sweep stop as on Ctrl-C with one progress row ``row`` written."""

    def interrupted(*args: Any, **kwargs: Any) -> None:
        run_dir = tmp_path / "0" / "0"
        run_dir.mkdir(parents=True)
        (run_dir / "progress.csv").write_text(f"iteration,timesteps\n{row}\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(lagom.experiment, "run_experiment", interrupted)


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
    _interrupt_after("1,64", tmp_path, monkeypatch)
    args = ["train", "ppo", "--steps", "128", "--log-dir", str(tmp_path), "--quiet", *flags]
    assert main(args) == 130
    assert capsys.readouterr().err == f"lagom: interrupted at step 64; {advice} to resume\n"


def test_the_interrupted_line_separates_thousands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _interrupt_after("479,122624", tmp_path, monkeypatch)
    assert main(["train", "ppo", "--log-dir", str(tmp_path), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err == "lagom: interrupted at step 122,624; run the same command again to resume\n"
