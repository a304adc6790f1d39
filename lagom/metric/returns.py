r"""Discounted returns, bootstrapped where an episode was cut rather than ended.

Backwards over time, never across an episode boundary::

    G_t = r_t                              if terminated_t
    G_t = r_t + γ V(s_{t+1})               if truncated_t, or t = T-1 (the rollout ends)
    G_t = r_t + γ G_{t+1}                  otherwise

A terminated episode has no future; a truncated one (and one still running when the
rollout ends) continues from its true next observation ``s_{t+1}``, whose value stands
in for the rewards that were not seen.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from lagom._types import ArrayOrTensor, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray
from lagom.metric._compiled import compiled_returns
from lagom.metric._episode import as_episode
from lagom.metric._inputs import as_batch, check_discount, check_overflow
from lagom.metric._scan import reverse_scan, step_factors

__all__ = ["batched_returns", "bootstrapped_returns", "returns"]


@overload
def batched_returns(
    gamma: float,
    rewards: NDArray[FloatT],
    next_values: NDArray[FloatT],
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> NDArray[FloatT]: ...
@overload
def batched_returns(
    gamma: float,
    rewards: IntoFloat64,
    next_values: IntoFloat64,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> Float64Array: ...
@overload
def batched_returns(
    gamma: float,
    rewards: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> FloatArray: ...
def batched_returns(
    gamma: float,
    rewards: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> FloatArray:
    r"""Discounted returns ``G_t`` of a time-major batch, bootstrapped at cuts.

    Per column, for ``t = T-1, ..., 0`` with ``done_t = terminated_t or truncated_t``::

        G_t = r_t + γ (1 - terminated_t) V(s_{t+1})    if done_t or t = T-1
        G_t = r_t + γ G_{t+1}                          otherwise

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T, *B]`` rewards ``r_t``, ``t`` in ``[0, T-1]``.
        next_values: ``[T, *B]`` values ``V(s_{t+1})`` of the observation that followed
            step ``t``; for a step that ended an episode, the value of its final observation
            (never of the reset one). Read only where the return bootstraps: at truncated
            steps and at ``t = T-1`` unless terminated, but must be finite everywhere.
        terminated: ``[T, *B]`` booleans (or 0/1): step ``t`` reached a terminal state.
        truncated: ``[T, *B]`` booleans (or 0/1): the episode was cut after step ``t``
            (a time limit). ``done = terminated | truncated`` may be passed instead: a
            step flagged both counts as terminated.
        out: an array to write the returns into and return, as
            :func:`~lagom.metric.batched_gae`'s ``out``.

    Returns:
        ``[T, *B]`` returns, in the widest float dtype of the inputs (float64 if none).

    Raises:
        ValueError: shapes differ, an input is 0-d, ``out`` is not as described (as
            :func:`~lagom.metric.batched_gae`'s), ``gamma`` is outside ``[0, 1]``,
            ``rewards`` or ``next_values`` holds NaN or ±inf (the message names the
            argument and the first index), a flag is not 0/1, an input is not
            array-like (a ragged list), or the returns overflow the result's dtype.
        TypeError: an input is ``None`` or does not hold real numbers, or ``gamma`` is not
            a real number.

    Example:
        Column 0 runs through; column 1 is truncated at ``t = 0`` (with ``V = 2`` after it)
        and terminates at ``t = 2``:

        >>> import numpy as np
        >>> from lagom.metric import batched_returns
        >>> rewards = np.ones((3, 2))
        >>> next_values = np.array([[9.0, 2.0], [9.0, 9.0], [4.0, 9.0]])
        >>> terminated = np.array([[0, 0], [0, 0], [0, 1]], dtype=bool)
        >>> truncated = np.array([[0, 1], [0, 0], [0, 0]], dtype=bool)
        >>> batched_returns(
        ...     0.5, rewards, next_values, terminated=terminated, truncated=truncated
        ... )
        array([[2.25, 2.  ],
               [2.5 , 1.5 ],
               [3.  , 1.  ]])
    """
    gamma = check_discount("gamma", gamma)
    batch = as_batch(
        {"rewards": rewards, "next_values": next_values},
        {"terminated": terminated, "truncated": truncated},
        defer_finite=True,
    )
    target = None if out is None else batch.check_out(out)
    compiled = compiled_returns(gamma, batch.floats, batch.flags, out=target)
    if compiled is not None and compiled[1]:
        return batch.deliver(compiled[0], out)
    batch.check_finite()
    terminated_, truncated_ = batch.flags["terminated"], batch.flags["truncated"]
    bootstrap = truncated_ & ~terminated_
    if len(bootstrap):
        bootstrap[-1] = ~terminated_[-1]
    # Finite inputs may still overflow: refused below, without numpy's warnings on the way.
    with np.errstate(over="ignore", invalid="ignore"):
        # where, not a product with the mask: next values off the bootstrap steps may be
        # anything.
        x = np.where(bootstrap, batch.floats["next_values"], 0.0)
        x *= gamma
        x += batch.floats["rewards"]
        a = step_factors(terminated_ | truncated_, gamma, x.dtype)
        y = reverse_scan(x, a)
    check_overflow(y)
    return batch.deliver(y, out)


@overload
def returns(gamma: float, rewards: NDArray[FloatT]) -> NDArray[FloatT]: ...
@overload
def returns(gamma: float, rewards: IntoFloat64) -> Float64Array: ...
@overload
def returns(gamma: float, rewards: ArrayOrTensor) -> FloatArray: ...
def returns(gamma: float, rewards: ArrayOrTensor) -> FloatArray:
    r"""Discounted returns of one complete episode, ``t`` in ``[0, T-1]``.

    ``G_t = r_t + γ r_{t+1} + ... + γ^{T-1-t} r_{T-1}``: nothing follows the last reward.

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T]`` rewards ``r_t`` (list, array or tensor).

    Returns:
        ``[T]`` returns, in the float dtype of ``rewards`` (float64 for ints).

    Raises:
        ValueError: ``rewards`` is not 1-D or holds NaN or ±inf (the message names the
            first index), ``gamma`` is outside ``[0, 1]``, or the returns overflow the
            dtype of ``rewards``.
        TypeError: ``rewards`` is ``None`` or does not hold real numbers.

    Example:
        >>> from lagom.metric import returns
        >>> returns(0.1, [1, 2, 3])
        array([1.23, 2.3 , 3.  ])
    """
    return bootstrapped_returns(gamma, rewards, 0.0, reach_terminal=True)


@overload
def bootstrapped_returns(
    gamma: float,
    rewards: NDArray[FloatT],
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> NDArray[FloatT]: ...
@overload
def bootstrapped_returns(
    gamma: float,
    rewards: IntoFloat64,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> Float64Array: ...
@overload
def bootstrapped_returns(
    gamma: float,
    rewards: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray: ...
def bootstrapped_returns(
    gamma: float,
    rewards: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray:
    r"""Discounted returns of one episode, bootstrapped from ``last_V`` unless it ended.

    For ``t`` in ``[0, T-1]``::

        G_t = r_t + γ r_{t+1} + ... + γ^{T-1-t} r_{T-1} + γ^{T-t} V(s_T)

    where ``V(s_T)`` is ``last_V``, masked out as zero if ``reach_terminal``.

    Args:
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T]`` rewards ``r_t`` (list, array or tensor).
        last_V: ``V(s_T)``, value of the observation after the last reward: a float, 0-d
            or one-element array or tensor; finite even where ``reach_terminal`` masks it.
        reach_terminal: whether ``s_T`` is a terminal state.

    Returns:
        ``[T]`` returns, in the float dtype of ``rewards`` (float64 for ints).

    Raises:
        ValueError: ``rewards`` is not 1-D, ``last_V`` is not a single number, ``rewards``
            or ``last_V`` holds NaN or ±inf (the message names the first index),
            ``gamma`` is outside ``[0, 1]``, ``last_V`` does not fit in the dtype of
            ``rewards``, or the returns overflow it.
        TypeError: an input is ``None`` or does not hold real numbers.

    Example:
        >>> from lagom.metric import bootstrapped_returns
        >>> bootstrapped_returns(0.5, [1.0, 1.0], 4.0, reach_terminal=False)
        array([2.5, 3. ])
        >>> bootstrapped_returns(0.5, [1.0, 1.0], 4.0, reach_terminal=True)
        array([1.5, 1. ])
    """
    episode, _ = as_episode({"rewards": rewards}, last_V, reach_terminal)
    return batched_returns(
        gamma,
        episode.rewards,
        episode.next_values,
        terminated=episode.terminated,
        truncated=episode.truncated,
    )[:, 0]
