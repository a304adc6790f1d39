"""lagom.es against outside references: OpenAI's evolution-strategies-starter and pycma.

* OpenAI-ES: the update of ``es_distributed/es.py`` (centered ranks of the ``[n, 2]``
  antithetic returns, by the starter's ``compute_centered_ranks`` in
  ``tests/openai_es_starter.py``; ``batched_weighted_sum`` of the rank differences with
  the noise, divided by the number of returns, then ``optimizer.update(-g + l2coeff *
  theta)``) with the starter's ``Adam`` of ``es_distributed/optimizers.py``, ported line
  by line. The starter maximizes returns, so it is given ``-f``. lagom's estimate is the
  starter's times ``c = 1 / (sigma (std(u) + 1e-8))``, a constant for a fixed population
  size and noise scale, and Adam's step does not depend on a constant gradient scale (up
  to its ``eps``): the means agree when lagom's ``weight_decay`` is ``c * l2coeff``.
* CMA-ES: ``cma.CMAEvolutionStrategy`` itself, seeded through numpy's global RNG as pycma
  does it (the global state is saved and restored around it), on options the other
  tests do not cover.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cma
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagom.es import CMAES, OpenAIES
from tests.openai_es_starter import compute_centered_ranks

Array = np.ndarray[Any, Any]


# --------------------------------------------------------------------------------------
# OpenAI evolution-strategies-starter
# --------------------------------------------------------------------------------------


def _itergroups(items: Any, group_size: int) -> Iterator[tuple[Any, ...]]:
    assert group_size >= 1
    group = []
    for x in items:
        group.append(x)
        if len(group) == group_size:
            yield tuple(group)
            del group[:]
    if group:
        yield tuple(group)


def _batched_weighted_sum(weights: Any, vecs: Any, batch_size: int) -> tuple[Any, int]:
    total: Any = 0.0
    num_items_summed = 0
    for batch_weights, batch_vecs in zip(
        _itergroups(weights, batch_size), _itergroups(vecs, batch_size), strict=True
    ):
        assert len(batch_weights) == len(batch_vecs) <= batch_size
        total += np.dot(
            np.asarray(batch_weights, dtype=np.float32), np.asarray(batch_vecs, dtype=np.float32)
        )
        num_items_summed += len(batch_weights)
    return total, num_items_summed


class _StarterAdam:
    """``es_distributed/optimizers.py``'s ``Optimizer.update`` and ``Adam._compute_step``.

    ``m`` and ``v`` are float64 here (float32 in the starter) so that the comparison
    measures the algorithm, not float32 rounding.
    """

    def __init__(self, theta: Array, stepsize: float) -> None:
        self.theta = theta.copy()
        self.t = 0
        self.stepsize, self.beta1, self.beta2, self.epsilon = stepsize, 0.9, 0.999, 1e-08
        self.m = np.zeros(theta.size)
        self.v = np.zeros(theta.size)

    def update(self, globalg: Array) -> None:
        self.t += 1
        a = self.stepsize * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        self.m = self.beta1 * self.m + (1 - self.beta1) * globalg
        self.v = self.beta2 * self.v + (1 - self.beta2) * (globalg * globalg)
        step = -a * self.m / (np.sqrt(self.v) + self.epsilon)
        self.theta = self.theta + step


def _starter_update(optimizer: _StarterAdam, noise: Array, returns_n2: Array, l2: float) -> Array:
    """The master's update in ``es_distributed/es.py`` (``return_proc_mode='centered_rank'``).

    Returns the gradient handed to the optimizer.
    """
    proc_returns_n2 = compute_centered_ranks(returns_n2)
    g, count = _batched_weighted_sum(
        proc_returns_n2[:, 0] - proc_returns_n2[:, 1], iter(noise), batch_size=500
    )
    g /= returns_n2.size
    assert count == len(noise)
    globalg: Array = -g + l2 * optimizer.theta
    optimizer.update(globalg)
    return globalg


def _objective(x: Array) -> float:
    return float(np.sum((x - 1.0) ** 2) + 0.1 * np.sum(x))


@given(
    st.integers(1, 5),
    st.integers(2, 6),
    st.floats(1e-3, 0.1),
    st.floats(0.05, 1.0),
    st.sampled_from([0.0, 0.005, 0.1]),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=40)
def test_openaies_follows_the_evolution_strategies_starter(
    dimension: int, half: int, lr: float, sigma: float, l2coeff: float, seed: int
) -> None:
    popsize = 2 * half
    # lagom's gradient is the starter's times c (centered ranks of distinct values have a
    # fixed spread), so the starter's l2coeff is lagom's weight_decay / c.
    u = np.arange(popsize) / (popsize - 1) - 0.5
    c = 1.0 / (sigma * (np.std(u) + 1e-8))
    opts = {"popsize": popsize, "lr": lr, "weight_decay": c * l2coeff, "seed": seed}
    x0 = np.linspace(-1.0, 2.0, dimension)
    es = OpenAIES(x0, sigma, opts)
    starter = _StarterAdam(x0, lr)
    for t in range(1, 6):
        solutions = np.asarray(es.ask())
        # lagom's antithetic pairs give the noise vectors: x_i - x_{i+n} = 2 sigma eps_i.
        noise = (solutions[:half] - solutions[half:]) / (2 * sigma)
        es.tell(solutions, [_objective(x) for x in solutions])
        # The starter's workers: returns of theta + sigma eps and theta - sigma eps, at
        # the starter's own theta.
        theta = starter.theta
        returns_n2 = -np.array(
            [[_objective(theta + sigma * e), _objective(theta - sigma * e)] for e in noise]
        )
        if np.unique(returns_n2).size < popsize:
            return  # a tie: the starter's unstable argsort may order it either way
        globalg = _starter_update(starter, noise, returns_n2, l2coeff)
        # The two Adams place eps differently (the starter's is eps / sqrt(1 - beta2**t) in
        # the units of its gradient, lagom's eps / c): a step differs by about
        # lr * 3e-7 / |g| per coordinate, visible only where |g| is tiny.
        if np.abs(globalg).min() < 1e-3:
            return
        np.testing.assert_allclose(es.result.xfavorite, starter.theta, rtol=0, atol=1e-3 * lr * t)


# --------------------------------------------------------------------------------------
# pycma
# --------------------------------------------------------------------------------------


def _plain_pycma(x0: list[float], sigma0: float, opts: dict[str, Any], generations: int) -> Any:
    """Plain pycma on the shifted sphere; numpy's global RNG is restored afterwards."""
    saved = np.random.get_state()  # noqa: NPY002 (pycma uses the global RNG)
    try:
        es = cma.CMAEvolutionStrategy(x0, sigma0, {**opts, "verbose": -9})
        asked = []
        for _ in range(generations):
            xs = es.ask()
            asked.append(np.array(xs))
            es.tell(xs, [_sphere(x) for x in xs])
        return np.array(asked), es.result
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def _sphere(x: Array) -> float:
    return float(np.sum((np.asarray(x) - 1.0) ** 2))


@pytest.mark.parametrize(
    ("x0", "sigma0", "opts", "generations"),
    [
        # Mirrored sampling (pycma's default for popsize < 6) in one dimension.
        ([0.0], 0.5, {"seed": 3, "popsize": 4}, 5),
        # Elitism and no active update; integer start.
        ([2, -1, 0], 0.7, {"seed": 11, "CMA_elitist": True, "CMA_active": False}, 5),
        # Per-coordinate scales and an odd population.
        ([0.5, 0.5, 0.5, 0.5], 0.3, {"seed": 99, "CMA_stds": [1, 2, 0.5, 1], "popsize": 7}, 4),
        # Bounds with a box that cuts the sphere's optimum.
        ([0.0, 0.0], 1.0, {"seed": 2024, "bounds": [[-2, -2], [0.5, 3]]}, 5),
        # A large seed and pycma's default population.
        ([1.5] * 6, 0.2, {"seed": 2**31 - 1}, 3),
    ],
)
def test_cmaes_equals_pycma_in_process(
    x0: list[float], sigma0: float, opts: dict[str, Any], generations: int
) -> None:
    asked, result = _plain_pycma(x0, sigma0, opts, generations)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    es = CMAES(x0, sigma0, opts)
    for g in range(generations):
        xs = es.ask()
        np.testing.assert_array_equal(np.array(xs), asked[g])
        es.tell(xs, [_sphere(x) for x in xs])
    ours = es.result
    np.testing.assert_array_equal(ours.xbest, result.xbest)
    assert ours.fbest == result.fbest
    assert ours.evals_best == result.evals_best
    assert ours.evaluations == result.evaluations
    assert ours.iterations == result.iterations
    np.testing.assert_array_equal(ours.xfavorite, result.xfavorite)
    np.testing.assert_array_equal(ours.stds, result.stds)
    after = np.random.get_state()[1]  # noqa: NPY002
    np.testing.assert_array_equal(after, before)  # lagom left numpy's global RNG alone
