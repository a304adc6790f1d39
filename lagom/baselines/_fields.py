"""The validators of the baselines' configuration fields (private to lagom.baselines).

Each is a check of lagom's (:mod:`lagom._checks`) run by attrs on the field's name and value,
raised from lagom: a value of the wrong type is refused with lagom's message (``num_envs must
be an int, got str 'x'``) rather than with one of attrs' (``'>' not supported between
instances of 'str' and 'float'``), a bool is never taken for a number or a number for a bool,
NaN and infinities are refused, and a value out of range keeps attrs' wording (``'lr' must be
> 0.0: -1``), which the configurations' documentation shows.

Example:
    >>> import attrs
    >>> @attrs.frozen
    ... class Train:
    ...     steps: int = attrs.field(default=10, validator=COUNT)
    ...     sizes: tuple[int, ...] = attrs.field(default=(64,), validator=sizes(min_len=1))
    >>> Train(steps=True)
    Traceback (most recent call last):
    ...
    TypeError: steps must be an int, got bool True
    >>> Train(sizes=())
    Traceback (most recent call last):
    ...
    ValueError: Length of 'sizes' must be >= 1: 0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from lagom._checks import (
    check_bool,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_str,
    field_check,
)

__all__ = [
    "COUNT",
    "COUNT_OR_NONE",
    "FLAG",
    "NONNEG",
    "POSITIVE",
    "POSITIVE_OR_NONE",
    "RATIO",
    "REAL",
    "REAL_OR_NONE",
    "SEED",
    "SINKS",
    "SIZE",
    "TEXT",
    "UNIT",
    "above",
    "at_least",
    "instance",
    "one_of",
    "sizes",
]

#: A validator: ``validate(instance, field, value)`` raises on a bad value.
Validator = Callable[[object, Any, Any], None]


# Range messages keep attrs' wording (``'lr' must be > 0.0: -1``), which the configurations
# documented before these validators were lagom's; a wrong type gets lagom's message.
def _at_least(name: str, value: object, *, minimum: int, wording: str = "") -> None:
    if check_int(name, value, minimum=None) < minimum:
        raise ValueError(f"'{name}' must be {wording or f'>= {minimum}'}: {value}")


def _real(
    name: str, value: object, *, low: float | None, high: float | None, open_low: bool
) -> None:
    number = check_real(name, value)  # a real number, not NaN
    if low is not None and (number <= low if open_low else number < low):
        raise ValueError(f"'{name}' must be {'>' if open_low else '>='} {low}: {value}")
    if high is not None and number > high:
        raise ValueError(f"'{name}' must be <= {high}: {value}")
    if not math.isfinite(number):
        raise ValueError(f"'{name}' must be finite: {value}")


def at_least(minimum: int, *, optional: bool = False) -> Validator:
    """An int >= ``minimum`` (``None`` too with ``optional``)."""
    return field_check(_at_least, minimum=minimum, optional=optional)


def above(bound: int, *, optional: bool = False) -> Validator:
    """An int > ``bound`` (``None`` too with ``optional``), said ``'x' must be > bound``."""
    return field_check(_at_least, minimum=bound + 1, wording=f"> {bound}", optional=optional)


#: An int >= 1.
COUNT = at_least(1)
#: An int >= 1, or ``None``.
COUNT_OR_NONE = at_least(1, optional=True)
#: An int >= 0.
SIZE = at_least(0)
#: A seed: an int in ``[0, 2**32 - 1]``.
SEED = field_check(check_seed)
#: A bool (Python or numpy), never an int.
FLAG = field_check(check_bool)
#: A real number in ``[0, 1]`` (a discount, a GAE lambda).
UNIT = field_check(_real, low=0.0, high=1.0, open_low=False)
#: A real number in ``(0, 1]`` (a fraction that cannot be empty, a decay that cannot zero).
RATIO = field_check(_real, low=0.0, high=1.0, open_low=True)
#: A positive, finite real number.
POSITIVE = field_check(_real, low=0.0, high=None, open_low=True)
#: A positive, finite real number, or ``None``.
POSITIVE_OR_NONE = field_check(_real, low=0.0, high=None, open_low=True, optional=True)
#: A finite real number >= 0.
NONNEG = field_check(_real, low=0.0, high=None, open_low=False)
#: A finite real number.
REAL = field_check(_real, low=None, high=None, open_low=False)
#: A finite real number, or ``None``.
REAL_OR_NONE = field_check(_real, low=None, high=None, open_low=False, optional=True)
#: A string.
TEXT = field_check(check_str)


def one_of(*choices: str) -> Validator:
    """A string among ``choices``."""
    return field_check(check_str, choices=choices)


def instance(kind: type) -> Validator:
    """An instance of ``kind`` (a configuration's section)."""
    return field_check(check_instance, kind=kind)


def _check_sizes(name: str, value: object, *, min_len: int) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"{name} must be a tuple of ints, got {type(value).__name__} {value!r:.60}")
    if len(value) < min_len:
        raise ValueError(f"Length of '{name}' must be >= {min_len}: {len(value)}")
    for size in value:
        _at_least(name, size, minimum=1)


def sizes(*, min_len: int = 0) -> Validator:
    """A tuple of ints >= 1 (layer sizes), at least ``min_len`` of them."""
    return field_check(_check_sizes, min_len=min_len)


#: The log sinks a run may write besides ``progress.csv`` (``train.log``).
SINK_NAMES = ("jsonl", "tensorboard")


def _check_sinks(name: str, value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a tuple of sink names, got {value!r:.60}")
    unknown = [v for v in value if v not in SINK_NAMES]
    if unknown:
        choices = ", ".join(SINK_NAMES)
        raise ValueError(f"unknown log sink {unknown[0]!r}; choose from: {choices}")
    if len(set(value)) != len(value):
        raise ValueError(f"{name} names a sink twice: {value!r}")


#: A tuple of log sink names (:data:`SINK_NAMES`), each at most once.
SINKS = field_check(_check_sinks)
