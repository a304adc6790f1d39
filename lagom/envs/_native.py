"""Same-step autoreset for gymnasium's native (numpy-vectorized) environments.

gymnasium's native vector environments, such as ``CartPoleVectorEnv`` behind
``gym.make_vec("CartPole-v1", n, vectorization_mode="vector_entry_point")``, only autoreset
in the *next* step: the step after an episode ends ignores its action and returns the reset
observation with reward 0. :class:`_CartPoleSameStep` moves that reset into the step that
ended the episode, drawing the new states exactly as the native next step would (same
generator, same shape), so it reports what the native environment would, minus the fake
transitions. A bare ``CartPoleVectorEnv`` is stepped by the adapter itself: gymnasium's
dynamics operation for operation (the same bits; a test compares them step by step), without
the per-step action check lagom has already made and without the next-step reset block that
this layout leaves with nothing to do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv
from gymnasium.spaces import Discrete
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from lagom._checks import in_range
from lagom._types import BoolArray, Float64Array, NDArray

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
        space = env.single_action_space
        if not isinstance(space, Discrete):
            raise TypeError(f"expected CartPole's Discrete action space, got {space}")
        self._base = base
        self._shape: tuple[int, ...] = (self.num_envs,)
        self._dtype = np.dtype(env.action_space.dtype)
        self._n = int(space.n)
        self._start = int(space.start)
        self._castable: dict[int, bool] = {}  # dtype.num -> castable
        # Only a bare CartPoleVectorEnv checks exactly the actions lagom checked; through a
        # wrapper (which may transform them) gymnasium's own check stays.
        self._trusted = env is base
        # A bare CartPoleVectorEnv itself (not a subclass, which may step otherwise) is
        # stepped by _physics: its dynamics without the next-step reset block, which under
        # this adapter only ever resets no row (prev_done stays all False) yet costs about
        # 5 us a step.
        self._own_physics = self._trusted and type(base) is CartPoleVectorEnv
        self.metadata = {**env.metadata, "autoreset_mode": AutoresetMode.SAME_STEP}

    def step(self, actions: Any) -> tuple[Any, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        actions = self._check_actions(actions)
        base: Any = self._base
        if self._own_physics and base.state is not None:
            observations, rewards, terminated, truncated = self._physics(actions)
            infos: dict[str, Any] = {}
        elif self._trusted:
            # The batch is valid (checked above, vectorized): CartPoleVectorEnv's own
            # ``assert action_space.contains(actions)`` would only repeat that check, so it
            # sees a space that accepts everything for the duration of this one call.
            space = base.action_space
            base.action_space = _TRUSTED
            try:
                observations, rewards, terminated, truncated, infos = base.step(actions)
            finally:
                base.action_space = space
            rewards = rewards.astype(np.float64)
        else:
            observations, rewards, terminated, truncated, infos = self.env.step(actions)
            rewards = rewards.astype(np.float64)
        done = np.logical_or(terminated, truncated)
        (rows,) = done.nonzero()
        if not rows.size:
            return observations, rewards, terminated, truncated, infos
        final_obs = np.empty(self.num_envs, dtype=object)  # all None
        # One read-only copy of the ended rows; each final observation is a row of it, and
        # the masks are read-only too: a Rollout then keeps them without copying again.
        ended = observations[rows]
        ended.setflags(write=False)
        for i, row in zip(rows.tolist(), ended, strict=True):
            final_obs[i] = row
        # Read-only as well, over frozen rows: a Rollout keeps it as it is.
        final_obs.setflags(write=False)
        final_obs = final_obs.view()
        # The same draw CartPoleVectorEnv.step makes for the rows it resets one step later.
        draws = base.np_random.uniform(low=base.low, high=base.high, size=(4, rows.size))
        base.state[:, rows] = draws
        base.steps[rows] = 0
        # prev_done is exactly ``done`` after the step: every row has now been reset.
        base.prev_done.fill(False)
        if not observations.flags.owndata:  # CartPole returns a new array; anything else: copy
            observations = observations.copy()
        observations[rows] = draws.T
        mask = _read_only(done)
        infos = {
            **infos,
            "final_obs": final_obs,
            "_final_obs": mask,
            "final_info": {},
            "_final_info": mask,  # one read-only array can serve both masks
        }
        return observations, rewards, terminated, truncated, infos

    def _physics(
        self, actions: NDArray[Any]
    ) -> tuple[NDArray[np.float32], Float64Array, BoolArray, BoolArray]:
        """``CartPoleVectorEnv.step`` on valid ``actions``, operation for operation (so bit
        for bit), minus its action check and its reset of the rows that ended one step
        earlier (none do here: :meth:`step` resets them in the step that ends them).
        Rewards come as float64 (gymnasium's float32 values, exactly)."""
        base: Any = self._base
        x, x_dot, theta, theta_dot = base.state
        force = np.sign(actions - 0.5) * base.force_mag
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        temp = (force + base.polemass_length * np.square(theta_dot) * sintheta) / base.total_mass
        thetaacc = (base.gravity * sintheta - costheta * temp) / (
            base.length * (4.0 / 3.0 - base.masspole * np.square(costheta) / base.total_mass)
        )
        xacc = temp - base.polemass_length * thetaacc * costheta / base.total_mass
        if base.kinematics_integrator == "euler":
            x = x + base.tau * x_dot
            x_dot = x_dot + base.tau * xacc
            theta = theta + base.tau * theta_dot
            theta_dot = theta_dot + base.tau * thetaacc
        else:  # semi-implicit euler
            x_dot = x_dot + base.tau * xacc
            x = x + base.tau * x_dot
            theta_dot = theta_dot + base.tau * thetaacc
            theta = theta + base.tau * theta_dot
        base.state = np.stack((x, x_dot, theta, theta_dot))
        terminated: BoolArray = (
            (x < -base.x_threshold)
            | (x > base.x_threshold)
            | (theta < -base.theta_threshold_radians)
            | (theta > base.theta_threshold_radians)
        )
        base.steps += 1
        truncated: BoolArray = base.steps >= base.max_episode_steps
        if base._sutton_barto_reward:
            rewards: Float64Array = -terminated.astype(np.float64)
        else:
            rewards = np.ones(self.num_envs)
        return base.state.T.astype(np.float32), rewards, terminated, truncated

    def _check_actions(self, given: Any) -> NDArray[Any]:
        """``actions`` as an array, if it is a batch of N valid actions; else ValueError.

        The same rule as gymnasium's ``MultiDiscrete.contains`` (shape ``[N]``, a dtype that
        casts safely to the space's, every action in ``[start, start + n - 1]``), vectorized.
        """
        actions: NDArray[Any] = given if type(given) is np.ndarray else np.asarray(given)
        if actions.shape != self._shape:
            raise ValueError(
                f"expected actions of shape {self._shape} (one row per sub-environment), got "
                f"{actions.shape}"
            )
        dtype = actions.dtype
        castable = self._castable.get(dtype.num)
        if castable is None:
            castable = self._castable[dtype.num] = bool(np.can_cast(dtype, self._dtype))
        if not castable:
            raise ValueError(
                f"expected integer actions (castable to {self._dtype}) from "
                f"{self.single_action_space}, got dtype {dtype}"
            )
        if dtype.kind == "b":
            bad = self._n < 2 or self._start > 0 or self._start + self._n < 2
        else:
            bad = not in_range(actions, self._start, self._n)
        if bad:
            raise ValueError(
                f"expected every action in {self.single_action_space} (from {self._start} to "
                f"{self._start + self._n - 1}), got {actions.tolist()!r:.200}"
            )
        return actions


def _read_only(array: BoolArray) -> BoolArray:
    """A read-only view of ``array``, which no one else holds."""
    array.setflags(write=False)
    view: BoolArray = array.view()
    return view


class _Everything:
    """A stand-in action space whose ``contains`` accepts anything (checked beforehand)."""

    def contains(self, x: object) -> bool:
        return True


_TRUSTED = _Everything()


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
