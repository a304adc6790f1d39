"""``lagom.testing`` ships in the wheel behind the ``testing`` extra and stays out of ``lagom``."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import lagom.testing

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_importing_lagom_and_its_core_does_not_import_hypothesis() -> None:
    proc = _run(
        "import sys, lagom, lagom.data, lagom.metric, lagom.transform, lagom.experiment\n"
        "print('hypothesis' in sys.modules)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_without_hypothesis_the_import_error_says_what_to_install() -> None:
    proc = _run(
        "import sys\n"
        "class Blocker:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] == 'hypothesis':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Blocker())\n"
        "import lagom, lagom.metric\n"
        "try:\n"
        "    import lagom.testing\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'lagom[testing]'" in proc.stdout


def test_importing_lagom_testing_does_not_import_torch() -> None:
    proc = _run(
        "import sys, lagom.testing, lagom.testing.strategies\n"
        "from lagom.testing import check_advantage_estimator, torch_tensors\n"
        "print('torch' in sys.modules)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_the_extra_and_the_wheel() -> None:
    toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    pyproject = toml.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    assert any(dep.startswith("hypothesis") for dep in extras["testing"])
    assert any("testing" in dep for dep in extras["all"])
    # hatchling ships every subpackage of the listed package, lagom.testing included.
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["lagom"]
    assert (Path(lagom.testing.__file__).parent / "strategies" / "__init__.py").is_file()
