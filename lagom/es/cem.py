"""The cross-entropy method as pure updates of a frozen state, and :class:`CEM` over them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np

from lagom._checks import check_instance, check_int, check_real, field_check
from lagom._types import ArrayLike, Float64Array
from lagom.es._functional import _FunctionalES
from lagom.es._shared import (
    _check_asked,
    _check_keys,
    _check_opts,
    _check_population,
    _check_population_fits,
    _check_schedule,
    _check_sigma0,
    _check_x0,
    _default_popsize,
    _generation_rng,
    _resolve_seed,
    _update_best,
)
from lagom.es.base import (
    _COUNT,
    _EVALS_BEST,
    _FLAG,
    _SEED,
    _array_eq,
    _as_fbest,
    _check_same_shape,
    _to_mean,
    _to_stds,
    _to_xbest,
)
from lagom.transform import LinearSchedule

__all__ = ["CEM", "CEMOptions", "CEMState", "cem_ask", "cem_init", "cem_tell"]


def _check_elite_ratio(options: object, field: object, value: float) -> None:
    if check_real("elite_ratio", value, low=0.0, high=1.0) == 0.0:
        raise ValueError("elite_ratio must be in (0, 1], got 0")


@attrs.frozen
class CEMOptions:
    """Hyper-parameters of :class:`CEM` (validated; see :func:`cem_init` for their meaning).

    Attributes:
        popsize: candidates per generation ``P``.
        elite_ratio: fraction of the population refitted, in ``(0, 1]``.
        noise_schedule: the extra variance's :class:`~lagom.transform.LinearSchedule`
            (from the option ``noise_scheduler_args``), or ``None`` for no extra variance.
        seed: the seed of every generation's random stream.

    Example:
        >>> options = cem_init([0.0] * 3, 1.0, {"popsize": 10, "seed": 0}).options
        >>> options.popsize, options.elite_ratio, options.elite_size, options.seed
        (10, 0.2, 2, 0)
        >>> attrs.evolve(options, elite_ratio=0.05).elite_size  # at least one elite
        1
        >>> attrs.evolve(options, popsize=100, elite_ratio=0.29).elite_size  # not 28
        29
    """

    popsize: int = attrs.field(validator=field_check(check_int, minimum=1))
    elite_ratio: float = attrs.field(validator=_check_elite_ratio)
    noise_schedule: LinearSchedule | None = attrs.field(
        validator=field_check(check_instance, kind=LinearSchedule, optional=True)
    )
    seed: int = attrs.field(validator=_SEED)

    @property
    def elite_size(self) -> int:
        """``max(1, floor(elite_ratio * popsize))``: how many candidates are refitted.

        The ratio is read as the decimal it prints as (``repr``), the number the user wrote:
        in floats ``0.29 * 100`` is ``28.999999999999996``, whose floor would drop an elite.
        """
        return max(1, math.floor(Fraction(repr(self.elite_ratio)) * self.popsize))


@attrs.frozen
class CEMState:
    """The whole state of a CEM run: options, search distribution and best-so-far record.

    Attributes:
        options: the hyper-parameters.
        mean: ``[N]`` mean of the search distribution.
        stds: ``[N]`` per-coordinate standard deviation (before the extra noise).
        iterations: number of :func:`cem_tell` calls so far (indexes the noise schedule).
        num_asks: number of :func:`cem_ask` calls so far (indexes the random streams).
        asked: whether the last ask awaits its tell (set by :func:`cem_ask`, cleared by
            :func:`cem_tell`, which refuses a state without it).
        evaluations: number of candidates told so far.
        xbest: ``[N]`` best candidate ever told, or ``None``.
        fbest: its value (``inf`` before the first tell).
        evals_best: 1-based evaluation count of ``xbest``, or ``None``.

    Example:
        >>> state = cem_init([0.0, 0.0], 1.0, {"popsize": 4, "elite_ratio": 0.5, "seed": 0})
        >>> state.iterations, state.evaluations, state.xbest, state.fbest
        (0, 0, None, inf)
        >>> solutions, state = cem_ask(state)
        >>> state.asked
        True
        >>> state = cem_tell(state, solutions, [float(x @ x) for x in solutions])
        >>> state.iterations, state.num_asks, state.evaluations, state.fbest == min(
        ...     float(x @ x) for x in solutions
        ... )
        (1, 1, 4, True)
    """

    options: CEMOptions = attrs.field(validator=field_check(check_instance, kind=CEMOptions))
    mean: Float64Array = attrs.field(converter=_to_mean, eq=_array_eq, hash=False)
    stds: Float64Array = attrs.field(converter=_to_stds, eq=_array_eq, hash=False)
    iterations: int = attrs.field(default=0, validator=_COUNT)
    num_asks: int = attrs.field(default=0, validator=_COUNT)
    asked: bool = attrs.field(default=False, validator=_FLAG)
    evaluations: int = attrs.field(default=0, validator=_COUNT)
    xbest: Float64Array | None = attrs.field(
        default=None, converter=_to_xbest, eq=_array_eq, hash=False
    )
    fbest: float = attrs.field(default=float("inf"), converter=_as_fbest)
    evals_best: int | None = attrs.field(default=None, validator=_EVALS_BEST)

    def __attrs_post_init__(self) -> None:
        _check_same_shape(self, ("mean", "stds"))


_CEM_KEYS = ("popsize", "elite_ratio", "noise_scheduler_args", "seed")


def cem_init(x0: ArrayLike, sigma0: ArrayLike, opts: Mapping[str, Any] | None = None) -> CEMState:
    """Start a cross-entropy-method run at mean ``x0`` with standard deviation ``sigma0``.

    Each generation samples ``x_i = mean + sqrt(stds**2 + noise(t)) * z_i``, ``z_i ~ N(0, I)``,
    ``i = 1..P``, where ``t`` counts the tells so far and ``noise(t)`` is an extra variance
    following ``LinearSchedule(*noise_scheduler_args)`` (it keeps the distribution from
    collapsing early). The tell refits ``mean`` and ``stds`` to the ``elite_size`` best
    candidates (their mean and per-coordinate population standard deviation).

    Args:
        x0: ``[N]`` initial mean.
        sigma0: initial standard deviation, a positive scalar or ``[N]``.
        opts: ``popsize`` (default ``4 + floor(3 ln N)``), ``elite_ratio`` in ``(0, 1]``
            (default ``0.2``), ``noise_scheduler_args`` ``[initial, final, N, start]``
            (default: no extra noise) and ``seed`` (an int in ``[0, 2**32 - 1]``; default
            ``None`` draws one from the operating system, recorded in ``options.seed``).

    Returns:
        The initial :class:`CEMState`.

    Raises:
        ValueError: an unknown option, a non-1-D ``x0``, a NaN or infinite ``x0``, a
            ``sigma0`` that is not positive and finite, an out-of-range option, or a
            ``popsize`` whose ``[popsize, N]`` generations cannot fit in memory.
        TypeError: ``x0`` or ``sigma0`` is not real numbers, ``opts`` is not a mapping, or
            an option has the wrong type.

    Example:
        >>> state = cem_init([0.0, 0.0], 1.0, {"popsize": 10, "elite_ratio": 0.3, "seed": 0})
        >>> state.options.elite_size, state.mean.tolist(), state.stds.tolist()
        (3, [0.0, 0.0], [1.0, 1.0])
    """
    opts = _check_opts(opts)
    _check_keys("CEM", opts, _CEM_KEYS)
    mean = _check_x0(x0)
    popsize = check_int("popsize", opts.get("popsize", _default_popsize(mean.size)), minimum=1)
    _check_population_fits(popsize, mean.size)
    elite_ratio = check_real("elite_ratio", opts.get("elite_ratio", 0.2), low=0.0, high=1.0)
    if elite_ratio == 0.0:
        raise ValueError("elite_ratio must be in (0, 1], got 0")
    noise = opts.get("noise_scheduler_args")
    options = CEMOptions(
        popsize=popsize,
        elite_ratio=elite_ratio,
        noise_schedule=(
            None if noise is None else _check_schedule("noise_scheduler_args", noise, False)
        ),
        seed=_resolve_seed(opts.get("seed")),
    )
    return CEMState(options=options, mean=mean, stds=_check_sigma0(sigma0, mean.size))


def _extra_variance(options: CEMOptions, iterations: int) -> float:
    if options.noise_schedule is None:
        return 0.0
    return options.noise_schedule(iterations)


def cem_ask(state: CEMState) -> tuple[Float64Array, CEMState]:
    """Sample a generation: ``x_i = mean + sqrt(stds**2 + noise(t)) * z_i``, ``i = 1..P``.

    The normal draws of the ``k``-th ask (``k = state.num_asks``) come from
    ``np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))``, so the same
    state always gives the same candidates and successive asks are independent.

    Args:
        state: the current state.

    Returns:
        ``[P, N]`` candidates and the state with ``num_asks`` incremented and ``asked`` set
        (asking again before a tell abandons the earlier candidates).

    Raises:
        TypeError: ``state`` is not a :class:`CEMState`.

    Example:
        >>> state = cem_init([0.0, 0.0, 0.0], 1.0, {"popsize": 4, "seed": 0})
        >>> solutions, state = cem_ask(state)
        >>> solutions.shape, state.num_asks
        ((4, 3), 1)
    """
    _check_state(state)
    options = state.options
    rng = _generation_rng(options.seed, state.num_asks)
    std = np.sqrt(state.stds**2 + _extra_variance(options, state.iterations))
    solutions = rng.standard_normal((options.popsize, state.mean.size))
    solutions *= std  # in place: at popsize 256 and N = 10,000 each temporary is 20 MB
    solutions += state.mean
    return solutions, attrs.evolve(state, num_asks=state.num_asks + 1, asked=True)


def cem_tell(
    state: CEMState, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike
) -> CEMState:
    """Refit the distribution to the elite: the ``E = elite_size`` lowest values.

    ``mean = (1/E) sum_{e in elite} x_e`` and ``stds = sqrt((1/E) sum_e (x_e - mean)**2)``
    per coordinate; ties in the values are broken by position. The best-so-far record
    keeps the first strictly smallest value ever told. With one elite (``E = 1``) the
    ``stds`` become 0: without ``noise_scheduler_args`` every later candidate is the mean
    and the search stops moving (give an extra noise, or a larger ``elite_ratio``).

    Args:
        state: the state :func:`cem_ask` returned: its candidates await this tell.
        solutions: ``[P, N]`` evaluated candidates (usually those :func:`cem_ask` returned,
            in any order).
        function_values: ``[P]`` their objective values (minimized; ``inf`` allowed).

    Returns:
        The new state (``iterations`` and ``evaluations`` advanced, ``asked`` cleared).

    Raises:
        TypeError: ``state`` is not a :class:`CEMState`.
        RuntimeError: ``state`` has no ask awaiting a tell (not asked, or already told).
        ValueError: the lengths differ or are not ``popsize``, a candidate is not ``[N]``,
            or a value is NaN.

    Example:
        >>> state = cem_init([0.0], 1.0, {"popsize": 4, "elite_ratio": 0.5, "seed": 0})
        >>> _, state = cem_ask(state)
        >>> state = cem_tell(state, [[1.0], [2.0], [3.0], [5.0]], [1.0, 4.0, 9.0, 25.0])
        >>> state.mean.tolist(), state.stds.tolist(), state.fbest, state.evals_best
        ([1.5], [0.5], 1.0, 1)
        >>> cem_tell(state, [[1.0], [2.0], [3.0], [5.0]], [1.0, 4.0, 9.0, 25.0])
        Traceback (most recent call last):
        ...
        RuntimeError: tell must answer the last ask: call cem_ask first (already told)
    """
    _check_state(state)
    _check_asked(state.asked, state.num_asks, "cem_ask")
    options = state.options
    xs, values = _check_population(solutions, function_values, options.popsize, state.mean.size)
    elite = xs[np.argsort(values, kind="stable")[: options.elite_size]]
    xbest, fbest, evals_best = _update_best(
        state.xbest, state.fbest, state.evals_best, state.evaluations, xs, values
    )
    return attrs.evolve(
        state,
        mean=elite.mean(axis=0),
        stds=elite.std(axis=0),
        iterations=state.iterations + 1,
        asked=False,
        evaluations=state.evaluations + options.popsize,
        xbest=xbest,
        fbest=fbest,
        evals_best=evals_best,
    )


def _check_state(state: object) -> None:
    if not isinstance(state, CEMState):
        raise TypeError(f"state must be a CEMState (from cem_init), got {type(state).__name__}")


class CEM(_FunctionalES[CEMState]):
    """The cross-entropy method: a thin stateful shell over :func:`cem_ask`/:func:`cem_tell`.

    Args:
        x0: ``[N]`` initial mean.
        sigma0: initial standard deviation, a positive scalar or ``[N]``.
        opts: ``popsize``, ``elite_ratio``, ``noise_scheduler_args``, ``seed`` (see
            :func:`cem_init`).

    Attributes:
        state: the current :class:`CEMState` (replaced, never mutated, by ask and tell).

    Example:
        >>> opts = {"popsize": 32, "elite_ratio": 0.2, "seed": 0,
        ...         "noise_scheduler_args": [0.1, 0.0, 50, 0]}
        >>> es = CEM([3.0] * 5, 1.0, opts)
        >>> for _ in range(100):
        ...     solutions = es.ask()
        ...     es.tell(solutions, [float(np.sum(x**2)) for x in solutions])
        >>> bool(es.result.fbest < 1e-3), es.result.evaluations
        (True, 3200)
    """

    def __init__(
        self, x0: ArrayLike, sigma0: ArrayLike, opts: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(cem_init(x0, sigma0, opts), cem_ask, cem_tell, spread="stds")
