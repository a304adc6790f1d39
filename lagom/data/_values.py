"""Equality and stacking for the loosely typed payloads of lagom's records (private).

Observations, actions and infos may be numpy arrays, nested mappings or sequences of
them. Python's ``==`` on arrays returns an array, so attrs' generated ``__eq__`` cannot
compare such fields; :func:`values_equal` does, recursively and without broadcasting.
:func:`stack_values` turns a sequence of them into one array where that is possible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lagom._checks import is_tensor
from lagom._types import NDArray
from lagom.data._freeze import _tensor_array

__all__ = ["stack_values", "values_equal"]


def values_equal(a: Any, b: Any) -> bool:
    """Return whether ``a`` and ``b`` hold the same value.

    Arrays are equal when both are arrays with the same shape and equal elements (no
    broadcasting; an array never equals a list); so are torch tensors (a tensor equals only
    a tensor). Mappings are equal when they have the same keys and equal values; lists and
    tuples when they have the same type, length and equal items. Anything else falls back
    to ``==``.

    Example:
        >>> values_equal({"x": np.zeros(2)}, {"x": np.zeros(2)})
        True
        >>> values_equal(np.zeros(2), np.zeros(3))
        False
    """
    if a is b:
        return True
    if is_tensor(a) or is_tensor(b):
        # Torch's == is elementwise and its truth value raises (an agent's tensors in an
        # info): compared as arrays, a tensor equals only a tensor.
        if not (is_tensor(a) and is_tensor(b)):
            return False
        return values_equal(_tensor_array(a), _tensor_array(b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape:
            return False
        if a.dtype == object or b.dtype == object:
            return all(values_equal(x, y) for x, y in zip(a.flat, b.flat, strict=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or a.keys() != b.keys():
            return False
        return all(values_equal(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if type(a) is not type(b) or len(a) != len(b):
            return False
        return all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        # Some types return objects without a truth value from ``==``: not the same value.
        return False


def _stack_keeps_values(dtypes: set[np.dtype[Any]]) -> bool:
    """Whether stacking arrays of ``dtypes`` keeps every value as it was: one kind, or
    numbers whose common dtype is not a float made from integers alone (int64 with uint64
    is float64, which rounds above 2**53). Bools, text and numbers do not mix (``[True, 2]``
    would become ``[1, 2]``, ``["left", 1]`` the text ``"1"``)."""
    kinds = {dtype.kind for dtype in dtypes}
    if len(kinds) == 1 and len(dtypes) == 1:
        return True
    if not kinds <= set("iuf"):
        return len(kinds) == 1  # one kind of text (of different lengths), or of bools
    return "f" in kinds or np.result_type(*dtypes).kind != "f"


def stack_values(items: Sequence[Any]) -> NDArray[Any]:
    """Stack equally shaped non-object items into one array, else an object array of them
    (also when stacking would change a value: bools with numbers, text with numbers, int64
    with uint64).

    Example:
        >>> stack_values([np.zeros(2), np.ones(2)])
        array([[0., 0.], [1., 1.]])
        >>> stack_values([{"a": 1}, {"a": 2}])
        array([{'a': 1}, {'a': 2}], dtype=object)
        >>> stack_values([]).shape
        (0,)
    """
    if not items:
        return np.empty((0,))
    try:
        # A tensor (an action sampled by a torch policy) is read detached: np.asarray fails
        # for one that requires grad.
        arrays = [_tensor_array(item) if is_tensor(item) else np.asarray(item) for item in items]
    except ValueError:
        arrays = []
    if (
        arrays
        and all(array.dtype != object for array in arrays)
        and len({array.shape for array in arrays}) == 1
        and _stack_keeps_values({array.dtype for array in arrays})
    ):
        return np.stack(arrays)
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out
