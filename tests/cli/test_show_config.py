"""``lagom show`` and ``lagom train --config``: the printed YAML is a config file that trains
exactly what it shows; ``--config`` files are partial or full, dotted or nested; ``--set``,
``--steps`` and ``--env`` win over them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import lagom.experiment
from lagom.baselines import get_algorithm, ppo
from lagom.cli import main
from lagom.cli._config import train_config
from lagom.cli._early import BUILTIN_DEFAULTS, UsageError, read_config_file
from lagom.experiment import to_dotted


def _show(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["show", *argv]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(BUILTIN_DEFAULTS))
def test_show_prints_the_default_config_as_dotted_yaml(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    algo = get_algorithm(name)
    text = _show([name], capsys)
    assert yaml.safe_load(text) == to_dotted(algo.default_config(algo.default_env))
    # A valid --config file whose configuration is the default one.
    path = tmp_path / "f.yml"
    path.write_text(text)
    assert train_config(algo, None, [], None, read_config_file(path)) == algo.default_config(
        algo.default_env
    )


def test_show_env_prints_the_zoo_entry(capsys: pytest.CaptureFixture[str]) -> None:
    shown = yaml.safe_load(_show(["ppo", "--env", "Pendulum-v1"], capsys))
    assert shown == to_dotted(ppo.ZOO["Pendulum-v1"])
    assert shown["env.id"] == "Pendulum-v1"
    # Not the CartPole entry: the zoo tunes them apart.
    assert shown != to_dotted(ppo.ZOO["CartPole-v1"])


def test_show_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "sac", "--env", "CartPole-v1"]) == 2
    assert capsys.readouterr().err == (
        "lagom: error: sac needs a Box action space, but CartPole-v1 has Discrete(2)\n"
    )
    assert main(["show", "ppo", "--env", "Nope-v0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lagom: error: unknown environment 'Nope-v0'")
    assert err.count("\n") == 1


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The configurations ``lagom train`` hands to ``run_experiment``, which runs nothing."""
    seen: list[dict[str, Any]] = []

    def fake(
        run: object, config: lagom.experiment.Config, seeds: list[int], *a: Any, **k: Any
    ) -> list[dict[str, float]]:
        seen.append({"config": dict(config.items), "seeds": list(seeds), **k})
        return [{"return_mean": 1.0, "return_std": 0.0} for _ in seeds]

    monkeypatch.setattr(lagom.experiment, "run_experiment", fake)
    return seen


def test_show_then_train_config_trains_exactly_the_defaults(
    captured: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("f.yml").write_text(_show(["ppo"], capsys))
    assert main(["train", "ppo", "--config", "f.yml"]) == 0
    (call,) = captured
    assert call["config"] == to_dotted(ppo.ZOO["CartPole-v1"])
    assert call["progress"] == "summary"  # lagom train's monitor shows the steps


def test_set_steps_and_env_win_over_the_config_file(
    captured: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("f.yml").write_text(
        "env.id: Pendulum-v1\nagent:\n  gamma: 0.9\n  lr: 3e-4\ntrain.timesteps: 5000\n"
    )
    assert main(["train", "ppo", "--config", "f.yml", "--quiet"]) == 0
    expected = {
        **to_dotted(ppo.ZOO["Pendulum-v1"]),  # env.id picks the zoo entry under the file
        "agent.gamma": 0.9,
        "agent.lr": 3e-4,
        "train.timesteps": 5000,
    }
    assert captured[-1]["config"] == expected
    assert captured[-1]["progress"] is False  # --quiet reaches run_experiment
    argv = ["train", "ppo", "--config", "f.yml", "--set", "agent.gamma=0.8", "--steps", "64"]
    assert main([*argv, "--env", "InvertedPendulum-v5"]) == 0
    expected = {
        **to_dotted(ppo.ZOO["InvertedPendulum-v5"]),
        "agent.gamma": 0.8,
        "agent.lr": 3e-4,
        "train.timesteps": 64,
    }
    assert captured[-1]["config"] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agent.gama: 0.9\n", "unknown config key 'agent.gama'; did you mean 'agent.gamma'?"),
        ("agent:\n  nope: 1\n", "unknown config key 'agent.nope'"),
        ("agent.gamma: abc\n", "config key 'agent.gamma' expects float, got str 'abc'"),
        ("agent.gamma: 1.5\n", "config key 'agent.gamma'"),
        ("env.num_envs: 2.5\n", "config key 'env.num_envs' expects int"),
        ("env.id: 3\n", "config key 'env.id' expects str, got int 3"),
    ],
)
def test_bad_config_files_get_the_errors_of_set(
    text: str,
    message: str,
    captured: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("f.yml").write_text(text)
    assert main(["train", "ppo", "--config", "f.yml", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lagom: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert captured == []


def test_nested_and_dotted_files_read_alike(tmp_path: Path) -> None:
    dotted, nested = tmp_path / "d.yml", tmp_path / "n.yml"
    dotted.write_text("agent.hidden_sizes: [32, 32]\nagent.lr: 1e-3\nenv.normalize_obs: yes\n")
    nested.write_text(
        "agent:\n  hidden_sizes: [32, 32]\n  lr: 0.001\nenv:\n  normalize_obs: true\n"
    )
    expected = {"agent.hidden_sizes": [32, 32], "agent.lr": 0.001, "env.normalize_obs": True}
    assert read_config_file(dotted) == expected
    assert read_config_file(nested) == expected
    empty = tmp_path / "e.yml"
    empty.write_text("# nothing\n")
    assert read_config_file(empty) == {}
    cfg = train_config(get_algorithm("ppo"), None, [], None, read_config_file(nested))
    assert isinstance(cfg, ppo.PPOConfig)
    assert (cfg.agent.hidden_sizes, cfg.agent.lr, cfg.env.normalize_obs) == ((32, 32), 1e-3, True)
    with pytest.raises(UsageError, match="no such file"):
        read_config_file(tmp_path / "missing.yml")


def test_a_config_file_trains_what_it_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real (tiny) run: its config.yml is the shown defaults with the file's overrides."""
    config = tmp_path / "f.yml"
    config.write_text("train:\n  timesteps: 64\n  n_steps: 16\neval.episodes: 1\nenv.num_envs: 2\n")
    log_dir = tmp_path / "logs"
    argv = ["train", "ppo", "--config", str(config), "--log-dir", str(log_dir), "--quiet"]
    assert main(argv) == 0
    assert "lagom: train" not in capsys.readouterr().out
    written = yaml.safe_load((log_dir / "0" / "0" / "config.yml").read_text())
    expected = {
        **to_dotted(ppo.ZOO["CartPole-v1"]),
        "train.timesteps": 64,
        "train.n_steps": 16,
        "eval.episodes": 1,
        "env.num_envs": 2,
    }
    assert written == expected


def test_device_cuda_n_pins_the_runs_to_that_gpu(
    captured: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert main(["train", "ppo", "--device", "cuda:1", "--quiet"]) == 0
    assert (captured[-1]["use_gpu"], captured[-1]["gpu_ids"]) == (True, [1])
    assert main(["train", "ppo", "--device", "cuda", "--quiet"]) == 0
    assert (captured[-1]["use_gpu"], captured[-1]["gpu_ids"]) == (True, None)
    assert main(["train", "ppo", "--quiet"]) == 0
    assert captured[-1]["use_gpu"] is False
