"""Tests of ``lagom.baselines.td3``: networks, update rule, training loop, resume."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch.nn import functional

from lagom.baselines import get_algorithm
from lagom.baselines._common import load_checkpoint
from lagom.baselines._replay import ReplayBuffer
from lagom.baselines.td3 import ALGORITHM, DeterministicActor, QEnsemble, TD3Agent

#: A few hundred steps with small networks: seconds, yet every code path runs.
SMALL: dict[str, Any] = {
    "train.timesteps": 300,
    "train.log_interval": 100,
    "agent.learning_starts": 100,
    "agent.batch_size": 16,
    "agent.hidden_sizes": [16, 16],
    "eval.episodes": 1,
}


def read_rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


def check_smoke(run: Callable[..., Mapping[str, float]], logdir: Path, loss_keys: set[str]) -> None:
    """A short run writes every file, one row per iteration, and a finite evaluation."""
    metrics = run(SMALL, 0, "cpu", logdir)
    assert {p.name for p in logdir.iterdir()} >= {
        "run.yml",
        "progress.csv",
        "checkpoint.pt",
        "final_eval.yml",
    }
    rows = read_rows(logdir)
    assert [int(r["timesteps"]) for r in rows] == [100, 200, 300]
    assert {"iteration", "timesteps", "time", "train_return", "updates"} | loss_keys <= set(rows[0])
    assert rows[0]["critic_loss"] == ""  # no update before learning_starts
    assert math.isfinite(float(rows[-1]["train_return"]))  # a 200-step episode has ended
    assert int(rows[-1]["updates"]) == 200
    assert math.isfinite(metrics["return_mean"])
    assert metrics["episodes"] == 1.0


def check_resume(run: Callable[..., Mapping[str, float]], tmp_path: Path) -> None:
    """Straight to 300 steps == stop at 150 (after 200) then resume: same numbers on CPU."""
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    expected = run(SMALL, 3, "cpu", straight)
    assert run({**SMALL, "train.stop_at": 150}, 3, "cpu", sliced) == {}
    assert not (sliced / "final_eval.yml").exists()
    assert [r["timesteps"] for r in read_rows(sliced)] == ["100", "200"]
    assert run({**SMALL, "train.stop_at": 150}, 3, "cpu", sliced) == expected
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    for key, value in a["agent"].items():
        if key.endswith("optimizer") or not isinstance(value, dict):
            continue
        assert value.keys() == b["agent"][key].keys()
        assert all(torch.equal(value[k], b["agent"][key][k]) for k in value), key
    np.testing.assert_array_equal(a["replay"]["table"], b["replay"]["table"])

    def without_time(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{k: v for k, v in r.items() if k != "time"} for r in rows]

    assert without_time(read_rows(straight)) == without_time(read_rows(sliced))


def check_policy(algorithm_name: str, logdir: Path) -> None:
    """``make_policy`` rebuilds the trained deterministic policy within the action bounds."""
    policy = get_algorithm(algorithm_name).make_policy(logdir, "cpu")
    space = gym.make("Pendulum-v1").action_space
    obs = np.random.default_rng(0).uniform(-1.0, 1.0, (5, 3)).astype(np.float32)
    actions = np.asarray(policy(obs))
    assert actions.shape == (5, 1)
    assert all(space.contains(a.astype(np.float32)) for a in actions)
    np.testing.assert_array_equal(actions, np.asarray(policy(obs)))


def test_q_ensemble_members_are_independent_mlps() -> None:
    critic = QEnsemble(3, 2, [5, 4], n=3)
    obs, actions = torch.randn(7, 3), torch.randn(7, 2)
    out = critic(obs, actions)
    assert out.shape == (7, 3)
    for i in range(3):  # oracle: member i as a plain MLP from its slices
        x = torch.cat([obs, actions], dim=1)
        for layer, (w, b) in enumerate(zip(critic.weights, critic.biases, strict=True)):
            x = functional.linear(x, w[i].T, b[i, 0])
            x = torch.relu(x) if layer < 2 else x
        torch.testing.assert_close(out[:, i], x[:, 0])
    assert not torch.equal(critic.weights[0][0], critic.weights[0][1])  # separate inits


def test_targets_move_by_polyak_averaging_after_the_update() -> None:
    torch.manual_seed(0)
    agent = TD3Agent(3, 1, [8], lr=1e-3, gamma=0.9, tau=0.25, policy_delay=1, device="cpu")
    buffer = ReplayBuffer(4, 3, 1, seed=0)
    buffer.add(np.ones((2, 3)), [[0.2], [-0.3]], [1.0, 2.0], np.zeros((2, 3)), [1, 0], [0, 1])
    critic_before = {k: v.clone() for k, v in agent.critic_target.state_dict().items()}
    actor_before = {k: v.clone() for k, v in agent.actor_target.state_dict().items()}
    assert set(agent.update(buffer.sample(8, "cpu"))) == {"critic_loss", "actor_loss"}
    for net, target, before in (
        (agent.critic, agent.critic_target, critic_before),
        (agent.actor, agent.actor_target, actor_before),
    ):
        online = net.state_dict()
        for key, value in target.state_dict().items():
            torch.testing.assert_close(value, 0.75 * before[key] + 0.25 * online[key])


def test_critic_loss_is_the_clipped_double_q_error() -> None:
    torch.manual_seed(1)
    agent = TD3Agent(3, 1, [8], lr=1e-3, gamma=0.9, tau=0.1, target_policy_noise=0.0, device="cpu")
    buffer = ReplayBuffer(4, 3, 1, seed=0)
    buffer.add(np.ones((2, 3)), [[0.2], [-0.3]], [1.0, 2.0], np.zeros((2, 3)), [1, 0], [0, 1])
    batch = buffer.sample(6, "cpu")
    with torch.no_grad():
        expected = 0.0
        for j in range(6):
            s, a = batch.observations[j : j + 1], batch.actions[j : j + 1]
            s_next = batch.next_observations[j : j + 1]
            q_next = agent.critic_target(s_next, agent.actor_target(s_next))[0]
            bootstrap = 0.0 if batch.terminated[j] == 1 else 0.9 * float(q_next.min())
            y = float(batch.rewards[j]) + bootstrap
            q = agent.critic(s, a)[0]
            expected += sum((float(q[i]) - y) ** 2 for i in range(2)) / 6
    assert float(agent.update(batch)["critic_loss"]) == pytest.approx(expected, rel=1e-5)


def test_deterministic_actor_is_bounded() -> None:
    actor = DeterministicActor(3, 2, [4])
    with torch.no_grad():
        assert float(actor(100 * torch.randn(50, 3)).abs().max()) <= 1.0


def test_smoke(tmp_path: Path) -> None:
    check_smoke(ALGORITHM.run, tmp_path, {"critic_loss", "actor_loss"})
    check_policy("td3", tmp_path)


def test_resume_gives_identical_parameters(tmp_path: Path) -> None:
    check_resume(ALGORITHM.run, tmp_path)


def test_config_errors(tmp_path: Path) -> None:
    assert ALGORITHM.default_config("Pendulum-v1")["agent.policy_delay"] == 2
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.lrr'"):
        ALGORITHM.run({"agent.lrr": 1.0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"continuous \(Box\) action space"):
        ALGORITHM.run({"env.id": "CartPole-v1"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="unknown environment"):
        ALGORITHM.default_config("NoSuchEnv-v0")
    with pytest.raises(ValueError, match=r"holds no checkpoint|not a run folder"):
        ALGORITHM.make_policy(tmp_path, "cpu")
