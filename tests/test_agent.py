"""Tests for ``lagom.agent``: BaseAgent's attributes and RandomAgent's seeded sampling."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from lagom.agent import Agent, BaseAgent, RandomAgent
from lagom.envs import TimeStepEnv, make_vec_env
from tests.envs.fakes import CountingEnv


class _Agent(BaseAgent):
    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        return {"raw_action": 0}

    def learn(self, D: Any, **kwargs: Any) -> dict[str, Any]:
        return {"n": len(D)}


def test_base_agent_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BaseAgent({}, None, None)  # type: ignore[abstract]


def test_documented_attributes_and_keywords() -> None:
    env = CountingEnv()
    agent = _Agent({"lr": 0.1}, env, "cpu", policy="net", is_recurrent=True)
    assert agent.config == {"lr": 0.1}
    assert agent.env is env
    assert agent.device == "cpu"
    assert agent.info == {}
    assert agent.is_recurrent is True
    assert agent.policy == "net"  # type: ignore[attr-defined]
    assert _Agent({}, env, None).is_recurrent is None
    assert isinstance(agent, Agent)
    assert agent.learn([1, 2]) == {"n": 2}


@pytest.mark.parametrize("key", ["choose_action", "learn", "info"])
def test_keywords_cannot_replace_members(key: str) -> None:
    with pytest.raises(ValueError, match=f"keyword '{key}' would replace"):
        _Agent({}, None, None, **{key: 1})


@pytest.mark.parametrize("device", ["notadevice", "gpu", "cuda:x", ""])
def test_a_device_name_torch_does_not_know_is_refused(device: str) -> None:
    with pytest.raises(ValueError, match="device must name a device such as 'cpu'"):
        _Agent({}, CountingEnv(), device)
    assert _Agent({}, CountingEnv(), "cuda:1").device == "cuda:1"  # known, not checked here


def test_keywords_must_be_identifiers() -> None:
    with pytest.raises(ValueError, match="must be identifiers, got '2x'"):
        _Agent({}, None, None, **{"2x": 1})


def test_torch_module_mixin_registers_networks() -> None:
    torch = pytest.importorskip("torch")
    from lagom.networks import Module

    class TorchAgent(_Agent, Module):
        pass

    agent = TorchAgent({}, None, torch.device("cpu"), policy=torch.nn.Linear(3, 2))
    assert agent.num_params == 8
    assert [name for name, _ in agent.named_parameters()] == ["policy.weight", "policy.bias"]


@pytest.mark.parametrize("wrap", [False, True])
def test_random_agent_single_env_is_seeded_by_its_space(wrap: bool) -> None:
    def sample(seed: int) -> list[int]:
        env: Any = gym.make("FrozenLake-v1")
        env = TimeStepEnv(env) if wrap else env
        env.action_space.seed(seed)
        agent = RandomAgent({}, env, None)
        return [int(agent.choose_action(None)["raw_action"]) for _ in range(50)]

    first = sample(0)
    assert first == sample(0)
    assert first != sample(1)
    assert set(first) == {0, 1, 2, 3}


def test_random_agent_vec_env_samples_a_batch() -> None:
    def sample(seed: int) -> np.ndarray:
        env = make_vec_env(lambda: gym.make("Pendulum-v1"), 4, init_seed=seed)
        agent = RandomAgent({}, env, None)
        actions = np.stack([agent.choose_action(None)["raw_action"] for _ in range(20)])
        env.close()
        return actions

    first = sample(0)
    assert first.shape == (20, 4, 1)
    assert ((first >= -2.0) & (first <= 2.0)).all()
    np.testing.assert_array_equal(first, sample(0))
    assert not np.array_equal(first, sample(1))
    assert not np.array_equal(first[:, 0], first[:, 1])


def test_random_agent_learns_nothing() -> None:
    assert RandomAgent({}, CountingEnv(), None).learn([1]) == {}


def test_random_agent_needs_an_action_space() -> None:
    with pytest.raises(TypeError, match="needs an env with a gymnasium action_space"):
        RandomAgent({}, object(), None)  # type: ignore[arg-type]
