"""Eager argument checks of the strategies (private).

A strategy made by ``hypothesis.strategies.composite`` meets its arguments only when an
example is drawn, and a bad one then fails inside Hypothesis, naming Hypothesis's own
arguments. :func:`checked` runs a check of lagom's arguments when the strategy is made.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from lagom._checks import check_int

__all__ = ["check_bounds", "checked"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def checked(check: Callable[_P, None]) -> Callable[[Callable[_P, _T]], Callable[_P, _T]]:
    """Decorate a strategy function so that ``check`` sees its arguments first.

    Example:
        >>> def positive(n: int = 1) -> None:
        ...     check_int("n", n)
        >>> @checked(positive)
        ... def strategy(n: int = 1) -> str:
        ...     return "s" * n
        >>> strategy(2)
        'ss'
        >>> strategy(0)
        Traceback (most recent call last):
        ...
        ValueError: n must be at least 1, got 0
    """

    def decorate(make: Callable[_P, _T]) -> Callable[_P, _T]:
        @functools.wraps(make)
        def made(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            check(*args, **kwargs)
            return make(*args, **kwargs)

        return made

    return decorate


def check_bounds(low_name: str, low: object, high_name: str, high: object, lowest: int) -> None:
    """Raise unless ``low`` and ``high`` are ints with ``lowest <= low <= high``.

    Example:
        >>> check_bounds("min_T", 3, "max_T", 2, 0)
        Traceback (most recent call last):
        ...
        ValueError: max_T must be at least min_T=3, got 2
    """
    bottom = check_int(low_name, low, minimum=lowest)
    top = check_int(high_name, high, minimum=None)
    if top < bottom:
        raise ValueError(f"{high_name} must be at least {low_name}={bottom}, got {top}")
