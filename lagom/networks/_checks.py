"""Argument checks shared by the network builders (private)."""

from __future__ import annotations

__all__ = ["check_int"]


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` if it is an int (not a bool) ``>= minimum``, else raise.

    Raises:
        TypeError: if ``value`` is not an int.
        ValueError: if ``value < minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value
