r"""V-trace off-policy value targets and policy-gradient advantages (Espeholt et al., 2018).

With importance ratios ``ρ_t = π(a_t|s_t) / μ(a_t|s_t)`` of the target policy ``π`` to the
behaviour policy ``μ``, clipped as ``ρ̄_t = min(clip_rho, ρ_t)`` and ``c_t = min(1, ρ_t)``::

    δ_t        = ρ̄_t (r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t))
    v_t - V_t  = δ_t + γ c_t (1 - done_t) (v_{t+1} - V_{t+1}),      v_T - V_T = 0
    A_t        = min(clip_pg_rho, ρ_t) (r_t + γ v'_{t+1} - V(s_t))

where ``v'_{t+1}`` is the target of the next state: ``v_{t+1}`` inside an episode, the
value of the true final observation after a truncation or at the end of the rollout, and
zero after a termination. On-policy (``ρ_t = 1``) ``v_t`` is the bootstrapped return.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lagom._types import FloatArray
from lagom.metric._episode import as_episode
from lagom.metric._inputs import as_batch, check_clip, check_discount
from lagom.metric._scan import reverse_scan
from lagom.metric.td import _td0_error

__all__ = ["VTrace", "batched_vtrace", "vtrace"]


class VTrace(NamedTuple):
    """What V-trace returns; unpacks as ``vs, As = vtrace(...)``.

    Example:
        >>> import numpy as np
        >>> result = VTrace(vs=np.array([2.5, 3.0]), pg_advantages=np.array([2.0, 1.0]))
        >>> vs, As = result
        >>> vs.tolist(), result.pg_advantages.tolist()
        ([2.5, 3.0], [2.0, 1.0])
        >>> isinstance(vtrace([0.0], [0.0], 0.5, [1.0], [0.0], 0.0, True), VTrace)
        True
    """

    #: V-trace value targets ``v_t``, the regression targets of ``V(s_t)``.
    vs: FloatArray
    #: Policy-gradient advantages ``A_t``.
    pg_advantages: FloatArray


def batched_vtrace(
    behavior_logprobs: object,
    target_logprobs: object,
    gamma: float,
    rewards: object,
    values: object,
    next_values: object,
    *,
    terminated: object,
    truncated: object,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
) -> VTrace:
    r"""V-trace targets ``v_t`` and policy-gradient advantages ``A_t`` of a time-major batch.

    See the module docstring for the recurrence; ``done_t = terminated_t or truncated_t``.
    The trace coefficient ``c_t = min(1, ρ_t)`` is clipped at 1, as in IMPALA.

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
            (never of the reset one). Not read where terminated.
        terminated: ``[T, *B]`` booleans (or 0/1): step ``t`` reached a terminal state.
        truncated: ``[T, *B]`` booleans (or 0/1): the episode was cut after step ``t``.
            ``done = terminated | truncated`` may be passed instead.
        clip_rho: ``ρ̄``, the clip of the ratios in ``δ_t``; positive, ``inf`` for none.
        clip_pg_rho: the clip of the ratios in ``A_t``; positive, ``inf`` for none.

    Returns:
        ``VTrace(vs, pg_advantages)``, both ``[T, *B]`` in the widest float dtype of the inputs.

    Raises:
        ValueError: shapes differ, an input is 0-d, ``gamma`` is outside ``[0, 1]``, a clip
            is not positive, ``rewards`` holds NaN, or a flag is not 0/1.
        TypeError: an input does not hold real numbers.

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
    """
    gamma = check_discount("gamma", gamma)
    clip_rho = check_clip("clip_rho", clip_rho)
    clip_pg_rho = check_clip("clip_pg_rho", clip_pg_rho)
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
    terminated_, truncated_ = batch.flags["terminated"], batch.flags["truncated"]
    rhos = np.exp(batch.floats["target_logprobs"] - batch.floats["behavior_logprobs"])
    delta = np.minimum(rhos, clip_rho) * _td0_error(gamma, batch)
    continues = ~(terminated_ | truncated_)
    a = np.where(continues, gamma * np.minimum(rhos, 1.0), 0.0)
    vs_minus_values = reverse_scan(delta, a)

    # The target of the state after step t: inside an episode v_{t+1}, written through
    # next_values so that the last step of the rollout and truncations need no special case.
    next_vs = np.where(terminated_, 0.0, batch.floats["next_values"])
    next_vs[:-1] += np.where(continues[:-1], vs_minus_values[1:], 0.0)
    pg_advantages = batch.floats["rewards"] + gamma * next_vs - batch.floats["values"]
    pg_advantages *= np.minimum(rhos, clip_pg_rho)
    vs = vs_minus_values + batch.floats["values"]
    return VTrace(vs=batch.restore(vs), pg_advantages=batch.restore(pg_advantages))


def vtrace(
    behavior_logprobs: object,
    target_logprobs: object,
    gamma: float,
    Rs: object,
    Vs: object,
    last_V: object,
    reach_terminal: object,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
) -> VTrace:
    r"""V-trace targets and policy-gradient advantages of one episode, ``t`` in ``[0, T-1]``.

    As :func:`batched_vtrace` with ``V(s_{t+1}) = Vs[t + 1]`` inside the episode and
    ``last_V`` after its last step, masked out as zero if ``reach_terminal``::

        v_t = V(s_t) + Σ_{s=t}^{T-1} γ^{s-t} (c_t ... c_{s-1}) ρ̄_s δ_s
        A_t = min(clip_pg_rho, ρ_t) (r_t + γ v_{t+1} - V(s_t)),    v_T = V(s_T)

    Args:
        behavior_logprobs: ``[T]`` ``log μ(a_t|s_t)`` of the policy that acted.
        target_logprobs: ``[T]`` ``log π(a_t|s_t)`` of the policy being learned.
        gamma: discount factor in ``[0, 1]``.
        Rs: ``[T]`` rewards ``r_t``.
        Vs: ``[T]`` values ``V(s_t)``.
        last_V: ``V(s_T)``: a float, 0-d or one-element array or tensor.
        reach_terminal: whether ``s_T`` is a terminal state.
        clip_rho: ``ρ̄``, the clip of the ratios in ``δ_t``; positive, ``inf`` for none.
        clip_pg_rho: the clip of the ratios in ``A_t``; positive, ``inf`` for none.

    Returns:
        ``VTrace(vs, pg_advantages)``, both ``[T]``; it unpacks as ``vs, As = vtrace(...)``.

    Raises:
        ValueError: the per-step inputs are not 1-D of one length, ``last_V`` is not a
            single number, ``gamma`` is outside ``[0, 1]``, a clip is not positive, or
            ``Rs`` holds NaN.

    Example:
        >>> from lagom.metric import vtrace
        >>> vs, As = vtrace([0.0, 0.0], [0.0, 0.0], 0.5, [1.0, 1.0], [0.0, 0.0], 4.0, False)
        >>> vs
        array([2.5, 3. ])
        >>> As
        array([2.5, 3. ])
    """
    episode, logprobs = as_episode(
        Rs,
        Vs,
        last_V,
        reach_terminal,
        rewards_name="Rs",
        others={"behavior_logprobs": behavior_logprobs, "target_logprobs": target_logprobs},
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
    )
    return VTrace(vs=vs[:, 0], pg_advantages=pg_advantages[:, 0])
