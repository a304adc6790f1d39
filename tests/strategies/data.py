"""Hypothesis strategies for ``lagom.data``: raw episodes and batched rollouts.

An :class:`Episode` holds the plain lists a runner would record; tests build time steps and
trajectories from them and use the lists as the oracle.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom.data import StepType, TimeStep

__all__ = ["ENDINGS", "Episode", "episodes", "rollout_arrays"]

#: How an episode's record stops: still running, or ended by the flags shown.
ENDINGS = ("running", "terminated", "truncated", "both")

_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_finite32 = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)


@attrs.frozen
class Episode:
    """T+1 observations, T actions/rewards/infos, and how the record stops."""

    observations: list[np.ndarray[Any, Any]]
    actions: list[int]
    rewards: list[float]
    infos: list[dict[str, Any]]
    ending: str
    reset_info: dict[str, Any]

    @property
    def T(self) -> int:
        return len(self.actions)

    @property
    def terminated(self) -> list[bool]:
        """Per transition: only the last one may be terminated."""
        return [t == self.T - 1 and self.ending in ("terminated", "both") for t in range(self.T)]

    @property
    def truncated(self) -> list[bool]:
        return [t == self.T - 1 and self.ending in ("truncated", "both") for t in range(self.T)]

    def timesteps(self) -> list[TimeStep]:
        """The T+1 time steps of the episode, built field by field from the raw lists."""
        steps = [TimeStep(StepType.FIRST, self.observations[0], info=self.reset_info)]
        for t in range(self.T):
            ended = self.terminated[t] or self.truncated[t]
            steps.append(
                TimeStep(
                    StepType.LAST if ended else StepType.MID,
                    self.observations[t + 1],
                    self.rewards[t],
                    self.terminated[t],
                    self.truncated[t],
                    self.infos[t],
                )
            )
        return steps


@st.composite
def episodes(draw: st.DrawFn, max_T: int = 12, min_T: int = 0) -> Episode:
    """Valid episodes: 0..max_T transitions, observations of one random shape, any ending."""
    T = draw(st.integers(min_T, max_T))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    observations = draw(
        st.lists(hnp.arrays(np.float64, shape, elements=_finite), min_size=T + 1, max_size=T + 1)
    )
    actions = draw(st.lists(st.integers(0, 5), min_size=T, max_size=T))
    rewards = draw(st.lists(_finite, min_size=T, max_size=T))
    infos = [{"V": draw(_finite), "t": t} if draw(st.booleans()) else {} for t in range(T)]
    ending = draw(st.sampled_from(ENDINGS)) if T > 0 else "running"
    return Episode(observations, actions, rewards, infos, ending, {"seed": draw(st.integers())})


@st.composite
def rollout_arrays(draw: st.DrawFn) -> dict[str, np.ndarray[Any, Any]]:
    """Keyword arguments of a valid ``Rollout``: consistent ``[T, N, ...]`` arrays."""
    T, N = draw(st.integers(0, 6)), draw(st.integers(1, 4))
    obs_shape = (T, N, *draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)))
    flags = hnp.arrays(np.bool_, (T, N))
    return {
        "observations": draw(hnp.arrays(np.float32, obs_shape, elements=_finite32)),
        "actions": draw(hnp.arrays(np.int64, (T, N), elements=st.integers(0, 3))),
        "rewards": draw(hnp.arrays(np.float64, (T, N), elements=_finite)),
        "terminated": draw(flags),
        "truncated": draw(flags),
        "next_observations": draw(hnp.arrays(np.float32, obs_shape, elements=_finite32)),
    }
