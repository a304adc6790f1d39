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
from hypothesis import strategies as st

from lagom.testing.strategies import ValueBatch, value_batches

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


def vtrace_paper(
    behavior_logprobs: Column,
    target_logprobs: Column,
    gamma: float,
    rewards: Column,
    values: Column,
    bootstrap_value: float,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
    clip_c: float = 1.0,
    lam: float = 1.0,
) -> tuple[list[float], list[float]]:
    """V-trace of one episode, straight from IMPALA (Espeholt et al., 2018), eq. 1.

    States ``x_0 ... x_T``; ``values`` holds ``V(x_0) ... V(x_{T-1})`` and
    ``bootstrap_value`` is ``V(x_T)`` (zero for a terminal ``x_T``)::

        v_s = V(x_s) + Σ_{t=s}^{T-1} γ^{t-s} (Π_{i=s}^{t-1} c_i) δ_t V
        δ_t V = ρ_t (r_t + γ V(x_{t+1}) - V(x_t)),  ρ_t = min(ρ̄, π/μ),  c_i = λ min(c̄, π/μ)
        A_s = ρ_pg,s (r_s + γ v_{s+1} - V(x_s)),    ρ_pg,s = min(ρ̄_pg, π/μ),  v_T = V(x_T)

    The double sum and the product are written out, nothing is computed recursively.
    """
    T = len(rewards)
    V = [*values, bootstrap_value]
    ratios = [math.exp(tl - bl) for bl, tl in zip(behavior_logprobs, target_logprobs, strict=True)]
    rho = [min(clip_rho, ratio) for ratio in ratios]
    c = [lam * min(clip_c, ratio) for ratio in ratios]
    vs = []
    for s in range(T):
        total = 0.0
        for t in range(s, T):
            trace = 1.0
            for i in range(s, t):
                trace *= c[i]
            delta = rho[t] * (rewards[t] + gamma * V[t + 1] - V[t])
            total += gamma ** (t - s) * trace * delta
        vs.append(V[s] + total)
    vs_next = [*vs[1:], V[T]]
    advantages = [
        min(clip_pg_rho, ratios[s]) * (rewards[s] + gamma * vs_next[s] - V[s]) for s in range(T)
    ]
    return vs, advantages


def vtrace_column(
    behavior_logprobs: Column,
    target_logprobs: Column,
    gamma: float,
    rewards: Column,
    values: Column,
    next_values: Column,
    terminated: Flags,
    truncated: Flags,
    **clips: float,
) -> tuple[list[float], list[float]]:
    """:func:`vtrace_paper` on each episode of one rollout column, concatenated.

    An episode ends where ``terminated`` or ``truncated`` is set, or with the rollout; its
    ``V(x_T)`` is zero after a termination and ``next_values`` of its last step otherwise.
    Inside an episode ``V(x_{t+1})`` is ``values[t + 1]`` (``next_values`` is not read).
    """
    vs: list[float] = []
    advantages: list[float] = []
    start = 0
    for t in range(len(rewards)):
        if terminated[t] or truncated[t] or t == len(rewards) - 1:
            episode = slice(start, t + 1)
            bootstrap = 0.0 if terminated[t] else next_values[t]
            episode_vs, episode_advantages = vtrace_paper(
                behavior_logprobs[episode],
                target_logprobs[episode],
                gamma,
                rewards[episode],
                values[episode],
                bootstrap,
                **clips,
            )
            vs += episode_vs
            advantages += episode_advantages
            start = t + 1
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


#: The ``B`` of the ``[T, *B]`` batches the metric tests draw: one episode, one and
#: several columns, and a 2-D batch.
BATCH_SHAPES = [(), (1,), (3,), (2, 3)]


def rollouts(
    min_T: int = 1,
    max_T: int = 30,
    dtype: Any = None,
    batch_shapes: list[tuple[int, ...]] | None = None,
) -> st.SearchStrategy[ValueBatch]:
    """The public ``value_batches`` with the metric tests' shapes: ``[T, *B]``, T up to 30."""
    return value_batches(
        min_T=min_T, max_T=max_T, dtype=dtype, batch_shapes=batch_shapes or BATCH_SHAPES
    )


def split_episodes(done: np.ndarray[Any, Any]) -> list[slice]:
    """The ``[start, stop)`` time ranges of the episodes (or pieces) in one 1-D column."""
    stops = [t + 1 for t in np.flatnonzero(done)]
    if not stops or stops[-1] != len(done):
        stops.append(len(done))
    starts = [0, *stops[:-1]]
    return [slice(start, stop) for start, stop in zip(starts, stops, strict=True)]
