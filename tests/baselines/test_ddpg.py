"""Tests of ``lagom.baselines.ddpg``: TD3's code with one critic, no smoothing, no delay."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagom.baselines import get_algorithm
from lagom.baselines._common import load_checkpoint
from lagom.baselines.ddpg import ALGORITHM, default_config
from lagom.baselines.td3 import default_config as td3_default_config
from tests.baselines.test_td3 import check_policy, check_resume, check_smoke


def test_config_is_td3_without_twins_smoothing_and_delay() -> None:
    ddpg, td3 = default_config("Pendulum-v1"), td3_default_config("Pendulum-v1")
    changed = {k for k in ddpg if ddpg[k] != td3[k]}
    assert changed == {
        "agent.n_critics",
        "agent.policy_delay",
        "agent.target_policy_noise",
        "agent.target_noise_clip",
    }
    assert (ddpg["agent.n_critics"], ddpg["agent.policy_delay"]) == (1, 1)
    assert ddpg["agent.target_policy_noise"] == ddpg["agent.target_noise_clip"] == 0.0
    assert get_algorithm("ddpg") is ALGORITHM


def test_smoke(tmp_path: Path) -> None:
    check_smoke(ALGORITHM.run, tmp_path, {"critic_loss", "actor_loss"})
    state = load_checkpoint(tmp_path)
    assert state is not None
    assert state["agent"]["critic"]["weights.0"].shape[0] == 1  # a single critic
    assert state["agent"]["n_updates"] == 200
    check_policy("ddpg", tmp_path)


def test_resume_gives_identical_parameters(tmp_path: Path) -> None:
    check_resume(ALGORITHM.run, tmp_path)


def test_bad_config_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.policy_delays'"):
        ALGORITHM.run({"agent.policy_delays": 2}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"continuous \(Box\) action space"):
        default_config("CartPole-v1")
