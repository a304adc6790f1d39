"""Tests for ``lagom.data._values``: value equality and stacking of record payloads."""

from __future__ import annotations

import numpy as np
import pytest

from lagom.data import StepType, TimeStep
from lagom.data._values import stack_values, values_equal


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (np.arange(3), np.arange(3), True),
        (np.arange(3), np.arange(3.0), True),
        (np.arange(3), np.arange(1, 4), False),
        (np.zeros(1), np.zeros((1, 1)), False),
        (np.zeros(2), [0.0, 0.0], False),
        ({"a": np.ones(2)}, {"a": np.ones(2)}, True),
        ({"a": np.ones(2)}, {"a": np.ones(2), "b": 0}, False),
        ({"a": 1}, [("a", 1)], False),
        ([np.ones(2), 1], [np.ones(2), 1], True),
        ([1, 2], (1, 2), False),
        ([1, 2], [1, 2, 3], False),
        (np.array([{"a": np.ones(2)}], dtype=object), np.array([{"a": np.ones(2)}]), True),
        (np.array([{"a": 1}], dtype=object), np.array([{"a": 2}], dtype=object), False),
        (1.0, 1, True),
        ("a", "b", False),
        (None, None, True),
    ],
)
def test_values_equal(a: object, b: object, equal: bool) -> None:
    assert values_equal(a, b) is equal
    assert values_equal(b, a) is equal


def test_values_equal_survives_objects_without_a_truth_value() -> None:
    class Weird:
        def __eq__(self, other: object) -> bool:
            raise TypeError("no")

    assert values_equal(Weird(), Weird()) is False


def test_stack_values() -> None:
    stacked = stack_values([np.zeros((2, 3)), np.ones((2, 3))])
    assert stacked.shape == (2, 2, 3)
    assert stacked.dtype == np.float64
    assert stacked.tolist() == [[[0.0] * 3] * 2, [[1.0] * 3] * 2]  # in order, along axis 0
    assert stack_values([1, 2, 3]).tolist() == [1, 2, 3]
    mixed = stack_values([np.zeros(2), np.arange(3.0)])
    assert mixed.dtype == object
    assert [x.tolist() for x in mixed] == [[0.0, 0.0], [0.0, 1.0, 2.0]]
    assert stack_values([]).shape == (0,)


def test_records_holding_torch_tensors_compare_by_value() -> None:
    torch = pytest.importorskip("torch")

    # torch's == is elementwise: its truth value raised RuntimeError ("Boolean value of
    # Tensor with more than one value is ambiguous", or a size mismatch) from step == step.
    def step(logp: object) -> TimeStep:
        return TimeStep(StepType.MID, 0, 1.0, info={"logp": logp})

    assert step(torch.zeros(2)) == step(torch.zeros(2))
    assert step(torch.zeros(2)) != step(torch.ones(2))
    assert step(torch.zeros(2)) != step(torch.zeros(3))
    assert step(torch.zeros(2, requires_grad=True)) == step(torch.zeros(2))
    assert not values_equal(torch.zeros(2), np.zeros(2))
