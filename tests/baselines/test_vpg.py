"""Tests of lagom.baselines.vpg: runs, resume, the typed configuration, the update.

The run-folder and resume checks are test_ppo's (VPG runs on PPO's :class:`Learner`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from gymnasium import spaces

from lagom.baselines import get_algorithm
from lagom.baselines.ppo import ActorCritic, AgentConfig, Batch
from lagom.baselines.vpg import ALGORITHM, TUNED, VPGConfig, default_config, update
from lagom.experiment import dotted_fields, from_dotted, to_dotted
from tests.baselines.test_ppo import (
    check_resume,
    check_run_folder,
    one_torch_thread,  # noqa: F401 - autouse fixture
)

SMALL = {
    "env.id": "CartPole-v1",
    "env.num_envs": 4,
    "train.n_steps": 16,
    "train.timesteps": 256,
    "train.checkpoint_every": 1,
    "eval.episodes": 2,
}


@pytest.mark.parametrize(
    ("env_id", "extra"),
    [("CartPole-v1", {}), ("Pendulum-v1", {"env.normalize_obs": True})],
)
def test_smoke_run_writes_the_run_files(tmp_path: Path, env_id: str, extra: dict[str, Any]) -> None:
    check_run_folder(ALGORITHM, {**SMALL, "env.id": env_id, **extra}, tmp_path)


def test_stop_and_resume_equals_straight_training(tmp_path: Path) -> None:
    config = {**SMALL, "env.normalize_reward": True, "train.checkpoint_every": 100}
    check_resume(ALGORITHM, {**config, "agent.lr_schedule": "linear"}, 100, tmp_path)


def test_bad_config_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'train\.n_epochs'"):
        ALGORITHM.run({"train.n_epochs": 3}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.clip_range'"):
        ALGORITHM.run({"agent.clip_range": 0.1}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'train\.n_steps'.* must be > 0"):
        ALGORITHM.run({"train.n_steps": 0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'train\.timesteps' expects int"):
        ALGORITHM.run({"train.timesteps": 1.5}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="cannot create environment"):
        default_config("NoSuchEnv-v0")
    assert not any(tmp_path.iterdir())
    assert get_algorithm("vpg") is ALGORITHM


def test_configuration() -> None:
    keys = set(dotted_fields(VPGConfig()))
    ppo_only = {"agent.clip_range", "agent.clip_range_schedule", "agent.clip_range_vf"}
    ppo_only |= {"train.batch_size", "train.n_epochs"}
    assert keys == set(dotted_fields(get_algorithm("ppo").default_config("CartPole-v1"))) - ppo_only
    cartpole = default_config("CartPole-v1")
    assert (cartpole.env.num_envs, cartpole.train.n_steps, cartpole.agent.lr) == (16, 16, 1e-3)
    assert (cartpole.agent.gamma, cartpole.agent.gae_lambda) == (0.99, 0.95)
    assert (cartpole.train.timesteps, cartpole.agent.lr_schedule) == (300_000, "constant")
    pendulum = default_config("Pendulum-v1")
    assert (pendulum.env.num_envs, pendulum.train.n_steps, pendulum.agent.gamma) == (4, 256, 0.9)
    assert pendulum.train.timesteps == 200_000
    assert default_config("Acrobot-v1").env.num_envs == 16
    for config in TUNED.values():
        assert from_dotted(VPGConfig(), to_dotted(config)) == config


def test_update_is_one_step_on_the_policy_gradient_loss() -> None:
    """The gradient step equals SGD on -mean(log π(a|s) Â) + vf_coef · mean((V - R)²)."""
    torch.manual_seed(0)
    config = AgentConfig(hidden_sizes=(4,), max_grad_norm=1e9, vf_coef=0.25)
    model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), config, "cpu")
    reference = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), config, "cpu")
    reference.load_state_dict(model.state_dict())
    obs, actions = torch.randn(6, 3), torch.randint(0, 2, (6,))
    adv, returns = torch.randn(6), torch.randn(6)
    batch = Batch(obs, actions, torch.zeros(6), torch.zeros(6), adv, returns)
    terms = update(model, torch.optim.SGD(model.parameters(), lr=0.1), batch, config)
    logits = reference.policy_params(obs)
    logp = torch.log_softmax(logits, -1)[torch.arange(6), actions]
    a_hat = (adv - adv.mean()) / (adv.std() + 1e-8)
    policy_loss = -(logp * a_hat).mean()
    value_loss = ((reference.value(obs) - returns) ** 2).mean()
    torch.autograd.backward(policy_loss + 0.25 * value_loss)
    assert terms["policy_loss"] == pytest.approx(policy_loss.item())
    assert terms["value_loss"] == pytest.approx(value_loss.item())
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        grad = torch.zeros_like(q) if q.grad is None else q.grad
        torch.testing.assert_close(p.detach(), q.detach() - 0.1 * grad)
