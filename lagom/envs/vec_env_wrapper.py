"""The base class of lagom's wrappers for vectorized environments: :class:`VecEnvWrapper`.

Also the checks of what a wrapper wraps, shared by lagom's single and vectorized wrapper
pairs (private to :mod:`lagom.envs`): ``_check_single_env`` and ``_check_vec_env``, and the
checked ``reset`` and ``step`` of a single environment, ``_reset`` and ``_step``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from lagom._checks import check_seed
from lagom._types import NDArray

__all__ = ["VecEnvWrapper"]


class VecEnvWrapper(VectorWrapper[Any, Any, Any, Any, Any]):
    """Wraps a vectorized environment to transform some of its behaviour.

    A gymnasium :class:`~gymnasium.vector.VectorWrapper` (so gymnasium's and lagom's vector
    wrappers stack in any order) that forwards everything to ``env``: ``reset``, ``step``,
    ``render``, ``close``, ``close_extras``, the spaces, ``num_envs``, ``metadata``, ``spec``
    and ``render_mode``. It adds lagom's :meth:`get_images`, ``len()`` and :attr:`unwrapped`
    (the innermost vectorized environment). Subclasses override what they change.

    Note:
        Call ``super().__init__(env)`` first when overriding ``__init__``.

    Args:
        env: the vectorized environment to wrap (a ``gymnasium.vector.VectorEnv``, e.g. a
            :class:`~lagom.envs.VecEnv`).

    Raises:
        TypeError: ``env`` is not a vectorized environment.

    Example:
        >>> import gymnasium as gym
        >>> from lagom.envs import make_vec_env
        >>> env = VecEnvWrapper(make_vec_env(lambda: gym.make("CartPole-v1"), 2, init_seed=0))
        >>> env, len(env), env.unwrapped
        (<VecEnvWrapper, <VecEnv: 2, CartPole-v1>>, 2, <VecEnv: 2, CartPole-v1>)
        >>> env.close(); env.closed
        True
    """

    def __init__(self, env: VectorEnv[Any, Any, Any]) -> None:
        if not isinstance(env, VectorEnv):
            raise TypeError(
                f"{type(self).__name__} wraps a vectorized environment "
                f"(gymnasium.vector.VectorEnv), got {type(env)}"
            )
        super().__init__(env)

    def get_images(self) -> NDArray[np.uint8]:
        """Return the sub-environments' RGB frames ``[N, H, W, C]`` of the wrapped environment."""
        get_images = getattr(self.env, "get_images", None)
        if get_images is None:
            get_images = getattr(self.unwrapped, "get_images", None)
        if get_images is None:
            raise TypeError(f"{self.unwrapped!r} has no get_images(); wrap a lagom VecEnv")
        images: NDArray[np.uint8] = get_images()
        return images

    def __len__(self) -> int:
        return self.num_envs


def _check_single_env(env: object, wrapper: str, instead: str | None = None) -> None:
    """Raise ``TypeError`` unless ``env`` is a single (not vectorized) gymnasium.Env;
    the message points to ``instead`` (default ``Vec{wrapper}``) for a vectorized one."""
    if isinstance(env, VectorEnv):
        raise TypeError(
            f"{wrapper} wraps a single gymnasium.Env, got the vectorized {env!r}; "
            f"use {instead or 'Vec' + wrapper} for vectorized environments"
        )
    if not isinstance(env, gym.Env):
        raise TypeError(f"{wrapper} wraps a gymnasium.Env, got {type(env)}")


def _check_vec_env(env: object, wrapper: str) -> VectorEnv[Any, Any, Any]:
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


def _reset(env: gym.Env[Any, Any], seed: object, options: object) -> tuple[Any, dict[str, Any]]:
    """``env.reset(seed=seed, options=options)`` after lagom's checks of both."""
    if seed is not None:
        seed = check_seed("seed", seed)  # a Python int: gymnasium refuses numpy integers
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(f"options must be a dict or None, got {type(options).__name__}")
    return env.reset(seed=seed, options=options)  # type: ignore[arg-type]


def _step(env: gym.Env[Any, Any], action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
    """``env.step(action)``, with an environment's assertion on a bad action as ValueError."""
    try:
        return env.step(action)
    except AssertionError as error:  # gymnasium's environments assert their actions
        raise ValueError(
            f"action {action!r:.60} was refused by the environment: expected an element of "
            f"{env.action_space} ({error})"
        ) from error
