"""The bookkeeping CEM, CMA-ES and OpenAI-ES share (private to :mod:`lagom.es`).

Validating a told population (and that it answers the last ask), tracking the best
solution, seeds and the per-generation random streams, and the options every strategy
parses the same way. Plain argument checks (ints, reals, bools, seeds) come from lagom's one
checks module, :mod:`lagom._checks`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lagom._checks import check_finite, check_fits, check_seed
from lagom._types import ArrayLike, Float64Array
from lagom.es.base import _frozen_array
from lagom.transform import LinearSchedule


def _check_population(
    solutions: Sequence[ArrayLike] | ArrayLike,
    function_values: ArrayLike,
    popsize: int,
    dimension: int,
) -> tuple[Float64Array, Float64Array]:
    """Validate a told population; return it as ``[P, N]`` solutions and ``[P]`` values."""
    values = _check_values(function_values)
    if values.ndim != 1:
        raise ValueError(
            f"function_values must be one number per solution (shape [P]), got shape {values.shape}"
        )
    try:
        count = len(solutions)  # type: ignore[arg-type]
    except TypeError as error:
        raise TypeError(
            f"solutions must be a list of arrays or a [P, N] array, got {type(solutions).__name__}"
        ) from error
    if count != values.shape[0]:
        raise ValueError(
            f"solutions and function_values must have the same length, "
            f"got {count} and {values.shape[0]}"
        )
    if count != popsize:
        raise ValueError(f"expected popsize={popsize} solutions, got {count}")
    try:
        xs = np.asarray(solutions, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"solutions must all have shape ({dimension},) like the ones ask() returns: {error}"
        ) from error
    if xs.shape != (popsize, dimension):
        raise ValueError(
            f"solutions must have shape ({popsize}, {dimension}) (popsize, dimension), "
            f"got {xs.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(xs).all(axis=1))
    if bad.size:
        # Checked here: pycma would take the population into its state before refusing it.
        raise ValueError(
            f"solutions must be finite, got NaN or inf in the solutions at indices {bad.tolist()}"
        )
    nan = np.flatnonzero(np.isnan(values))
    if nan.size:
        raise ValueError(
            f"function_values must not be NaN, got NaN at indices {nan.tolist()}; "
            "report a failed evaluation as a large value or inf"
        )
    return xs, values


def _is_real(value: object) -> bool:
    """Whether ``value`` is one real number: a Python or numpy int or float, or a 0-d array
    (numpy's, or anything with ``__array__``, as a torch scalar) of one; never a bool, a
    string, ``None`` or a complex number."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    try:
        given = np.asarray(value)
    except (TypeError, ValueError):
        return False
    return given.ndim == 0 and given.dtype.kind in "iuf"


def check_real_value(value: object, name: str, where: str = "") -> None:
    """Raise unless ``value`` is one real number (:func:`_is_real`) that fits in a float64;
    the message names ``name`` and then says ``where``.

    Example:
        >>> check_real_value(2, "values")
        >>> check_real_value(None, "values", " at index 0")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: values must be real numbers (...), got NoneType None at index 0
    """
    if not _is_real(value):
        raise TypeError(
            f"{name} must be real numbers (an int or a float, not a bool), got "
            f"{type(value).__name__} {value!r:.60}{where}"
        )
    try:
        float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(f"{name} must fit in a float64, got {value!r:.40}{where}") from None


def _check_values(function_values: ArrayLike) -> Float64Array:
    """``function_values`` as float64, refusing what numpy would silently turn into numbers.

    ``np.asarray(..., dtype=float)`` reads ``"1.5"`` as 1.5, ``None`` as NaN and a bool among
    floats as 0 or 1, and raises ``OverflowError`` on an int beyond float64: each item of a
    list is checked first, so the message names what was wrong and where.
    """
    if isinstance(function_values, np.ndarray):
        if function_values.dtype.kind == "b":
            raise TypeError(
                f"function_values must be real numbers, got booleans {function_values!r:.80}"
            )
        items: list[object] = (
            function_values.ravel().tolist() if function_values.dtype.kind == "O" else []
        )
    elif isinstance(function_values, Sequence) and not isinstance(function_values, (str, bytes)):
        items = list(function_values)
        if items and all(isinstance(v, (bool, np.bool_)) for v in items):
            raise TypeError(
                f"function_values must be real numbers, got booleans {function_values!r:.80}"
            )
    else:
        items = []
    for i, value in enumerate(items):
        if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim):
            continue  # nested: the shape check below says what is wrong
        check_real_value(value, "function_values", f" at index {i}")
    try:
        values: Float64Array = np.asarray(function_values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"function_values must be a list of real numbers, got {function_values!r:.80}"
        ) from error
    return values


def _update_best(
    xbest: Float64Array | None,
    fbest: float,
    evals_best: int | None,
    evaluations: int,
    solutions: Float64Array,
    values: Float64Array,
) -> tuple[Float64Array | None, float, int | None]:
    """Return the new ``(xbest, fbest, evals_best)`` after ``values`` were told.

    Only a strictly smaller value replaces the incumbent, and the first of equal minima wins,
    as in pycma. ``evaluations`` is the count before this population.
    """
    i = int(np.argmin(values))
    if values[i] < fbest:
        return _frozen_array(solutions[i]), float(values[i]), evaluations + i + 1
    return xbest, fbest, evals_best


def _check_asked(asked: bool, num_asks: int, ask: str) -> None:
    """Raise unless the state's last ``ask`` awaits its tell (each ask is told once)."""
    if not asked:
        why = "nothing asked yet" if num_asks == 0 else "already told"
        raise RuntimeError(f"tell must answer the last ask: call {ask} first ({why})")


def _real_array(name: str, x: object) -> Float64Array:
    """``x`` as a float64 array; anything but real numbers (bools included) is a TypeError."""
    try:
        arr = np.asarray(x)
    except ValueError as error:  # ragged
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be real numbers, got {type(x).__name__} {x!r:.60} (dtype {arr.dtype})"
        )
    return arr.astype(np.float64)


def _check_x0(x0: ArrayLike) -> Float64Array:
    """``x0`` as a finite, non-empty ``[N]`` float64 array."""
    x = _real_array("x0", x0)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must be a non-empty 1-D array [N], got shape {x.shape}")
    return check_finite("x0", x)


def _check_sigma0(sigma0: ArrayLike, dimension: int) -> Float64Array:
    sigma = _real_array("sigma0", sigma0)
    if sigma.ndim > 1 or (sigma.ndim == 1 and sigma.shape != (dimension,)):
        raise ValueError(
            f"sigma0 must be a scalar or have shape ({dimension},), got shape {sigma.shape}"
        )
    if not np.all(np.isfinite(sigma) & (sigma > 0)):
        raise ValueError(f"sigma0 must be positive and finite, got {sigma0!r}")
    full: Float64Array = np.broadcast_to(sigma, (dimension,)).copy()
    return full


def _default_popsize(dimension: int) -> int:
    """pycma's default population size, ``4 + floor(3 ln N)``."""
    return 4 + int(3 * math.log(dimension))


#: Float64 ``[popsize, N]`` arrays a generation holds at once (candidates, noise, the told
#: population and its sorted copy).
_POPULATION_ARRAYS = 4


def _check_population_fits(popsize: int, dimension: int) -> None:
    """Refuse up front a population that cannot fit in this machine's memory: ``ask``
    would fail deep inside numpy with ``MemoryError``, or the OOM killer end the run."""
    row_bytes = _POPULATION_ARRAYS * 8 * dimension
    check_fits("popsize", popsize, row_bytes, context=f" for {dimension} coordinates")


def _fresh_seed() -> int:
    """A seed from the operating system's entropy, in ``[1, 2**32 - 1]``."""
    return int(np.random.SeedSequence().generate_state(1, np.uint32)[0]) or 1


def _resolve_seed(seed: object) -> int:
    """``None`` draws a fresh seed; any other value must be an int in ``[0, 2**32 - 1]``."""
    return _fresh_seed() if seed is None else check_seed("seed", seed)


def _check_opts(opts: object) -> dict[str, Any]:
    """``opts`` as a new dict: ``None`` is no options, anything but a mapping is refused."""
    if opts is None:
        return {}
    if not isinstance(opts, Mapping):
        raise TypeError(f"opts must be a dict of options or None, got {type(opts).__name__}")
    return dict(opts)


def _check_keys(name: str, opts: Mapping[str, object], allowed: Sequence[str]) -> None:
    unknown = sorted(set(opts) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {name} option(s) {unknown}; valid options are {sorted(allowed)}")


def _check_schedule(option: str, args: object, positive: bool) -> LinearSchedule:
    """Build the ``LinearSchedule(initial, final, N[, start])`` an option describes."""
    if isinstance(args, (str, bytes)) or not isinstance(args, Sequence) or len(args) not in (3, 4):
        raise ValueError(
            f"{option} must be [initial, final, N] or [initial, final, N, start], got {args!r}"
        )
    schedule = LinearSchedule(*args)
    low = min(schedule.initial, schedule.final)
    if low < 0 or (positive and low == 0):
        bound = "positive" if positive else "non-negative"
        raise ValueError(f"{option} must have {bound} initial and final values, got {args!r}")
    return schedule


def _generation_rng(seed: int, k: int) -> np.random.Generator:
    """The independent random stream of the ``k``-th ask: a pure function of ``(seed, k)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
