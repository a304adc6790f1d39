r"""V-trace off-policy value targets and policy-gradient advantages (Espeholt et al., 2018).

IMPALA's eq. 1, with importance ratios ``ρ_t = π(a_t|s_t) / μ(a_t|s_t)`` of the target
policy ``π`` to the behaviour policy ``μ``, three clips (``ρ̄ = clip_rho``, ``c̄ = clip_c``,
``ρ̄_pg = clip_pg_rho``) and the trace factor ``λ`` that the paper borrows from Retrace(λ)::

    δ_t = min(ρ̄, ρ_t) (r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t))
    c_t = λ min(c̄, ρ_t)
    v_t = V(s_t) + Σ_{k=t}^{e} γ^{k-t} (c_t ... c_{k-1}) δ_k
    A_t = min(ρ̄_pg, ρ_t) (r_t + γ v_{t+1} - V(s_t))

where ``e`` is the last step of ``t``'s episode inside the rollout. ``v_{t+1}`` is the
V-trace target of step ``t + 1`` inside an episode. Where no step of the state after
``t`` is in the data (after a truncation, at the end of the rollout) the sum is empty and
its target is its value, ``v_{t+1} = V(s_{t+1})``; after a termination it is zero. So the
batched face needs no rule of its own at episode ends: eq. 1 applied to each episode, with
``V`` of a terminal state zero. Computed backwards as
``v_t - V(s_t) = δ_t + γ c_t (1 - done_t) (v_{t+1} - V(s_{t+1}))``.

On-policy (``ρ_t = 1``) with ``λ = 1`` and clips of at least 1, ``v_t`` is the
bootstrapped return and ``A_t`` the GAE(γ, 1) advantage.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, overload

import numpy as np

from lagom._types import ArrayOrTensor, FloatT, IntoFloat64, NDArray
from lagom.metric._episode import as_episode
from lagom.metric._inputs import Batch, as_batch, check_clip, check_discount
from lagom.metric._scan import reverse_scan
from lagom.metric.td import _td0_error

__all__ = ["VTrace", "batched_vtrace", "vtrace"]

#: The inputs whose discounted sums V-trace adds up (the log-probabilities only weigh them).
_SUMMED = ("rewards", "values", "next_values")

# Covariant: a VTrace[np.float32] is a VTrace[np.floating[Any]] (its arrays are read-only).
_Float_co = TypeVar("_Float_co", bound=np.floating[Any], covariant=True)

if TYPE_CHECKING or sys.version_info >= (3, 11):

    class VTrace(NamedTuple, Generic[_Float_co]):
        #: V-trace value targets ``v_t``, the regression targets of ``V(s_t)``.
        vs: NDArray[_Float_co]
        #: Policy-gradient advantages ``A_t``.
        pg_advantages: NDArray[_Float_co]

else:  # pragma: no cover (Python 3.10 cannot make a NamedTuple generic at run time)

    class VTrace(NamedTuple):
        vs: Any
        pg_advantages: Any

        @classmethod
        def __class_getitem__(cls, item: object) -> type[VTrace]:
            # `VTrace[np.float32]` still names the class, as on Python 3.11+.
            return cls


# One docstring for both definitions above.
VTrace.__doc__ = """What V-trace returns; unpacks as ``vs, As = vtrace(...)``.

    Generic in the float type of its arrays: ``VTrace[np.float32]`` for float32 inputs.

    Example:
        >>> import numpy as np
        >>> result = VTrace(vs=np.array([2.5, 3.0]), pg_advantages=np.array([2.0, 1.0]))
        >>> vs, As = result
        >>> vs.tolist(), result.pg_advantages.tolist()
        ([2.5, 3.0], [2.0, 1.0])
        >>> isinstance(vtrace([0.0], [0.0], 0.5, [1.0], [0.0], 0.0, True), VTrace)
        True
    """


@overload
def batched_vtrace(
    behavior_logprobs: NDArray[FloatT],
    target_logprobs: NDArray[FloatT],
    gamma: float,
    rewards: NDArray[FloatT],
    values: NDArray[FloatT],
    next_values: NDArray[FloatT],
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    clip_c: float = ...,
    lam: float = ...,
) -> VTrace[FloatT]: ...
@overload
def batched_vtrace(
    behavior_logprobs: IntoFloat64,
    target_logprobs: IntoFloat64,
    gamma: float,
    rewards: IntoFloat64,
    values: IntoFloat64,
    next_values: IntoFloat64,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    clip_c: float = ...,
    lam: float = ...,
) -> VTrace[np.float64]: ...
@overload
def batched_vtrace(
    behavior_logprobs: ArrayOrTensor,
    target_logprobs: ArrayOrTensor,
    gamma: float,
    rewards: ArrayOrTensor,
    values: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    clip_c: float = ...,
    lam: float = ...,
) -> VTrace[np.floating[Any]]: ...
def batched_vtrace(
    behavior_logprobs: ArrayOrTensor,
    target_logprobs: ArrayOrTensor,
    gamma: float,
    rewards: ArrayOrTensor,
    values: ArrayOrTensor,
    next_values: ArrayOrTensor,
    *,
    terminated: ArrayOrTensor,
    truncated: ArrayOrTensor,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
    clip_c: float = 1.0,
    lam: float = 1.0,
) -> VTrace[np.floating[Any]]:
    r"""V-trace targets ``v_t`` and policy-gradient advantages ``A_t`` of a time-major batch.

    Eq. 1 of IMPALA per episode, as written out in the module docstring, with
    ``done_t = terminated_t or truncated_t`` ending the sums. ``v_{t+1}`` in ``A_t`` is
    ``vs[t + 1]`` inside an episode and ``next_values[t]`` (zero if terminated) at an
    episode's or the rollout's end.

    Args:
        behavior_logprobs: ``[T, *B]`` ``log μ(a_t|s_t)``, ``t`` in ``[0, T-1]``, of the
            policy that acted.
        target_logprobs: ``[T, *B]`` ``log π(a_t|s_t)``, ``t`` in ``[0, T-1]``, of the
            policy being learned.
        gamma: discount factor in ``[0, 1]``.
        rewards: ``[T, *B]`` rewards ``r_t``, ``t`` in ``[0, T-1]``.
        values: ``[T, *B]`` values ``V(s_t)``, ``t`` in ``[0, T-1]``.
        next_values: ``[T, *B]`` values ``V(s_{t+1})`` of the observation that followed
            step ``t``; for a step that ended an episode, the value of its final observation
            (never of the reset one). Eq. 1 has one ``V``: inside an episode it must equal
            ``values[t + 1]`` (``δ_t`` reads ``next_values[t]``, ``A_t`` reads ``vs[t + 1]``).
            Not read where terminated, but must be finite everywhere.
        terminated: ``[T, *B]`` booleans (or 0/1): step ``t`` reached a terminal state.
        truncated: ``[T, *B]`` booleans (or 0/1): the episode was cut after step ``t``.
            ``done = terminated | truncated`` may be passed instead.
        clip_rho: ``ρ̄``, the clip of the ratios in ``δ_t``; positive, ``inf`` for none.
        clip_pg_rho: ``ρ̄_pg``, the clip of the ratios in ``A_t``; positive, ``inf`` for none.
        clip_c: ``c̄``, the clip of the trace-cutting ratios ``c_t``; positive, ``inf`` for
            none. The paper takes ``c̄ <= ρ̄``; nothing here requires it.
        lam: ``λ`` in ``[0, 1]``, the factor of every ``c_t``; ``1`` is eq. 1 as printed.

    Returns:
        ``VTrace(vs, pg_advantages)``, both ``[T, *B]`` in the widest float dtype of the
        inputs (float64 if none): float32 arrays in, ``VTrace[np.float32]`` out.

    Raises:
        ValueError: shapes differ, an input is 0-d, ``gamma`` or ``lam`` is outside
            ``[0, 1]``, a clip is not positive, a float input holds NaN or ±inf (the
            message names the argument and the first index), a flag is not 0/1, an
            input is not array-like (a ragged list), or the result overflows its dtype
            (huge importance ratios with an ``inf`` clip, or rewards and values near the
            dtype's limit).
        TypeError: an input is ``None`` or does not hold real numbers, or a scalar
            argument is not a real number (a bool is not one).

    Example:
        On-policy, the targets are the bootstrapped returns:

        >>> import numpy as np
        >>> from lagom.metric import batched_vtrace
        >>> logprobs = np.log([[0.5], [0.5]])
        >>> vs, pg_advantages = batched_vtrace(
        ...     logprobs, logprobs, 0.5, [[1.0], [1.0]], [[0.0], [0.0]], [[0.0], [4.0]],
        ...     terminated=[[0], [0]], truncated=[[0], [0]],
        ... )
        >>> vs
        array([[2.5],
               [3. ]])
        >>> pg_advantages
        array([[2.5],
               [3. ]])

        A ratio of 2 at ``t = 0``, cut by ``c̄ = 0.5`` in the trace but not by ``ρ̄ = 2``:

        >>> vs, _ = batched_vtrace(
        ...     np.log([[0.25], [0.5]]), np.log([[0.5], [0.5]]), 1.0, [[1.0], [1.0]],
        ...     [[0.0], [0.0]], [[0.0], [0.0]], terminated=[[0], [1]], truncated=[[0], [0]],
        ...     clip_rho=2.0, clip_c=0.5,
        ... )
        >>> vs  # v_0 = δ_0 + γ c_0 δ_1 = 2 + 0.5 · 1
        array([[2.5],
               [1. ]])
    """
    gamma = check_discount("gamma", gamma)
    lam = check_discount("lam", lam)
    clip_rho = check_clip("clip_rho", clip_rho)
    clip_pg_rho = check_clip("clip_pg_rho", clip_pg_rho)
    clip_c = check_clip("clip_c", clip_c)
    batch = as_batch(
        {
            "rewards": rewards,
            "values": values,
            "next_values": next_values,
            "behavior_logprobs": behavior_logprobs,
            "target_logprobs": target_logprobs,
        },
        {"terminated": terminated, "truncated": truncated},
    )
    # A ratio may overflow to inf: clipped it is exact; unclipped, the check below refuses
    # the result (no numpy warnings on the way).
    with np.errstate(over="ignore", invalid="ignore"):
        return _vtrace(batch, gamma, lam, clip_rho, clip_pg_rho, clip_c)


def _vtrace(
    batch: Batch, gamma: float, lam: float, clip_rho: float, clip_pg_rho: float, clip_c: float
) -> VTrace[Any]:
    terminated_, truncated_ = batch.flags["terminated"], batch.flags["truncated"]
    values_ = batch.floats["values"]
    rhos = np.exp(batch.floats["target_logprobs"] - batch.floats["behavior_logprobs"])
    delta = np.minimum(rhos, clip_rho) * _td0_error(gamma, batch)
    continues = ~(terminated_ | truncated_)
    a = np.where(continues, (gamma * lam) * np.minimum(rhos, clip_c), 0.0)
    vs = reverse_scan(delta, a)
    vs += values_

    # v_{t+1}: the target of step t + 1 inside an episode; where no step of s_{t+1} is in
    # the data (a truncation, the rollout's end) the empty sum leaves V(s_{t+1}) itself.
    next_vs = np.where(terminated_, 0.0, batch.floats["next_values"])
    np.copyto(next_vs[:-1], vs[1:], where=continues[:-1])
    pg_advantages = batch.floats["rewards"] + gamma * next_vs - values_
    pg_advantages *= np.minimum(rhos, clip_pg_rho)
    if not (np.isfinite(vs).all() and np.isfinite(pg_advantages).all()):
        # Finite inputs (checked above) overflow through huge unclipped ratios, or through
        # rewards and values near the dtype's limit: the message gives both.
        magnitude = max(float(np.abs(batch.floats[name]).max(initial=0.0)) for name in _SUMMED)
        raise ValueError(
            f"V-trace overflowed {vs.dtype} (magnitudes up to about "
            f"{float(np.finfo(vs.dtype).max):.4g}): the importance ratios exp(target_logprobs "
            f"- behavior_logprobs) reach {float(rhos.max()):.3g}; clip them (clip_rho, "
            "clip_c, clip_pg_rho; inf is no clipping) or check the log-probabilities; the "
            f"rewards and values reach {magnitude:.3g} in magnitude: rescale them if that is "
            "near the limit"
        )
    return VTrace(vs=batch.restore(vs), pg_advantages=batch.restore(pg_advantages))


@overload
def vtrace(
    behavior_logprobs: NDArray[FloatT],
    target_logprobs: NDArray[FloatT],
    gamma: float,
    Rs: NDArray[FloatT],
    Vs: NDArray[FloatT],
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    *,
    clip_c: float = ...,
    lam: float = ...,
) -> VTrace[FloatT]: ...
@overload
def vtrace(
    behavior_logprobs: IntoFloat64,
    target_logprobs: IntoFloat64,
    gamma: float,
    Rs: IntoFloat64,
    Vs: IntoFloat64,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    *,
    clip_c: float = ...,
    lam: float = ...,
) -> VTrace[np.float64]: ...
@overload
def vtrace(
    behavior_logprobs: ArrayOrTensor,
    target_logprobs: ArrayOrTensor,
    gamma: float,
    Rs: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    *,
    clip_c: float = ...,
    lam: float = ...,
) -> VTrace[np.floating[Any]]: ...
def vtrace(
    behavior_logprobs: ArrayOrTensor,
    target_logprobs: ArrayOrTensor,
    gamma: float,
    Rs: ArrayOrTensor,
    Vs: ArrayOrTensor,
    last_V: float | ArrayOrTensor,
    reach_terminal: bool | ArrayOrTensor,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
    *,
    clip_c: float = 1.0,
    lam: float = 1.0,
) -> VTrace[np.floating[Any]]:
    r"""V-trace targets and policy-gradient advantages of one episode, ``t`` in ``[0, T-1]``.

    IMPALA's eq. 1 on the states ``s_0 ... s_T``, with ``V(s_T) = last_V``, replaced by
    zero if ``reach_terminal``::

        δ_t = min(ρ̄, ρ_t) (r_t + γ V(s_{t+1}) - V(s_t)),        c_t = λ min(c̄, ρ_t)
        v_t = V(s_t) + Σ_{k=t}^{T-1} γ^{k-t} (c_t ... c_{k-1}) δ_k
        A_t = min(ρ̄_pg, ρ_t) (r_t + γ v_{t+1} - V(s_t)),        v_T = V(s_T)

    Args:
        behavior_logprobs: ``[T]`` ``log μ(a_t|s_t)`` of the policy that acted.
        target_logprobs: ``[T]`` ``log π(a_t|s_t)`` of the policy being learned.
        gamma: discount factor in ``[0, 1]``.
        Rs: ``[T]`` rewards ``r_t``.
        Vs: ``[T]`` values ``V(s_t)``; required (``None`` is refused, never read as zeros).
        last_V: ``V(s_T)``: a float, 0-d or one-element array or tensor; finite even where
            ``reach_terminal`` masks it out.
        reach_terminal: whether ``s_T`` is a terminal state.
        clip_rho: ``ρ̄``, the clip of the ratios in ``δ_t``; positive, ``inf`` for none.
        clip_pg_rho: ``ρ̄_pg``, the clip of the ratios in ``A_t``; positive, ``inf`` for none.
        clip_c: ``c̄``, the clip of the trace-cutting ratios ``c_t``; positive, ``inf`` for
            none.
        lam: ``λ`` in ``[0, 1]``, the factor of every ``c_t``.

    Returns:
        ``VTrace(vs, pg_advantages)``, both ``[T]``; it unpacks as ``vs, As = vtrace(...)``.

    Raises:
        ValueError: the per-step inputs are not 1-D of one length, ``last_V`` is not a
            single number, ``gamma`` or ``lam`` is outside ``[0, 1]``, a clip is not
            positive, a float input holds NaN or ±inf (the message names the argument
            and the first index), ``last_V`` does not fit in the per-step inputs' dtype,
            or the result overflows it.
        TypeError: an input is ``None`` or does not hold real numbers, or a scalar argument
            is not a real number (a bool is not one).

    Example:
        >>> from lagom.metric import vtrace
        >>> vs, As = vtrace([0.0, 0.0], [0.0, 0.0], 0.5, [1.0, 1.0], [0.0, 0.0], 4.0, False)
        >>> vs
        array([2.5, 3. ])
        >>> As
        array([2.5, 3. ])
    """
    episode, logprobs = as_episode(
        {
            "Rs": Rs,
            "Vs": Vs,
            "behavior_logprobs": behavior_logprobs,
            "target_logprobs": target_logprobs,
        },
        last_V,
        reach_terminal,
    )
    vs, pg_advantages = batched_vtrace(
        logprobs["behavior_logprobs"],
        logprobs["target_logprobs"],
        gamma,
        episode.rewards,
        episode.values,
        episode.next_values,
        terminated=episode.terminated,
        truncated=episode.truncated,
        clip_rho=clip_rho,
        clip_pg_rho=clip_pg_rho,
        clip_c=clip_c,
        lam=lam,
    )
    return VTrace(vs=vs[:, 0], pg_advantages=pg_advantages[:, 0])
