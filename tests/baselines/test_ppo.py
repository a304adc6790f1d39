"""Tests of lagom.baselines.ppo: runs, resume, the typed configuration, policy, actor-critic."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
import torch
from gymnasium import spaces
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Categorical, Independent, Normal

from lagom.baselines import Algorithm, get_algorithm
from lagom.baselines.common import load_checkpoint, load_run_config
from lagom.baselines.ppo import (
    ALGORITHM,
    ZOO,
    ActorCritic,
    AgentConfig,
    PPOAgentConfig,
    PPOConfig,
    default_config,
    run,
)
from lagom.experiment import dotted_fields, from_dotted, parse_dotted, to_dotted
from lagom.networks import DiagGaussianHead
from lagom.transform import LinearSchedule
from tests.baselines._files import FINISHED_RUN, run_files

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
SPACES = {
    "CartPole-v1": (spaces.Box(-1.0, 1.0, (4,), seed=0), spaces.Discrete(2)),
    "Pendulum-v1": (spaces.Box(-8.0, 8.0, (3,), seed=0), spaces.Box(-2.0, 2.0, (1,))),
}
#: The dotted keys of the flat configuration dicts that lagom's PPO has always read.
KEYS = {
    *("env.id", "env.num_envs", "env.native", "env.normalize_obs", "env.normalize_reward"),
    *("env.clip_obs", "env.clip_reward", "agent.hidden_sizes", "agent.activation"),
    *("agent.ortho_init", "agent.log_std_init", "agent.lr", "agent.lr_schedule"),
    *("agent.clip_range", "agent.clip_range_schedule", "agent.clip_range_vf", "agent.ent_coef"),
    *("agent.vf_coef", "agent.max_grad_norm", "agent.gamma", "agent.gae_lambda"),
    *("agent.normalize_advantage", "agent.encoder", "train.timesteps", "train.n_steps"),
    "train.batch_size",
    *("train.n_epochs", "train.checkpoint_every", "train.stop_at", "train.log", "eval.episodes"),
    *("eval.every", "eval.every_episodes"),
}


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny networks: a second intra-op thread only adds contention on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rows(logdir: Path) -> list[dict[str, str]]:
    """The rows of ``logdir/progress.csv``."""
    with open(logdir / "progress.csv", newline="") as f:
        return list(csv.DictReader(f))


def untimed(logdir: Path) -> list[dict[str, str]]:
    """The rows of ``logdir/progress.csv`` without the wall-clock column."""
    return [{k: v for k, v in row.items() if k != "time"} for row in rows(logdir)]


def check_run_folder(algorithm: Algorithm, config: dict[str, Any], logdir: Path) -> None:
    """Run ``config`` (4 iterations of 64 steps); check the files, the rows and the policy."""
    metrics = algorithm.run(config, 0, "cpu", logdir)
    assert run_files(logdir) == FINISHED_RUN
    progress = rows(logdir)
    assert {"iteration", "timesteps", "time", "train_return", "policy_loss", "lr"} <= set(
        progress[0]
    )
    assert [int(r["timesteps"]) for r in progress] == [64, 128, 192, 256]
    assert metrics["episodes"] == config["eval.episodes"]
    assert math.isfinite(metrics["return_mean"])
    observation_space, action_space = SPACES[config["env.id"]]
    actions = algorithm.make_policy(logdir, "cpu")(
        np.stack([observation_space.sample() for _ in range(5)])
    )
    assert len(actions) == 5
    assert all(action_space.contains(np.asarray(a)) for a in actions)


def check_resume(
    algorithm: Algorithm, config: dict[str, Any], stop_at: int, tmp_path: Path
) -> None:
    """A run stopped at ``stop_at`` (two iterations) and resumed equals an uninterrupted one."""
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    final = algorithm.run(config, 3, "cpu", straight)
    assert algorithm.run({**config, "train.stop_at": stop_at}, 3, "cpu", sliced) == {}
    assert not (sliced / "final_eval.yml").exists()
    assert [int(r["timesteps"]) for r in rows(sliced)] == [64, 128]
    assert algorithm.run(config, 3, "cpu", sliced) == final
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    assert a["model"].keys() == b["model"].keys()
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert untimed(straight) == untimed(sliced)


@pytest.mark.parametrize(
    ("env_id", "extra"),
    [
        ("CartPole-v1", {}),
        ("CartPole-v1", {"env.native": False, "agent.clip_range_vf": 0.2}),
        ("Pendulum-v1", {"env.normalize_obs": True, "env.normalize_reward": True}),
    ],
)
def test_smoke_run_writes_the_run_files(tmp_path: Path, env_id: str, extra: dict[str, Any]) -> None:
    check_run_folder(ALGORITHM, {**SMALL, "env.id": env_id, **extra}, tmp_path)


@pytest.mark.parametrize(
    "extra",
    [
        {"env.id": "CartPole-v1"},
        {"env.id": "Pendulum-v1", "env.normalize_obs": True, "env.normalize_reward": True},
    ],
)
def test_stop_and_resume_equals_straight_training(tmp_path: Path, extra: dict[str, Any]) -> None:
    check_resume(ALGORITHM, {**SMALL, **extra, "train.checkpoint_every": 100}, 128, tmp_path)


def test_same_seed_same_numbers(tmp_path: Path) -> None:
    config = {**SMALL, "train.timesteps": 128}
    ALGORITHM.run(config, 1, "cpu", tmp_path / "a")
    ALGORITHM.run(config, 1, "cpu", tmp_path / "b")
    assert untimed(tmp_path / "a") == untimed(tmp_path / "b")


def test_linear_schedules_decay_to_zero_over_the_steps(tmp_path: Path) -> None:
    config = {**SMALL, "agent.lr": 1e-3, "agent.lr_schedule": "linear", "agent.clip_range": 0.3}
    run({**config, "agent.clip_range_schedule": "linear", "eval.episodes": 1}, 0, "cpu", tmp_path)
    lr, clip = LinearSchedule(1e-3, 0.0, 256), LinearSchedule(0.3, 0.0, 256)
    for row in rows(tmp_path):
        t = int(row["timesteps"])
        assert float(row["lr"]) == pytest.approx(lr(t))
        assert float(row["clip_range"]) == pytest.approx(clip(t))
    assert float(row["lr"]) == float(row["clip_range"]) == 0.0
    constant = {**SMALL, "agent.lr_schedule": "constant", "agent.clip_range_schedule": "constant"}
    run({**constant, "eval.episodes": 1}, 0, "cpu", tmp_path / "constant")
    lrs = {(r["lr"], r["clip_range"]) for r in rows(tmp_path / "constant")}
    assert lrs == {("0.001", "0.2")}


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"agent.lrr": 1e-3}, r"unknown config key 'agent\.lrr'; did you mean"),
        ({"agent.gamma": 1.5}, r"'agent\.gamma'.*1\.5"),
        ({"train.batch_size": "64"}, r"'train\.batch_size' expects int"),
        ({"agent.activation": "gelu"}, r"'agent\.activation' expects one of 'tanh', 'relu'"),
        ({"env.num_envs": 0}, r"'env\.num_envs'"),
        ({"env.id": "Blackjack-v1"}, "Box observation space"),
        ({"env.id": "NoSuchEnv-v0"}, "cannot create environment"),
    ],
)
def test_bad_configurations_raise_before_writing(
    tmp_path: Path, config: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        ALGORITHM.run(config, 0, "cpu", tmp_path)
    assert not any(tmp_path.iterdir())


def test_config_sections_validate_their_fields() -> None:
    with pytest.raises(TypeError):
        PPOAgentConfig(ortho_init=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clip_range_schedule"):
        PPOAgentConfig(clip_range_schedule="cosine")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clip_range"):
        PPOAgentConfig(clip_range=0.0)
    with pytest.raises(ValueError, match="hidden_sizes"):
        AgentConfig(hidden_sizes=(64, 0))


def test_configuration_keys_and_round_trips(tmp_path: Path) -> None:
    assert set(dotted_fields(PPOConfig())) == KEYS
    for config in ZOO.values():
        assert from_dotted(PPOConfig(), to_dotted(config)) == config
    config = attrs.evolve(ZOO["CartPole-v1"], agent=PPOAgentConfig(hidden_sizes=(32,)))
    run(
        attrs.evolve(config, train=attrs.evolve(config.train, timesteps=16, n_steps=2)),
        0,
        "cpu",
        tmp_path,
    )
    assert load_run_config(tmp_path, default_config).agent.hidden_sizes == (32,)
    assert parse_dotted(PPOConfig(), ["agent.clip_range_vf=none", "agent.hidden_sizes=16,16"]) == {
        "agent.clip_range_vf": None,
        "agent.hidden_sizes": (16, 16),
    }


def test_cartpole_defaults_are_the_zoo_values() -> None:
    cfg = default_config("CartPole-v1")
    assert (cfg.env.num_envs, cfg.train.n_steps, cfg.train.batch_size) == (8, 32, 256)
    assert (cfg.train.n_epochs, cfg.agent.gamma, cfg.agent.gae_lambda) == (20, 0.98, 0.8)
    assert (cfg.agent.lr, cfg.agent.clip_range, cfg.agent.ent_coef) == (1e-3, 0.2, 0.0)
    assert cfg.agent.lr_schedule == cfg.agent.clip_range_schedule == "linear"
    assert cfg.train.timesteps == 100_000
    assert cfg.agent.hidden_sizes == (64, 64)
    assert default_config("Acrobot-v1") == PPOConfig(
        env=attrs.evolve(PPOConfig().env, id="Acrobot-v1")
    )
    assert get_algorithm("ppo") is ALGORITHM


@given(st.integers(0, 2**16), st.integers(1, 6))
def test_log_prob_entropy_match_torch_distributions(seed: int, n: int) -> None:
    torch.manual_seed(seed)
    obs = torch.randn(n, 3)
    agent = AgentConfig(hidden_sizes=(5,))
    discrete = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(4), agent, "cpu")
    actions = torch.randint(0, 4, (n,))
    logp, entropy = discrete.log_prob_entropy(obs, actions)
    dist = Categorical(logits=discrete.policy_params(obs))
    torch.testing.assert_close(logp, dist.log_prob(actions))  # type: ignore[no-untyped-call]
    torch.testing.assert_close(entropy, dist.entropy())  # type: ignore[no-untyped-call]
    agent = AgentConfig(hidden_sizes=(5,), activation="relu", log_std_init=-0.5)
    box = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,)), agent, "cpu")
    actions = torch.randn(n, 2)
    logp, entropy = box.log_prob_entropy(obs, actions)
    assert isinstance(box.head, DiagGaussianHead)
    gauss = Independent(Normal(box.policy_params(obs), box.head.logstd_head.exp()), 1)
    torch.testing.assert_close(logp, gauss.log_prob(actions))  # type: ignore[no-untyped-call]
    torch.testing.assert_close(entropy, gauss.entropy())  # type: ignore[no-untyped-call]


def test_sampling_follows_the_policy() -> None:
    torch.manual_seed(0)
    agent = AgentConfig(hidden_sizes=(4,))
    model = ActorCritic(spaces.Box(-1, 1, (2,)), spaces.Discrete(3), agent, "cpu")
    with torch.no_grad():
        model.policy_out.weight.zero_()
        model.policy_out.bias.copy_(torch.log(torch.tensor([0.2, 0.3, 0.5])))
        counts = torch.bincount(model.sample(torch.zeros(20_000, 2)), minlength=3)
    np.testing.assert_allclose(counts.numpy() / 20_000, [0.2, 0.3, 0.5], atol=0.015)
    assert model.mode(torch.zeros(1, 2)).tolist() == [2]
    assert (
        model.choose_action(np.zeros((4, 2)), deterministic=True)["raw_action"].tolist() == [2] * 4
    )


def test_box_actions_are_clipped_for_the_environment_only() -> None:
    box = spaces.Box(-1.0, 1.0, (2,))
    agent = AgentConfig(hidden_sizes=(4,), log_std_init=2.0)
    out = ActorCritic(spaces.Box(-1, 1, (3,)), box, agent, "cpu").choose_action(np.zeros((100, 3)))
    raw, action = out["raw_action"], out["action"]
    assert raw.shape == action.shape == (100, 2)
    assert np.abs(raw).max() == 1.0
    assert np.abs(action).max() > 1.0
    np.testing.assert_array_equal(raw, np.clip(action, -1.0, 1.0))


def test_bad_spaces_raise() -> None:
    box = spaces.Box(-1, 1, (2,))
    with pytest.raises(TypeError, match="Box observation space"):
        ActorCritic(spaces.Discrete(2), spaces.Discrete(2), AgentConfig(), "cpu")
    with pytest.raises(TypeError, match="Discrete or Box action space"):
        ActorCritic(box, spaces.MultiBinary(2), AgentConfig(), "cpu")


@pytest.mark.parametrize("action_space", [spaces.Discrete(3), spaces.Box(-1, 1, (2,))])
def test_evaluate_is_log_prob_entropy_and_value(action_space: spaces.Space[Any]) -> None:
    torch.manual_seed(0)
    model = ActorCritic(
        spaces.Box(-1, 1, (3,)), action_space, AgentConfig(hidden_sizes=(5, 4)), "cpu"
    )
    obs = torch.randn(7, 3)
    actions = torch.randint(0, 3, (7,)) if model.discrete else torch.randn(7, 2)
    logp, entropy, values = model.evaluate(obs, actions)
    expected_logp, expected_entropy = model.log_prob_entropy(obs, actions)
    torch.testing.assert_close(logp, expected_logp)
    torch.testing.assert_close(entropy, expected_entropy)
    torch.testing.assert_close(values, model.value(obs))


@pytest.mark.parametrize("max_grad_norm", [1e-3, 1e3])
def test_flat_optimizer_step_equals_clip_grad_norm_and_adam(max_grad_norm: float) -> None:
    """The flat step (one buffer, one norm, one fused Adam) against torch's own clipping and a
    per-parameter Adam on an identical copy: same norm, same weights after three steps."""
    torch.manual_seed(0)
    agent = AgentConfig(hidden_sizes=(6, 5))
    flat_model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,)), agent, "cpu")
    ref = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Box(-1, 1, (2,)), agent, "cpu")
    ref.load_state_dict(flat_model.state_dict())
    buffer = flat_model.flatten_parameters()
    assert buffer.numel() == sum(p.numel() for p in ref.parameters())
    flat_opt = torch.optim.Adam([buffer], lr=1e-2, eps=1e-5, fused=True)
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-2, eps=1e-5)
    obs, actions = torch.randn(16, 3), torch.randn(16, 2)
    for _ in range(3):
        norm = flat_model.optimizer_step(
            flat_opt, _toy_loss(flat_model, obs, actions), max_grad_norm
        )
        ref_opt.zero_grad()
        torch.autograd.backward(_toy_loss(ref, obs, actions))
        grads = [p.grad for p in ref.parameters() if p.grad is not None]
        expected = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))
        torch.nn.utils.clip_grad_norm_(list(ref.parameters()), max_grad_norm)
        ref_opt.step()
        torch.testing.assert_close(norm, expected)
    state, expected_state = flat_model.state_dict(), ref.state_dict()
    assert state.keys() == expected_state.keys()
    for key in state:
        torch.testing.assert_close(state[key], expected_state[key], rtol=1e-5, atol=1e-6)


def _toy_loss(model: ActorCritic, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    logp, entropy, values = model.evaluate(obs, actions)
    return -(logp * obs[:, 0]).mean() + (values - 1.0).square().mean() - 0.01 * entropy.mean()


def test_optimizer_step_rejects_a_bad_max_grad_norm() -> None:
    model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), AgentConfig(), "cpu")
    optimizer = torch.optim.Adam([model.flatten_parameters()])
    logp, _, values = model.evaluate(torch.zeros(2, 3), torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="max_grad_norm must be a positive number"):
        model.optimizer_step(optimizer, (logp + values).sum(), 0.0)


def test_optimizer_step_over_another_single_tensor_takes_the_plain_path() -> None:
    """An optimizer over one tensor of the buffer's size that is not the buffer: the plain
    path (backward, clipping over the parameters), not the flat one."""
    model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), AgentConfig(), "cpu")
    buffer = model.flatten_parameters()
    other = torch.nn.Parameter(torch.zeros_like(buffer))
    optimizer = torch.optim.SGD([other], lr=0.1)
    logp, _, values = model.evaluate(torch.zeros(2, 3), torch.zeros(2, dtype=torch.int64))
    params = [p for p in model.parameters() if p is not buffer]
    grads = torch.autograd.grad((logp + values).sum(), params, retain_graph=True)
    expected = float(torch.sqrt(sum((g**2).sum() for g in grads)))
    assert expected > 0.5  # large enough for the clipping to act
    norm = model.optimizer_step(optimizer, (logp + values).sum(), 0.5)
    assert float(norm) == pytest.approx(expected, rel=1e-6)  # the norm before clipping
    assert buffer.grad is None  # the flat path would have set it
    clipped = [p.grad for p in params]
    assert all(g is not None for g in clipped)
    total = float(torch.sqrt(sum((g**2).sum() for g in clipped if g is not None)))
    assert total == pytest.approx(0.5, rel=1e-5)  # clipped over the model's parameters
