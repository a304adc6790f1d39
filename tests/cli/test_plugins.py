"""Plug-in algorithms: a package's ``lagom.algorithms`` entry point reaches ``lagom``.

The test installs a tiny plug-in package the way an installer does, a package folder and a
``.dist-info`` folder with ``entry_points.txt``, into a site folder put on ``PYTHONPATH``, then
runs the real ``lagom`` command in a subprocess: ``list`` shows it, ``train`` trains it
through ``run_experiment`` and ``eval`` evaluates its run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
"""A tiny lagom plug-in: a policy that always takes action 0, "trained" by counting steps."""

from __future__ import annotations

from pathlib import Path

import attrs
import gymnasium as gym
import numpy as np

from lagom.baselines import Algorithm
from lagom.baselines import common


@attrs.frozen
class EnvConfig:
    id: str = attrs.field(default="CartPole-v1", validator=attrs.validators.instance_of(str))


@attrs.frozen
class TrainConfig:
    timesteps: int = attrs.field(default=100, validator=attrs.validators.gt(0))


@attrs.frozen
class EvalConfig:
    episodes: int = attrs.field(default=2, validator=attrs.validators.gt(0))


@attrs.frozen
class LeftConfig:
    env: EnvConfig = EnvConfig()
    train: TrainConfig = TrainConfig()
    eval: EvalConfig = EvalConfig()


def default_config(env_id: str) -> LeftConfig:
    return LeftConfig(env=EnvConfig(id=env_id))


def policy(obs):
    return np.zeros(len(obs), dtype=np.int64)


def run(config, seed, device, logdir):
    cfg = common.resolve_config(default_config, config, "CartPole-v1")
    logdir = common.start_run(Path(logdir), "left", cfg, seed)
    logger = common.progress_logger(logdir)
    for step in range(0, cfg.train.timesteps, 50):
        common.write_row(logger, {"timesteps": step + 50, "train_return": 9.0})
    metrics = common.evaluate_policy(
        policy, lambda: gym.make(cfg.env.id), cfg.eval.episodes, seed
    )
    return common.finish(logdir, metrics)


ALGORITHM = Algorithm(
    name="left",
    summary="always push left (a plug-in example)",
    run=run,
    default_config=default_config,
    default_env="CartPole-v1",
    action_spaces=("discrete",),
    make_policy=lambda run_dir, device: policy,
)
'''


def _install(site: Path) -> None:
    """What ``pip install`` leaves behind: the package and its dist-info with entry points."""
    (site / "lagom_left").mkdir(parents=True)
    (site / "lagom_left" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "lagom_left-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lagom-left\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[lagom.algorithms]\nleft = lagom_left:ALGORITHM\n")


def _lagom(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "lagom", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_plugin_is_listed_trained_and_evaluated(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site)

    listed = _lagom(["list"], site, tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert "always push left" in rows["left"]
    assert "ppo" in rows

    log_dir = tmp_path / "logs"
    trained = _lagom(
        ["train", "left", "--steps", "200", "--set", "eval.episodes=3", "--log-dir", str(log_dir)],
        site,
        tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    run_dir = log_dir / "0" / "0"
    config = yaml.safe_load((run_dir / "config.yml").read_text())
    assert config == {"env.id": "CartPole-v1", "train.timesteps": 200, "eval.episodes": 3}
    assert len((run_dir / "progress.csv").read_text().splitlines()) == 1 + 4
    final = yaml.safe_load((run_dir / "final_eval.yml").read_text())
    assert final["episodes"] == 3.0
    assert final["return_mean"] < 20  # always pushing left drops the pole within ~10 steps

    evaluated = _lagom(["eval", str(run_dir), "--episodes", "2"], site, tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "return_mean" in evaluated.stdout


def test_a_plugin_key_typo_is_one_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site)
    done = _lagom(["train", "left", "--set", "train.timestep=5"], site, tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "lagom: error: unknown config key 'train.timestep'; did you mean 'train.timesteps'?\n"
    )
