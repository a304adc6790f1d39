"""Agents for the runner tests: they act deterministically and record how they were called."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lagom.agent import BaseAgent
from lagom.data import TimeStep

__all__ = ["OutputAgent", "ValueAgent", "obs_value"]


def obs_value(observation: Any) -> Any:
    """A value that identifies the observation: ``10 * obs[..., 0] + 0.5``."""
    return 10.0 * np.asarray(observation, dtype=np.float64)[..., 0] + 0.5


class ValueAgent(BaseAgent):
    """Takes action ``action`` (a batch of them for a vectorized env) and reports ``V``.

    ``V`` is ``value_fn`` of the observation (one float, or ``[N]`` for a batch). Every call
    is recorded in ``calls`` as ``(x, kwargs)``.
    """

    def __init__(
        self,
        env: Any = None,
        value_fn: Callable[[Any], Any] = obs_value,
        action: int = 0,
        num_envs: int | None = None,
    ) -> None:
        super().__init__({}, env, None)
        self.value_fn = value_fn
        self.action = action
        self.num_envs = num_envs
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls.append((x, kwargs))
        observation = x.observation if isinstance(x, TimeStep) else x
        value = self.value_fn(observation)
        if self.num_envs is None:
            return {"raw_action": self.action, "V": float(value)}
        return {"raw_action": np.full(self.num_envs, self.action), "V": value}

    def learn(self, D: Any, **kwargs: Any) -> dict[str, Any]:
        return {}


class OutputAgent(BaseAgent):
    """Returns ``outputs(step)`` verbatim: for testing the runners' output checks."""

    def __init__(self, outputs: Callable[[int], Mapping[str, Any] | object]) -> None:
        super().__init__({}, None, None)
        self.outputs = outputs
        self.step = 0

    def choose_action(self, x: Any, **kwargs: Any) -> Any:
        out = self.outputs(self.step)
        self.step += 1
        return out

    def learn(self, D: Any, **kwargs: Any) -> dict[str, Any]:
        return {}
