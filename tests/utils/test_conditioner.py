"""Tests for ``lagom.utils.conditioner``: IntervalConditioner and NConditioner."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.utils import IntervalConditioner, NConditioner

_increments = st.lists(st.integers(0, 30), max_size=40)


def _reference(interval: int, progress: list[int], first: int = 0, limit: int = -1) -> list[bool]:
    """Plain integer loop: True when progress // interval passes the last reported multiple."""
    out, reported, count = [], first - 1, 0
    for x in progress:
        k = x // interval
        fire = k > reported and count != limit
        if fire:
            reported, count = k, count + 1
        out.append(fire)
    return out


def test_fires_at_every_multiple_when_counting_one_by_one() -> None:
    cond = IntervalConditioner(interval=5, mode="accumulative")
    assert [i for i in range(23) if cond(i)] == [0, 5, 10, 15, 20]
    assert cond.counter == 5


@given(st.integers(1, 20), _increments)
def test_accumulative_matches_reference_loop(interval: int, increments: list[int]) -> None:
    progress = list(itertools.accumulate(increments))
    cond = IntervalConditioner(interval, mode="accumulative")
    fired = [cond(x) for x in progress]
    assert fired == _reference(interval, progress)
    assert cond.counter == sum(fired)


@given(st.integers(1, 20), _increments)
def test_incremental_equals_accumulative_on_running_totals(
    interval: int, increments: list[int]
) -> None:
    incremental = IntervalConditioner(interval, mode="incremental")
    accumulative = IntervalConditioner(interval, mode="accumulative")
    assert [incremental(n) for n in increments] == [
        accumulative(x) for x in itertools.accumulate(increments)
    ]


def test_one_call_crossing_several_multiples_fires_once() -> None:
    cond = IntervalConditioner(10, mode="accumulative")
    assert [cond(x) for x in (0, 35, 36, 39, 40)] == [True, True, False, False, True]


def test_float_intervals_are_exact() -> None:
    # Ten float increments of 0.1 sum to 0.9999999999999999 in floating point, yet each one
    # reaches the next multiple of the interval 0.1.
    cond = IntervalConditioner(0.1, mode="incremental")
    assert all(cond(0.1) for _ in range(10))
    assert cond.counter == 10


@given(st.integers(1, 300), st.data())
def test_n_conditioner_fires_num_conditions_times_evenly(max_n: int, data: st.DataObject) -> None:
    num_conditions = data.draw(st.integers(1, max_n))
    cond = NConditioner(max_n, num_conditions, mode="accumulative")
    fired = [n for n in range(max_n + 50) if cond(n)]
    # The smallest integers reaching k * max_n / num_conditions, in exact integer arithmetic.
    assert fired == [-(-k * max_n // num_conditions) for k in range(1, num_conditions + 1)]
    assert fired[-1] == max_n


@given(st.integers(1, 50), st.integers(1, 10), _increments)
def test_n_conditioner_matches_reference_loop(
    max_n: int, num_conditions: int, increments: list[int]
) -> None:
    progress = list(itertools.accumulate(increments))
    cond = NConditioner(max_n * num_conditions, num_conditions, mode="incremental")
    fired = [cond(n) for n in increments]
    assert fired == _reference(max_n, progress, first=1, limit=num_conditions)
    assert sum(fired) <= num_conditions


def test_n_conditioner_with_fractional_interval() -> None:
    cond = NConditioner(max_n=10, num_conditions=3, mode="accumulative")
    assert [n for n in range(12) if cond(n)] == [4, 7, 10]  # 10/3, 20/3, 10 rounded up


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, "accumulative"), ValueError, "interval must be a finite positive number, got 0"),
        ((-1, "accumulative"), ValueError, "interval must be a finite positive"),
        ((float("inf"), "accumulative"), ValueError, "interval must be a finite positive"),
        (("10", "accumulative"), TypeError, "interval must be a real number, got str"),
        ((True, "accumulative"), TypeError, "interval must be a real number, got bool"),
        ((10, "sum"), ValueError, "mode must be one of .*got 'sum'"),
    ],
)
def test_interval_conditioner_validation(
    args: tuple[Any, ...], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        IntervalConditioner(*args)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((10, 0), ValueError, "num_conditions must be at least 1, got 0"),
        ((10, True), TypeError, "num_conditions must be an int, got bool"),
        ((10, 2.0), TypeError, "num_conditions must be an int, got float"),
        ((0, 2), ValueError, "max_n must be a finite positive number, got 0"),
        ((10, 2, "x"), ValueError, "mode must be one of"),
    ],
)
def test_n_conditioner_validation(
    args: tuple[Any, ...], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        NConditioner(*args)


@pytest.mark.parametrize(
    ("n", "error"), [(-1, ValueError), (float("nan"), ValueError), ("3", TypeError)]
)
def test_progress_must_be_a_non_negative_number(n: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="n must be a"):
        IntervalConditioner(10)(n)


def test_ints_beyond_floats_count_exactly() -> None:
    # float(10**400) overflows: ints stay exact instead of raising OverflowError.
    big = 10**400
    cond = IntervalConditioner(big)
    assert [cond(n) for n in (0, big - 1, big, 2 * big + 1)] == [True, False, True, True]
    assert IntervalConditioner(10)(big) is True
    n_cond = NConditioner(max_n=big, num_conditions=3)
    assert n_cond.interval == math.inf
    assert [n_cond(n) for n in (0, big // 3, big // 3 + 1, big)] == [False, False, True, True]
