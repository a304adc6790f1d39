"""Strategies for the batched metrics: discount factors and ``[T, N]`` reward/value batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom._checks import check_bool, check_int, check_real, is_int
from lagom._types import BoolArray, FloatArray, NDArray

__all__ = ["EndKind", "ValueBatch", "discounts", "value_arrays", "value_batches"]

#: How a step may end its episode: a termination, a truncation, or both flags at once
#: (which lagom counts as a termination).
EndKind = Literal["terminated", "truncated", "both"]
FloatDType = type[np.float32] | type[np.float64]

_END_KINDS: tuple[EndKind, ...] = ("terminated", "truncated", "both")
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_shape(name: str, shape: object) -> tuple[int, ...]:
    """``shape`` (an int or a tuple of ints, each ``>= 0``) as a tuple."""
    if is_int(shape):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of ints, got {type(shape).__name__} {shape!r}")
    return tuple(check_int(f"{name}[{i}]", n, minimum=0) for i, n in enumerate(shape))


def _check_dtype(dtype: object) -> FloatDType:
    """``np.float32`` or ``np.float64`` (a type or a dtype), else ``TypeError``."""
    try:
        checked = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        checked = None
    if dtype is None or checked not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
    return np.float32 if checked == np.float32 else np.float64


def _check_bounds(min_value: object, max_value: object) -> tuple[float, float]:
    """The element bounds: finite float32 numbers with ``min_value <= max_value``."""
    low = check_real("min_value", min_value, low=-_FLOAT32_MAX, high=_FLOAT32_MAX)
    high = check_real("max_value", max_value, low=-_FLOAT32_MAX, high=_FLOAT32_MAX)
    if low > high:
        raise ValueError(f"min_value must be at most max_value, got {low} and {high}")
    return low, high


def discounts(*, edges: bool = True) -> st.SearchStrategy[float]:
    """Discount factors (``γ`` or ``λ``) in ``[0, 1]``, the edges 0 and 1 drawn often.

    Args:
        edges: draw 0.0 and 1.0 about a third of the time each way (the reductions
            ``γ = 0``, ``λ = 0``, ``λ = 1`` live there); ``False`` draws uniformly.

    Returns:
        A strategy of Python floats in ``[0, 1]``.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> find(discounts(), lambda g: g > 0.5, settings=fixed)
        1.0
    """
    inside = st.floats(0.0, 1.0, allow_nan=False)
    edges = check_bool("edges", edges)
    return st.one_of(st.sampled_from([0.0, 1.0]), inside) if edges else inside


def value_arrays(
    shape: tuple[int, ...],
    dtype: FloatDType = np.float64,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> st.SearchStrategy[FloatArray]:
    """Finite float arrays of ``shape`` with elements in ``[min_value, max_value]``.

    Elements are float32-representable whatever ``dtype`` is, so that a float32 copy of
    a float64 array holds the same numbers.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> a = find(value_arrays((2, 3), np.float32), lambda a: a.sum() > 25, settings=fixed)
        >>> a.shape, a.dtype, bool(np.abs(a).max() <= 10)
        ((2, 3), dtype('float32'), True)
    """
    shape = _check_shape("shape", shape)
    dtype = _check_dtype(dtype)
    min_value, max_value = _check_bounds(min_value, max_value)
    elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=32)
    return hnp.arrays(dtype, shape, elements=elements)


@attrs.frozen(eq=False)
class ValueBatch:
    """A time-major ``[T, *B]`` batch as a vectorized environment records it.

    ``next_values[t]`` is the value of the observation that followed step ``t``: equal to
    ``values[t + 1]`` wherever step ``t`` did not end its episode (the same observation),
    and an independent draw elsewhere (the value of the true final observation, or of the
    observation after the batch). So the batch is consistent with lagom's convention and
    with code that reads ``values[t + 1]`` inside an episode.

    Attributes:
        rewards: ``[T, *B]`` rewards ``r_t``.
        values: ``[T, *B]`` values ``V(s_t)``.
        next_values: ``[T, *B]`` values ``V(s_{t+1})`` of the true next observations.
        terminated: ``[T, *B]`` booleans: step ``t`` reached a terminal state.
        truncated: ``[T, *B]`` booleans: the episode was cut after step ``t``.

    Example:
        >>> batch = ValueBatch(
        ...     rewards=np.ones((2, 1)), values=np.zeros((2, 1)),
        ...     next_values=np.array([[0.0], [5.0]]),
        ...     terminated=np.zeros((2, 1), bool), truncated=np.array([[False], [True]]),
        ... )
        >>> rewards, values, next_values, terminated, truncated = batch
        >>> batch.T, batch.dtype, batch.done[:, 0].tolist()
        (2, dtype('float64'), [False, True])
        >>> batch.astype(np.float32).rewards.dtype
        dtype('float32')
        >>> from lagom.metric import batched_returns
        >>> batched_returns(0.5, batch.rewards, batch.next_values, **batch.flags)
        array([[2.75],
               [3.5 ]])
    """

    rewards: FloatArray
    values: FloatArray
    next_values: FloatArray
    terminated: BoolArray
    truncated: BoolArray

    @property
    def T(self) -> int:
        """The number of steps."""
        return int(self.rewards.shape[0])

    @property
    def dtype(self) -> np.dtype[Any]:
        """The float dtype of the arrays."""
        return self.rewards.dtype

    @property
    def done(self) -> BoolArray:
        """``terminated | truncated``: step ``t`` ended its episode."""
        done: BoolArray = self.terminated | self.truncated
        return done

    @property
    def flags(self) -> dict[str, BoolArray]:
        """``{"terminated": ..., "truncated": ...}``, to pass on as keyword arguments."""
        return {"terminated": self.terminated, "truncated": self.truncated}

    def __iter__(self) -> Iterator[NDArray[Any]]:
        """Unpack as ``rewards, values, next_values, terminated, truncated``."""
        return iter((self.rewards, self.values, self.next_values, self.terminated, self.truncated))

    def astype(self, dtype: FloatDType) -> ValueBatch:
        """The same batch with float arrays of ``dtype`` (new arrays, flags copied too)."""
        return ValueBatch(
            rewards=self.rewards.astype(dtype),
            values=self.values.astype(dtype),
            next_values=self.next_values.astype(dtype),
            terminated=self.terminated.copy(),
            truncated=self.truncated.copy(),
        )


@st.composite
def value_batches(
    draw: st.DrawFn,
    *,
    min_T: int = 1,
    max_T: int = 20,
    min_N: int = 1,
    max_N: int = 4,
    batch_shapes: Sequence[tuple[int, ...]] | None = None,
    dtype: FloatDType | None = None,
    end_probability: float | None = None,
    end_kinds: Sequence[EndKind] = _END_KINDS,
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> ValueBatch:
    """Batches of rewards, values and next values with episode ends of every kind.

    Args:
        min_T: fewest steps.
        max_T: most steps.
        min_N: fewest columns (environments), for the default ``[T, N]`` shape.
        max_N: most columns.
        batch_shapes: the shapes ``B`` of a ``[T, *B]`` batch to choose from, instead of
            ``(N,)`` with ``N`` in ``[min_N, max_N]``; ``()`` gives one ``[T]`` episode.
        dtype: ``np.float32`` or ``np.float64``; ``None`` draws either.
        end_probability: the chance that a step ends its episode (drawn by a numpy
            generator that Hypothesis seeds); ``None`` mixes sparse and dense ends
            (Hypothesis picks them one by one, and shrinks towards fewer ends).
        end_kinds: which kinds of ends may occur (all by default; an empty sequence
            gives no ends).
        min_value: least reward or value.
        max_value: greatest reward or value.

    Returns:
        A strategy of :class:`ValueBatch`; every float is finite.

    Raises:
        TypeError: an argument has the wrong type (``end_kinds`` a bare str, ``dtype``
            not a float dtype, a shape not a tuple of ints).
        ValueError: a bound is inconsistent or not finite, ``end_probability`` is not in
            ``[0, 1]``, ``end_kinds`` holds another kind, or ``batch_shapes`` is empty.

    Example:
        >>> from hypothesis import find, given, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> batch = find(
        ...     value_batches(dtype=np.float32), lambda b: b.truncated.any(), settings=fixed
        ... )
        >>> batch.dtype, bool(batch.done.any())
        (dtype('float32'), True)

        Inside an episode, the next value is the value of the next step:

        >>> @given(value_batches())
        ... def test_next_values_match_inside_episodes(batch):
        ...     inside = ~batch.done[:-1]
        ...     assert (batch.next_values[:-1][inside] == batch.values[1:][inside]).all()
        >>> test_next_values_match_inside_episodes()
    """
    min_T, max_T = check_int("min_T", min_T, minimum=None), check_int("max_T", max_T, minimum=None)
    min_N, max_N = check_int("min_N", min_N, minimum=None), check_int("max_N", max_N, minimum=None)
    if not 0 <= min_T <= max_T or not 1 <= min_N <= max_N:
        raise ValueError(
            "need 0 <= min_T <= max_T and 1 <= min_N <= max_N, got "
            f"{min_T=}, {max_T=}, {min_N=}, {max_N=}"
        )
    if end_probability is not None:
        end_probability = check_real("end_probability", end_probability, low=0.0, high=1.0)
    # An unknown kind would end episodes with neither flag set: batches that lie.
    if isinstance(end_kinds, str) or not isinstance(end_kinds, Sequence):
        raise TypeError(f"end_kinds must be a sequence of {list(_END_KINDS)}, got {end_kinds!r}")
    for kind in end_kinds:
        if kind not in _END_KINDS:
            raise ValueError(f"end_kinds must hold only {list(_END_KINDS)}, got {kind!r}")
    if batch_shapes is not None:
        if not isinstance(batch_shapes, (list, tuple)):
            raise TypeError(f"batch_shapes must be a list of shapes, got {batch_shapes!r}")
        if not batch_shapes:
            raise ValueError("batch_shapes must hold at least one shape, got none")
        batch_shapes = [_check_shape(f"batch_shapes[{i}]", b) for i, b in enumerate(batch_shapes)]
    if dtype is not None:
        dtype = _check_dtype(dtype)
    min_value, max_value = _check_bounds(min_value, max_value)
    T = draw(st.integers(min_T, max_T), label="T")
    if batch_shapes is None:
        batch_shape: tuple[int, ...] = (draw(st.integers(min_N, max_N), label="N"),)
    else:
        batch_shape = draw(st.sampled_from(list(batch_shapes)), label="batch shape")
    shape = (T, *batch_shape)
    if dtype is None:
        options: list[FloatDType] = [np.float64, np.float32]
        dtype = draw(st.sampled_from(options), label="dtype")
    # One draw of the three float arrays (rewards, values, final values) and one of the
    # end codes keeps generation cheap: Hypothesis's cost is per array as much as per element.
    floats = draw(value_arrays((3, *shape), dtype, min_value=min_value, max_value=max_value))
    rewards, values, final_values = floats[0].copy(), floats[1].copy(), floats[2].copy()
    # End codes: 0 is no end, k > 0 the k-th of end_kinds.
    kinds = list(end_kinds)
    if not kinds:
        codes = np.zeros(shape, np.int8)
    elif end_probability is None:
        # A zero fill makes sparse ends; Hypothesis's own fill often makes dense ones.
        fill = draw(st.sampled_from([st.just(0), None]))
        codes = draw(hnp.arrays(np.int8, shape, elements=st.integers(0, len(kinds)), fill=fill))
    else:
        ends = _draw_ends(draw, shape, end_probability)
        which = draw(hnp.arrays(np.int8, shape, elements=st.integers(1, len(kinds))))
        codes = np.where(ends, which, 0)
    names = np.asarray(["", *kinds])[codes]
    ends = codes > 0
    terminated = (names == "terminated") | (names == "both")
    truncated = (names == "truncated") | (names == "both")
    next_values = final_values.copy()
    inside = ~ends[:-1]
    next_values[:-1][inside] = values[1:][inside]
    return ValueBatch(rewards, values, next_values, terminated, truncated)


def _draw_ends(draw: st.DrawFn, shape: tuple[int, ...], p: float) -> BoolArray:
    # Hypothesis's own draws lean towards edge values, so an exact frequency comes from a
    # numpy generator seeded by Hypothesis (these ends shrink with the seed, as a whole).
    seed = draw(st.integers(0, 2**32 - 1), label="ends seed")
    ends: BoolArray = np.random.default_rng(seed).random(shape) < p
    return ends
