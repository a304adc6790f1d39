"""The observation batch a trained policy takes, checked against its environment's space.

A rebuilt policy (``make_policy``, ``lagom eval``) maps a batch ``[B, *obs_shape]`` to a batch
of actions. Without a check, an observation of one step (no batch axis) or of another
environment reaches the network as it is: torch answers with a matrix-shape ``RuntimeError``,
and a linear policy (CEM, CMA-ES) even returns an answer of the wrong shape.
:func:`checked_policy` refuses such input with a ``ValueError`` that names the shape expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from lagom._types import NDArray

__all__ = ["check_observations", "checked_policy"]


def _batch(x: object, name: str, space: gym.Space[Any]) -> int:
    """The batch size ``B`` of ``x``, an array ``[B, *space.shape]`` of real numbers."""
    try:
        array = np.asarray(x)
    except (TypeError, ValueError):  # ragged nested lists
        raise TypeError(f"{name} must be an array, got {type(x).__name__} {x!r:.60}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be an array of bools or real numbers, got dtype {array.dtype}"
        )
    shape = tuple(space.shape or ())
    if array.ndim != len(shape) + 1 or array.shape[1:] != shape or len(array) == 0:
        dims = ", ".join(["B", *map(str, shape)])
        raise ValueError(
            f"{name} must have shape [{dims}] with B >= 1 (a batch of the environment's "
            f"{type(space).__name__} observations), got shape {array.shape}"
        )
    return len(array)


def _batches(x: object, name: str, space: gym.Space[Any], sizes: set[int]) -> None:
    if isinstance(space, gym.spaces.Dict):
        if not isinstance(x, Mapping):
            raise TypeError(
                f"{name} must be a dict of arrays (keys {sorted(space.spaces)}) for a Dict "
                f"space, got {type(x).__name__}"
            )
        missing = sorted(key for key in space.spaces if key not in x)
        if missing:
            raise ValueError(f"{name} lacks the keys {missing} of the Dict space")
        for key, sub in space.spaces.items():
            _batches(x[key], f"{name}[{key!r}]", sub, sizes)
        return
    if isinstance(x, Mapping):
        raise TypeError(f"{name} must be an array for a {type(space).__name__} space, got a dict")
    sizes.add(_batch(x, name, space))


def check_observations(observations: object, space: gym.Space[Any]) -> None:
    """Raise unless ``observations`` is a batch of ``space``'s observations: an array
    ``[B, *space.shape]`` with ``B >= 1``, or for a ``Dict`` space a dict holding such a batch
    under each of its keys (others are allowed), all of the same ``B``.

    Raises:
        TypeError: not an array (a dict for a ``Dict`` space), or not of real numbers.
        ValueError: another shape (one observation without the batch axis, another
            environment's), ``B == 0``, a missing key, or batches of different sizes.

    Example:
        >>> box = gym.spaces.Box(-1.0, 1.0, (4,))
        >>> check_observations(np.zeros((3, 4)), box)
        >>> check_observations(np.zeros(4), box)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: observations must have shape [B, 4] with B >= 1 (...), got shape (4,)
    """
    sizes: set[int] = set()
    _batches(observations, "observations", space, sizes)
    if len(sizes) > 1:
        raise ValueError(f"observations must share one batch size, got sizes {sorted(sizes)}")


def checked_policy(
    policy: Callable[[NDArray[Any]], NDArray[Any]], space: gym.Space[Any]
) -> Callable[[NDArray[Any]], NDArray[Any]]:
    """``policy`` with its input checked first by :func:`check_observations` against
    ``space``, the observation space of the environment it was trained on.

    Example:
        >>> act = checked_policy(lambda obs: np.zeros(len(obs), np.int64),
        ...                      gym.spaces.Box(-1.0, 1.0, (2,)))
        >>> act(np.ones((3, 2)))
        array([0, 0, 0])
        >>> act(np.ones(2))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: observations must have shape [B, 2] with B >= 1 ...
    """
    if not callable(policy):
        raise TypeError(f"policy must be callable, got {type(policy).__name__}")
    if not isinstance(space, gym.Space):
        raise TypeError(f"space must be a gymnasium space, got {type(space).__name__}")

    def checked(observations: NDArray[Any]) -> NDArray[Any]:
        check_observations(observations, space)
        return policy(observations)

    return checked
