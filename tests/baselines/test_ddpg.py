"""Tests of DDPG (``lagom.baselines.td3.DDPG_ALGORITHM``): TD3 with one critic, no smoothing,
no delay."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagom.baselines import get_algorithm
from lagom.baselines.common import load_checkpoint, read_run_info
from lagom.baselines.td3 import DDPG_ALGORITHM, ddpg_default_config, default_config
from lagom.experiment import to_dotted
from tests.baselines.test_td3 import check_resume, check_smoke


def test_config_is_td3_without_twins_smoothing_and_delay() -> None:
    ddpg, td3 = to_dotted(ddpg_default_config("Pendulum-v1")), to_dotted(default_config())
    assert ddpg.keys() == td3.keys()
    changed = {k for k in ddpg if ddpg[k] != td3[k]}
    assert changed == {
        "agent.n_critics",
        "agent.policy_delay",
        "agent.target_policy_noise",
        "agent.target_noise_clip",
    }
    assert (ddpg["agent.n_critics"], ddpg["agent.policy_delay"]) == (1, 1)
    assert ddpg["agent.target_policy_noise"] == ddpg["agent.target_noise_clip"] == 0.0
    assert get_algorithm("ddpg") is DDPG_ALGORITHM
    assert DDPG_ALGORITHM.default_config is ddpg_default_config


def test_smoke(tmp_path: Path) -> None:
    check_smoke("ddpg", tmp_path, {"critic_loss", "actor_loss"}, n_critics=1)
    state = load_checkpoint(tmp_path)
    assert state is not None
    assert state["agent"]["n_updates"] == 200
    info = read_run_info(tmp_path)
    assert info.algorithm == "ddpg"
    assert info.config["agent.policy_delay"] == 1


def test_resume_gives_identical_parameters(tmp_path: Path) -> None:
    check_resume(DDPG_ALGORITHM.run, tmp_path)


def test_bad_config(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.policy_delays'"):
        DDPG_ALGORITHM.run({"agent.policy_delays": 2}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="needs a Box action space"):
        ddpg_default_config("CartPole-v1")
