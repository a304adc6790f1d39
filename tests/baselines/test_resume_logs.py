"""Resume cuts every log back to the checkpoint: after a kill between two checkpoints, the
resumed ``progress.csv`` equals an uninterrupted run's row for row (time aside), and the
final evaluation is the same.

A kill is simulated exactly: the run stops (with a checkpoint) at ``first``, that checkpoint
is kept, the run goes on to ``second`` (writing more rows and a newer checkpoint), and then
the kept checkpoint is put back, as if the process had died after writing the rows of
``first .. second`` but before checkpointing them. The resumed run must drop those rows.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from lagom.baselines import get_algorithm

ON_POLICY = {"train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 2}
OFF_POLICY = {"train.log_interval": 50, "agent.learning_starts": 100, "agent.batch_size": 16}
OFF_POLICY |= {"agent.hidden_sizes": [16], "eval.episodes": 1}
ES = {"train.max_episode_steps": 20, "es.popsize": 8, "eval.episodes": 2}

#: name -> (config, key of stop_at's unit, first stop, second stop, total)
CASES: dict[str, tuple[dict[str, Any], str, int, int, int]] = {
    "ppo": (
        ON_POLICY | {"train.batch_size": 16, "train.n_epochs": 2},
        "train.timesteps",
        64,
        160,
        256,
    ),
    "vpg": (ON_POLICY, "train.timesteps", 64, 160, 256),
    "sac": (OFF_POLICY, "train.timesteps", 100, 250, 300),
    "td3": (OFF_POLICY, "train.timesteps", 100, 250, 300),
    "cem": (ES, "train.generations", 2, 5, 7),
    "openaies": (ES, "train.generations", 2, 5, 7),
}


def _rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "progress.csv").open(newline="") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_kill_between_checkpoints_duplicates_no_row(name: str, tmp_path: Path) -> None:
    algo = get_algorithm(name)
    config, total_key, first, second, total = CASES[name]
    config = {**config, total_key: total}

    straight = algo.run(config, 0, "cpu", tmp_path / "straight")

    run_dir = tmp_path / "killed"
    assert algo.run({**config, "train.stop_at": first}, 0, "cpu", run_dir) == {}
    kept = (run_dir / "checkpoint.pt").read_bytes()
    assert algo.run({**config, "train.stop_at": second}, 0, "cpu", run_dir) == {}
    written = len(_rows(run_dir))
    (run_dir / "checkpoint.pt").write_bytes(kept)  # the kill: rows after `first` not saved
    resumed = algo.run(config, 0, "cpu", run_dir)

    rows = _rows(run_dir)
    assert written > len(_rows(tmp_path / "straight")) * first // total  # rows were written
    assert rows == _rows(tmp_path / "straight")
    assert resumed == straight
