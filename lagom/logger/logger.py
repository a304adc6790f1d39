"""The :class:`Logger`: a dictionary of logged values, printable, picklable, and streamed to CSV."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lagom._checks import check_bool, check_path, check_str
from lagom.logger._csv import (
    CsvRows,
    check_step,
    check_utf8,
    parse_row,
    read_csv_columns,
    to_cell,
)
from lagom.logger._dump import dump_lines
from lagom.logger._plain_pickle import load_plain
from lagom.logger.sinks import Sink, check_sinks, rebuild_sinks, row_step
from lagom.utils import pickle_dump

__all__ = ["Logger"]


class Logger:
    r"""Log the information in a dictionary.

    If a key is logged more than once, then the new value will be appended to a list:
    ``logs[key]`` is the list of every value logged under ``key``, in logging order, and keys
    keep the order in which they were first logged.

    .. note::

        It uses pickle to serialize the data (:meth:`save`). Empirically, pickle is 2x faster
        than ``numpy.save`` and other alternatives like ``yaml`` is too slow and JSON does not
        support numpy array.

    .. warning::

        It is discouraged to store hierarchical structure, e.g. list of dict of list of
        ndarray. Because pickling such complex and large data structure is extremely slow.
        Put dictionary only at the topmost level. Large numpy array should be saved separately.

    **Streaming to CSV (long runs).** With ``csv_path``, each :meth:`write_row` appends one row
    to a plain comma-separated file (header row, :mod:`csv` module) holding the latest value
    of every key logged since the previous row, and flushes it (``fsync=True`` also forces it
    to disk). A crash therefore loses at most the iteration whose row was not yet written.
    Rules:

    * Only scalars go to CSV: ``str``, ``bool``, ``int``, ``float``, ``None`` (empty cell),
      numpy scalars and 0-d arrays or tensors (anything with ``ndim == 0`` and ``item()``).
      Any other value logged to a CSV-backed logger raises ``TypeError`` and is not recorded.
    * Columns are the keys in order of first appearance. A key first logged after rows were
      written adds a column: the file is rewritten atomically with the new header and the
      earlier rows get empty cells, so no value is lost. A key not logged since the previous
      row gets an empty cell.
    * An existing file is continued (a resumed run appends to its log), after cutting off an
      incomplete last line left by a crash mid-write.

    **Sinks.** Each :meth:`write_row` then hands the row to every sink of ``sinks``
    (:class:`~lagom.logger.Sink`: :class:`~lagom.logger.JsonlSink`,
    :class:`~lagom.logger.TensorBoardSink`, :class:`~lagom.logger.Progress`, or your own),
    after the CSV file, which stays the source of truth. The row a sink gets is the CSV
    row read back (empty cells left out), and its step is ``row[step_key]`` (see
    :func:`~lagom.logger.row_step`). With both ``csv_path`` and ``sinks``, the sinks that
    can be rebuilt are rewritten from the CSV file's rows when the logger is made
    (``rebuild=True``): a run resumed after its CSV was cut back has no duplicate step in
    any sink. Sinks follow the same scalar rule as the CSV file.

    Args:
        csv_path: file to append one row per :meth:`write_row` to; ``None`` for no CSV.
        fsync: if ``True``, ``os.fsync`` the CSV file after every row so that rows also
            survive a machine crash (slower). Default: ``False``.
        sinks: where each row also goes, in this order. Default: none.
        step_key: the column holding each row's step for the sinks. Default:
            ``"timesteps"``.
        rebuild: rebuild the sinks from the CSV file when the logger is made.

    Raises:
        TypeError: ``csv_path`` is neither ``None`` nor a str or path, ``fsync`` or
            ``rebuild`` is not a bool, ``sinks`` is not a list of sinks, or ``step_key``
            is not a str.
        ValueError: ``csv_path`` is a folder, or an existing file there is not a CSV log of
            UTF-8 text.

    Example:
        >>> logger = Logger()
        >>> logger('iteration', 1)
        >>> logger('train_loss', 0.12)
        >>> logger('iteration', 2)
        >>> logger('train_loss', 0.11)
        >>> logger('iteration', 3)
        >>> logger('train_loss', 0.09)

        >>> logger
        OrderedDict([('iteration', [1, 2, 3]), ('train_loss', [0.12, 0.11, 0.09])])

        >>> logger.dump()
        Iteration: [1, 2, 3]
        Train Loss: [0.12, 0.11, 0.09]

        With indentation:

        >>> logger.dump(indent=1)  # doctest: +NORMALIZE_WHITESPACE
            Iteration: [1, 2, 3]
            Train Loss: [0.12, 0.11, 0.09]

        With specific keys:

        >>> logger.dump(keys=['iteration'])
        Iteration: [1, 2, 3]

        With specific index:

        >>> logger.dump(index=0)
        Iteration: 1
        Train Loss: 0.12

        With specific list of indices:

        >>> logger.dump(index=[0, 2])
        Iteration: [1, 3]
        Train Loss: [0.12, 0.09]
    """

    def __init__(
        self,
        csv_path: str | os.PathLike[str] | None = None,
        fsync: bool = False,
        *,
        sinks: Sequence[Sink] = (),
        step_key: str = "timesteps",
        rebuild: bool = True,
    ) -> None:
        #: key -> the values logged under it, in order (any object; see the class docstring).
        self.logs: OrderedDict[str, list[object]] = OrderedDict()
        self._pending: dict[str, str] = {}
        fsync = check_bool("fsync", fsync)
        rebuild = check_bool("rebuild", rebuild)
        if csv_path is not None and Path(check_path("csv_path", csv_path)).is_dir():
            raise ValueError(f"csv_path must be a file, got the folder {os.fspath(csv_path)!r}")
        #: The sinks each row goes to after the CSV file.
        self.sinks: list[Sink] = check_sinks(sinks)
        self.step_key = check_str("step_key", step_key)
        self._rows = 0  # rows written so far, resumed ones included: the default step
        # The CSV file is opened first: it cuts off a line left incomplete by a crash.
        self._csv = None if csv_path is None else CsvRows(csv_path, fsync=fsync)
        if csv_path is not None and self.sinks:
            if rebuild:
                self._rows = rebuild_sinks(csv_path, self.sinks, self.step_key)
            elif Path(csv_path).exists() and Path(csv_path).stat().st_size > 0:
                self._rows = max(map(len, read_csv_columns(csv_path).values()), default=0)

    @property
    def csv_path(self) -> Path | None:
        """The CSV file rows are appended to, or ``None`` when the logger has none."""
        return None if self._csv is None else self._csv.path

    def __call__(self, key: str, value: object) -> None:
        """Log the information with given key and value.

        .. note::

            The key should be semantic and each word is separated by ``_``.

        Args:
            key (str): key of the information
            value (object): value to be logged. With a CSV file it must be a scalar (see the
                class docstring).

        Raises:
            TypeError: if ``key`` is not a ``str``, or the logger has a CSV file and ``value``
                is not a scalar.
            ValueError: if ``key`` is empty, or the logger has a CSV file (or sinks) and the
                key or a str value holds a lone surrogate (not UTF-8), or an int has more
                digits than Python writes as a string.
        """
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, got {type(key).__name__} {key!r}")
        if not key:
            raise ValueError("key must be a non-empty str, got ''")
        if self._csv is not None or self.sinks:
            self._pending[check_utf8("key", key)] = to_cell(key, value)
        self.logs.setdefault(key, []).append(value)

    def write_row(self) -> None:
        """Append the latest value of each key logged since the previous row to the CSV file,
        then hand that row to every sink.

        The row is flushed before returning. Nothing is written when nothing was logged since
        the previous row.

        Raises:
            ValueError: if the logger was created with neither ``csv_path`` nor ``sinks``, or
                it has sinks and the row's step is outside ``[0, 2**63 - 1]`` (nothing is
                written then).

        Example:
            >>> import pathlib, tempfile
            >>> tmp = tempfile.TemporaryDirectory()
            >>> path = pathlib.Path(tmp.name) / 'progress.csv'
            >>> logger = Logger(csv_path=path)
            >>> logger('iteration', 1); logger('loss', 0.5); logger.write_row()
            >>> logger('iteration', 2); logger('loss', 0.25); logger.write_row()
            >>> print(path.read_text(), end='')
            iteration,loss
            1,0.5
            2,0.25
            >>> tmp.cleanup()
        """
        if self._csv is None and not self.sinks:
            raise ValueError(
                "write_row needs a CSV file: create the Logger with csv_path=... (or sinks=[...])"
            )
        if not self._pending:
            return
        row = parse_row(self._pending)
        step = row_step(row, self._rows, self.step_key)
        if self.sinks:
            # Checked before the CSV row is written: a row whose step a sink refuses would
            # stay in the CSV file, and every rebuild of the sinks from it would fail. A step
            # counts (Progress refuses a negative one), and TensorBoard stores an int64.
            check_step(f"the step ({self.step_key!r})", step, 0)
        pending, self._pending = self._pending, {}
        if self._csv is not None:
            self._csv.append(pending)
        self._rows += 1
        for sink in self.sinks:
            sink.write(row, step)

    def close(self) -> None:
        """Close every sink (the CSV file needs no closing: each row is written and closed).

        Example:
            >>> Logger().close()
        """
        for sink in self.sinks:
            sink.close()

    def dump(
        self,
        keys: Sequence[str] | None = None,
        index: int | Sequence[int] | None = None,
        indent: int = 0,
        border: str = "",
    ) -> None:
        r"""Dump the loggings to the screen.

        Each selected key is printed on its own line as ``'\t' * indent + f'{name}: {value}'``
        where ``name`` is the key with ``_`` replaced by spaces and each word capitalized
        (``'train_loss'`` gives ``'Train Loss'``). A non-empty ``border`` is printed on a line
        before and after them.

        Args:
            keys: a list of selected keys. If ``None``, then use all keys.
                Default: ``None``
            index: the index of logged values. It has following use cases:

                - ``scalar``: a specific index. If ``-1``, then use last element.
                - ``list``: a list of indices.
                - ``None``: all indices.

            indent: the number of tab indentation. Default: ``0``
            border: the string to print as header and footer

        Raises:
            TypeError: if an argument has the wrong type (e.g. ``keys`` is a bare ``str``).
            ValueError: if ``indent`` is negative or above 100.
            KeyError: if a key was never logged.
            IndexError: if an index is out of range for a key's list of values.

        Example:
            >>> logger = Logger()
            >>> logger('iteration', 1); logger('iteration', 2)
            >>> logger.dump(index=-1, border='-' * 12)
            ------------
            Iteration: 2
            ------------
        """
        for line in dump_lines(self.logs, keys, index, indent, border):
            print(line)

    def save(self, f: str | os.PathLike[str]) -> Path:
        """Save loggings to a file.

        The ``logs`` dictionary is pickled with :func:`lagom.utils.pickle_dump`, which writes
        atomically (temporary file, then rename), to ``f`` if it ends in ``.pkl`` and to
        ``f + '.pkl'`` otherwise. Read it back with :meth:`load`.

        Args:
            f (str): file path

        Returns:
            Path: the file written.

        Raises:
            TypeError: if ``f`` is not a str or path.
        """
        ext = "" if os.fspath(check_path("f", f)).endswith(".pkl") else ".pkl"
        return pickle_dump(obj=self.logs, f=f, ext=ext)

    @classmethod
    def load(cls, f: str | os.PathLike[str]) -> Logger:
        """Read a saved log back: a pickle written by :meth:`save`, or a CSV file.

        A path ending in ``.csv`` (any case) is read as CSV, anything else as a pickle
        (``f + '.pkl'`` when ``f`` does not exist, as :meth:`save` names it). In a
        CSV log each column becomes a key whose list has one entry per row: empty cells are
        ``None``, ``True``/``False`` are bools, then a cell reads as an ``int``, a ``float``
        (``repr`` syntax, including ``nan`` and ``inf``) or else stays a ``str``. A last line
        without its newline (a row still being written, or cut short by a crash) is left
        out. The returned logger has no CSV file of its own.

        A pickle is read without running code from it: only numbers, strings, containers
        (lists, tuples, dicts, sets) and numpy scalars and arrays are rebuilt, which covers
        every log of such values that :meth:`save` writes, so a log received from elsewhere
        is safe to open. A pickle naming any other function or class (a torch tensor, a
        class of your own, or code) raises ``ValueError``: read such a file of your own with
        :func:`lagom.utils.pickle_load`, which runs code from it.

        Args:
            f: file path.

        Returns:
            Logger: a logger whose ``logs`` hold the saved values.

        Raises:
            ValueError: if the file does not hold a log (a CSV file that is not UTF-8 text
                or not CSV included), or its pickle names a function or class other than
                those of plain data and numpy arrays.
            TypeError: if ``f`` is not a str or path, or a pickle holds something other
                than ``{str: list}``.

        Example:
            >>> import tempfile
            >>> import numpy as np
            >>> logger = Logger()
            >>> logger("return", 1.5)
            >>> logger("weights", np.zeros(2, np.float32))
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     path = logger.save(Path(folder) / "logs")
            ...     dict(Logger.load(path).logs)
            {'return': [1.5], 'weights': [array([0., 0.], dtype=float32)]}
        """
        path = Path(check_path("f", f))
        logs: Mapping[Any, Any]
        if path.suffix.lower() == ".csv":
            logs = read_csv_columns(path)
        else:
            if not path.exists() and Path(os.fspath(f) + ".pkl").exists():
                path = Path(os.fspath(f) + ".pkl")
            logs = load_plain(path)
            if not isinstance(logs, Mapping):
                raise TypeError(f"expected a pickled dict of logs, got {type(logs).__name__}")
            for key, values in logs.items():
                if not isinstance(key, str) or not isinstance(values, list):
                    raise TypeError(
                        f"expected a pickled dict of str to list, got key {key!r} with "
                        f"{type(values).__name__}"
                    )
        logger = cls()
        logger.logs.update((key, list(values)) for key, values in logs.items())
        return logger

    def clear(self) -> None:
        """Remove all loggings in the dictionary (and the values waiting for the next row)."""
        self.logs.clear()
        self._pending = {}

    def __repr__(self) -> str:
        # Written out rather than `repr(self.logs)`: Python 3.12 changed OrderedDict's repr,
        # and the documented output is the older one.
        if not self.logs:
            return "OrderedDict()"
        items = ", ".join(f"({key!r}, {values!r})" for key, values in self.logs.items())
        return f"OrderedDict([{items}])"
