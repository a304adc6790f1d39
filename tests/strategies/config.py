"""Hypothesis strategies for ``lagom.experiment.config``: item dicts of every kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from lagom.experiment import Condition, Grid, Sample

__all__ = [
    "CONDITION",
    "FIXED",
    "GRID",
    "SAMPLE",
    "draw_uniform",
    "items",
    "kinds_of",
    "record_condition",
]

FIXED, GRID, SAMPLE, CONDITION = "fixed", "grid", "sample", "condition"

#: Item names: short, distinct and never the reserved ``'ID'``.
_keys = st.text(alphabet="abcdefgh.", min_size=1, max_size=6)
_plain = st.one_of(st.integers(-5, 5), st.text(alphabet="xyz", max_size=3), st.none())


def draw_uniform(rng: np.random.Generator) -> float:
    """The sample function used by the strategies: one uniform draw from ``rng``."""
    return float(rng.random())


def record_condition(config: Mapping[str, Any]) -> dict[str, Any]:
    """A condition whose value is a copy of what it was given, to inspect afterwards."""
    return dict(config)


@st.composite
def items(draw: st.DrawFn, max_items: int = 6) -> dict[str, Any]:
    """A dict of config items mixing fixed values, grids, samples and conditions.

    Grids hold 1-3 distinct values; samples call :func:`draw_uniform`; conditions call
    :func:`record_condition`, so a test can see what each condition received.
    """
    keys = draw(st.lists(_keys, max_size=max_items, unique=True))
    result: dict[str, Any] = {}
    for key in keys:
        kind = draw(st.sampled_from([FIXED, GRID, SAMPLE, CONDITION]))
        if kind == FIXED:
            result[key] = draw(_plain)
        elif kind == GRID:
            result[key] = Grid(draw(st.lists(_plain, min_size=1, max_size=3, unique=True)))
        elif kind == SAMPLE:
            result[key] = Sample(draw_uniform)
        else:
            result[key] = Condition(record_condition)
    return result


def kinds_of(config_items: Mapping[str, Any]) -> dict[str, list[str]]:
    """Item names grouped by kind, each group in ``config_items`` order."""
    groups: dict[str, list[str]] = {FIXED: [], GRID: [], SAMPLE: [], CONDITION: []}
    for key, value in config_items.items():
        if isinstance(value, Grid):
            groups[GRID].append(key)
        elif isinstance(value, Sample):
            groups[SAMPLE].append(key)
        elif isinstance(value, Condition):
            groups[CONDITION].append(key)
        else:
            groups[FIXED].append(key)
    return groups
