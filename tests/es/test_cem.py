"""Tests for ``lagom.es.cem``: pure CEM updates against plain loops, and convergence."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.es import CEM, cem_ask, cem_init, cem_tell
from lagom.testing.strategies import objective_values
from lagom.transform import LinearSchedule


def _reference_refit(
    solutions: list[list[float]], values: list[float], elite_size: int
) -> tuple[list[float], list[float]]:
    """Elite mean and population std per coordinate, by plain loops (ties: first wins)."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))[:elite_size]
    mean, std = [], []
    for d in range(len(solutions[0])):
        column = [solutions[i][d] for i in order]
        m = sum(column) / elite_size
        mean.append(m)
        std.append(math.sqrt(sum((c - m) ** 2 for c in column) / elite_size))
    return mean, std


@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.floats(0.01, 1.0),
    st.integers(1, 2**32 - 1),
    st.data(),
)
def test_tell_refits_to_the_elite_like_a_plain_loop(
    dimension: int, popsize: int, elite_ratio: float, seed: int, data: st.DataObject
) -> None:
    opts = {"popsize": popsize, "elite_ratio": elite_ratio, "seed": seed}
    state = cem_init(np.zeros(dimension), 1.0, opts)
    solutions, state = cem_ask(state)
    values = data.draw(st.lists(objective_values(), min_size=popsize, max_size=popsize))
    new = cem_tell(state, solutions, values)
    # The ratio as the decimal it prints as: 0.29 * 100 elites are 29, not 28.
    elite_size = max(1, math.floor(Fraction(repr(elite_ratio)) * popsize))
    assert new.options.elite_size == elite_size
    mean, std = _reference_refit(solutions.tolist(), values, elite_size)
    np.testing.assert_allclose(new.mean, mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new.stds, std, rtol=1e-9, atol=1e-12)
    assert (new.iterations, new.evaluations, new.num_asks) == (1, popsize, 1)


def test_tell_example_by_hand() -> None:
    state = cem_init([0.0, 10.0], 1.0, {"popsize": 4, "elite_ratio": 0.5, "seed": 0})
    _, state = cem_ask(state)
    state = cem_tell(state, [[1, 0], [3, 2], [5, 4], [7, 6]], [4.0, 1.0, 3.0, 2.0])
    # Elite: rows 1 and 3 (values 1 and 2).
    assert state.mean.tolist() == [5.0, 4.0]
    assert state.stds.tolist() == [2.0, 2.0]
    assert (state.fbest, state.evals_best) == (1.0, 2)
    assert state.xbest is not None
    assert state.xbest.tolist() == [3.0, 2.0]


@given(st.integers(1, 2**32 - 1), st.integers(1, 5), st.integers(2, 8))
def test_ask_samples_the_documented_distribution(seed: int, dimension: int, popsize: int) -> None:
    opts = {"popsize": popsize, "seed": seed, "noise_scheduler_args": [2.0, 0.5, 3, 1]}
    state = cem_init(np.arange(dimension, dtype=float), 0.3, opts)
    for k in range(5):
        solutions, asked = cem_ask(state)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        z = rng.standard_normal((popsize, dimension))
        extra = LinearSchedule(2.0, 0.5, 3, 1)(state.iterations)
        expected = state.mean + np.sqrt(state.stds**2 + extra) * z
        np.testing.assert_allclose(solutions, expected, rtol=1e-14, atol=1e-14)
        assert asked.num_asks == k + 1
        state = cem_tell(asked, solutions, np.sum(solutions**2, axis=1))


def test_ask_is_pure() -> None:
    state = cem_init(np.zeros(3), 1.0, {"popsize": 5, "seed": 3})
    first, after = cem_ask(state)
    again, _ = cem_ask(state)
    assert np.array_equal(first, again)
    assert state.num_asks == 0
    second, _ = cem_ask(after)
    assert not np.array_equal(first, second)
    assert state.mean.flags.writeable is False


def test_class_is_the_pure_functions() -> None:
    opts = {"popsize": 6, "seed": 9, "noise_scheduler_args": [0.2, 0.0, 4]}
    es, state = CEM(np.ones(3), 0.5, opts), cem_init(np.ones(3), 0.5, opts)
    for _ in range(3):
        solutions, state = cem_ask(state)
        assert np.array_equal(np.array(es.ask()), solutions)
        values = np.sum(solutions**2, axis=1)
        state = cem_tell(state, solutions, values)
        es.tell(list(solutions), values)
    assert es.state == state
    assert es.result.xfavorite.tolist() == state.mean.tolist()
    assert (es.popsize, es.seed) == (6, 9)


def test_without_seed_a_fresh_one_is_recorded() -> None:
    a, b = CEM(np.zeros(2), 1.0), CEM(np.zeros(2), 1.0)
    assert a.seed != b.seed
    assert a.popsize == 4 + int(3 * math.log(2))
    again = CEM(np.zeros(2), 1.0, {"seed": a.seed})
    assert np.array_equal(np.array(a.ask()), np.array(again.ask()))


@pytest.mark.parametrize(
    ("x0", "sigma0", "opts", "error", "match"),
    [
        ([0.0], 1.0, {"popsize": 4, "elit_ratio": 0.2}, ValueError, "unknown CEM option"),
        ([0.0], 1.0, {"popsize": 0}, ValueError, "popsize must be at least 1"),
        ([0.0], 1.0, {"popsize": 4.0}, TypeError, "popsize must be an int"),
        ([0.0], 1.0, {"elite_ratio": 0.0}, ValueError, "elite_ratio"),
        ([0.0], 1.0, {"elite_ratio": 1.5}, ValueError, "elite_ratio"),
        ([0.0], 1.0, {"noise_scheduler_args": [1.0, 0.0]}, ValueError, "noise_scheduler_args"),
        ([0.0], 1.0, {"noise_scheduler_args": [-1.0, 0.0, 5]}, ValueError, "non-negative"),
        ([0.0], 1.0, {"seed": -1}, ValueError, "seed"),
        ([[0.0, 1.0]], 1.0, {}, ValueError, "x0 must be a non-empty 1-D"),
        ([0.0, 1.0], -1.0, {}, ValueError, "sigma0 must be positive"),
        ([0.0, 1.0], [1.0, 1.0, 1.0], {}, ValueError, r"sigma0 must be a scalar or have shape"),
    ],
)
def test_bad_options_are_rejected(
    x0: object, sigma0: object, opts: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        CEM(x0, sigma0, opts)  # type: ignore[arg-type]


def test_infinite_values_rank_last() -> None:
    state = cem_init([0.0], 1.0, {"popsize": 3, "elite_ratio": 0.34, "seed": 0})
    _, state = cem_ask(state)
    state = cem_tell(state, [[1.0], [2.0], [3.0]], [math.inf, 5.0, math.inf])
    assert (state.mean.tolist(), state.fbest, state.evals_best) == ([2.0], 5.0, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sphere_10d_from_3_reaches_1e_minus_3_within_300_generations(seed: int) -> None:
    opts = {
        "popsize": 64,
        "elite_ratio": 0.2,
        "noise_scheduler_args": [0.1, 0.0, 150, 0],
        "seed": seed,
    }
    state = cem_init(np.full(10, 3.0), 1.0, opts)
    for _ in range(300):
        solutions, state = cem_ask(state)
        state = cem_tell(state, solutions, np.sum(solutions**2, axis=1))
        if state.fbest < 1e-3:
            break
    assert state.fbest < 1e-3


def test_tell_answers_the_state_cem_ask_returned_once() -> None:
    state = cem_init(np.zeros(2), 1.0, {"popsize": 4, "seed": 0})
    solutions, asked = cem_ask(state)
    values = np.sum(solutions**2, axis=1)
    # Telling the state from before the ask would let the next ask reuse its random stream.
    with pytest.raises(RuntimeError, match="call cem_ask first \\(nothing asked yet\\)"):
        cem_tell(state, solutions, values)
    told = cem_tell(asked, solutions, values)
    assert (asked.asked, told.asked) == (True, False)
    with pytest.raises(RuntimeError, match=r"tell must answer the last ask.*already told"):
        cem_tell(told, solutions, values)
    assert cem_tell(asked, solutions, values) == told  # pure: the asked state stays valid


def test_functions_refuse_what_is_not_a_state() -> None:
    with pytest.raises(TypeError, match=r"state must be a CEMState .*got NoneType"):
        cem_ask(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"state must be a CEMState .*got dict"):
        cem_tell({}, [[0.0]], [0.0])  # type: ignore[arg-type]


def test_elite_size_forgives_the_rounding_of_the_ratio() -> None:
    # 0.29 * 100 is 28.999999999999996 in floats: the elite must still be 29 candidates.
    state = cem_init([0.0], 1.0, {"popsize": 100, "elite_ratio": 0.29, "seed": 0})
    assert state.options.elite_size == 29
    assert cem_init([0.0], 1.0, {"popsize": 100, "elite_ratio": 0.57}).options.elite_size == 57
    solutions, state = cem_ask(state)
    values = [float(i) for i in range(100)]
    state = cem_tell(state, solutions, values)
    assert state.mean[0] == pytest.approx(float(np.mean(solutions[:29, 0])), rel=1e-12)
