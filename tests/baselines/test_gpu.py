"""Every torch algorithm trains, resumes and rebuilds its policy on a CUDA device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from lagom.baselines import get_algorithm

SHORT: dict[str, dict[str, Any]] = {
    "ppo": {"train.timesteps": 128, "train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 1},
    "vpg": {"train.timesteps": 128, "train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 1},
}
for _name in ("sac", "td3", "ddpg"):
    SHORT[_name] = {
        "train.timesteps": 150,
        "train.log_interval": 50,
        "agent.learning_starts": 100,
        "agent.batch_size": 16,
        "agent.hidden_sizes": [16],
        "eval.episodes": 1,
    }


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", sorted(SHORT))
def test_trains_and_resumes_on_cuda(name: str, tmp_path: Path) -> None:
    algo = get_algorithm(name)
    config = SHORT[name]
    stop = 64 if name in ("ppo", "vpg") else 100
    assert algo.run({**config, "train.stop_at": stop}, 0, "cuda", tmp_path) == {}
    metrics = algo.run(config, 0, "cuda", tmp_path)
    assert metrics["episodes"] == 1.0
    policy = algo.make_policy(tmp_path, "cuda")
    obs_dim = 4 if name in ("ppo", "vpg") else 3
    actions = np.asarray(policy(np.zeros((3, obs_dim), dtype=np.float32)))
    assert actions.shape[0] == 3
    assert np.all(np.isfinite(actions))
