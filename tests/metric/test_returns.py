"""``lagom.metric.returns``: discounted returns, batched and per episode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.metric import batched_returns, bootstrapped_returns, returns
from lagom.testing.strategies import ValueBatch, discounts, value_arrays
from tests.metric.oracle import assert_close, per_column, returns_loop, rollouts, split_episodes

# The seed's examples (lagom 0.0.3, test/test_metric.py).


@pytest.mark.parametrize(
    ("gamma", "rewards", "expected"),
    [
        (1.0, [1, 2, 3], [6, 5, 3]),
        (0.1, [1, 2, 3], [1.23, 2.3, 3]),
        (1.0, [1, 2, 3, 4, 5], [15, 14, 12, 9, 5]),
        (0.1, [1, 2, 3, 4, 5], [1.2345, 2.345, 3.45, 4.5, 5]),
        (1.0, [1, 2, 3, 4, 5, 6, 7, 8], [36, 35, 33, 30, 26, 21, 15, 8]),
        (
            0.1,
            [1, 2, 3, 4, 5, 6, 7, 8],
            [1.2345678, 2.345678, 3.45678, 4.5678, 5.678, 6.78, 7.8, 8],
        ),
    ],
)
def test_returns_reference_examples(
    gamma: float, rewards: list[int], expected: list[float]
) -> None:
    np.testing.assert_allclose(returns(gamma, rewards), expected)


@pytest.mark.parametrize("gamma", [0.1, 0.99, 1.0])
def test_returns_nested_reference_examples(gamma: float) -> None:
    rewards = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    for T in range(1, 7):
        expected = [0.0] * T
        for t in range(T):
            expected[t] = sum(gamma ** (k - t) * rewards[k] for k in range(t, T))
        np.testing.assert_allclose(returns(gamma, rewards[:T]), expected)


@pytest.mark.parametrize("gamma", [0.1, 0.99, 1.0])
@pytest.mark.parametrize("last_V", [-3.0, 0.0, 2.0])
@pytest.mark.parametrize("reach_terminal", [True, False])
@pytest.mark.parametrize("T", [4, 5])
def test_bootstrapped_returns_reference_examples(
    gamma: float, last_V: float, reach_terminal: bool, T: int
) -> None:
    rewards = [0.1, 0.2, 0.3, 0.4, 0.5][:T]
    bootstrap = 0.0 if reach_terminal else last_V
    g = bootstrap
    expected = []
    for r in reversed(rewards):
        g = r + gamma * g
        expected.insert(0, g)
    out = bootstrapped_returns(gamma, rewards, last_V, reach_terminal)
    np.testing.assert_allclose(out, expected)


def test_batched_returns_worked_example() -> None:
    # Column 0 runs through and bootstraps from 4 at the end; column 1 is truncated after
    # t = 0 (bootstrapping from 2), then terminates at t = 2 (its next value, however large,
    # is ignored).
    rewards = np.ones((3, 2))
    next_values = np.array([[9.0, 2.0], [9.0, 9.0], [4.0, 1e30]])
    terminated = np.array([[0, 0], [0, 0], [0, 1]], dtype=bool)
    truncated = np.array([[0, 1], [0, 0], [0, 0]], dtype=bool)
    out = batched_returns(0.5, rewards, next_values, terminated=terminated, truncated=truncated)
    np.testing.assert_allclose(out, [[2.25, 2.0], [2.5, 1.5], [3.0, 1.0]])


# Properties, with the plain loop as the oracle.


@given(rollouts(), discounts())
def test_batched_returns_match_the_reference_loop(rollout: ValueBatch, gamma: float) -> None:
    out = batched_returns(gamma, rollout.rewards, rollout.next_values, **rollout.flags)
    assert out.dtype == rollout.rewards.dtype
    expected = per_column(
        lambda *cols: returns_loop(gamma, *cols),
        rollout.rewards,
        rollout.next_values,
        rollout.terminated,
        rollout.truncated,
    )
    assert_close(out, expected, rollout.rewards, rollout.next_values)


@given(rollouts())
def test_gamma_zero_returns_are_the_rewards(rollout: ValueBatch) -> None:
    out = batched_returns(0.0, rollout.rewards, rollout.next_values, **rollout.flags)
    np.testing.assert_array_equal(out, rollout.rewards)
    column = rollout.rewards.reshape(len(rollout.rewards), -1)[:, 0]
    np.testing.assert_array_equal(returns(0.0, column), column)


@given(rollouts(dtype=np.float64), discounts(), st.floats(-3, 3), st.data())
def test_returns_are_linear(
    rollout: ValueBatch, gamma: float, c: float, data: st.DataObject
) -> None:
    r1, v1 = rollout.rewards, rollout.next_values
    r2 = data.draw(value_arrays(r1.shape), label="rewards 2")
    v2 = data.draw(value_arrays(r1.shape), label="next_values 2")
    combined = batched_returns(gamma, c * r1 + r2, c * v1 + v2, **rollout.flags)
    separate = c * batched_returns(gamma, r1, v1, **rollout.flags) + batched_returns(
        gamma, r2, v2, **rollout.flags
    )
    assert_close(combined, separate, 4 * r1, 4 * r2, 4 * v1, 4 * v2)
    first, second = r1.reshape(len(r1), -1)[:, 0], r2.reshape(len(r2), -1)[:, 0]
    episode = returns(gamma, c * first + second)
    assert_close(episode, c * returns(gamma, first) + returns(gamma, second), 4 * r1, 4 * r2)


@given(rollouts(batch_shapes=[(1,), (3,)]), discounts())
def test_batched_returns_equal_the_episodes_concatenated(rollout: ValueBatch, gamma: float) -> None:
    out = batched_returns(gamma, rollout.rewards, rollout.next_values, **rollout.flags)
    for n in range(rollout.rewards.shape[1]):
        pieces = []
        for episode in split_episodes(rollout.done[:, n]):
            last = episode.stop - 1
            pieces.append(
                bootstrapped_returns(
                    gamma,
                    rollout.rewards[episode, n],
                    rollout.next_values[last, n],
                    reach_terminal=bool(rollout.terminated[last, n]),
                )
            )
        np.testing.assert_allclose(out[:, n], np.concatenate(pieces), rtol=1e-6, atol=1e-6)


@given(rollouts(min_T=2, dtype=np.float64, batch_shapes=[(1,)]), discounts(), st.data())
def test_a_truncation_bootstrapped_with_the_true_return_changes_nothing(
    rollout: ValueBatch, gamma: float, data: st.DataObject
) -> None:
    T = len(rollout.rewards)
    no_ends = {"terminated": np.zeros((T, 1), bool), "truncated": np.zeros((T, 1), bool)}
    whole = batched_returns(gamma, rollout.rewards, rollout.next_values, **no_ends)
    cut = data.draw(st.integers(0, T - 2), label="cut")
    truncated = no_ends["truncated"].copy()
    truncated[cut] = True
    next_values = rollout.next_values.copy()
    next_values[cut] = whole[cut + 1]
    split = batched_returns(
        gamma, rollout.rewards, next_values, terminated=no_ends["terminated"], truncated=truncated
    )
    assert_close(split, whole, rollout.rewards, rollout.next_values)
    # The same with the episode face: the first piece bootstraps from the true return.
    head = bootstrapped_returns(gamma, rollout.rewards[: cut + 1, 0], whole[cut + 1, 0], False)
    assert_close(head, whole[: cut + 1, 0], rollout.rewards)


def test_returns_of_an_empty_episode_are_empty() -> None:
    assert returns(0.9, []).shape == (0,)
    out = batched_returns(
        0.9,
        np.zeros((0, 3)),
        np.zeros((0, 3)),
        terminated=np.zeros((0, 3), bool),
        truncated=np.zeros((0, 3), bool),
    )
    assert out.shape == (0, 3)


@given(rollouts(), discounts())
def test_out_receives_the_very_returns_and_is_returned(rollout: ValueBatch, gamma: float) -> None:
    terms = (rollout.rewards, rollout.next_values)
    expected = batched_returns(gamma, *terms, **rollout.flags)
    out = np.full_like(expected, np.nan)
    assert batched_returns(gamma, *terms, **rollout.flags, out=out) is out
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(ValueError, match="out must not share memory with an input"):
        batched_returns(gamma, *terms, **rollout.flags, out=rollout.next_values)


@pytest.mark.parametrize("columns", [3, 20])  # the compiled kernel's two loops
@pytest.mark.parametrize("row", [0, 3, 5])
def test_a_return_that_overflows_in_any_one_cell_is_refused(columns: int, row: int) -> None:
    # Two float32 rewards near the limit, one column, inside or at the end of the rollout:
    # their sum (or, at the end, the reward plus the bootstrap) is inf in that cell alone.
    T = 6
    rewards = np.zeros((T, columns), dtype=np.float32)
    next_values = np.zeros((T, columns), dtype=np.float32)
    rewards[row, -1] = 3e38
    if row + 1 < T:
        rewards[row + 1, -1] = 3e38
    else:
        next_values[row, -1] = 3e38
    flags = np.zeros((T, columns), dtype=bool)
    with pytest.raises(ValueError, match=r"^the result overflowed float32"):
        batched_returns(1.0, rewards, next_values, terminated=flags, truncated=flags)
    finite = rewards * 0.5
    expected = batched_returns(
        1.0, finite.astype(np.float64), next_values * 0.5, terminated=flags, truncated=flags
    )
    result = batched_returns(1.0, finite, next_values * 0.5, terminated=flags, truncated=flags)
    np.testing.assert_allclose(result, expected, rtol=1e-6)
