"""The lines printed by :meth:`lagom.logger.Logger.dump` (private to lagom.logger)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["dump_lines"]

#: The most tabs before a line: wider than any screen; ``indent=10**10`` would build 10 GB.
_MAX_INDENT = 100


def dump_lines(
    logs: Mapping[str, list[Any]], keys: object, index: object, indent: object, border: object
) -> list[str]:
    r"""Check the arguments of ``dump`` and return its lines, without newlines.

    One line ``'\t' * indent + f'{name}: {value}'`` per key, where ``name`` is the key with
    ``_`` replaced by spaces and each word capitalized and ``value`` is the key's whole list
    (``index=None``), one element (an int) or a list of elements (a list of ints); a non-empty
    ``border`` adds a line before and after. Everything is checked before anything is
    formatted, so a bad argument prints nothing.
    """
    if keys is None:
        keys = list(logs)
    elif isinstance(keys, str) or not isinstance(keys, Sequence):
        raise TypeError(f"keys must be a list of str or None, got {type(keys).__name__}")
    for key in keys:
        if key not in logs:
            raise KeyError(f"key {key!r} was never logged; logged keys: {list(logs)}")
    indices = _check_index(index)
    if isinstance(indent, bool) or not isinstance(indent, int):
        raise TypeError(f"indent must be an int, got {type(indent).__name__}")
    if not 0 <= indent <= _MAX_INDENT:
        raise ValueError(f"indent must be in [0, {_MAX_INDENT}], got {indent}")
    if not isinstance(border, str):
        raise TypeError(f"border must be a str, got {type(border).__name__}")

    lines = []
    for key in keys:
        values = logs[key]
        value: Any = values
        if isinstance(indices, int):
            value = _at(key, values, indices)
        elif indices is not None:
            value = [_at(key, values, i) for i in indices]
        name = key.strip().replace("_", " ").title()
        lines.append("\t" * indent + f"{name}: {value}")
    return [border, *lines, border] if border else lines


def _as_int(x: object) -> int | None:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        return None
    return int(x)


def _check_index(index: object) -> int | list[int] | None:
    if index is None:
        return None
    single = _as_int(index)
    if single is not None:
        return single
    if isinstance(index, Sequence) and not isinstance(index, str):
        indices = [_as_int(i) for i in index]
        if all(i is not None for i in indices):
            return [i for i in indices if i is not None]
    raise TypeError(f"index must be an int, a list of int or None, got {index!r}")


def _at(key: str, values: list[Any], i: int) -> Any:
    if not -len(values) <= i < len(values):
        raise IndexError(f"index {i} is out of range for key {key!r} with {len(values)} values")
    return values[i]
