"""Shared checks for the immutability of ``lagom.data``'s records (not collected by pytest).

- :func:`payloads`: Hypothesis strategy for the loosely typed payloads a record may hold
  (observations, actions, infos): arrays, numbers, strings and nested lists, tuples, dicts.
- :func:`assert_deeply_frozen`: try every route to mutate a stored value in place (item
  assignment, in-place operators, ``np.copyto``, re-enabling writes, mapping methods) and
  check that each one fails.
- :func:`mutate`: change everything mutable inside a caller's payload, in place, so that a
  test can check that the record built from it did not change.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["assert_deeply_frozen", "assert_read_only_array", "infos", "mutate", "payloads"]

_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)

_arrays = st.one_of(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), elements=_finite),
    hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)),
    hnp.arrays(np.bool_, hnp.array_shapes(min_dims=1, max_dims=1, max_side=3)),
)
_leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _finite, st.text(max_size=3))
_keys = st.text("abcxyz", min_size=1, max_size=2)


def payloads(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Arrays and scalars, nested in lists, tuples and dicts (no NaN, so equality holds)."""
    return st.recursive(
        st.one_of(_leaves, _arrays),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.lists(children, max_size=3).map(tuple),
            st.dictionaries(_keys, children, max_size=3),
        ),
        max_leaves=max_leaves,
    )


def infos() -> st.SearchStrategy[dict[str, Any]]:
    """Info dicts whose values are payloads."""
    return st.dictionaries(_keys, payloads(), max_size=4)


def assert_read_only_array(array: Any) -> None:
    """Every in-place route to change ``array`` fails, and its writes cannot be re-enabled."""
    assert isinstance(array, np.ndarray)
    assert not array.flags.writeable
    index = (0,) * array.ndim
    with pytest.raises(ValueError, match="read-only"):
        array[...] = array
    if array.size:
        with pytest.raises(ValueError, match="read-only"):
            array[index] = array[index]
    if array.dtype != object:
        with pytest.raises(ValueError, match="read-only"):
            array += array
        with pytest.raises(ValueError, match="read-only"):
            np.copyto(array, array.copy())
        with pytest.raises(ValueError, match="read-only"):
            np.add(array, array, out=array, casting="unsafe")
        with pytest.raises(ValueError, match="read-only"):
            array.fill(array.flat[0] if array.size else 0)
    with pytest.raises(ValueError, match="WRITEABLE"):
        array.setflags(write=True)


def assert_deeply_frozen(value: Any) -> None:
    """``value`` and everything inside it resist every route to mutate it in place."""
    if isinstance(value, np.ndarray):
        assert_read_only_array(value)
        if value.dtype == object:
            for item in value.flat:
                assert_deeply_frozen(item)
    elif isinstance(value, types.MappingProxyType):
        with pytest.raises(TypeError):
            value["new key"] = 1  # type: ignore[index]
        for key in value:
            with pytest.raises(TypeError):
                del value[key]  # type: ignore[attr-defined]
            assert_deeply_frozen(value[key])
        for method in ("update", "pop", "popitem", "clear", "setdefault"):
            assert not hasattr(value, method)
    elif isinstance(value, (tuple, frozenset)):
        for item in value:
            assert_deeply_frozen(item)
    else:
        assert isinstance(value, (type(None), bool, int, float, str, bytes, np.generic)), (
            f"{type(value).__name__} is not a frozen payload"
        )


def mutate(value: Any) -> None:
    """Change, in place, every mutable object inside ``value`` (a caller's payload)."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            for item in value.flat:
                mutate(item)
        elif value.dtype == np.bool_:
            np.logical_not(value, out=value)
        else:
            value += 1
    elif isinstance(value, dict):
        for item in value.values():
            mutate(item)
        value["mutated"] = True
    elif isinstance(value, list):
        for item in value:
            mutate(item)
        value.append("mutated")
    elif isinstance(value, tuple):
        for item in value:
            mutate(item)
