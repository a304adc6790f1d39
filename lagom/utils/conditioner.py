"""Counters that say when to do something periodic: interval and N-times conditioners.

A training loop calls a conditioner with its progress (iterations, environment steps...)
and logs, evaluates or saves a checkpoint when it returns ``True``.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from lagom._checks import check_int

if TYPE_CHECKING:
    import numpy as np

__all__ = ["IntervalConditioner", "NConditioner"]

_MODES = ("accumulative", "incremental")


def _check_real(name: str, value: object, *, positive: bool) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    expected = "positive" if positive else "non-negative"
    # Exact arithmetic: 0.1 * 3 >= 0.3 must not depend on float rounding. Ints (and
    # fractions) stay exact however large; only other reals go through a float.
    if isinstance(value, numbers.Rational):
        exact = Fraction(int(value.numerator), int(value.denominator))
    else:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{name} must be a finite {expected} number, got {value}")
        exact = Fraction(number)
    if exact < 0 or (positive and exact == 0):
        raise ValueError(f"{name} must be a finite {expected} number, got {value}")
    return exact


class IntervalConditioner:
    """Return ``True`` when the progress reaches a multiple of ``interval`` not yet reported.

    The multiples are ``0, interval, 2 * interval, ...``; progress ``x`` has reached
    multiple ``k = floor(x / interval)``. A call returns ``True`` when ``k`` is beyond every
    multiple reported before, so the first call (``k = 0``) is ``True`` and afterwards
    ``True`` comes once per multiple crossed. Several multiples crossed by one call give
    one ``True`` (no catch-up on later calls). The original lagom instead returned ``True``
    at every call with ``n == 0`` and caught up on skipped multiples one call at a time.

    Args:
        interval: positive spacing of the multiples.
        mode: ``"accumulative"``: each call passes the progress so far (e.g. the total
            number of steps); ``"incremental"``: each call passes the progress made since
            the previous call, and the conditioner sums it. Default: ``"accumulative"``.

    Raises:
        TypeError, ValueError: ``interval`` is not a positive number, or ``mode`` is unknown.

    Attributes:
        counter: how many times a call returned ``True``.

    Example:
        >>> cond = IntervalConditioner(interval=10, mode="accumulative")
        >>> [n for n in [0, 3, 9, 10, 15, 20, 45, 46, 50] if cond(n)]
        [0, 10, 20, 45, 50]
        >>> cond = IntervalConditioner(interval=10, mode="incremental")
        >>> [cond(n) for n in [4, 4, 4, 4, 4]]
        [True, False, True, False, True]
    """

    def __init__(
        self, interval: float, mode: Literal["accumulative", "incremental"] = "accumulative"
    ) -> None:
        self._interval = _check_real("interval", interval, positive=True)
        if not isinstance(mode, str) or mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        self.interval = interval
        self.mode = mode
        self.counter = 0
        self._total = Fraction(0)
        self._next = 0

    def __call__(self, n: float | np.integer[Any] | np.floating[Any]) -> bool:
        """Report progress ``n`` (see ``mode``); return whether a new multiple was reached.

        Raises:
            TypeError, ValueError: ``n`` is not a finite non-negative number.
        """
        progress = _check_real("n", n, positive=False)
        if self.mode == "incremental":
            self._total += progress
            progress = self._total
        reached = math.floor(progress / self._interval)
        if reached < self._next or not self._allowed():
            return False
        self._next = reached + 1
        self.counter += 1
        return True

    def _allowed(self) -> bool:
        return True


class NConditioner(IntervalConditioner):
    """Return ``True`` at most ``num_conditions`` times, evenly spaced up to ``max_n``.

    An :class:`IntervalConditioner` with ``interval = max_n / num_conditions`` that starts at
    the first interval, not at 0: it returns ``True`` when the progress reaches
    ``k * max_n / num_conditions`` for ``k = 1, ..., num_conditions`` (computed exactly), so
    exactly ``num_conditions`` times if every interval is visited, the last at ``max_n``.
    Unlike the original lagom, progress 0 does not count.

    Args:
        max_n: progress at which the last condition holds.
        num_conditions: positive number of conditions.
        mode: ``"accumulative"`` or ``"incremental"``, as in :class:`IntervalConditioner`.

    Raises:
        TypeError, ValueError: ``max_n`` is not positive, ``num_conditions`` is not a positive
            int, or ``mode`` is unknown.

    Example:
        >>> cond = NConditioner(max_n=100, num_conditions=3, mode="accumulative")
        >>> [n for n in range(0, 150, 10) if cond(n)]
        [40, 70, 100]
    """

    def __init__(
        self,
        max_n: float,
        num_conditions: int,
        mode: Literal["accumulative", "incremental"] = "accumulative",
    ) -> None:
        num_conditions = check_int("num_conditions", num_conditions, minimum=1)
        exact_max = _check_real("max_n", max_n, positive=True)
        interval = exact_max / num_conditions
        super().__init__(1, mode)  # checks mode; the exact interval replaces 1 below
        self._interval = interval
        try:
            self.interval = float(interval)
        except OverflowError:  # an int max_n beyond floats: the exact interval still counts
            self.interval = math.inf
        self.max_n = max_n
        self.num_conditions = num_conditions
        self._next = 1

    def _allowed(self) -> bool:
        return self.counter < self.num_conditions
