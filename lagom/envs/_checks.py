"""Argument checks shared by lagom's environment wrappers."""

from __future__ import annotations

import numbers
from typing import Any

import gymnasium as gym
from gymnasium.vector import AutoresetMode, VectorEnv

__all__ = ["check_positive", "check_single_env", "check_vec_env"]


def check_single_env(env: object, wrapper: str) -> None:
    """Raise ``TypeError`` unless ``env`` is a single (not vectorized) gymnasium.Env."""
    if isinstance(env, VectorEnv):
        raise TypeError(
            f"{wrapper} wraps a single gymnasium.Env, got the vectorized {env!r}; "
            f"use Vec{wrapper} for vectorized environments"
        )
    if not isinstance(env, gym.Env):
        raise TypeError(f"{wrapper} wraps a gymnasium.Env, got {type(env)}")


def check_vec_env(env: object, wrapper: str) -> VectorEnv[Any, Any, Any]:
    """Raise unless ``env`` is a vectorized environment with same-step autoreset.

    Raises:
        TypeError: ``env`` is not a ``gymnasium.vector.VectorEnv``.
        ValueError: it autoresets otherwise than in the same step.
    """
    if not isinstance(env, VectorEnv):
        single = wrapper.removeprefix("Vec")
        raise TypeError(
            f"{wrapper} wraps a vectorized environment (gymnasium.vector.VectorEnv), got "
            f"{type(env)}; use {single} for a single gymnasium.Env"
        )
    mode = env.metadata.get("autoreset_mode")
    if mode != AutoresetMode.SAME_STEP:
        raise ValueError(
            f"{wrapper} needs same-step autoreset (metadata['autoreset_mode'] == "
            f"AutoresetMode.SAME_STEP, as in lagom's VecEnv), got {mode!r}"
        )
    return env


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float, raising unless it is a positive real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not float(value) > 0:  # NaN fails too
        raise ValueError(f"{name} must be positive, got {value}")
    return float(value)
