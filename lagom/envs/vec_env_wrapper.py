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
    and ``render_mode``. It adds lagom's :meth:`get_images`, ``len()`` and ``unwrapped``
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
    """``env.step(action)``, with an environment's assertion on a bad action as ValueError;
    its reward checked to be a real number (returned as it came), its flags bools (returned
    as Python bools) and its info a mapping (a dict).

    Raises:
        ValueError: the environment refused ``action``.
        TypeError: the environment returned a reward that is not a real number, a flag that
            is not a bool (``float()`` and ``or`` would read ``"1.5"``, ``[1.5]``, ``2`` or
            ``None`` silently), or an info that is not a dict.
    """
    try:
        result: tuple[Any, ...] = env.step(action)
    except AssertionError as error:  # gymnasium's environments assert their actions
        raise ValueError(
            f"action {action!r:.60} was refused by the environment: expected an element of "
            f"{env.action_space} ({error})"
        ) from error
    observation, reward, terminated, truncated, info = result
    if type(reward) is not float:
        _reward(reward, "env.step")
    if type(terminated) is not bool:
        terminated = _flag("terminated", terminated, "env.step")
    if type(truncated) is not bool:
        truncated = _flag("truncated", truncated, "env.step")
    if type(info) is not dict:
        info = _info(info, "env.step")
    return observation, reward, terminated, truncated, info


_REAL_SCALARS = (int, float, np.integer, np.floating)


def _reward(reward: object, where: str) -> float:
    """An environment's ``reward`` as a float: a real number (a Python or numpy scalar, or a
    0-d array of one); ``float()`` would take ``"1.5"`` and unwrap ``[1.5]`` silently.

    Raises:
        TypeError: ``reward`` is not a real number (``where`` names the environment).
    """
    if isinstance(reward, _REAL_SCALARS):
        return float(reward)
    if isinstance(reward, np.ndarray) and reward.ndim == 0 and reward.dtype.kind in "biuf":
        return float(reward)
    raise TypeError(
        f"{where} must return a reward that is a real number (a float or a 0-d array), got "
        f"{type(reward).__name__} {reward!r:.60}"
    )


def _flag(name: str, value: object, where: str) -> bool:
    """An environment's ``terminated`` or ``truncated``: a bool (or a numpy bool).

    Raises:
        TypeError: ``value`` is not a bool: ``2``, ``0.5``, ``"False"`` or ``None`` would
            each be read as a flag, silently.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(
        f"{where} must return {name} as a bool, got {type(value).__name__} {value!r:.60}"
    )


def _info(info: object, where: str) -> dict[str, Any]:
    """An environment's ``info``, checked to be a mapping (as a dict)."""
    if isinstance(info, Mapping):
        return dict(info)
    raise TypeError(f"{where} must return info as a dict, got {type(info).__name__} {info!r:.60}")
