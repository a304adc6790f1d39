"""Strategies for ``lagom.es``: objectives with a known minimum, and objective values."""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom._checks import check_bool, check_str
from lagom._types import ArrayLike, Float64Array
from lagom.testing.strategies._args import check_bounds, checked

__all__ = ["Objective", "es_objectives", "objective_values"]

#: A few levels, so that ties (and equal minima) are common among objective values.
_LEVELS = (-2.0, -1.0, 0.0, 0.5, 3.0)


def _frozen_f64(value: ArrayLike) -> Float64Array:
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


@attrs.frozen(eq=False)
class Objective:
    """A separable quadratic to minimize, ``f(x) = fopt + Σ_i w_i (x_i - xopt_i)²``.

    Every lagom ES minimizes; this one has its minimum ``fopt`` at ``xopt`` exactly, so a
    test can check where a strategy goes. ``w = 1`` is the shifted sphere; unequal weights
    make an ill-conditioned ellipsoid.

    Attributes:
        xopt: ``[D]`` the minimizer.
        weights: ``[D]`` positive weights ``w_i``.
        fopt: the minimum value.

    Example:
        >>> f = Objective(xopt=[1.0, -2.0], weights=[1.0, 100.0], fopt=0.5)
        >>> f.dimension, f(np.array([1.0, -2.0])), f(np.array([2.0, -2.0]))
        (2, 0.5, 1.5)
        >>> f(np.array([[1.0, -2.0], [1.0, -1.0]]))  # a population, one row per candidate
        array([  0.5, 100.5])
    """

    xopt: Float64Array = attrs.field(converter=_frozen_f64)
    weights: Float64Array = attrs.field(converter=_frozen_f64)
    fopt: float = attrs.field(converter=float)

    def __attrs_post_init__(self) -> None:
        if self.xopt.ndim != 1 or self.xopt.shape != self.weights.shape:
            raise ValueError(
                f"xopt and weights must be 1-D of one length, got {self.xopt.shape} and "
                f"{self.weights.shape}"
            )
        if not np.all(self.weights > 0):
            raise ValueError(f"weights must be positive, got {self.weights}")

    @property
    def dimension(self) -> int:
        """The number of coordinates ``D``."""
        return int(self.xopt.shape[0])

    # Any: a float for one candidate ``[D]``, an array for a population ``[P, D]``.
    def __call__(self, x: ArrayLike) -> Any:
        """``f(x)`` of one candidate ``[D]`` (a float) or of each row of ``[P, D]``."""
        z = np.asarray(x, dtype=np.float64) - self.xopt
        values = self.fopt + (self.weights * z * z).sum(axis=-1)
        return float(values) if np.ndim(values) == 0 else values


def _check_objectives(
    min_dimension: int = 1,
    max_dimension: int = 6,
    kind: Literal["sphere", "ellipsoid"] | None = None,
) -> None:
    check_bounds("min_dimension", min_dimension, "max_dimension", max_dimension, 1)
    if kind is not None:
        check_str("kind", kind, ("sphere", "ellipsoid"))


@checked(_check_objectives)
@st.composite
def es_objectives(
    draw: st.DrawFn,
    min_dimension: int = 1,
    max_dimension: int = 6,
    kind: Literal["sphere", "ellipsoid"] | None = None,
) -> Objective:
    """Shifted spheres and ellipsoids of ``min_dimension..max_dimension`` coordinates.

    Args:
        min_dimension: fewest coordinates.
        max_dimension: most coordinates.
        kind: ``"sphere"`` (all weights 1), ``"ellipsoid"`` (weights from 1 to 1e3), or
            ``None`` for either.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> f = find(es_objectives(kind="sphere"), lambda f: f.dimension == 3, settings=fixed)
        >>> f.xopt, f(f.xopt) == f.fopt
        (array([0., 0., 0.]), True)
    """
    dimension = draw(st.integers(min_dimension, max_dimension))
    shift = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)
    xopt = draw(hnp.arrays(np.float64, dimension, elements=shift))
    chosen = kind or draw(st.sampled_from(["sphere", "ellipsoid"]))
    if chosen == "sphere":
        weights = np.ones(dimension)
    else:
        weights = draw(hnp.arrays(np.float64, dimension, elements=st.floats(1.0, 1e3)))
    return Objective(xopt, weights, draw(st.floats(-100.0, 100.0)))


def objective_values(ties: bool | None = None) -> st.SearchStrategy[float]:
    """Objective values to ``tell`` a strategy: finite, wide-ranging, or tied.

    Args:
        ties: ``True`` draws from a few levels (-2, -1, 0, 0.5, 3), so ties and equal
            minima are common; ``False`` draws finite floats in ``[-1e6, 1e6]``; ``None``
            (default) either.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> find(objective_values(ties=True), lambda v: v > 1, settings=fixed)
        3.0
    """
    levels = st.sampled_from(_LEVELS)
    wide = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    if ties is None:
        return st.one_of(wide, levels)
    return levels if check_bool("ties", ties) else wide
