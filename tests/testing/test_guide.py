"""``docs/testing.rst`` shows real code and real output: its blocks run, its failure is current."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lagom.testing import PropertyFailure

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "testing.rst"


def _blocks(language: str) -> list[str]:
    pattern = re.compile(rf"^\.\. code-block:: {language}\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)
    return [textwrap.dedent(block).strip("\n") for block in pattern.findall(GUIDE.read_text())]


def test_the_guide_has_its_blocks() -> None:
    python, text = _blocks("python"), _blocks("text")
    assert len(python) == 5
    assert len(text) == 1
    assert "def my_gae" in python[0]
    assert "def my_gae" in python[2]


def test_the_buggy_gae_fails_as_shown_and_the_fixed_one_passes() -> None:
    python, (shown,) = _blocks("python"), _blocks("text")
    namespace: dict[str, Any] = {}
    exec(python[0], namespace)  # the user's GAE
    exec(python[1], namespace)  # the test
    with pytest.raises(PropertyFailure) as info:
        namespace["test_my_gae"]()
    assert str(info.value) == shown
    exec(python[2], namespace)  # the fix
    namespace["test_my_gae"]()


def test_the_adapter_and_property_examples_run() -> None:
    pytest.importorskip("torch")  # the adapter example is torch code
    python = _blocks("python")
    namespace: dict[str, Any] = {}
    for block in python:
        exec(block, namespace)
    namespace["test_torch_gae"]()
    namespace["test_returns_are_finite"]()
