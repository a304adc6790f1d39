"""Test-suite wiring shared by ``tests/`` and the doctests in ``lagom/``.

Two rules live here:

* In the torch-free environments (``tox -e py310`` ...) modules and tests that need an
  optional dependency which is not installed are not collected at all, so the suite that
  runs is exactly the part the environment can run.
* In the full environment (``LAGOM_FULL=1``) nothing may be left out: a missing optional
  dependency is an error, and any skipped test other than one marked ``gpu`` fails the run.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

FULL = os.environ.get("LAGOM_FULL") == "1"
ROOT = Path(__file__).parent

# Which optional packages each part of the tree needs (source and tests alike).
_NEEDS: dict[str, tuple[str, ...]] = {
    "networks": ("torch",),
    "baselines": ("torch", "gymnasium"),
    "cli": ("torch", "gymnasium"),
    "tutorial": ("torch", "gymnasium"),
    "tutorial_types": ("torch", "gymnasium", "mypy"),
    "docs_code": ("torch", "gymnasium", "mypy"),
    "typing_program": ("torch", "gymnasium", "cma"),
    "typing": ("torch", "gymnasium", "cma"),
    "envs": ("gymnasium",),
    "agent": ("gymnasium",),
    "runner": ("gymnasium",),
    "es": ("cma",),
    "vis": ("matplotlib",),
    # TensorBoard's writer (lagom/logger/tensorboard.py) and the sink tests that read it back.
    "tensorboard": ("tensorboard",),
    "sinks": ("tensorboard",),
    "torch_utils": ("torch",),
    # lagom.testing and its tests need the `testing` extra; its torch adapter needs torch.
    "testing": ("hypothesis",),
    "_torch_adapter": ("torch",),
    "torch_adapter": ("torch",),
    # The bad-input probe calls every public function, so it needs every optional package.
    "bad_inputs": ("torch", "gymnasium", "cma", "matplotlib"),
}


def _missing(packages: tuple[str, ...]) -> list[str]:
    return [p for p in packages if importlib.util.find_spec(p) is None]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    try:
        rel = collection_path.relative_to(ROOT)
    except ValueError:
        return None
    parts = rel.parts
    if parts and parts[0] in ("docs", ".tox", ".venv", "build", "dist"):
        return True
    if len(parts) < 2 or parts[0] not in ("lagom", "tests"):
        return None
    if parts[:2] == ("tests", "benchmarks"):
        # Benchmarks are scripts run by hand (they import peers such as Stable-Baselines3
        # that the test environments do not install); they hold no tests or doctests.
        return True
    for part in parts[1:]:
        stem = part.removesuffix(".py").removeprefix("test_").removeprefix("bench_")
        if stem in _NEEDS:
            missing = _missing(_NEEDS[stem])
            if missing and FULL:
                raise pytest.UsageError(
                    f"full test environment lacks {missing} needed by {rel}; install lagom[all]"
                )
            if missing:
                return True
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not FULL:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    bad = [
        rep.nodeid
        for rep in reporter.stats.get("skipped", [])
        if "gpu" not in getattr(rep, "keywords", {})
    ]
    if bad:
        reporter.write_line(
            f"FAILED: {len(bad)} test(s) skipped in the full environment "
            "(only tests marked `gpu` may skip):",
            red=True,
        )
        for nodeid in bad:
            reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
