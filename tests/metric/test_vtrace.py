"""``lagom.metric.vtrace``: V-trace targets and policy-gradient advantages."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom.metric import VTrace, batched_gae, batched_returns, batched_vtrace, vtrace
from lagom.testing.strategies import ValueBatch, discounts, value_arrays
from tests.metric.oracle import (
    assert_close,
    per_column,
    rollouts,
    split_episodes,
    vtrace_column,
    vtrace_paper,
)

clips = st.one_of(st.sampled_from([1.0, np.inf]), st.floats(0.1, 3.0))


@st.composite
def clip_sets(draw: st.DrawFn) -> dict[str, float]:
    """``clip_rho``, ``clip_pg_rho``, ``clip_c`` and ``lam``, drawn independently (c̄ ≠ ρ̄)."""
    return {
        "clip_rho": draw(clips, label="clip_rho"),
        "clip_pg_rho": draw(clips, label="clip_pg_rho"),
        "clip_c": draw(clips, label="clip_c"),
        "lam": draw(discounts(), label="lam"),
    }


@pytest.mark.parametrize("gamma", [0.1, 1.0])
@pytest.mark.parametrize("last_V", [0.3, [0.5]])
@pytest.mark.parametrize("reach_terminal", [True, False])
@pytest.mark.parametrize("clip_rho", [0.5, 1.0])
@pytest.mark.parametrize("clip_pg_rho", [0.3, 1.1])
@pytest.mark.parametrize(("clip_c", "lam"), [(1.0, 1.0), (0.4, 1.0), (1.0, 0.5), (3.0, 0.9)])
def test_vtrace_reference_example(
    gamma: float,
    last_V: object,
    reach_terminal: bool,
    clip_rho: float,
    clip_pg_rho: float,
    clip_c: float,
    lam: float,
) -> None:
    # The seed's example (lagom 0.0.3, test/test_metric.py), written out by hand, with c̄, λ.
    behavior_logprobs, target_logprobs = [1, 2, 3], [4, 5, 6]
    Rs, Vs = [7, 8, 9], [10, 11, 12]
    V_last = 0.0 if reach_terminal else float(np.ravel(last_V)[0])
    rhos = np.exp(np.subtract(target_logprobs, behavior_logprobs))
    cs = lam * np.minimum(clip_c, rhos)
    next_Vs = [Vs[1], Vs[2], V_last]
    deltas = np.minimum(clip_rho, rhos) * (np.add(Rs, gamma * np.array(next_Vs)) - Vs)
    vs = [
        Vs[0] + deltas[0] + gamma * cs[0] * deltas[1] + gamma**2 * cs[0] * cs[1] * deltas[2],
        Vs[1] + deltas[1] + gamma * cs[1] * deltas[2],
        Vs[2] + deltas[2],
    ]
    next_vs = [vs[1], vs[2], V_last]
    As = np.minimum(clip_pg_rho, rhos) * (np.add(Rs, gamma * np.array(next_vs)) - Vs)

    out = vtrace(
        behavior_logprobs,
        target_logprobs,
        gamma,
        Rs,
        Vs,
        last_V,
        reach_terminal,
        clip_rho,
        clip_pg_rho,
        clip_c=clip_c,
        lam=lam,
    )
    assert isinstance(out, VTrace)
    vs_test, As_test = out
    np.testing.assert_allclose(vs_test, vs)
    np.testing.assert_allclose(As_test, As)


# The oracle: IMPALA's eq. 1 written out (tests/metric/oracle.py), one episode at a time.


@st.composite
def episodes(draw: st.DrawFn) -> dict[str, Any]:
    """One episode's arguments of :func:`vtrace`, ``T`` in ``[0, 12]``, ratios up to e^4."""
    T = draw(st.integers(0, 12), label="T")
    dtype = draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    logprobs = hnp.arrays(dtype, (T,), elements=st.floats(-2.0, 2.0, width=32))
    return {
        "behavior_logprobs": draw(logprobs, label="behavior_logprobs"),
        "target_logprobs": draw(logprobs, label="target_logprobs"),
        "Rs": draw(value_arrays((T,), dtype), label="Rs"),
        "Vs": draw(value_arrays((T,), dtype), label="Vs"),
        "last_V": draw(st.floats(-10.0, 10.0), label="last_V"),
        "reach_terminal": draw(st.booleans(), label="reach_terminal"),
    }


@given(episodes(), discounts(), clip_sets())
def test_vtrace_is_eq_1_of_the_paper(
    episode: dict[str, Any], gamma: float, clip_set: dict[str, float]
) -> None:
    vs, pg = vtrace(gamma=gamma, **episode, **clip_set)
    bootstrap = 0.0 if episode["reach_terminal"] else episode["last_V"]
    expected_vs, expected_pg = vtrace_paper(
        episode["behavior_logprobs"].tolist(),
        episode["target_logprobs"].tolist(),
        gamma,
        episode["Rs"].tolist(),
        episode["Vs"].tolist(),
        float(bootstrap),
        **clip_set,
    )
    assert vs.dtype == pg.dtype == episode["Rs"].dtype
    # Ratios reach e^4 and the clips 3: the terms grow by as much.
    scale = 60 * (np.abs(episode["Rs"]) + np.abs(episode["Vs"]) + abs(bootstrap))
    assert_close(vs, np.asarray(expected_vs).reshape(vs.shape), scale)
    assert_close(pg, np.asarray(expected_pg).reshape(pg.shape), scale)


@st.composite
def off_policy(draw: st.DrawFn, **kwargs: object) -> tuple[ValueBatch, np.ndarray, np.ndarray]:
    rollout = draw(rollouts(**kwargs))
    shape, dtype = rollout.rewards.shape, rollout.rewards.dtype
    behavior = draw(value_arrays(shape, dtype)) / 5
    target = draw(value_arrays(shape, dtype)) / 5
    return rollout, behavior, target


@given(off_policy(), discounts(), clip_sets())
def test_batched_vtrace_is_eq_1_on_every_episode(
    data: tuple[ValueBatch, np.ndarray, np.ndarray], gamma: float, clip_set: dict[str, float]
) -> None:
    # Episode ends (terminated or truncated) and the rollout's end cut the sums; after a
    # truncation and at the rollout's end V(x_T) is next_values, after a termination zero.
    rollout, behavior, target = data
    vs, pg = batched_vtrace(
        behavior,
        target,
        gamma,
        rollout.rewards,
        rollout.values,
        rollout.next_values,
        **rollout.flags,
        **clip_set,
    )
    assert vs.dtype == pg.dtype == rollout.rewards.dtype
    expected_vs, expected_pg = per_column(
        lambda b, t, *cols: vtrace_column(b, t, gamma, *cols, **clip_set),
        behavior,
        target,
        *rollout,
    )
    scale = 60 * np.abs(rollout.rewards) + 60 * np.abs(rollout.values)
    assert_close(vs, expected_vs, scale, 60 * np.abs(rollout.next_values))
    assert_close(pg, expected_pg, scale, 60 * np.abs(rollout.next_values))


@given(rollouts(), discounts(), discounts(), st.floats(1.0, 5.0), st.floats(1.0, 5.0), st.data())
def test_on_policy_vtrace_is_the_lambda_return(
    rollout: ValueBatch,
    gamma: float,
    lam: float,
    clip_rho: float,
    clip_c: float,
    data: st.DataObject,
) -> None:
    # With ρ_t = 1 and clips of at least 1, c_t = λ: v_t - V(s_t) is the GAE(γ, λ) advantage.
    logprobs = data.draw(value_arrays(rollout.rewards.shape, rollout.rewards.dtype), label="logp")
    vs, _ = batched_vtrace(
        logprobs,
        logprobs,
        gamma,
        rollout.rewards,
        rollout.values,
        rollout.next_values,
        **rollout.flags,
        clip_rho=clip_rho,
        clip_c=clip_c,
        lam=lam,
    )
    advantages = batched_gae(
        gamma, lam, rollout.rewards, rollout.values, rollout.next_values, **rollout.flags
    )
    terms = (rollout.rewards, rollout.values, rollout.next_values)
    assert_close(vs.astype(np.float64) - rollout.values, advantages.astype(np.float64), *terms)


@given(rollouts(), discounts(), st.floats(1.0, 5.0), st.floats(1.0, 5.0), st.data())
def test_on_policy_vtrace_is_the_bootstrapped_return(
    rollout: ValueBatch, gamma: float, clip_rho: float, clip_pg_rho: float, data: st.DataObject
) -> None:
    logprobs = data.draw(value_arrays(rollout.rewards.shape, rollout.rewards.dtype), label="logp")
    vs, pg = batched_vtrace(
        logprobs,
        logprobs,
        gamma,
        rollout.rewards,
        rollout.values,
        rollout.next_values,
        **rollout.flags,
        clip_rho=clip_rho,
        clip_pg_rho=clip_pg_rho,
    )
    returns = batched_returns(gamma, rollout.rewards, rollout.next_values, **rollout.flags)
    advantages = batched_gae(
        gamma, 1.0, rollout.rewards, rollout.values, rollout.next_values, **rollout.flags
    )
    terms = (rollout.rewards, rollout.values, rollout.next_values)
    assert_close(vs, returns.astype(np.float64), *terms)
    # vs_t - V(s_t) is then the λ = 1 advantage, and so is the policy-gradient advantage.
    assert_close(vs.astype(np.float64) - rollout.values, advantages.astype(np.float64), *terms)
    assert_close(pg, advantages.astype(np.float64), *terms)


@given(off_policy(batch_shapes=[(1,), (3,)]), discounts(), clip_sets())
def test_batched_vtrace_equals_the_episodes_concatenated(
    data: tuple[ValueBatch, np.ndarray, np.ndarray], gamma: float, clip_set: dict[str, float]
) -> None:
    rollout, behavior, target = data
    r, v, nv = rollout.rewards, rollout.values, rollout.next_values
    vs, pg = batched_vtrace(behavior, target, gamma, r, v, nv, **rollout.flags, **clip_set)
    clip_rho, clip_pg_rho = clip_set["clip_rho"], clip_set["clip_pg_rho"]
    for n in range(r.shape[1]):
        pieces_vs, pieces_pg = [], []
        for e in split_episodes(rollout.done[:, n]):
            last = e.stop - 1
            terminal = bool(rollout.terminated[last, n])
            episode_vs, episode_pg = vtrace(
                behavior[e, n], target[e, n], gamma, r[e, n], v[e, n], nv[last, n], terminal,
                clip_rho, clip_pg_rho, clip_c=clip_set["clip_c"], lam=clip_set["lam"],
            )  # fmt: skip
            pieces_vs.append(episode_vs)
            pieces_pg.append(episode_pg)
        np.testing.assert_allclose(vs[:, n], np.concatenate(pieces_vs), rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(pg[:, n], np.concatenate(pieces_pg), rtol=1e-6, atol=1e-5)


def test_the_trace_clip_is_separate_from_the_rho_clip() -> None:
    # ρ_0 = 4. ρ̄ = 4 keeps δ_0 = 4; c̄ = 0.5 cuts the trace to c_0 = 0.5; ρ̄_pg = 2.
    logp = np.log([[0.25], [0.5]])
    target = np.log([[1.0], [0.5]])
    flags = {"terminated": [[0], [1]], "truncated": [[0], [0]]}
    vs, pg = batched_vtrace(
        logp, target, 1.0, [[1.0], [1.0]], [[0.0], [0.0]], [[0.0], [123.0]], **flags,
        clip_rho=4.0, clip_pg_rho=2.0, clip_c=0.5,
    )  # fmt: skip
    np.testing.assert_allclose(vs, [[4.0 + 0.5 * 1.0], [1.0]])
    np.testing.assert_allclose(pg, [[2.0 * (1.0 + 1.0)], [1.0]])
    # λ scales every c_t: λ = 0 leaves one step, v_t = V(s_t) + δ_t.
    vs, _ = batched_vtrace(
        logp, target, 1.0, [[1.0], [1.0]], [[0.0], [0.0]], [[0.0], [123.0]], **flags,
        clip_rho=4.0, clip_c=0.5, lam=0.0,
    )  # fmt: skip
    np.testing.assert_allclose(vs, [[4.0], [1.0]])


def test_the_pg_advantage_reads_the_next_target_inside_an_episode() -> None:
    # Eq. 1 literally: A_0 = ρ_pg (r_0 + γ v_1 - V(s_0)) with v_1 = vs[1], whatever
    # next_values[0] holds (it should be values[1]; here it is not, and only δ_0 reads it).
    zeros = np.zeros((2, 1))
    vs, pg = batched_vtrace(
        zeros, zeros, 0.5, [[1.0], [1.0]], [[0.0], [2.0]], [[10.0], [4.0]],
        terminated=[[0], [0]], truncated=[[0], [0]],
    )  # fmt: skip
    # δ_0 = 1 + 0.5·10 - 0 = 6, δ_1 = 1 + 0.5·4 - 2 = 1: v_1 = 3, v_0 = 0 + 6 + 0.5·1 = 6.5.
    np.testing.assert_allclose(vs, [[6.5], [3.0]])
    np.testing.assert_allclose(pg, [[1.0 + 0.5 * 3.0 - 0.0], [1.0 + 0.5 * 4.0 - 2.0]])


def test_a_terminated_step_ignores_its_next_value() -> None:
    vs, pg = batched_vtrace(
        [[0.0]], [[0.0]], 0.9, [[1.0]], [[0.5]], [[1e30]], terminated=[[True]], truncated=[[0]]
    )
    np.testing.assert_array_equal(vs, [[1.0]])
    np.testing.assert_array_equal(pg, [[0.5]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ratios_that_overflow_are_exact_when_clipped_and_refused_when_not(dtype: type) -> None:
    # exp(1000) overflows: clipped at 1 the ratio is exactly 1 (no numpy warning); with
    # every clip inf, inf * 0 would have been NaN from finite inputs.
    behavior = np.array([-1000.0, 0.0], dtype)
    target = np.zeros(2, dtype)
    zeros = np.zeros(2, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clipped = vtrace(behavior, target, 0.9, zeros, zeros, 0.0, True)
    np.testing.assert_array_equal(clipped.vs, zeros)
    np.testing.assert_array_equal(clipped.pg_advantages, zeros)
    unclipped = {"clip_rho": np.inf, "clip_pg_rho": np.inf, "clip_c": np.inf}
    with pytest.raises(ValueError, match=r"V-trace overflowed .* reach inf; clip them"):
        vtrace(behavior, target, 0.9, zeros, zeros, 0.0, True, **unclipped)
    # Large but representable ratios without clips stay finite and are computed.
    fine = vtrace(
        np.array([-5.0, 0.0], dtype), target, 0.9, [1.0, 1.0], zeros, 0.0, True, **unclipped
    )
    # rho = c = (e^5, 1), V = 0, terminal: vs_1 = 1, vs_0 = e^5 * 1 + 0.9 * e^5 * vs_1, and
    # pg_t = rho_t * (r_t + 0.9 * vs_{t+1}) equals vs_t here.
    expected = [1.9 * np.exp(5.0), 1.0]
    np.testing.assert_allclose(fine.vs, expected, rtol=1e-6)
    np.testing.assert_allclose(fine.pg_advantages, expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["clip_rho", "clip_pg_rho", "clip_c"])
def test_a_clip_may_be_a_0d_array_as_gamma_and_lam_may(name: str) -> None:
    # gamma and lam took np.array(0.9); the clips refused it with a TypeError.
    args = ([0.0, 0.7], [0.5, 0.0], 0.9, [1.0, 2.0], [0.5, 0.5], 1.0, False)
    expected = vtrace(*args, **{name: 1.2})
    result = vtrace(*args, **{name: np.array(1.2)})
    np.testing.assert_array_equal(result.vs, expected.vs)
    np.testing.assert_array_equal(result.pg_advantages, expected.pg_advantages)
    with pytest.raises(ValueError, match=f"^{name} must be positive"):
        vtrace(*args, **{name: np.array(0.0)})
