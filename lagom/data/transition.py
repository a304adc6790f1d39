"""A single transition ``(s, a, r, s', terminated, truncated)``: :class:`Transition`."""

from __future__ import annotations

from typing import Any

import attrs

from lagom.data._freeze import freeze, thaw
from lagom.data._values import values_equal

__all__ = ["Transition"]

_value_eq = attrs.cmp_using(eq=values_equal)


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
    observation: Any = attrs.field(converter=freeze, eq=_value_eq, hash=False)
    action: Any = attrs.field(converter=freeze, eq=_value_eq, hash=False)
    reward: float
    next_observation: Any = attrs.field(converter=freeze, eq=_value_eq, hash=False)
    terminated: bool
    truncated: bool

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
