"""Same-step autoreset for gymnasium's native (numpy-vectorized) environments.

gymnasium's native vector environments, such as ``CartPoleVectorEnv`` behind
``gym.make_vec("CartPole-v1", n, vectorization_mode="vector_entry_point")``, only autoreset
in the *next* step: the step after an episode ends ignores its action and returns the reset
observation with reward 0. :class:`_CartPoleSameStep` moves that reset into the step that
ended the episode, drawing the new states exactly as the native next step would (same
generator, same shape), so it reports what the native environment would, minus the fake
transitions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from lagom._types import BoolArray, Float64Array

__all__: list[str] = []

# The attributes of CartPoleVectorEnv that its own next-step reset touches.
_CARTPOLE_STATE = ("state", "steps", "prev_done", "low", "high", "np_random")


class _CartPoleSameStep(VectorWrapper[Any, Any, Any, Any, Any]):
    """``CartPoleVectorEnv`` with gymnasium's same-step autoreset layout."""

    def __init__(self, env: VectorEnv[Any, Any, Any]) -> None:
        super().__init__(env)
        base = env.unwrapped
        missing = [name for name in _CARTPOLE_STATE if not hasattr(base, name)]
        if not isinstance(base, CartPoleVectorEnv) or missing:
            raise TypeError(
                f"expected gymnasium's CartPoleVectorEnv with attributes {_CARTPOLE_STATE}, "
                f"got {type(base)} missing {missing}"
            )
        self._base = base
        self.metadata = {**env.metadata, "autoreset_mode": AutoresetMode.SAME_STEP}

    def step(self, actions: Any) -> tuple[Any, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        actions = np.asarray(actions)
        if actions.shape != self.action_space.shape:
            raise ValueError(
                f"expected actions of shape {self.action_space.shape} (one row per "
                f"sub-environment), got {actions.shape}"
            )
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        rewards = np.asarray(rewards, dtype=np.float64)
        done = np.logical_or(terminated, truncated)
        if not done.any():
            return observations, rewards, terminated, truncated, infos
        final_obs = np.full(self.num_envs, None, dtype=object)
        for i in np.flatnonzero(done):
            final_obs[i] = observations[i].copy()
        base: Any = self._base
        # The same draw CartPoleVectorEnv.step makes for the rows it resets one step later.
        base.state[:, done] = base.np_random.uniform(
            low=base.low, high=base.high, size=(4, int(done.sum()))
        )
        base.steps[done] = 0
        base.prev_done[done] = False
        observations = observations.copy()
        observations[done] = base.state[:, done].T.astype(observations.dtype)
        infos = {
            **infos,
            "final_obs": final_obs,
            "_final_obs": done,
            "final_info": {},
            "_final_info": done.copy(),
        }
        return observations, rewards, terminated, truncated, infos


def same_step(env: VectorEnv[Any, Any, Any]) -> VectorEnv[Any, Any, Any]:
    """Return ``env`` if it autoresets in the same step, else an adapter that does.

    Raises:
        ValueError: ``env`` autoresets otherwise and no adapter exists for it.
    """
    mode = env.metadata.get("autoreset_mode")
    if mode == AutoresetMode.SAME_STEP:
        return env
    if isinstance(env.unwrapped, CartPoleVectorEnv) and mode == AutoresetMode.NEXT_STEP:
        return _CartPoleSameStep(env)
    raise ValueError(
        f"the native vector environment {env} autoresets with {mode!r} and lagom has no "
        "same-step adapter for it; use make_vec_env (sync or async mode) instead"
    )
