"""A checkpoint that is intact (its checksum matches) but does not fit the run it resumes
(a key missing, a tensor of another shape: written by another run or by hand) is a one-line
``ValueError`` naming the folder, before a step is trained; never a ``KeyError`` or a
``RuntimeError`` from deep inside the restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from lagom.baselines import get_algorithm
from lagom.baselines.common import load_checkpoint, save_checkpoint

ON_POLICY = {"train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 1}
OFF_POLICY = {"train.log_interval": 50, "agent.learning_starts": 50, "agent.batch_size": 16}
OFF_POLICY |= {"agent.hidden_sizes": [16], "eval.episodes": 1}
ES = {"train.max_episode_steps": 20, "es.popsize": 8, "eval.episodes": 1}
LSTM = ON_POLICY | {"train.seq_len": 8, "train.batch_size": 32, "train.n_epochs": 1}
LSTM |= {"agent.lstm_hidden_size": 16, "agent.hidden_sizes": [16]}

#: name -> (config, the key of its length, its length, where stop_at stops it, a state key)
CASES: dict[str, tuple[dict[str, Any], str, int, int, str]] = {
    "ppo": (
        ON_POLICY | {"train.batch_size": 16, "train.n_epochs": 1},
        "timesteps",
        96,
        32,
        "model",
    ),
    "vpg": (ON_POLICY, "timesteps", 96, 32, "optimizer"),
    "ppo_lstm": (LSTM, "timesteps", 96, 32, "state"),
    "dqn": (OFF_POLICY | {"agent.train_freq": 4}, "timesteps", 150, 50, "counters"),
    "sac": (OFF_POLICY, "timesteps", 150, 50, "replay"),
    "cmaes": (ES, "generations", 4, 2, "told"),
}


def _stopped_run(name: str, folder: Path) -> dict[str, Any]:
    config, key, total, stop, _ = CASES[name]
    config = {**config, f"train.{key}": total}
    assert get_algorithm(name).run({**config, "train.stop_at": stop}, 0, "cpu", folder) == {}
    return config


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_checkpoint_without_a_key_is_named(name: str, tmp_path: Path) -> None:
    config = _stopped_run(name, tmp_path)
    state = load_checkpoint(tmp_path)
    assert state is not None
    del state[CASES[name][4]]
    save_checkpoint(tmp_path, state)
    rows = (tmp_path / "progress.csv").read_text()
    with pytest.raises(ValueError, match=rf"the checkpoint in {tmp_path} does not fit .*KeyError"):
        get_algorithm(name).run(config, 0, "cpu", tmp_path)
    assert (tmp_path / "progress.csv").read_text() == rows  # nothing trained


def test_a_tensor_of_another_shape_is_named_in_one_line(tmp_path: Path) -> None:
    config = _stopped_run("ppo", tmp_path)
    state = load_checkpoint(tmp_path)
    assert state is not None
    name = next(iter(state["model"]))
    state["model"][name] = torch.zeros(3, 3, 3)
    save_checkpoint(tmp_path, state)
    with pytest.raises(ValueError, match=r"does not fit this ppo run \(RuntimeError: ") as info:
        get_algorithm("ppo").run(config, 0, "cpu", tmp_path)
    assert "\n" not in str(info.value)
