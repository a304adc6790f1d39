"""The code on the installation, logging, saving and typing pages runs, and says what it shows.

Each page's ``>>>`` examples run as doctests; each ``.. code-block:: python`` runs as a
program. A Python block that cannot run here (a CUDA machine, a cluster) is preceded by an
rst comment ``.. not run: <reason>``, and is left out with that reason, never silently.
The typing page's program also passes ``mypy --strict``, and the mistakes the page says
mypy reports (the ``# ...`` lines of its ``text`` blocks) are reported.
"""

from __future__ import annotations

import doctest
import re
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = ("installation.rst", "logging.rst", "saving.rst", "typing.rst")
NOT_RUN = re.compile(r"^\.\. not run: (\S.*)$")
BLOCK = re.compile(r"^\.\. code-block:: (\w+)\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)


def python_blocks(page: str) -> tuple[list[str], list[str]]:
    """The page's Python blocks to run, and the reasons of those marked not to run."""
    text = (DOCS / page).read_text(encoding="utf-8")
    run, reasons = [], []
    for match in BLOCK.finditer(text):
        if match.group(1) != "python":
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marked = NOT_RUN.match(before)
        if marked:
            reasons.append(marked.group(1))
        else:
            run.append(textwrap.dedent(match.group(2)))
    return run, reasons


@pytest.mark.parametrize("page", PAGES)
def test_page_doctests_pass(page: str) -> None:
    if page == "logging.rst":
        pytest.importorskip("tensorboard")  # its TensorBoardSink example reads events back
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(
        str(DOCS / page), module_relative=False, optionflags=flags, encoding="utf-8"
    )
    assert result.failed == 0, f"{result.failed} doctest example(s) of docs/{page} failed"
    # A regex or page edit that loses the examples must not pass as "nothing failed".
    attempted = {"installation.rst": 5, "logging.rst": 25, "saving.rst": 30, "typing.rst": 8}
    assert result.attempted >= attempted[page]


@pytest.mark.parametrize("page", PAGES)
def test_page_python_blocks_run(page: str, tmp_path: Path) -> None:
    blocks, reasons = python_blocks(page)
    assert all(reason.strip() for reason in reasons)
    for i, block in enumerate(blocks):
        program = tmp_path / f"{Path(page).stem}_{i}.py"
        program.write_text(block, encoding="utf-8")
        runpy.run_path(str(program), run_name="__main__")


def test_the_typing_program_computes_what_its_types_say(tmp_path: Path) -> None:
    (block,), _ = python_blocks("typing.rst")
    program = tmp_path / "typing_page.py"
    program.write_text(block, encoding="utf-8")
    namespace = runpy.run_path(str(program))
    # assert_type is a no-op at run time: check the values carry the dtypes it names.
    assert namespace["advantages"].dtype.name == "float32"
    assert namespace["advantages"].shape == (5, 2)
    # GAE with zero values and no episode end, from the definition: A_t = sum_k (γλ)^k.
    expected = sum((0.99 * 0.95) ** k for k in range(5))
    assert abs(float(namespace["advantages"][0, 0]) - expected) < 1e-5


def _claimed_mistakes() -> list[tuple[str, str]]:
    """(offending line, start of mypy's message) pairs of the typing page's text blocks."""
    text = (DOCS / "typing.rst").read_text(encoding="utf-8")
    pairs = []
    for match in BLOCK.finditer(text):
        if match.group(1) != "text":
            continue
        lines = textwrap.dedent(match.group(2)).splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# ") and i + 1 < len(lines):
                code = line[2:].split("  (")[0].strip()
                message = lines[i + 1].removeprefix("error: ")
                pairs.append((code, message))
    return pairs


@pytest.mark.slow
def test_the_typing_page_agrees_with_mypy(tmp_path: Path) -> None:
    (block,), _ = python_blocks("typing.rst")
    good = tmp_path / "good.py"
    good.write_text(block, encoding="utf-8")
    mistakes = _claimed_mistakes()
    assert len(mistakes) == 3, mistakes
    bad = tmp_path / "bad.py"
    setup = "\nfrom lagom.baselines.ppo import PPOConfig\n\nconfig = PPOConfig()\n"
    bad.write_text(block + setup + "\n".join(code for code, _ in mistakes) + "\n")
    config = tmp_path / "mypy.ini"
    typings = DOCS.parent / "typings"
    config.write_text(f"[mypy]\nmypy_path = {typings}\ncache_dir = {tmp_path / '.cache'}\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            *("good.py", "bad.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    out = result.stdout + result.stderr
    assert "good.py" not in out, out
    first_bad = len((block + setup).splitlines()) + 1
    for offset, (code, message) in enumerate(mistakes):
        words = re.sub(r"\s+", " ", message)[:40]
        line = f"bad.py:{first_bad + offset}: error: {words}"
        assert line in re.sub(r"\s+", " ", out), (code, line, out)
