"""Strategies for ``lagom.experiment.config``: item dicts of every kind and ``Config`` grids."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from hypothesis import strategies as st

from lagom._checks import check_int
from lagom.experiment.config import Condition, Config, Grid, Sample
from lagom.testing.strategies._args import checked

__all__ = ["config_items", "configs"]

#: Item names: short, distinct and never the reserved ``'ID'``.
_keys = st.text(alphabet="abcdefgh.", min_size=1, max_size=6)
_plain = st.one_of(st.integers(-5, 5), st.text(alphabet="xyz", max_size=3), st.none())


def _draw_uniform(rng: np.random.Generator) -> float:
    # The sample function of every drawn Sample: one uniform draw from the config's rng.
    return float(rng.random())


def _record_condition(config: Mapping[str, object]) -> dict[str, object]:
    # The function of every drawn Condition: a copy of what it was given, to inspect.
    return dict(config)


def _check_items(max_items: int = 6) -> None:
    check_int("max_items", max_items, minimum=0)


@checked(_check_items)
@st.composite
def config_items(draw: st.DrawFn, max_items: int = 6) -> dict[str, object]:
    """A dict of config items mixing fixed values, grids, samples and conditions.

    Grids hold 1-3 distinct values (small ints, short strings, ``None``); each
    :class:`~lagom.experiment.Sample` draws one uniform number from the config's
    generator; each :class:`~lagom.experiment.Condition` returns a copy of the
    configuration it received, so a test can see what it was given.

    Args:
        max_items: most items in the dict.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> from lagom.experiment import Grid
        >>> def has_grid(d):
        ...     return any(isinstance(v, Grid) for v in d.values())
        >>> items = find(config_items(), has_grid, settings=fixed)
        >>> [type(value).__name__ for value in items.values()]
        ['Grid']
    """
    keys = draw(st.lists(_keys, max_size=max_items, unique=True))
    result: dict[str, object] = {}
    for key in keys:
        kind = draw(st.sampled_from(["fixed", "grid", "sample", "condition"]))
        if kind == "fixed":
            result[key] = draw(_plain)
        elif kind == "grid":
            result[key] = Grid(draw(st.lists(_plain, min_size=1, max_size=3, unique=True)))
        elif kind == "sample":
            result[key] = Sample(_draw_uniform)
        else:
            result[key] = Condition(_record_condition)
    return result


def _check_configs(max_items: int = 6, max_num_sample: int = 3) -> None:
    check_int("max_items", max_items, minimum=0)
    check_int("max_num_sample", max_num_sample, minimum=1)


@checked(_check_configs)
@st.composite
def configs(draw: st.DrawFn, max_items: int = 6, max_num_sample: int = 3) -> Config:
    """:class:`~lagom.experiment.Config` grids over :func:`config_items`, seeded.

    Args:
        max_items: most items.
        max_num_sample: most samples drawn per grid point.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> config = find(configs(), lambda c: len(c.make_configs()) > 2, settings=fixed)
        >>> [c["ID"] for c in config.make_configs()]
        [0, 1, 2]
    """
    items = draw(config_items(max_items))
    num_sample = draw(st.integers(1, max_num_sample))
    return Config(
        items,
        num_sample=num_sample,
        keep_dict_order=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )
