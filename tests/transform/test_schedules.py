"""Tests for ``lagom.transform.schedules`` (LinearSchedule)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import LinearSchedule

_values = st.floats(-1e6, 1e6, allow_nan=False)


def test_reference_example_is_exact() -> None:
    scheduler = LinearSchedule(initial=1.0, final=0.1, N=3, start=0)
    assert [scheduler(i) for i in range(6)] == [1.0, 0.7, 0.4, 0.1, 0.1, 0.1]


def test_start_delays_the_change() -> None:
    scheduler = LinearSchedule(initial=0.0, final=8.0, N=4, start=3)
    assert [scheduler(i) for i in range(9)] == [0.0, 0.0, 0.0, 0.0, 2.0, 4.0, 6.0, 8.0, 8.0]


@given(_values, _values, st.integers(1, 50), st.integers(0, 50))
def test_monotone_clamped_and_held(initial: float, final: float, N: int, start: int) -> None:
    scheduler = LinearSchedule(initial, final, N, start)
    values = [scheduler(x) for x in range(start + N + 5)]
    low, high = min(initial, final), max(initial, final)
    assert all(low <= v <= high for v in values)
    steps = [b - a for a, b in itertools.pairwise(values)]
    if final >= initial:
        assert all(step >= 0 for step in steps)
    else:
        assert all(step <= 0 for step in steps)
    assert values[: start + 1] == [initial] * (start + 1)
    assert values[start + N :] == [final] * 5
    for x in range(start + 1, start + N):
        expected = initial + (final - initial) * (x - start) / N
        assert values[x] == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_is_an_immutable_value() -> None:
    scheduler = LinearSchedule(1.0, 0.0, 10)
    assert scheduler == LinearSchedule(1.0, 0.0, 10, 0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        scheduler.N = 3  # type: ignore[misc]
    assert isinstance(LinearSchedule(1, 0, 2).initial, float)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((1.0, 0.0, 0), ValueError, "N must be at least 1"),
        ((1.0, 0.0, -2), ValueError, "N must be at least 1"),
        ((1.0, 0.0, 2, -1), ValueError, "start must be at least 0"),
        ((1.0, 0.0, 2.0), TypeError, "N must be an int"),
        ((1.0, 0.0, 2, 0.5), TypeError, "start must be an int"),
        ((float("inf"), 0.0, 2), ValueError, "initial must be finite"),
        ((1.0, float("nan"), 2), ValueError, "final must not be NaN"),
        (("1", 0.0, 2), TypeError, "initial must be a real number"),
    ],
)
def test_rejects_bad_parameters(args: tuple[Any, ...], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        LinearSchedule(*args)


def test_rejects_bad_timesteps() -> None:
    scheduler = LinearSchedule(1.0, 0.0, 2)
    with pytest.raises(ValueError, match="x must be at least 0"):
        scheduler(-1)
    with pytest.raises(TypeError, match="x must be an int"):
        scheduler(1.5)  # type: ignore[arg-type]


@given(st.floats(1e-6, 10.0), st.integers(1, 10**6), st.integers(0, 2 * 10**6))
def test_decay_to_zero_and_constant_as_training_schedules(initial: float, N: int, x: int) -> None:
    """A learning rate or clip range: ``initial · (1 - x/N)`` floored at 0, or held constant."""
    assert LinearSchedule(initial, 0.0, N)(x) == pytest.approx(
        initial * max(0.0, 1.0 - x / N), rel=1e-12, abs=1e-15
    )
    assert LinearSchedule(initial, initial, N)(x) == initial


def test_numpy_integer_steps_become_python_ints() -> None:
    # np.uint8(100) + np.uint8(200) wraps to 44: the schedule was already at its end.
    schedule = LinearSchedule(1.0, 0.0, N=np.uint8(200), start=np.uint8(100))
    assert type(schedule.N) is int
    assert type(schedule.start) is int
    assert schedule(150) == 0.75
    long = LinearSchedule(1.0, 0.0, N=np.int32(2**31 - 1), start=np.int32(10))
    assert 0.999 < long(11) < 1.0


def test_endpoints_whose_difference_overflows_give_finite_values() -> None:
    schedule = LinearSchedule(-1.7e308, 1.7e308, N=10)
    values = [schedule(x) for x in range(11)]
    assert values[5] == 0.0
    assert all(math.isfinite(v) for v in values)
    assert values == pytest.approx([1.7e308 * (x / 5 - 1) for x in range(11)], rel=1e-12)
    assert values == sorted(values)
