"""The engine ``lagom.metric._scan``: the blocked scan against the plain reference loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.metric._scan import _blocked_scan, _plain_scan, reverse_scan, step_factors
from tests.metric.oracle import assert_close, per_column, scan_loop

# Per-step factor patterns: the edge values and what they do to the blocks.
_FACTORS = {
    "zero": lambda rng, shape: np.zeros(shape),
    "one": lambda rng, shape: np.ones(shape),
    "uniform": lambda rng, shape: rng.random(shape),
    "gae with ends": lambda rng, shape: np.where(rng.random(shape) < 0.05, 0.0, 0.95),
    "dense ends": lambda rng, shape: np.where(rng.random(shape) < 0.5, 0.0, 0.99),
    "underflow": lambda rng, shape: np.full(shape, 1e-9),
}


@st.composite
def scan_inputs(draw: st.DrawFn, max_T: int = 300, max_B: int = 4) -> tuple[Any, Any]:
    T = draw(st.integers(0, max_T))
    B = draw(st.integers(0, max_B))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    factors = _FACTORS[draw(st.sampled_from(sorted(_FACTORS)))]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(-10.0, 10.0, (T, B)).astype(dtype)
    return x, factors(rng, (T, B)).astype(dtype)


@given(scan_inputs())
def test_reverse_scan_matches_the_plain_loop(inputs: tuple[Any, Any]) -> None:
    x, a = inputs
    y = reverse_scan(x, a)
    assert y.dtype == x.dtype
    assert_close(y, per_column(scan_loop, x, a), x)


@given(scan_inputs(max_T=120), st.integers(1, 130))
def test_every_block_size_gives_the_same_result(inputs: tuple[Any, Any], K: int) -> None:
    x, a = inputs
    T = x.shape[0]
    if T == 0:
        return
    y = _blocked_scan(x, a, K)
    assert y.shape == x.shape
    assert_close(y, per_column(scan_loop, x, a), x)
    assert_close(y, _plain_scan(x, a), x)


@pytest.mark.parametrize(
    ("T", "B"),
    [(1, 1), (63, 2), (64, 2), (65, 3), (2048, 1), (300, 128), (64, 255), (64, 256), (512, 256)],
)
@pytest.mark.parametrize("pattern", sorted(_FACTORS))
def test_both_paths_at_their_thresholds(T: int, B: int, pattern: str) -> None:
    rng = np.random.default_rng(T * B)
    x = rng.uniform(-10.0, 10.0, (T, B))
    a = _FACTORS[pattern](rng, (T, B))
    assert_close(reverse_scan(x, a), per_column(scan_loop, x, a), x)


def test_a_zero_factor_cuts_the_sum_exactly() -> None:
    x = np.ones((200, 1))
    a = np.ones((200, 1))
    a[99] = 0.0
    y = reverse_scan(x, a)
    # Step 99 keeps only its own term; each half counts down from 100 on its own.
    np.testing.assert_array_equal(y[:100, 0], np.arange(100, 0, -1))
    np.testing.assert_array_equal(y[100:, 0], np.arange(100, 0, -1))


def test_inputs_are_not_modified() -> None:
    rng = np.random.default_rng(0)
    x, a = rng.random((100, 3)), rng.random((100, 3))
    x_before, a_before = x.copy(), a.copy()
    reverse_scan(x, a)
    _plain_scan(x, a)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(a, a_before)


def test_step_factors_are_zero_exactly_where_an_episode_ends() -> None:
    stop = np.array([[True, False], [False, True]])
    factors = step_factors(stop, 0.9, np.dtype(np.float32))
    assert factors.dtype == np.float32
    np.testing.assert_array_equal(factors, np.array([[0.0, 0.9], [0.9, 0.0]], dtype=np.float32))
