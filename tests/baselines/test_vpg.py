"""Tests of lagom.baselines.vpg: smoke runs, resume, configuration, policy, the update."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from gymnasium import spaces

from lagom.baselines import get_algorithm
from lagom.baselines._common import load_checkpoint
from lagom.baselines.ppo import ActorCritic, Batch
from lagom.baselines.vpg import ALGORITHM, default_config, update

SMALL = {
    "env.num_envs": 4,
    "train.n_steps": 16,
    "train.timesteps": 256,
    "train.checkpoint_every": 1,
    "eval.episodes": 2,
}
SPACES = {
    "CartPole-v1": (spaces.Box(-1.0, 1.0, (4,), seed=0), spaces.Discrete(2)),
    "Pendulum-v1": (spaces.Box(-8.0, 8.0, (3,), seed=0), spaces.Box(-2.0, 2.0, (1,))),
}


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Tiny networks: a second intra-op thread only adds contention on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("env_id", "extra"),
    [("CartPole-v1", {}), ("Pendulum-v1", {"env.normalize_obs": True})],
)
def test_smoke_run_writes_the_run_files(tmp_path: Path, env_id: str, extra: dict[str, Any]) -> None:
    metrics = ALGORITHM.run({**SMALL, "env.id": env_id, **extra}, 0, "cpu", tmp_path)
    for name in ("run.yml", "progress.csv", "checkpoint.pt", "final_eval.yml"):
        assert (tmp_path / name).exists(), name
    rows = _rows(tmp_path)
    assert {"iteration", "timesteps", "time", "train_return", "policy_loss"} <= set(rows[0])
    assert [int(r["timesteps"]) for r in rows] == [64, 128, 192, 256]
    assert math.isfinite(metrics["return_mean"])
    observation_space, action_space = SPACES[env_id]
    actions = ALGORITHM.make_policy(tmp_path, "cpu")(
        np.stack([observation_space.sample() for _ in range(5)])
    )
    assert len(actions) == 5
    assert all(action_space.contains(np.asarray(a)) for a in actions)


def test_stop_and_resume_equals_straight_training(tmp_path: Path) -> None:
    config = {**SMALL, "env.normalize_reward": True, "train.checkpoint_every": 100}
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    ALGORITHM.run(config, 5, "cpu", straight)
    assert ALGORITHM.run({**config, "train.stop_at": 100}, 5, "cpu", sliced) == {}
    assert [int(r["timesteps"]) for r in _rows(sliced)] == [64, 128]
    ALGORITHM.run(config, 5, "cpu", sliced)
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    drop_time = [{k: v for k, v in r.items() if k != "time"} for r in _rows(straight)]
    assert drop_time == [{k: v for k, v in r.items() if k != "time"} for r in _rows(sliced)]


def test_bad_config_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'train\.n_epochs'"):
        ALGORITHM.run({"train.n_epochs": 3}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"train\.n_steps and train\.timesteps must be >= 1"):
        ALGORITHM.run({"train.n_steps": 0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="cannot create environment"):
        default_config("NoSuchEnv-v0")
    assert get_algorithm("vpg") is ALGORITHM


def test_update_is_one_step_on_the_policy_gradient_loss() -> None:
    """The gradient step equals SGD on -mean(log π(a|s) Â) + vf_coef · mean((V - R)²)."""
    torch.manual_seed(0)
    model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), [4], "tanh", "cpu")
    reference = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), [4], "tanh", "cpu")
    reference.load_state_dict(model.state_dict())
    obs, actions = torch.randn(6, 3), torch.randint(0, 2, (6,))
    adv, returns = torch.randn(6), torch.randn(6)
    batch = Batch(obs, actions, torch.zeros(6), torch.zeros(6), adv, returns)
    cfg = {**default_config("CartPole-v1"), "agent.max_grad_norm": 1e9, "agent.vf_coef": 0.25}
    update(model, torch.optim.SGD(model.parameters(), lr=0.1), batch, cfg)
    logits = reference.policy_params(obs)
    logp = torch.log_softmax(logits, -1)[torch.arange(6), actions]
    a_hat = (adv - adv.mean()) / (adv.std() + 1e-8)
    loss = -(logp * a_hat).mean() + 0.25 * ((reference.value(obs) - returns) ** 2).mean()
    torch.autograd.backward(loss)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        grad = torch.zeros_like(q) if q.grad is None else q.grad
        torch.testing.assert_close(p.detach(), q.detach() - 0.1 * grad)
