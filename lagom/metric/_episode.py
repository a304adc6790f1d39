"""One episode, as the seed's functions take it, reshaped into a ``[T, 1]`` batch (private).

The seed's single-episode functions take ``rewards`` and ``Vs`` for ``t`` in ``[0, T-1]``,
``last_V = V(s_T)`` and ``reach_terminal``. The batched engine wants per-step
``next_values`` and flags instead:

* ``next_values[t] = Vs[t + 1]`` for ``t < T-1`` and ``next_values[T-1] = last_V``;
* ``terminated[T-1] = reach_terminal``, every other flag false: an episode that did not
  reach a terminal state bootstraps from ``last_V`` because its last step ends the rollout.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from lagom._types import ArrayOrTensor, BoolArray, NDArray
from lagom.metric._inputs import (
    as_array,
    as_scalar,
    check_finite,
    check_same_shape,
    result_dtype,
)

__all__ = ["Episode", "as_episode"]


class Episode(NamedTuple):
    """The ``[T, 1]`` arrays the batched functions take for one episode."""

    rewards: NDArray[Any]
    values: NDArray[Any]
    next_values: NDArray[Any]
    terminated: BoolArray
    truncated: BoolArray


def as_episode(
    per_step: dict[str, ArrayOrTensor],
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> tuple[Episode, dict[str, NDArray[Any]]]:
    """Check one episode's inputs and reshape them for the batched engine.

    Args:
        per_step: name (as in the caller's signature) -> ``[T]`` input, ``t`` in
            ``[0, T-1]``. The first entry is the rewards ``r_t``; an entry ``"Vs"``, where
            the metric takes one, the values ``V(s_t)`` (all zeros without it); any other
            (log-probabilities) is checked and reshaped only. Every one is required and
            must be finite.
        last_V: ``V(s_T)``, the value of the observation after the last reward; finite,
            even where ``reach_terminal`` masks it out, and within the range of the
            per-step inputs' float dtype.
        reach_terminal: whether ``s_T`` is terminal (then ``last_V`` is not used).

    Returns:
        The episode as ``[T, 1]`` arrays, and the other per-step inputs as ``[T, 1]`` arrays.
    """
    arrays = {name: as_array(name, x) for name, x in per_step.items()}
    check_same_shape(arrays, ndim=1)
    for name, array in arrays.items():
        check_finite(name, array)
    last_value = as_scalar("last_V", last_V)
    terminal = _as_bool("reach_terminal", reach_terminal)

    rewards_name = next(iter(arrays))
    r = arrays[rewards_name]
    T = r.shape[0]
    if "Vs" in arrays:
        values = arrays["Vs"]
        dtype = result_dtype(r, values)
    else:
        dtype = result_dtype(r)
        values = np.zeros(T, dtype=dtype)
    if dtype.kind == "f" and abs(float(last_value)) > float(np.finfo(dtype).max):
        # Assigned into the episode's arrays, it would become ±inf (with a numpy warning).
        raise ValueError(
            f"last_V must fit in {dtype}, the dtype of the episode's per-step inputs "
            f"(at most about {float(np.finfo(dtype).max):.4g}), got {float(last_value)}"
        )
    next_values = np.zeros(T, dtype=dtype)
    terminated = np.zeros((T, 1), dtype=bool)
    if T:
        next_values[:-1] = values[1:]
        next_values[-1] = last_value
        terminated[-1] = terminal
    episode = Episode(
        rewards=r[:, np.newaxis],
        values=values[:, np.newaxis],
        next_values=next_values[:, np.newaxis],
        terminated=terminated,
        truncated=np.zeros((T, 1), dtype=bool),
    )
    others = {
        name: array[:, np.newaxis]
        for name, array in arrays.items()
        if name not in (rewards_name, "Vs")
    }
    return episode, others


def _as_bool(name: str, x: bool | ArrayOrTensor) -> bool:
    array = as_array(name, x)
    if array.size != 1 or array.reshape(()) not in (0, 1):
        raise ValueError(f"{name} must be a single bool, got {x!r}")
    return bool(array.reshape(()))
