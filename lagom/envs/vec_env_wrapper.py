"""The base class of lagom's wrappers for vectorized environments: :class:`VecEnvWrapper`."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import VectorEnv, VectorWrapper

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
