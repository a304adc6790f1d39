"""Tests of ``lagom.baselines.td3``: config, update rule, training loop, resume, policy.

The helpers ``SMALL``, ``check_smoke``, ``check_resume`` and ``check_policy`` serve SAC's and
DDPG's tests too.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import pytest
import torch

from lagom.baselines import get_algorithm
from lagom.baselines.common import TensorBatch, load_checkpoint, replay_tensors
from lagom.baselines.td3 import (
    ALGORITHM,
    PENDULUM,
    DeterministicActor,
    TD3Agent,
    TD3AgentConfig,
    TD3Config,
    default_config,
)
from lagom.experiment import from_dotted, parse_dotted, to_dotted
from lagom.metric import batched_td0_target
from lagom.runner import ReplayBuffer
from tests.baselines._files import FINISHED_RUN, run_files

#: A few hundred steps with small networks: seconds, yet every code path runs.
SMALL: dict[str, Any] = {
    "train.timesteps": 300,
    "train.log_interval": 100,
    "agent.learning_starts": 100,
    "agent.batch_size": 16,
    "agent.hidden_sizes": [16, 16],
    "eval.episodes": 1,
}

#: The dotted keys SAC and TD3 share (and share with the flat dicts of earlier versions).
SHARED_KEYS = {
    "env.id",
    "train.timesteps",
    "train.log_interval",
    "train.checkpoint_every",
    "train.stop_at",
    "train.log",
    "agent.lr",
    "agent.gamma",
    "agent.tau",
    "agent.batch_size",
    "agent.buffer_size",
    "agent.learning_starts",
    "agent.train_freq",
    "agent.gradient_steps",
    "agent.hidden_sizes",
    "eval.episodes",
    "eval.every",
    "eval.every_episodes",
}

CPU = torch.device("cpu")


def read_rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


def two_transition_batch(size: int) -> TensorBatch:
    """``size`` draws from one terminated and one (only) truncated transition."""
    buffer = ReplayBuffer(4, 3, 1, seed=0)
    buffer.add(np.ones((2, 3)), [[0.2], [-0.3]], [1.0, 2.0], np.zeros((2, 3)), [1, 0], [0, 1])
    return replay_tensors(buffer.sample(size), CPU)


def record_targets(agent: Any) -> list[torch.Tensor]:
    """The targets ``agent.td_target`` returns from now on, recorded as its update runs."""
    seen: list[torch.Tensor] = []
    td_target = agent.td_target

    def recording(*args: torch.Tensor) -> torch.Tensor:
        seen.append(td_target(*args))
        return seen[-1]

    agent.td_target = recording
    return seen


def check_smoke(name: str, logdir: Path, loss_keys: set[str], n_critics: int) -> None:
    """A short run of algorithm ``name`` writes every file, one row per iteration, a
    checkpoint with ``n_critics`` critics and a finite evaluation; its policy rebuilds."""
    metrics = get_algorithm(name).run(SMALL, 0, "cpu", logdir)
    assert run_files(logdir) == FINISHED_RUN
    rows = read_rows(logdir)
    assert [int(r["timesteps"]) for r in rows] == [100, 200, 300]
    assert {"iteration", "timesteps", "time", "train_return", "updates"} | loss_keys <= set(rows[0])
    assert rows[0]["critic_loss"] == ""  # no update before learning_starts
    assert math.isfinite(float(rows[-1]["train_return"]))  # a 200-step episode has ended
    assert math.isnan(float(rows[0]["train_return"]))  # ... and none before
    assert int(rows[-1]["updates"]) == 200
    assert math.isfinite(metrics["return_mean"])
    assert metrics["episodes"] == 1.0
    state = load_checkpoint(logdir)
    assert state is not None
    assert state["agent"]["critic"]["weights.0"].shape[0] == n_critics
    check_policy(name, logdir)


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
    assert (a["timesteps"], a["iteration"], a["updates"]) == (b["timesteps"], b["iteration"], 200)

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


def test_targets_move_by_polyak_averaging_after_the_update() -> None:
    torch.manual_seed(0)
    config = TD3AgentConfig(hidden_sizes=(8,), gamma=0.9, tau=0.25, policy_delay=1)
    agent = TD3Agent(3, 1, config, CPU)
    critic_before = {k: v.clone() for k, v in agent.critic_target.state_dict().items()}
    actor_before = {k: v.clone() for k, v in agent.actor_target.state_dict().items()}
    assert set(agent.update(two_transition_batch(8))) == {"critic_loss", "actor_loss"}
    for net, target, before in (
        (agent.critic, agent.critic_target, critic_before),
        (agent.actor, agent.actor_target, actor_before),
    ):
        online = net.state_dict()
        for key, value in target.state_dict().items():
            torch.testing.assert_close(value, 0.75 * before[key] + 0.25 * online[key])


def test_delayed_actor_steps_every_policy_delay_updates() -> None:
    agent = TD3Agent(3, 1, TD3AgentConfig(hidden_sizes=(8,), policy_delay=3), CPU)
    batch = two_transition_batch(4)
    actor_before = [p.detach().clone() for p in agent.actor.parameters()]
    ran = ["actor_loss" in agent.update(batch) for _ in range(6)]
    assert ran == [False, False, True, False, False, True]
    assert agent.n_updates == 6
    assert any(
        not torch.equal(a, b) for a, b in zip(actor_before, agent.actor.parameters(), strict=True)
    )


def test_critic_loss_is_the_clipped_double_q_error() -> None:
    torch.manual_seed(1)
    config = TD3AgentConfig(hidden_sizes=(8,), gamma=0.9, tau=0.1, target_policy_noise=0.0)
    agent = TD3Agent(3, 1, config, CPU)
    batch = two_transition_batch(6)
    with torch.no_grad():
        expected = 0.0
        for j in range(6):
            s, a = batch.obs[j : j + 1], batch.actions[j : j + 1]
            s_next = batch.next_obs[j : j + 1]
            q_next = agent.critic_target(s_next, agent.actor_target(s_next))[0]
            bootstrap = 0.0 if batch.terminated[j] == 1 else 0.9 * float(q_next.min())
            y = float(batch.rewards[j]) + bootstrap
            q = agent.critic(s, a)[0]
            expected += sum((float(q[i]) - y) ** 2 for i in range(2)) / 6
    assert float(agent.update(batch)["critic_loss"]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("n_critics", [1, 2])
def test_the_updates_target_is_the_cores_td0_target(n_critics: int) -> None:
    """Without smoothing noise the target of an update equals ``batched_td0_target`` of
    ``min_i Q'_i(s', mu'(s'))`` on the same batch (TD3 with two critics, DDPG with one)."""
    config = TD3AgentConfig(
        hidden_sizes=(8,), gamma=0.9, n_critics=n_critics, target_policy_noise=0.0
    )
    agent = TD3Agent(3, 1, config, CPU)
    batch = two_transition_batch(16)
    with torch.no_grad():
        next_q = agent.critic_target(batch.next_obs, agent.actor_target(batch.next_obs))
        next_values = next_q.amin(dim=1).numpy()
    expected = batched_td0_target(
        0.9, batch.rewards.numpy(), next_values, terminated=batch.terminated.numpy()
    )
    seen = record_targets(agent)
    agent.update(batch)
    np.testing.assert_allclose(seen[0].numpy(), expected, rtol=1e-6)
    assert set(batch.terminated.tolist()) == {0.0, 1.0}  # both kinds of step were checked


def test_target_actions_are_smoothed_by_clipped_noise() -> None:
    config = TD3AgentConfig(hidden_sizes=(4,), target_policy_noise=10.0, target_noise_clip=0.1)
    agent = TD3Agent(3, 1, config, CPU)
    batch = two_transition_batch(64)
    seen: list[torch.Tensor] = []
    agent.critic_target.register_forward_hook(lambda module, args, out: seen.append(args[1]))
    agent.td_target(batch.rewards, batch.next_obs, batch.terminated)
    with torch.no_grad():
        mu = agent.actor_target(batch.next_obs)
    shift = seen[0] - mu
    assert float(shift.abs().max()) <= 0.1 + 1e-6  # sigma 10, clipped at c = 0.1
    assert float(shift.abs().min()) > 0.0  # noise was added to every action
    assert float(seen[0].abs().max()) <= 1.0


def test_exploration_noise_is_clipped_and_drawn_from_the_given_generator() -> None:
    agent = TD3Agent(3, 2, TD3AgentConfig(hidden_sizes=(8,), action_noise=5.0), CPU)
    obs = np.ones(3, dtype=np.float32)
    a = agent.explore(obs, np.random.default_rng(4))
    b = agent.explore(obs, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert np.all(np.abs(a) <= 1.0)
    quiet = TD3Agent(3, 2, TD3AgentConfig(hidden_sizes=(8,), action_noise=0.0), CPU)
    np.testing.assert_array_equal(quiet.explore(obs, np.random.default_rng(0)), quiet.act(obs))


def test_deterministic_actor_is_bounded() -> None:
    actor = DeterministicActor(3, 2, [4])
    with torch.no_grad():
        assert float(actor(100 * torch.randn(50, 3)).abs().max()) <= 1.0


def test_smoke(tmp_path: Path) -> None:
    check_smoke("td3", tmp_path, {"critic_loss", "actor_loss"}, n_critics=2)


def test_resume_gives_identical_parameters(tmp_path: Path) -> None:
    check_resume(ALGORITHM.run, tmp_path)


def test_config_keeps_the_dotted_keys_and_the_zoo_values() -> None:
    keys = SHARED_KEYS | {
        "agent.action_noise",
        "agent.n_critics",
        "agent.policy_delay",
        "agent.target_policy_noise",
        "agent.target_noise_clip",
    }
    assert set(to_dotted(TD3Config())) == keys
    assert default_config() is PENDULUM
    zoo = to_dotted(PENDULUM)
    assert {k: zoo[k] for k in ("train.timesteps", "agent.gamma", "agent.buffer_size")} == {
        "train.timesteps": 20_000,
        "agent.gamma": 0.98,
        "agent.buffer_size": 200_000,
    }
    assert (zoo["agent.learning_starts"], zoo["agent.action_noise"]) == (10_000, 0.1)
    assert (zoo["agent.lr"], zoo["agent.hidden_sizes"]) == (1e-3, [400, 300])
    changed = from_dotted(PENDULUM, parse_dotted(PENDULUM, ["agent.policy_delay=3"]))
    assert changed.agent.policy_delay == 3
    assert attrs.evolve(changed, agent=PENDULUM.agent) == PENDULUM


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.lrr'"):
        ALGORITHM.run({"agent.lrr": 1.0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'agent\.n_critics'.*expects int"):
        ALGORITHM.run({"agent.n_critics": 1.5}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="td3 needs a Box action space"):
        ALGORITHM.run({"env.id": "CartPole-v1"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="td3 cannot create environment"):
        default_config("NoSuchEnv-v0")
    with pytest.raises(ValueError, match=r"'tau' must be <= 1\.0"):
        TD3AgentConfig(tau=2.0)
    with pytest.raises(ValueError, match=r"'target_noise_clip' must be >= 0\.0"):
        TD3AgentConfig(target_noise_clip=-0.1)
    with pytest.raises(ValueError, match="not a run folder"):
        ALGORITHM.make_policy(tmp_path / "empty", "cpu")
    assert not any(tmp_path.iterdir())  # nothing was written
