"""Estimators written as a user would: plain loops over time, correct and deliberately wrong.

The correct ones accumulate in float64 and return the input's float dtype, which is what the
kit asks of any implementation. Each wrong one carries one classic bug; :data:`BUGS` names
the suite that must catch it and the property that must do so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from lagom.metric import (
    batched_gae,
    batched_returns,
    batched_td0_error,
    batched_td0_target,
    batched_vtrace,
)
from lagom.testing import (
    batch_major,
    check_advantage_estimator,
    check_return_estimator,
    check_td_target,
    check_vtrace,
    from_dones,
)

__all__ = ["ADAPTED", "BUGS", "CORRECT", "LAGOM", "Bug", "Correct"]

Array = NDArray[Any]


def _floats(*arrays: Array) -> tuple[np.dtype[Any], list[NDArray[np.float64]]]:
    return np.result_type(*arrays), [np.asarray(a, dtype=np.float64) for a in arrays]


# --- correct -------------------------------------------------------------------------------


def loop_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
) -> Array:
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    advantages, last = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(len(r))):
        delta = r[t] + gamma * (1 - terminated[t]) * nv[t] - v[t]
        last = delta + gamma * lam * (1 - (terminated[t] | truncated[t])) * last
        advantages[t] = last
    return advantages.astype(dtype)


def loop_td0_error(
    *, gamma: float, rewards: Array, values: Array, next_values: Array, terminated: Array
) -> Array:
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    errors = np.zeros_like(r)
    for t in range(len(r)):
        errors[t] = r[t] + gamma * (1 - terminated[t]) * nv[t] - v[t]
    return errors.astype(dtype)


def loop_returns(
    *, gamma: float, rewards: Array, next_values: Array, terminated: Array, truncated: Array
) -> Array:
    dtype, (r, nv) = _floats(rewards, next_values)
    returns, running = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(len(r))):
        # Bootstrap where the episode was cut (or the rollout ends); nothing after a terminal.
        cut = truncated[t] | (t == len(r) - 1)
        running = np.where(cut, nv[t], running)
        running = np.where(terminated[t], 0.0, running)
        running = r[t] + gamma * running
        returns[t] = running
    return returns.astype(dtype)


def loop_td_target(*, gamma: float, rewards: Array, next_values: Array, terminated: Array) -> Array:
    dtype, (r, nv) = _floats(rewards, next_values)
    return (r + gamma * (1 - terminated) * nv).astype(dtype)


def loop_vtrace(
    *,
    behavior_logprobs: Array,
    target_logprobs: Array,
    gamma: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
    clip: bool = True,
) -> tuple[Array, Array]:
    dtype, (r, v, nv, mu, pi) = _floats(
        rewards, values, next_values, behavior_logprobs, target_logprobs
    )
    rho = np.exp(pi - mu)
    rho_clipped = np.minimum(rho, 1.0) if clip else rho
    c = np.minimum(rho, 1.0) if clip else rho
    done = terminated | truncated
    T = len(r)
    vs, pg = np.zeros_like(r), np.zeros_like(r)
    carry = np.zeros(r.shape[1:])  # v_{t+1} - V(s_{t+1}) within the episode
    for t in reversed(range(T)):
        delta = rho_clipped[t] * (r[t] + gamma * (1 - terminated[t]) * nv[t] - v[t])
        carry = delta + gamma * c[t] * (1 - done[t]) * carry
        vs[t] = v[t] + carry
    for t in range(T):
        following = vs[t + 1] if t + 1 < T else nv[t]
        v_next = np.where(done[t] | (t + 1 == T), nv[t], following)
        v_next = np.where(terminated[t], 0.0, v_next)
        pg[t] = rho_clipped[t] * (r[t] + gamma * v_next - v[t])
    return vs.astype(dtype), pg.astype(dtype)


def dones_gae(
    *, gamma: float, lam: float, rewards: Array, values: Array, next_values: Array, dones: Array
) -> Array:
    """A ``dones``-only GAE in the common style: ``V(s_{t+1})`` is ``values[t + 1]``."""
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    T = len(r)
    advantages, last = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(T)):
        following = v[t + 1] if t + 1 < T else nv[t]
        delta = r[t] + gamma * (1 - dones[t]) * following - v[t]
        last = delta + gamma * lam * (1 - dones[t]) * last
        advantages[t] = last
    return advantages.astype(dtype)


def returns_batch_major(
    *, gamma: float, rewards: Array, next_values: Array, terminated: Array, truncated: Array
) -> Array:
    """Returns over ``[N, T]`` arrays."""
    return loop_returns(
        gamma=gamma,
        rewards=rewards.T,
        next_values=next_values.T,
        terminated=terminated.T,
        truncated=truncated.T,
    ).T


# --- wrong ---------------------------------------------------------------------------------


def cleanrl_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
) -> Array:
    """Truncation treated as termination: one ``done`` masks the bootstrap too."""
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    done = terminated | truncated
    advantages, last = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(len(r))):
        delta = r[t] + gamma * (1 - done[t]) * nv[t] - v[t]
        last = delta + gamma * lam * (1 - done[t]) * last
        advantages[t] = last
    return advantages.astype(dtype)


def reset_bootstrap_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
) -> Array:
    """Bootstraps from ``values[t + 1]``: after an autoreset, the reset observation's value."""
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    T = len(r)
    advantages, last = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(T)):
        following = v[t + 1] if t + 1 < T else nv[t]
        delta = r[t] + gamma * (1 - terminated[t]) * following - v[t]
        last = delta + gamma * lam * (1 - (terminated[t] | truncated[t])) * last
        advantages[t] = last
    return advantages.astype(dtype)


def off_by_one_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
) -> Array:
    """The recursion is cut by the *next* step's done flag (``dones[t + 1]``)."""
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    done = terminated | truncated
    T = len(r)
    advantages, last = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(T)):
        delta = r[t] + gamma * (1 - terminated[t]) * nv[t] - v[t]
        next_done = done[t + 1] if t + 1 < T else np.zeros_like(done[t])
        last = delta + gamma * lam * (1 - next_done) * last
        advantages[t] = last
    return advantages.astype(dtype)


def lam_on_bootstrap_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
) -> Array:
    """The λ-return recursion, with λ wrongly applied to the bootstrap at a cut."""
    dtype, (r, v, nv) = _floats(rewards, values, next_values)
    T = len(r)
    advantages, g = np.zeros_like(r), np.zeros(r.shape[1:])
    for t in reversed(range(T)):
        cut = truncated[t] | (t == T - 1)
        inside = r[t] + gamma * ((1 - lam) * nv[t] + lam * g)
        g = np.where(cut, r[t] + gamma * lam * nv[t], inside)  # should be gamma * nv[t]
        g = np.where(terminated[t], r[t], g)
        advantages[t] = g - v[t]
    return advantages.astype(dtype)


def float32_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
) -> Array:
    """Right formula, but the running sum stays in the input dtype (float32 for float32)."""
    dtype = rewards.dtype
    not_terminated = (~terminated).astype(dtype)
    not_done = (~(terminated | truncated)).astype(dtype)
    g, gl = dtype.type(gamma), dtype.type(gamma * lam)
    advantages, last = np.zeros_like(rewards), np.zeros(rewards.shape[1:], dtype)
    for t in reversed(range(len(rewards))):
        delta = rewards[t] + g * not_terminated[t] * next_values[t] - values[t]
        last = delta + gl * not_done[t] * last
        advantages[t] = last
    return advantages


def float32_returns(
    *, gamma: float, rewards: Array, next_values: Array, terminated: Array, truncated: Array
) -> Array:
    """Right formula, float32 running sum."""
    dtype = rewards.dtype
    g = dtype.type(gamma)
    zero = dtype.type(0.0)
    returns, running = np.zeros_like(rewards), np.zeros(rewards.shape[1:], dtype)
    for t in reversed(range(len(rewards))):
        cut = truncated[t] | (t == len(rewards) - 1)
        running = np.where(cut, next_values[t], running)
        running = np.where(terminated[t], zero, running)
        running = rewards[t] + g * running
        returns[t] = running
    return returns


def unclipped_vtrace(**arguments: Any) -> tuple[Array, Array]:
    """V-trace with the importance ratios left unclipped."""
    return loop_vtrace(**arguments, clip=False)


# --- tables --------------------------------------------------------------------------------

#: A suite bound to the estimator it checks: ``suite(max_examples, seed)``.
Suite = Callable[[int | None, int | None], None]


@attrs.frozen
class Correct:
    """A correct implementation and the suite that must pass it."""

    name: str
    run: Suite


@attrs.frozen
class Bug:
    """A wrong implementation, the suite that must catch it and the property that does."""

    name: str
    run: Suite
    property_name: str


def _gae(fn: Any) -> Suite:
    return lambda m, s: check_advantage_estimator(fn, max_examples=m, seed=s)


def _returns(fn: Any) -> Suite:
    return lambda m, s: check_return_estimator(fn, max_examples=m, seed=s)


LAGOM: tuple[Correct, ...] = (
    Correct("lagom GAE", _gae(batched_gae)),
    Correct(
        "lagom TD(0) error",
        lambda m, s: check_advantage_estimator(batched_td0_error, "td0", max_examples=m, seed=s),
    ),
    Correct("lagom returns", _returns(batched_returns)),
    Correct(
        "lagom TD target", lambda m, s: check_td_target(batched_td0_target, max_examples=m, seed=s)
    ),
    Correct("lagom V-trace", lambda m, s: check_vtrace(batched_vtrace, max_examples=m, seed=s)),
)

ADAPTED: tuple[Correct, ...] = (
    Correct(
        "dones GAE through from_dones",
        lambda m, s: check_advantage_estimator(
            dones_gae, adapter=from_dones, max_examples=m, seed=s
        ),
    ),
    Correct(
        "[N, T] returns through batch_major",
        lambda m, s: check_return_estimator(
            returns_batch_major, adapter=batch_major, max_examples=m, seed=s
        ),
    ),
)

CORRECT: tuple[Correct, ...] = (
    Correct("loop GAE", _gae(loop_gae)),
    Correct(
        "loop TD(0) error",
        lambda m, s: check_advantage_estimator(loop_td0_error, "td0", max_examples=m, seed=s),
    ),
    Correct("loop returns", _returns(loop_returns)),
    Correct("loop TD target", lambda m, s: check_td_target(loop_td_target, max_examples=m, seed=s)),
    Correct("loop V-trace", lambda m, s: check_vtrace(loop_vtrace, max_examples=m, seed=s)),
)

BUGS: tuple[Bug, ...] = (
    Bug(
        "truncation treated as termination (CleanRL)",
        _gae(cleanrl_gae),
        "truncations bootstrap from next_values",
    ),
    Bug(
        "bootstrap from the reset observation",
        _gae(reset_bootstrap_gae),
        "truncations bootstrap from next_values",
    ),
    Bug("off-by-one done mask (dones[t + 1])", _gae(off_by_one_gae), "terminations cut"),
    Bug(
        "lambda applied to the bootstrap term",
        _gae(lam_on_bootstrap_gae),
        "truncations bootstrap from next_values",
    ),
    Bug(
        "float32 accumulation over long horizons (GAE)",
        _gae(float32_gae),
        "float32 over a long horizon",
    ),
    Bug(
        "float32 accumulation over long horizons (returns)",
        _returns(float32_returns),
        "float32 over a long horizon",
    ),
    Bug(
        "V-trace without clipping",
        lambda m, s: check_vtrace(unclipped_vtrace, max_examples=m, seed=s),
        "ratios clipped",
    ),
)
