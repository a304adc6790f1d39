"""Checks and the agent-environment step shared by lagom's runners (private)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym

from lagom._checks import check_int
from lagom.agent import Agent
from lagom.data import TimeStep
from lagom.envs import TimeStepEnv

__all__ = [
    "agent_step",
    "as_timestep_env",
    "check_agent",
    "check_count",
    "final_output",
    "split_output",
]


def check_count(name: str, value: object) -> int:
    """Return ``value`` if it is an int of at least 1, else raise TypeError/ValueError."""
    return check_int(name, value, minimum=1)


def check_agent(agent: object) -> None:
    """Raise TypeError unless ``agent`` has a callable ``choose_action``."""
    if not callable(getattr(agent, "choose_action", None)):
        raise TypeError(f"agent must have a choose_action(x, **kwargs) method, got {type(agent)}")


def split_output(out: object) -> tuple[Any, dict[str, Any]]:
    """Split an agent's output into ``raw_action`` and a dict of the other entries.

    Raises:
        TypeError: ``out`` is not a mapping.
        ValueError: ``out`` has no ``"raw_action"``.
    """
    if not isinstance(out, Mapping):
        raise TypeError(
            f"agent.choose_action must return a dict holding 'raw_action', got {type(out).__name__}"
        )
    if type(out) is dict and len(out) == 1 and "raw_action" in out:
        return out["raw_action"], {}  # the common case, without copying the dict
    info = dict(out)
    try:
        action = info.pop("raw_action")
    except KeyError:
        raise ValueError(
            "agent.choose_action must return a dict holding 'raw_action' (the action for "
            f"env.step), got keys {sorted(map(str, out))}"
        ) from None
    return action, info


def final_output(agent: Agent, timestep: TimeStep, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The agent's output on a trajectory's final observation (``raw_action`` optional).

    Raises:
        TypeError: the output is not a mapping.
    """
    out = agent.choose_action(timestep, last_info=True, **kwargs)
    if not isinstance(out, Mapping):
        raise TypeError(
            f"agent.choose_action(..., last_info=True) must return a dict, got {type(out).__name__}"
        )
    return dict(out)


def agent_step(
    agent: Agent, env: TimeStepEnv, timestep: TimeStep, kwargs: Mapping[str, Any]
) -> tuple[Any, TimeStep]:
    """Let the agent act at ``timestep``; return the action and the next step.

    The agent's outputs other than ``raw_action`` are merged into the next step's info
    (overriding the environment's keys of the same name).
    """
    action, info = split_output(agent.choose_action(timestep, **kwargs))
    following = env.step(action)
    if not isinstance(following, TimeStep):
        raise TypeError(f"env.step must return a TimeStep, got {type(following).__name__}")
    if info:
        following = TimeStep(
            following.step_type,
            following.observation,
            following.reward,
            following.terminated,
            following.truncated,
            {**following.info, **info},
        )
    return action, following


def as_timestep_env(env: object, runner: str) -> TimeStepEnv:
    """Return ``env`` if it is a :class:`TimeStepEnv`, else wrap a single gymnasium.Env in one.

    Raises:
        TypeError: ``env`` is vectorized or not a gymnasium.Env.
    """
    if isinstance(env, TimeStepEnv):
        return env
    if isinstance(env, gym.vector.VectorEnv):
        raise TypeError(
            f"{runner} runs a single environment, got the vectorized {env!r}; "
            "use VecStepRunner for vectorized environments"
        )
    if not isinstance(env, gym.Env):
        raise TypeError(f"{runner} runs a gymnasium.Env (or a TimeStepEnv), got {type(env)}")
    return TimeStepEnv(env)
