"""Steps as :class:`~lagom.data.TimeStep` records: :class:`TimeStepEnv`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium.core import ActType, ObsType

from lagom.data import StepType, TimeStep
from lagom.envs.vec_env_wrapper import _check_single_env, _reset, _step

__all__ = ["TimeStepEnv"]


class TimeStepEnv(gym.Wrapper[ObsType, ActType, ObsType, ActType]):
    """A single environment whose ``reset`` and ``step`` return a :class:`~lagom.data.TimeStep`.

    - ``reset(...)`` returns ``TimeStep(FIRST, observation, info=info)`` (no reward);
    - ``step(action)`` returns ``TimeStep(LAST, ...)`` when ``terminated or truncated``,
      else ``TimeStep(MID, ...)``, carrying the observation, the reward of the transition
      into it, both flags and ``info``.

    Runners build a :class:`~lagom.data.Trajectory` from these steps. Everything else is
    forwarded to ``env``.

    Args:
        env: a single ``gymnasium.Env``.

    Raises:
        TypeError: ``env`` is vectorized or not an env.

    Example:
        >>> import gymnasium as gym
        >>> env = TimeStepEnv(gym.make("CartPole-v1", max_episode_steps=2))
        >>> env.reset(seed=0).step_type, env.step(0).step_type
        (<StepType.FIRST: 0>, <StepType.MID: 1>)
        >>> last = env.step(0)
        >>> last.last(), last.reward, last.terminated, last.truncated, last.time_limit()
        (True, 1.0, False, True, True)
    """

    def __init__(self, env: gym.Env[ObsType, ActType]) -> None:
        _check_single_env(env, "TimeStepEnv", "lagom.runner.VecStepRunner (a Rollout of steps)")
        super().__init__(env)

    # The point of this wrapper is to return TimeStep records instead of gymnasium's tuples.
    def reset(  # type: ignore[override]
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> TimeStep:
        """Reset the environment; return its first observation as a FIRST step.

        Raises:
            TypeError: ``seed`` is not an int or ``None``, or ``options`` is not a dict.
            ValueError: ``seed`` is outside ``[0, 2**32 - 1]``.
        """
        observation, info = _reset(self.env, seed, options)
        return TimeStep(StepType.FIRST, observation, info=info)

    def step(self, action: ActType) -> TimeStep:  # type: ignore[override]
        """Step the environment; return a LAST step at the episode's end, else a MID step.

        Raises:
            ValueError: the environment refused ``action`` (gymnasium's environments assert
                that an action lies in their action space).
            TypeError: the environment returned a reward that is not a real number, flags
                that are not bools, or an info that is not a dict.
        """
        observation, reward, terminated, truncated, info = _step(self.env, action)
        # _step has checked the reward (a real number), the flags (bools) and the info.
        step_type = StepType.LAST if terminated or truncated else StepType.MID
        return TimeStep(step_type, observation, float(reward), terminated, truncated, info)
