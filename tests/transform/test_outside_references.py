"""lagom.transform against other libraries' code, ported line by line to numpy.

The torch-free environments install neither Stable-Baselines3, optax nor scikit-learn,
so each reference is a port of the library's own lines (checked against the installed
SB3 2.9.2 and gymnasium 1.4 where they exist), never a copy of lagom's formulas:

* SB3 ``common/running_mean_std.py`` ``RunningMeanStd`` (gymnasium's
  ``wrappers/utils.py`` ``RunningMeanStd`` is the same algorithm) and ``VecNormalize``'s
  observation and reward scaling;
* optax ``linear_schedule`` (``polynomial_schedule`` with ``power=1``) and SB3's
  ``get_linear_fn``;
* OpenAI's evolution-strategies-starter ``compute_centered_ranks`` (its port is shared with
  the ES tests: ``tests/openai_es_starter.py``);
* SB3's ``polyak_update`` (``target <- (1 - tau) target + tau param``) and
  ``explained_variance``; scikit-learn's ``explained_variance_score``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom.transform import (
    LinearSchedule,
    Moments,
    RunningMeanVar,
    explained_variance,
    polyak_update,
    rank_transform,
    update_moments,
)
from tests.openai_es_starter import compute_centered_ranks, compute_ranks

Array = np.ndarray[Any, Any]

_finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------------------
# Running moments: SB3 / gymnasium RunningMeanStd and VecNormalize
# --------------------------------------------------------------------------------------


class _SB3RunningMeanStd:
    """SB3's ``RunningMeanStd`` (``epsilon`` is the initial pseudo-count)."""

    def __init__(self, epsilon: float = 1e-4, shape: tuple[int, ...] = ()) -> None:
        self.mean = np.zeros(shape, np.float64)
        self.var = np.ones(shape, np.float64)
        self.count = epsilon

    def update(self, arr: Array) -> None:
        batch_mean = np.mean(arr, axis=0)
        batch_var = np.var(arr, axis=0)
        batch_count = arr.shape[0]
        self.update_from_moments(batch_mean, batch_var, batch_count)

    def update_from_moments(self, batch_mean: Array, batch_var: Array, batch_count: float) -> None:
        delta = batch_mean - self.mean
        tot_count = self.count + batch_count

        new_mean = self.mean + delta * batch_count / tot_count
        m_a = self.var * self.count
        m_b = batch_var * batch_count
        m_2 = m_a + m_b + np.square(delta) * self.count * batch_count / (self.count + batch_count)
        new_var = m_2 / (self.count + batch_count)

        new_count = batch_count + self.count

        self.mean = new_mean
        self.var = new_var
        self.count = new_count


@st.composite
def batch_sequences(draw: st.DrawFn) -> tuple[tuple[int, ...], list[Array]]:
    shape = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    batches = draw(
        st.lists(
            hnp.arrays(
                np.float64, st.tuples(st.integers(1, 6), *map(st.just, shape)), elements=_finite
            ),
            min_size=1,
            max_size=6,
        )
    )
    return shape, batches


@given(batch_sequences())
def test_running_mean_var_follows_sb3_running_mean_std(case: tuple[Any, list[Array]]) -> None:
    # Both start at mean 0, variance 1 with the pseudo-count 1e-4.
    shape, batches = case
    ours, sb3 = RunningMeanVar(shape), _SB3RunningMeanStd(shape=shape)
    for batch in batches:
        ours(batch)
        sb3.update(batch)
        assert ours.state.n == pytest.approx(sb3.count, rel=1e-15)
        np.testing.assert_allclose(ours.mean, sb3.mean, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(ours.var, sb3.var, rtol=1e-10, atol=1e-9)
    assert ours.n == int(sb3.count)


@given(batch_sequences(), st.sampled_from([0.0, 1e-4, 1.0, 2.5]))
def test_update_moments_with_any_prior_count_follows_sb3(
    case: tuple[Any, list[Array]], count: float
) -> None:
    # SB3's epsilon and lagom's Moments.initial(n=...) are the same pseudo-count; 0 is the
    # exact moments of the data (SB3 divides 0 by 0 for an empty first batch, never made
    # here: batches hold at least one sample).
    shape, batches = case
    state, sb3 = Moments.initial(shape, n=count), _SB3RunningMeanStd(epsilon=count, shape=shape)
    for batch in batches:
        state = update_moments(state, batch)
        sb3.update(batch)
    np.testing.assert_allclose(state.mean, sb3.mean, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(state.var, sb3.var, rtol=1e-10, atol=1e-9)


def _sb3_vecnormalize_rewards(
    rewards: Array, dones: Array, gamma: float, clip_reward: float, epsilon: float = 1e-8
) -> Array:
    """SB3 ``VecNormalize.step_wait``'s reward path (training, ``norm_reward=True``)."""
    num_envs = rewards.shape[1]
    ret_rms = _SB3RunningMeanStd(shape=())
    returns = np.zeros(num_envs)
    out = []
    for reward, done in zip(rewards, dones, strict=True):
        # _update_reward
        returns = returns * gamma + reward
        ret_rms.update(returns)
        # normalize_reward
        out.append(np.clip(reward / np.sqrt(ret_rms.var + epsilon), -clip_reward, clip_reward))
        returns[done] = 0
    return np.array(out)


@given(
    st.integers(1, 12),
    st.integers(1, 3),
    st.sampled_from([0.0, 0.5, 0.99, 1.0]),
    st.sampled_from([10.0, 1.0, math.inf]),
    st.data(),
)
def test_running_return_variance_scales_rewards_like_sb3_vecnormalize(
    T: int, N: int, gamma: float, clip: float, data: st.DataObject
) -> None:
    # What lagom's reward normalizers do, written with the core pieces: the running
    # discounted return G (restarted after each done) feeds RunningMeanVar, and each
    # reward is divided by sqrt(var + 1e-8), never centred.
    rewards = data.draw(hnp.arrays(np.float64, (T, N), elements=st.floats(-5.0, 5.0)))
    dones = data.draw(hnp.arrays(np.bool_, (T, N)))
    expected = _sb3_vecnormalize_rewards(rewards, dones, gamma, clip)
    moments, G, ours = RunningMeanVar(()), np.zeros(N), []
    for reward, done in zip(rewards, dones, strict=True):
        G = reward + gamma * G
        moments(G)
        ours.append(np.clip(reward / np.sqrt(moments.var + 1e-8), -clip, clip))
        G = np.where(done, 0.0, G)
    np.testing.assert_allclose(np.array(ours), expected, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------------
# Schedules: optax linear_schedule and SB3 get_linear_fn
# --------------------------------------------------------------------------------------


def _optax_linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Any:
    """``optax.linear_schedule`` = ``polynomial_schedule(power=1)`` (numpy for jnp)."""
    power = 1
    if transition_steps <= 0:
        return lambda count: init_value

    def schedule(count: int) -> float:
        count = np.clip(count - transition_begin, 0, transition_steps)
        frac = 1 - count / transition_steps
        return float((init_value - end_value) * (frac**power) + end_value)

    return schedule


def _sb3_get_linear_fn(start: float, end: float, end_fraction: float) -> Any:
    """SB3 ``common/utils.py`` ``get_linear_fn`` (of the remaining progress, 1 to 0)."""

    def func(progress_remaining: float) -> float:
        if (1 - progress_remaining) > end_fraction:
            return end
        else:
            return start + (1 - progress_remaining) * (end - start) / end_fraction

    return func


@given(
    st.floats(-1e3, 1e3),
    st.floats(-1e3, 1e3),
    st.integers(1, 200),
    st.integers(0, 50),
    st.integers(0, 400),
)
def test_linear_schedule_equals_optax_linear_schedule(
    initial: float, final: float, N: int, start: int, x: int
) -> None:
    expected = _optax_linear_schedule(initial, final, N, start)(x)
    scale = max(abs(initial), abs(final), 1e-300)
    assert LinearSchedule(initial, final, N, start)(x) == pytest.approx(
        expected, rel=1e-12, abs=4 * scale * 2**-52
    )


def test_linear_schedule_endpoints_are_exact_like_optax() -> None:
    # optax holds init_value up to transition_begin and end_value from begin + steps.
    for initial, final, N, start in ((1.0, 0.1, 3, 0), (0.4, 1.0, 4, 2), (2.0, 2.0, 1, 0)):
        schedule, reference = (
            LinearSchedule(initial, final, N, start),
            _optax_linear_schedule(initial, final, N, start),
        )
        for x in (0, start, start + N, start + N + 7):
            assert schedule(x) == reference(x)


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.integers(1, 10_000),
    st.integers(1, 10_000),
    st.data(),
)
def test_linear_schedule_equals_sb3_get_linear_fn_over_training(
    initial: float, final: float, N: int, total: int, data: st.DataObject
) -> None:
    # SB3's exploration schedule: `end_fraction` of `total` steps is lagom's N.
    x = data.draw(st.integers(0, total))
    expected = _sb3_get_linear_fn(initial, final, N / total)(1.0 - x / total)
    assert LinearSchedule(initial, final, N)(x) == pytest.approx(expected, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------------------
# Centered ranks: OpenAI evolution-strategies-starter (ported in tests/openai_es_starter.py)
# --------------------------------------------------------------------------------------


@given(hnp.arrays(np.float64, st.integers(2, 50), elements=_finite, unique=True))
def test_centered_ranks_equal_openai_es_starter(x: Array) -> None:
    # Distinct values: the starter's argsort (not stable) has no ties to break.
    np.testing.assert_array_equal(rank_transform(x, centered=False), compute_ranks(x))
    ours = rank_transform(x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, compute_centered_ranks(x), rtol=0, atol=1e-7)
    # float32 in, float32 out. The starter divides in float32; lagom divides in float64
    # and rounds once, so it is within one float32 ulp (one rounding of the exact ranks).
    x32 = x.astype(np.float32)
    if np.unique(x32).size == x32.size:
        ours32 = rank_transform(x32)
        assert ours32.dtype == np.float32
        np.testing.assert_allclose(ours32, compute_centered_ranks(x32), rtol=0, atol=6e-8)
        exact = compute_ranks(x) / (x.size - 1) - 0.5
        assert np.abs(ours32 - exact).max() <= 2.0**-25  # half a float32 ulp at 0.5


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 10), st.just(2)), elements=_finite))
def test_centered_ranks_of_antithetic_pairs_as_the_starter_ravels_them(returns_n2: Array) -> None:
    # The starter ranks its [n, 2] (positive, negative) returns all together, ravelled
    # row by row; ties there fall wherever numpy's quicksort puts them, so compare the
    # sorted multiset of ranks, which does not depend on how ties are broken.
    flat = returns_n2.ravel()
    ours = rank_transform(flat).reshape(returns_n2.shape)
    theirs = compute_centered_ranks(returns_n2)
    np.testing.assert_allclose(np.sort(ours, axis=None), np.sort(theirs, axis=None), atol=1e-7)
    # Positions whose value is unique get the same rank in both.
    values, counts = np.unique(flat, return_counts=True)
    unique = np.isin(flat, values[counts == 1]).reshape(returns_n2.shape)
    np.testing.assert_allclose(ours[unique], theirs[unique], atol=1e-7)


# --------------------------------------------------------------------------------------
# Polyak averaging and explained variance: SB3, scikit-learn
# --------------------------------------------------------------------------------------


def _sb3_polyak_update(params: list[Array], target_params: list[Array], tau: float) -> None:
    """SB3 ``polyak_update`` (``target.mul_(1 - tau); th.add(target, param, alpha=tau)``)."""
    for param, target_param in zip(params, target_params, strict=True):
        target_param *= 1 - tau
        target_param += tau * param


@given(
    st.floats(0.0, 1.0),
    hnp.arrays(np.float64, st.integers(1, 8), elements=_finite),
    st.data(),
)
def test_polyak_update_is_sb3_polyak_update_with_alpha_one_minus_tau(
    tau: float, target: Array, data: st.DataObject
) -> None:
    param = data.draw(hnp.arrays(np.float64, target.shape, elements=_finite))
    expected = target.copy()
    _sb3_polyak_update([param], [expected], tau)
    ours = polyak_update(1.0 - tau, target, param)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12 * 1e3)
    # The ends are exact: tau = 1 copies, tau = 0 keeps.
    np.testing.assert_array_equal(polyak_update(0.0, target, param), param)
    np.testing.assert_array_equal(polyak_update(1.0, target, param), target)


def _sb3_explained_variance(y_pred: Array, y_true: Array) -> float:
    """SB3 ``common/utils.py`` ``explained_variance`` (note: prediction first)."""
    assert y_true.ndim == 1
    assert y_pred.ndim == 1
    var_y = np.var(y_true)
    return np.nan if var_y == 0 else float(1 - np.var(y_true - y_pred) / var_y)


def _sklearn_explained_variance_score(
    y_true: Array,
    y_pred: Array,
    *,
    sample_weight: Array | None = None,
    multioutput: Any = "uniform_average",
    force_finite: bool = True,
) -> Any:
    """scikit-learn ``metrics/_regression.py`` ``explained_variance_score`` (numpy path)."""
    if y_true.ndim == 1:
        y_true, y_pred = y_true.reshape(-1, 1), y_pred.reshape(-1, 1)
    n_outputs = y_true.shape[1]
    y_diff_avg = np.average(y_true - y_pred, weights=sample_weight, axis=0)
    numerator = np.average((y_true - y_pred - y_diff_avg) ** 2, weights=sample_weight, axis=0)
    y_true_avg = np.average(y_true, weights=sample_weight, axis=0)
    denominator = np.average((y_true - y_true_avg) ** 2, weights=sample_weight, axis=0)
    # _assemble_r2_explained_variance
    nonzero_denominator = denominator != 0
    if not force_finite:
        with np.errstate(divide="ignore", invalid="ignore"):
            output_scores = 1 - (numerator / denominator)
    else:
        nonzero_numerator = numerator != 0
        output_scores = np.ones([n_outputs])
        valid_score = nonzero_denominator & nonzero_numerator
        output_scores[valid_score] = 1 - (numerator[valid_score] / denominator[valid_score])
        output_scores[nonzero_numerator & ~nonzero_denominator] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return output_scores
        elif multioutput == "uniform_average":
            avg_weights = None
        elif multioutput == "variance_weighted":
            avg_weights = denominator
            if not np.any(nonzero_denominator):
                avg_weights = None
    else:
        avg_weights = multioutput
    return float(np.average(output_scores, weights=avg_weights))


@given(hnp.arrays(np.float64, st.integers(1, 30), elements=_finite), st.data())
def test_explained_variance_equals_sb3_where_sb3_gives_a_number(
    y_true: Array, data: st.DataObject
) -> None:
    y_pred = data.draw(hnp.arrays(np.float64, y_true.shape, elements=_finite))
    expected = _sb3_explained_variance(y_pred, y_true)
    ours = explained_variance(y_true, y_pred)
    if math.isnan(expected):
        # Constant target: SB3 says NaN; lagom (and scikit-learn's force_finite) 1 or 0.
        assert ours in (0.0, 1.0)
    else:
        assert ours == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(
    st.integers(2, 12),  # lagom squeezes a single row [1, K] into K samples (the seed's rule)
    st.integers(1, 3),
    st.sampled_from(["uniform_average", "variance_weighted", "raw_values", "weights"]),
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_explained_variance_equals_scikit_learn(
    T: int, K: int, multioutput: str, weighted: bool, force_finite: bool, data: st.DataObject
) -> None:
    small = st.integers(-3, 3).map(float)  # small integers: constant columns do occur
    y_true = data.draw(hnp.arrays(np.float64, (T, K), elements=small))
    y_pred = data.draw(hnp.arrays(np.float64, (T, K), elements=small))
    weights = (
        data.draw(hnp.arrays(np.float64, T, elements=st.floats(0.5, 2.0))) if weighted else None
    )
    output_weights: Any = multioutput
    if multioutput == "weights":
        if K == 1:
            return
        output_weights = data.draw(hnp.arrays(np.float64, K, elements=st.floats(0.1, 1.0)))
    with np.errstate(invalid="ignore"):  # the reference's own 0 * -inf, as in scikit-learn
        expected = _sklearn_explained_variance_score(
            y_true,
            y_pred,
            sample_weight=weights,
            multioutput=output_weights,
            force_finite=force_finite,
        )
    with warnings.catch_warnings():  # lagom's answer comes without numpy's warnings
        warnings.simplefilter("error")
        ours = explained_variance(
            y_true,
            y_pred,
            sample_weight=weights,
            multioutput=output_weights,
            force_finite=force_finite,
        )
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12, equal_nan=True)
