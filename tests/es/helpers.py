"""Builders for the ES tests: a strategy of every kind, with a seed and an even popsize."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from lagom.es import CEM, CMAES, BaseES, OpenAIES

__all__ = ["KINDS", "es_configs", "make_es"]

KINDS = ("cmaes", "cem", "openaies")


def make_es(kind: str, dimension: int, popsize: int, seed: int, x0: float = 0.5) -> BaseES:
    """Build a strategy of ``kind`` on ``dimension`` coordinates with ``popsize`` candidates."""
    start = np.full(dimension, x0)
    if kind == "cmaes":
        return CMAES(start, 0.3, {"popsize": popsize, "seed": seed})
    if kind == "cem":
        opts: dict[str, Any] = {"popsize": popsize, "elite_ratio": 0.3, "seed": seed}
        return CEM(start, 0.3, {**opts, "noise_scheduler_args": [0.1, 0.0, 5, 0]})
    if kind == "openaies":
        return OpenAIES(start, 0.3, {"popsize": popsize, "seed": seed, "lr": 0.05})
    raise ValueError(f"unknown kind {kind!r}")


@st.composite
def es_configs(draw: st.DrawFn) -> tuple[str, int, int, int]:
    """``(kind, dimension, popsize, seed)`` with an even popsize of at least 4."""
    kind = draw(st.sampled_from(KINDS))
    dimension = draw(st.integers(min_value=1, max_value=6))
    popsize = 2 * draw(st.integers(min_value=2, max_value=6))
    return kind, dimension, popsize, draw(st.integers(min_value=1, max_value=2**32 - 1))
