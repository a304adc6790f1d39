"""Episode returns and horizons: :class:`RecordEpisodeStatistics` and its vectorized twin."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.core import ActType, ObsType
from gymnasium.vector import VectorEnv

from lagom._checks import MAX_SIZE, check_int
from lagom._types import ArrayLike, BoolArray, Float64Array
from lagom.envs.vec_env_wrapper import (
    VecEnvWrapper,
    _check_single_env,
    _check_vec_env,
    _reset,
    _step,
)

__all__ = ["RecordEpisodeStatistics", "VecRecordEpisodeStatistics"]


def _check_deque_size(deque_size: object) -> int:
    return check_int("deque_size", deque_size, minimum=1, maximum=MAX_SIZE)


class RecordEpisodeStatistics(gym.Wrapper[ObsType, ActType, ObsType, ActType]):
    """Record the return and horizon of every episode of a single environment.

    At the step that ends an episode (``terminated or truncated``) the step's ``info`` gets
    ``info["episode"] = {"return": R, "horizon": T, "time": t}``: the undiscounted return
    ``R = r_1 + ... + r_T`` of its ``T`` steps and the seconds since the wrapper was created.
    ``R`` and ``T`` are also appended to :attr:`return_queue` and :attr:`horizon_queue`,
    which keep the last ``deque_size`` episodes. ``reset`` restarts the counts.

    For a vectorized environment use :class:`VecRecordEpisodeStatistics`.

    Args:
        env: a single ``gymnasium.Env``.
        deque_size: how many recent episodes the queues keep (at least 1).

    Raises:
        TypeError: ``env`` is vectorized (or not an env), or ``deque_size`` is not an int.
        ValueError: ``deque_size`` is not in ``[1, sys.maxsize]``.

    Example:
        >>> import gymnasium as gym
        >>> env = RecordEpisodeStatistics(gym.make("CartPole-v1", max_episode_steps=3))
        >>> _ = env.reset(seed=0)
        >>> for _ in range(3):
        ...     *_, info = env.step(0)
        >>> info["episode"]["return"], info["episode"]["horizon"], list(env.return_queue)
        (3.0, 3, [3.0])
    """

    def __init__(self, env: gym.Env[ObsType, ActType], deque_size: int = 100) -> None:
        _check_single_env(env, "RecordEpisodeStatistics")
        deque_size = _check_deque_size(deque_size)
        super().__init__(env)
        self.t0 = time.perf_counter()
        self.episode_return = 0.0
        self.episode_horizon = 0
        #: The returns of the last ``deque_size`` episodes, oldest first.
        self.return_queue: deque[float] = deque(maxlen=deque_size)
        #: The horizons (steps) of the last ``deque_size`` episodes, oldest first.
        self.horizon_queue: deque[int] = deque(maxlen=deque_size)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsType, dict[str, Any]]:
        """Reset the environment and the running return and horizon.

        Raises:
            TypeError: ``seed`` is not an int or ``None``, or ``options`` is not a dict.
            ValueError: ``seed`` is outside ``[0, 2**32 - 1]``.
        """
        self.episode_return = 0.0
        self.episode_horizon = 0
        return _reset(self.env, seed, options)

    def step(self, action: ActType) -> tuple[ObsType, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the environment; at an episode's end add ``info["episode"]``.

        Raises:
            ValueError: the environment refused ``action`` (gymnasium's environments assert
                that an action lies in their action space).
        """
        observation, reward, terminated, truncated, info = _step(self.env, action)
        self.episode_return += float(reward)
        self.episode_horizon += 1
        if terminated or truncated:
            episode = {
                "return": self.episode_return,
                "horizon": self.episode_horizon,
                "time": round(time.perf_counter() - self.t0, 4),
            }
            info = {**info, "episode": episode}
            self.return_queue.append(self.episode_return)
            self.horizon_queue.append(self.episode_horizon)
            self.episode_return = 0.0
            self.episode_horizon = 0
        return observation, reward, terminated, truncated, info


class VecRecordEpisodeStatistics(VecEnvWrapper):
    """Record the return and horizon of every episode of every sub-environment.

    The vectorized :class:`RecordEpisodeStatistics`: in the step where episodes end,
    ``infos["episode"]`` holds arrays ``"return"`` (float64 ``[N]``), ``"horizon"`` (int64
    ``[N]``) and ``"time"`` (float64 ``[N]``), valid where the mask ``infos["_episode"]``
    (``terminated | truncated``) is set and 0 elsewhere (gymnasium's layout). The finished
    episodes are appended to the queues in sub-environment order. Needs same-step autoreset
    (a :class:`~lagom.envs.VecEnv`), so every row of a step belongs to one episode.

    Args:
        env: a vectorized environment with same-step autoreset.
        deque_size: how many recent episodes the queues keep (at least 1).

    Raises:
        TypeError: ``env`` is not vectorized, or ``deque_size`` is not an int.
        ValueError: ``env`` does not autoreset in the same step, or ``deque_size`` is not in
            ``[1, sys.maxsize]``.

    Example:
        >>> import gymnasium as gym
        >>> from lagom.envs import make_vec_env
        >>> env = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=2), 2, 0)
        >>> env = VecRecordEpisodeStatistics(env)
        >>> _ = env.reset()
        >>> _ = env.step([0, 1])
        >>> *_, infos = env.step([0, 1])
        >>> infos["episode"]["return"], infos["_episode"], list(env.horizon_queue)
        (array([2., 2.]), array([ True,  True]), [2, 2])
    """

    def __init__(self, env: VectorEnv[Any, Any, Any], deque_size: int = 100) -> None:
        env = _check_vec_env(env, "VecRecordEpisodeStatistics")
        deque_size = _check_deque_size(deque_size)
        super().__init__(env)
        self.t0 = time.perf_counter()
        self.episode_returns = np.zeros(self.num_envs, dtype=np.float64)
        self.episode_horizons = np.zeros(self.num_envs, dtype=np.int64)
        #: The returns of the last ``deque_size`` episodes, oldest first.
        self.return_queue: deque[float] = deque(maxlen=deque_size)
        #: The horizons (steps) of the last ``deque_size`` episodes, oldest first.
        self.horizon_queue: deque[int] = deque(maxlen=deque_size)

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the environment and the running returns and horizons of the reset rows."""
        rows = slice(None) if options is None else options.get("reset_mask", slice(None))
        self.episode_returns[rows] = 0.0
        self.episode_horizons[rows] = 0
        return self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # lagom VecEnv takes a list

    def step(
        self, actions: ArrayLike
    ) -> tuple[Any, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        """Step the environment; where episodes end add ``infos["episode"]``."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        self.episode_returns += rewards
        self.episode_horizons += 1
        done = np.logical_or(terminated, truncated)
        if done.any():
            elapsed = round(time.perf_counter() - self.t0, 4)
            episode = {
                "return": np.where(done, self.episode_returns, 0.0),
                "horizon": np.where(done, self.episode_horizons, 0),
                "time": np.where(done, elapsed, 0.0),
            }
            infos = {**infos, "episode": episode, "_episode": done}
            self.return_queue.extend(self.episode_returns[done].tolist())
            self.horizon_queue.extend(self.episode_horizons[done].tolist())
            self.episode_returns[done] = 0.0
            self.episode_horizons[done] = 0
        return observations, rewards, terminated, truncated, infos
