"""Every public class and function of lagom shows a runnable ``>>>`` example in its docstring.

"Public" means named in the ``__all__`` of a public module (no ``_``-prefixed part in its
dotted name), wherever the object is defined: a name a private module defines and a public
one exports counts. The doctest run (``--doctest-modules``) checks that the examples are
right; this test checks that none is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import lagom

#: Optional dependencies of each part of lagom, by module or package name at any depth (as
#: in the root conftest.py).
OPTIONAL: dict[str, tuple[str, ...]] = {
    "networks": ("torch",),
    "baselines": ("torch", "gymnasium"),
    "cli": ("torch", "gymnasium"),
    "envs": ("gymnasium",),
    "agent": ("gymnasium",),
    "runner": ("gymnasium",),
    "es": ("cma",),
    "vis": ("matplotlib",),
    "testing": ("hypothesis",),
    "torch_utils": ("torch",),
}
_ALL_OPTIONAL = {dep for deps in OPTIONAL.values() for dep in deps}


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _importable(module_name: str) -> bool:
    """Whether every optional dependency of ``module_name`` (and its parents) is installed."""
    parts = module_name.split(".")[1:]
    return all(_installed(dep) for part in parts for dep in OPTIONAL.get(part, ()))


def _missing_optional(exc: BaseException | None) -> bool:
    """Whether ``exc`` comes from importing an optional package that is not installed."""
    while exc is not None:
        if isinstance(exc, ModuleNotFoundError) and exc.name is not None:
            top = exc.name.partition(".")[0]
            if top in _ALL_OPTIONAL and not _installed(top):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def _public_modules() -> list[str]:
    """Every public module and package of lagom whose optional dependencies are installed.

    Found on disk with :func:`pkgutil.iter_modules`, so a part whose dependency is missing
    is left out before anything inside it is imported.
    """
    found = ["lagom"]
    todo = [(list(lagom.__path__), "lagom.")]
    while todo:
        path, prefix = todo.pop()
        for info in pkgutil.iter_modules(path, prefix):
            leaf = info.name.rpartition(".")[2]
            if leaf.startswith("_") or not _importable(info.name):
                continue
            found.append(info.name)
            if info.ispkg:
                todo.append(([str(Path(path[0]) / leaf)], info.name + "."))
    return sorted(found)


def _public_objects() -> dict[str, object]:
    """The public classes and functions, keyed by ``module.qualname`` of their definition."""
    objects: dict[str, object] = {}
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            try:
                obj = getattr(module, name)
            except ImportError as exc:
                # A lazily exported name of a part whose dependency is not installed here.
                if not _missing_optional(exc):
                    raise
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                objects.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return objects


def test_every_public_class_and_function_has_an_example() -> None:
    objects = _public_objects()
    missing = sorted(
        key for key, obj in objects.items() if ">>>" not in (inspect.getdoc(obj) or "")
    )
    assert missing == [], (
        f"{len(missing)} public classes/functions have no `>>>` example in their docstring:\n"
        + "\n".join(missing)
    )


def test_the_walk_finds_the_core() -> None:
    # Guards against a walk that silently finds nothing (and so passes the test above).
    objects = _public_objects()
    assert {"lagom.metric.vtrace.VTrace", "lagom.utils.serialize.yaml_load"} <= set(objects)
    # A name defined in a private module and exported by a public one counts.
    assert any("._" in key for key in objects) or not _importable("lagom.cli")
