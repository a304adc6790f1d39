"""``lagom.metric``'s public face, and its independence from torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import lagom.metric

EPISODE_FACE = ["bootstrapped_returns", "gae", "returns", "td0_error", "td0_target", "vtrace"]
BATCHED_FACE = [
    "batched_gae",
    "batched_returns",
    "batched_td0_error",
    "batched_td0_target",
    "batched_vtrace",
]


def test_all_lists_both_faces() -> None:
    assert sorted(lagom.metric.__all__) == sorted([*EPISODE_FACE, *BATCHED_FACE, "VTrace"])
    for name in lagom.metric.__all__:
        value = getattr(lagom.metric, name)
        assert value.__module__.startswith("lagom.metric.")
        assert not value.__module__.split(".")[-1].startswith("_")


def test_every_public_function_documents_shapes_and_an_example() -> None:
    for name in [*EPISODE_FACE, *BATCHED_FACE]:
        doc = getattr(lagom.metric, name).__doc__
        assert doc is not None
        assert "Example:" in doc
        assert "[T" in doc


def test_the_metrics_import_and_run_without_torch() -> None:
    # A None entry in sys.modules makes `import torch` raise ImportError.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None
        import lagom.metric
        print(lagom.metric.gae(1.0, 0.5, [1, 2, 3], [0.1, 1.1, 2.1], 10, True))
        assert "torch" not in {m.split(".")[0] for m, v in sys.modules.items() if v is not None}
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "3.725" in done.stdout
