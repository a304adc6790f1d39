"""The interface every evolution strategy offers: :class:`BaseES` and its :class:`ESResult`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import attrs
import numpy as np

from lagom._checks import (
    as_float_array,
    check_bool,
    check_finite,
    check_int,
    check_real,
    check_seed,
    field_check,
)
from lagom._types import ArrayLike, Float64Array

__all__ = ["BaseES", "ESResult"]


def _arrays_equal(a: Float64Array | None, b: Float64Array | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _frozen_array(x: ArrayLike) -> Float64Array:
    """A read-only float64 copy: records stay immutable even though arrays are not."""
    y = np.array(x, dtype=np.float64)
    y.setflags(write=False)
    return y


def _vector(name: str, x: ArrayLike) -> Float64Array:
    """A record's ``[N]`` field ``name`` as a finite, read-only float64 copy."""
    if x is None:
        raise TypeError(f"{name} must be a 1-D array of real numbers, got None")
    y = as_float_array(x, name)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array [N], got shape {y.shape}")
    return _frozen_array(check_finite(name, y))


# One named converter per field: the attrs plugin of mypy takes no closures as converters.
def _to_xbest(x: ArrayLike | None) -> Float64Array | None:
    return None if x is None else _vector("xbest", x)


def _to_xfavorite(x: ArrayLike) -> Float64Array:
    return _vector("xfavorite", x)


def _to_mean(x: ArrayLike) -> Float64Array:
    return _vector("mean", x)


def _to_stds(x: ArrayLike) -> Float64Array:
    return _vector("stds", x)


def _to_sigma0(x: ArrayLike) -> Float64Array:
    return _vector("sigma0", x)


def _to_sigma(x: ArrayLike) -> Float64Array:
    return _vector("sigma", x)


def _to_adam_m(x: ArrayLike) -> Float64Array:
    return _vector("adam_m", x)


def _to_adam_v(x: ArrayLike) -> Float64Array:
    return _vector("adam_v", x)


_array_eq = attrs.cmp_using(eq=_arrays_equal)


def _as_fbest(value: float) -> float:
    # inf: nothing told yet; -inf: an objective may reach it. NaN is never a best value.
    return check_real("fbest", value)


#: Validators of the counters every ES record keeps.
_COUNT = field_check(check_int, minimum=0)
_EVALS_BEST = field_check(check_int, minimum=1, optional=True)
_FLAG = field_check(check_bool)
_SEED = field_check(check_seed)


def _check_same_shape(record: object, names: Sequence[str]) -> None:
    """Raise unless the ``[N]`` arrays ``names`` of ``record`` have one shape."""
    shapes = {name: getattr(record, name).shape for name in names}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"{', '.join(names)} must have one shape [N], got {shapes}")


@attrs.frozen
class ESResult:
    """What an evolution strategy has found so far (the fields of pycma's ``es.result``).

    Arrays are read-only copies, so a result never changes after it was taken.

    Raises:
        TypeError: an array is not real numbers, a count is not an int, or ``fbest`` is
            not a real number.
        ValueError: an array is not 1-D or holds NaN or inf, a count is negative
            (``evals_best`` below 1), or ``fbest`` is NaN.

    Attributes:
        xbest: ``[N]`` the best solution ever told, or ``None`` before the first ``tell``.
        fbest: its objective value (``inf`` before the first ``tell``).
        evals_best: the 1-based evaluation count at which ``xbest`` was told (the
            ``i``-th solution of the ``g``-th ``tell`` with popsize ``P`` counts
            ``(g - 1) * P + i``), or ``None`` before the first ``tell``.
        evaluations: the number of solutions told so far.
        iterations: the number of ``tell`` calls so far.
        xfavorite: ``[N]`` the current mean of the search distribution: the best
            estimate of the optimum.
        stds: ``[N]`` the current standard deviation of each coordinate.

    Example:
        >>> r = ESResult(None, float("inf"), None, 0, 0, np.zeros(2), np.ones(2))
        >>> r.xbest is None, r.fbest, r.stds.flags.writeable
        (True, inf, False)
    """

    xbest: Float64Array | None = attrs.field(converter=_to_xbest, eq=_array_eq, hash=False)
    fbest: float = attrs.field(converter=_as_fbest)
    evals_best: int | None = attrs.field(validator=_EVALS_BEST)
    evaluations: int = attrs.field(validator=_COUNT)
    iterations: int = attrs.field(validator=_COUNT)
    xfavorite: Float64Array = attrs.field(converter=_to_xfavorite, eq=_array_eq, hash=False)
    stds: Float64Array = attrs.field(converter=_to_stds, eq=_array_eq, hash=False)


class BaseES(ABC):
    """Base class of the evolution strategies: an ask-and-tell loop that minimizes.

    To maximize a reward, minimize its negative. ``ask`` samples candidates, the caller
    evaluates them (serially or with :class:`~lagom.es.PopulationEvaluator`) and ``tell``
    updates the search distribution. ``result`` reports the best solution *ever* told,
    not only the best of the last generation.

    Example:
        >>> from lagom.es import CEM
        >>> es = CEM([1.0, 1.0], 0.5, {"popsize": 8, "elite_ratio": 0.25, "seed": 0})
        >>> for _ in range(3):
        ...     solutions = es.ask()
        ...     es.tell(solutions, [float(np.sum(x**2)) for x in solutions])
        >>> es.result.evaluations, es.result.iterations
        (24, 3)
        >>> es.tell(solutions, [0.0] * 8)  # each ask is told once
        Traceback (most recent call last):
        ...
        RuntimeError: tell must answer the last ask: call ask() first (already told)
    """

    @abstractmethod
    def ask(self) -> list[Float64Array]:
        """Sample a new population: ``popsize`` candidate solutions, each of shape ``[N]``."""

    @abstractmethod
    def tell(self, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike) -> None:
        """Update the search distribution from evaluated candidates.

        Each ``tell`` answers the last :meth:`ask`, once: asking again before telling
        abandons the earlier candidates, and a second ``tell`` needs a new ``ask``.

        Args:
            solutions: ``[P, N]`` the candidates returned by the last :meth:`ask` (a list of
                ``[N]`` arrays or one array), in any order.
            function_values: ``[P]`` the objective value of each candidate, same order.

        Raises:
            RuntimeError: no ask awaits this tell ("tell must answer the last ask: call
                ask() first"): nothing was asked yet, or the last ask was already told.
            ValueError: the lengths differ, ``P`` is not the population size, a solution
                does not have shape ``[N]``, or a value is NaN.
        """

    @property
    @abstractmethod
    def result(self) -> ESResult:
        """The best solution ever told and the current state, as an :class:`ESResult`."""
