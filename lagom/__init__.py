"""lagom: a light, strictly typed PyTorch infrastructure for prototyping RL algorithms.

The top level re-exports the documented names. Names whose modules need an optional
dependency (torch, gymnasium, cma) are resolved lazily on first access, so
``import lagom`` needs only numpy and attrs.

Example:
    >>> import lagom
    >>> lagom.StepType.FIRST
    <StepType.FIRST: 0>
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "StepType": "lagom.data",
    "TimeStep": "lagom.data",
    "Trajectory": "lagom.data",
    "Rollout": "lagom.data",
}

__all__ = ["__version__", *sorted(_LAZY)]

if TYPE_CHECKING:
    from lagom.data import Rollout, StepType, TimeStep, Trajectory


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lagom' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
