"""What a finished run folder holds, for the tests of every algorithm."""

from __future__ import annotations

FINISHED_RUN = frozenset(
    {"run.yml", "config.yml", "progress.csv", "checkpoint.pt", "policy.pt", "final_eval.yml"}
)
