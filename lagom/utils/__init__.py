"""Utilities: seeding, conversion, serialization, multiprocessing and console helpers.

Importing this package needs only the standard library and numpy: cloudpickle and pyyaml
are imported by the functions that use them, and :func:`tensorify` and :func:`numpify`
(which need torch) are loaded from ``lagom.utils.torch_utils`` on first access.

Example:
    >>> from lagom.utils import Seeder
    >>> Seeder(init_seed=0)(size=5)
    [209652396, 398764591, 924231285, 1478610112, 441365315]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lagom.utils.conditioner import IntervalConditioner, NConditioner
from lagom.utils.console import ask_yes_or_no, color_str, timed, timeit
from lagom.utils.lock import FolderLockedError, folder_lock
from lagom.utils.processes import ProcessMaster, ProcessWorker, mp_context
from lagom.utils.seeding import Seeder, set_global_seeds
from lagom.utils.serialize import (
    CloudpickleWrapper,
    atomic_write,
    pickle_dump,
    pickle_load,
    remove_stale_temps,
    yaml_dump,
    yaml_load,
)

if TYPE_CHECKING:
    from lagom.utils.torch_utils import numpify, tensorify

__all__ = [
    "CloudpickleWrapper",
    "FolderLockedError",
    "IntervalConditioner",
    "NConditioner",
    "ProcessMaster",
    "ProcessWorker",
    "Seeder",
    "ask_yes_or_no",
    "atomic_write",
    "color_str",
    "folder_lock",
    "mp_context",
    "numpify",
    "pickle_dump",
    "pickle_load",
    "remove_stale_temps",
    "set_global_seeds",
    "tensorify",
    "timed",
    "timeit",
    "yaml_dump",
    "yaml_load",
]

# Names whose module imports torch: resolved on first access only.
_LAZY = {"numpify": "lagom.utils.torch_utils", "tensorify": "lagom.utils.torch_utils"}


# For type checkers the names are the imports above: a misspelt one is an error, not Any.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'lagom.utils' has no attribute {name!r}")
        try:
            value = getattr(importlib.import_module(module), name)
        except ImportError as error:
            raise ImportError(
                f"lagom.utils.{name} needs PyTorch, which failed to import: {error}"
            ) from error
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
