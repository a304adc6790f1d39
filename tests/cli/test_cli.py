"""The ``lagom`` command end to end: train, plot, eval, list, and one-line errors."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from matplotlib.image import imread

from lagom.baselines import get_algorithm, list_algorithms
from lagom.cli import main
from lagom.cli._commands import UsageError, train_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One short PPO sweep with two seeds on two workers, shared by the tests below."""
    log_dir = tmp_path_factory.mktemp("cli") / "ppo"
    argv = ["train", "ppo", "--steps", "2000", "--seeds", "0", "1", "--workers", "2"]
    assert main([*argv, "--log-dir", str(log_dir)]) == 0
    return log_dir


def test_train_writes_the_sweep_layout(trained: Path) -> None:
    assert (trained / "sweep.yml").exists()
    config = yaml.safe_load((trained / "0" / "config.yml").read_text())
    assert config["env.id"] == "CartPole-v1"
    assert config["train.timesteps"] == 2000
    for seed in (0, 1):
        run_dir = trained / "0" / str(seed)
        for name in ("run.yml", "config.yml", "progress.csv", "checkpoint.pt", "final_eval.yml"):
            assert (run_dir / name).exists(), name
        with (run_dir / "progress.csv").open() as f:
            rows = list(csv.DictReader(f))
        assert int(rows[-1]["timesteps"]) >= 2000
        final = yaml.safe_load((run_dir / "final_eval.yml").read_text())
        assert 8 <= final["return_mean"] <= 500  # CartPole returns lie in [8, 500]
    assert (trained / "learning_curve.png").stat().st_size > 1000


def test_train_prints_a_summary_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_dir = tmp_path / "vpg"
    assert main(["train", "vpg", "--steps", "600", "--log-dir", str(log_dir)]) == 0
    out = capsys.readouterr().out
    assert "return mean" in out
    assert f"learning curve in {log_dir / 'learning_curve.png'}" in out
    # A second call resumes: the finished run is skipped, not trained again.
    before = (log_dir / "0" / "0" / "progress.csv").read_text()
    assert main(["train", "vpg", "--steps", "600", "--log-dir", str(log_dir)]) == 0
    assert "1 already done" in capsys.readouterr().out
    assert (log_dir / "0" / "0" / "progress.csv").read_text() == before


def test_another_configuration_in_a_used_log_dir_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: a traceback ending in "pass overwrite=True", the Python API's words.
    log_dir = tmp_path / "vpg"
    assert main(["train", "vpg", "--steps", "300", "--quiet", "--log-dir", str(log_dir)]) == 0
    capsys.readouterr()
    assert main(["train", "vpg", "--steps", "600", "--quiet", "--log-dir", str(log_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lagom: error: ")
    assert "holds a different configuration" in err
    assert "pass --overwrite" in err
    assert "another --log-dir" in err
    assert "Traceback" not in err
    # Not quiet: the refusal is the only line after the header; no progress line, which
    # would read as the 600 steps trained (it showed the finished run's 300 at 100%).
    assert main(["train", "vpg", "--steps", "600", "--log-dir", str(log_dir)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("lagom: error: ")
    assert captured.out.startswith("lagom: train vpg on CartPole-v1, 600 steps")


def test_plot_writes_a_png(trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "curve.png"
    assert main(["plot", str(trained), "--y", "train_return", "--out", str(out)]) == 0
    height, width = imread(out).shape[:2]
    assert (height, width) == (480, 640)


def test_plot_options_reach_the_figure(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lagom.vis

    out = tmp_path / "curve.pdf"
    argv = ["plot", str(trained), "--out", str(out), "--band", "ci95", "--estimator", "iqm"]
    assert main([*argv, "--smooth", "3"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    figures = []
    plot_curves = lagom.vis.plot_curves
    keep = lambda *a, **k: figures.append(plot_curves(*a, **k))  # noqa: E731
    monkeypatch.setattr(lagom.vis, "plot_curves", keep)
    assert main(["plot", str(trained), "--out", str(tmp_path / "c.svg"), "--band", "minmax"]) == 0
    axes = figures[0][1]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Environment steps", "Episode return")
    assert "min" in axes.get_legend().get_title().get_text()
    assert main(["plot", str(trained), "--band", "sem"]) == 2


def test_eval_reports_the_return_of_a_run(
    trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(trained / "0" / "0"), "--episodes", "2"]) == 0
    lines = {
        key.strip(): value
        for key, _, value in (line.partition(":") for line in capsys.readouterr().out.splitlines())
    }
    assert float(lines["episodes"]) == 2
    assert 8 <= float(lines["return_mean"]) <= 500


def test_list_names_every_algorithm(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list_algorithms()
    # Columns: each summary starts at the same place, the widest environment included.
    starts = {line.index(get_algorithm(line.split()[0]).summary) for line in lines}
    assert len(starts) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "nope"], "unknown algorithm 'nope'"),
        (["train", "ppo", "--env", "Nope-v9"], "unknown environment 'Nope-v9'"),
        (["train", "ppo", "--set", "agent.nope=1"], "unknown config key 'agent.nope'"),
        (["train", "ppo", "--set", "agent.gama=0.9"], "did you mean 'agent.gamma'?"),
        (["train", "ppo", "--set", "agent.gamma=abc"], "config key 'agent.gamma' expects float"),
        (["train", "ppo", "--set", "agent.gamma=1.5"], "config key 'agent.gamma'"),
        (["train", "ppo", "--set", "env.num_envs=2.5"], "expects int"),
        (["train", "ppo", "--log-dir", "a_file"], "is a file, not a folder"),
        (["train", "ppo", "--set", "oops"], "--set expects KEY=VALUE, got 'oops'"),
        (["train", "ppo", "--steps", "0"], "--steps must be a positive integer"),
        (["train", "ppo", "--seeds", "1", "1"], "--seeds must be distinct"),
        (["train", "sac", "--env", "CartPole-v1"], "sac needs a Box action space"),
        (["eval", "."], "is not a run folder"),
        (["plot", "/nonexistent/folder"], "is not a folder"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lagom: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "logs").exists()


def test_set_values_are_read_by_the_field_type() -> None:
    algo = get_algorithm("ppo")
    sets = [
        "agent.hidden_sizes=32,32",
        "agent.lr=3e-4",
        "agent.clip_range_vf=none",
        "env.normalize_obs=true",
        "train.stop_at=1e3",
        "agent.activation=relu",
    ]
    cfg = train_config(algo, "CartPole-v1", sets, 4000)
    assert cfg.agent.hidden_sizes == (32, 32)
    assert cfg.agent.lr == 3e-4
    assert cfg.agent.clip_range_vf is None
    assert cfg.env.normalize_obs is True
    assert cfg.train.stop_at == 1000
    assert isinstance(cfg.train.stop_at, int)
    assert cfg.agent.activation == "relu"
    assert cfg.train.timesteps == 4000
    with pytest.raises(UsageError, match="KEY=VALUE"):
        train_config(algo, None, ["=3"], None)


def test_steps_sets_the_generations_of_an_evolution_strategy() -> None:
    cfg = train_config(get_algorithm("cem"), None, [], 7)
    assert cfg.train.generations == 7


def test_cuda_without_a_gpu_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "ppo", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err == "lagom: error: device 'cuda' asked for, but this machine has no CUDA device\n"


def test_python_m_lagom_is_the_command(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "lagom", "train", "nope"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("lagom: error: unknown algorithm 'nope'")
    listed = subprocess.run(
        [sys.executable, "-m", "lagom", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "ppo" in listed.stdout


def test_a_second_writer_of_a_log_dir_gets_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold = "import sys, time\nfrom lagom.utils import folder_lock\n"
    hold += "with folder_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(120)\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        assert main(["train", "ppo", "--steps", "64", "--log-dir", str(tmp_path)]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert err == (
        f"lagom: error: {tmp_path} is being written by another lagom process "
        f"(PID {holder.pid}); wait for it or stop it\n"
    )
    assert not (tmp_path / "0").exists()
