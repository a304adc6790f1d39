r"""One-step temporal-difference targets and errors, TD(0).

Step ``t`` goes from ``s_t`` with reward ``r_t`` to ``s_{t+1}``; ``V(s_{t+1})`` is the value
of the *true* next observation (for a step that ended an episode, its final observation).
A terminated step has no future, so its target is ``r_t`` alone; a truncated one keeps
its bootstrap::

    target_t = r_t + γ (1 - terminated_t) V(s_{t+1})
    δ_t      = target_t - V(s_t)
"""

from __future__ import annotations

from typing import overload

import numpy as np

from lagom._types import ArrayOrTensor, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray
from lagom.metric._episode import as_episode
from lagom.metric._inputs import Batch, as_batch, check_discount, check_overflow

__all__ = ["batched_td0_error", "batched_td0_target", "td0_error", "td0_target"]


@overload
def batched_td0_target(
    gamma: float,
    rewards: NDArray[FloatT],
    next_values: NDArray[FloatT],
    *,
    terminated: ArrayOrTensor,
) -> NDArray[FloatT]: ...
@overload
def batched_td0_target(
    gamma: float,
    rewards: IntoFloat64,
    next_values: IntoFloat64,
    *,
    terminated: ArrayOrTensor,
) -> Float64Array: ...
@overload
def batched_td0_target(
    gamma: float, rewards: ArrayOrTensor, next_values: ArrayOrTensor, *, terminated: ArrayOrTensor
) -> FloatArray: ...
def batched_td0_target(
    gamma: float, rewards: ArrayOrTensor, next_values: ArrayOrTensor, *, terminated: ArrayOrTensor
) -> FloatArray:
    r"""TD(0) targets ``r_t + γ (1 - terminated_t) V(s_{t+1})`` of a time-major batch.

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T, *B]`` rewards ``r_t``, ``t`` in ``[0, T-1]``.
        next_values: ``[T, *B]`` values ``V(s_{t+1})`` of the observation that followed
            step ``t``, ``t`` in ``[0, T-1]``; for a step that ended an episode, the value of
            its final observation (never of the reset one). Not read where terminated, but
            must be finite everywhere.
        terminated: ``[T, *B]`` booleans (or 0/1): step ``t`` reached a terminal state.
            Truncation needs no flag here: a truncated step bootstraps like any other.

    Returns:
        ``[T, *B]`` targets, in the widest float dtype of the inputs (float64 if none).

    Raises:
        ValueError: shapes differ, an input is 0-d, ``gamma`` is outside ``[0, 1]``,
            ``rewards`` or ``next_values`` holds NaN or ±inf (the message names the first
            index), a flag is not 0/1, an input is not array-like (a ragged list), or the
            targets overflow the result's dtype.
        TypeError: an input is ``None`` or does not hold real numbers, or ``gamma`` is not
            a real number.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_td0_target
        >>> rewards = np.array([[1.0, 1.0], [2.0, 2.0]])
        >>> next_values = np.array([[10.0, 10.0], [20.0, 20.0]])
        >>> terminated = np.array([[False, False], [False, True]])
        >>> batched_td0_target(0.5, rewards, next_values, terminated=terminated)
        array([[ 6.,  6.],
               [12.,  2.]])
    """
    gamma = check_discount("gamma", gamma)
    batch = as_batch({"rewards": rewards, "next_values": next_values}, {"terminated": terminated})
    with np.errstate(over="ignore"):
        target = _td0_target(gamma, batch)
    check_overflow(target)
    return batch.restore(target)


@overload
def batched_td0_error(
    gamma: float,
    rewards: NDArray[FloatT],
    values: NDArray[FloatT],
    next_values: NDArray[FloatT],
    *,
    terminated: ArrayOrTensor,
) -> NDArray[FloatT]: ...
@overload
def batched_td0_error(
    gamma: float,
    rewards: IntoFloat64,
    values: IntoFloat64,
    next_values: IntoFloat64,
    *,
    terminated: ArrayOrTensor,
) -> Float64Array: ...
@overload
def batched_td0_error(
    gamma: float,
    rewards: ArrayOrTensor,
    values: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
) -> FloatArray: ...
def batched_td0_error(
    gamma: float,
    rewards: ArrayOrTensor,
    values: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
) -> FloatArray:
    r"""TD(0) errors ``δ_t = r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t)`` of a batch.

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T, *B]`` rewards ``r_t``, ``t`` in ``[0, T-1]``.
        values: ``[T, *B]`` values ``V(s_t)``, ``t`` in ``[0, T-1]``.
        next_values: ``[T, *B]`` values ``V(s_{t+1})`` of the true next observations, as in
            :func:`batched_td0_target`.
        terminated: ``[T, *B]`` booleans (or 0/1): step ``t`` reached a terminal state.

    Returns:
        ``[T, *B]`` TD errors, in the widest float dtype of the inputs (float64 if none).

    Raises:
        ValueError: as :func:`batched_td0_target`; ``values`` too must be finite.
        TypeError: an input is ``None`` or does not hold real numbers.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_td0_error
        >>> rewards = np.array([[1.0], [2.0]], dtype=np.float32)
        >>> values = np.array([[3.0], [4.0]], dtype=np.float32)
        >>> next_values = np.array([[4.0], [8.0]], dtype=np.float32)
        >>> batched_td0_error(0.5, rewards, values, next_values, terminated=[[0], [1]])
        array([[ 0.],
               [-2.]], dtype=float32)
    """
    gamma = check_discount("gamma", gamma)
    batch = as_batch(
        {"rewards": rewards, "values": values, "next_values": next_values},
        {"terminated": terminated},
    )
    with np.errstate(over="ignore", invalid="ignore"):
        delta = _td0_error(gamma, batch)
    check_overflow(delta)
    return batch.restore(delta)


@overload
def td0_target(
    gamma: float,
    rewards: NDArray[FloatT],
    Vs: NDArray[FloatT],
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> NDArray[FloatT]: ...
@overload
def td0_target(
    gamma: float,
    rewards: IntoFloat64,
    Vs: IntoFloat64,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> Float64Array: ...
@overload
def td0_target(
    gamma: float,
    rewards: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray: ...
def td0_target(
    gamma: float,
    rewards: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray:
    r"""TD(0) targets of one episode: ``r_t + γ V(s_{t+1})``, ``t`` in ``[0, T-1]``.

    ``V(s_{t+1})`` is ``Vs[t + 1]`` inside the episode and ``last_V`` after its last step,
    where it is replaced by zero if ``reach_terminal``: the value of a terminal state is
    masked out.

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T]`` rewards ``r_t``, ``t`` in ``[0, T-1]`` (list, array or tensor).
        Vs: ``[T]`` values ``V(s_t)``, ``t`` in ``[0, T-1]``; required.
        last_V: ``V(s_T)``: a float, 0-d or one-element array or tensor; finite even where
            ``reach_terminal`` masks it out.
        reach_terminal: whether ``s_T`` is a terminal state.

    Returns:
        ``[T]`` targets, in the widest float dtype of ``rewards`` and ``Vs``.

    Raises:
        ValueError: ``rewards`` and ``Vs`` are not 1-D of one length, ``last_V`` is not a
            single number, ``gamma`` is outside ``[0, 1]``, ``rewards``, ``Vs`` or
            ``last_V`` holds NaN or ±inf (the message names the first index), ``last_V``
            does not fit in their dtype, or the result overflows it.
        TypeError: an input is ``None`` or does not hold real numbers.

    Example:
        >>> from lagom.metric import td0_target
        >>> td0_target(0.5, [0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], 40, reach_terminal=False)
        array([ 1.1,  1.7,  2.3, 20.4])
    """
    episode, _ = as_episode({"rewards": rewards, "Vs": Vs}, last_V, reach_terminal)
    return batched_td0_target(
        gamma, episode.rewards, episode.next_values, terminated=episode.terminated
    )[:, 0]


@overload
def td0_error(
    gamma: float,
    rewards: NDArray[FloatT],
    Vs: NDArray[FloatT],
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> NDArray[FloatT]: ...
@overload
def td0_error(
    gamma: float,
    rewards: IntoFloat64,
    Vs: IntoFloat64,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> Float64Array: ...
@overload
def td0_error(
    gamma: float,
    rewards: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray: ...
def td0_error(
    gamma: float,
    rewards: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray:
    r"""TD(0) errors of one episode: ``δ_t = r_t + γ V(s_{t+1}) - V(s_t)``, ``t`` in ``[0, T-1]``.

    ``V(s_{t+1})`` is ``Vs[t + 1]`` inside the episode and ``last_V`` after its last step,
    where it is replaced by zero if ``reach_terminal``.

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T]`` rewards ``r_t``, ``t`` in ``[0, T-1]`` (list, array or tensor).
        Vs: ``[T]`` values ``V(s_t)``, ``t`` in ``[0, T-1]``; required.
        last_V: ``V(s_T)``: a float, 0-d or one-element array or tensor; finite.
        reach_terminal: whether ``s_T`` is a terminal state.

    Returns:
        ``[T]`` TD errors, in the widest float dtype of ``rewards`` and ``Vs``.

    Raises:
        ValueError: as :func:`td0_target`.
        TypeError: an input is ``None`` or does not hold real numbers.

    Example:
        >>> from lagom.metric import td0_error
        >>> td0_error(0.5, [0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], 40, reach_terminal=True)
        array([ 0.1, -0.3, -0.7, -3.6])
    """
    episode, _ = as_episode({"rewards": rewards, "Vs": Vs}, last_V, reach_terminal)
    return batched_td0_error(
        gamma, episode.rewards, episode.values, episode.next_values, terminated=episode.terminated
    )[:, 0]


def _td0_target(gamma: float, batch: Batch) -> FloatArray:
    # where, not a product with the mask: a terminated step's next value is not read.
    bootstrap = np.where(batch.flags["terminated"], 0.0, batch.floats["next_values"])
    bootstrap *= gamma
    bootstrap += batch.floats["rewards"]
    return bootstrap


def _td0_error(gamma: float, batch: Batch) -> FloatArray:
    delta = _td0_target(gamma, batch)
    delta -= batch.floats["values"]
    return delta
