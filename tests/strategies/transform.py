"""Hypothesis strategies for ``lagom.transform``: sequences, curves, batches, tree writes."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "batch_chunks",
    "curve_batches",
    "finite_floats",
    "float_arrays",
    "polynomial_signals",
    "powers_of_two",
    "sequence_batches",
    "tree_writes",
]

#: Moderate magnitudes: large enough to exercise rounding, small enough that sums of a few
#: hundred terms stay far from overflow.
finite_floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)

powers_of_two = st.sampled_from([1, 2, 4, 8, 16, 32])


def float_arrays(
    shape: Any, dtype: Any = np.float64, elements: st.SearchStrategy[float] = finite_floats
) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    """Arrays of ``shape`` (a tuple or a strategy of tuples) with finite elements."""
    return hnp.arrays(dtype, shape, elements=elements)


@st.composite
def sequence_batches(draw: st.DrawFn, max_T: int = 40) -> np.ndarray[Any, Any]:
    """A ``[T]`` sequence or an ``[N, T]`` batch of sequences, float64 or float32."""
    T = draw(st.integers(0, max_T))
    shape = draw(st.sampled_from([(T,), (1, T), (3, T)]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elements = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def batch_chunks(draw: st.DrawFn, shape: tuple[int, ...] = ()) -> list[np.ndarray[Any, Any]]:
    """A list of ``[B_i, *shape]`` float64 batches (some may be empty), at least one sample."""
    sizes = draw(st.lists(st.integers(0, 6), min_size=1, max_size=6).filter(lambda s: sum(s) > 0))
    return [draw(float_arrays((size, *shape))) for size in sizes]


@st.composite
def polynomial_signals(draw: st.DrawFn) -> tuple[np.ndarray[Any, Any], int, int]:
    """``(signal, window_length, polyorder)`` with a signal of degree ``<= polyorder``."""
    polyorder = draw(st.integers(0, 4))
    window_length = draw(st.integers(polyorder + 1, 13).map(lambda w: w | 1))
    T = draw(st.integers(window_length, 40))
    degree = draw(st.integers(0, polyorder))
    coefficients = draw(st.lists(st.floats(-2, 2), min_size=degree + 1, max_size=degree + 1))
    t = np.linspace(-1.0, 1.0, T)
    return np.polyval(coefficients, t), window_length, polyorder


@st.composite
def curve_batches(
    draw: st.DrawFn, integer_x: bool = False
) -> tuple[list[list[float]], list[list[float]]]:
    """A batch of 1 to 4 curves with strictly increasing x values (integers if asked)."""
    xs: list[list[float]] = []
    ys: list[list[float]] = []
    for _ in range(draw(st.integers(1, 4))):
        coordinates = (
            st.integers(0, 30).map(float) if integer_x else st.floats(-100, 100, allow_nan=False)
        )
        points = draw(st.lists(coordinates, min_size=1, max_size=10, unique=True))
        xs.append(sorted(points))
        ys.append(draw(st.lists(finite_floats, min_size=len(points), max_size=len(points))))
    return xs, ys


@st.composite
def tree_writes(
    draw: st.DrawFn, integer_values: bool = False
) -> tuple[int, list[tuple[list[int], list[float]]]]:
    """``(capacity, writes)``: each write is a batch of indices (repeats allowed) and values.

    Values are non-negative (valid priorities); integer-valued floats keep every sum exact.
    """
    capacity = draw(powers_of_two)
    values = (
        st.integers(0, 20).map(float)
        if integer_values
        else st.floats(0.0, 1e3, allow_nan=False, allow_infinity=False)
    )
    writes = []
    for _ in range(draw(st.integers(1, 4))):
        size = draw(st.integers(1, capacity + 2))
        indices = draw(st.lists(st.integers(0, capacity - 1), min_size=size, max_size=size))
        batch = draw(st.lists(values, min_size=size, max_size=size))
        writes.append((indices, batch))
    return capacity, writes
