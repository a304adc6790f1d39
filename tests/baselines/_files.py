"""What a finished run folder holds, for the tests of every algorithm."""

from __future__ import annotations

from pathlib import Path

FINISHED_RUN = frozenset(
    {"run.yml", "config.yml", "progress.csv", "checkpoint.pt", "policy.pt", "final_eval.yml"}
)


def run_files(folder: Path) -> set[str]:
    """The files of a run folder, but ``checkpoint.prev.pt`` (there once a run checkpointed
    twice)."""
    return {path.name for path in folder.iterdir()} - {"checkpoint.prev.pt"}
