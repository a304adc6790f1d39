"""``lagom.metric.gae``: GAE(γ, λ), batched and per episode."""

from __future__ import annotations

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.metric import batched_gae, batched_returns, batched_td0_error, gae
from lagom.testing.strategies import ValueBatch, discounts
from tests.metric.oracle import (
    assert_close,
    gae_loop,
    lambda_return_loop,
    per_column,
    rollouts,
    split_episodes,
)

# The seed's examples (lagom 0.0.3, test/test_metric.py).


@pytest.mark.parametrize(
    ("gamma", "lam", "rewards", "Vs", "last_V", "reach_terminal", "expected"),
    [
        (1.0, 0.5, [1, 2, 3], [0.1, 1.1, 2.1], 10, True, [3.725, 3.45, 0.9]),
        (0.1, 0.2, [1, 2, 3], [0.1, 1.1, 2.1], 10, True, [1.03256, 1.128, 0.9]),
        (1.0, 0.5, [1, 2, 3], [0.5, 1.5, 2.5], 99, True, [3.625, 3.25, 0.5]),
        (0.1, 0.2, [1, 2, 3], [0.5, 1.5, 2.5], 99, True, [0.6652, 0.76, 0.5]),
        (
            1.0,
            0.5,
            [1, 2, 3, 4, 5],
            [0.5, 1.5, 2.5, 3.5, 4.5],
            20,
            False,
            [6.40625, 8.8125, 11.625, 15.25, 20.5],
        ),
        (
            0.1,
            0.2,
            [1, 2, 3, 4, 5],
            [0.5, 1.5, 2.5, 3.5, 4.5],
            20,
            False,
            [0.665348, 0.7674, 0.87, 1, 2.5],
        ),
        (
            1.0,
            0.5,
            [1, 2, 3, 4, 5],
            [0.1, 1.1, 2.1, 3.1, 4.1],
            10,
            False,
            [5.80625, 7.6125, 9.225, 10.45, 10.9],
        ),
        (
            0.1,
            0.2,
            [1, 2, 3, 4, 5],
            [0.1, 1.1, 2.1, 3.1, 4.1],
            10,
            False,
            [1.03269478, 1.1347393, 1.23696, 1.348, 1.9],
        ),
        (
            1.0,
            0.5,
            [1, 2, 3, 4, 5, 6, 7, 8],
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            30,
            True,
            [5.84375, 7.6875, 9.375, 10.75, 11.5, 11.0, 8, 0.0],
        ),
        (
            0.1,
            0.2,
            [1, 2, 3, 4, 5, 6, 7, 8],
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            30,
            True,
            [0.206164098, 0.308204915, 0.410245728, 0.5122864, 0.61432, 0.716, 0.8, 0],
        ),
    ],
)
def test_gae_reference_examples(
    gamma: float,
    lam: float,
    rewards: list[float],
    Vs: list[float],
    last_V: float,
    reach_terminal: bool,
    expected: list[float],
) -> None:
    np.testing.assert_allclose(gae(gamma, lam, rewards, Vs, last_V, reach_terminal), expected)


def _gae(gamma: float, lam: float, rollout: ValueBatch) -> np.ndarray:
    return batched_gae(
        gamma, lam, rollout.rewards, rollout.values, rollout.next_values, **rollout.flags
    )


def _terms(rollout: ValueBatch) -> tuple[np.ndarray, ...]:
    return rollout.rewards, rollout.values, rollout.next_values


@given(rollouts(), discounts(), discounts())
def test_batched_gae_matches_the_reference_loop(
    rollout: ValueBatch, gamma: float, lam: float
) -> None:
    out = _gae(gamma, lam, rollout)
    assert out.dtype == rollout.rewards.dtype
    expected = per_column(lambda *cols: gae_loop(gamma, lam, *cols), *rollout)
    assert_close(out, expected, *_terms(rollout))


@given(rollouts(), discounts())
def test_lam_zero_gae_is_the_td0_error(rollout: ValueBatch, gamma: float) -> None:
    td0 = batched_td0_error(
        gamma, rollout.rewards, rollout.values, rollout.next_values, terminated=rollout.terminated
    )
    assert_close(_gae(gamma, 0.0, rollout), td0.astype(np.float64), *_terms(rollout))


@given(rollouts(), discounts())
def test_lam_one_gae_is_the_bootstrapped_return_minus_values(
    rollout: ValueBatch, gamma: float
) -> None:
    returns = batched_returns(gamma, rollout.rewards, rollout.next_values, **rollout.flags)
    expected = returns.astype(np.float64) - rollout.values
    assert_close(_gae(gamma, 1.0, rollout), expected, *_terms(rollout))


@given(rollouts(), discounts(), discounts())
def test_gae_plus_values_is_the_lambda_return(
    rollout: ValueBatch, gamma: float, lam: float
) -> None:
    expected = per_column(lambda *cols: lambda_return_loop(gamma, lam, *cols), *rollout)
    out = _gae(gamma, lam, rollout).astype(np.float64) + rollout.values
    assert_close(out, expected, *_terms(rollout))


@given(rollouts(batch_shapes=[(1,), (3,)]), discounts(), discounts())
def test_batched_gae_equals_the_episodes_concatenated(
    rollout: ValueBatch, gamma: float, lam: float
) -> None:
    out = _gae(gamma, lam, rollout)
    r, v, nv = _terms(rollout)
    for n in range(r.shape[1]):
        pieces = []
        for episode in split_episodes(rollout.done[:, n]):
            last = episode.stop - 1
            terminal = bool(rollout.terminated[last, n])
            pieces.append(gae(gamma, lam, r[episode, n], v[episode, n], nv[last, n], terminal))
        np.testing.assert_allclose(out[:, n], np.concatenate(pieces), rtol=1e-6, atol=1e-6)


@given(
    rollouts(min_T=2, dtype=np.float64, batch_shapes=[(1,)]), discounts(), discounts(), st.data()
)
def test_a_truncation_bootstrapped_with_the_true_continuation_changes_nothing(
    rollout: ValueBatch, gamma: float, lam: float, data: st.DataObject
) -> None:
    # Cutting after step `cut` and bootstrapping from V(s_{cut+1}) + λ A_{cut+1} (what the
    # rest of the episode contributes to A_cut) must give the same advantages.
    T = len(rollout.rewards)
    no_ends = attrs.evolve(
        rollout, terminated=np.zeros((T, 1), bool), truncated=np.zeros((T, 1), bool)
    )
    no_ends = attrs.evolve(
        no_ends, next_values=np.concatenate([rollout.values[1:], rollout.next_values[-1:]])
    )
    whole = _gae(gamma, lam, no_ends)
    cut = data.draw(st.integers(0, T - 2), label="cut")
    truncated = no_ends.truncated.copy()
    truncated[cut] = True
    next_values = no_ends.next_values.copy()
    next_values[cut] = rollout.values[cut + 1] + lam * whole[cut + 1]
    split = _gae(gamma, lam, attrs.evolve(no_ends, truncated=truncated, next_values=next_values))
    assert_close(split, whole, *_terms(rollout), whole)


@given(rollouts())
def test_gamma_zero_gae_is_reward_minus_value(rollout: ValueBatch) -> None:
    expected = rollout.rewards.astype(np.float64) - rollout.values
    assert_close(_gae(0.0, 0.7, rollout), expected, *_terms(rollout))


def test_inputs_are_not_modified() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((100, 2)) for _ in range(3)]
    flags = {"terminated": rng.random((100, 2)) < 0.1, "truncated": rng.random((100, 2)) < 0.1}
    before = [a.copy() for a in arrays] + [f.copy() for f in flags.values()]
    batched_gae(0.99, 0.95, *arrays, **flags)
    for after, original in zip([*arrays, *flags.values()], before, strict=True):
        np.testing.assert_array_equal(after, original)


@given(rollouts(), discounts(), discounts())
def test_out_receives_the_very_advantages_and_is_returned(
    rollout: ValueBatch, gamma: float, lam: float
) -> None:
    expected = _gae(gamma, lam, rollout)
    out = np.full_like(expected, np.nan)
    result = batched_gae(gamma, lam, *_terms(rollout), **rollout.flags, out=out)
    assert result is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("shape", [(0,), (0, 2), (0, 2, 3)])
def test_an_empty_batch_fills_an_empty_out(shape: tuple[int, ...]) -> None:
    empty = np.zeros(shape, np.float32)
    flags = {"terminated": np.zeros(shape, bool), "truncated": np.zeros(shape, bool)}
    out = np.empty(shape, np.float32)
    assert batched_gae(0.9, 0.9, empty, empty, empty, **flags, out=out) is out
    assert batched_returns(0.9, empty, empty, **flags, out=out) is out


def test_a_bad_out_is_refused() -> None:
    r = np.ones((3, 2), np.float32)
    flags = {"terminated": np.zeros((3, 2), bool), "truncated": np.zeros((3, 2), bool)}
    with pytest.raises(TypeError, match="out must be a numpy array or None, got list"):
        batched_gae(0.9, 0.9, r, r, r, **flags, out=[[0.0] * 2] * 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"shape \(3, 2\) and dtype float32, got \(2, 3\) and"):
        batched_gae(0.9, 0.9, r, r, r, **flags, out=np.empty((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"dtype float32, got .* and float64"):
        batched_gae(0.9, 0.9, r, r, r, **flags, out=np.empty((3, 2)))
    with pytest.raises(ValueError, match="C-contiguous and writeable"):
        batched_gae(0.9, 0.9, r, r, r, **flags, out=np.empty((2, 3), np.float32).T)
    with pytest.raises(ValueError, match="must not share memory with an input"):
        batched_gae(0.9, 0.9, r, r.copy(), r.copy(), **flags, out=r)
    half = np.ones((3, 2), np.float16)
    out16 = np.empty((3, 2), np.float16)
    assert batched_gae(0.5, 1.0, half, half, half, **flags, out=out16) is out16
    np.testing.assert_array_equal(out16, batched_gae(0.5, 1.0, half, half, half, **flags))
