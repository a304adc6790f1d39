"""lagom.metric against other libraries' code, ported line by line to numpy.

The references are ports of the libraries' own loops (not of lagom's formulas), kept as
close to the original lines as numpy allows, so that the tests run where the libraries
are not installed (the torch-free environments have no Stable-Baselines3, JAX or rlax):

* Stable-Baselines3 2.x ``RolloutBuffer.compute_returns_and_advantage`` together with the
  time-limit handling of ``OnPolicyAlgorithm.collect_rollouts`` (the value of the final
  observation of a truncated episode, times gamma, is added to its last reward; the
  step then counts as done). The port was checked against the installed SB3 2.9.2 class.
* CleanRL's ``ppo.py`` GAE loop (``dones[t]`` is the flag *entering* step ``t``; a
  truncation counts as a termination).
* rlax ``lambda_returns``, ``discounted_returns``, ``td_lambda``,
  ``importance_corrected_td_errors`` and ``vtrace_td_error_and_advantage``
  (google-deepmind/rlax, ``rlax/_src/multistep.py``, ``value_learning.py``,
  ``vtrace.py``). rlax is time-aligned differently: its ``r_t, discount_t, v_t`` are
  lagom's ``rewards[t], gamma * (1 - terminated[t]), next_values[t]``. It has no
  truncation flag, but a per-step ``lambda_`` of 0 at a truncated step stops the
  recursion there and bootstraps from ``v_t``, which is lagom's truncation.

Convention for the generated rollouts: inside an episode ``next_values[t]`` is
``values[t + 1]`` (one value function); at a step that ends an episode or the rollout it is
the value of the true final observation, drawn independently.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom.metric import (
    _compiled,
    batched_gae,
    batched_returns,
    batched_td0_target,
    batched_vtrace,
    bootstrapped_returns,
    gae,
    returns,
    vtrace,
)
from lagom.testing import from_dones

Array = np.ndarray[Any, Any]


@pytest.fixture(
    scope="module",
    autouse=True,
    params=["numpy", "compiled"] if _compiled.available() else ["numpy"],
)
def scan_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every comparison runs on the numpy scan and, where numba is installed, the kernel."""
    path: str = request.param
    if path == "numpy":
        with _compiled.numpy_path():
            yield path
    else:
        yield path


_values = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)
# gamma and lambda: the ends 0 and 1 are drawn often.
_discounts = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))


@st.composite
def rollouts(draw: st.DrawFn, max_T: int = 12, max_N: int = 4) -> dict[str, Array]:
    """A consistent ``[T, N]`` float64 rollout with terminations and truncations.

    Flags are drawn independently, so steps that are both terminated and truncated, and
    episodes that end at the first or the last step, all occur.
    """
    T = draw(st.integers(1, max_T))
    N = draw(st.integers(1, max_N))
    shape = (T, N)
    rewards = draw(hnp.arrays(np.float64, shape, elements=_values))
    values = draw(hnp.arrays(np.float64, shape, elements=_values))
    final_values = draw(hnp.arrays(np.float64, shape, elements=_values))
    terminated = draw(hnp.arrays(np.bool_, shape))
    truncated = draw(hnp.arrays(np.bool_, shape))
    done = terminated | truncated
    next_values = final_values.copy()
    inside = ~done[:-1]
    next_values[:-1][inside] = values[1:][inside]
    return {
        "rewards": rewards,
        "values": values,
        "next_values": next_values,
        "terminated": terminated,
        "truncated": truncated,
    }


def _close(actual: Array, expected: Array, *, rtol: float = 1e-10, scale: float = 1.0) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    atol = rtol * max(scale, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------------------
# Stable-Baselines3
# --------------------------------------------------------------------------------------


def _sb3_compute_returns_and_advantage(
    rewards: Array,
    values: Array,
    episode_starts: Array,
    last_values: Array,
    dones: Array,
    gamma: float,
    gae_lambda: float,
) -> tuple[Array, Array]:
    """``RolloutBuffer.compute_returns_and_advantage`` (SB3 2.x), loop as in its source.

    ``episode_starts[t]`` is SB3's ``_last_episode_starts`` stored with step ``t`` (the
    ``dones`` of step ``t - 1``); ``dones`` are those of the last step.
    """
    buffer_size = rewards.shape[0]
    advantages = np.zeros_like(rewards)
    last_gae_lam: Any = 0
    for step in reversed(range(buffer_size)):
        if step == buffer_size - 1:
            next_non_terminal = 1.0 - dones.astype(rewards.dtype)
            next_values = last_values
        else:
            next_non_terminal = 1.0 - episode_starts[step + 1]
            next_values = values[step + 1]
        delta = rewards[step] + gamma * next_values * next_non_terminal - values[step]
        last_gae_lam = delta + gamma * gae_lambda * next_non_terminal * last_gae_lam
        advantages[step] = last_gae_lam
    return advantages, advantages + values


def _sb3_rollout(r: dict[str, Array], gamma: float, dtype: Any = np.float64) -> dict[str, Any]:
    """What SB3's ``collect_rollouts`` stores for the rollout ``r``.

    SB3's VecEnv sets ``TimeLimit.truncated = truncated and not terminated``; for such a
    step ``collect_rollouts`` adds ``gamma * V(terminal_observation)`` to the reward. The
    stored ``episode_starts`` of step ``t`` are the dones of step ``t - 1`` (all ones at
    the first step), and ``last_values`` is V of the observation after the last step.
    """
    terminated, truncated = r["terminated"], r["truncated"]
    dones = terminated | truncated
    time_limit = truncated & ~terminated
    rewards = r["rewards"].copy()
    rewards[time_limit] += gamma * r["next_values"][time_limit]
    episode_starts = np.ones_like(rewards)
    episode_starts[1:] = dones[:-1]
    return {
        "rewards": rewards.astype(dtype),
        "values": r["values"].astype(dtype),
        "episode_starts": episode_starts.astype(dtype),
        "last_values": r["next_values"][-1].astype(dtype),
        "dones": dones[-1],
    }


@given(rollouts(), _discounts, _discounts)
def test_batched_gae_equals_sb3_rollout_buffer_with_timeout_bootstrap(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    advantages, value_targets = _sb3_compute_returns_and_advantage(
        **_sb3_rollout(r, gamma), gamma=gamma, gae_lambda=lam
    )
    flags = {"terminated": r["terminated"], "truncated": r["truncated"]}
    ours = batched_gae(gamma, lam, r["rewards"], r["values"], r["next_values"], **flags)
    _close(ours, advantages, scale=10.0)
    _close(ours + r["values"], value_targets, scale=10.0)


@given(rollouts(), _discounts)
def test_batched_returns_equal_sb3_returns_at_lambda_one(r: dict[str, Array], gamma: float) -> None:
    # SB3's docstring: gae_lambda=1 gives the Monte-Carlo return with value bootstrap.
    _, value_targets = _sb3_compute_returns_and_advantage(
        **_sb3_rollout(r, gamma), gamma=gamma, gae_lambda=1.0
    )
    flags = {"terminated": r["terminated"], "truncated": r["truncated"]}
    _close(batched_returns(gamma, r["rewards"], r["next_values"], **flags), value_targets, scale=10)


@given(rollouts(max_T=16), st.floats(0.5, 1.0), st.floats(0.5, 1.0))
def test_float32_batched_gae_is_float32_and_near_sb3s_float32_buffer(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    # SB3's buffers are float32 and so is its loop; lagom keeps float32 in and out.
    sb3 = _sb3_rollout(r, gamma, dtype=np.float32)
    advantages, _ = _sb3_compute_returns_and_advantage(**sb3, gamma=gamma, gae_lambda=lam)
    f32 = {k: r[k].astype(np.float32) for k in ("rewards", "values", "next_values")}
    flags = {"terminated": r["terminated"], "truncated": r["truncated"]}
    ours = batched_gae(gamma, lam, f32["rewards"], f32["values"], f32["next_values"], **flags)
    assert ours.dtype == np.float32
    assert advantages.dtype == np.float32
    T = r["rewards"].shape[0]
    _close(ours, advantages, rtol=8 * T * float(np.finfo(np.float32).eps), scale=30.0)


def test_sb3_on_the_documented_corner_cases() -> None:
    # One column per case: episode ends at the first step (terminated), at the last step
    # (truncated), terminated and truncated at once in the middle, and never.
    gamma, lam = 0.9, 0.8
    T = 4
    rewards = np.arange(1.0, 1.0 + 4 * T).reshape(T, 4)
    values = np.linspace(-2.0, 3.0, 4 * T).reshape(T, 4)
    terminated = np.zeros((T, 4), dtype=bool)
    truncated = np.zeros((T, 4), dtype=bool)
    terminated[0, 0] = True
    truncated[T - 1, 1] = True
    terminated[1, 2] = truncated[1, 2] = True
    next_values = np.full((T, 4), 7.0)
    next_values[:-1] = values[1:]
    next_values[0, 0] = next_values[1, 2] = 123.0  # after a termination: never read
    next_values[T - 1, 1] = -5.0  # the truncated episode's final observation
    r = {
        "rewards": rewards,
        "values": values,
        "next_values": next_values,
        "terminated": terminated,
        "truncated": truncated,
    }
    advantages, _ = _sb3_compute_returns_and_advantage(
        **_sb3_rollout(r, gamma), gamma=gamma, gae_lambda=lam
    )
    flags = {"terminated": terminated, "truncated": truncated}
    _close(batched_gae(gamma, lam, rewards, values, next_values, **flags), advantages)
    _, mc = _sb3_compute_returns_and_advantage(**_sb3_rollout(r, gamma), gamma=gamma, gae_lambda=1)
    _close(batched_returns(gamma, rewards, next_values, **flags), mc)
    # Per column, the episode face gives the same numbers for an episode it can express.
    _close(
        gae(gamma, lam, rewards[:, 3], values[:, 3], next_values[-1, 3], False), advantages[:, 3]
    )
    _close(gae(gamma, lam, rewards[:1, 0], values[:1, 0], 0.0, True), advantages[:1, 0])


def _sb3_gae_with_dones(
    *,
    gamma: float,
    lam: float,
    rewards: Array,
    values: Array,
    next_values: Array,
    dones: Array,
) -> Array:
    """SB3's buffer fed as ``collect_rollouts`` feeds it, from one ``dones`` array."""
    episode_starts = np.ones_like(rewards)
    episode_starts[1:] = dones[:-1]
    advantages, _ = _sb3_compute_returns_and_advantage(
        rewards, values, episode_starts, next_values[-1], dones[-1], gamma, lam
    )
    return advantages


@given(rollouts(), _discounts, _discounts)
def test_lagom_testing_from_dones_bootstraps_truncations_as_sb3_does(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    # docs/testing.rst: from_dones adds the bootstrap of a truncation to its reward, "as
    # Stable-Baselines3 does"; then SB3's own loop gives lagom's GAE.
    adapted = from_dones(_sb3_gae_with_dones)
    theirs = adapted(
        gamma=gamma,
        lam=lam,
        rewards=r["rewards"],
        values=r["values"],
        next_values=r["next_values"],
        terminated=r["terminated"],
        truncated=r["truncated"],
    )
    flags = {"terminated": r["terminated"], "truncated": r["truncated"]}
    ours = batched_gae(gamma, lam, r["rewards"], r["values"], r["next_values"], **flags)
    _close(ours, theirs, scale=10.0)


# --------------------------------------------------------------------------------------
# CleanRL ppo.py
# --------------------------------------------------------------------------------------


def _cleanrl_gae(
    rewards: Array,
    values: Array,
    dones: Array,
    next_value: Array,
    next_done: Array,
    gamma: float,
    gae_lambda: float,
) -> tuple[Array, Array]:
    """CleanRL ``ppo.py``'s GAE loop (``dones[t]`` is ``next_done`` stored before step t)."""
    num_steps = rewards.shape[0]
    advantages = np.zeros_like(rewards)
    lastgaelam: Any = 0
    for t in reversed(range(num_steps)):
        if t == num_steps - 1:
            nextnonterminal = 1.0 - next_done
            nextvalues = next_value
        else:
            nextnonterminal = 1.0 - dones[t + 1]
            nextvalues = values[t + 1]
        delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
    return advantages, advantages + values


@given(rollouts(), _discounts, _discounts)
def test_cleanrl_gae_is_batched_gae_with_every_done_a_termination(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    # CleanRL's next_done = terminations | truncations: a time limit does not bootstrap.
    # lagom gives the same numbers when given done as `terminated` and no truncation.
    done = r["terminated"] | r["truncated"]
    cleanrl_dones = np.zeros_like(r["rewards"])
    cleanrl_dones[1:] = done[:-1]
    advantages, value_targets = _cleanrl_gae(
        r["rewards"], r["values"], cleanrl_dones, r["next_values"][-1], done[-1], gamma, lam
    )
    no_truncation = np.zeros_like(done)
    ours = batched_gae(
        gamma,
        lam,
        r["rewards"],
        r["values"],
        r["next_values"],
        terminated=done,
        truncated=no_truncation,
    )
    _close(ours, advantages, scale=10.0)
    _close(ours + r["values"], value_targets, scale=10.0)


# --------------------------------------------------------------------------------------
# rlax
# --------------------------------------------------------------------------------------


def _rlax_lambda_returns(r_t: Array, discount_t: Array, v_t: Array, lambda_: Any = 1.0) -> Array:
    """``rlax.lambda_returns``: ``G_t = r_t + d_t ((1 - l_t) v_t + l_t G_{t+1})``."""
    lambda_ = np.ones_like(discount_t) * lambda_
    out = []
    g = v_t[-1]
    for i in range(v_t.shape[0] - 1, -1, -1):
        g = r_t[i] + discount_t[i] * ((1 - lambda_[i]) * v_t[i] + lambda_[i] * g)
        out.insert(0, g)
    return np.array(out)


def _rlax_discounted_returns(r_t: Array, discount_t: Array, v_t: Any) -> Array:
    """``rlax.discounted_returns``."""
    bootstrapped_v = np.ones_like(discount_t) * v_t
    return _rlax_lambda_returns(r_t, discount_t, bootstrapped_v, lambda_=1.0)


def _rlax_td_lambda(v_tm1: Array, r_t: Array, discount_t: Array, v_t: Array, lambda_: Any) -> Array:
    """``rlax.td_lambda`` (value_learning.py): the λ-return minus ``v_tm1``."""
    return _rlax_lambda_returns(r_t, discount_t, v_t, lambda_) - v_tm1


def _rlax_importance_corrected_td_errors(
    r_t: Array, discount_t: Array, rho_tm1: Array, lambda_: Any, values: Array
) -> Array:
    """``rlax.importance_corrected_td_errors`` (per-decision importance sampling)."""
    v_tm1 = values[:-1]
    v_t = values[1:]
    rho_t = np.concatenate((rho_tm1[1:], np.array([1.0])))
    lambda_ = np.ones_like(discount_t) * lambda_
    one_step_delta = r_t + discount_t * v_t - v_tm1
    delta: Any = 0.0
    errors = []
    for i in range(one_step_delta.shape[0] - 1, -1, -1):
        delta = one_step_delta[i] + discount_t[i] * rho_t[i] * lambda_[i] * delta
        errors.insert(0, delta)
    return rho_tm1 * np.array(errors)


def _rlax_vtrace(
    v_tm1: Array,
    v_t: Array,
    r_t: Array,
    discount_t: Array,
    rho_tm1: Array,
    lambda_: Any = 1.0,
    clip_rho_threshold: float = 1.0,
) -> Array:
    """``rlax.vtrace``: the V-trace errors (targets minus ``v_tm1``)."""
    c_tm1 = np.minimum(1.0, rho_tm1) * lambda_
    clipped_rhos_tm1 = np.minimum(clip_rho_threshold, rho_tm1)
    td_errors = clipped_rhos_tm1 * (r_t + discount_t * v_t - v_tm1)
    err: Any = 0.0
    errors = []
    for i in reversed(range(v_t.shape[0])):
        err = td_errors[i] + discount_t[i] * c_tm1[i] * err
        errors.append(err)
    errors = errors[::-1]
    return (np.array(errors) + v_tm1) - v_tm1


def _rlax_vtrace_td_error_and_advantage(
    v_tm1: Array,
    v_t: Array,
    r_t: Array,
    discount_t: Array,
    rho_tm1: Array,
    lambda_: Any = 1.0,
    clip_rho_threshold: float = 1.0,
    clip_pg_rho_threshold: float = 1.0,
) -> tuple[Array, Array, Array]:
    """``rlax.vtrace_td_error_and_advantage``: ``(errors, pg_advantage, q_estimate)``."""
    lambda_ = np.ones_like(discount_t) * lambda_
    errors = _rlax_vtrace(v_tm1, v_t, r_t, discount_t, rho_tm1, lambda_, clip_rho_threshold)
    targets_tm1 = errors + v_tm1
    q_bootstrap = np.concatenate(
        [lambda_[:-1] * targets_tm1[1:] + (1 - lambda_[:-1]) * v_tm1[1:], v_t[-1:]], axis=0
    )
    q_estimate = r_t + discount_t * q_bootstrap
    clipped_pg_rho_tm1 = np.minimum(clip_pg_rho_threshold, rho_tm1)
    pg_advantages = clipped_pg_rho_tm1 * (q_estimate - v_tm1)
    return errors, pg_advantages, q_estimate


def _columns(r: dict[str, Array]) -> range:
    return range(r["rewards"].shape[1])


@given(rollouts(), _discounts, _discounts)
def test_gae_plus_values_is_rlax_lambda_returns_with_truncation_as_zero_lambda(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    # rlax's per-step lambda_ of 0 at a truncated step bootstraps from v_t there and stops.
    flags = {"terminated": r["terminated"], "truncated": r["truncated"]}
    ours = batched_gae(gamma, lam, r["rewards"], r["values"], r["next_values"], **flags)
    for n in _columns(r):
        discount_t = gamma * (1.0 - r["terminated"][:, n])
        lambda_t = lam * (1.0 - r["truncated"][:, n])
        expected = _rlax_lambda_returns(
            r["rewards"][:, n], discount_t, r["next_values"][:, n], lambda_t
        )
        _close(ours[:, n] + r["values"][:, n], expected, scale=10.0)


@given(rollouts(), _discounts, _discounts)
def test_gae_is_rlax_td_lambda_without_truncations(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    # rlax's scalar lambda_: no truncations, terminations through discount_t only.
    terminated = r["terminated"]
    next_values = r["next_values"].copy()
    keep = ~terminated[:-1] & r["truncated"][:-1]
    next_values[:-1][keep] = r["values"][1:][keep]  # no truncation: one value function
    none = np.zeros_like(terminated)
    ours = batched_gae(
        gamma, lam, r["rewards"], r["values"], next_values, terminated=terminated, truncated=none
    )
    for n in _columns(r):
        expected = _rlax_td_lambda(
            r["values"][:, n],
            r["rewards"][:, n],
            gamma * (1.0 - terminated[:, n]),
            next_values[:, n],
            lam,
        )
        _close(ours[:, n], expected, scale=10.0)


@given(rollouts(), _discounts)
def test_batched_returns_equal_rlax_lambda_returns_at_lambda_one(
    r: dict[str, Array], gamma: float
) -> None:
    flags = {"terminated": r["terminated"], "truncated": r["truncated"]}
    ours = batched_returns(gamma, r["rewards"], r["next_values"], **flags)
    for n in _columns(r):
        expected = _rlax_lambda_returns(
            r["rewards"][:, n],
            gamma * (1.0 - r["terminated"][:, n]),
            r["next_values"][:, n],
            1.0 - r["truncated"][:, n],
        )
        _close(ours[:, n], expected, scale=10.0)


@given(
    hnp.arrays(np.float64, st.integers(1, 15), elements=_values),
    _discounts,
    _values,
    st.booleans(),
)
def test_episode_returns_equal_rlax_discounted_returns(
    rewards: Array, gamma: float, last_V: float, reach_terminal: bool
) -> None:
    discount_t = np.full(rewards.shape, gamma)
    discount_t[-1] = gamma * (1.0 - reach_terminal)
    expected = _rlax_discounted_returns(rewards, discount_t, last_V)
    _close(bootstrapped_returns(gamma, rewards, last_V, reach_terminal), expected, scale=10.0)
    discount_t[-1] = 0.0
    _close(returns(gamma, rewards), _rlax_discounted_returns(rewards, discount_t, 0.0), scale=10)


def test_rlax_discounted_returns_float32_stays_close() -> None:
    # A float32 episode of 300 steps at gamma = 1: lagom keeps float32 and stays within
    # float32 rounding of rlax's loop run in float64.
    rng = np.random.default_rng(0)
    rewards = rng.uniform(-1.0, 1.0, 300).astype(np.float32)
    expected = _rlax_discounted_returns(rewards.astype(np.float64), np.r_[np.ones(299), 0.0], 0.0)
    ours = returns(1.0, rewards)
    assert ours.dtype == np.float32
    _close(ours, expected, rtol=300 * float(np.finfo(np.float32).eps), scale=10.0)


@st.composite
def off_policy_rollouts(draw: st.DrawFn) -> dict[str, Array]:
    """A rollout without truncations (rlax cannot express them in V-trace) and log-probs."""
    r = draw(rollouts())
    terminated = r["terminated"]
    keep = ~terminated[:-1] & r["truncated"][:-1]
    r["next_values"][:-1][keep] = r["values"][1:][keep]
    r["truncated"] = np.zeros_like(terminated)
    logprob = st.floats(-3.0, 0.0)
    r["behavior_logprobs"] = draw(hnp.arrays(np.float64, terminated.shape, elements=logprob))
    r["target_logprobs"] = draw(hnp.arrays(np.float64, terminated.shape, elements=logprob))
    return r


_clips = st.one_of(st.sampled_from([1.0, np.inf]), st.floats(0.1, 5.0))


@given(off_policy_rollouts(), _discounts, _discounts, _clips, _clips)
def test_batched_vtrace_equals_rlax_vtrace(
    r: dict[str, Array], gamma: float, lam: float, clip_rho: float, clip_pg_rho: float
) -> None:
    # rlax's trace cut is min(1, rho) * lambda: lagom's default clip_c = 1.
    vs, pg_advantages = batched_vtrace(
        r["behavior_logprobs"],
        r["target_logprobs"],
        gamma,
        r["rewards"],
        r["values"],
        r["next_values"],
        terminated=r["terminated"],
        truncated=r["truncated"],
        clip_rho=clip_rho,
        clip_pg_rho=clip_pg_rho,
        lam=lam,
    )
    rhos = np.exp(r["target_logprobs"] - r["behavior_logprobs"])
    for n in _columns(r):
        errors, pg, _ = _rlax_vtrace_td_error_and_advantage(
            r["values"][:, n],
            r["next_values"][:, n],
            r["rewards"][:, n],
            gamma * (1.0 - r["terminated"][:, n]),
            rhos[:, n],
            lam,
            clip_rho,
            clip_pg_rho,
        )
        _close(vs[:, n], errors + r["values"][:, n], scale=10.0)
        if lam == 1.0:
            _close(pg_advantages[:, n], pg, scale=10.0)
        # For lambda < 1 rlax bootstraps its advantage from lambda v_{t+1} +
        # (1 - lambda) V(s_{t+1}); lagom, like IMPALA's paper (and DeepMind's
        # scalable_agent, which has no lambda), from the V-trace target v_{t+1} itself.
        # That advantage, built from rlax's own targets:
        targets = errors + r["values"][:, n]
        discount_t = gamma * (1.0 - r["terminated"][:, n])
        v_next = np.concatenate([targets[1:], r["next_values"][-1:, n]])
        paper = np.minimum(clip_pg_rho, rhos[:, n]) * (
            r["rewards"][:, n] + discount_t * v_next - r["values"][:, n]
        )
        _close(pg_advantages[:, n], paper, scale=10.0)


@given(off_policy_rollouts(), _discounts, _discounts)
def test_unclipped_vtrace_is_rlax_importance_corrected_td_errors(
    r: dict[str, Array], gamma: float, lam: float
) -> None:
    # With no clipping, V-trace's v_t - V(s_t) is per-decision importance sampling.
    vs, _ = batched_vtrace(
        r["behavior_logprobs"],
        r["target_logprobs"],
        gamma,
        r["rewards"],
        r["values"],
        r["next_values"],
        terminated=r["terminated"],
        truncated=r["truncated"],
        clip_rho=np.inf,
        clip_pg_rho=np.inf,
        clip_c=np.inf,
        lam=lam,
    )
    rhos = np.exp(r["target_logprobs"] - r["behavior_logprobs"])
    for n in _columns(r):
        values = np.r_[r["values"][:, n], r["next_values"][-1, n]]
        # rlax reads v_t = values[1:]: inside an episode that is next_values already; at a
        # termination discount_t = 0 hides it.
        expected = _rlax_importance_corrected_td_errors(
            r["rewards"][:, n], gamma * (1.0 - r["terminated"][:, n]), rhos[:, n], lam, values
        )
        _close(vs[:, n] - r["values"][:, n], expected, rtol=1e-9, scale=100.0)


def test_episode_vtrace_equals_rlax_on_one_off_policy_episode() -> None:
    # Length 1 and length 5, bootstrapped and terminal, ratios on both sides of the clips.
    behavior = np.log([0.5, 0.2, 0.9, 0.3, 0.6])
    target = np.log([0.25, 0.6, 0.9, 0.9, 0.1])
    rewards = np.array([1.0, -2.0, 0.5, 3.0, 1.5])
    values = np.array([0.3, -1.0, 2.0, 0.7, -0.4])
    for T in (1, 5):
        for last_V, reach_terminal in ((2.5, False), (2.5, True)):
            v_t = np.r_[values[1:T], 0.0 if reach_terminal else last_V]
            discount_t = np.full(T, 0.95)
            rho = np.exp(target[:T] - behavior[:T])
            errors, pg, _ = _rlax_vtrace_td_error_and_advantage(
                values[:T], v_t, rewards[:T], discount_t, rho, 1.0, 1.5, 0.8
            )
            vs, As = vtrace(
                behavior[:T],
                target[:T],
                0.95,
                rewards[:T],
                values[:T],
                last_V,
                reach_terminal,
                clip_rho=1.5,
                clip_pg_rho=0.8,
            )
            _close(vs, errors + values[:T])
            _close(As, pg)


@given(rollouts(), _discounts)
def test_td0_target_is_rlax_lambda_returns_at_lambda_zero(
    r: dict[str, Array], gamma: float
) -> None:
    ours = batched_td0_target(gamma, r["rewards"], r["next_values"], terminated=r["terminated"])
    for n in _columns(r):
        expected = _rlax_lambda_returns(
            r["rewards"][:, n], gamma * (1.0 - r["terminated"][:, n]), r["next_values"][:, n], 0.0
        )
        _close(ours[:, n], expected, scale=10.0)
