# Minimal stubs for cloudpickle 3.1 (which ships no type information): the public API.
# Checked against the installed package by stubtest (tox -e typing).

import pickle
from collections.abc import Callable
from pickle import load as load
from pickle import loads as loads
from types import ModuleType
from typing import Any, Protocol

__all__ = [
    "CloudPickler",
    "Pickler",
    "__version__",
    "dump",
    "dumps",
    "load",
    "loads",
    "register_pickle_by_value",
    "unregister_pickle_by_value",
]

__version__: str
DEFAULT_PROTOCOL: int

class _WritableFile(Protocol):
    def write(self, data: bytes, /) -> object: ...

class Pickler(pickle.Pickler):
    """A pickler that serializes lambdas, closures and classes defined in ``__main__``."""

    def __init__(
        self,
        file: _WritableFile,
        protocol: int | None = None,
        buffer_callback: Callable[[pickle.PickleBuffer], object] | None = None,
    ) -> None: ...
    def dump(self, obj: object) -> None: ...
    def reducer_override(self, obj: object) -> Any: ...

CloudPickler = Pickler

def dumps(
    obj: object,
    protocol: int | None = None,
    buffer_callback: Callable[[pickle.PickleBuffer], object] | None = None,
) -> bytes: ...
def dump(
    obj: object,
    file: _WritableFile,
    protocol: int | None = None,
    buffer_callback: Callable[[pickle.PickleBuffer], object] | None = None,
) -> None: ...
def register_pickle_by_value(module: ModuleType) -> None: ...
def unregister_pickle_by_value(module: ModuleType) -> None: ...
def list_registry_pickle_by_value() -> set[str]: ...
