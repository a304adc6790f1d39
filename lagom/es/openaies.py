"""OpenAI's evolution strategy as pure state updates: :func:`openaies_tell`, :class:`OpenAIES`."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from lagom._checks import check_bool, check_instance, check_int, check_real, field_check
from lagom._types import ArrayLike, Float64Array
from lagom.es._adam import _adam_direction
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
    _to_adam_m,
    _to_adam_v,
    _to_mean,
    _to_sigma,
    _to_sigma0,
    _to_xbest,
)
from lagom.transform import LinearSchedule, rank_transform

__all__ = [
    "OpenAIES",
    "OpenAIESOptions",
    "OpenAIESState",
    "openaies_ask",
    "openaies_init",
    "openaies_tell",
]


# Real-valued options: name -> (default, low, high); all finite.
_REALS = {
    "lr": (0.01, 0.0, math.inf),
    "lr_decay": (1.0, 0.0, 1.0),
    "min_lr": (0.0, 0.0, math.inf),
    "sigma_decay": (1.0, 0.0, 1.0),
    "min_sigma": (0.0, 0.0, math.inf),
    "weight_decay": (0.0, 0.0, math.inf),
}


def _real(name: str) -> Callable[[object, Any, Any], None]:
    _, low, high = _REALS[name]
    return field_check(check_real, low=low, high=high, finite=True)


@attrs.frozen
class OpenAIESOptions:
    """Hyper-parameters of :class:`OpenAIES` (validated; see :func:`openaies_init`).

    Example:
        >>> options = openaies_init([0.0] * 3, 0.1, {"popsize": 6, "lr": 0.05, "seed": 0}).options
        >>> options.popsize, options.lr, options.antithetic, options.rank_transform
        (6, 0.05, True, True)
    """

    popsize: int = attrs.field(validator=field_check(check_int, minimum=2))
    lr: float = attrs.field(validator=_real("lr"))
    lr_decay: float = attrs.field(validator=_real("lr_decay"))
    min_lr: float = attrs.field(validator=_real("min_lr"))
    sigma_schedule: LinearSchedule | None = attrs.field(
        validator=field_check(check_instance, kind=LinearSchedule, optional=True)
    )
    sigma_decay: float = attrs.field(validator=_real("sigma_decay"))
    min_sigma: float = attrs.field(validator=_real("min_sigma"))
    antithetic: bool = attrs.field(validator=_FLAG)
    rank_transform: bool = attrs.field(validator=_FLAG)
    weight_decay: float = attrs.field(validator=_real("weight_decay"))
    seed: int = attrs.field(validator=_SEED)


@attrs.frozen
class OpenAIESState:
    """The whole state of an OpenAI-ES run.

    Attributes:
        options: the hyper-parameters.
        sigma0: ``[N]`` initial noise scale.
        mean: ``[N]`` current parameters (the search distribution's mean).
        sigma: ``[N]`` noise scale of the current generation.
        adam_m: ``[N]`` Adam's first moment; ``adam_v``: ``[N]`` its second moment.
        iterations: tells so far (``t``); ``num_asks``: asks so far (indexes the streams).
        asked: whether the last ask awaits its tell (set by :func:`openaies_ask`, cleared
            by :func:`openaies_tell`, which refuses a state without it).
        evaluations: number of candidates told so far.
        xbest: ``[N]`` best candidate ever told, or ``None``.
        fbest: its value (``inf`` before the first tell).
        evals_best: 1-based evaluation count of ``xbest``, or ``None``.

    Example:
        >>> state = openaies_init([1.0, 1.0], 0.5, {"popsize": 4, "seed": 0})
        >>> state.mean.tolist(), state.adam_m.tolist(), state.iterations, state.fbest
        ([1.0, 1.0], [0.0, 0.0], 0, inf)
        >>> solutions, state = openaies_ask(state)
        >>> state = openaies_tell(state, solutions, [float(x @ x) for x in solutions])
        >>> state.iterations, state.num_asks, state.evaluations, state.mean.tolist() != [1, 1]
        (1, 1, 4, True)
    """

    options: OpenAIESOptions = attrs.field(
        validator=field_check(check_instance, kind=OpenAIESOptions)
    )
    sigma0: Float64Array = attrs.field(converter=_to_sigma0, eq=_array_eq, hash=False)
    mean: Float64Array = attrs.field(converter=_to_mean, eq=_array_eq, hash=False)
    sigma: Float64Array = attrs.field(converter=_to_sigma, eq=_array_eq, hash=False)
    adam_m: Float64Array = attrs.field(converter=_to_adam_m, eq=_array_eq, hash=False)
    adam_v: Float64Array = attrs.field(converter=_to_adam_v, eq=_array_eq, hash=False)
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
        _check_same_shape(self, ("sigma0", "mean", "sigma", "adam_m", "adam_v"))


_KEYS = (*_REALS, "popsize", "sigma_scheduler_args", "antithetic", "rank_transform", "seed")


def _sigma_at(options: OpenAIESOptions, sigma0: Float64Array, t: int) -> Float64Array:
    """Noise scale of generation ``t``: the schedule from ``t = 1`` on, else decayed ``sigma0``."""
    if t == 0:
        return sigma0
    if options.sigma_schedule is not None:
        return np.full_like(sigma0, options.sigma_schedule(t))
    return np.maximum(sigma0 * options.sigma_decay**t, options.min_sigma)


def openaies_init(
    x0: ArrayLike, sigma0: ArrayLike, opts: Mapping[str, Any] | None = None
) -> OpenAIESState:
    """Start an OpenAI-ES run (Salimans et al., 2017) at parameters ``x0``.

    Generation ``t`` samples ``x_i = mean + sigma_t * z_i`` with ``z_i ~ N(0, I)``
    (antithetic: ``z_{i + P/2} = -z_i``). :func:`openaies_tell` estimates the gradient of
    the smoothed objective from fitness-shaped values and takes one Adam step.

    ``sigma_t`` is ``sigma0`` at ``t = 0``; afterwards it follows
    ``LinearSchedule(*sigma_scheduler_args)(t)`` when given (as in the original lagom),
    else ``max(sigma0 * sigma_decay**t, min_sigma)``. The learning rate of the ``t``-th
    step is ``max(lr * lr_decay**t, min_lr)``.

    Args:
        x0: ``[N]`` initial parameters.
        sigma0: initial noise scale, a positive scalar or ``[N]``.
        opts: ``popsize`` (default ``4 + floor(3 ln N)``, rounded up to even when
            antithetic), ``lr`` (``0.01``), ``lr_decay`` (``1.0``), ``min_lr`` (``0.0``),
            ``sigma_scheduler_args`` ``[initial, final, N, start]`` (``None``),
            ``sigma_decay`` (``1.0``), ``min_sigma`` (``0.0``), ``antithetic`` (``True``),
            ``rank_transform`` (``True``: centered ranks instead of raw values),
            ``weight_decay`` (``0.0``: L2 coefficient) and ``seed`` (``None`` draws one
            from the operating system, recorded in ``options.seed``).

    Returns:
        The initial :class:`OpenAIESState`.

    Raises:
        ValueError: an unknown option, an odd ``popsize`` with ``antithetic``, both a
            schedule and ``sigma_decay``, a non-1-D, NaN or infinite ``x0``, a ``sigma0``
            that is not positive and finite, an out-of-range option, or a ``popsize``
            whose ``[popsize, N]`` generations cannot fit in memory.
        TypeError: ``x0`` or ``sigma0`` is not real numbers, ``opts`` is not a mapping, or
            an option has the wrong type.

    Example:
        >>> state = openaies_init([1.0, 2.0], 0.1, {"popsize": 6, "seed": 0})
        >>> state.mean.tolist(), state.sigma.tolist(), state.options.antithetic
        ([1.0, 2.0], [0.1, 0.1], True)
    """
    opts = _check_opts(opts)
    _check_keys("OpenAIES", opts, _KEYS)
    mean = _check_x0(x0)
    antithetic = check_bool("antithetic", opts.get("antithetic", True))
    default_popsize = _default_popsize(mean.size)
    default_popsize += default_popsize % 2 if antithetic else 0
    popsize = check_int("popsize", opts.get("popsize", default_popsize), minimum=2)
    _check_population_fits(popsize, mean.size)
    if antithetic and popsize % 2:
        raise ValueError(f"popsize must be even with antithetic sampling, got {popsize}")
    schedule = opts.get("sigma_scheduler_args")
    if schedule is not None:
        if "sigma_decay" in opts or "min_sigma" in opts:
            raise ValueError("give either sigma_scheduler_args or sigma_decay/min_sigma, not both")
        schedule = _check_schedule("sigma_scheduler_args", schedule, True)
    sigma0_vector = _check_sigma0(sigma0, mean.size)
    reals = {
        k: check_real(k, opts.get(k, d), low=lo, high=hi, finite=True)
        for k, (d, lo, hi) in _REALS.items()
    }
    options = OpenAIESOptions(
        popsize=popsize,
        sigma_schedule=schedule,
        antithetic=antithetic,
        rank_transform=check_bool("rank_transform", opts.get("rank_transform", True)),
        seed=_resolve_seed(opts.get("seed")),
        **reals,
    )
    if options.sigma_decay == 0.0 and options.min_sigma == 0.0:
        raise ValueError("sigma_decay=0 needs a positive min_sigma, or sigma becomes 0")
    zeros = np.zeros_like(mean)
    return OpenAIESState(options, sigma0_vector, mean, sigma0_vector, zeros, zeros)


def openaies_ask(state: OpenAIESState) -> tuple[Float64Array, OpenAIESState]:
    """Sample a generation ``x_i = mean + sigma * z_i``, ``i = 1..P``, ``z_i ~ N(0, I)``.

    With ``antithetic``, the second half mirrors the first: ``z_{i + P/2} = -z_i``. The
    draws of the ``k``-th ask come from
    ``np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))``.

    Args:
        state: the current state.

    Returns:
        ``[P, N]`` candidates and the state with ``num_asks`` incremented and ``asked`` set
        (asking again before a tell abandons the earlier candidates).

    Raises:
        TypeError: ``state`` is not an :class:`OpenAIESState`.

    Example:
        >>> state = openaies_init([0.0, 0.0], 1.0, {"popsize": 4, "seed": 0})
        >>> solutions, state = openaies_ask(state)
        >>> bool(np.all(solutions[:2] == -solutions[2:]))
        True
    """
    _check_state(state)
    options = state.options
    rng = _generation_rng(options.seed, state.num_asks)
    n = state.mean.size
    if options.antithetic:
        half = options.popsize // 2
        z = np.empty((options.popsize, n))
        rng.standard_normal(out=z[:half])
        np.negative(z[:half], out=z[half:])
    else:
        z = rng.standard_normal((options.popsize, n))
    z *= state.sigma  # in place: at popsize 256 and N = 10,000 each temporary is 20 MB
    z += state.mean
    return z, attrs.evolve(state, num_asks=state.num_asks + 1, asked=True)


def openaies_tell(
    state: OpenAIESState, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike
) -> OpenAIESState:
    """Take one Adam step along the search-gradient estimate (minimizing).

    With ``u = rank_transform(f)`` (or ``u = f``), ``F = (u - mean(u)) / (std(u) + 1e-8)``
    and ``z_i = (x_i - mean) / sigma``, the gradient estimate is
    ``g = (1 / (P sigma)) sum_i F_i z_i + weight_decay * mean``, and Adam (``beta1 = 0.9``,
    ``beta2 = 0.999``, ``eps = 1e-8``, bias-corrected) moves ``mean`` by
    ``-lr_t * m_hat / (sqrt(v_hat) + eps)``.

    OpenAI's evolution-strategies-starter has no factor ``c = 1 / (sigma (std(u) + 1e-8))``
    in its estimate (a constant for a fixed population and ``sigma``, which Adam's step does
    not see), so its ``l2coeff`` is ``weight_decay / c`` here: with its ``sigma = 0.02`` and
    centred ranks, ``l2coeff = 0.005`` is a ``weight_decay`` of 0.85 -- 0.87 for 50 -- 1,000
    candidates (``tests/es/test_outside_references.py``).

    Args:
        state: the state :func:`openaies_ask` returned (its ``sigma`` is the one the
            candidates used; they await this tell).
        solutions: ``[P, N]`` evaluated candidates.
        function_values: ``[P]`` their objective values (``inf`` only with rank transform).

    Returns:
        The new state (stepped mean, next ``sigma``, advanced counters and best record,
        ``asked`` cleared).

    Raises:
        TypeError: ``state`` is not an :class:`OpenAIESState`.
        RuntimeError: ``state`` has no ask awaiting a tell (not asked, or already told).
        ValueError: the lengths differ or are not ``popsize``, a candidate is not ``[N]``,
            a value is NaN, or (without rank transform) infinite.

    Example:
        >>> state = openaies_init([1.0], 0.5, {"popsize": 2, "lr": 0.1, "seed": 0})
        >>> _, state = openaies_ask(state)
        >>> state = openaies_tell(state, [[1.5], [0.5]], [2.25, 0.25])
        >>> round(float(state.mean[0]), 6), state.iterations, state.fbest
        (0.9, 1, 0.25)
    """
    _check_state(state)
    _check_asked(state.asked, state.num_asks, "openaies_ask")
    options = state.options
    xs, values = _check_population(solutions, function_values, options.popsize, state.mean.size)
    if options.rank_transform:
        utilities = np.asarray(rank_transform(values, centered=True), dtype=np.float64)
    elif not np.all(np.isfinite(values)):
        raise ValueError("function_values must be finite when rank_transform is off")
    else:
        utilities = values
    shaped = (utilities - utilities.mean()) / (utilities.std() + 1e-8)
    t = state.iterations
    grad = (shaped @ (xs - state.mean)) / (options.popsize * state.sigma**2)
    grad += options.weight_decay * state.mean
    direction, m, v = _adam_direction(grad, state.adam_m, state.adam_v, t)
    lr = max(options.lr * options.lr_decay**t, options.min_lr)
    xbest, fbest, evals_best = _update_best(
        state.xbest, state.fbest, state.evals_best, state.evaluations, xs, values
    )
    return attrs.evolve(
        state,
        mean=state.mean - lr * direction,
        sigma=_sigma_at(options, state.sigma0, t + 1),
        adam_m=m,
        adam_v=v,
        iterations=t + 1,
        asked=False,
        evaluations=state.evaluations + options.popsize,
        xbest=xbest,
        fbest=fbest,
        evals_best=evals_best,
    )


def _check_state(state: object) -> None:
    if not isinstance(state, OpenAIESState):
        raise TypeError(
            f"state must be an OpenAIESState (from openaies_init), got {type(state).__name__}"
        )


class OpenAIES(_FunctionalES[OpenAIESState]):
    """OpenAI evolution strategy: a thin stateful shell over the pure functions above.

    Args:
        x0: ``[N]`` initial parameters.
        sigma0: initial noise scale, a positive scalar or ``[N]``.
        opts: see :func:`openaies_init`.

    Attributes:
        state: the current :class:`OpenAIESState` (replaced, never mutated).

    Example:
        >>> es = OpenAIES([3.0] * 5, 0.5, {"popsize": 20, "lr": 0.1, "seed": 0})
        >>> f0 = float(np.sum(es.state.mean**2))
        >>> for _ in range(200):
        ...     solutions = es.ask()
        ...     es.tell(solutions, [float(np.sum(x**2)) for x in solutions])
        >>> bool(np.sum(es.result.xfavorite**2) < f0 / 100)
        True
    """

    def __init__(
        self, x0: ArrayLike, sigma0: ArrayLike, opts: Mapping[str, Any] | None = None
    ) -> None:
        state = openaies_init(x0, sigma0, opts)
        super().__init__(state, openaies_ask, openaies_tell, spread="sigma")
