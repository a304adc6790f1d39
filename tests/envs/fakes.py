"""Small deterministic environments whose traces can be written by hand.

:class:`CountingEnv` observes the step index: ``reset`` returns ``[start]``, the k-th ``step``
returns ``[start + k]``. Its episodes last exactly ``episode_length`` steps and end with
``terminated``, ``truncated`` or both; the reward of the k-th step is ``rewards[k - 1]``
(default: ``reward`` every step). Nothing is random, so a vectorized rollout can be checked
entry by entry against a hand-written table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lagom._types import Float32Array

__all__ = ["CountingEnv", "EndKind", "OddStepEnv"]

EndKind = Literal["terminated", "truncated", "both"]


class CountingEnv(gym.Env[Float32Array, Any]):
    """Observation ``[start + t]`` at step ``t`` of an episode of ``episode_length`` steps.

    Args:
        episode_length: number of steps of every episode (at least 1).
        end: how an episode ends: ``"terminated"``, ``"truncated"`` or ``"both"``.
        reward: the reward of every step when ``rewards`` is ``None``.
        rewards: optional rewards of steps 1, 2, ... of every episode (length
            ``episode_length``).
        start: offset added to the observation, to tell sub-environments apart.
        render_mode: ``None`` or ``"rgb_array"`` (a 4x6x3 image filled with ``t``).

    ``info`` of the k-th step is ``{"t": k}``; ``info`` of a reset is ``{"t": 0}``. Every
    seed given to ``reset`` is recorded in ``reset_seeds``; ``close`` sets ``closed``.
    """

    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012 - gymnasium's class attribute

    def __init__(
        self,
        episode_length: int = 3,
        end: EndKind = "terminated",
        reward: float = 1.0,
        rewards: Sequence[float] | None = None,
        start: int = 0,
        render_mode: str | None = None,
    ) -> None:
        if episode_length < 1:
            raise ValueError(f"episode_length must be at least 1, got {episode_length}")
        if rewards is not None and len(rewards) != episode_length:
            raise ValueError(f"need {episode_length} rewards, got {len(rewards)}")
        self.episode_length = episode_length
        self.end = end
        self.rewards = [reward] * episode_length if rewards is None else list(rewards)
        self.start = start
        self.render_mode = render_mode
        self.observation_space = spaces.Box(0.0, np.inf, shape=(1,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.t = 0
        self.reset_seeds: list[int | None] = []
        self.closed = False

    def _obs(self) -> Float32Array:
        return np.array([self.start + self.t], dtype=np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Float32Array, dict[str, Any]]:
        super().reset(seed=seed)
        self.reset_seeds.append(seed)
        self.t = 0
        return self._obs(), {"t": 0}

    def step(self, action: Any) -> tuple[Float32Array, float, bool, bool, dict[str, Any]]:
        if self.t >= self.episode_length:
            raise RuntimeError("CountingEnv stepped after its episode ended; call reset")
        reward = self.rewards[self.t]
        self.t += 1
        ended = self.t == self.episode_length
        terminated = ended and self.end in ("terminated", "both")
        truncated = ended and self.end in ("truncated", "both")
        return self._obs(), reward, terminated, truncated, {"t": self.t}

    def render(self) -> np.ndarray[Any, np.dtype[np.uint8]] | None:
        if self.render_mode != "rgb_array":
            return None
        return np.full((4, 6, 3), self.t, dtype=np.uint8)

    def close(self) -> None:
        self.closed = True


class OddStepEnv(gym.Env[Float32Array, int]):
    """An environment whose step returns ``result``'s reward, flags and info."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, reward: Any = 1.0, term: Any = False, trunc: Any = False) -> None:
        self.result = (reward, term, trunc)

    def reset(
        self, *, seed: int | None = None, options: Any = None
    ) -> tuple[Float32Array, dict[str, Any]]:
        return np.zeros(2, np.float32), {}

    def step(self, action: int) -> tuple[Float32Array, Any, Any, Any, dict[str, Any]]:
        return (np.zeros(2, np.float32), *self.result, {})
