"""Tests of ``lagom.baselines.dqn``: config and zoo, targets (Double DQN, n steps, ends),
loss, target updates, exploration, prioritized replay, training, resume and the policy."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
import torch
from torch.nn import functional

from lagom.baselines import get_algorithm, load_policy
from lagom.baselines.common import load_checkpoint
from lagom.baselines.dqn import (
    ALGORITHM,
    CARTPOLE,
    DQNAgent,
    DQNAgentConfig,
    DQNConfig,
    DQNEnvConfig,
    Learner,
    NStepTensors,
    QNetwork,
    ReplayConfig,
    default_config,
    train,
)
from lagom.cli import main
from lagom.experiment import from_dotted, parse_dotted, to_dotted
from lagom.metric import batched_returns
from lagom.runner import PrioritizedReplayBuffer, ReplayBuffer
from lagom.transform import LinearSchedule
from tests.baselines._files import FINISHED_RUN, run_files
from tests.baselines.test_td3 import SMALL as OFF_POLICY_SMALL

#: TD3's short run on CartPole with DQN's knobs: about a second, every code path.
SMALL: dict[str, Any] = OFF_POLICY_SMALL | {
    "agent.train_freq": 4,
    "agent.gradient_steps": 2,
    "agent.target_update_interval": 50,
    "agent.exploration_fraction": 0.5,
}
#: Every option on: prioritized replay, dueling heads, 3-step returns, Polyak targets.
EVERYTHING: dict[str, Any] = SMALL | {
    "replay.prioritized": True,
    "agent.dueling": True,
    "agent.n_steps": 3,
    "agent.tau": 0.5,
}
CPU = torch.device("cpu")


def read_rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


def ends_buffer() -> ReplayBuffer:
    """One terminated, one truncated and one running transition (observations 1, 2, 3)."""
    buffer = ReplayBuffer(8, 4, 2, seed=0, discrete=True)
    obs = np.arange(1.0, 4.0)[:, None] * np.ones(4)
    buffer.add(obs, [0, 1, 1], [1.0, 2.0, 3.0], obs + 10, [True, False, False], [0, 1, 0])
    return buffer


def test_config_keeps_the_zoo_values_and_dotted_keys() -> None:
    assert default_config() is CARTPOLE
    zoo = to_dotted(CARTPOLE)
    expected = {
        "train.timesteps": 50_000,
        "agent.lr": 2.3e-3,
        "agent.batch_size": 64,
        "agent.buffer_size": 100_000,
        "agent.learning_starts": 1000,
        "agent.gamma": 0.99,
        "agent.target_update_interval": 10,
        "agent.train_freq": 256,
        "agent.gradient_steps": 128,
        "agent.exploration_fraction": 0.16,
        "agent.exploration_initial_eps": 1.0,
        "agent.exploration_final_eps": 0.04,
        "agent.hidden_sizes": [256, 256],
        "agent.tau": 1.0,
        "agent.max_grad_norm": 10.0,
        "replay.prioritized": False,
        # lagom's choice on top of the zoo's values (measured, see the config's comment).
        "agent.double": False,
        "agent.n_steps": 3,
    }
    assert {key: zoo[key] for key in expected} == expected
    assert {"agent.n_steps", "agent.double", "agent.dueling", "replay.alpha", "replay.beta"} < set(
        zoo
    )
    changed = from_dotted(CARTPOLE, parse_dotted(CARTPOLE, ["replay.prioritized=true"]))
    assert changed.replay.prioritized is True
    assert attrs.evolve(changed, replay=CARTPOLE.replay) == CARTPOLE
    assert default_config("Acrobot-v1") == DQNConfig(env=DQNEnvConfig("Acrobot-v1"))


def test_config_errors_and_continuous_actions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dqn needs a Discrete action space, but Pendulum-v1"):
        ALGORITHM.run({"env.id": "Pendulum-v1"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="dqn needs a Discrete action space"):
        train(DQNConfig(env=DQNEnvConfig("MountainCarContinuous-v0")), 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.nsteps'"):
        ALGORITHM.run({"agent.nsteps": 3}, 0, "cpu", tmp_path)
    # The messages are the baselines' field validators'; each names the field.
    with pytest.raises(ValueError, match="exploration_fraction"):
        DQNAgentConfig(exploration_fraction=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        DQNAgentConfig(n_steps=0)
    with pytest.raises(TypeError, match="prioritized"):
        ReplayConfig(prioritized=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eps"):
        ReplayConfig(eps=0.0)
    with pytest.raises(ValueError, match="not a run folder"):
        ALGORITHM.make_policy(tmp_path / "empty", "cpu")
    assert not any(tmp_path.iterdir())  # nothing was written


@pytest.mark.parametrize("double", [True, False])
def test_the_target_bootstraps_truncations_from_the_final_observation(double: bool) -> None:
    torch.manual_seed(0)
    agent = DQNAgent(4, 2, DQNAgentConfig(hidden_sizes=(8,), double=double), CPU)
    with torch.no_grad():  # a target network unlike the online one
        for p in agent.q_net_target.parameters():
            p.add_(torch.randn_like(p))
    batch = NStepTensors.of(ends_buffer().n_step([0, 1, 2], 1, 0.9), CPU)
    with torch.no_grad():
        final = batch.next_obs  # the true next observations: 11, 12, 13
        pick = agent.q_net if double else agent.q_net_target
        a = pick(final).argmax(dim=1, keepdim=True)
        values = agent.q_net_target(final).gather(1, a)[:, 0]
    expected = [1.0, 2.0 + 0.9 * float(values[1]), 3.0 + 0.9 * float(values[2])]
    np.testing.assert_allclose(agent.td_target(*batch[2:]).numpy(), expected, rtol=1e-6)


def test_the_n_step_target_is_batched_returns_of_the_window() -> None:
    agent = DQNAgent(1, 2, DQNAgentConfig(hidden_sizes=(8,)), CPU)
    buffer = ReplayBuffer(16, 1, 2, seed=0, discrete=True)
    ends = [(0, 0), (0, 0), (0, 0), (0, 1), (0, 0), (1, 0), (0, 0), (0, 0)]
    for t, (term, trunc) in enumerate(ends):
        buffer.add([[t]], [t % 2], [t + 1.0], [[t + 1]], [term], [trunc])
    gamma, n = 0.9, 3
    target = agent.td_target(*NStepTensors.of(buffer.n_step(np.arange(8), n, gamma), CPU)[2:])
    with torch.no_grad():
        q_next = agent.q_net_target(torch.arange(1.0, 9.0)[:, None])
        v = q_next.gather(1, agent.q_net(torch.arange(1.0, 9.0)[:, None]).argmax(1, True))[:, 0]
    for t in range(8):  # the core's returns over each window, V of every next observation
        window = slice(t, min(t + n, 8))
        truncated = np.array([e[1] for e in ends[window]], bool)
        truncated[-1] |= window.stop == 8  # the newest transition cuts the window
        expected = batched_returns(
            gamma,
            np.arange(window.start + 1.0, window.stop + 1.0),
            v[window].numpy().astype(np.float64),
            terminated=np.array([e[0] for e in ends[window]], bool),
            truncated=truncated,
        )[0]
        assert float(target[t]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_the_loss_is_the_weighted_huber_loss_and_td_errors_are_returned(weighted: bool) -> None:
    torch.manual_seed(1)
    agent = DQNAgent(4, 2, DQNAgentConfig(hidden_sizes=(8,), gamma=0.9), CPU)
    batch = NStepTensors.of(ends_buffer().n_step([0, 1, 2, 1], 1, 0.9), CPU)
    weights = torch.tensor([1.0, 0.5, 0.25, 0.125]) if weighted else None
    with torch.no_grad():
        y = agent.td_target(*batch[2:])
        q = agent.q_net(batch.obs).gather(1, batch.actions[:, None])[:, 0]
        huber = functional.smooth_l1_loss(q, y, reduction="none")
        expected = (huber * (1.0 if weights is None else weights)).mean()
    losses, td_errors = agent.update(batch, weights)
    assert float(losses["loss"]) == pytest.approx(float(expected), rel=1e-6)
    assert float(losses["q_mean"]) == pytest.approx(float(q.mean()), rel=1e-6)
    torch.testing.assert_close(td_errors, y - q)


def test_targets_are_copied_or_polyak_averaged() -> None:
    agent = DQNAgent(4, 2, DQNAgentConfig(hidden_sizes=(8,), tau=1.0), CPU)
    batch = NStepTensors.of(ends_buffer().n_step([0, 1, 2], 1, 0.9), CPU)
    agent.update(batch)
    online = agent.q_net.state_dict()
    assert any(not torch.equal(v, online[k]) for k, v in agent.q_net_target.state_dict().items())
    agent.update_target()
    assert all(torch.equal(v, online[k]) for k, v in agent.q_net_target.state_dict().items())
    soft = DQNAgent(4, 2, DQNAgentConfig(hidden_sizes=(8,), tau=0.25), CPU)
    before = {k: v.clone() for k, v in soft.q_net_target.state_dict().items()}
    soft.update(batch)
    soft.update_target()
    online = soft.q_net.state_dict()
    for key, value in soft.q_net_target.state_dict().items():
        torch.testing.assert_close(value, 0.75 * before[key] + 0.25 * online[key])


def test_dueling_heads_center_the_advantages() -> None:
    q_net = QNetwork(3, 4, [8], dueling=True)
    x = torch.randn(5, 3)
    with torch.no_grad():
        features = torch.relu(q_net.layers[0](x))
        out = q_net.head(features)
        q = q_net(x)
    torch.testing.assert_close(q.mean(dim=1), out[:, 0])  # mean_a Q(s, a) = V(s)
    torch.testing.assert_close(
        q - q.mean(dim=1, keepdim=True), out[:, 1:] - out[:, 1:].mean(1, True)
    )
    assert QNetwork(3, 4, [8]).head.out_features == 4


def test_exploration_follows_the_schedule_and_greedy_acts_greedily(tmp_path: Path) -> None:
    config = from_dotted(default_config(), SMALL)
    learner = Learner(config, 0, "cpu", tmp_path)
    for _ in range(100):  # learning_starts: uniformly random actions
        learner.step(epsilon=0.0)
    actions = learner.buffer.gather(np.arange(100)).actions
    assert set(actions.tolist()) == {0, 1}
    obs = learner.obs.copy()
    learner.step(epsilon=0.0)
    assert int(learner.buffer.gather([100]).actions[0]) == learner.agent.act(obs)
    train(config, 0, "cpu", tmp_path / "run")
    rows = read_rows(tmp_path / "run")
    epsilon = LinearSchedule(1.0, 0.04, N=150)  # exploration_fraction 0.5 of 300 steps
    assert [float(r["epsilon"]) for r in rows] == pytest.approx(
        [epsilon(t) for t in (100, 200, 300)]
    )


def test_prioritized_replay_sets_the_priorities_after_each_step(tmp_path: Path) -> None:
    config = from_dotted(default_config(), EVERYTHING | {"replay.alpha": 0.7, "replay.eps": 0.01})
    learner = Learner(config, 0, "cpu", tmp_path)
    for _ in range(120):
        learner.step(epsilon=1.0)
    assert isinstance(learner.buffer, PrioritizedReplayBuffer)
    seen: list[tuple[torch.Tensor | None, torch.Tensor]] = []
    update = learner.agent.update

    def recording(batch: NStepTensors, weights: torch.Tensor | None = None) -> Any:
        losses, td_errors = update(batch, weights)
        seen.append((weights, td_errors))
        return losses, td_errors

    learner.agent.update = recording  # type: ignore[method-assign]
    rng_state = learner.buffer.rng.bit_generator.state
    indices = learner.buffer.sample_indices(16)
    expected_weights = learner.buffer.weights(indices, 0.6)
    learner.buffer.rng.bit_generator.state = rng_state
    learner.learn(beta=0.6)
    weights, td_errors = seen[0]
    assert weights is not None
    np.testing.assert_array_equal(weights.numpy(), expected_weights)
    last = {int(i): float(d) for i, d in zip(indices, td_errors, strict=True)}  # last write wins
    priorities = learner.buffer.priorities
    for row, error in last.items():
        assert priorities[row] == pytest.approx((abs(error) + 0.01) ** 0.7, rel=1e-6)
    untouched = np.setdiff1d(np.arange(120), indices)
    np.testing.assert_array_equal(priorities[untouched], 1.0)


def test_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metrics = get_algorithm("dqn").run(SMALL, 0, "cpu", tmp_path)
    assert run_files(tmp_path) == FINISHED_RUN
    rows = read_rows(tmp_path)
    assert [int(r["timesteps"]) for r in rows] == [100, 200, 300]
    assert list(rows[0]) == [
        "iteration",
        "timesteps",
        "time",
        "train_return",
        "updates",
        "epsilon",
        "loss",
        "q_mean",
    ]
    assert rows[0]["loss"] == ""  # no update before learning_starts
    assert [int(r["updates"]) for r in rows] == [0, 50, 100]  # 2 every 4 steps after 100
    assert math.isfinite(float(rows[-1]["loss"]))
    assert math.isfinite(float(rows[-1]["train_return"]))
    assert 8 <= metrics["return_mean"] <= 500
    policy = load_policy(tmp_path)
    obs = np.random.default_rng(0).normal(size=(6, 4))
    actions = policy(obs)
    assert actions.dtype == np.int64
    assert set(actions.tolist()) <= {0, 1}
    (tmp_path / "checkpoint.pt").unlink()  # the policy needs only policy.pt
    np.testing.assert_array_equal(load_policy(tmp_path)(obs), actions)
    assert main(["eval", str(tmp_path), "--episodes", "2"]) == 0
    assert "return_mean" in capsys.readouterr().out


@pytest.mark.parametrize("keys", [SMALL, EVERYTHING], ids=["uniform", "everything"])
def test_resume_equals_an_uninterrupted_run(keys: dict[str, Any], tmp_path: Path) -> None:
    """Straight to 300 steps == stop at 150 (after 200 steps) then resume: the same rows,
    final numbers, networks, replay and priorities on CPU."""
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    expected = ALGORITHM.run(keys, 3, "cpu", straight)
    assert ALGORITHM.run({**keys, "train.stop_at": 150}, 3, "cpu", sliced) == {}
    assert not (sliced / "final_eval.yml").exists()
    assert [r["timesteps"] for r in read_rows(sliced)] == ["100", "200"]
    assert ALGORITHM.run({**keys, "train.stop_at": 150}, 3, "cpu", sliced) == expected

    def without_time(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{k: v for k, v in r.items() if k != "time"} for r in rows]

    assert without_time(read_rows(straight)) == without_time(read_rows(sliced))
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    for part in ("q_net", "q_net_target"):
        assert all(torch.equal(v, b["agent"][part][k]) for k, v in a["agent"][part].items())
    assert a["replay"].keys() == b["replay"].keys()
    for key in ("table", "actions", *(["priorities"] if "replay.prioritized" in keys else [])):
        np.testing.assert_array_equal(a["replay"][key], b["replay"][key])
    assert a["counters"] == b["counters"] == [300, 3, 100]


def test_lagom_train_runs_dqn(tmp_path: Path) -> None:
    sets = ["agent.learning_starts=100", "agent.hidden_sizes=8", "eval.episodes=1"]
    argv = ["train", "dqn", "--steps", "200", "--log-dir", str(tmp_path)]
    assert main([*argv, *(x for s in sets for x in ("--set", s))]) == 0
    assert run_files(tmp_path / "0" / "0") >= FINISHED_RUN


def test_update_rejects_a_malformed_batch_or_weights() -> None:
    agent = DQNAgent(2, 3, DQNAgentConfig(hidden_sizes=(4,)), torch.device("cpu"))
    rows = torch.zeros(3, 2)
    batch = NStepTensors(rows, torch.tensor([0, 2, 1]), torch.ones(3), rows, torch.ones(3))
    with pytest.raises(TypeError, match="batch"):
        agent.update((rows, torch.tensor([0, 2, 1]), torch.ones(3), rows, torch.ones(3)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"batch.actions must be a \[B\] tensor"):
        agent.update(batch._replace(actions=torch.tensor([0, 2])))
    with pytest.raises(ValueError, match=r"batch.discounts must be a \[B\] tensor"):
        agent.update(batch._replace(discounts=torch.ones(3, 1)))
    with pytest.raises(ValueError, match=r"weights must be \[B\] = \[3\], got \[2\]"):
        agent.update(batch, torch.ones(2))
    with pytest.raises(TypeError, match="weights"):
        agent.update(batch, [1.0, 1.0, 1.0])  # type: ignore[arg-type]
    _, td_errors = agent.update(batch, torch.ones(3))
    assert td_errors.shape == (3,)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"obs": torch.zeros(0, 2), "actions": torch.zeros(0, dtype=torch.int64),
          "returns": torch.ones(0), "next_obs": torch.zeros(0, 2), "discounts": torch.ones(0)},
         ValueError, r"at least one transition \(B >= 1\), got B = 0"),
        ({"actions": torch.tensor([0.0, 2.0, 1.0])}, TypeError, r"actions must be a torch\.int64"),
        ({"actions": torch.tensor([0, 3, 1])}, ValueError, r"in \[0, 3\), got actions from 0 to 3"),
        ({"actions": torch.tensor([0, -1, 1])}, ValueError, r"in \[0, 3\), got actions from -1"),
        ({"obs": torch.zeros(3, 5)}, ValueError, r"batch.obs must be \[B, obs_dim\] = \[3, 2\]"),
        ({"obs": torch.zeros(2, 2)}, ValueError, r"batch.obs must be \[B, ...\] with B = 3"),
        ({"next_obs": torch.zeros(4, 2)}, ValueError, r"next_obs must be \[B, ...\] with B = 3"),
        ({"next_obs": torch.zeros(3, 2, dtype=torch.float64)}, TypeError,
         "batch.next_obs must be a torch.float32 tensor, got torch.float64"),
        ({"returns": torch.ones(3, dtype=torch.float64)}, TypeError,
         "batch.returns must be a torch.float32 tensor, got torch.float64"),
        ({"discounts": torch.ones(3, dtype=torch.int64)}, TypeError,
         "batch.discounts must be a torch.float32 tensor, got torch.int64"),
        ({"obs": [[0.0, 0.0]] * 3}, TypeError, "batch.obs must be a tensor, got list"),
        ({"actions": torch.tensor([0, 2, 1], device="meta")}, ValueError,
         "batch.actions must be on cpu, got meta"),
    ],
)  # fmt: skip
def test_update_names_what_is_wrong_with_a_batch_and_leaves_the_network(
    change: dict[str, Any], error: type[Exception], match: str
) -> None:
    agent = DQNAgent(2, 3, DQNAgentConfig(hidden_sizes=(4,)), torch.device("cpu"))
    rows = torch.zeros(3, 2)
    batch = NStepTensors(rows, torch.tensor([0, 2, 1]), torch.ones(3), rows, torch.ones(3))
    before = [p.clone() for p in agent.q_net.parameters()]
    with pytest.raises(error, match=match):
        agent.update(batch._replace(**change))
    with pytest.raises(TypeError, match=r"weights must be a torch\.float32 tensor"):
        agent.update(batch, torch.ones(3, dtype=torch.float64))
    assert all(torch.equal(a, b) for a, b in zip(before, agent.q_net.parameters(), strict=True))
