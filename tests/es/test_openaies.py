"""Tests for ``lagom.es.openaies``: Adam steps on search gradients against plain loops."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.es import OpenAIES, cem_init, openaies_ask, openaies_init, openaies_tell
from lagom.testing.strategies import objective_values


class _ReferenceOpenAIES:
    """OpenAI-ES written out with Python loops over coordinates and candidates (the oracle)."""

    def __init__(self, x0: list[float], sigma0: float, opts: dict[str, Any]) -> None:
        self.mean = list(x0)
        self.sigma0 = sigma0
        self.sigma = [sigma0] * len(x0)
        self.m = [0.0] * len(x0)
        self.v = [0.0] * len(x0)
        self.t = 0
        self.opts = opts

    def _shape(self, values: list[float]) -> list[float]:
        n = len(values)
        if self.opts.get("rank_transform", True):
            order = sorted(range(n), key=lambda i: (values[i], i))
            ranks = [0.0] * n
            for rank, i in enumerate(order):
                ranks[i] = rank / (n - 1) - 0.5
            values = ranks
        mean = sum(values) / n
        std = math.sqrt(sum((u - mean) ** 2 for u in values) / n)
        return [(u - mean) / (std + 1e-8) for u in values]

    def tell(self, solutions: list[list[float]], values: list[float]) -> None:
        shaped = self._shape(values)
        o, p = self.opts, len(values)
        lr = max(o.get("lr", 0.01) * o.get("lr_decay", 1.0) ** self.t, o.get("min_lr", 0.0))
        for d in range(len(self.mean)):
            g = 0.0
            for i in range(p):
                g += shaped[i] * (solutions[i][d] - self.mean[d]) / self.sigma[d]
            g = g / (p * self.sigma[d]) + o.get("weight_decay", 0.0) * self.mean[d]
            self.m[d] = 0.9 * self.m[d] + 0.1 * g
            self.v[d] = 0.999 * self.v[d] + 0.001 * g * g
            m_hat = self.m[d] / (1 - 0.9 ** (self.t + 1))
            v_hat = self.v[d] / (1 - 0.999 ** (self.t + 1))
            self.mean[d] -= lr * m_hat / (math.sqrt(v_hat) + 1e-8)
        self.t += 1
        decayed = self.sigma0 * o.get("sigma_decay", 1.0) ** self.t
        self.sigma = [max(decayed, o.get("min_sigma", 0.0))] * len(self.mean)


@given(
    st.integers(1, 6),
    st.integers(1, 5),
    st.integers(1, 2**32 - 1),
    st.fixed_dictionaries(
        {},
        optional={
            "lr": st.floats(1e-3, 1.0),
            "lr_decay": st.floats(0.5, 1.0),
            "min_lr": st.floats(0.0, 0.05),
            "sigma_decay": st.floats(0.5, 1.0),
            "min_sigma": st.floats(0.01, 0.1),
            "rank_transform": st.booleans(),
            "antithetic": st.booleans(),
            "weight_decay": st.floats(0.0, 0.1),
        },
    ),
    st.data(),
)
def test_tells_match_a_plain_loop(
    dimension: int, half: int, seed: int, opts: dict[str, Any], data: st.DataObject
) -> None:
    popsize = 2 * half + (0 if opts.get("antithetic", True) else 1)
    opts = {**opts, "popsize": popsize, "seed": seed}
    x0 = data.draw(st.lists(st.floats(-3, 3), min_size=dimension, max_size=dimension))
    state = openaies_init(x0, 0.7, opts)
    reference = _ReferenceOpenAIES(x0, 0.7, opts)
    values_strategy = objective_values()
    for _ in range(3):
        solutions, state = openaies_ask(state)
        values = data.draw(st.lists(values_strategy, min_size=popsize, max_size=popsize))
        state = openaies_tell(state, solutions, values)
        reference.tell(solutions.tolist(), values)
        # atol: a gradient that cancels to rounding noise (mirrored pairs, equal values)
        # still moves Adam by up to lr * noise / (noise + 1e-8), about 1e-8 at lr = 1.
        np.testing.assert_allclose(state.mean, reference.mean, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(state.sigma, reference.sigma, rtol=1e-12)


def test_antithetic_pairs_mirror_around_the_mean() -> None:
    state = openaies_init([1.0, -2.0, 0.5], [0.1, 0.2, 0.3], {"popsize": 6, "seed": 4})
    solutions, _ = openaies_ask(state)
    np.testing.assert_allclose(solutions[:3] - state.mean, state.mean - solutions[3:])
    # The documented draws of the first ask: z from the seed's first spawned generator.
    z = np.random.default_rng(np.random.SeedSequence(4, spawn_key=(0,))).standard_normal((3, 3))
    np.testing.assert_allclose(solutions[:3], state.mean + state.sigma * z, rtol=1e-14)
    with pytest.raises(ValueError, match="even"):
        openaies_init([0.0], 1.0, {"popsize": 5})
    plain, _ = openaies_ask(openaies_init([0.0], 1.0, {"popsize": 5, "antithetic": False}))
    assert plain.shape == (5, 1)


def test_sigma_follows_the_schedule_from_the_first_tell_on() -> None:
    opts = {"popsize": 4, "seed": 0, "sigma_scheduler_args": [0.5, 0.1, 4, 1]}
    state = openaies_init(np.zeros(2), 0.3, opts)
    sigmas = [float(state.sigma[0])]
    for _ in range(6):
        solutions, state = openaies_ask(state)
        state = openaies_tell(state, solutions, np.sum(solutions**2, axis=1))
        sigmas.append(float(state.sigma[0]))
    np.testing.assert_allclose(sigmas, [0.3, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1])


def test_infinite_values_need_the_rank_transform() -> None:
    values = [1.0, math.inf, 2.0, 3.0]
    state = openaies_init(np.zeros(2), 1.0, {"popsize": 4, "seed": 0})
    solutions, state = openaies_ask(state)
    assert openaies_tell(state, solutions, values).fbest == 1.0
    plain = openaies_init(np.zeros(2), 1.0, {"popsize": 4, "seed": 0, "rank_transform": False})
    solutions, plain = openaies_ask(plain)
    with pytest.raises(ValueError, match="finite when rank_transform is off"):
        openaies_tell(plain, solutions, values)


@pytest.mark.parametrize(
    ("opts", "error", "match"),
    [
        ({"learning_rate": 0.1}, ValueError, "unknown OpenAIES option"),
        ({"popsize": 1}, ValueError, "popsize must be at least 2"),
        ({"lr": -0.1}, ValueError, "lr must be in"),
        ({"lr_decay": 1.5}, ValueError, "lr_decay"),
        ({"antithetic": 1}, TypeError, "antithetic must be a bool"),
        ({"sigma_scheduler_args": [0.1, 0.0, 5]}, ValueError, "positive initial and final"),
        ({"sigma_scheduler_args": [0.1, 0.01, 5], "sigma_decay": 0.9}, ValueError, "not both"),
        ({"sigma_decay": 0.0}, ValueError, "min_sigma"),
    ],
)
def test_bad_options_are_rejected(
    opts: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        OpenAIES(np.zeros(3), 1.0, opts)


def test_class_is_the_pure_functions() -> None:
    opts = {"popsize": 8, "seed": 5, "lr": 0.1, "weight_decay": 0.01}
    es, state = OpenAIES(np.ones(3), 0.5, opts), openaies_init(np.ones(3), 0.5, opts)
    for _ in range(3):
        solutions, state = openaies_ask(state)
        assert np.array_equal(np.array(es.ask()), solutions)
        values = np.sum(solutions**2, axis=1)
        state = openaies_tell(state, solutions, values)
        es.tell(list(solutions), values)
    assert es.state == state
    assert np.array_equal(es.result.xfavorite, state.mean)
    assert np.array_equal(es.result.stds, state.sigma)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sphere_value_drops_100_fold(seed: int) -> None:
    es = OpenAIES(np.full(10, 3.0), 0.5, {"popsize": 40, "lr": 0.1, "seed": seed})
    start = float(np.sum(es.result.xfavorite**2))
    for _ in range(200):
        solutions = es.ask()
        es.tell(solutions, [float(np.sum(x**2)) for x in solutions])
    assert float(np.sum(es.result.xfavorite**2)) < start / 100


def test_tell_answers_the_state_openaies_ask_returned_once() -> None:
    state = openaies_init(np.zeros(2), 1.0, {"popsize": 4, "seed": 0})
    solutions, asked = openaies_ask(state)
    values = np.sum(solutions**2, axis=1)
    with pytest.raises(RuntimeError, match="call openaies_ask first \\(nothing asked yet\\)"):
        openaies_tell(state, solutions, values)
    told = openaies_tell(asked, solutions, values)
    with pytest.raises(RuntimeError, match=r"tell must answer the last ask.*already told"):
        openaies_tell(told, solutions, values)
    with pytest.raises(TypeError, match=r"state must be an OpenAIESState .*got NoneType"):
        openaies_ask(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"state must be an OpenAIESState .*got CEMState"):
        openaies_tell(cem_init([0.0], 1.0, {"popsize": 4}), solutions, values)  # type: ignore[arg-type]
