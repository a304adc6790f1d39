"""Image observations through DQN and PPO: MinAtar Breakout (``[10, 10, 4]`` bool) and Atari
(``[4, 84, 84]`` uint8 after gymnasium's preprocessing), stored in their own dtype, with
checkpoints and a bit-exact resume."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from lagom.baselines import dqn, ppo
from lagom.baselines.common import load_checkpoint, make_env, resolve_config
from lagom.networks import CNNEncoder

MINATAR = "MinAtar/Breakout-v1"
DQN_SMALL: dict[str, Any] = {
    "env.id": MINATAR,
    "train.timesteps": 200,
    "train.log_interval": 100,
    "agent.learning_starts": 100,
    "agent.buffer_size": 1000,
    "agent.target_update_interval": 50,
    "agent.hidden_sizes": [32],
    "eval.episodes": 1,
}


def rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return [{k: v for k, v in r.items() if k != "time"} for r in csv.DictReader(f)]


def test_minatar_dqn_stores_bool_frames_and_resumes_bit_exactly(tmp_path: Path) -> None:
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    expected = dqn.run(DQN_SMALL, 3, "cpu", straight)
    assert dqn.run({**DQN_SMALL, "train.stop_at": 100}, 3, "cpu", sliced) == {}
    assert dqn.run({**DQN_SMALL, "train.stop_at": 100}, 3, "cpu", sliced) == expected
    assert rows(straight) == rows(sliced)
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    frames = a["replay"]["observations"][""]
    assert frames.dtype == np.bool_
    assert frames.shape == (200, 10, 10, 4)
    for key in ("observations", "next_observations"):
        np.testing.assert_array_equal(a["replay"][key][""], b["replay"][key][""])
    for part in ("q_net", "q_net_target"):
        assert all(torch.equal(v, b["agent"][part][k]) for k, v in a["agent"][part].items())
    assert any(key.startswith("encoder.convs") for key in a["agent"]["q_net"])
    actions = dqn.make_policy(straight, "cpu")(np.zeros((3, 10, 10, 4), bool))
    assert actions.shape == (3,)


def test_minatar_ppo_keeps_bool_observations_in_rollout_and_batch(tmp_path: Path) -> None:
    config = ppo.PPOConfig(
        ppo.EnvConfig(id=MINATAR, num_envs=2),
        ppo.PPOAgentConfig(hidden_sizes=(16,)),
        ppo.PPOTrainConfig(timesteps=128, n_steps=32, batch_size=32, n_epochs=1),
        ppo.EvalConfig(episodes=1),
    )
    learner = ppo.Learner("ppo", config, seed=0, device="cpu", logdir=tmp_path)
    assert isinstance(learner.model.encoder, CNNEncoder)
    batch = learner.collect()
    assert batch.observations.dtype == torch.bool
    assert batch.observations.shape == (64, 10, 10, 4)
    rollout, _ = learner.train_env.runner(learner.model, learner.train_env.env, T=2)
    assert rollout.observations.dtype == np.bool_
    metrics = ppo.train(config, 0, "cpu", tmp_path / "run")
    assert metrics["episodes"] == 1.0
    assert ppo.make_policy(tmp_path / "run", "cpu")(np.zeros((2, 10, 10, 4), bool)).shape == (2,)


def test_atari_pipeline_with_gymnasium_preprocessing(tmp_path: Path) -> None:
    env = make_env("ALE/Pong-v5")
    assert env.observation_space.shape == (4, 84, 84)
    assert env.observation_space.dtype == np.uint8
    env.close()
    keys = {
        "env.id": "ALE/Pong-v5",
        "train.timesteps": 40,
        "train.log_interval": 20,
        "agent.learning_starts": 20,
        "agent.batch_size": 4,
        "agent.buffer_size": 100,
        "eval.episodes": 1,
    }
    config = resolve_config(dqn.default_config, keys, "ALE/Pong-v5")
    assert config.agent.hidden_sizes == ()  # dqn.ATARI's
    assert config.agent.lr == 1e-4
    learner = dqn.Learner(config, 0, "cpu", tmp_path / "atari")
    # The Nature CNN's 512 features go straight into the head, as in SB3's CnnPolicy.
    assert len(learner.agent.q_net.layers) == 0
    assert learner.agent.q_net.head.in_features == 512
    for _ in range(40):
        learner.step(epsilon=1.0)
    losses = learner.learn(beta=1.0)
    assert np.isfinite(float(losses["loss"]))
    assert learner.buffer.observations.dtype == np.uint8
    assert learner.buffer.observations.shape == (40, 4, 84, 84)
    learner.save()
    state = load_checkpoint(tmp_path / "atari")
    assert state is not None
    assert state["replay"]["observations"][""].dtype == np.uint8
    with pytest.warns(RuntimeWarning, match="no environment state"):  # ALE's C emulator
        resumed = dqn.Learner(config, 0, "cpu", tmp_path / "atari")
    assert resumed.timesteps == 40
    np.testing.assert_array_equal(resumed.buffer.observations, learner.buffer.observations)
    learner.env.close()
    resumed.env.close()


def test_dqn_acts_greedily_on_frames_of_the_space_and_of_other_dtypes() -> None:
    import gymnasium as gym

    space = gym.spaces.Box(0, 1, (10, 10, 4), bool)
    torch.manual_seed(0)
    agent = dqn.DQNAgent(400, 3, dqn.DQNAgentConfig(hidden_sizes=(16,)), torch.device("cpu"), space)
    rng = np.random.default_rng(0)
    frames = rng.random((20, 10, 10, 4)) < 0.3
    with torch.no_grad():
        greedy = agent.q_net(torch.from_numpy(frames)).argmax(dim=1).tolist()
    assert len(set(greedy)) > 1  # the frames tell the actions apart
    # Frames of the space's dtype and shape (copied into the agent's input), and the same
    # frames as uint8 and float64 arrays or a list (taken as they are).
    assert [agent.act(f) for f in frames] == greedy
    assert [agent.act(f.astype(np.uint8)) for f in frames] == greedy
    assert [agent.act(f.astype(np.float64)) for f in frames] == greedy
    assert agent.act(frames[0].tolist()) == greedy[0]
    with pytest.raises(ValueError, match="shape"):
        agent.act(frames[0].T)


@pytest.mark.parametrize(
    ("observation", "error", "match"),
    [
        (np.zeros(5), ValueError, "observation must hold 4 numbers"),
        ("abcd", TypeError, "real numbers"),
        (np.array(["a", "b", "c", "d"]), TypeError, "real numbers"),
        (np.array([0.0, np.nan, 1.0, 2.0]), ValueError, "observation must be finite"),
        ([0.0, 1.0, np.inf, 2.0], ValueError, "observation must be finite"),
    ],
)
def test_dqn_act_names_a_flat_observation_of_another_size_or_kind(
    observation: Any, error: type, match: str
) -> None:
    agent = dqn.DQNAgent(4, 2, dqn.DQNAgentConfig(hidden_sizes=(8,)), torch.device("cpu"))
    assert agent.act(np.arange(4.0)) in (0, 1)
    assert agent.act([0, 1, 2, 3]) == agent.act(np.arange(4.0))
    with pytest.raises(error, match=match):
        agent.act(observation)
