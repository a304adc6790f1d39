"""``lagom.metric.td``: TD(0) targets and errors, batched and per episode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from lagom.metric import batched_td0_error, batched_td0_target, td0_error, td0_target
from lagom.testing.strategies import ValueBatch, discounts
from tests.metric.oracle import assert_close, per_column, rollouts, split_episodes, td0_error_loop

# The seed's examples (lagom 0.0.3, test/test_metric.py): Vs = [1, ..., T].


@pytest.mark.parametrize("gamma", [0.1, 0.99, 1.0])
@pytest.mark.parametrize("last_V", [-3.0, 0.0, 2.0])
@pytest.mark.parametrize("reach_terminal", [True, False])
@pytest.mark.parametrize("T", [4, 6])
def test_td0_reference_examples(gamma: float, last_V: float, reach_terminal: bool, T: int) -> None:
    rewards = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6][:T]
    Vs = list(range(1, T + 1))
    bootstrap = last_V * (0.0 if reach_terminal else 1.0)
    targets = [rewards[t] + gamma * (t + 2) for t in range(T - 1)] + [
        rewards[-1] + gamma * bootstrap
    ]
    errors = [target - v for target, v in zip(targets, Vs, strict=True)]
    np.testing.assert_allclose(td0_target(gamma, rewards, Vs, last_V, reach_terminal), targets)
    np.testing.assert_allclose(td0_error(gamma, rewards, Vs, last_V, reach_terminal), errors)


@given(rollouts(), discounts())
def test_batched_td0_matches_the_reference_loop(rollout: ValueBatch, gamma: float) -> None:
    r, v, nv = rollout.rewards, rollout.values, rollout.next_values
    errors = batched_td0_error(gamma, r, v, nv, terminated=rollout.terminated)
    targets = batched_td0_target(gamma, r, nv, terminated=rollout.terminated)
    assert errors.dtype == targets.dtype == r.dtype
    expected = per_column(lambda *cols: td0_error_loop(gamma, *cols), r, v, nv, rollout.terminated)
    assert_close(errors, expected, r, v, nv)
    assert_close(targets, expected + v, r, v, nv)


@given(rollouts(), discounts())
def test_truncation_does_not_change_td0(rollout: ValueBatch, gamma: float) -> None:
    # A truncated step keeps its bootstrap, so only termination matters; passing `done`
    # as `terminated` instead drops the bootstrap at truncations too.
    r, nv = rollout.rewards, rollout.next_values
    with_truncations = batched_td0_target(gamma, r, nv, terminated=rollout.terminated)
    cut = rollout.truncated & ~rollout.terminated
    as_terminal = batched_td0_target(gamma, r, nv, terminated=rollout.done)
    np.testing.assert_array_equal(with_truncations[~cut], as_terminal[~cut])
    np.testing.assert_array_equal(as_terminal[rollout.done], r[rollout.done])


@given(rollouts(batch_shapes=[(2,)]), discounts())
def test_batched_td0_equals_the_episodes_concatenated(rollout: ValueBatch, gamma: float) -> None:
    r, v, nv = rollout.rewards, rollout.values, rollout.next_values
    out = batched_td0_error(gamma, r, v, nv, terminated=rollout.terminated)
    for n in range(r.shape[1]):
        pieces = []
        for episode in split_episodes(rollout.done[:, n]):
            last = episode.stop - 1
            terminal = bool(rollout.terminated[last, n])
            pieces.append(td0_error(gamma, r[episode, n], v[episode, n], nv[last, n], terminal))
        np.testing.assert_array_equal(out[:, n], np.concatenate(pieces))


def test_a_terminated_step_ignores_its_next_value() -> None:
    # However large, it adds nothing (a NaN or inf is refused, see test_inputs.py).
    out = batched_td0_target(0.9, [[1.0], [2.0]], [[1e308], [-1e308]], terminated=[[1], [1]])
    np.testing.assert_array_equal(out, [[1.0], [2.0]])
    np.testing.assert_array_equal(td0_error(0.9, [1.0], [0.5], 1e308, True), [0.5])
