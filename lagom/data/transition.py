"""A single transition ``(s, a, r, s', terminated, truncated)``: :class:`Transition`."""

from __future__ import annotations

from typing import Any

import attrs

from lagom.data._values import values_equal

__all__ = ["Transition"]

_value_eq = attrs.cmp_using(eq=values_equal)


@attrs.frozen
class Transition:
    """One transition of an episode, as listed by :attr:`Trajectory.transitions`.

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
    """

    observation: Any = attrs.field(eq=_value_eq, hash=False)
    action: Any = attrs.field(eq=_value_eq, hash=False)
    reward: float
    next_observation: Any = attrs.field(eq=_value_eq, hash=False)
    terminated: bool
    truncated: bool

    @property
    def done(self) -> bool:
        """``terminated or truncated``."""
        return self.terminated or self.truncated
