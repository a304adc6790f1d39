"""Every scan path this environment has runs the metric tests: numpy, and numba's.

The modules in ``_BOTH_PATHS`` run once per path: a module-scoped fixture (Hypothesis
accepts those) forces the numpy path for one pass; the other pass takes the default,
which is the compiled kernel wherever numba is installed. Without numba only the numpy
pass exists, so nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lagom.metric import _compiled

# The modules whose results go through the scans (td0 has none; the episode face is a
# reshape around the batched one).
_BOTH_PATHS = frozenset({"test_gae", "test_returns", "test_vtrace", "test_scan", "test_validation"})


def scan_paths() -> list[str]:
    """The paths to run: ``numpy`` always, ``compiled`` where numba is importable."""
    return ["numpy", "compiled"] if _compiled.available() else ["numpy"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.rsplit(".", 1)[-1] in _BOTH_PATHS:
        metafunc.parametrize("scan_path", scan_paths(), indirect=True, scope="module")


@pytest.fixture(scope="module", autouse=True)
def scan_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """The path the module's tests run on (``default`` outside ``_BOTH_PATHS``)."""
    path: str = getattr(request, "param", "default")
    if path == "numpy":
        with _compiled.numpy_path():
            yield path
    else:
        if path == "compiled":
            assert _compiled.available()
        yield path
