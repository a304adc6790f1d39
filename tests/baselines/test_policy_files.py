"""``policy.pt``: the weights-only policy export that ``lagom eval`` and ``load_policy`` read.

A run's policy rebuilds from ``run.yml``, ``config.yml`` and ``policy.pt`` alone (the
checkpoint may be gone), and a planted pickle in ``policy.pt`` is refused without running.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lagom.baselines import get_algorithm, load_policy
from tests.payloads import Payload, marker_for, pickled

SHORT: dict[str, tuple[dict[str, Any], int]] = {
    "ppo": ({"train.timesteps": 64, "train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 1}, 4),
    "sac": (
        {"train.timesteps": 120, "agent.learning_starts": 100, "agent.batch_size": 8}
        | {"agent.hidden_sizes": [8], "eval.episodes": 1},
        3,
    ),
    "cem": ({"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 1}, 4),
}


@pytest.mark.parametrize("name", sorted(SHORT))
def test_the_policy_needs_no_checkpoint(name: str, tmp_path: Path) -> None:
    config, obs_dim = SHORT[name]
    get_algorithm(name).run(config, 0, "cpu", tmp_path)
    obs = np.random.default_rng(0).normal(size=(5, obs_dim)).astype(np.float32)
    before = np.asarray(load_policy(tmp_path)(obs))
    (tmp_path / "checkpoint.pt").unlink()
    after = np.asarray(load_policy(tmp_path)(obs))
    np.testing.assert_array_equal(before, after)
    assert after.shape[0] == 5


@pytest.mark.parametrize("name", sorted(SHORT))
def test_a_planted_pickle_in_policy_pt_is_refused_without_running(
    name: str, tmp_path: Path
) -> None:
    config, _ = SHORT[name]
    get_algorithm(name).run(config, 0, "cpu", tmp_path)
    marker = marker_for(tmp_path)
    (tmp_path / "policy.pt").write_bytes(pickled({"model": Payload(marker)}))
    with pytest.raises(ValueError, match="is not a weights-only policy file"):
        load_policy(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"\x00" * 64])
def test_an_empty_or_garbage_policy_file_is_a_clear_error(content: bytes, tmp_path: Path) -> None:
    config, _ = SHORT["cem"]
    get_algorithm("cem").run(config, 0, "cpu", tmp_path)
    (tmp_path / "policy.pt").write_bytes(content)
    with pytest.raises(ValueError, match="is not a weights-only policy file"):
        load_policy(tmp_path)
