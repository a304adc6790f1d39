"""CMA-ES through pycma, quiet and seeded without numpy's global RNG: :class:`CMAES`."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import cma
import numpy as np

from lagom._types import ArrayLike, Float64Array
from lagom.es._shared import _check_population, _check_seed, _fresh_seed
from lagom.es.base import BaseES, ESResult

__all__ = ["CMAES"]


def _is_time_seed(seed: object) -> bool:
    """pycma's test for "seed from the clock": ``None``, ``0``, ``time`` or ``'time...'``."""
    if seed is time or (isinstance(seed, str) and seed.startswith("time")):
        return True
    if isinstance(seed, str):
        return False
    try:
        return not seed or bool(np.isnan(seed))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


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
      operating system's entropy in ``[1, 2**32 - 1]``; :attr:`seed` and
      ``es.opts['seed']`` report it, so passing it back reproduces the run.

    If ``opts`` gives its own ``randn``, it is used as is and ``seed`` is left to pycma.
    pycma's rarely used integer handling (``integer_variables``) still draws from
    ``np.random``.

    Args:
        x0: ``[N]`` initial solution (the initial mean).
        sigma0: initial step size, a positive scalar (use pycma's ``CMA_stds`` option
            for per-coordinate scales).
        opts: pycma options, e.g. ``{"popsize": 16, "seed": 1, "bounds": [-5, 5]}``.

    Attributes:
        es: the wrapped ``cma.CMAEvolutionStrategy``.
        seed: the seed of the private generator (``None`` when ``opts`` gives ``randn``).
        popsize: the population size.

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
        options: dict[str, Any] = dict(cma.CMAOptions(dict(opts or {})))
        if not any(key.startswith("verb") for key in options):
            options["verbose"] = -9
        self.seed: int | None = None
        with warnings.catch_warnings():
            if "randn" not in options:
                seed = options.get("seed", "time")
                self.seed = _fresh_seed() if _is_time_seed(seed) else _check_seed(seed)
                options["seed"] = self.seed
                options["randn"] = np.random.RandomState(self.seed).randn
                # pycma warns that a seed is unused whenever randn is given; ours is used.
                warnings.filterwarnings("ignore", message=r"seed=.* will never be used")
            self.es = cma.CMAEvolutionStrategy(x0, sigma0, options)
        self.popsize: int = int(self.es.popsize)
        self._dimension = int(self.es.N_pheno)

    def ask(self) -> list[Float64Array]:
        """Sample ``popsize`` candidate solutions, each of shape ``[N]`` (pycma's ``ask``)."""
        solutions: list[Float64Array] = self.es.ask()
        return solutions

    def tell(self, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike) -> None:
        """Update the distribution from evaluated candidates (pycma's ``tell``).

        Args:
            solutions: ``[P, N]`` the candidates returned by :meth:`ask`.
            function_values: ``[P]`` their objective values; ``inf`` is allowed, NaN is not
                (pycma would silently replace it by the median).

        Raises:
            ValueError: the lengths differ, ``P`` is not ``popsize``, a solution has the
                wrong shape, or a value is NaN.
        """
        _, values = _check_population(solutions, function_values, self.popsize, self._dimension)
        self.es.tell(solutions, values.tolist())

    @property
    def result(self) -> ESResult:
        """The best solution ever told and the current mean and stds (pycma's ``es.result``)."""
        r = self.es.result
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
