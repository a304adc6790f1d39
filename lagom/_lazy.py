"""Names a package imports on first use, through its module ``__getattr__`` (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_attribute"]


def lazy_attribute(
    package: str, names: Mapping[str, str], namespace: MutableMapping[str, Any], name: str
) -> Any:
    """The attribute ``name`` of the module ``names[name]``, imported now and kept in
    ``namespace`` (the package's ``globals()``) so that the next access is a plain lookup.

    Raises:
        AttributeError: ``name`` is not one of ``names`` (as a missing attribute does).

    Example:
        >>> space: dict[str, Any] = {}
        >>> lazy_attribute("pkg", {"sqrt": "math"}, space, "sqrt")(4.0), "sqrt" in space
        (2.0, True)
        >>> lazy_attribute("pkg", {}, space, "nope")
        Traceback (most recent call last):
        ...
        AttributeError: module 'pkg' has no attribute 'nope'
    """
    module = names.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value
