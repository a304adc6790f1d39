"""Rewards scaled by the spread of the discounted return: :class:`NormalizeReward` and twin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType, ObsType
from gymnasium.vector import VectorEnv

from lagom._checks import check_discount, check_finite, check_positive, check_real
from lagom._types import ArrayLike, BoolArray, Float64Array
from lagom.envs.vec_env_wrapper import (
    VecEnvWrapper,
    _check_single_env,
    _check_vec_env,
    _reset,
    _step,
)
from lagom.transform import RunningMeanVar

__all__ = ["NormalizeReward", "VecNormalizeReward"]

#: Added to the variance before the square root, as in the original lagom.
EPS = 1e-8


class _RewardScaler:
    """What both wrappers share: the running return ``G`` and ``r / sqrt(var(G) + eps)``."""

    def __init__(
        self, num_envs: int, clip: float, gamma: float, constant_var: float | None
    ) -> None:
        self.clip = check_positive("clip", clip)
        self.gamma = check_discount("gamma", gamma)
        self.constant_var = (
            None
            if constant_var is None
            else check_real("constant_var", constant_var, low=0.0, finite=True)
        )
        self.reward_moments = RunningMeanVar(shape=()) if constant_var is None else None
        self.returns: Float64Array = np.zeros(num_envs, dtype=np.float64)

    def __call__(self, rewards: Float64Array, done: BoolArray) -> Float64Array:
        # A NaN reward would poison the running return and moments for good.
        check_finite("rewards (of the wrapped environment)", rewards)
        self.returns = rewards + self.gamma * self.returns
        if self.reward_moments is not None:
            self.reward_moments(self.returns)
            var = float(self.reward_moments.var)
        else:
            var = float(self.constant_var or 0.0)
        # Scaled only, never centred: shifting rewards would change the optimal policy.
        scaled: Float64Array = np.clip(rewards / np.sqrt(var + EPS), -self.clip, self.clip)
        self.returns[done] = 0.0
        return scaled


class NormalizeReward(gym.Wrapper[ObsType, ActType, ObsType, ActType]):
    """Scale the rewards of a single environment by the spread of its discounted return.

    The running discounted return ``G_t = r_t + gamma * G_{t-1}`` (``G = 0`` at the start of
    each episode: after ``reset`` and after a step with ``terminated or truncated``) updates
    a running variance ``sigma^2`` (:class:`~lagom.transform.RunningMeanVar`); each reward is
    returned as ``clip(r_t / sqrt(sigma^2 + 1e-8), -clip, clip)``: divided, never centred.
    With ``constant_var`` nothing is estimated and that variance is used.

    ``gamma`` may be anything in ``[0, 1]``, the rule for every discount in lagom: 0 scales
    by the spread of the rewards themselves, 1 by that of the undiscounted return so far,
    which stays finite because ``G`` restarts with every episode (a time limit included).

    For a vectorized environment use :class:`VecNormalizeReward`.

    Args:
        env: a single ``gymnasium.Env``.
        clip: bound of the scaled rewards (positive; ``inf`` does not clip).
        gamma: discount factor of the running return, in ``[0, 1]``.
        constant_var: ``None`` (running estimate) or a fixed finite variance ``>= 0``.

    Attributes:
        reward_moments: the :class:`~lagom.transform.RunningMeanVar` of the returns
            (``None`` with a constant variance).
        all_returns: the running discounted return ``G``.

    Raises:
        TypeError: ``env`` is vectorized or not an env, or ``clip``, ``gamma`` or
            ``constant_var`` is not a real number.
        ValueError: ``clip`` not positive, ``gamma`` outside ``[0, 1]``, ``constant_var``
            negative or not finite.

    Example:
        >>> import gymnasium as gym
        >>> env = NormalizeReward(gym.make("CartPole-v1"), constant_var=3.0)
        >>> _ = env.reset(seed=0)
        >>> round(env.step(0)[1], 6)  # 1 / sqrt(3 + 1e-8)
        0.57735
    """

    def __init__(
        self,
        env: gym.Env[ObsType, ActType],
        clip: float = 10.0,
        gamma: float = 0.99,
        constant_var: float | None = None,
    ) -> None:
        _check_single_env(env, "NormalizeReward")
        super().__init__(env)
        self._scaler = _RewardScaler(1, clip, gamma, constant_var)
        self.clip, self.gamma = self._scaler.clip, self._scaler.gamma
        self.constant_var = constant_var
        self.reward_moments = self._scaler.reward_moments

    @property
    def all_returns(self) -> float:
        """The running discounted return ``G`` of the current episode."""
        return float(self._scaler.returns[0])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the environment and the running return.

        Raises:
            TypeError: ``seed`` is not an int or ``None``, or ``options`` is not a dict.
            ValueError: ``seed`` is outside ``[0, 2**32 - 1]``.
        """
        self._scaler.returns[:] = 0.0
        return _reset(self.env, seed, options)

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the environment and return the scaled reward.

        Raises:
            ValueError: the environment refused ``action`` (gymnasium's environments assert
                that an action lies in their action space).
        """
        observation, reward, terminated, truncated, info = _step(self.env, action)
        done = np.array([terminated or truncated])
        scaled = self._scaler(np.array([float(reward)]), done)
        return observation, float(scaled[0]), terminated, truncated, info


class VecNormalizeReward(VecEnvWrapper):
    """Scale the rewards of a vectorized environment by the spread of the discounted return.

    The vectorized :class:`NormalizeReward`: each sub-environment has its own running return
    ``G[i]``, all of them update one running variance (a batch ``[N]`` per step), and
    ``G[i]`` restarts at 0 after a step where row ``i`` is ``terminated`` *or* ``truncated``
    (gymnasium's vector ``NormalizeReward`` restarts only on termination, which carries a
    return across a time limit into the next episode). Needs same-step autoreset.

    Args:
        env: a vectorized environment with same-step autoreset.
        clip: bound of the scaled rewards (positive; ``inf`` does not clip).
        gamma: discount factor of the running return, in ``[0, 1]``.
        constant_var: ``None`` (running estimate) or a fixed finite variance ``>= 0``.

    Raises:
        TypeError: ``env`` is not vectorized, or an argument is not a real number.
        ValueError: ``env`` does not autoreset in the same step, or an argument is out of
            range (as for :class:`NormalizeReward`).

    Example:
        >>> import gymnasium as gym
        >>> from lagom.envs import make_vec_env
        >>> env = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=1), 2, 0)
        >>> env = VecNormalizeReward(env, gamma=0.5, constant_var=0.25)
        >>> _ = env.reset()
        >>> _, rewards, _, truncated, _ = env.step([0, 1])
        >>> rewards, truncated, env.returns
        (array([2., 2.]), array([ True,  True]), array([0., 0.]))
    """

    def __init__(
        self,
        env: VectorEnv[Any, Any, Any],
        clip: float = 10.0,
        gamma: float = 0.99,
        constant_var: float | None = None,
    ) -> None:
        env = _check_vec_env(env, "VecNormalizeReward")
        super().__init__(env)
        self._scaler = _RewardScaler(self.num_envs, clip, gamma, constant_var)
        self.clip, self.gamma = self._scaler.clip, self._scaler.gamma
        self.constant_var = constant_var
        self.reward_moments = self._scaler.reward_moments

    @property
    def returns(self) -> Float64Array:
        """The running discounted returns ``G`` ``[N]`` of the current episodes (a copy)."""
        returns: Float64Array = self._scaler.returns.copy()
        return returns

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the environment and the running returns of the reset rows."""
        rows = slice(None) if options is None else options.get("reset_mask", slice(None))
        self._scaler.returns[rows] = 0.0
        return self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # lagom VecEnv takes a list

    def step(
        self, actions: ArrayLike
    ) -> tuple[Any, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        """Step the environment and return the scaled rewards ``[N]``."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        done = np.logical_or(terminated, truncated)
        scaled = self._scaler(np.asarray(rewards, dtype=np.float64), done)
        return observations, scaled, terminated, truncated, infos
