"""The code of ``docs/tutorial.rst``, joined into one file, passes ``mypy --strict``.

The tutorial is the first lagom code a user copies, so its agent must satisfy
:class:`lagom.agent.Agent` as written (``def choose_action(self, obs, **kwargs)``) and every
other line must type-check too. The blocks are the same ones ``tests/test_tutorial.py`` runs
(the tutorial's ``::`` literal blocks are shell commands, not Python).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_tutorial import TUTORIAL, code_blocks

ROOT = TUTORIAL.parents[1]


@pytest.mark.slow
def test_tutorial_passes_mypy_strict(tmp_path: Path) -> None:
    # ``ITERATIONS`` is the reader's choice (the test of the tutorial sets it too).
    source = "\n\n".join(["ITERATIONS = 600", *code_blocks()])
    module = tmp_path / "tutorial.py"
    module.write_text(source)
    # An explicit config: nothing from the repository's or the user's own mypy settings
    # applies, only ``--strict`` and the stubs lagom ships for its untyped dependencies.
    config = tmp_path / "mypy.ini"
    config.write_text(
        f"[mypy]\nmypy_path = {ROOT / 'typings'}\ncache_dir = {tmp_path / '.mypy_cache'}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", str(config), str(module)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    numbered = "\n".join(f"{i:4d} {line}" for i, line in enumerate(source.splitlines(), 1))
    assert result.returncode == 0, (
        f"mypy --strict on docs/tutorial.rst's code failed:\n{result.stdout}{result.stderr}\n"
        f"the checked file:\n{numbered}"
    )
