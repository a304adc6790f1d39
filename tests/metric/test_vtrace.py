"""``lagom.metric.vtrace``: V-trace targets and policy-gradient advantages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.metric import VTrace, batched_gae, batched_returns, batched_vtrace, vtrace
from tests.metric.oracle import assert_close, per_column, vtrace_loop
from tests.strategies.metric import Rollout, discounts, rollouts, split_episodes, value_arrays

clips = st.one_of(st.sampled_from([1.0, np.inf]), st.floats(0.1, 3.0))


@pytest.mark.parametrize("gamma", [0.1, 1.0])
@pytest.mark.parametrize("last_V", [0.3, [0.5]])
@pytest.mark.parametrize("reach_terminal", [True, False])
@pytest.mark.parametrize("clip_rho", [0.5, 1.0])
@pytest.mark.parametrize("clip_pg_rho", [0.3, 1.1])
def test_vtrace_reference_example(
    gamma: float, last_V: object, reach_terminal: bool, clip_rho: float, clip_pg_rho: float
) -> None:
    # The seed's example (lagom 0.0.3, test/test_metric.py), written out by hand.
    behavior_logprobs, target_logprobs = [1, 2, 3], [4, 5, 6]
    Rs, Vs = [7, 8, 9], [10, 11, 12]
    V_last = 0.0 if reach_terminal else float(np.ravel(last_V)[0])
    rhos = np.exp(np.subtract(target_logprobs, behavior_logprobs))
    cs = np.minimum(1.0, rhos)
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
    )
    assert isinstance(out, VTrace)
    vs_test, As_test = out
    np.testing.assert_allclose(vs_test, vs)
    np.testing.assert_allclose(As_test, As)


@st.composite
def off_policy(draw: st.DrawFn, **kwargs: object) -> tuple[Rollout, np.ndarray, np.ndarray]:
    rollout = draw(rollouts(**kwargs))
    shape, dtype = rollout.rewards.shape, rollout.rewards.dtype
    behavior = draw(value_arrays(shape, dtype)) / 5
    target = draw(value_arrays(shape, dtype)) / 5
    return rollout, behavior, target


@given(off_policy(), discounts, clips, clips)
def test_batched_vtrace_matches_the_defining_sum(
    data: tuple[Rollout, np.ndarray, np.ndarray], gamma: float, clip_rho: float, clip_pg_rho: float
) -> None:
    rollout, behavior, target = data
    vs, pg = batched_vtrace(
        behavior,
        target,
        gamma,
        rollout.rewards,
        rollout.values,
        rollout.next_values,
        **rollout.flags,
        clip_rho=clip_rho,
        clip_pg_rho=clip_pg_rho,
    )
    assert vs.dtype == pg.dtype == rollout.rewards.dtype
    expected_vs, expected_pg = per_column(
        lambda b, t, *cols: vtrace_loop(b, t, gamma, *cols, clip_rho, clip_pg_rho),
        behavior,
        target,
        *rollout,
    )
    # Ratios reach e^4 and the clips 3: the terms grow by as much.
    scale = 60 * np.abs(rollout.rewards) + 60 * np.abs(rollout.values)
    assert_close(vs, expected_vs, scale, 60 * np.abs(rollout.next_values))
    assert_close(pg, expected_pg, scale, 60 * np.abs(rollout.next_values))


@given(rollouts(), discounts, st.floats(1.0, 5.0), st.floats(1.0, 5.0), st.data())
def test_on_policy_vtrace_is_the_bootstrapped_return(
    rollout: Rollout, gamma: float, clip_rho: float, clip_pg_rho: float, data: st.DataObject
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


@given(off_policy(batch_shapes=[(1,), (3,)]), discounts, clips, clips)
def test_batched_vtrace_equals_the_episodes_concatenated(
    data: tuple[Rollout, np.ndarray, np.ndarray], gamma: float, clip_rho: float, clip_pg_rho: float
) -> None:
    rollout, behavior, target = data
    r, v, nv = rollout.rewards, rollout.values, rollout.next_values
    vs, pg = batched_vtrace(
        behavior,
        target,
        gamma,
        r,
        v,
        nv,
        **rollout.flags,
        clip_rho=clip_rho,
        clip_pg_rho=clip_pg_rho,
    )
    for n in range(r.shape[1]):
        pieces_vs, pieces_pg = [], []
        for e in split_episodes(rollout.done[:, n]):
            last = e.stop - 1
            terminal = bool(rollout.terminated[last, n])
            episode_vs, episode_pg = vtrace(
                behavior[e, n], target[e, n], gamma, r[e, n], v[e, n], nv[last, n], terminal,
                clip_rho, clip_pg_rho,
            )  # fmt: skip
            pieces_vs.append(episode_vs)
            pieces_pg.append(episode_pg)
        np.testing.assert_allclose(vs[:, n], np.concatenate(pieces_vs), rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(pg[:, n], np.concatenate(pieces_pg), rtol=1e-6, atol=1e-5)


def test_a_terminated_step_ignores_its_next_value() -> None:
    vs, pg = batched_vtrace(
        [[0.0]], [[0.0]], 0.9, [[1.0]], [[0.5]], [[np.nan]], terminated=[[True]], truncated=[[0]]
    )
    np.testing.assert_array_equal(vs, [[1.0]])
    np.testing.assert_array_equal(pg, [[0.5]])
