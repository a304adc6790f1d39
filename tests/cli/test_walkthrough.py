"""What a newcomer's first commands ran into: a folder one level off (``plot``, ``eval``),
an internal name in an error (``--y``), the progress display's last line, an interrupt
while the command starts, an evolution strategy's episode limit and ``eval --best``."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lagom.cli import main
from lagom.cli._commands import _header
from lagom.cli._monitor import RunMonitor
from lagom.logger import Progress

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """A sweep folder as ``lagom train`` lays it out, written by hand (no training):
    ``logs/ppo/sweep.yml``, ``0/config.yml``, ``0/0/run.yml`` and ``0/0/progress.csv``."""
    log_dir = tmp_path / "logs" / "ppo"
    run_dir = log_dir / "0" / "0"
    run_dir.mkdir(parents=True)
    (log_dir / "sweep.yml").write_text("seeds: [0]\n")
    (log_dir / "0" / "config.yml").write_text("ID: 0\n")
    (run_dir / "run.yml").write_text("algorithm: ppo\nseed: 0\n")
    (run_dir / "progress.csv").write_text("timesteps,train_return\n256,9.0\n512,12.0\n")
    return log_dir


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err


def test_plot_of_a_folder_around_or_inside_a_sweep_names_the_sweep(
    sweep: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "no seed folders (named by integers) in '.../ppo/0/0'".
    what = "is not a sweep folder: LOG_DIR is the folder holding sweep.yml"
    for inside in (sweep / "0", sweep / "0" / "0"):
        err = _error(["plot", str(inside)], capsys)
        assert err == f"lagom: error: {inside} {what}, here {sweep}\n"
    err = _error(["plot", str(sweep.parent)], capsys)
    assert err == f"lagom: error: {sweep.parent} {what}, such as {sweep}\n"


def test_plot_names_the_flag_of_a_missing_column(
    sweep: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "get_y key 'nope' is not in ...; its keys are [...]", read_xy's argument.
    csv = sweep / "0" / "0" / "progress.csv"
    for flag in ("--y", "--x"):
        err = _error(["plot", str(sweep), flag, "nope"], capsys)
        assert err == (
            f"lagom: error: {flag} 'nope' is not a column of {str(csv)!r}; its columns: "
            "timesteps, train_return\n"
        )
    # plot_curves's argument is out: the flag is --out.
    err = _error(["plot", str(sweep), "--out", "curve.txt"], capsys)
    assert err.startswith("lagom: error: --out must end in an image file type")


def test_eval_of_a_missing_file_or_outer_folder_says_which(
    sweep: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "... is not a run folder: it has no run.yml" for all of these.
    missing = sweep / "nope" / "0"
    assert _error(["eval", str(missing)], capsys) == f"lagom: error: {missing} does not exist\n"
    a_file = sweep / "sweep.yml"
    assert _error(["eval", str(a_file)], capsys) == (
        f"lagom: error: {a_file} is a file, not a run folder (LOG_DIR/<ID>/<seed>)\n"
    )
    run_dir = sweep / "0" / "0"
    for outer in (sweep, sweep / "0", sweep.parent):
        assert _error(["eval", str(outer)], capsys) == (
            f"lagom: error: {outer} is not a run folder: it has no run.yml; RUN_DIR is one "
            f"run, LOG_DIR/<ID>/<seed>, such as {run_dir}\n"
        )


def test_the_header_shows_the_length_with_thousands_separated() -> None:
    # Before: "default steps" without --steps, and "20000 steps" with it.
    line = "lagom: train {} on CartPole-v1, {}, seeds [0], logs in logs"
    assert _header("ppo", "CartPole-v1", None, [0], "logs") == line.format("ppo", "100,000 steps")
    assert _header("ppo", "CartPole-v1", "20000", [0], "logs") == line.format("ppo", "20,000 steps")
    assert _header("ppo", "CartPole-v1", "1e6", [0], "logs") == line.format(
        "ppo", "1,000,000 steps"
    )
    assert _header("cem", "CartPole-v1", None, [0], "logs") == line.format("cem", "50 generations")
    assert _header("plugin", "CartPole-v1", None, [0], "logs") == line.format(
        "plugin", "default steps"
    )


def test_the_last_progress_line_shows_the_steps_run(tmp_path: Path) -> None:
    # PPO runs whole rollouts: 1,024 steps for --steps 1000. Before: "1,000/1,000".
    path = tmp_path / "0" / "0" / "progress.csv"
    path.parent.mkdir(parents=True)
    out = io.StringIO()
    monitor = RunMonitor(tmp_path, [0], total=1000, stream=out, interval=60)
    for steps in (256, 512, 768, 1024):
        path.write_text(f"timesteps,train_return\n{steps},10.0\n")
        monitor.poll()
    assert "1,024" not in out.getvalue()  # the runs are ending: their last rows wait for stop()
    monitor.stop()
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("[100%] 1,024/1,024 steps | return 10.00 |")
    assert not any(line.startswith("[100%] 1,000/") for line in lines)
    # A terminal's live bar (rich) ends at the same steps.
    live = io.StringIO()
    monitor = RunMonitor(tmp_path, [0], total=1000, stream=live, interval=60)
    monitor.progress = Progress(1000, stream=live, live=True)
    monitor.stop()
    assert "100% 1,024/1,024 steps | return 10.00 |" in live.getvalue()


def test_lagom_train_prints_the_sweep_line_after_the_progress(tmp_path: Path) -> None:
    # Before: "run_experiment: 1 jobs ..." came before the last progress line (mid-bar on a
    # terminal), and the bar ended at "1,000/1,000" while the run took 1,024 steps.
    argv = ["train", "ppo", "--steps", "1000", "--set", "eval.episodes=1", "--log-dir", "logs"]
    done = subprocess.run(
        [sys.executable, "-m", "lagom", *argv],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert lines[0] == "lagom: train ppo on CartPole-v1, 1,000 steps, seeds [0], logs in logs"
    sweep = lines.index("run_experiment: 1 job in logs: 1 done, 0 already done (skipped), 0 failed")
    progress = [i for i, line in enumerate(lines) if re.match(r"\[\s*\d+%\]", line)]
    assert progress
    assert progress[-1] == sweep - 1
    assert lines[progress[-1]].startswith("[100%] 1,024/1,024 steps")


#: Sends itself argv[1] (a signal's number) while main() imports its commands, as a Ctrl-C
#: or a kill in the first moments of ``lagom train`` does; runs main() as the command does.
_EARLY = r"""
import os, sys
SIG = int(sys.argv[1])
class SignalOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == "lagom.cli._commands":
            os.kill(os.getpid(), SIG)
        return None
sys.meta_path.insert(0, SignalOnImport())
sys.argv = ["lagom", "train", "ppo", "--steps", "64"]
from lagom.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_the_command_starts_is_one_line_and_130(
    sig: signal.Signals, tmp_path: Path
) -> None:
    # Before: SIGINT printed a traceback (KeyboardInterrupt in an import), SIGTERM ended the
    # process silently with -15.
    done = subprocess.run(
        [sys.executable, "-c", _EARLY, str(int(sig))],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "lagom: interrupted\n")
    assert not (tmp_path / "logs").exists()


def _metrics(out: str) -> dict[str, str]:
    pairs = (line.partition(":") for line in out.splitlines())
    return {key.strip(): value.strip() for key, _, value in pairs}


def test_eval_of_an_evolution_strategy_keeps_its_episode_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: lagom eval made the environment without train.max_episode_steps: CartPole's
    # own limit (500), where training and the final evaluation stop at 5 steps.
    argv = ["train", "cem", "--steps", "1", "--set", "train.max_episode_steps=5", "--quiet"]
    assert main([*argv, "--set", "eval.episodes=1", "--log-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "0" / "0"), "--episodes", "3"]) == 0
    metrics = _metrics(capsys.readouterr().out)
    assert metrics["horizon_mean"] == "5.00"  # every CartPole episode lasts 8 steps or more


@pytest.fixture(scope="module")
def best_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short PPO run whose best_policy.pt is replaced by one that always pushes left."""
    log_dir = tmp_path_factory.mktemp("best")
    argv = ["train", "ppo", "--steps", "256", "--set", "train.n_steps=32", "--quiet"]
    argv += ["--set", "eval.every=256", "--set", "eval.episodes=1", "--log-dir", str(log_dir)]
    assert main(argv) == 0
    run_dir = log_dir / "0" / "0"
    state = torch.load(run_dir / "best_policy.pt", weights_only=True)
    state["model"]["policy_out.weight"].zero_()
    state["model"]["policy_out.bias"].copy_(torch.tensor([10.0, -10.0]))
    torch.save(state, run_dir / "best_policy.pt")
    return run_dir


def _copy_run(source: Path, folder: Path, *names: str) -> Path:
    """``folder``, made, with copies of the files ``names`` of the run folder ``source``."""
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes((source / name).read_bytes())
    return folder


def test_eval_best_evaluates_best_policy_pt(
    best_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--episodes", "3"]
    assert main(["eval", str(best_run), *argv]) == 0
    final = _metrics(capsys.readouterr().out)
    assert main(["eval", str(best_run), "--best", *argv]) == 0
    best = _metrics(capsys.readouterr().out)
    # The same as a run folder whose policy.pt is that file.
    copy = _copy_run(best_run, tmp_path / "copy", "run.yml", "config.yml")
    (copy / "policy.pt").write_bytes((best_run / "best_policy.pt").read_bytes())
    assert main(["eval", str(copy), *argv]) == 0
    assert _metrics(capsys.readouterr().out) == best != final
    assert float(best["horizon_mean"]) < 12  # always left: CartPole falls within ~10 steps
    assert main(["eval", str(best_run), "--best", "--stochastic", *argv]) == 0
    assert float(_metrics(capsys.readouterr().out)["horizon_mean"]) < 12


def test_eval_best_reads_best_policy_pt_and_not_policy_pt(
    best_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A run whose policy.pt is garbage: --best must not touch it, plain eval must fail on it.
    run_dir = _copy_run(best_run, tmp_path / "run", "run.yml", "config.yml", "best_policy.pt")
    (run_dir / "policy.pt").write_bytes(b"not a torch file")
    argv = ["--episodes", "3"]
    for extra in ([], ["--stochastic"]):
        assert main(["eval", str(run_dir), "--best", *extra, *argv]) == 0
        # best_policy.pt always pushes left: CartPole falls within ~10 steps.
        assert float(_metrics(capsys.readouterr().out)["horizon_mean"]) < 12
        err = _error(["eval", str(run_dir), *extra, *argv], capsys)
        assert err.startswith(
            f"lagom: error: {run_dir / 'policy.pt'} is not a weights-only policy file"
        )


def test_eval_best_errors_name_the_run_and_its_file(
    best_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _copy_run(best_run, tmp_path / "run", "run.yml", "config.yml", "policy.pt")
    assert _error(["eval", str(run_dir), "--best"], capsys) == (
        f"lagom: error: --best: {run_dir} has no best_policy.pt; a run writes it when it "
        "evaluates its policy during training (eval.every > 0)\n"
    )
    (run_dir / "best_policy.pt").write_text("not a torch file")
    err = _error(["eval", str(run_dir), "--best"], capsys)
    assert err.startswith(
        f"lagom: error: {run_dir / 'best_policy.pt'} is not a weights-only policy file"
    )
    torch.save({"model": {"w": torch.zeros(2)}}, run_dir / "best_policy.pt")
    err = _error(["eval", str(run_dir), "--best"], capsys)
    assert err.startswith(f"lagom: error: {run_dir}: best_policy.pt does not fit the ppo policy")
