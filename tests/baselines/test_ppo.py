"""Tests of lagom.baselines.ppo: smoke runs, resume, configuration, policy, the actor-critic."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from gymnasium import spaces
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Categorical, Independent, Normal

from lagom.baselines import get_algorithm
from lagom.baselines._common import load_checkpoint
from lagom.baselines.ppo import ALGORITHM, ActorCritic, default_config, schedule
from lagom.networks import DiagGaussianHead

# A few hundred steps: 4 envs x 16 steps = 64 per iteration, 4 iterations.
SMALL = {
    "env.num_envs": 4,
    "train.n_steps": 16,
    "train.batch_size": 32,
    "train.n_epochs": 2,
    "train.timesteps": 256,
    "train.checkpoint_every": 1,
    "eval.episodes": 2,
}


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Any:
    """Tiny networks: a second intra-op thread only adds contention on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


COLUMNS = {"iteration", "timesteps", "time", "train_return", "policy_loss", "value_loss"}


def _rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("env_id", "extra"),
    [
        ("CartPole-v1", {}),
        ("CartPole-v1", {"env.native": False, "agent.clip_range_vf": 0.2}),
        ("Pendulum-v1", {"env.normalize_obs": True, "env.normalize_reward": True}),
    ],
)
def test_smoke_run_writes_the_run_files(tmp_path: Path, env_id: str, extra: dict[str, Any]) -> None:
    metrics = ALGORITHM.run({**SMALL, "env.id": env_id, **extra}, 0, "cpu", tmp_path)
    for name in ("run.yml", "progress.csv", "checkpoint.pt", "final_eval.yml"):
        assert (tmp_path / name).exists(), name
    rows = _rows(tmp_path)
    assert set(rows[0]) >= COLUMNS
    assert [int(r["timesteps"]) for r in rows] == [64, 128, 192, 256]
    assert metrics["episodes"] == 2.0
    assert math.isfinite(metrics["return_mean"])
    policy = ALGORITHM.make_policy(tmp_path, "cpu")
    observations = np.stack([ALGORITHM_SPACE[env_id][0].sample() for _ in range(5)])
    actions = policy(observations)
    assert len(actions) == 5
    assert all(ALGORITHM_SPACE[env_id][1].contains(np.asarray(a)) for a in actions)


ALGORITHM_SPACE = {
    "CartPole-v1": (
        spaces.Box(-1.0, 1.0, (4,), seed=0),
        spaces.Discrete(2),
    ),
    "Pendulum-v1": (
        spaces.Box(-8.0, 8.0, (3,), seed=0),
        spaces.Box(-2.0, 2.0, (1,)),
    ),
}


@pytest.mark.parametrize(
    "extra",
    [{}, {"env.id": "Pendulum-v1", "env.normalize_obs": True, "env.normalize_reward": True}],
)
def test_stop_and_resume_equals_straight_training(tmp_path: Path, extra: dict[str, Any]) -> None:
    config = {**SMALL, **extra, "train.checkpoint_every": 100}
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    ALGORITHM.run(config, 3, "cpu", straight)
    assert ALGORITHM.run({**config, "train.stop_at": 128}, 3, "cpu", sliced) == {}
    assert not (sliced / "final_eval.yml").exists()
    assert [int(r["timesteps"]) for r in _rows(sliced)] == [64, 128]
    ALGORITHM.run(config, 3, "cpu", sliced)
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    assert a["model"].keys() == b["model"].keys()
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    drop_time = [{k: v for k, v in r.items() if k != "time"} for r in _rows(straight)]
    assert drop_time == [{k: v for k, v in r.items() if k != "time"} for r in _rows(sliced)]


def test_same_seed_same_numbers(tmp_path: Path) -> None:
    config = {**SMALL, "train.timesteps": 128}
    ALGORITHM.run(config, 1, "cpu", tmp_path / "a")
    ALGORITHM.run(config, 1, "cpu", tmp_path / "b")
    first = [{k: v for k, v in r.items() if k != "time"} for r in _rows(tmp_path / "a")]
    assert first == [{k: v for k, v in r.items() if k != "time"} for r in _rows(tmp_path / "b")]


def test_unknown_config_key_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.lrr'"):
        ALGORITHM.run({"agent.lrr": 1e-3}, 0, "cpu", tmp_path)


def test_unsupported_environment_raises() -> None:
    with pytest.raises(ValueError, match="Box observation space"):
        default_config("Blackjack-v1")


def test_cartpole_defaults_are_the_zoo_values() -> None:
    cfg = default_config("CartPole-v1")
    assert (cfg["env.num_envs"], cfg["train.n_steps"], cfg["train.batch_size"]) == (8, 32, 256)
    assert (cfg["train.n_epochs"], cfg["agent.gamma"], cfg["agent.gae_lambda"]) == (20, 0.98, 0.8)
    assert (cfg["agent.lr"], cfg["agent.clip_range"], cfg["agent.ent_coef"]) == (1e-3, 0.2, 0.0)
    assert cfg["agent.lr_schedule"] == cfg["agent.clip_range_schedule"] == "linear"
    assert cfg["train.timesteps"] == 100_000
    assert cfg["agent.hidden_sizes"] == [64, 64]
    assert get_algorithm("ppo") is ALGORITHM


def test_schedule() -> None:
    assert schedule("linear", 2.0, 0.25) == 1.5
    assert schedule("linear", 2.0, 1.5) == 0.0
    assert schedule("constant", 2.0, 0.9) == 2.0
    with pytest.raises(ValueError, match="'constant' or 'linear'"):
        schedule("cosine", 1.0, 0.0)


@given(st.integers(0, 2**16), st.integers(1, 6))
def test_log_prob_entropy_match_torch_distributions(seed: int, n: int) -> None:
    torch.manual_seed(seed)
    obs = torch.randn(n, 3)
    discrete = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(4), [5], "tanh", "cpu")
    actions = torch.randint(0, 4, (n,))
    logp, entropy = discrete.log_prob_entropy(obs, actions)
    dist = Categorical(logits=discrete.policy_params(obs))
    torch.testing.assert_close(logp, dist.log_prob(actions))  # type: ignore[no-untyped-call]
    torch.testing.assert_close(entropy, dist.entropy())  # type: ignore[no-untyped-call]
    box = ActorCritic(
        spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,)), [5], "relu", "cpu", log_std_init=-0.5
    )
    actions = torch.randn(n, 2)
    logp, entropy = box.log_prob_entropy(obs, actions)
    assert isinstance(box.head, DiagGaussianHead)
    gauss = Independent(Normal(box.policy_params(obs), box.head.logstd_head.exp()), 1)
    torch.testing.assert_close(logp, gauss.log_prob(actions))  # type: ignore[no-untyped-call]
    torch.testing.assert_close(entropy, gauss.entropy())  # type: ignore[no-untyped-call]


def test_sampling_follows_the_policy() -> None:
    torch.manual_seed(0)
    model = ActorCritic(spaces.Box(-1, 1, (2,)), spaces.Discrete(3), [4], "tanh", "cpu")
    with torch.no_grad():
        model.policy_out.weight.zero_()
        model.policy_out.bias.copy_(torch.log(torch.tensor([0.2, 0.3, 0.5])))
        counts = torch.bincount(model.sample(torch.zeros(20_000, 2)), minlength=3)
    np.testing.assert_allclose(counts.numpy() / 20_000, [0.2, 0.3, 0.5], atol=0.015)
    assert model.mode(torch.zeros(1, 2)).tolist() == [2]


def test_bad_spaces_and_activation_raise() -> None:
    box = spaces.Box(-1, 1, (2,))
    with pytest.raises(TypeError, match="Box observation space"):
        ActorCritic(spaces.Discrete(2), spaces.Discrete(2), [4], "tanh", "cpu")
    with pytest.raises(TypeError, match="Discrete or Box action space"):
        ActorCritic(box, spaces.MultiBinary(2), [4], "tanh", "cpu")
    with pytest.raises(ValueError, match="activation must be one of"):
        ActorCritic(box, spaces.Discrete(2), [4], "gelu", "cpu")
