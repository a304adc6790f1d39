"""A single transition ``(s, a, r, s', terminated, truncated)``: :class:`Transition`."""

from __future__ import annotations

from typing import Any

import attrs

from lagom.data._freeze import freeze_value, thaw
from lagom.data._values import values_equal
from lagom.data.timestep import _to_flag, _to_reward

__all__ = ["Transition"]

_value_eq = attrs.cmp_using(eq=values_equal)


def _to_required_reward(value: float) -> float:
    reward = _to_reward(value)
    if reward is None:
        raise TypeError("reward must be a real number, got None")
    return reward


def _to_terminated(value: bool) -> bool:
    return _to_flag("terminated", value)


def _to_truncated(value: bool) -> bool:
    return _to_flag("truncated", value)


@attrs.frozen
class Transition:
    """One transition of an episode, as listed by :attr:`Trajectory.transitions`.

    Deeply immutable: ``observation``, ``action`` and ``next_observation`` are stored as
    read-only copies, as in :class:`TimeStep` (a numpy array is copied once unless it is
    already read-only down to its memory, as the arrays of a trajectory's steps are, so
    :attr:`Trajectory.transitions` copies nothing).

    Args:
        observation: observation ``s_t`` the action was taken at.
        action: action ``a_t``.
        reward: reward ``r_t`` received for the transition.
        next_observation: the true next observation ``s_{t+1}`` (the final one if the
            episode ended here, never a reset observation).
        terminated: ``s_{t+1}`` is a terminal state (no bootstrap from it).
        truncated: the episode was cut at ``s_{t+1}`` (bootstrap from its value).

    Raises:
        TypeError: ``reward`` is not a real number (a bool included), or a flag is not a
            bool (Python or numpy).
        ValueError: ``reward`` is NaN or infinite.

    Example:
        >>> tr = Transition(0, "left", 1.0, 1, terminated=False, truncated=True)
        >>> tr.done, tr == Transition(0, "left", 1.0, 1, False, True)
        (True, True)
        >>> import numpy as np
        >>> Transition(np.zeros(2), 0, 1.0, np.ones(2), False, False).observation[0] = 1.0
        Traceback (most recent call last):
        ValueError: assignment destination is read-only
    """

    # Any: the environment's observations and actions, of whatever space it has.
    observation: Any = attrs.field(converter=freeze_value, eq=_value_eq, hash=False)
    action: Any = attrs.field(converter=freeze_value, eq=_value_eq, hash=False)
    reward: float = attrs.field(converter=_to_required_reward)
    next_observation: Any = attrs.field(converter=freeze_value, eq=_value_eq, hash=False)
    terminated: bool = attrs.field(converter=_to_terminated)
    truncated: bool = attrs.field(converter=_to_truncated)

    @property
    def done(self) -> bool:
        """``terminated or truncated``."""
        return self.terminated or self.truncated

    def __reduce__(self) -> tuple[Any, ...]:
        # A mapping proxy cannot be pickled: pass plain dicts, which the constructor freezes.
        return (
            Transition,
            (
                thaw(self.observation),
                thaw(self.action),
                self.reward,
                thaw(self.next_observation),
                self.terminated,
                self.truncated,
            ),
        )
