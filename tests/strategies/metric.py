"""Hypothesis strategies for ``lagom.metric``: time-major rollouts and discount factors."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["Rollout", "discounts", "rollouts", "split_episodes", "value_arrays"]

#: Factors in [0, 1] with the edge values 0 and 1 drawn often.
discounts = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))

_BATCH_SHAPES = [(), (1,), (3,), (2, 3)]
_values = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, width=32)


def value_arrays(shape: tuple[int, ...], dtype: Any = np.float64) -> st.SearchStrategy[Any]:
    """Arrays of ``shape`` with the magnitudes rollouts use (rewards and values in [-10, 10])."""
    return hnp.arrays(dtype, shape, elements=_values)


class Rollout(NamedTuple):
    """``[T, *B]`` arrays as a vectorized environment records them.

    ``next_values[t]`` equals ``values[t + 1]`` wherever step ``t`` did not end its episode
    (the same observation); elsewhere it is the value of the true final observation (or of
    the observation after the rollout), drawn independently.
    """

    rewards: np.ndarray[Any, Any]
    values: np.ndarray[Any, Any]
    next_values: np.ndarray[Any, Any]
    terminated: np.ndarray[Any, Any]
    truncated: np.ndarray[Any, Any]

    @property
    def done(self) -> np.ndarray[Any, Any]:
        return self.terminated | self.truncated

    @property
    def flags(self) -> dict[str, np.ndarray[Any, Any]]:
        return {"terminated": self.terminated, "truncated": self.truncated}


@st.composite
def rollouts(
    draw: st.DrawFn,
    min_T: int = 1,
    max_T: int = 30,
    dtype: Any = None,
    batch_shapes: list[tuple[int, ...]] | None = None,
) -> Rollout:
    """A rollout of ``T`` in ``[min_T, max_T]`` steps, float64 or float32 unless ``dtype``."""
    T = draw(st.integers(min_T, max_T))
    shape = (T, *draw(st.sampled_from(batch_shapes or _BATCH_SHAPES)))
    dtype = dtype or draw(st.sampled_from([np.float64, np.float32]))
    rewards = draw(value_arrays(shape, dtype))
    values = draw(value_arrays(shape, dtype))
    final_values = draw(value_arrays(shape, dtype))
    # 0: the episode goes on; 1: terminated; 2: truncated; 3: both flags set.
    # A zero fill makes sparse episode ends; Hypothesis' own fill often gives dense ones.
    fill = draw(st.sampled_from([st.just(0), None]))
    kind = draw(hnp.arrays(np.int8, shape, elements=st.integers(0, 3), fill=fill))
    ends = kind != 0
    terminated = (kind == 1) | (kind == 3)
    truncated = (kind == 2) | (kind == 3)
    next_values = final_values.copy()
    inside = ~ends[:-1]
    next_values[:-1][inside] = values[1:][inside]
    return Rollout(rewards, values, next_values, terminated, truncated)


def split_episodes(done: np.ndarray[Any, Any]) -> list[slice]:
    """The ``[start, stop)`` time ranges of the episodes (or pieces) in one 1-D column."""
    stops = [t + 1 for t in np.flatnonzero(done)]
    if not stops or stops[-1] != len(done):
        stops.append(len(done))
    starts = [0, *stops[:-1]]
    return [slice(start, stop) for start, stop in zip(starts, stops, strict=True)]
