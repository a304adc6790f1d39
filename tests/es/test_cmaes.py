"""Tests for ``lagom.es.cmaes``: pycma reproduced exactly, without its side effects."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lagom.es import CMAES

# Plain pycma, seeded through numpy's global RNG as pycma does it, in a fresh process.
_PYCMA_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import cma

    x0, sigma0, opts, generations, out = json.loads(sys.argv[1])
    es = cma.CMAEvolutionStrategy(x0, sigma0, opts)
    candidates = []
    for _ in range(generations):
        xs = es.ask()
        candidates.append(np.array(xs))
        es.tell(xs, [float(np.sum((x - 1.0) ** 2)) for x in xs])
    r = es.result
    np.savez(out, candidates=np.array(candidates), xbest=r.xbest, xfavorite=r.xfavorite,
             stds=r.stds, scalars=np.array([r.fbest, r.evals_best, r.evaluations, r.iterations]))
    """
)


def _shifted_sphere(x: np.ndarray) -> float:
    return float(np.sum((x - 1.0) ** 2))


def _run_pycma(
    tmp_path: Path, x0: list[float], sigma0: float, opts: dict[str, object], n: int
) -> Any:
    out = tmp_path / "pycma.npz"
    args = json.dumps([x0, sigma0, opts, n, str(out)])
    subprocess.run([sys.executable, "-c", _PYCMA_SCRIPT, args], check=True, timeout=120)
    return np.load(out)


@pytest.mark.parametrize(
    ("opts", "generations"),
    [
        ({"seed": 7, "popsize": 8}, 6),
        ({"seed": 123, "CMA_diagonal": True}, 4),
        ({"seed": 5, "bounds": [-0.5, 2.0], "popsize": 12}, 4),
    ],
)
def test_candidates_and_result_equal_plain_pycma_in_a_fresh_process(
    tmp_path: Path, opts: dict[str, object], generations: int
) -> None:
    x0, sigma0 = [0.1, -0.3, 0.7, 0.2, 0.0], 0.4
    reference = _run_pycma(tmp_path, x0, sigma0, {**opts, "verbose": -9}, generations)
    es = CMAES(x0, sigma0, opts)
    for g in range(generations):
        xs = es.ask()
        assert np.array_equal(np.array(xs), reference["candidates"][g])
        es.tell(xs, [_shifted_sphere(x) for x in xs])
    r = es.result
    fbest, evals_best, evaluations, iterations = reference["scalars"]
    assert r.xbest is not None
    assert np.array_equal(r.xbest, reference["xbest"])
    assert np.array_equal(r.xfavorite, reference["xfavorite"])
    assert np.array_equal(r.stds, reference["stds"])
    assert (r.fbest, r.evals_best, r.evaluations, r.iterations) == (
        fbest,
        evals_best,
        evaluations,
        iterations,
    )


def test_two_instances_with_one_seed_step_in_lockstep() -> None:
    a = CMAES(np.zeros(4), 0.5, {"seed": 11, "popsize": 6})
    b = CMAES(np.zeros(4), 0.5, {"seed": 11, "popsize": 6})
    for _ in range(5):
        xa, xb = a.ask(), b.ask()
        assert np.array_equal(np.array(xa), np.array(xb))
        a.tell(xa, [_shifted_sphere(x) for x in xa])
        b.tell(xb, [_shifted_sphere(x) for x in xb])
    assert a.result == b.result


def test_numpy_global_random_state_is_untouched() -> None:
    np.random.seed(99)  # noqa: NPY002 - the global state is what this test watches
    before: Any = np.random.get_state()  # noqa: NPY002
    for seed in (3, None, 0, "time"):
        es = CMAES(np.ones(3), 0.5, {"seed": seed})
        xs = es.ask()
        es.tell(xs, [_shifted_sphere(x) for x in xs])
        es.result  # noqa: B018 - computing the result must not draw either
    after: Any = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0]
    assert np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_silent_by_default_and_writes_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    es = CMAES(np.ones(5), 0.5, {"seed": 1})
    for _ in range(20):
        xs = es.ask()
        es.tell(xs, [_shifted_sphere(x) for x in xs])
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert list(tmp_path.iterdir()) == []


def test_verbosity_options_are_handed_to_pycma(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    es = CMAES(np.ones(3), 0.5, {"seed": 1, "verb_disp": 1, "verb_log": 0})
    xs = es.ask()
    es.tell(xs, [_shifted_sphere(x) for x in xs])
    es.es.disp()
    assert capfd.readouterr().out != ""
    assert es.es.opts["verbose"] == 3  # pycma's default, not our -9


@pytest.mark.parametrize("seed", [None, 0, float("nan"), "time"])
def test_clock_seeds_are_drawn_recorded_and_reproducible(seed: object) -> None:
    a = CMAES(np.zeros(3), 1.0, {"seed": seed})
    b = CMAES(np.zeros(3), 1.0, {"seed": seed})
    assert a.seed is not None
    assert 1 <= a.seed <= 2**32 - 1
    assert a.es.opts["seed"] == a.seed
    assert a.seed != b.seed  # two draws from the operating system's entropy
    again = CMAES(np.zeros(3), 1.0, {"seed": a.seed})
    assert np.array_equal(np.array(a.ask()), np.array(again.ask()))


def test_missing_seed_is_a_clock_seed() -> None:
    es, other = CMAES(np.zeros(2), 1.0), CMAES(np.zeros(2), 1.0)
    assert isinstance(es.seed, int)
    assert 1 <= es.seed <= 2**32 - 1
    assert es.es.opts["seed"] == es.seed
    assert es.seed != other.seed  # drawn afresh, not a fixed default
    again = CMAES(np.zeros(2), 1.0, {"seed": es.seed})
    assert np.array_equal(np.array(es.ask()), np.array(again.ask()))


def test_options_pass_through_with_pycma_key_matching() -> None:
    # pycma matches keys case-insensitively and by unique prefix: "SEED" is the seed.
    es = CMAES(np.zeros(4), 1.0, {"PopSize": 9, "SEED": 2, "maxfev": 100, "bounds": [-1, 1]})
    reference = CMAES(np.zeros(4), 1.0, {"popsize": 9, "seed": 2, "bounds": [-1, 1]})
    assert es.seed == 2
    assert es.popsize == 9
    assert np.array_equal(np.array(es.ask()), np.array(reference.ask()))
    assert es.es.opts["bounds"] == [-1, 1]
    assert es.es.opts["maxfevals"] == 100
    with pytest.raises(ValueError, match="not a valid option"):
        CMAES(np.zeros(4), 1.0, {"no_such_option": 1})


def test_a_given_randn_is_used_as_is() -> None:
    calls: list[tuple[int, int]] = []

    def randn(lam: int, n: int) -> np.ndarray:
        calls.append((lam, n))
        return np.zeros((lam, n))  # no noise: every candidate is the mean

    es = CMAES(np.array([1.0, -2.0, 0.5]), 1.0, {"randn": randn})
    assert es.seed is None
    solutions = es.ask()
    assert calls == [(es.popsize, 3)]
    np.testing.assert_array_equal(np.array(solutions), [[1.0, -2.0, 0.5]] * es.popsize)


def test_bad_seed_is_rejected() -> None:
    with pytest.raises(ValueError, match="seed"):
        CMAES(np.zeros(3), 1.0, {"seed": 2**32})
    with pytest.raises(TypeError, match="seed"):
        CMAES(np.zeros(3), 1.0, {"seed": "abc"})


def test_nan_values_are_rejected_instead_of_replaced_by_the_median() -> None:
    es = CMAES(np.zeros(3), 1.0, {"seed": 1, "popsize": 5})
    xs = es.ask()
    with pytest.raises(ValueError, match=r"NaN at indices \[2\]"):
        es.tell(xs, [1.0, 2.0, float("nan"), 3.0, 4.0])


def test_sphere_reaches_1e_minus_8_in_10_dimensions() -> None:
    es = CMAES(np.full(10, 3.0), 1.0, {"seed": 4})
    for _ in range(400):
        xs = es.ask()
        es.tell(xs, [float(np.sum(x**2)) for x in xs])
        if es.result.fbest < 1e-8:
            break
    assert es.result.fbest < 1e-8


def _rastrigin(x: np.ndarray) -> float:
    return float(10 * x.size + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def test_rastrigin_10d_with_large_population_gets_below_1() -> None:
    es = CMAES(np.full(10, 3.0), 2.0, {"seed": 3, "popsize": 200})
    for _ in range(400):
        xs = es.ask()
        es.tell(xs, [_rastrigin(x) for x in xs])
        if es.result.fbest < 1.0:
            break
    assert es.result.fbest < 1.0


@pytest.mark.parametrize(
    ("sigma0", "error", "match"),
    [
        (0.0, ValueError, "sigma0 must be positive, got 0.0"),
        (-0.5, ValueError, "sigma0 must be positive, got -0.5"),
        (float("nan"), ValueError, "sigma0 must not be NaN"),
        (float("inf"), ValueError, "sigma0 must be finite, got inf"),
        (True, TypeError, "sigma0 must be a real number, got bool"),
        ([0.5, 0.5, 0.5], ValueError, "sigma0 must be a scalar, got shape \\(3,\\).*CMA_stds"),
    ],
)
def test_bad_sigma0_is_refused_before_pycma(sigma0: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        CMAES(np.zeros(3), sigma0, {"seed": 1})  # type: ignore[arg-type]


def test_pycma_errors_on_options_become_lagom_errors() -> None:
    with pytest.raises(ValueError, match="popsize must be at least 2, got 1"):
        CMAES(np.zeros(3), 1.0, {"popsize": 1})
    with pytest.raises(TypeError, match="popsize must be an int, got float nan"):
        CMAES(np.zeros(3), 1.0, {"popsize": float("nan")})
    with pytest.raises(ValueError, match=r"pycma refused the options .*bounds must be"):
        CMAES(np.zeros(3), 1.0, {"bounds": [1, 2, 3], "seed": 1})
    with pytest.raises(ValueError, match=r"pycma refused the options .*not a valid option"):
        CMAES(np.zeros(3), 1.0, {"no_such_option": 1})
    assert CMAES(np.zeros(3), 1.0, {"popsize": None, "seed": 1}).popsize == 7  # default


def test_clock_seeds_are_pycmas_and_other_non_ints_are_refused() -> None:
    for clock in (None, 0, float("nan"), "time"):
        assert CMAES(np.zeros(2), 1.0, {"seed": clock}).seed != 0
    for bad in ([], "abc", 1.5, True):
        with pytest.raises(TypeError, match=r"^seed must be an int"):
            CMAES(np.zeros(2), 1.0, {"seed": bad})


def test_result_is_not_aliased_to_the_told_arrays() -> None:
    es = CMAES([1.0, 1.0], 0.5, {"popsize": 4, "seed": 1})
    solutions = es.ask()
    values = [float(np.sum(x**2)) for x in solutions]
    es.tell(solutions, values)
    xbest = es.result.xbest
    assert xbest is not None
    for x in solutions:  # the caller reuses its buffers
        x[:] = 1e6
    assert np.array_equal(es.result.xbest, xbest)
    population = np.array(es.ask())
    es.tell(population, [-1.0, 0.0, 0.0, 0.0])
    expected = population[0].copy()
    population[:] = 0.0
    assert np.array_equal(es.result.xbest, expected)


def test_a_covariance_larger_than_memory_is_refused_up_front() -> None:
    # 10**6 coordinates: 3 full [N, N] float64 matrices are 22 TiB. pycma would raise
    # MemoryError from inside numpy; a diagonal covariance stays linear.
    with pytest.raises(ValueError, match=r"x0 has 1000000 coordinates: .* CMA_diagonal=True"):
        CMAES(np.zeros(10**6), 1.0, {"popsize": 4, "seed": 1})
    es = CMAES(np.zeros(10**4), 1.0, {"popsize": 4, "seed": 1, "CMA_diagonal": True})
    assert es.ask()[0].shape == (10**4,)


def test_the_covariance_error_names_the_largest_dimension_that_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lagom.es.cmaes as cmaes

    # 3 float64 [100, 100] matrices are 240_000 bytes: 100 coordinates fit, 101 do not.
    monkeypatch.setattr(cmaes, "physical_memory", lambda: 240_000)
    with pytest.raises(ValueError, match=r"x0 has 101 coordinates: .* \(at most 100 coordinates"):
        CMAES(np.zeros(101), 1.0, {"popsize": 4, "seed": 1})
    assert CMAES(np.zeros(100), 1.0, {"popsize": 4, "seed": 1}).ask()[0].shape == (100,)


def test_result_after_only_failed_evaluations() -> None:
    # Every evaluation failed and was told as inf, as the NaN message advises: past ~30
    # iterations pycma's result raised TypeError from inside its stagnation test.
    es = CMAES([1.0, 2.0], 0.5, {"popsize": 10, "seed": 1})
    for _ in range(35):
        solutions = es.ask()
        es.tell(solutions, [math.inf] * 10)
    result = es.result
    assert (result.xbest, result.fbest, result.evals_best) == (None, math.inf, None)
    assert (result.evaluations, result.iterations) == (350, 35)
    solutions = es.ask()
    es.tell(solutions, [float(x @ x) for x in solutions])  # recovers once values are finite
    assert es.result.evals_best is not None
    assert es.result.evals_best > 350


def test_more_parents_than_candidates_is_refused_up_front() -> None:
    # pycma took CMA_mu=5 with popsize 4, then refused every tell as a bad population.
    with pytest.raises(ValueError, match=r"CMA_mu must be at most popsize=4, got 5"):
        CMAES([1.0], 0.5, {"popsize": 4, "CMA_mu": 5, "seed": 1})
    es = CMAES([1.0], 0.5, {"popsize": 4, "CMA_mu": 4, "seed": 1})
    solutions = es.ask()
    es.tell(solutions, [float(x @ x) for x in solutions])
