"""The code blocks of ``docs/tutorial.rst`` run, in order, and the agent learns something."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.rst"
BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?:    .*)?\n)+)", re.MULTILINE)


def code_blocks() -> list[str]:
    return [textwrap.dedent(block) for block in BLOCK.findall(TUTORIAL.read_text())]


def test_tutorial_has_the_pipeline_blocks() -> None:
    blocks = code_blocks()
    assert len(blocks) == 3
    assert "make_vec_env" in blocks[0]
    assert "batched_gae" in blocks[1]
    assert "optimizer.step()" in blocks[2]


def test_tutorial_runs_and_improves_the_return(capsys: Any) -> None:
    namespace: dict[str, Any] = {}
    blocks = code_blocks()
    # The loop runs as written, at half its length (the blocks define every name they use).
    assert blocks[2].count("ITERATIONS = 600") == 1
    blocks[2] = blocks[2].replace("ITERATIONS = 600", "ITERATIONS = 300")
    for block in blocks:
        exec(compile(block, str(TUTORIAL), "exec"), namespace)
    namespace["env"].close()
    logs = namespace["logger"].logs
    assert logs["iteration"][-1] == 299
    finished = namespace["finished"]
    # A uniform random policy averages about 22 on CartPole; learning lifts the recent mean.
    assert len(finished) > 20
    early = sum(finished[:20]) / 20
    late = sum(finished[-20:]) / 20
    assert late > early + 20, (early, late)
    assert "Recent Return:" in capsys.readouterr().out
