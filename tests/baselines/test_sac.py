"""Tests of ``lagom.baselines.sac``: the squashed Gaussian, the update rule, loop and resume."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
import torch
from torch.distributions import Normal

from lagom.baselines.common import load_checkpoint, start_run
from lagom.baselines.sac import (
    ALGORITHM,
    PENDULUM,
    SACAgent,
    SACAgentConfig,
    SACConfig,
    SquashedGaussianActor,
    default_config,
)
from lagom.experiment import to_dotted
from lagom.metric import batched_td0_target
from tests.baselines.test_td3 import (
    CPU,
    SHARED_KEYS,
    check_resume,
    check_smoke,
    record_targets,
    two_transition_batch,
)


def test_log_prob_is_the_change_of_variables_of_a_gaussian() -> None:
    actor = SquashedGaussianActor(3, 2, [8])
    obs = 3 * torch.randn(64, 3)
    torch.manual_seed(5)
    actions, log_probs = actor.sample(obs)
    torch.manual_seed(5)  # the same noise again, for the float64 oracle
    with torch.no_grad():
        mean, log_std = (t.double() for t in actor(obs))
        u = mean + log_std.exp() * torch.randn_like(mean.float()).double()
        gaussian = Normal(mean, log_std.exp()).log_prob(u)  # type: ignore[no-untyped-call]
        expected = gaussian - torch.log1p(-(torch.tanh(u) ** 2))
    torch.testing.assert_close(actions.double(), torch.tanh(u))
    torch.testing.assert_close(log_probs.double(), expected.sum(-1), rtol=1e-4, atol=1e-4)


def test_log_prob_stays_finite_where_tanh_saturates() -> None:
    actor = SquashedGaussianActor(1, 1, [4])
    with torch.no_grad():
        actor.head.bias.copy_(torch.tensor([30.0, -20.0]))  # mean 30, std e^-20
        actor.head.weight.zero_()
        torch.manual_seed(0)
        _, log_probs = actor.sample(torch.zeros(5, 1))
    assert torch.isfinite(log_probs).all()
    # u = 30 + e^-20 * eps is 30 in float32: log N(u) = -eps^2 / 2 + 20 - log(2 pi) / 2, and
    # -log(1 - tanh(u)^2) = 2 (u - log 2 + softplus(-2u)), with softplus(-60) below float32.
    torch.manual_seed(0)
    eps = torch.randn(5, 1, dtype=torch.float64)
    expected = -0.5 * eps**2 + 20 - 0.5 * math.log(2 * math.pi) + 2 * (30 - math.log(2))
    torch.testing.assert_close(log_probs.double(), expected.sum(-1), rtol=1e-5, atol=1e-4)


def test_log_std_is_clamped() -> None:
    actor = SquashedGaussianActor(1, 1, [4])
    with torch.no_grad():
        actor.head.weight.zero_()
        actor.head.bias.copy_(torch.tensor([0.0, 50.0]))
        assert float(actor(torch.zeros(1, 1))[1]) == 2.0
        actor.head.bias.copy_(torch.tensor([0.0, -50.0]))
        assert float(actor(torch.zeros(1, 1))[1]) == -20.0


def _agent(**changes: Any) -> SACAgent:
    config = SACAgentConfig(hidden_sizes=(8,), lr=1e-3, gamma=0.9, tau=0.1)
    return SACAgent(3, 1, attrs.evolve(config, **changes), CPU)


def test_critic_and_temperature_losses_follow_the_sac_formulas() -> None:
    torch.manual_seed(0)
    agent = _agent(init_alpha=0.5)
    # One terminated and one truncated transition: only the first drops the bootstrap.
    batch = two_transition_batch(6)
    torch.manual_seed(11)
    with torch.no_grad():  # oracle: the update draws pi(.|s) first, then pi(.|s')
        _, log_probs = agent.actor.sample(batch.obs)
        next_actions, next_log_probs = agent.actor.sample(batch.next_obs)
        q_next = agent.critic_target(batch.next_obs, next_actions)
        q = agent.critic(batch.obs, batch.actions)
    critic_loss = alpha_loss = 0.0
    for j in range(6):
        soft = float(q_next[j].min()) - 0.5 * float(next_log_probs[j])
        y = float(batch.rewards[j]) + (0.0 if batch.terminated[j] == 1 else 0.9 * soft)
        critic_loss += 0.5 * sum((float(q[j, i]) - y) ** 2 for i in range(2)) / 6
        alpha_loss += -math.log(0.5) * (float(log_probs[j]) - 1.0) / 6
    torch.manual_seed(11)
    losses = agent.update(batch)
    assert float(losses["critic_loss"]) == pytest.approx(critic_loss, rel=1e-5)
    assert float(losses["alpha_loss"]) == pytest.approx(alpha_loss, rel=1e-5)
    assert float(agent.alpha) < 0.5  # entropy above its target lowers the temperature


def test_the_updates_target_is_the_cores_td0_target_of_the_soft_value() -> None:
    """The target of an update equals ``batched_td0_target`` with the entropy term folded
    into the next values: ``min_i Q'_i(s', a') - alpha log pi(a'|s')``."""
    agent = _agent(init_alpha=0.3)
    batch = two_transition_batch(16)
    torch.manual_seed(7)
    with torch.no_grad():  # the update draws pi(.|s) before pi(.|s')
        agent.actor.sample(batch.obs)
        next_actions, next_log_probs = agent.actor.sample(batch.next_obs)
        next_q = agent.critic_target(batch.next_obs, next_actions).amin(dim=1)
        soft_values = (next_q - agent.alpha * next_log_probs).numpy()
    expected = batched_td0_target(
        0.9, batch.rewards.numpy(), soft_values, terminated=batch.terminated.numpy()
    )
    seen = record_targets(agent)
    torch.manual_seed(7)
    agent.update(batch)
    np.testing.assert_allclose(seen[0].numpy(), expected, rtol=1e-6)
    assert set(batch.terminated.tolist()) == {0.0, 1.0}


def test_critic_targets_move_by_polyak_averaging() -> None:
    agent = _agent(tau=0.25)
    before = {k: v.clone() for k, v in agent.critic_target.state_dict().items()}
    agent.update(two_transition_batch(8))
    online = agent.critic.state_dict()
    for key, value in agent.critic_target.state_dict().items():
        torch.testing.assert_close(value, 0.75 * before[key] + 0.25 * online[key])


def test_sample_actions_are_the_actions_of_the_same_draw() -> None:
    actor = SquashedGaussianActor(3, 2, [8])
    obs = torch.randn(16, 3)
    torch.manual_seed(3)
    actions = actor.sample_actions(obs)
    after = torch.randn(1)  # the generator moved on by exactly one draw of noise
    torch.manual_seed(3)
    expected, _ = actor.sample(obs)
    torch.testing.assert_close(actions, expected, rtol=0, atol=0)
    assert torch.equal(torch.randn(1), after)
    # Acting uses it: the agent's action is the first row of the same draw.
    agent = SACAgent(3, 2, SACAgentConfig(hidden_sizes=(8,)), CPU)
    agent.actor.load_state_dict(actor.state_dict())
    torch.manual_seed(4)
    acted = agent.act(np.ones(3, dtype=np.float32))
    torch.manual_seed(4)
    sampled = actor.sample(torch.ones(1, 3))[0][0].detach().numpy()
    np.testing.assert_array_equal(acted, sampled)


def test_target_entropy_defaults_to_minus_the_action_size() -> None:
    assert SACAgent(3, 4, SACAgentConfig(hidden_sizes=(8,)), CPU).target_entropy == -4.0
    config = SACAgentConfig(hidden_sizes=(8,), target_entropy=0.5)
    assert SACAgent(3, 4, config, CPU).target_entropy == 0.5


def test_smoke(tmp_path: Path) -> None:
    check_smoke("sac", tmp_path, {"critic_loss", "actor_loss", "alpha_loss", "alpha"}, 2)
    state = load_checkpoint(tmp_path)
    assert state is not None
    assert set(state["agent"]) == {*SACAgent.PARTS, "log_alpha"}


def test_resume_gives_identical_parameters(tmp_path: Path) -> None:
    check_resume(ALGORITHM.run, tmp_path)


def test_config_keeps_the_dotted_keys_and_the_zoo_values() -> None:
    assert set(to_dotted(SACConfig())) == SHARED_KEYS | {"agent.init_alpha", "agent.target_entropy"}
    cfg = default_config()
    assert cfg is PENDULUM
    assert (cfg.env.id, cfg.agent.lr, cfg.train.timesteps) == ("Pendulum-v1", 1e-3, 20_000)
    assert (cfg.agent.batch_size, cfg.agent.learning_starts) == (256, 100)
    assert (cfg.agent.hidden_sizes, cfg.agent.buffer_size) == ((256, 256), 1_000_000)
    other = default_config("MountainCarContinuous-v0")
    assert (other.env.id, other.agent.lr) == ("MountainCarContinuous-v0", 3e-4)


def test_config_and_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'agent\.alpha'"):
        ALGORITHM.run({"agent.alpha": 0.1}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'agent\.hidden_sizes'"):
        ALGORITHM.run({"agent.hidden_sizes": [0]}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="sac needs a Box action space"):
        ALGORITHM.run({"env.id": "CartPole-v1"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="'tau' must be > 0"):
        SACAgentConfig(tau=0.0)
    with pytest.raises(ValueError, match="'init_alpha' must be > 0"):
        SACAgentConfig(init_alpha=-1.0)
    with pytest.raises(ValueError, match="unknown device"):
        ALGORITHM.run({"train.timesteps": 10}, 0, "gpu", tmp_path)
    start_run(tmp_path, "sac", SACConfig(), 0)  # a run folder without a checkpoint
    with pytest.raises(ValueError, match=r"holds no policy\.pt"):
        ALGORITHM.make_policy(tmp_path, "cpu")
