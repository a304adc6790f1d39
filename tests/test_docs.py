"""The API reference is complete: every public module of lagom has an ``automodule`` on a page
under ``docs/`` (the API reference is ``docs/api/``, one page per package).

A public module is a package or module under ``lagom/`` whose name, and the names of the
packages above it, do not start with ``_``; subpackages of ``lagom.baselines`` count (each
reference algorithm is documented). Together with ``tests/test_imports.py``, which checks
that every name in every ``__all__`` has a docstring, an undocumented public name fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import lagom

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(lagom.__file__).resolve().parent
DOCUMENTED_DIRECTIVE = re.compile(r"^\.\. automodule:: (\S+)\s*$", re.MULTILINE)


def _public_modules() -> set[str]:
    """Public packages, plus public top-level modules (``lagom.agent``, ``lagom.engine``)."""
    names: set[str] = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        elif len(parts) > 2 and parts[:2] != ["lagom", "baselines"]:
            # A module inside a subpackage is documented through its package; each module
            # of lagom.baselines (one per algorithm, and common) has a page of its own.
            continue
        if any(part.startswith("_") for part in parts) or parts == ["lagom"]:
            continue
        names.add(".".join(parts))
    return names


def _documented_modules() -> set[str]:
    pages = sorted((ROOT / "docs").rglob("*.rst"))
    text = "\n".join(p.read_text() for p in pages if "_build" not in p.parts)
    return set(DOCUMENTED_DIRECTIVE.findall(text))


def test_every_public_module_has_an_api_page() -> None:
    missing = sorted(_public_modules() - _documented_modules())
    assert not missing, f"add an `.. automodule::` for these to a page of docs/api/: {missing}"


def test_api_pages_name_only_existing_modules() -> None:
    stale = sorted(_documented_modules() - _public_modules())
    assert not stale, f"docs name modules that are not public lagom modules: {stale}"


def test_the_scan_sees_the_packages_it_must_see() -> None:
    found = _public_modules()
    assert {"lagom.metric", "lagom.agent", "lagom.engine"} <= found
    assert "lagom.metric.gae" not in found
    assert not any(name.rsplit(".", 1)[-1].startswith("_") for name in found)


def test_the_api_reference_is_one_page_per_package() -> None:
    api = ROOT / "docs" / "api"
    assert not (ROOT / "docs" / "api.rst").exists(), "the one-page reference came back"
    for name in sorted(_public_modules()):
        # Its own page (lagom.metric -> metric.rst, lagom.baselines.ppo -> baselines.ppo.rst)
        # or its package's (lagom.testing.strategies -> testing.rst).
        own = api / (name.removeprefix("lagom.") + ".rst")
        page = (
            own if own.is_file() else api / (name.rsplit(".", 1)[0].removeprefix("lagom.") + ".rst")
        )
        assert page.is_file(), f"{name} has no page {own.relative_to(ROOT)}"
        assert f".. automodule:: {name}\n" in page.read_text(), (name, page)
    index = (api / "index.rst").read_text()
    for page in sorted(api.glob("*.rst")):
        listed = page.stem in index or page.stem.startswith("baselines.")
        assert page.stem == "index" or listed, f"docs/api/index.rst does not list {page.name}"
