"""CMA-ES through pycma, quiet and seeded without numpy's global RNG: :class:`CMAES`."""

from __future__ import annotations

import math
import numbers
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import cma
import numpy as np

from lagom._checks import check_int, check_real, check_seed, physical_memory
from lagom._types import ArrayLike, Float64Array
from lagom.es._shared import (
    _check_asked,
    _check_opts,
    _check_population,
    _check_population_fits,
    _check_x0,
    _fresh_seed,
)
from lagom.es.base import BaseES, ESResult

__all__ = ["CMAES"]

#: What pycma raises on option values it cannot use (it has no exception class of its own).
_PYCMA_ERRORS = (ValueError, TypeError, ArithmeticError, AssertionError, KeyError, IndexError)


def _is_time_seed(seed: object) -> bool:
    """pycma's "seed from the clock": ``None``, ``0``, NaN, ``time`` or ``'time...'``."""
    if seed is None or seed is time or (isinstance(seed, str) and seed.startswith("time")):
        return True
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Real):
        return False
    return seed == 0 or math.isnan(seed)


def _check_sigma0(sigma0: object) -> float:
    if isinstance(sigma0, (np.ndarray, Sequence)) and np.ndim(sigma0) > 0:
        raise ValueError(
            f"sigma0 must be a scalar, got shape {np.shape(sigma0)}; give per-coordinate "
            "scales with the CMA_stds option"
        )
    sigma = check_real("sigma0", sigma0, finite=True)
    if not sigma > 0:
        raise ValueError(f"sigma0 must be positive, got {sigma}")
    return sigma


#: Full ``[N, N]`` float64 matrices pycma allocates when it starts (C, B and a work copy).
_COVARIANCE_MATRICES = 3


def _covariance_error(dimension: int, memory: int | None = None) -> ValueError:
    """The error for a covariance that does not fit: naming the largest N that does where
    the machine's ``memory`` is known (a bound quadratic in N, unlike :func:`check_fits`)."""
    needed = _COVARIANCE_MATRICES * 8 * dimension**2
    largest = "" if memory is None else f" (at most {_largest_dimension(memory)} coordinates fit)"
    return ValueError(
        f"x0 has {dimension} coordinates: CMA-ES keeps a full [N, N] covariance matrix and "
        f"needs about {needed / 2**30:.3g} GiB for it, more than this machine has{largest}; "
        "pass the option CMA_diagonal=True (memory linear in N), or use CEM or OpenAIES"
    )


def _largest_dimension(memory: int) -> int:
    """The largest N whose full covariance matrices fit in ``memory`` bytes."""
    return math.isqrt(memory // (_COVARIANCE_MATRICES * 8))


def _check_covariance_fits(dimension: int, options: Mapping[str, Any]) -> None:
    """Refuse up front a full covariance matrix larger than the machine's memory: pycma would
    fail deep inside numpy, or, a little below that size, be killed by the OOM killer."""
    if options.get("CMA_diagonal") in (True, "True"):  # pycma's only linear-memory setting
        return
    memory = physical_memory()
    if memory is not None and dimension > _largest_dimension(memory):
        raise _covariance_error(dimension, memory)


@contextmanager
def _pycma_errors(doing: str) -> Iterator[None]:
    """Turn pycma's errors on what the user gave into lagom's, saying what it expected."""
    try:
        yield
    except _PYCMA_ERRORS as error:
        kind: Callable[[str], Exception] = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"pycma refused {doing}: {type(error).__name__}: {error}") from error


class CMAES(BaseES):
    """CMA-ES: a wrapper of pycma's ``cma.CMAEvolutionStrategy``.

    Options pass through to pycma unchanged (abbreviated keys included), with three
    differences, all about side effects:

    * **Quiet by default.** Unless ``opts`` sets ``verbose`` or any ``verb_*`` option,
      ``verbose=-9`` is added: nothing is printed and no ``outcmaes/`` folder is written.
      Setting any of them hands all verbosity and logging options back to pycma.
    * **numpy's global RNG is never touched.** pycma seeds and samples ``np.random``
      unless the ``randn`` option is given. We give it the ``randn`` of a private
      ``np.random.RandomState(seed)``, which is the same generator ``np.random.seed(seed)``
      makes, so the candidates equal plain pycma's for that seed, while two instances in
      one process no longer share (and disturb) one stream.
    * **A clock seed is recorded.** Like pycma, ``seed`` ``None``, ``0``, ``nan``,
      ``'time'`` or missing means "not reproducible"; we then draw a seed from the
      operating system's entropy in ``[1, 2**32 - 1]``; the attribute ``seed`` and
      ``es.opts['seed']`` report it, so passing it back reproduces the run.

    If ``opts`` gives its own ``randn``, it is used as is and ``seed`` is left to pycma.
    pycma's rarely used integer handling (``integer_variables``) still draws from
    ``np.random``.

    Args:
        x0: ``[N]`` initial solution (the initial mean), finite.
        sigma0: initial step size, a positive finite scalar (use pycma's ``CMA_stds``
            option for per-coordinate scales).
        opts: pycma options, e.g. ``{"popsize": 16, "seed": 1, "bounds": [-5, 5]}``;
            ``popsize``, when a number, is an int of at least 2, and ``seed`` follows
            lagom's rule for seeds (an int in ``[0, 2**32 - 1]``) besides the clock seeds
            above.

    Attributes:
        es: the wrapped ``cma.CMAEvolutionStrategy``.
        seed: the seed of the private generator (``None`` when ``opts`` gives ``randn``).
        popsize: the population size.

    Raises:
        TypeError: ``x0`` or ``sigma0`` is not real numbers, ``opts`` is not a mapping, or
            ``popsize`` or ``seed`` has the wrong type.
        ValueError: ``x0`` is not a non-empty finite ``[N]`` array, or has so many
            coordinates that the full covariance matrix cannot fit in memory (unless
            ``CMA_diagonal=True``), ``sigma0`` is not
            positive and finite, ``popsize < 2`` or too large for its generations to fit
            in memory, ``CMA_mu > popsize``, ``seed`` is out of range, or pycma
            refuses an option (an unknown name or a value it cannot use; its message is
            kept).

    Example:
        >>> es = CMAES([1.0] * 4, 0.5, {"popsize": 6, "seed": 1})
        >>> for _ in range(40):
        ...     solutions = es.ask()
        ...     es.tell(solutions, [float(np.sum(np.square(x))) for x in solutions])
        >>> len(solutions), solutions[0].shape, es.result.evaluations
        (6, (4,), 240)
        >>> bool(es.result.fbest < 1e-4)
        True
    """

    def __init__(self, x0: ArrayLike, sigma0: float, opts: Mapping[str, Any] | None = None) -> None:
        mean = _check_x0(x0)
        sigma = _check_sigma0(sigma0)
        given = _check_opts(opts)
        with _pycma_errors(f"the options {given!r:.200}"):
            options: dict[str, Any] = dict(cma.CMAOptions(given))
        popsize = options.get("popsize")
        if popsize is not None and not isinstance(popsize, str):  # a str is a pycma formula
            options["popsize"] = check_int("popsize", popsize, minimum=2)
            _check_population_fits(options["popsize"], mean.size)
        _check_covariance_fits(mean.size, options)
        if not any(key.startswith("verb") for key in options):
            options["verbose"] = -9
        self.seed: int | None = None
        if "randn" not in options:
            seed = options.get("seed", "time")
            self.seed = _fresh_seed() if _is_time_seed(seed) else check_seed("seed", seed)
            options["seed"] = self.seed
            options["randn"] = np.random.RandomState(self.seed).randn
        with warnings.catch_warnings(), _pycma_errors(f"the options {given!r:.200}"):
            if self.seed is not None:
                # pycma warns that a seed is unused whenever randn is given; ours is used.
                warnings.filterwarnings("ignore", message=r"seed=.* will never be used")
            try:
                self.es = cma.CMAEvolutionStrategy(mean, sigma, options)
            except MemoryError:
                raise _covariance_error(mean.size) from None
        self.popsize: int = int(self.es.popsize)
        mu: object = options.get("CMA_mu")
        # pycma takes more parents than candidates, then refuses every tell ("not enough
        # solutions passed"); a str is a pycma formula, left to pycma.
        if isinstance(mu, (int, float, np.integer, np.floating)) and mu > self.popsize:
            raise ValueError(f"CMA_mu must be at most popsize={self.popsize}, got {mu}")
        self._dimension = int(self.es.N_pheno)
        self._asked, self._num_asks = False, 0

    def ask(self) -> list[Float64Array]:
        """Sample ``popsize`` candidate solutions, each of shape ``[N]`` (pycma's ``ask``).

        Asking again before a :meth:`tell` abandons the earlier candidates.
        """
        solutions: list[Float64Array] = self.es.ask()
        self._asked, self._num_asks = True, self._num_asks + 1
        return solutions

    def tell(self, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike) -> None:
        """Update the distribution from evaluated candidates (pycma's ``tell``).

        Args:
            solutions: ``[P, N]`` the candidates returned by :meth:`ask`.
            function_values: ``[P]`` their objective values; ``inf`` is allowed, NaN is not
                (pycma would silently replace it by the median).

        Raises:
            RuntimeError: no ask awaits this tell (none yet, or the last one was told).
            ValueError: the lengths differ, ``P`` is not ``popsize``, a solution has the
                wrong shape, or a value is NaN (or pycma refused the population).
        """
        _check_asked(self._asked, self._num_asks, "ask()")
        xs, values = _check_population(solutions, function_values, self.popsize, self._dimension)
        # Copies: pycma keeps the best told solution by reference, so the caller's arrays,
        # changed after this tell, would change result.xbest.
        told = [np.array(x) for x in xs]
        with _pycma_errors("the told population"):
            self.es.tell(told, values.tolist())
        self._asked = False

    @property
    def result(self) -> ESResult:
        """The best solution ever told and the current mean and stds (pycma's ``es.result``)."""
        best = self.es.best
        if best.evals is not None:
            r = self.es.result
        else:
            # No finite value told yet (every evaluation failed, reported as inf). pycma's
            # result runs its termination tests, and once past ~30 iterations the stagnation
            # test subtracts best.evals, None here: a TypeError. For that test alone the
            # best counts as just found (no stagnation); nothing else reads it.
            best.evals = self.es.countevals
            try:
                r = self.es.result
            finally:
                best.evals = None
            return ESResult(
                xbest=None,
                fbest=float("inf"),
                evals_best=None,
                evaluations=int(r.evaluations),
                iterations=int(r.iterations),
                xfavorite=r.xfavorite,
                stds=r.stds,
            )
        return ESResult(
            xbest=r.xbest,
            fbest=r.fbest,
            evals_best=r.evals_best,
            evaluations=int(r.evaluations),
            iterations=int(r.iterations),
            xfavorite=r.xfavorite,
            stds=r.stds,
        )

    def __repr__(self) -> str:
        return f"CMAES(dimension={self._dimension}, popsize={self.popsize}, seed={self.seed})"
