"""Argument checks shared across lagom (private).

Counts arrive as Python ints, but just as often as numpy integers (``space.n``,
``array.shape`` entries, ``np.arange`` items): both are accepted and returned as ``int``;
``bool`` is refused although it is an int subclass, because ``True`` as a count is a bug.

Example:
    >>> import numpy as np
    >>> check_int("num_action", np.int64(2))
    2
    >>> check_int("T", True)
    Traceback (most recent call last):
    ...
    TypeError: T must be an int, got bool True
"""

from __future__ import annotations

import numbers

__all__ = ["check_int"]


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``.

    Raises:
        TypeError: ``value`` is not an integer (Python or numpy), or is a bool.
        ValueError: ``value < minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)
