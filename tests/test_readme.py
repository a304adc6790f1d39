"""The README's example must run and say what it claims."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from lagom.metric import gae

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_gae_example_runs_and_matches_the_episode_face() -> None:
    blocks = [block for block in _python_blocks() if "batched_gae" in block]
    assert blocks, "README lost its GAE example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    advantages = namespace["advantages"]
    assert isinstance(advantages, np.ndarray)
    assert advantages.dtype == np.float32
    assert advantages.shape == (5, 2)
    # Env 0 holds one terminated episode (steps 0-2) then an unfinished one (steps 3-4,
    # bootstrapped from next_values[4] = 2); each must equal the episode face on its own.
    first = gae(0.99, 0.95, [1.0, 1.0, 1.0], [2.0, 2.0, 2.0], last_V=0.0, reach_terminal=True)
    second = gae(0.99, 0.95, [1.0, 1.0], [2.0, 2.0], last_V=2.0, reach_terminal=False)
    np.testing.assert_allclose(advantages[:, 0], np.concatenate([first, second]), rtol=1e-6)
    # Env 1: steps 0-3 end in a truncation bootstrapped from V(final obs) = 5.
    truncated_episode = gae(0.99, 0.95, [1.0] * 4, [2.0] * 4, last_V=5.0, reach_terminal=False)
    np.testing.assert_allclose(advantages[:4, 1], truncated_episode, rtol=1e-6)


def test_readme_reference_algorithm_example_trains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    (block,) = [block for block in _python_blocks() if "lagom.baselines" in block]
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    first, second = capsys.readouterr().out.splitlines()
    assert first == "0.98 8"
    assert 8.0 <= float(second) <= 500.0  # a CartPole return
    assert (tmp_path / "logs" / "ppo-demo" / "final_eval.yml").exists()
