"""Tests of the off-policy parts of ``lagom.baselines.common``: config sections, the replay
collector, action scaling and the evaluation policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from lagom.baselines import common, sac, td3
from lagom.baselines.common import (
    OffPolicyAgentConfig,
    OffPolicyTrainConfig,
    ReplayCollector,
    action_scaler,
    box_policy,
    replay_tensors,
)


class _Agent:
    """A checkpointable stand-in for a learner."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {"w": torch.arange(3.0), "actor": {"w": torch.ones(2)}}

    def state_dict(self) -> dict[str, Any]:
        return dict(self.state)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.state = dict(state)


def test_action_scaler_maps_the_unit_box_onto_the_bounds() -> None:
    space = gym.spaces.Box(np.array([-2, 0], np.float32), np.array([2, 10], np.float32))
    to_env = action_scaler(space)
    np.testing.assert_allclose(to_env(np.array([-1.0, -1.0])), space.low)
    np.testing.assert_allclose(to_env(np.array([1.0, 1.0])), space.high)
    np.testing.assert_allclose(to_env(np.array([0.0, 0.5])), [0.0, 7.5])


def test_box_policy_flattens_observations_and_scales_actions() -> None:
    space = gym.spaces.Box(-2.0, 2.0, (1,))
    policy = box_policy(
        lambda obs: torch.tanh(obs.sum(1, keepdim=True)), space, torch.device("cpu")
    )
    actions = policy(np.full((4, 2, 3), 10.0))
    assert actions.shape == (4, 1)
    np.testing.assert_allclose(actions, 2.0)


def test_a_step_stores_the_true_final_observation_and_separate_flags() -> None:
    collector = ReplayCollector.create("Pendulum-v1", capacity=300, seed=0)
    observations = [collector.obs]
    for _ in range(201):  # Pendulum truncates at 200 steps
        collector.step(collector.random_action())
        observations.append(collector.obs)
    table, buffer = collector.buffer.table, collector.buffer
    obs_dim = buffer.obs_dim
    assert buffer.truncated[:201].tolist() == [False] * 199 + [True, False]
    assert not table[:201, -1].any()  # Pendulum never terminates
    # Step 200's next observation is the final one, not the reset one that follows.
    final, reset = table[199, -1 - obs_dim : -1], table[200, :obs_dim]
    assert not np.array_equal(final, reset)
    np.testing.assert_array_equal(reset, observations[200])
    np.testing.assert_array_equal(table[1:199, :obs_dim], table[:198, -1 - obs_dim : -1])
    assert list(collector.env.get_wrapper_attr("return_queue"))  # the episode was recorded


def test_updates_are_due_every_train_freq_steps_after_learning_starts() -> None:
    collector = ReplayCollector.create("Pendulum-v1", capacity=10, seed=0)
    agent = OffPolicyAgentConfig(learning_starts=3, train_freq=2, gradient_steps=5)
    due = []
    for _ in range(8):
        collector.step(collector.random_action())
        due.append(collector.updates_due(agent))
    assert due == [0, 0, 0, 5, 0, 5, 0, 5]
    assert collector.updates == 15


def test_iteration_steps_end_on_the_last_timestep() -> None:
    collector = ReplayCollector.create("Pendulum-v1", capacity=10, seed=0)
    train = OffPolicyTrainConfig(timesteps=25, log_interval=10)
    collector.timesteps = 20
    assert collector.iteration_steps(train) == 5


def test_checkpoint_then_resume_continues_identically(tmp_path: Path) -> None:
    train = OffPolicyTrainConfig(timesteps=100, checkpoint_every=10, stop_at=5)
    straight = ReplayCollector.create("Pendulum-v1", capacity=50, seed=1)
    for _ in range(12):
        straight.step(straight.random_action())
    sliced = ReplayCollector.create("Pendulum-v1", capacity=50, seed=1)
    for _ in range(7):
        sliced.step(sliced.random_action())
    row = sliced.row({"loss": None, "alpha": torch.tensor(0.5)})
    assert (row["iteration"], row["timesteps"], row["loss"], row["alpha"]) == (1, 7, None, 0.5)
    assert np.isnan(row["train_return"])  # no episode has ended yet
    agent = _Agent()
    assert sliced.checkpoint(tmp_path, train, agent)  # stop_at reached: saved, stop
    resumed = ReplayCollector.create("Pendulum-v1", capacity=50, seed=99)
    other = _Agent()
    other.state = {}
    resumed.resume(tmp_path, other)
    assert torch.equal(other.state["w"], agent.state["w"])
    assert (resumed.timesteps, resumed.iteration, resumed.updates) == (7, 1, 0)
    for _ in range(5):
        resumed.step(resumed.random_action())
    np.testing.assert_array_equal(resumed.buffer.table, straight.buffer.table)
    np.testing.assert_array_equal(resumed.obs, straight.obs)
    cpu = torch.device("cpu")
    a, b = (replay_tensors(c.buffer.sample(4), cpu) for c in (resumed, straight))
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_checkpoints_are_written_when_due(tmp_path: Path) -> None:
    collector = ReplayCollector.create("Pendulum-v1", capacity=10, seed=0)
    train = OffPolicyTrainConfig(timesteps=5, checkpoint_every=2)
    collector.timesteps, collector.iteration = 1, 1
    assert not collector.checkpoint(tmp_path, train, _Agent())
    assert not (tmp_path / "checkpoint.pt").exists()
    collector.iteration = 2
    assert not collector.checkpoint(tmp_path, train, _Agent())
    assert (tmp_path / "checkpoint.pt").exists()


def test_config_sections_validate_their_fields() -> None:
    with pytest.raises(ValueError, match="'timesteps' must be >= 1"):
        OffPolicyTrainConfig(timesteps=0)
    with pytest.raises(ValueError, match="'stop_at' must be >= 1"):
        OffPolicyTrainConfig(stop_at=0)
    with pytest.raises(ValueError, match="'gamma' must be <= 1"):
        OffPolicyAgentConfig(gamma=1.5)
    with pytest.raises(ValueError, match="Length of 'hidden_sizes' must be >= 1"):
        OffPolicyAgentConfig(hidden_sizes=())
    with pytest.raises(TypeError, match=r"learning_starts must be an int, got float 1\.5"):
        OffPolicyAgentConfig(learning_starts=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("make", [sac.SACAgent, td3.TD3Agent], ids=["sac", "td3"])
def test_update_names_the_field_of_a_malformed_batch(make: Any) -> None:
    """A batch of the wrong shape, dtype or kind is refused before any gradient work, the
    field named (no matrix-product error from inside torch)."""
    config = sac.SACAgentConfig(hidden_sizes=(4,)) if make is sac.SACAgent else None
    agent = make(3, 2, config or td3.TD3AgentConfig(hidden_sizes=(4,)), torch.device("cpu"))
    rows = torch.zeros(5, 3)
    good = common.TensorBatch(rows, torch.zeros(5, 2), torch.ones(5), rows, torch.zeros(5))
    before = [p.detach().clone() for p in agent.actor.parameters()]
    cases: list[tuple[object, type[Exception], str]] = [
        (tuple(good), TypeError, "batch must be a TensorBatch"),
        (good._replace(obs=torch.zeros(5, 4)), ValueError, r"batch.obs must be \[B, obs_dim\]"),
        (good._replace(actions=torch.zeros(5)), ValueError, "batch.actions must be"),
        (good._replace(rewards=torch.ones(5, 1)), ValueError, r"batch.rewards must be \[B\]"),
        (good._replace(terminated=torch.zeros(4)), ValueError, "batch.terminated must be"),
        (
            good._replace(next_obs=rows.double()),
            TypeError,
            "batch.next_obs must be a torch.float32",
        ),
        (good._replace(actions=[[0.0, 0.0]] * 5), TypeError, "batch.actions must be a tensor"),
        (common.TensorBatch(*(x[:0] for x in good)), ValueError, "at least one transition"),
    ]
    for batch, error, message in cases:
        with pytest.raises(error, match=message):
            agent.update(batch)
    after = list(agent.actor.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    agent.update(good)  # the well-formed batch still goes through
