"""Evaluation during training (``eval.every``), the best policy kept, and the log sinks
(``train.log``) of every algorithm family, through the algorithms' ``run`` and ``lagom train``."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from lagom.baselines import get_algorithm
from lagom.baselines.common import BEST_POLICY_FILE, POLICY_FILE, evaluate_policy
from lagom.cli import main
from tests.baselines.test_dqn import SMALL as DQN_SMALL
from tests.baselines.test_policy_search import FAST as ES_FAST
from tests.baselines.test_ppo import SMALL as PPO_SMALL
from tests.baselines.test_ppo_lstm import SMALL as LSTM_SMALL
from tests.baselines.test_td3 import SMALL as OFF_SMALL

# name -> (short settings, evaluations every this many steps (generations for ES)).
CASES: dict[str, tuple[dict[str, Any], int]] = {
    "ppo": (PPO_SMALL, 64),
    "ppo_lstm": (LSTM_SMALL, 64),
    "sac": (OFF_SMALL, 100),
    "dqn": (DQN_SMALL | {"env.id": "CartPole-v1"}, 100),
    "cem": (ES_FAST, 2),
}


def _rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", CASES)
def test_evaluations_at_their_steps_and_the_best_policy_replays_its_return(
    name: str, tmp_path: Path
) -> None:
    settings, every = CASES[name]
    keys = {**settings, "eval.every": every, "eval.every_episodes": 2}
    algorithm = get_algorithm(name)
    final = algorithm.run(keys, 5, "cpu", tmp_path / "run")
    rows = _rows(tmp_path / "run")
    step_key = "iteration" if name == "cem" else "timesteps"
    # An evaluation in the first row at or past each multiple of `every`, and only there.
    due, expected = every, []
    for row in rows:
        step = int(row[step_key])
        if step >= due:
            expected.append(step)
            while due <= step:
                due += every
    evaluated = [int(r[step_key]) for r in rows if r["eval_return"] != ""]
    assert evaluated == expected
    assert len(evaluated) >= 2
    returns = [float(r["eval_return"]) for r in rows if r["eval_return"] != ""]
    best = max(returns)
    assert final["best_eval_return"] == best
    assert final["best_eval_step"] == evaluated[returns.index(best)]
    bests = [float(r["eval_best_return"]) for r in rows if r["eval_return"] != ""]
    assert bests == [max(returns[: i + 1]) for i in range(len(returns))]
    # best_policy.pt replays the best evaluation: the same episodes give the same return.
    replay = tmp_path / "replay"
    shutil.copytree(tmp_path / "run", replay)
    shutil.copy(replay / BEST_POLICY_FILE, replay / POLICY_FILE)
    policy = algorithm.make_policy(replay, "cpu")
    env_id = algorithm.default_config(algorithm.default_env).env.id
    if name == "ppo_lstm":
        return  # its policy keeps a state between steps: replayed in test_ppo_lstm
    limit = settings.get("train.max_episode_steps")
    metrics = evaluate_policy(
        policy, lambda: gym.make(env_id, max_episode_steps=limit), 2, 5 + 20_000
    )
    assert metrics["return_mean"] == pytest.approx(best)


def test_resumed_runs_evaluate_at_the_same_steps_and_keep_the_same_best(tmp_path: Path) -> None:
    keys = {**PPO_SMALL, "eval.every": 64, "eval.every_episodes": 2}
    ppo = get_algorithm("ppo")
    straight = ppo.run(keys, 1, "cpu", tmp_path / "straight")
    assert ppo.run({**keys, "train.stop_at": 128}, 1, "cpu", tmp_path / "sliced") == {}
    resumed = ppo.run(keys, 1, "cpu", tmp_path / "sliced")
    assert resumed == straight
    strip = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    assert strip(_rows(tmp_path / "sliced")) == strip(_rows(tmp_path / "straight"))
    best = (tmp_path / "sliced" / BEST_POLICY_FILE).read_bytes()
    assert best == (tmp_path / "straight" / BEST_POLICY_FILE).read_bytes()


def _check_sinks(run_dir: Path) -> list[int]:
    """The JSON lines and the TensorBoard curves hold the CSV's rows, each step once."""
    rows = _rows(run_dir)
    steps = [int(r["timesteps"]) for r in rows]
    assert steps == sorted(set(steps))
    lines = [json.loads(line) for line in (run_dir / "progress.jsonl").read_text().splitlines()]
    assert [line["timesteps"] for line in lines] == steps
    assert [line["train_return"] for line in lines] == [
        None if math.isnan(float(r["train_return"])) else float(r["train_return"]) for r in rows
    ]
    # As `tensorboard --logdir` reads it.
    events = EventAccumulator(str(run_dir / "tb"))
    events.Reload()
    assert "value_loss" in events.Tags()["scalars"]
    curve = events.Scalars("value_loss")
    assert [e.step for e in curve] == steps
    assert [e.value for e in curve] == pytest.approx([float(r["value_loss"]) for r in rows])
    return steps


def test_lagom_train_log_writes_tensorboard_and_jsonl(tmp_path: Path) -> None:
    sets = [f"{k}={v}" for k, v in PPO_SMALL.items() if k != "train.timesteps"]
    argv = ["train", "ppo", "--log", "tensorboard,jsonl", "--log-dir", str(tmp_path), "--quiet"]
    assert main([*argv, *[a for s in sets for a in ("--set", s)], "--steps", "256"]) == 0
    assert _check_sinks(tmp_path / "0" / "0")[-1] == 256


def test_sinks_hold_no_repeated_step_after_a_kill_between_checkpoints(tmp_path: Path) -> None:
    keys = {**PPO_SMALL, "train.checkpoint_every": 2, "train.log": ["tensorboard", "jsonl"]}
    ppo = get_algorithm("ppo")
    ppo.run(keys, 2, "cpu", tmp_path / "straight")
    # A run killed after the rows of step 192, its last checkpoint taken at step 128.
    assert ppo.run({**keys, "train.stop_at": 128}, 2, "cpu", tmp_path / "early") == {}
    assert ppo.run({**keys, "train.stop_at": 192}, 2, "cpu", tmp_path / "killed") == {}
    shutil.copy(tmp_path / "early" / "checkpoint.pt", tmp_path / "killed" / "checkpoint.pt")
    (tmp_path / "killed" / "checkpoint.prev.pt").unlink(missing_ok=True)
    assert max(int(r["timesteps"]) for r in _rows(tmp_path / "killed")) == 192
    ppo.run(keys, 2, "cpu", tmp_path / "killed")
    strip = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    assert strip(_rows(tmp_path / "killed")) == strip(_rows(tmp_path / "straight"))
    assert _check_sinks(tmp_path / "killed") == _check_sinks(tmp_path / "straight")
