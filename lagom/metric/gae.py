r"""Generalized Advantage Estimation, GAE(γ, λ) (Schulman et al., 2016).

The advantage sums the TD(0) errors of the rest of the episode, discounted by ``γλ``::

    δ_t = r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t)
    A_t = δ_t + γ λ (1 - done_t) A_{t+1},        A_T = 0

with ``done_t = terminated_t or truncated_t``. A truncated step still bootstraps from the
value of its true final observation in ``δ_t``; a terminated one does not. ``λ = 0`` gives
the TD(0) errors; ``λ = 1`` gives the bootstrapped returns minus ``V(s_t)``.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from lagom._types import ArrayOrTensor, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray
from lagom.metric._compiled import compiled_gae
from lagom.metric._episode import as_episode
from lagom.metric._inputs import as_batch, check_discount, check_overflow
from lagom.metric._scan import reverse_scan, step_factors
from lagom.metric.td import _td0_error

__all__ = ["batched_gae", "gae"]


@overload
def batched_gae(
    gamma: float,
    lam: float,
    rewards: NDArray[FloatT],
    values: NDArray[FloatT],
    next_values: NDArray[FloatT],
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> NDArray[FloatT]: ...
@overload
def batched_gae(
    gamma: float,
    lam: float,
    rewards: IntoFloat64,
    values: IntoFloat64,
    next_values: IntoFloat64,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> Float64Array: ...
@overload
def batched_gae(
    gamma: float,
    lam: float,
    rewards: ArrayOrTensor,
    values: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> FloatArray: ...
def batched_gae(
    gamma: float,
    lam: float,
    rewards: ArrayOrTensor,
    values: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    out: NDArray[Any] | None = None,
) -> FloatArray:
    r"""GAE advantages ``A_t`` of a time-major batch.

    Per column, for ``t = T-1, ..., 0``, with ``done_t = terminated_t or truncated_t``::

        δ_t = r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t)
        A_t = δ_t + γ λ (1 - done_t) A_{t+1},        A_T = 0

    ``A_t + V(s_t)`` is the λ-return, the usual value target.

    Args:
        gamma: discount factor in ``[0, 1]``.
        lam: GAE ``λ`` in ``[0, 1]``.
        rewards: ``[T, *B]`` rewards ``r_t``, ``t`` in ``[0, T-1]``.
        values: ``[T, *B]`` values ``V(s_t)``, ``t`` in ``[0, T-1]``.
        next_values: ``[T, *B]`` values ``V(s_{t+1})`` of the observation that followed
            step ``t``; for a step that ended an episode, the value of its final observation
            (never of the reset one). Not read where terminated, but must be finite
            everywhere.
        terminated: ``[T, *B]`` booleans (or 0/1): step ``t`` reached a terminal state.
        truncated: ``[T, *B]`` booleans (or 0/1): the episode was cut after step ``t``
            (a time limit). ``done = terminated | truncated`` may be passed instead: a
            step flagged both counts as terminated.
        out: an array to write the advantages into and return (``[T, *B]``, the result's
            dtype, C-contiguous, writeable, sharing no memory with an input), e.g. a
            rollout buffer's: a loop that reuses it saves the new array's allocation and
            first-touch page faults on every call (about half the time of a large call).
            A call refused for NaN or ±inf in an input, or for an overflowed result, may
            have written into ``out`` already (the compiled kernel checks the values in the
            same pass); a call refused for anything else leaves it untouched.

    Returns:
        ``[T, *B]`` advantages, in the widest float dtype of the inputs (float64 if none):
        float32 arrays in, float32 out.

    Raises:
        ValueError: shapes differ, an input is 0-d, ``out`` is not as described, ``gamma``
            or ``lam`` is outside
            ``[0, 1]``, ``rewards``, ``values`` or ``next_values`` holds NaN or ±inf (the
            message names the argument and the first index), a flag is not 0/1, an
            input is not array-like (a ragged list), or the advantages overflow the
            result's dtype (finite inputs whose discounted sums are not).
        TypeError: an input is ``None`` or does not hold real numbers, or ``gamma`` or
            ``lam`` is not a real number.

    Example:
        One episode truncated after ``t = 1`` with ``V = 4`` for its final observation,
        then a new one still running at the end:

        >>> import numpy as np
        >>> from lagom.metric import batched_gae
        >>> rewards = np.array([[1.0], [1.0], [1.0]], dtype=np.float32)
        >>> values = np.array([[2.0], [2.0], [2.0]], dtype=np.float32)
        >>> next_values = np.array([[2.0], [4.0], [2.0]], dtype=np.float32)
        >>> truncated = np.array([[False], [True], [False]])
        >>> batched_gae(
        ...     1.0, 0.5, rewards, values, next_values,
        ...     terminated=np.zeros((3, 1), dtype=bool), truncated=truncated,
        ... )
        array([[2.5],
               [3. ],
               [1. ]], dtype=float32)
    """
    gamma = check_discount("gamma", gamma)
    lam = check_discount("lam", lam)
    batch = as_batch(
        {"rewards": rewards, "values": values, "next_values": next_values},
        {"terminated": terminated, "truncated": truncated},
        defer_finite=True,
    )
    target = None if out is None else batch.check_out(out)
    compiled = compiled_gae(gamma, lam, batch.floats, batch.flags, out=target)
    if compiled is not None and compiled[1]:
        return batch.deliver(compiled[0], out)
    batch.check_finite()
    # Finite inputs may still overflow: refused below, without numpy's warnings on the way.
    with np.errstate(over="ignore", invalid="ignore"):
        delta = _td0_error(gamma, batch)
        done = batch.flags["terminated"] | batch.flags["truncated"]
        y = reverse_scan(delta, step_factors(done, gamma * lam, delta.dtype))
    check_overflow(y)
    return batch.deliver(y, out)


@overload
def gae(
    gamma: float,
    lam: float,
    rewards: NDArray[FloatT],
    Vs: NDArray[FloatT],
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> NDArray[FloatT]: ...
@overload
def gae(
    gamma: float,
    lam: float,
    rewards: IntoFloat64,
    Vs: IntoFloat64,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> Float64Array: ...
@overload
def gae(
    gamma: float,
    lam: float,
    rewards: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray: ...
def gae(
    gamma: float,
    lam: float,
    rewards: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
) -> FloatArray:
    r"""GAE advantages of one episode, ``t`` in ``[0, T-1]``.

    ``A_t = Σ_{k=0}^{T-1-t} (γλ)^k δ_{t+k}`` with the TD(0) errors
    ``δ_t = r_t + γ V(s_{t+1}) - V(s_t)``, where ``V(s_T)`` is ``last_V``, masked out as
    zero if ``reach_terminal``.

    Args:
        gamma: discount factor in ``[0, 1]``.
        lam: GAE ``λ`` in ``[0, 1]``.
        rewards: ``[T]`` rewards ``r_t`` (list, array or tensor).
        Vs: ``[T]`` values ``V(s_t)``, ``t`` in ``[0, T-1]``; required (``None`` is refused,
            never read as zeros).
        last_V: ``V(s_T)``: a float, 0-d or one-element array or tensor; finite even where
            ``reach_terminal`` masks it out.
        reach_terminal: whether ``s_T`` is a terminal state.

    Returns:
        ``[T]`` advantages, in the widest float dtype of ``rewards`` and ``Vs``.

    Raises:
        ValueError: ``rewards`` and ``Vs`` are not 1-D of one length, ``last_V`` is not a
            single number, ``gamma`` or ``lam`` is outside ``[0, 1]``, ``rewards``,
            ``Vs`` or ``last_V`` holds NaN or ±inf (the message names the first index),
            ``last_V`` does not fit in their dtype, or the result overflows it.
        TypeError: an input is ``None`` or does not hold real numbers.

    Example:
        >>> from lagom.metric import gae
        >>> gae(1.0, 0.5, [1, 2, 3], [0.1, 1.1, 2.1], 10, reach_terminal=True)
        array([3.725, 3.45 , 0.9  ])
    """
    episode, _ = as_episode({"rewards": rewards, "Vs": Vs}, last_V, reach_terminal)
    return batched_gae(
        gamma,
        lam,
        episode.rewards,
        episode.values,
        episode.next_values,
        terminated=episode.terminated,
        truncated=episode.truncated,
    )[:, 0]
