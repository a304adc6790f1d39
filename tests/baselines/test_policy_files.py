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


@pytest.mark.parametrize("name", ["ppo", "sac"])
def test_a_policy_file_that_does_not_fit_its_config_is_a_value_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: KeyError ('model', 'actor') for a file without the algorithm's tensors, and
    # torch's "size mismatch ... in loading state_dict" for a config.yml of other sizes.
    import torch
    import yaml

    from lagom.cli import main

    config, _ = SHORT[name]
    get_algorithm(name).run(config, 0, "cpu", tmp_path)
    policy = (tmp_path / "policy.pt").read_bytes()
    torch.save({"a": torch.zeros(2)}, tmp_path / "policy.pt")
    with pytest.raises(ValueError, match=f"policy.pt does not fit the {name} policy .*KeyError"):
        load_policy(tmp_path)
    (tmp_path / "policy.pt").write_bytes(policy)
    saved = yaml.safe_load((tmp_path / "config.yml").read_text())
    saved["agent.hidden_sizes"] = [5, 5]
    (tmp_path / "config.yml").write_text(yaml.safe_dump(saved))
    with pytest.raises(ValueError, match=r"policy\.pt does not fit .*RuntimeError"):
        load_policy(tmp_path)
    assert main(["eval", str(tmp_path), "--episodes", "1"]) == 2
    assert capsys.readouterr().err.startswith("lagom: error: ")
