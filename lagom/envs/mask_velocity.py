"""Partial observability: :class:`MaskObservation` keeps some entries of a Box observation,
:class:`MaskVelocity` hides CartPole's velocities.

A policy that sees CartPole's positions ``x`` and ``θ`` but not their velocities ``ẋ`` and
``θ̇`` must infer them from the history of observations: a memory-less policy cannot balance
the pole for long, a recurrent one can. ``lagom/MaskedCartPole-v1`` is registered with
gymnasium (``gym.make("lagom/MaskedCartPole-v1")``): ``CartPole-v1`` (500 steps) under
:class:`MaskVelocity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lagom._types import NDArray

__all__ = ["MASKED_CARTPOLE_ID", "MaskObservation", "MaskVelocity"]

#: The gymnasium id of CartPole-v1 without velocities (:class:`MaskVelocity`).
MASKED_CARTPOLE_ID = "lagom/MaskedCartPole-v1"


def _check_keep(keep: object, size: int) -> tuple[int, ...]:
    if isinstance(keep, (str, bytes)) or not isinstance(keep, Sequence):
        raise TypeError(
            f"keep must be a sequence of int indices of the observation, got "
            f"{type(keep).__name__} {keep!r:.60}"
        )
    indices: list[int] = []
    for index in keep:
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"keep must hold int indices, got {type(index).__name__} {index!r:.60}")
        if not 0 <= int(index) < size:
            raise ValueError(f"keep indices must lie in [0, {size}), got {int(index)} in {keep}")
        indices.append(int(index))
    if not indices or len(set(indices)) != len(indices):
        raise ValueError(f"keep must name at least one entry, each once, got {list(keep)}")
    return tuple(indices)


class MaskObservation(gym.ObservationWrapper[NDArray[np.float32], Any, NDArray[np.float32]]):
    """Keep only the entries ``keep`` of a flat Box observation: ``obs' = obs[keep]``.

    The observation space becomes ``Box(low[keep], high[keep])`` with the entries in the
    order ``keep`` gives; rewards, termination and actions are unchanged.

    Args:
        env: an environment with a 1-D ``Box`` observation space.
        keep: the indices of the entries to keep, distinct, in ``[0, D)``.

    Raises:
        TypeError: ``env`` is not a gymnasium environment, its observation space is not a 1-D
            Box, or ``keep`` is not a sequence of ints.
        ValueError: ``keep`` is empty, repeats an index or names one out of range.

    Example:
        >>> env = MaskObservation(gym.make("CartPole-v1"), keep=(0, 2))
        >>> env.observation_space.shape
        (2,)
        >>> obs, _ = env.reset(seed=0)
        >>> full, _ = gym.make("CartPole-v1").reset(seed=0)
        >>> bool((obs == full[[0, 2]]).all())
        True
    """

    def __init__(self, env: gym.Env[NDArray[np.float32], Any], keep: Sequence[int]) -> None:
        if not isinstance(env, gym.Env):
            raise TypeError(f"env must be a gymnasium.Env, got {type(env).__name__}")
        space = env.observation_space
        if not isinstance(space, spaces.Box) or len(space.shape) != 1:
            raise TypeError(
                f"env must have a 1-D Box observation space (MaskObservation keeps entries of "
                f"a flat vector), got {space!r:.60}"
            )
        super().__init__(env)
        self.keep = np.array(_check_keep(keep, space.shape[0]), dtype=np.int64)
        self.observation_space = spaces.Box(
            space.low[self.keep], space.high[self.keep], dtype=np.float32
        )

    def observation(self, observation: NDArray[np.float32]) -> NDArray[np.float32]:
        """The kept entries ``observation[keep]``, float32.

        Raises:
            ValueError: ``observation`` is not a vector of the wrapped space's shape.
        """
        try:
            array = np.asarray(observation, dtype=np.float32)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"observation must be a vector of shape {self.env.observation_space.shape}, "
                f"got {type(observation).__name__} {observation!r:.60}"
            ) from error
        if array.shape != self.env.observation_space.shape:
            raise ValueError(
                f"observation must have shape {self.env.observation_space.shape}, got {array.shape}"
            )
        return array[self.keep]


class MaskVelocity(MaskObservation):
    """CartPole without velocities: keeps the cart position ``x`` (index 0) and the pole
    angle ``θ`` (index 2), hides ``ẋ`` (1) and ``θ̇`` (3).

    Args:
        env: a CartPole environment (a Box observation space of shape ``(4,)``).

    Raises:
        TypeError: ``env`` is not a gymnasium environment with a ``(4,)`` Box observation space.

    Example:
        >>> env = MaskVelocity(gym.make("CartPole-v1"))
        >>> obs, _ = env.reset(seed=1)
        >>> obs.shape, env.observation_space.shape
        ((2,), (2,))
        >>> gym.make(MASKED_CARTPOLE_ID).observation_space.shape
        (2,)
    """

    def __init__(self, env: gym.Env[NDArray[np.float32], Any]) -> None:
        space = getattr(env, "observation_space", None)
        if not isinstance(space, spaces.Box) or space.shape != (4,):
            raise TypeError(
                "env must be a CartPole environment (a Box observation space of shape (4,)), "
                f"got {space!r:.60}"
            )
        super().__init__(env, keep=(0, 2))


def _make_masked_cartpole(**kwargs: Any) -> MaskVelocity:
    """``CartPole-v1`` (its 500-step limit included) under :class:`MaskVelocity`."""
    return MaskVelocity(gym.make("CartPole-v1", **kwargs))


if MASKED_CARTPOLE_ID not in gym.registry:
    gym.register(MASKED_CARTPOLE_ID, entry_point=_make_masked_cartpole)
