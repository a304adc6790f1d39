"""Plain reference loops: the oracle every fast ``lagom.metric`` path is checked against.

Each function takes one column (1-D sequences over ``t`` in ``[0, T-1]``) and runs the
textbook recursion step by step in Python floats (float64), with no numpy vectorization
and nothing shared with the library. ``per_column`` applies one to ``[T, *B]`` arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Column = Sequence[float]
Flags = Sequence[bool]


def per_column(fn: Callable[..., Any], *arrays: Any) -> Any:
    """Apply a 1-D oracle to every column of ``[T, *B]`` arrays.

    Returns a float64 ``[T, *B]`` array, or a tuple of them if ``fn`` returns a tuple.
    """
    flat = [np.asarray(a) for a in arrays]
    shape = flat[0].shape
    T, M = shape[0], math.prod(shape[1:])
    flat = [a.reshape(T, M) for a in flat]
    outputs: list[np.ndarray] = []
    for n in range(M):
        result = fn(*[a[:, n].tolist() for a in flat])
        parts = result if isinstance(result, tuple) else (result,)
        if not outputs:
            outputs = [np.zeros((T, M)) for _ in parts]
        for out, part in zip(outputs, parts, strict=True):
            out[:, n] = part
    if not outputs:
        # No column at all: the shape of the answer is still known.
        probe = fn(*[[] for _ in flat])
        outputs = [np.zeros((T, M)) for _ in (probe if isinstance(probe, tuple) else (probe,))]
    results = tuple(out.reshape(shape) for out in outputs)
    return results if len(results) > 1 else results[0]


def returns_loop(
    gamma: float, rewards: Column, next_values: Column, terminated: Flags, truncated: Flags
) -> list[float]:
    """Discounted returns, bootstrapped from ``next_values`` at truncations and at the end.

    ``G_t = r_t`` if terminated, ``r_t + γ V(s_{t+1})`` if truncated or ``t = T-1``, else
    ``r_t + γ G_{t+1}``.
    """
    T = len(rewards)
    out = [0.0] * T
    g = 0.0
    for t in reversed(range(T)):
        if terminated[t]:
            g = rewards[t]
        elif truncated[t] or t == T - 1:
            g = rewards[t] + gamma * next_values[t]
        else:
            g = rewards[t] + gamma * g
        out[t] = g
    return out


def td0_error_loop(
    gamma: float, rewards: Column, values: Column, next_values: Column, terminated: Flags
) -> list[float]:
    """``δ_t = r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t)``."""
    out = []
    for r, v, nv, term in zip(rewards, values, next_values, terminated, strict=True):
        out.append(r + (0.0 if term else gamma * nv) - v)
    return out


def gae_loop(
    gamma: float,
    lam: float,
    rewards: Column,
    values: Column,
    next_values: Column,
    terminated: Flags,
    truncated: Flags,
) -> list[float]:
    """``A_t = δ_t + γ λ (1 - done_t) A_{t+1}`` with ``A_T = 0``."""
    deltas = td0_error_loop(gamma, rewards, values, next_values, terminated)
    T = len(rewards)
    out = [0.0] * T
    advantage = 0.0
    for t in reversed(range(T)):
        if terminated[t] or truncated[t]:
            advantage = 0.0
        advantage = deltas[t] + gamma * lam * advantage
        out[t] = advantage
    return out


def lambda_return_loop(
    gamma: float,
    lam: float,
    rewards: Column,
    values: Column,
    next_values: Column,
    terminated: Flags,
    truncated: Flags,
) -> list[float]:
    """The λ-return ``G_t = r_t + γ [(1 - λ) V(s_{t+1}) + λ G_{t+1}]`` inside an episode.

    At a step that ends the episode or the rollout, ``G_t = r_t + γ (1 - terminated_t)
    V(s_{t+1})``. Needs ``next_values[t] == values[t + 1]`` inside an episode.
    """
    T = len(rewards)
    out = [0.0] * T
    g = 0.0
    for t in reversed(range(T)):
        if terminated[t]:
            g = rewards[t]
        elif truncated[t] or t == T - 1:
            g = rewards[t] + gamma * next_values[t]
        else:
            g = rewards[t] + gamma * ((1 - lam) * next_values[t] + lam * g)
        out[t] = g
    return out


def vtrace_loop(
    behavior_logprobs: Column,
    target_logprobs: Column,
    gamma: float,
    rewards: Column,
    values: Column,
    next_values: Column,
    terminated: Flags,
    truncated: Flags,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
) -> tuple[list[float], list[float]]:
    """V-trace by its defining sum (IMPALA, eq. 1), not by a recursion.

    ``v_t = V(s_t) + Σ_{s=t}^{e} γ^{s-t} (c_t ... c_{s-1}) ρ̄_s δ_s`` where ``e`` is the last
    step of ``t``'s episode inside the rollout, and
    ``A_t = min(clip_pg_rho, ρ_t) (r_t + γ v_{t+1} - V(s_t))`` with ``v_{t+1}`` replaced by
    ``V(s_{t+1})`` (zero if terminated) at the end of an episode or of the rollout.
    Needs ``next_values[t] == values[t + 1]`` inside an episode.
    """
    T = len(rewards)
    rhos = [
        float(np.exp(tl - bl)) for bl, tl in zip(behavior_logprobs, target_logprobs, strict=True)
    ]
    deltas = td0_error_loop(gamma, rewards, values, next_values, terminated)
    vs = []
    for t in range(T):
        total, weight, s = 0.0, 1.0, t
        while True:
            total += weight * min(clip_rho, rhos[s]) * deltas[s]
            if terminated[s] or truncated[s] or s == T - 1:
                break
            weight *= gamma * min(1.0, rhos[s])
            s += 1
        vs.append(values[t] + total)
    advantages = []
    for t in range(T):
        if terminated[t]:
            next_v = 0.0
        elif truncated[t] or t == T - 1:
            next_v = next_values[t]
        else:
            next_v = vs[t + 1]
        advantages.append(min(clip_pg_rho, rhos[t]) * (rewards[t] + gamma * next_v - values[t]))
    return vs, advantages


def scan_loop(x: Column, a: Column) -> list[float]:
    """``y_t = x_t + a_t y_{t+1}`` with ``y_T = 0``."""
    out = [0.0] * len(x)
    y = 0.0
    for t in reversed(range(len(x))):
        y = x[t] + a[t] * y
        out[t] = y
    return out


def assert_close(actual: np.ndarray, expected: np.ndarray, *terms: np.ndarray) -> None:
    """``actual`` equals the oracle's ``expected`` up to the rounding of ``actual``'s dtype.

    Results computed in float32 (``actual`` or any input among ``terms`` is float32) must
    agree to 1e-5 and float64 ones to 1e-10, relative to the size of the computation: the
    largest per-column sum of ``|term|`` over time of the inputs ``terms`` (a sum that
    cancels to almost nothing cannot be more accurate than that).
    """
    assert actual.shape == expected.shape
    single = any(np.asarray(a).dtype == np.float32 for a in (actual, *terms))
    rtol = 1e-5 if single else 1e-10
    scale = 1.0
    for term in terms:
        magnitude = np.abs(np.asarray(term, dtype=np.float64))
        if magnitude.size:
            scale = max(scale, float(magnitude.sum(axis=0).max()))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)
