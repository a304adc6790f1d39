"""Logging of experiment values: :class:`Logger` keeps them, prints them, pickles them and
streams them to a CSV file one row per iteration.

Example:
    >>> from lagom.logger import Logger
    >>> logger = Logger()
    >>> logger('iteration', 1)
    >>> logger('iteration', 2)
    >>> logger.logs['iteration']
    [1, 2]
"""

from __future__ import annotations

from lagom.logger.logger import Logger

__all__ = ["Logger"]
