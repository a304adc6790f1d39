"""Import hygiene: the core imports without the shell's dependencies, and the public face.

* The core (``lagom`` and its numpy+attrs packages) imports in a fresh interpreter where
  torch, gymnasium, cma, matplotlib, scipy, cloudpickle and yaml cannot be imported.
* Every name in every public package's ``__all__`` resolves, is documented and is
  defined inside lagom.
* The ``py.typed`` marker is shipped with the package.
* No module imports another package's private (``_name``) modules or helpers; the
  package-wide ``lagom._checks`` (the one module of argument checks) and ``lagom._types``
  are the exceptions.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import lagom

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(lagom.__file__).resolve().parent

CORE = ["lagom", "lagom.data", "lagom.metric", "lagom.transform", "lagom.utils", "lagom.experiment"]
#: Core packages whose every name must resolve without the shell; the others (lagom,
#: lagom.utils, lagom.experiment) may also expose shell names, which must then be lazy.
PURE_CORE = {"lagom.data", "lagom.metric", "lagom.transform"}
BLOCKED = ["torch", "gymnasium", "cma", "matplotlib", "scipy", "cloudpickle", "yaml"]

#: Optional dependencies of each top-level part of lagom (as in the root conftest.py).
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
}
_ALL_OPTIONAL = {dep for deps in OPTIONAL.values() for dep in deps} | set(BLOCKED)

# Runs in a fresh interpreter. A meta-path finder placed first refuses the blocked
# top-level names, so an import of any of them (or their submodules) fails as if the
# package were not installed. Prints a JSON report; validation happens in the test.
_SCRIPT = """
import importlib, json, sys

BLOCKED = set({blocked!r})
MARK = "blocked by lagom's import-hygiene test"

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is {{MARK}}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
sys.path.insert(0, {path!r})

def blocked(exc):
    while exc is not None:
        if isinstance(exc, ImportError) and MARK in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False

report = {{"blocker_works": False, "errors": [], "lazy_blocked": {{}}}}
try:
    import torch
except ImportError as exc:
    report["blocker_works"] = blocked(exc)

for name in {modules!r}:
    try:
        module = importlib.import_module(name)
    except Exception as exc:
        report["errors"].append(f"import {{name}}: {{type(exc).__name__}}: {{exc}}")
        continue
    if not hasattr(module, "__all__"):
        report["errors"].append(f"{{name}} has no __all__")
    eager = set(vars(module))
    for attr in getattr(module, "__all__", ()):
        try:
            getattr(module, attr)
        except Exception as exc:
            if attr not in eager and name not in {pure!r} and blocked(exc):
                report["lazy_blocked"].setdefault(name, []).append(attr)
            else:
                report["errors"].append(f"{{name}}.{{attr}}: {{type(exc).__name__}}: {{exc}}")

print(json.dumps(report))
"""


def test_core_imports_without_shell_dependencies() -> None:
    script = _SCRIPT.format(
        blocked=BLOCKED, path=str(PACKAGE_DIR.parent), modules=CORE, pure=sorted(PURE_CORE)
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["blocker_works"], "the blocking finder did not stop `import torch`"
    assert report["errors"] == []


def _public_modules() -> list[str]:
    """lagom, its public top-level modules, and its public packages at any depth.

    Found on disk, without importing, so a package whose dependency is missing is still
    listed (and then skipped by name, never silently).
    """
    found = ["lagom"]
    todo = [(PACKAGE_DIR, "lagom.")]
    while todo:
        path, prefix = todo.pop()
        for info in pkgutil.iter_modules([str(path)], prefix):
            leaf = info.name.rpartition(".")[2]
            if leaf.startswith("_") or (not info.ispkg and prefix != "lagom."):
                continue
            found.append(info.name)
            if info.ispkg:
                todo.append((path / leaf, info.name + "."))
    return sorted(found)


def _missing_dependencies(module_name: str) -> list[str]:
    top = module_name.split(".")[1] if "." in module_name else ""
    return [dep for dep in OPTIONAL.get(top, ()) if importlib.util.find_spec(dep) is None]


def _missing_optional(exc: BaseException | None) -> str | None:
    """The optional package whose absence (per find_spec) caused ``exc``, if any."""
    while exc is not None:
        if isinstance(exc, ModuleNotFoundError) and exc.name is not None:
            top = exc.name.partition(".")[0]
            if top in _ALL_OPTIONAL and importlib.util.find_spec(top) is None:
                return top
        exc = exc.__cause__ or exc.__context__
    return None


@pytest.mark.parametrize("module_name", _public_modules())
def test_public_names_resolve_documented_and_owned(module_name: str) -> None:
    missing = _missing_dependencies(module_name)
    if missing:
        pytest.skip(f"{module_name} needs {missing}, not installed here")
    module = importlib.import_module(module_name)
    public = getattr(module, "__all__", None)
    assert isinstance(public, (list, tuple)), f"{module_name} has no explicit __all__"
    assert all(isinstance(name, str) for name in public)
    assert len(set(public)) == len(public), f"{module_name}.__all__ has duplicates"
    assert inspect.getdoc(module), f"{module_name} has no docstring"

    problems = []
    for name in public:
        try:
            obj = getattr(module, name)
        except ImportError as exc:
            if _missing_optional(exc) is None:
                raise
            continue  # a lazy name of a dependency this environment lacks
        if name.startswith("__") or not (inspect.isclass(obj) or inspect.isroutine(obj)):
            continue
        if not (obj.__doc__ or "").strip():  # its own, not one inherited from a base class
            problems.append(f"{name} has no docstring")
        owner = getattr(obj, "__module__", None) or ""
        if owner != "lagom" and not owner.startswith("lagom."):
            problems.append(f"{name} is defined in {owner!r}, not in lagom")
    assert problems == [], f"{module_name}: {problems}"


def test_public_walk_covers_the_core() -> None:
    assert set(CORE) <= set(_public_modules())


def test_py_typed_is_shipped() -> None:
    # In tox the package under test is the installed wheel, so this is the shipped file.
    assert (PACKAGE_DIR / "py.typed").is_file()
    toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    pyproject = toml.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "lagom" in wheel["packages"]
    assert not any("py.typed" in pattern for pattern in wheel.get("exclude", []))
    assert "Typing :: Typed" in pyproject["project"]["classifiers"]


def test_top_level_all_lists_exactly_the_lazy_names() -> None:
    import lagom

    assert set(lagom.__all__) == set(lagom._LAZY) | {"__version__"}
    assert len(lagom.__all__) == len(set(lagom.__all__))


#: Private modules that every lagom package may import: the argument checks, the array
#: types and the lazy imports of the packages' ``__getattr__``.
SHARED_PRIVATE = {"lagom._checks", "lagom._types", "lagom._lazy"}


def _package_of(module: str) -> str:
    """``lagom.metric.gae`` -> ``lagom.metric``; a top-level module is its own package."""
    return ".".join(module.split(".")[:2])


def _lagom_sources() -> Iterator[tuple[str, ast.Module]]:
    """Every module of the package under test, by dotted name, parsed."""
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), ast.parse(path.read_text(encoding="utf-8"))


def test_no_private_imports_across_packages() -> None:
    bad = []
    for module, tree in _lagom_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imports = [(node.module, [alias.name for alias in node.names])]
            elif isinstance(node, ast.Import):
                imports = [(alias.name, []) for alias in node.names]
            else:
                continue
            for target, names in imports:
                if target.partition(".")[0] != "lagom" or target in SHARED_PRIVATE:
                    continue
                if _package_of(target) == _package_of(module):
                    continue
                private = [part for part in target.split(".") if part.startswith("_")]
                private += [name for name in names if name.startswith("_")]
                if private:
                    bad.append(f"{module}:{node.lineno} imports {private} from {target}")
    assert bad == [], "\n".join(bad)


def test_one_argument_checks_module_and_one_check_int() -> None:
    checks = sorted(p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("_checks.py"))
    assert checks == ["_checks.py"]
    definitions = [
        f"{module}:{node.lineno}"
        for module, tree in _lagom_sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.strip("_") == "check_int"
    ]
    assert [where.partition(":")[0] for where in definitions] == ["lagom._checks"], definitions
