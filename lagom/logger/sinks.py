"""Where a :class:`~lagom.logger.Logger`'s rows go besides the CSV file: the :class:`Sink`
protocol, :class:`JsonlSink`, and :func:`rebuild_sinks` that makes sinks equal the CSV again.

The CSV file is the source of truth: a :class:`~lagom.logger.Logger` writes each row there
first, then hands it to every sink. A resumed run cuts the CSV back to its checkpoint; a sink
that can be rebuilt (it has a ``rebuild(rows, steps)`` method, :class:`RebuildableSink`) is
then rewritten from the CSV's rows, so that no sink holds a step twice.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from lagom._checks import check_int, check_path, check_str
from lagom.logger._csv import CellValue, check_row, check_rows, read_csv_rows
from lagom.utils import atomic_write

__all__ = ["CellValue", "JsonlSink", "RebuildableSink", "Sink", "rebuild_sinks", "row_step"]


@runtime_checkable
class Sink(Protocol):
    """What a :class:`~lagom.logger.Logger` hands its rows to, after the CSV file.

    ``write(row, step)`` receives one row: the scalars logged since the previous row, read
    back from their CSV cells (so a live row and a row rebuilt from the CSV are equal),
    without the keys whose value was ``None``; ``step`` is the row's step (see
    :func:`row_step`). ``close()`` releases files or displays. A sink that also has
    ``rebuild(rows, steps)`` is a :class:`RebuildableSink`.

    Example:
        A sink in a few lines, e.g. one that forwards to an experiment tracker (here it
        prints, as ``wandb.log(row, step=step)`` would send):

        >>> class PrintSink:
        ...     def write(self, row, step):
        ...         print(step, dict(row))
        ...     def close(self):
        ...         pass
        >>> isinstance(PrintSink(), Sink)
        True
        >>> from lagom.logger import Logger
        >>> logger = Logger(sinks=[PrintSink()])
        >>> logger('timesteps', 128); logger('train_return', 9.5); logger.write_row()
        128 {'timesteps': 128, 'train_return': 9.5}
    """

    def write(self, row: Mapping[str, CellValue], step: int) -> None:
        """Receive one row, whose step is ``step``."""

    def close(self) -> None:
        """Release what the sink holds; it receives no row afterwards."""


@runtime_checkable
class RebuildableSink(Sink, Protocol):
    """A :class:`Sink` that can replace everything it holds by the rows of a CSV log.

    ``rebuild(rows, steps)`` must leave the sink as if it had received exactly ``rows``
    (with their ``steps``) and nothing else; later rows are written after them.

    Example:
        >>> import tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> isinstance(JsonlSink(pathlib.Path(folder.name) / 'log.jsonl'), RebuildableSink)
        True
        >>> folder.cleanup()
    """

    def rebuild(self, rows: Sequence[Mapping[str, CellValue]], steps: Sequence[int]) -> None:
        """Replace what the sink holds by ``rows`` (row ``i`` at step ``steps[i]``)."""


def row_step(row: Mapping[str, CellValue], index: int, step_key: str) -> int:
    """The step of a row: ``row[step_key]`` when it is an int (or a float with an integer
    value), else ``index``, the row's 0-based position in the CSV file.

    Raises:
        TypeError: ``row`` is not a dict, ``index`` not an int or ``step_key`` not a str.
        ValueError: ``index`` is negative.

    Example:
        >>> row_step({'timesteps': 2048, 'loss': 0.1}, 3, 'timesteps')
        2048
        >>> row_step({'loss': 0.1}, 3, 'timesteps')
        3
    """
    if not isinstance(row, Mapping):
        raise TypeError(f"row must be a dict of column to value, got {type(row).__name__}")
    index = check_int("index", index, minimum=0)
    value = row.get(check_str("step_key", step_key))
    if isinstance(value, bool):
        return index
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return index


def rebuild_sinks(
    csv_path: str | os.PathLike[str], sinks: Sequence[Sink], step_key: str = "timesteps"
) -> int:
    """Rewrite every :class:`RebuildableSink` of ``sinks`` from the rows of a CSV log.

    Call it after the CSV file was cut back (``lagom.baselines.common.progress_logger`` with
    ``rows=k`` on resume); a :class:`~lagom.logger.Logger` made with ``sinks`` does it
    itself when it opens its CSV file. A missing CSV file has no rows: the sinks are emptied.
    Sinks without ``rebuild`` are left as they are.

    Args:
        csv_path: the CSV log (the source of truth).
        sinks: the sinks to rebuild.
        step_key: the column holding each row's step (see :func:`row_step`).

    Returns:
        The number of rows in the CSV file.

    Raises:
        TypeError: ``csv_path`` is not a path, ``step_key`` not a str, or ``sinks`` holds an
            object without ``write`` and ``close``.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / 'progress.csv').write_text('timesteps,loss\\n10,0.5\\n20,0.25\\n')
        >>> sink = JsonlSink(folder / 'log.jsonl')
        >>> rebuild_sinks(folder / 'progress.csv', [sink])
        2
        >>> print((folder / 'log.jsonl').read_text(), end='')
        {"timesteps": 10, "loss": 0.5}
        {"timesteps": 20, "loss": 0.25}
    """
    path = Path(check_path("csv_path", csv_path))
    check_str("step_key", step_key)
    checked = check_sinks(sinks)
    rows = read_csv_rows(path) if path.exists() and path.stat().st_size > 0 else []
    steps = [row_step(row, i, step_key) for i, row in enumerate(rows)]
    for sink in checked:
        if isinstance(sink, RebuildableSink):
            sink.rebuild(rows, steps)
    return len(rows)


def check_sinks(sinks: object) -> list[Sink]:
    """``sinks`` as a list, or ``TypeError`` when it is not a list of :class:`Sink`.

    Example:
        >>> check_sinks([])
        []
    """
    if isinstance(sinks, (str, bytes)) or not isinstance(sinks, Sequence):
        raise TypeError(f"sinks must be a list of sinks, got {type(sinks).__name__}")
    for i, sink in enumerate(sinks):
        if not isinstance(sink, Sink):
            raise TypeError(
                f"sinks must hold objects with write(row, step) and close() methods, got "
                f"{type(sink).__name__} at {i}"
            )
    return list(sinks)


def _json_value(value: CellValue) -> CellValue:
    # JSON has no NaN or infinity: they become null (the CSV keeps the exact value).
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_line(row: Mapping[str, CellValue]) -> str:
    return json.dumps({key: _json_value(value) for key, value in row.items()}, allow_nan=False)


class JsonlSink:
    """A JSON-lines file: one JSON object per row, ``{"key": value, ...}``, one per line.

    Values are JSON numbers, strings and booleans; a NaN or infinite float is written as
    ``null`` (strict JSON has neither; the CSV log keeps the exact value). Each row is one
    ``write`` of one line, flushed; a line cut short by a crash is removed when the file is
    opened again. :meth:`rebuild` rewrites the file atomically (temporary file, rename).

    Args:
        path: the file; its folder is created. An existing file is continued.

    Raises:
        TypeError: ``path`` is not a str or path.
        ValueError: ``path`` is a folder; :meth:`write` raises it when an existing file
            there is not JSON lines of UTF-8 text (a file of another format is never cut).

    Example:
        >>> import json, tempfile, pathlib
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = pathlib.Path(folder.name) / 'log.jsonl'
        >>> sink = JsonlSink(path)
        >>> sink.write({'timesteps': 10, 'train_return': float('nan')}, 10)
        >>> sink.close()
        >>> [json.loads(line) for line in path.read_text().splitlines()]
        [{'timesteps': 10, 'train_return': None}]
        >>> folder.cleanup()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(check_path("path", path))
        if self.path.is_dir():
            raise ValueError(f"path must be a file, got the folder {str(self.path)!r}")
        self._opened = False

    def _open(self) -> None:
        if self._opened:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > 0:
            data = self.path.read_bytes()
            whole = data[: data.rfind(b"\n") + 1]
            # The whole lines are checked before the torn last one is cut off.
            try:
                for line in whole.decode("utf-8").split("\n")[:-1]:
                    if not isinstance(json.loads(line), dict):
                        raise ValueError(f"expected a JSON object, got {line!r:.40}")
            except ValueError as error:  # UnicodeDecodeError and JSONDecodeError included
                raise ValueError(
                    f"expected JSON lines of UTF-8 text in {str(self.path)!r}, got {error}"
                ) from None
            if whole != data:
                atomic_write(self.path, whole, fsync=False)
        self._opened = True

    def write(self, row: Mapping[str, CellValue], step: int) -> None:
        """Append ``row`` as one line (``step`` is not stored: the row holds its counters).

        Raises:
            TypeError: ``row`` is not a mapping of str keys to scalars, or ``step`` not an int
                (Python or numpy).
            ValueError: an int of ``row`` has more digits than Python writes as text, or (on
                the first write) an existing file is not JSON lines of UTF-8 text.
        """
        check_row(row, step)
        line = _json_line(row)
        self._open()
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()

    def rebuild(self, rows: Sequence[Mapping[str, CellValue]], steps: Sequence[int]) -> None:
        """Replace the file by one line per row of ``rows``, atomically.

        Raises:
            TypeError: ``rows`` or ``steps`` is not a list, or holds what :meth:`write`
                refuses.
            ValueError: ``rows`` and ``steps`` differ in length, or :meth:`write` would
                refuse a row.
        """
        check_rows(rows, steps)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(_json_line(row) + "\n" for row in rows)
        atomic_write(self.path, text.encode("utf-8"), fsync=False)
        self._opened = True

    def close(self) -> None:
        """Nothing to release: every row is written and closed at once."""
