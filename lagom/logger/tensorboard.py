"""A :class:`~lagom.logger.Sink` writing TensorBoard event files: :class:`TensorBoardSink`.

It needs the ``tensorboard`` package (``pip install "lagom[tensorboard]"``), imported only
when the first event is written, and writes the event file itself (the TFRecord framing of
``tensorboard.summary.writer.record_writer``), synchronously: no background thread, every
row is on disk when :meth:`TensorBoardSink.write` returns.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import IO, Any, cast

from lagom._checks import check_path, to_float
from lagom.logger._csv import CellValue, check_row, check_rows, check_step

__all__ = ["TensorBoardSink"]

_PREFIX = "events.out.tfevents."


def _tensorboard() -> tuple[Any, Any, Any]:
    """The event and summary protos and the record writer, or a clear ImportError."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from tensorboard.summary.writer.record_writer import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            RecordWriter,
        )
    except ImportError as err:
        raise ImportError(
            'TensorBoardSink needs the tensorboard package: pip install "lagom[tensorboard]"'
        ) from err
    return event_pb2, summary_pb2, RecordWriter


def _scalars(row: Mapping[str, CellValue]) -> list[tuple[str, float]]:
    # Numbers only (bools count as 0/1); strings have no scalar curve. An int too large for
    # a float (which the CSV file holds) has no scalar either: refused, by its key. (The
    # cast: typeshed does not register int and float as numbers.Real.)
    return [
        (key, to_float(f"the value of key {key!r} (a TensorBoard scalar)", cast(Real, value)))
        for key, value in row.items()
        if isinstance(value, (int, float))
    ]


class TensorBoardSink:
    """Write every numeric value of each row as a TensorBoard scalar under its key.

    Each row becomes one event at the row's step (the logger's ``step_key`` column, e.g.
    ``timesteps``) holding one scalar per int, float or bool value (NaN and infinities
    included; strings are left out). The event file is
    ``logdir/events.out.tfevents.<time>.<host>.<pid>.lagom``. An int too large for a float
    is refused (``ValueError``), before anything is written. :meth:`rebuild` removes every
    ``events.out.tfevents.*`` file in ``logdir`` (the folder belongs to this sink) and
    writes the given rows to a new one, so that a resumed run shows each step once.

    Args:
        logdir: the folder of the event files; created on the first write.

    Raises:
        TypeError: ``logdir`` is not a str or path.
        ValueError: ``logdir`` is a file.
        ImportError: (on the first write) tensorboard is not installed.

    Example:
        >>> import tempfile
        >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        >>> folder = tempfile.TemporaryDirectory()
        >>> sink = TensorBoardSink(folder.name)
        >>> sink.write({'timesteps': 100, 'train_return': 1.5, 'env': 'CartPole'}, 100)
        >>> sink.write({'timesteps': 200, 'train_return': 2.5, 'env': 'CartPole'}, 200)
        >>> sink.close()
        >>> events = EventAccumulator(folder.name)
        >>> _ = events.Reload()
        >>> [(e.step, e.value) for e in events.Scalars('train_return')]
        [(100, 1.5), (200, 2.5)]
        >>> folder.cleanup()
    """

    def __init__(self, logdir: str | os.PathLike[str]) -> None:
        self.logdir = Path(check_path("logdir", logdir))
        if self.logdir.exists() and not self.logdir.is_dir():
            raise ValueError(f"logdir must be a folder, got the file {str(self.logdir)!r}")
        self._file: IO[bytes] | None = None
        self._writer: Any = None

    def _new_file(self, path: Path) -> None:
        event_pb2, _, record_writer = _tensorboard()
        self._file = open(path, "ab")  # noqa: SIM115 - kept open across writes, closed by close()
        self._writer = record_writer(self._file)
        if path.stat().st_size == 0:
            version = event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
            self._writer.write(version.SerializeToString())

    def _event_bytes(self, row: Mapping[str, CellValue], step: int) -> bytes:
        event_pb2, summary_pb2, _ = _tensorboard()
        values = [summary_pb2.Summary.Value(tag=k, simple_value=v) for k, v in _scalars(row)]
        event = event_pb2.Event(
            wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=values)
        )
        data: bytes = event.SerializeToString()
        return data

    def _file_name(self) -> str:
        return f"{_PREFIX}{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.lagom"

    def write(self, row: Mapping[str, CellValue], step: int) -> None:
        """Write the numeric values of ``row`` as scalars at ``step``, flushed.

        Raises:
            TypeError: ``row`` is not a mapping of str keys to scalars, or ``step`` not an int
                (Python or numpy).
            ValueError: an int of ``row`` is too large for a float, or ``step`` for an int64.
        """
        data = self._event_bytes(row, check_step("step", check_row(row, step), -(2**63)))
        if self._writer is None:
            self.logdir.mkdir(parents=True, exist_ok=True)
            self._new_file(self.logdir / self._file_name())
        self._writer.write(data)
        self._writer.flush()

    def rebuild(self, rows: Sequence[Mapping[str, CellValue]], steps: Sequence[int]) -> None:
        """Replace every event file of ``logdir`` by one holding ``rows`` at ``steps``.

        Raises:
            TypeError: ``rows`` or ``steps`` is not a list, or holds what :meth:`write`
                refuses.
            ValueError: ``rows`` and ``steps`` differ in length, or :meth:`write` would
                refuse a row.
        """
        checked = check_rows(rows, steps)
        _tensorboard()  # fail before anything is removed
        # Every event is made (and so checked) before anything is removed.
        events = [
            self._event_bytes(row, check_step(f"steps[{i}]", step, -(2**63)))
            for i, (row, step) in enumerate(zip(rows, checked, strict=True))
        ]
        self.close()
        self.logdir.mkdir(parents=True, exist_ok=True)
        name = self._file_name()
        temp = self.logdir / f".{name}.tmp"
        self._new_file(temp)
        for data in events:
            self._writer.write(data)
        self._writer.flush()
        # The new file is complete before the old ones go; TensorBoard ignores dot files.
        for old in self.logdir.glob(f"{_PREFIX}*"):
            old.unlink()
        os.replace(temp, self.logdir / name)

    def close(self) -> None:
        """Close the event file; a later write opens a new one."""
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None
