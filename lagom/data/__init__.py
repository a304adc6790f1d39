"""lagom's data records: time steps, episodes and batched rollouts.

- :class:`StepType`, :class:`TimeStep`: one step of an episode, with gymnasium's separate
  ``terminated`` and ``truncated`` flags.
- :class:`Trajectory`: one episode (or a piece of one) as T+1 steps and T actions, built in
  O(T) by ``add`` or at once by ``from_steps``; :class:`Transition` is one of its steps.
- :class:`Rollout`: T steps of N vectorized environments as time-major ``[T, N, ...]`` arrays.

Everything here is frozen and needs only numpy and attrs.

Example:
    >>> import numpy as np
    >>> from lagom.data import StepType, TimeStep, Trajectory
    >>> traj = Trajectory.from_steps(
    ...     [TimeStep(StepType.FIRST, np.zeros(2)), TimeStep(StepType.LAST, np.ones(2), 1.0, True)],
    ...     actions=[0],
    ... )
    >>> traj.T, traj.reach_terminal, traj.rewards
    (1, True, array([1.]))
"""

from __future__ import annotations

from lagom.data.rollout import Rollout
from lagom.data.timestep import StepType, TimeStep
from lagom.data.trajectory import Trajectory
from lagom.data.transition import Transition

__all__ = ["Rollout", "StepType", "TimeStep", "Trajectory", "Transition"]
