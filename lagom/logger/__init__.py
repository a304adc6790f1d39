"""Logging of experiment values: :class:`Logger` keeps them, prints them, pickles them and
streams them to a CSV file one row per iteration, then to its sinks (:class:`JsonlSink`,
:class:`TensorBoardSink`, the live :class:`Progress` display, or any :class:`Sink`).

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
from lagom.logger.progress import Progress
from lagom.logger.sinks import (
    CellValue,
    JsonlSink,
    RebuildableSink,
    Sink,
    rebuild_sinks,
    row_step,
)
from lagom.logger.sweep import SweepProgress, last_row, last_step
from lagom.logger.tensorboard import TensorBoardSink

__all__ = [
    "CellValue",
    "JsonlSink",
    "Logger",
    "Progress",
    "RebuildableSink",
    "Sink",
    "SweepProgress",
    "TensorBoardSink",
    "last_row",
    "last_step",
    "rebuild_sinks",
    "row_step",
]
