"""Tests for ``lagom.transform.summary`` (Describe and describe)."""

from __future__ import annotations

import statistics
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import Describe, describe
from tests.strategies.transform import finite_floats, float_arrays


def test_record_fields_and_repr() -> None:
    record = Describe(count=3, mean=2.0, std=0.5, min=1.5, max=2.5)
    assert repr(record) == "count: 3\nmean: 2.0\nstd: 0.5\nmin: 1.5\nmax: 2.5"
    indented = Describe(3, 2.0, 0.5, 1.5, 2.5, repr_indent=2, repr_prefix="loss:\n")
    assert repr(indented) == (
        "loss:\n\t\tcount: 3\n\t\tmean: 2.0\n\t\tstd: 0.5\n\t\tmin: 1.5\n\t\tmax: 2.5"
    )


def test_record_is_frozen_and_compares_arrays() -> None:
    record = Describe(2, np.array([1.0, 2.0]), np.zeros(2), np.ones(2), np.ones(2))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.count = 3  # type: ignore[misc]
    same = Describe(2, np.array([1.0, 2.0]), np.zeros(2), np.ones(2), np.ones(2))
    assert record == same
    assert record != Describe(2, np.array([1.0, 2.5]), np.zeros(2), np.ones(2), np.ones(2))


@given(st.lists(finite_floats, min_size=1, max_size=30))
def test_describe_equals_statistics_module(values: list[float]) -> None:
    record = describe(values)
    assert record is not None
    assert record.count == len(values)
    assert isinstance(record.mean, float)
    assert record.mean == pytest.approx(statistics.fmean(values), abs=1e-9)
    assert record.std == pytest.approx(statistics.pstdev(values), abs=1e-6)
    assert record.min == min(values)
    assert record.max == max(values)


@given(float_arrays(st.tuples(st.integers(1, 5), st.integers(1, 5))), st.sampled_from([0, 1, -1]))
def test_describe_reduces_the_given_axis(x: np.ndarray[Any, Any], axis: int) -> None:
    record = describe(x, axis=axis)
    assert record is not None
    assert record.count == x.shape[axis]
    columns = np.moveaxis(x, axis, -1).tolist()
    np.testing.assert_allclose(record.mean, [statistics.fmean(c) for c in columns], atol=1e-9)
    np.testing.assert_array_equal(record.min, [min(c) for c in columns])
    np.testing.assert_array_equal(record.max, [max(c) for c in columns])


def test_describe_passes_repr_options_and_handles_nothing() -> None:
    record = describe([1, 2, 3, 4], repr_indent=1, repr_prefix="returns\n")
    assert repr(record).splitlines() == [
        "returns",
        "\tcount: 4",
        "\tmean: 2.5",
        f"\tstd: {np.sqrt(1.25)}",
        "\tmin: 1.0",
        "\tmax: 4.0",
    ]
    assert describe(None) is None
    assert describe([]) is None
    assert describe(np.zeros((3, 0))) is None


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one dimension"):
        describe(3.0)
    with pytest.raises(ValueError, match="axis must be in"):
        describe([1.0, 2.0], axis=1)
    with pytest.raises(TypeError, match="real numbers"):
        describe(["a"])
    with pytest.raises(ValueError, match="count must be at least 0"):
        Describe(-1, 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="repr_indent must be at least 0"):
        Describe(1, 0.0, 0.0, 0.0, 0.0, repr_indent=-1)
    with pytest.raises(TypeError, match="repr_prefix must be a str"):
        Describe(1, 0.0, 0.0, 0.0, 0.0, repr_prefix=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="count must be an int"):
        Describe(1.5, 0.0, 0.0, 0.0, 0.0)  # type: ignore[arg-type]


def test_describe_refuses_non_finite_data_with_its_index() -> None:
    with pytest.raises(ValueError, match="x must be finite, got nan at index 2"):
        describe([1.0, 2.0, float("nan")])
    with pytest.raises(ValueError, match=r"x must be finite, got inf at index \[0, 1\]"):
        describe([[1.0, float("inf")], [0.0, 1.0]], axis=0)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"mean": "a"}, TypeError, "mean must be a real number or an array of them, got str"),
        ({"std": True}, TypeError, "std must be a real number"),
        ({"min": float("nan")}, ValueError, "min must be finite, got nan"),
        ({"max": [1.0, float("inf")]}, ValueError, "max must be finite, got inf at index 1"),
        ({"std": -1.0}, ValueError, "std must be non-negative"),
        ({"min": 3.0}, ValueError, "min must not exceed max"),
        ({"mean": [1.0, 2.0]}, ValueError, "mean, std, min and max must have one shape"),
    ],
)
def test_describe_record_refuses_impossible_statistics(
    changes: dict[str, Any], error: type, match: str
) -> None:
    fields: dict[str, Any] = {"count": 2, "mean": 1.0, "std": 0.5, "min": 0.5, "max": 1.5}
    with pytest.raises(error, match=match):
        Describe(**{**fields, **changes})


def test_finite_values_whose_sums_overflow_are_described() -> None:
    # The mean of two float32 3e38 and the std of +-1e200 overflowed: "mean must be finite".
    big32 = describe(np.array([3e38, 3e38], np.float32))
    assert big32 is not None
    assert big32.mean == np.float32(3e38)
    assert big32.std == 0.0
    wide = describe([1e200, -1e200])
    assert wide is not None
    assert wide.mean == 0.0
    assert wide.std == pytest.approx(1e200)


def test_an_indent_wider_than_any_screen_is_refused() -> None:
    # Before: repr() built a 10 GB string of tabs (MemoryError, or minutes of printing).
    with pytest.raises(ValueError, match="repr_indent must be at most 100, got 10000000000"):
        describe([1.0, 2.0], repr_indent=10**10)
