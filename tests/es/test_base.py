"""Tests for ``lagom.es.base``: the ask/tell contract every strategy keeps, and ESResult."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.es import CEM, CMAES, BaseES, ESResult, OpenAIES
from lagom.testing.strategies import es_objectives, objective_values
from tests.es.helpers import es_configs, make_es


def _sphere(x: np.ndarray) -> float:
    return float(np.sum(x**2))


@given(es_configs())
def test_ask_returns_popsize_candidates_of_shape_n(config: tuple[str, int, int, int]) -> None:
    kind, dimension, popsize, seed = config
    es = make_es(kind, dimension, popsize, seed)
    for _ in range(2):
        solutions = es.ask()
        assert isinstance(solutions, list)
        assert len(solutions) == popsize
        for x in solutions:
            assert x.shape == (dimension,)
            assert x.dtype == np.float64
            assert np.all(np.isfinite(x))
        es.tell(solutions, [_sphere(x) for x in solutions])


@given(es_configs(), st.data())
def test_tell_rejects_bad_populations_and_keeps_its_state(
    config: tuple[str, int, int, int], data: st.DataObject
) -> None:
    kind, dimension, popsize, seed = config
    es = make_es(kind, dimension, popsize, seed)
    solutions = es.ask()
    values = [_sphere(x) for x in solutions]
    before = es.result
    with pytest.raises(ValueError, match="same length"):
        es.tell(solutions, values[:-1])
    with pytest.raises(ValueError, match=f"expected popsize={popsize}"):
        es.tell(solutions[:-1], values[:-1])
    with pytest.raises(ValueError, match="shape"):
        es.tell([np.append(x, 0.0) for x in solutions], values)
    with pytest.raises(ValueError, match="shape"):
        es.tell([np.append(x, 1.0) if i == 0 else x for i, x in enumerate(solutions)], values)
    i = data.draw(st.integers(0, popsize - 1), label="nan index")
    with pytest.raises(ValueError, match=rf"NaN at indices \[{i}\]"):
        es.tell(solutions, [math.nan if j == i else v for j, v in enumerate(values)])
    j = data.draw(st.integers(0, popsize - 1), label="non-finite solution")
    poisoned = [
        np.full_like(x, math.nan if j % 2 else math.inf) if k == j else x
        for k, x in enumerate(solutions)
    ]
    with pytest.raises(ValueError, match=rf"solutions must be finite, .* indices \[{j}\]"):
        es.tell(poisoned, values)
    with pytest.raises(TypeError, match="function_values must be real numbers, got booleans"):
        es.tell(solutions, [k % 2 == 0 for k in range(popsize)])
    assert es.result == before
    es.tell(solutions, values)  # the rejected tells left the strategy usable
    assert es.result.iterations == 1


@given(es_configs())
def test_same_seed_gives_the_same_sequence(config: tuple[str, int, int, int]) -> None:
    kind, dimension, popsize, seed = config
    a, b = make_es(kind, dimension, popsize, seed), make_es(kind, dimension, popsize, seed)
    for _ in range(3):
        xa, xb = a.ask(), b.ask()
        assert np.array_equal(np.array(xa), np.array(xb))
        a.tell(xa, [_sphere(x) for x in xa])
        b.tell(xb, [_sphere(x) for x in xb])
    assert a.result == b.result


@given(es_configs(), st.data())
def test_result_reports_the_best_solution_ever_told(
    config: tuple[str, int, int, int], data: st.DataObject
) -> None:
    kind, dimension, popsize, seed = config
    es = make_es(kind, dimension, popsize, seed)
    values = objective_values()
    told: list[tuple[np.ndarray, float]] = []
    generations = data.draw(st.integers(1, 4), label="generations")
    for _ in range(generations):
        solutions = es.ask()
        fs = data.draw(st.lists(values, min_size=popsize, max_size=popsize), label="values")
        es.tell(solutions, fs)
        told.extend(zip(solutions, fs, strict=True))
    # Oracle: a plain loop; only a strictly smaller value replaces the best (first wins).
    best_x, best_f, best_count = None, math.inf, None
    for count, (x, f) in enumerate(told, start=1):
        if f < best_f:
            best_x, best_f, best_count = x, f, count
    r = es.result
    assert best_x is not None
    assert r.xbest is not None
    assert np.array_equal(r.xbest, best_x)
    assert (r.fbest, r.evals_best) == (best_f, best_count)
    assert (r.evaluations, r.iterations) == (len(told), generations)


@given(es_configs(), st.data())
def test_the_best_solution_evaluates_to_the_best_value(
    config: tuple[str, int, int, int], data: st.DataObject
) -> None:
    kind, dimension, popsize, seed = config
    f = data.draw(es_objectives(min_dimension=dimension, max_dimension=dimension), label="f")
    es = make_es(kind, dimension, popsize, seed)
    for _ in range(3):
        solutions = es.ask()
        es.tell(solutions, [f(x) for x in solutions])
    r = es.result
    assert r.xbest is not None
    assert r.fbest == f(r.xbest)
    assert r.fbest >= f.fopt


def test_result_before_any_tell_is_empty() -> None:
    for kind in ("cmaes", "cem", "openaies"):
        r = make_es(kind, 3, 6, 1).result
        assert (r.xbest, r.fbest, r.evals_best, r.evaluations, r.iterations) == (
            None,
            math.inf,
            None,
            0,
            0,
        )
        assert np.array_equal(r.xfavorite, np.full(3, 0.5))


def test_result_is_frozen_with_read_only_copies() -> None:
    x = np.array([1.0, 2.0])
    r = ESResult(x, 1.0, 3, 4, 1, x, np.ones(2))
    x[0] = 9.0
    assert r.xbest is not None
    assert r.xbest[0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        r.stds[0] = 0.0
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.fbest = 0.0  # type: ignore[misc]


def test_result_equality_compares_array_values() -> None:
    a = ESResult(np.zeros(2), 0.0, 1, 1, 1, np.zeros(2), np.ones(2))
    assert a == ESResult([0.0, 0.0], 0.0, 1, 1, 1, [0.0, 0.0], [1.0, 1.0])
    assert a != ESResult(np.zeros(2), 0.0, 1, 1, 1, np.zeros(2), np.full(2, 2.0))
    assert a != ESResult(None, 0.0, 1, 1, 1, np.zeros(2), np.ones(2))
    assert a != ESResult(np.zeros(3), 0.0, 1, 1, 1, np.zeros(2), np.ones(2))
    assert hash(a) == hash(ESResult(np.zeros(2), 0.0, 1, 1, 1, np.zeros(2), np.ones(2)))


def test_base_es_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BaseES()  # type: ignore[abstract]


@given(es_configs())
def test_tell_must_answer_the_last_ask(config: tuple[str, int, int, int]) -> None:
    kind, dimension, popsize, seed = config
    es = make_es(kind, dimension, popsize, seed)
    before = es.result
    with pytest.raises(RuntimeError, match=r"call ask\(\) first \(nothing asked yet\)"):
        es.tell(np.zeros((popsize, dimension)), np.zeros(popsize))
    assert es.result == before
    es.ask()
    solutions = es.ask()  # asking again abandons the first candidates
    values = [_sphere(x) for x in solutions]
    es.tell(solutions, values)
    told = es.result
    assert told.iterations == 1
    with pytest.raises(RuntimeError, match=r"tell must answer the last ask: .*\(already told\)"):
        es.tell(solutions, values)
    assert es.result == told
    with pytest.raises(ValueError, match=f"expected popsize={popsize}"):
        es.tell(es.ask()[:-1], values[:-1])
    assert es.result == told


def test_every_strategy_refuses_bad_starts_with_named_arguments() -> None:
    for kind, cls in (("cem", CEM), ("openaies", OpenAIES), ("cmaes", CMAES)):
        with pytest.raises(ValueError, match="x0 must be finite, got nan at index 0"):
            cls(np.array([math.nan, 1.0]), 0.5)
        with pytest.raises(ValueError, match="x0 must be finite, got inf at index 1"):
            cls([0.0, math.inf], 0.5)
        with pytest.raises(TypeError, match="x0 must be real numbers"):
            cls(None, 0.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="x0 must be real numbers"):
            cls(["a", "b"], 0.5)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="x0 must be a non-empty 1-D"):
            cls([], 0.5)
        for sigma0 in (0.0, -1.0, math.nan, math.inf):
            with pytest.raises(ValueError, match="sigma0 must"):
                cls([0.0, 1.0], sigma0)
        with pytest.raises(TypeError, match="sigma0 must be"):
            cls([0.0, 1.0], True)
        with pytest.raises(TypeError, match="opts must be a dict of options or None, got int"):
            cls([0.0, 1.0], 0.5, 0)  # type: ignore[arg-type]
        for seed in (-1, 2**32):
            with pytest.raises(ValueError, match=r"^seed must be in \[0, 2\*\*32 - 1\]"):
                cls([0.0, 1.0], 0.5, {"seed": seed})
        for seed in (True, 1.5, [], "abc"):
            with pytest.raises(TypeError, match=r"^seed must be an int"):
                cls([0.0, 1.0], 0.5, {"seed": seed})
        assert cls([0.0, 1.0], 0.5, {"seed": np.uint32(5)}).seed == 5, kind


@pytest.mark.parametrize("kind", ["cmaes", "cem", "openaies"])
@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ("1.5", TypeError, r"function_values must be real numbers .* got str '1.5' at index 2"),
        (None, TypeError, r"function_values must be real numbers .* got NoneType None at index 2"),
        (True, TypeError, r"function_values must be real numbers .* got bool True at index 2"),
        (np.True_, TypeError, r"function_values must be real numbers .* at index 2"),
        (10**400, ValueError, r"function_values must fit in a float64, .* at index 2"),
    ],
    ids=["str", "None", "bool", "numpy-bool", "huge-int"],
)
def test_tell_refuses_values_numpy_would_silently_coerce(
    kind: str, bad: object, error: type[Exception], match: str
) -> None:
    # np.asarray(values, float) reads "1.5" as 1.5, None as NaN, a bool among floats as
    # 1.0, and raises OverflowError on a huge int: each is refused, naming the index.
    es = make_es(kind, 2, 4, seed=5)
    solutions = es.ask()
    values: list[object] = [_sphere(x) for x in solutions]
    values[2] = bad
    before = es.result
    with pytest.raises(error, match=match):
        es.tell(solutions, values)
    assert es.result == before
    es.tell(solutions, [_sphere(x) for x in solutions])  # still awaiting this tell
    assert es.result.iterations == 1


@pytest.mark.parametrize("kind", ["cem", "openaies"])
def test_tell_accepts_any_real_scalar(kind: str) -> None:
    from fractions import Fraction

    torch = pytest.importorskip("torch")
    es = make_es(kind, 2, 4, seed=5)
    solutions = es.ask()
    es.tell(solutions, [np.float32(2.5), np.array(3), Fraction(1, 4), torch.tensor(4.0)])
    assert es.result.fbest == 0.25
