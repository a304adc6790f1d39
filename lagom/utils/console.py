"""Console helpers: colored text, timing, and a yes/no prompt."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from time import perf_counter
from typing import Literal, ParamSpec, TypeAlias, TypeVar, overload

from lagom._checks import check_bool

__all__ = ["ask_yes_or_no", "color_str", "timed", "timeit"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: ANSI foreground color codes (the values colorama's ``Fore`` uses).
_COLORS = {
    "black": "\x1b[30m",
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "blue": "\x1b[34m",
    "magenta": "\x1b[35m",
    "cyan": "\x1b[36m",
    "white": "\x1b[37m",
}
#: The names ``color_str`` and ``timed`` take.
Color: TypeAlias = Literal["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def color_str(string: str, color: Color, bold: bool = False) -> str:
    r"""Return ``string`` wrapped in ANSI codes that color (and optionally bold) it.

    The result is ``<color code>[<bold code>]string<reset code>``.

    Args:
        string: input string.
        color: one of ``black, red, green, yellow, blue, magenta, cyan, white``.
        bold: if ``True``, the string is also bolded. Default: ``False``.

    Returns:
        The stylized string.

    Raises:
        TypeError: ``string`` is not a str or ``bold`` is not a bool.
        ValueError: ``color`` is not a known color name.

    Example:
        >>> color_str("lagom", "green", bold=True)
        '\x1b[32m\x1b[1mlagom\x1b[0m'
        >>> color_str("lagom", "red")
        '\x1b[31mlagom\x1b[0m'
    """
    if not isinstance(string, str):
        raise TypeError(f"string must be a str, got {type(string).__name__} {string!r:.60}")
    _check_style(color, bold)
    return _COLORS[color] + (_BOLD if bold else "") + string + _RESET


def _check_style(color: object, bold: object) -> None:
    if not isinstance(color, str) or color not in _COLORS:
        raise ValueError(f"color must be one of {sorted(_COLORS)}, got {color!r}")
    check_bool("bold", bold)


def _report(start: float, color: Color, bold: bool) -> None:
    total = timedelta(seconds=round(perf_counter() - start))
    timestamp = datetime.now().isoformat(" ", "seconds")
    print(color_str(f"\nTotal time: {total} at {timestamp}", color, bold))


@contextmanager
def timed(color: Color = "green", bold: bool = False) -> Iterator[None]:
    """A context manager that prints the time its body took (rounded to seconds).

    On exit it prints ``Total time: H:MM:SS at <local date and time>`` in color, also
    when the body raised. Like every ``contextlib`` context manager it also decorates a
    function (``@timed()``), timing each call.

    Args:
        color: color name (see :func:`color_str`). Default: ``"green"``.
        bold: if ``True``, the message is bolded. Default: ``False``.

    Raises:
        TypeError: ``bold`` is not a bool.
        ValueError: ``color`` is not a known color name.

    Example:
        >>> with timed():
        ...     total = sum(range(10))  # doctest: +ELLIPSIS
        <BLANKLINE>
        ...Total time: 0:00:00 at ...
    """
    _check_style(color, bold)
    start = perf_counter()
    try:
        yield
    finally:
        _report(start, color, bold)


@overload
def timeit(_func: Callable[_P, _R]) -> Callable[_P, _R]: ...
@overload
def timeit(
    _func: None = None, *, color: Color = "green", bold: bool = False
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]: ...
def timeit(
    _func: Callable[_P, _R] | None = None, *, color: Color = "green", bold: bool = False
) -> Callable[_P, _R] | Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A decorator that prints the run time of each call of the decorated function.

    Use it bare (``@timeit``) or with options (``@timeit(color="red", bold=True)``). The
    message is the one :func:`timed` prints.

    Args:
        _func: the function, when used bare.
        color: color name (see :func:`color_str`). Default: ``"green"``.
        bold: if ``True``, the message is bolded. Default: ``False``.

    Raises:
        TypeError: ``bold`` is not a bool, or ``_func`` is neither ``None`` nor callable.
        ValueError: ``color`` is not a known color name.

    Example:
        >>> @timeit(color="blue")
        ... def add(a, b):
        ...     return a + b
        >>> add(1, 2)  # doctest: +ELLIPSIS
        <BLANKLINE>
        ...Total time: 0:00:00 at ...
        3
    """
    _check_style(color, bold)
    if _func is not None and not callable(_func):
        raise TypeError(f"timeit decorates a function, got {type(_func).__name__}")

    def decorator(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with timed(color, bold):
                return func(*args, **kwargs)

        return wrapper

    return decorator if _func is None else decorator(_func)


def ask_yes_or_no(msg: str) -> bool:
    """Print ``msg`` and ask on standard input until the answer is yes or no.

    An answer starting with ``y`` or ``n`` (any case, surrounding spaces ignored) counts;
    anything else asks again.

    Args:
        msg: the question.

    Returns:
        ``True`` for yes, ``False`` for no.

    Raises:
        TypeError: ``msg`` is not a str.
        ValueError: standard input ended (EOF) before an answer, e.g. when not interactive.

    Example:
        >>> from unittest import mock
        >>> with mock.patch("builtins.input", return_value=" Yes"):
        ...     ask_yes_or_no("Overwrite the logs?")
        Overwrite the logs?
        True
        >>> with mock.patch("builtins.input", side_effect=["maybe", "n"]):
        ...     ask_yes_or_no("Overwrite the logs?")
        Overwrite the logs?
        Please answer 'yes' or 'no':
        False
    """
    if not isinstance(msg, str):
        raise TypeError(f"msg must be a str, got {type(msg).__name__} {msg!r:.60}")
    print(msg)
    while True:
        try:
            answer = input(">>> ").strip().lower()
        except EOFError:
            raise ValueError(
                f"no yes/no answer to {msg!r}: standard input ended (not interactive?)"
            ) from None
        if answer.startswith("y"):
            return True
        if answer.startswith("n"):
            return False
        print("Please answer 'yes' or 'no':")
