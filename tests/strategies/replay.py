"""Hypothesis strategies for ``lagom.runner``'s replay buffers: one environment's stream of
transitions, and prioritized-replay histories."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["Stream", "priority_histories", "streams"]

#: Kinds of episode end: none, terminated, truncated, both.
_ENDS = ((False, False), (True, False), (False, True), (True, True))


@attrs.frozen(eq=False)
class Stream:
    """``M`` transitions of one environment in time order, for a buffer of ``capacity`` rows.

    Every observation is unique (its value is its id): after an episode's end the next
    observation is the final one and the next transition starts from a new (reset) id.
    """

    capacity: int
    n_actions: int
    observations: np.ndarray[Any, Any]  # [M, 1]
    actions: np.ndarray[Any, Any]  # [M] int64
    rewards: np.ndarray[Any, Any]  # [M] float32 values
    next_observations: np.ndarray[Any, Any]  # [M, 1]
    terminated: np.ndarray[Any, Any]  # [M] bool
    truncated: np.ndarray[Any, Any]  # [M] bool

    def add_to(self, buffer: Any, first: int = 0, last: int | None = None) -> None:
        """Add transitions ``first .. last - 1`` to ``buffer``, one per call."""
        for g in range(first, len(self.rewards) if last is None else last):
            buffer.add(
                self.observations[g : g + 1],
                self.actions[g : g + 1],
                self.rewards[g : g + 1],
                self.next_observations[g : g + 1],
                self.terminated[g : g + 1],
                self.truncated[g : g + 1],
            )


@st.composite
def streams(draw: st.DrawFn, max_len: int = 30) -> Stream:
    """A :class:`Stream` of 1 to ``max_len`` transitions with every kind of episode end."""
    M = draw(st.integers(1, max_len))
    capacity = draw(st.integers(1, 12))
    n_actions = draw(st.integers(1, 3))
    ends = draw(hnp.arrays(np.int8, M, elements=st.integers(0, len(_ENDS) - 1)))
    rewards = draw(
        hnp.arrays(np.float32, M, elements=st.floats(-10, 10, width=32, allow_subnormal=False))
    )
    actions = draw(hnp.arrays(np.int64, M, elements=st.integers(0, n_actions - 1)))
    ids = iter(range(1, 3 * M + 2))
    obs, next_obs = np.zeros(M), np.zeros(M)
    current = next(ids)
    for g in range(M):
        obs[g], next_obs[g] = current, next(ids)
        current = next(ids) if any(_ENDS[ends[g]]) else next_obs[g]
    return Stream(
        capacity=capacity,
        n_actions=n_actions,
        observations=obs[:, None],
        actions=actions,
        rewards=rewards,
        next_observations=next_obs[:, None],
        terminated=np.array([_ENDS[e][0] for e in ends]),
        truncated=np.array([_ENDS[e][1] for e in ends]),
    )


@st.composite
def priority_histories(
    draw: st.DrawFn,
) -> tuple[int, float, float, list[tuple[int, list[int], list[float]]]]:
    """``(capacity, alpha, eps, steps)``: each step adds ``k`` transitions, then sets the TD
    errors of some stored rows (indices into the rows stored at that point, repeats allowed).
    """
    capacity = draw(st.integers(1, 12))
    alpha = draw(st.sampled_from([0.0, 0.5, 0.6, 1.0]) | st.floats(0.0, 2.0))
    eps = draw(st.sampled_from([1e-6, 0.01, 1.0]))
    steps = []
    stored = 0
    for _ in range(draw(st.integers(1, 8))):
        k = draw(st.integers(1, capacity))
        stored = min(stored + k, capacity)
        rows = draw(st.lists(st.integers(0, stored - 1), max_size=6))
        errors = draw(st.lists(st.floats(-50, 50), min_size=len(rows), max_size=len(rows)))
        steps.append((k, rows, errors))
    return capacity, alpha, eps, steps
