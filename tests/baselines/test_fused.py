"""Tests of the fused steps of PPO, DQN and SAC: the gradients written out by hand equal autograd's.

Every comparison runs :func:`lagom.baselines.ppo.update` (or :meth:`DQNAgent.update`) twice
on the same float64 model and batch, once with the fused step and once with it switched off
(the autograd path, the reference), and compares the parameters after the steps and the
returned statistics.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from gymnasium import spaces
from hypothesis import given, settings
from hypothesis import strategies as st

from lagom.baselines import ppo
from lagom.baselines._fused import (
    FusedDQNStep,
    FusedPPOStep,
    FusedSACStep,
    _HandEnsemble,
    _weight_grad,
    tanh,
)
from lagom.baselines.common import TensorBatch
from lagom.baselines.dqn import DQNAgent, DQNAgentConfig, NStepTensors
from lagom.baselines.ppo import (
    ActorCritic,
    Batch,
    PPOAgentConfig,
    PPOConfig,
    PPOTrainConfig,
    update,
)
from lagom.baselines.sac import SACAgent, SACAgentConfig
from lagom.networks import QEnsemble


def _model(
    discrete: bool, obs_dim: int, action_dim: int, agent: PPOAgentConfig, device: str = "cpu"
) -> ActorCritic:
    action_space: spaces.Space[object] = (
        spaces.Discrete(action_dim) if discrete else spaces.Box(-1.0, 1.0, (action_dim,))
    )
    torch.manual_seed(0)
    model = ActorCritic(spaces.Box(-1.0, 1.0, (obs_dim,)), action_space, agent, device)
    return model.double()


def _batch(model: ActorCritic, n: int, obs_dim: int, seed: int, adv_zero: bool) -> Batch:
    g = torch.Generator().manual_seed(seed)

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    obs = normal(n, obs_dim)
    if model.discrete:
        n_actions = model.policy_out.out_features
        actions = torch.randint(0, n_actions, (n,), generator=g)
    else:
        actions = normal(n, model.policy_out.out_features)
    with torch.no_grad():
        log_probs = model.log_prob_entropy(obs, actions)[0]
    # Half the rows keep the ratio at exactly 1 (min's tie, inside the bounds); the others
    # move it, often outside them.
    shift = 0.4 * normal(n) * (torch.arange(n) % 2)
    advantages = torch.zeros(n, dtype=torch.float64) if adv_zero else normal(n)
    values, returns = normal(n), normal(n)
    return Batch(obs, actions, log_probs + shift, values, advantages, returns)


def _run(
    model: ActorCritic, batch: Batch, config: PPOConfig, fused: bool
) -> tuple[torch.Tensor, dict[str, float]]:
    model = copy.deepcopy(model)
    flat = model.flatten_parameters()
    optimizer = torch.optim.SGD([flat], lr=1.0)
    if fused:
        assert FusedPPOStep.of(model, optimizer) is not None
        stats = update(model, optimizer, batch, config, clip_range=config.agent.clip_range)
    else:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FusedPPOStep, "of", classmethod(lambda cls, m, o: None))
            stats = update(model, optimizer, batch, config, clip_range=config.agent.clip_range)
    return flat.detach().clone(), stats


@settings(max_examples=60, deadline=None)
@given(
    discrete=st.booleans(),
    obs_dim=st.integers(1, 5),
    action_dim=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 6), max_size=3).map(tuple),
    activation=st.sampled_from(["tanh", "relu"]),
    clip_range_vf=st.sampled_from([None, 0.05, 1.0]),
    ent_coef=st.sampled_from([0.0, 0.01, 0.5]),
    normalize=st.booleans(),
    n=st.integers(1, 12),
    batch_size=st.integers(1, 12),
    n_epochs=st.integers(1, 3),
    max_grad_norm=st.sampled_from([1e-3, 0.5, 1e6]),
    seed=st.integers(0, 2**16),
    adv_zero=st.booleans(),
)
def test_fused_update_equals_autograd(
    discrete: bool,
    obs_dim: int,
    action_dim: int,
    hidden: tuple[int, ...],
    activation: str,
    clip_range_vf: float | None,
    ent_coef: float,
    normalize: bool,
    n: int,
    batch_size: int,
    n_epochs: int,
    max_grad_norm: float,
    seed: int,
    adv_zero: bool,
) -> None:
    if discrete and action_dim < 2:
        action_dim = 2
    agent = PPOAgentConfig(
        hidden_sizes=hidden,
        activation=activation,  # type: ignore[arg-type]
        clip_range=0.2,
        clip_range_vf=clip_range_vf,
        ent_coef=ent_coef,
        vf_coef=0.7,
        normalize_advantage=normalize,
        max_grad_norm=max_grad_norm,
    )
    config = PPOConfig(agent=agent, train=PPOTrainConfig(batch_size=batch_size, n_epochs=n_epochs))
    model = _model(discrete, obs_dim, action_dim, agent)
    batch = _batch(model, n, obs_dim, seed, adv_zero)
    torch.manual_seed(seed)  # the same minibatch permutations on both sides
    fused, fused_stats = _run(model, batch, config, fused=True)
    torch.manual_seed(seed)
    reference, reference_stats = _run(model, batch, config, fused=False)
    np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-9, atol=1e-12)
    assert fused_stats.keys() == reference_stats.keys()
    for key, value in reference_stats.items():
        assert math.isclose(fused_stats[key], value, rel_tol=1e-9, abs_tol=1e-12), key


def test_fused_step_changes_the_parameters_like_adam_on_autograd() -> None:
    """float32, the zoo's CartPole settings with Adam: both paths stay within float error."""
    config = ppo.ZOO["CartPole-v1"]
    torch.manual_seed(0)
    model = ActorCritic(spaces.Box(-1.0, 1.0, (4,)), spaces.Discrete(2), config.agent, "cpu")
    obs, actions, *rest = _batch(model.double(), 256, 4, 0, False)
    assert isinstance(obs, torch.Tensor)
    batch = Batch(obs.float(), actions, *(x.float() for x in rest))
    model = model.float()
    results = []
    for fused in (True, False):
        copy_ = copy.deepcopy(model)
        flat = copy_.flatten_parameters()
        optimizer = torch.optim.Adam([flat], lr=1e-3, eps=1e-5)
        torch.manual_seed(1)
        with pytest.MonkeyPatch.context() as patch:
            if not fused:
                patch.setattr(FusedPPOStep, "of", classmethod(lambda cls, m, o: None))
            update(copy_, optimizer, batch, config, clip_range=0.2)
        results.append(flat.detach().clone())
    moved = (results[1] - model.flatten_parameters().detach()).abs().max()
    assert float(moved) > 1e-3  # 20 Adam steps at lr 1e-3 move the weights
    assert float((results[0] - results[1]).abs().max()) < 1e-5


def test_fused_step_applies_only_where_it_knows_the_model() -> None:
    agent = PPOAgentConfig(hidden_sizes=(4,))
    model = ActorCritic(spaces.Box(-1.0, 1.0, (3,)), spaces.Discrete(2), agent, "cpu")
    plain = torch.optim.Adam(model.parameters())
    assert FusedPPOStep.of(model, plain) is None  # parameters not flattened
    with pytest.raises(ValueError, match="flatten_parameters"):
        FusedPPOStep(model, plain)
    flat = model.flatten_parameters()
    assert FusedPPOStep.of(model, torch.optim.Adam([flat])) is not None
    assert FusedPPOStep.of(model, torch.optim.Adam(model.parameters())) is None
    images = spaces.Box(0, 255, (10, 10, 1), dtype=np.uint8)
    cnn = ActorCritic(images, spaces.Discrete(2), PPOAgentConfig(encoder="cnn"), "cpu")
    assert FusedPPOStep.of(cnn, torch.optim.Adam([cnn.flatten_parameters()])) is None


def _old_log_prob(current: float, ratio: float) -> float:
    """A float64 ``old`` with ``exp(current - old) == ratio`` exactly (searched around
    ``current - log(ratio)``)."""
    old = current - math.log(ratio)
    for _ in range(200):
        got = math.exp(current - old)
        if got == ratio:
            return old
        old = math.nextafter(old, math.inf if got > ratio else -math.inf)
    raise AssertionError(f"no float64 old log-probability for ratio {ratio}")


@pytest.mark.parametrize("discrete", [True, False])
def test_fused_update_equals_autograd_at_the_clipping_bounds(discrete: bool) -> None:
    """Ratios exactly at 1 - ε and 1 + ε: ties of min, where clamp passes the gradient."""
    # Log-probabilities near 0 (Gaussian: σ = 1/√(2π), actions at the mean), where float64
    # is fine enough to find an old log-probability giving each ratio exactly. No clipping of
    # the gradient norm, which would hide a gradient scaled by a common factor.
    agent = PPOAgentConfig(
        hidden_sizes=(5,),
        clip_range=0.25,
        normalize_advantage=False,
        log_std_init=-0.5 * math.log(2.0 * math.pi),
        max_grad_norm=1e6,
    )
    config = PPOConfig(agent=agent, train=PPOTrainConfig(batch_size=8, n_epochs=1))
    model = _model(discrete, 3, 2 if discrete else 1, agent)
    obs, actions, _, values, _, returns = _batch(model, 8, 3, 0, False)
    if not discrete:
        actions = model.policy_params(obs).detach() + 0.05
    with torch.no_grad():
        current = model.log_prob_entropy(obs, actions)[0].tolist()
    bounds = [0.75, 1.25] * 4
    old = [_old_log_prob(c, r) for c, r in zip(current, bounds, strict=True)]
    advantages = torch.tensor([-1.0, 1.0, 1.0, -1.0] * 2, dtype=torch.float64)
    log_probs = torch.tensor(old, dtype=torch.float64)
    batch = Batch(obs, actions, log_probs, values, advantages, returns)
    with torch.no_grad():
        ratio = (model.log_prob_entropy(obs, actions)[0] - batch.log_probs).exp()
    assert sorted(set(ratio.tolist())) == [0.75, 1.25]
    fused, _ = _run(model, batch, config, fused=True)
    reference, _ = _run(model, batch, config, fused=False)
    np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("discrete", [True, False])
def test_fused_update_equals_autograd_on_cuda(discrete: bool) -> None:
    agent = PPOAgentConfig(hidden_sizes=(8, 8), clip_range_vf=0.1, ent_coef=0.01)
    config = PPOConfig(agent=agent, train=PPOTrainConfig(batch_size=16, n_epochs=2))
    model = _model(discrete, 3, 2, agent, "cuda")
    cpu_batch = _batch(_model(discrete, 3, 2, agent), 40, 3, 0, False)
    batch = Batch(*(x.to("cuda") for x in cpu_batch))  # type: ignore[union-attr]
    torch.manual_seed(0)
    fused, _ = _run(model, batch, config, fused=True)
    torch.manual_seed(0)
    reference, _ = _run(model, batch, config, fused=False)
    assert fused.device.type == "cuda"
    np.testing.assert_allclose(fused.cpu().numpy(), reference.cpu().numpy(), rtol=1e-9, atol=1e-12)


# DQN: DQNAgent.update with its fused step against the same update through autograd.


def _dqn_agent(
    obs_dim: int, n_actions: int, hidden: tuple[int, ...], dueling: bool, max_grad_norm: float
) -> DQNAgent:
    torch.manual_seed(0)
    config = DQNAgentConfig(hidden_sizes=hidden, dueling=dueling, max_grad_norm=max_grad_norm)
    agent = DQNAgent(obs_dim, n_actions, config, torch.device("cpu"))
    agent.q_net.double()  # the fused step follows the new data (its _bind)
    agent.q_net_target.double()
    agent.optimizer = torch.optim.SGD(agent.q_net.parameters(), lr=0.5)  # type: ignore[assignment]
    return agent


def _dqn_updates(
    agent: DQNAgent, batch: NStepTensors, weights: torch.Tensor | None, fused: bool, steps: int
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    agent = copy.deepcopy(agent)
    agent._fused = FusedDQNStep.of(agent) if fused else None
    assert (agent._fused is not None) == fused
    outputs = []
    for _ in range(steps):
        losses, td_errors = agent.update(batch, weights)
        outputs += [losses["loss"], losses["q_mean"], td_errors]
    flat = torch.cat([p.detach().reshape(-1) for p in agent.q_net.parameters()])
    return flat, outputs


@settings(max_examples=60, deadline=None)
@given(
    obs_dim=st.integers(1, 5),
    n_actions=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 6), max_size=3).map(tuple),
    dueling=st.booleans(),
    weighted=st.booleans(),
    max_grad_norm=st.sampled_from([1e-3, 0.5, 1e6]),
    n=st.integers(1, 12),
    scale=st.sampled_from([0.1, 1.0, 10.0]),
    seed=st.integers(0, 2**16),
)
def test_fused_dqn_update_equals_autograd(
    obs_dim: int,
    n_actions: int,
    hidden: tuple[int, ...],
    dueling: bool,
    weighted: bool,
    max_grad_norm: float,
    n: int,
    scale: float,
    seed: int,
) -> None:
    """Targets ``scale`` apart from Q: both branches of the Huber loss are taken."""
    agent = _dqn_agent(obs_dim, n_actions, hidden, dueling, max_grad_norm)
    g = torch.Generator().manual_seed(seed)

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    obs, next_obs = normal(n, obs_dim), normal(n, obs_dim)
    actions = torch.randint(0, n_actions, (n,), generator=g)
    batch = NStepTensors(obs, actions, scale * normal(n), next_obs, normal(n).abs())
    weights = torch.rand(n, generator=g, dtype=torch.float64) if weighted else None
    fused, fused_out = _dqn_updates(agent, batch, weights, fused=True, steps=3)
    reference, reference_out = _dqn_updates(agent, batch, weights, fused=False, steps=3)
    np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-9, atol=1e-12)
    for a, b in zip(fused_out, reference_out, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_fused_dqn_step_applies_only_where_it_knows_the_network() -> None:
    agent = DQNAgent(3, 2, DQNAgentConfig(hidden_sizes=(8,)), torch.device("cpu"))
    assert agent._fused is not None
    agent.optimizer = torch.optim.Adam(list(agent.q_net.parameters())[::-1])
    assert FusedDQNStep.of(agent) is None  # another order of the parameters
    agent.optimizer = torch.optim.Adam(list(agent.q_net.parameters())[1:])
    assert FusedDQNStep.of(agent) is None
    images = spaces.Box(0, 255, (10, 10, 1), dtype=np.uint8)
    config = DQNAgentConfig(hidden_sizes=(8,), encoder="cnn")
    cnn = DQNAgent(100, 2, config, torch.device("cpu"), observation_space=images)
    assert cnn._fused is None


# tanh: numpy's kernel on the CPU, autograd's derivatives.


def test_tanh_is_torch_tanh_to_float_error_and_the_same_bits_in_any_block() -> None:
    x = torch.randn(256, 64, generator=torch.Generator().manual_seed(0)) * 4.0
    y = tanh(x)
    assert y.dtype == x.dtype
    assert y.shape == x.shape
    torch.testing.assert_close(y, torch.tanh(x), rtol=0, atol=3e-7)
    torch.testing.assert_close(y.double(), torch.tanh(x.double()), rtol=0, atol=2e-7)
    for rows in (slice(0, 1), slice(3, 11), slice(17, 256)):
        assert torch.equal(tanh(x[rows]), y[rows])  # acting on 8 rows = updating on 256
    assert torch.equal(tanh(x.t()), y.t())
    special = torch.tensor([0.0, -0.0, math.inf, -math.inf, 30.0, -30.0])
    assert tanh(special).tolist() == [0.0, -0.0, 1.0, -1.0, 1.0, -1.0]
    assert tanh(torch.tensor([math.nan])).isnan().all()


def test_tanh_derivatives_are_autograds() -> None:
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(tanh, (x,))
    assert torch.autograd.gradgradcheck(tanh, (x,))  # Hessian-vector products (TRPO, say)
    with torch.inference_mode():
        assert tanh(x.detach()).is_inference()


def test_fused_dqn_step_follows_a_replaced_optimizer() -> None:
    """An optimizer set on the agent after construction is the one that steps."""
    agent = DQNAgent(3, 2, DQNAgentConfig(hidden_sizes=(8,)), torch.device("cpu"))
    rows = torch.randn(4, 3)
    batch = NStepTensors(rows, torch.tensor([0, 1, 1, 0]), torch.ones(4), rows, torch.ones(4))
    before = [p.detach().clone() for p in agent.q_net.parameters()]
    agent.optimizer = torch.optim.SGD(agent.q_net.parameters(), lr=0.0)  # type: ignore[assignment]
    agent.update(batch)
    assert agent._fused is not None
    assert agent._fused.optimizer is agent.optimizer
    after = list(agent.q_net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))  # lr 0: unmoved


# SAC: SACAgent.update with its fused step against the same update through autograd.


def _sac_agent(
    obs_dim: int, action_dim: int, hidden: tuple[int, ...], device: str = "cpu"
) -> SACAgent:
    torch.manual_seed(0)
    agent = SACAgent(obs_dim, action_dim, SACAgentConfig(hidden_sizes=hidden), torch.device(device))
    for module in (agent.actor, agent.critic, agent.critic_target):
        module.double()  # the fused step follows the new data (its _bind)
    agent.log_alpha.data = agent.log_alpha.data.double()
    return agent


def _sac_updates(
    agent: SACAgent, batch: TensorBatch, fused: bool, steps: int
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    agent = copy.deepcopy(agent)
    # SGD: the parameters move by the gradients themselves (Adam would magnify rounding in
    # gradients near zero).
    agent.actor_optimizer = torch.optim.SGD(agent.actor.parameters(), lr=0.01)  # type: ignore[assignment]
    critic_params = [*agent.critic.parameters(), agent.log_alpha]
    agent.critic_optimizer = torch.optim.SGD(critic_params, lr=0.01)  # type: ignore[assignment]
    agent._fused = FusedSACStep.of(agent) if fused else None
    assert (agent._fused is not None) == fused
    torch.manual_seed(1)  # the same noise draws on both sides
    outputs = [loss for _ in range(steps) for loss in agent.update(batch).values()]
    modules = (agent.actor, agent.critic, agent.critic_target)
    flat = torch.cat(
        [p.detach().reshape(-1) for m in modules for p in m.parameters()]
        + [agent.log_alpha.detach()]
    )
    return flat, outputs


def _sac_batch(
    n: int, obs_dim: int, action_dim: int, seed: int, device: str = "cpu"
) -> TensorBatch:
    g = torch.Generator().manual_seed(seed)

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(device)

    actions = (torch.rand(n, action_dim, generator=g, dtype=torch.float64) * 2 - 1).to(device)
    terminated = (torch.rand(n, generator=g) < 0.3).double().to(device)
    return TensorBatch(normal(n, obs_dim), actions, normal(n), normal(n, obs_dim), terminated)


@settings(max_examples=60, deadline=None)
@given(
    obs_dim=st.integers(1, 4),
    action_dim=st.integers(1, 3),
    hidden=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    n=st.integers(1, 12),
    twins=st.booleans(),
    log_std_bias=st.sampled_from([0.0, -25.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_fused_sac_update_equals_autograd(
    obs_dim: int,
    action_dim: int,
    hidden: tuple[int, ...],
    n: int,
    twins: bool,
    log_std_bias: float,
    seed: int,
) -> None:
    """``twins``: both critics start equal, so every minimum is a tie (each takes half the
    gradient); ``log_std_bias`` pushes the actor's log standard deviations past the clamp's
    bounds (no gradient there) or keeps them inside."""
    agent = _sac_agent(obs_dim, action_dim, hidden)
    with torch.no_grad():
        if twins:
            for p in agent.critic.parameters():
                p[1:] = p[:1]
        agent.actor.head.bias[action_dim:] += log_std_bias
    batch = _sac_batch(n, obs_dim, action_dim, seed)
    fused, fused_out = _sac_updates(agent, batch, fused=True, steps=3)
    reference, reference_out = _sac_updates(agent, batch, fused=False, steps=3)
    # Adam divides each gradient by its own running scale, so where a gradient is tiny its
    # 1e-16 rounding differences become update differences of about lr * 1e-8: parameters
    # of 0.007 were 9e-12 apart after three steps (relative 1.4e-9), hence the atol.
    np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-9, atol=1e-10)
    # A loss is a difference of O(1) terms (alpha * log_prob - Q): where they nearly cancel,
    # the parameters' 1e-10 agreement shows as a large relative error of a tiny loss
    # (seed 101: 2.9e-10 of 4.7e-4), so the losses are compared at the terms' scale.
    for a, b in zip(fused_out, reference_out, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-9)


def test_fused_sac_step_moves_the_parameters_like_adam_on_autograd() -> None:
    """float32, Pendulum-v1's sizes with the agent's own Adam: within float error."""
    torch.manual_seed(0)
    agent = SACAgent(3, 1, SACAgentConfig(lr=1e-3), torch.device("cpu"))
    batch = TensorBatch(*(x.float() for x in _sac_batch(256, 3, 1, 0)))
    results = []
    for fused in (True, False):
        copy_ = copy.deepcopy(agent)
        copy_._fused = FusedSACStep.of(copy_) if fused else None
        torch.manual_seed(1)
        for _ in range(5):
            copy_.update(batch)
        results.append(torch.cat([p.detach().reshape(-1) for p in copy_.actor.parameters()]))
    start = torch.cat([p.detach().reshape(-1) for p in agent.actor.parameters()])
    assert float((results[1] - start).abs().max()) > 1e-3  # 5 Adam steps at lr 1e-3 move it
    assert float((results[0] - results[1]).abs().max()) < 1e-5


def test_fused_sac_step_applies_only_where_it_knows_the_agent() -> None:
    agent = SACAgent(3, 1, SACAgentConfig(hidden_sizes=(8,)), torch.device("cpu"))
    assert agent._fused is not None
    agent.actor_optimizer = torch.optim.Adam(list(agent.actor.parameters())[::-1])
    assert FusedSACStep.of(agent) is None  # another order of the parameters
    agent = SACAgent(3, 1, SACAgentConfig(hidden_sizes=(8,)), torch.device("cpu"))
    agent.critic_optimizer = torch.optim.Adam(agent.critic.parameters())  # no temperature
    assert FusedSACStep.of(agent) is None
    box = spaces.Box(-1.0, 1.0, (2,))
    space = spaces.Dict({"desired_goal": box, "observation": box})
    goal = SACAgent(4, 1, SACAgentConfig(hidden_sizes=(8,)), torch.device("cpu"),
                    observation_space=space)  # fmt: skip
    assert goal._fused is None


def test_fused_sac_step_follows_replaced_optimizers() -> None:
    """Optimizers set on the agent after construction are the ones that step."""
    agent = SACAgent(3, 1, SACAgentConfig(hidden_sizes=(8,)), torch.device("cpu"))
    before = [p.detach().clone() for p in (*agent.actor.parameters(), *agent.critic.parameters())]
    agent.actor_optimizer = torch.optim.SGD(agent.actor.parameters(), lr=0.0)  # type: ignore[assignment]
    critic_params = [*agent.critic.parameters(), agent.log_alpha]
    agent.critic_optimizer = torch.optim.SGD(critic_params, lr=0.0)  # type: ignore[assignment]
    agent.update(TensorBatch(*(x.float() for x in _sac_batch(4, 3, 1, 0))))
    assert agent._fused is not None
    assert agent._fused.parts[2] is agent.actor_optimizer
    after = [*agent.actor.parameters(), *agent.critic.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))  # lr 0: unmoved


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fused_sac_update_equals_autograd_on_cuda() -> None:
    agent = _sac_agent(3, 2, (8, 8), "cuda")
    batch = _sac_batch(40, 3, 2, 0, "cuda")
    fused, _ = _sac_updates(agent, batch, fused=True, steps=3)
    reference, _ = _sac_updates(agent, batch, fused=False, steps=3)
    assert fused.device.type == "cuda"
    np.testing.assert_allclose(fused.cpu().numpy(), reference.cpu().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense-g", "actor-like-g"])
@pytest.mark.parametrize("hidden", [[], [3], [3, 4]], ids=["no-hidden", "one", "two"])
def test_hand_ensemble_gradients_are_autograds(hidden: list[int], sparse: bool) -> None:
    """The critics by hand against :class:`QEnsemble` through autograd, float64: the
    parameters' gradients and the action's, for any depth (no hidden layer included), the
    action's through both paths (every row, and only the rows a member's g reaches)."""
    torch.manual_seed(0)
    critic = QEnsemble(3, 2, hidden, n=2).double()
    params = list(critic.parameters())
    grads = {id(p): torch.zeros_like(p) for p in params}
    hand = _HandEnsemble(list(critic.weights), list(critic.biases), 3, grads)
    obs = torch.randn(6, 3, dtype=torch.float64)
    actions = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, 6, dtype=torch.float64)  # ∂L/∂q of each member and row
    if sparse:  # as the actor's loss gives: one member per row, both at a tie, or neither
        g *= torch.tensor([[1, 0, 1, 0, 0, 0], [0, 1, 1, 0, 0, 0]], dtype=torch.float64)

    q = critic(obs, actions)  # [B, n]
    torch.autograd.backward(q, g.T)
    with torch.no_grad():
        hs, q_hand = hand.forward(torch.cat([obs, actions], dim=-1))
        hand.backward(hs, g)
        g_actions = hand.action_grad(hs, g)
    np.testing.assert_allclose(q_hand.T.numpy(), q.detach().numpy(), rtol=1e-12)
    for p in params:
        assert p.grad is not None
        np.testing.assert_allclose(grads[id(p)].numpy(), p.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert actions.grad is not None
    np.testing.assert_allclose(g_actions.numpy(), actions.grad.numpy(), rtol=1e-9, atol=1e-12)
    if hidden:
        for path in (hand._dense_action_grad, hand._sparse_action_grad):
            with torch.no_grad():
                np.testing.assert_allclose(
                    path(hs, g).numpy(), actions.grad.numpy(), rtol=1e-9, atol=1e-12
                )


@pytest.mark.parametrize(("fan_out", "fan_in"), [(24, 2), (2, 24), (6, 6)])
def test_weight_grad_is_delta_transposed_times_inputs_in_either_orientation(
    fan_out: int, fan_in: int
) -> None:
    """A tall, narrow weight gradient (24 x 2) is computed as its transpose: same numbers."""
    g = torch.Generator().manual_seed(fan_out)
    delta = torch.randn(5, fan_out, generator=g, dtype=torch.float64)
    x = torch.randn(5, fan_in, generator=g, dtype=torch.float64)
    out = torch.full((fan_out, fan_in), float("nan"), dtype=torch.float64)
    _weight_grad(delta, x, out)
    expected = (delta[:, :, None] * x[:, None, :]).sum(0)  # sum of the rows' outer products
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12, atol=1e-15)
