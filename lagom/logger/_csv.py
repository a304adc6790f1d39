"""Append-only CSV file of logged scalars, one row per iteration (private to lagom.logger).

The file is plain comma-separated text written with the :mod:`csv` module: one header row
naming the columns, then one row per :meth:`lagom.logger.Logger.write_row` call. Every row is
written by a single ``write`` and flushed before returning, so a process that dies loses at
most the row it had not written yet.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TypeAlias

from lagom._checks import is_int
from lagom.utils import atomic_write

__all__ = ["CellValue", "CsvRows", "parse_row", "read_csv_columns", "read_csv_rows", "to_cell"]

#: A cell of a CSV log read back: ``None`` (an empty cell), a bool, an int, a float or a str.
CellValue: TypeAlias = "str | int | float | bool | None"

# What `repr(int)` and `repr(float)` write; nothing looser, so that a logged string such as
# "1_000" or " 7" is not read back as a number.
_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|inf|nan)")


def check_row(row: object, step: object, row_name: str = "row", step_name: str = "step") -> int:
    """Refuse what a sink's ``write(row, step)`` cannot take: ``row`` a mapping of str keys
    to scalar cells (an int no longer than Python writes as text), ``step`` an int, Python or
    numpy (not a bool); return ``step`` as an ``int``."""
    if not isinstance(row, Mapping):
        raise TypeError(
            f"{row_name} must be a mapping of column names to values, got {type(row).__name__}"
        )
    for key, value in row.items():
        if not isinstance(key, str):
            raise TypeError(f"{row_name} keys must be str, got {type(key).__name__} {key!r:.40}")
        if value is not None and not isinstance(value, (str, int, float)):
            raise TypeError(
                f"{row_name}[{key!r}] must be a str, bool, int, float or None, got "
                f"{type(value).__name__}"
            )
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                str(value)
            except ValueError as error:  # more digits than Python converts to a string
                raise ValueError(
                    f"{row_name}[{key!r}] is an int too large to write as text: {error}"
                ) from None
    if not is_int(step):
        raise TypeError(f"{step_name} must be an int, got {type(step).__name__} {step!r:.40}")
    return int(step)


def check_step(name: str, step: int, minimum: int) -> int:
    """``step`` if it lies in ``[minimum, 2**63 - 1]``: a step is at most an int64 (as
    TensorBoard stores it), so that percentages and rates of steps stay within floats."""
    if minimum <= step <= 2**63 - 1:
        return step
    got = str(step) if step.bit_length() <= 64 else f"an int of {step.bit_length()} bits"
    low = "-2**63" if minimum == -(2**63) else str(minimum)
    raise ValueError(f"{name} must be in [{low}, 2**63 - 1], got {got}")


def check_rows(rows: object, steps: object) -> list[int]:
    """Refuse what a sink's ``rebuild(rows, steps)`` cannot take: two sequences of the same
    length, of rows and steps as :func:`check_row` takes them; return the steps as ints."""
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a list of rows, got {type(rows).__name__}")
    if isinstance(steps, (str, bytes, Mapping)) or not isinstance(steps, Sequence):
        raise TypeError(f"steps must be a list of ints, got {type(steps).__name__}")
    if len(rows) != len(steps):
        raise ValueError(
            f"rows and steps must have the same length, got {len(rows)} rows and {len(steps)} steps"
        )
    return [
        check_row(row, step, f"rows[{i}]", f"steps[{i}]")
        for i, (row, step) in enumerate(zip(rows, steps, strict=True))
    ]


def check_utf8(what: str, text: str) -> str:
    """``text`` if it can be written as UTF-8 (no lone surrogate), else ``ValueError``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"{what} cannot be written to a UTF-8 file ({error.reason} at index "
            f"{error.start}): {text!r:.60}"
        ) from None
    return text


def to_cell(key: str, value: object) -> str:
    """Format one logged value as a CSV cell, or raise ``TypeError`` if it is not a scalar.

    Scalars are ``None`` (empty cell), ``str``, ``bool``, ``int``, ``float`` and anything with
    ``ndim == 0`` and an ``item()`` method (numpy scalars, 0-d arrays, 0-d torch tensors), which
    is unwrapped with ``item()``. Floats are written with ``repr`` so they read back exactly.
    """
    if value is None:
        return ""
    # Subclasses (np.float64 is a float, an IntEnum an int) are converted first: their own
    # str/repr would write "np.float64(0.5)" or an enum name.
    if isinstance(value, str):
        return check_utf8(f"the value of key {key!r}", str(value))
    if isinstance(value, bool):
        return str(bool(value))
    if isinstance(value, int):
        try:
            return str(int(value))
        except ValueError as error:  # more digits than Python converts to a string
            raise ValueError(
                f"the int logged for key {key!r} is too large to write as a CSV cell: {error}"
            ) from None
    if isinstance(value, float):
        return repr(float(value))
    item = getattr(value, "item", None)
    if getattr(value, "ndim", None) == 0 and callable(item):
        unwrapped = item()
        if isinstance(unwrapped, str | bool | int | float):
            return to_cell(key, unwrapped)
    shape = getattr(value, "shape", None)
    described = type(value).__name__ + ("" if shape is None else f" of shape {tuple(shape)}")
    raise TypeError(
        f"a Logger with a CSV file takes only scalars (str, bool, int, float, None, 0-d arrays "
        f"or tensors), got {described} for key {key!r}; log its elements under separate keys "
        f"or keep it in a Logger without csv_path"
    )


def _parse_cell(cell: str) -> CellValue:
    """Read a cell back: ``''`` is ``None``, ``True``/``False`` are bools, then int, float, str."""
    if cell == "":
        return None
    if cell in ("True", "False"):
        return cell == "True"
    if _INT_RE.fullmatch(cell):
        return int(cell)
    if _FLOAT_RE.fullmatch(cell):
        return float(cell)
    return cell


# A cell may hold any str logged (the csv module's default limit is 131,072 characters):
# lagom reads its own files with the limit raised, so that it reads back all it wrote. The
# limit is the csv module's, for the whole process; it is only ever raised.
_FIELD_SIZE_LIMIT = 2**31 - 1  # the most a C long holds on every platform


def csv_reader(lines: Iterable[str]) -> Iterator[list[str]]:
    """``csv.reader(lines)``, with a field size limit large enough for any cell lagom writes."""
    if csv.field_size_limit() < _FIELD_SIZE_LIMIT:
        csv.field_size_limit(_FIELD_SIZE_LIMIT)
    return csv.reader(lines)


def damaged(path: str | os.PathLike[str], error: Exception) -> ValueError:
    """The ``ValueError`` for a CSV log that cannot be read (not UTF-8 text, not CSV)."""
    return ValueError(f"expected a CSV log of UTF-8 text in {str(path)!r}, got {error}")


def _read_records(path: str | os.PathLike[str]) -> list[list[str]]:
    """Every whole row of a CSV file, header included; ``ValueError`` naming a damaged file.

    A last line without its newline is a row still being written, or cut short by a crash:
    it is left out, never read as a row whose last cell is a prefix of the value.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
        text = data[: _whole_records(data)].decode("utf-8")
        return list(csv_reader(io.StringIO(text, newline="")))
    except IsADirectoryError:
        raise ValueError(f"expected a CSV file, got the folder {str(path)!r}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise damaged(path, error) from None


def _check_records(path: str | os.PathLike[str], rows: Sequence[Sequence[str]]) -> None:
    """``ValueError`` unless ``rows`` (header first) are a CSV log: distinct column names,
    no row with more cells than the header."""
    header = rows[0]
    if not header:  # a blank first line: rows appended after it would never read back
        raise ValueError(
            f"expected a header row of column names in {str(path)!r}, got a blank line"
        )
    if len(set(header)) != len(header):
        raise ValueError(f"expected distinct column names in {str(path)!r}, got {header}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise ValueError(
                f"expected at most {len(header)} cells per row in {str(path)!r}, "
                f"got {len(row)} on line {number}"
            )


def _format_rows(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    # The csv module of Python 3.11 leaves a cell holding "\r" (and no "\n") unquoted, and
    # a reader takes that "\r" for a line end: such a row is written with every cell quoted.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        (quoted if any("\r" in cell for cell in row) else plain).writerow(row)
    return buffer.getvalue()


def read_csv_columns(path: str | os.PathLike[str]) -> dict[str, list[CellValue]]:
    """Read a CSV log into ``{column: [parsed cell of each row]}``.

    Every column has one entry per row: a row shorter than the header (written before that
    column existed) gives ``None`` for the missing cells, as an empty cell does. A last line
    without its newline (a row cut short) is left out.

    Raises:
        ValueError: the file is empty, a folder, not UTF-8 text or not a CSV log.
    """
    rows = _read_records(path)
    if not rows:
        raise ValueError(
            f"expected a CSV log with a header row, got an empty file (or no whole line) "
            f"{str(path)!r}"
        )
    _check_records(path, rows)
    header, body = rows[0], rows[1:]
    columns: dict[str, list[CellValue]] = {name: [] for name in header}
    for row in body:
        padded = row + [""] * (len(header) - len(row))
        for name, cell in zip(header, padded, strict=True):
            columns[name].append(_parse_cell(cell))
    return columns


def parse_row(cells: Mapping[str, str]) -> dict[str, CellValue]:
    """Read the cells of one row back, leaving out the empty ones (a value not logged)."""
    return {key: _parse_cell(cell) for key, cell in cells.items() if cell != ""}


def read_csv_rows(path: str | os.PathLike[str]) -> list[dict[str, CellValue]]:
    """Read a CSV log into one ``{column: parsed cell}`` per row, without the empty cells."""
    columns = read_csv_columns(path)
    count = max((len(values) for values in columns.values()), default=0)
    return [
        {key: values[i] for key, values in columns.items() if values[i] is not None}
        for i in range(count)
    ]


def _whole_records(data: bytes) -> int:
    """The length of the longest prefix of ``data`` made of whole CSV records.

    A record ends at a newline outside quotes: a crash that cut a row just after a newline
    inside a quoted cell leaves an open quote, and that row is not whole either. (A quote
    inside a cell is written doubled, so the quotes of a whole record are even in number.)

    >>> _whole_records(b'a,b\\n1,"x\\ny"\\n2,"half\\n')  # the header and row 1
    12
    """
    end = position = 0
    odd = False
    for line in data.split(b"\n")[:-1]:  # the pieces a newline follows
        position += len(line) + 1
        odd ^= line.count(b'"') % 2 == 1
        if not odd:
            end = position
    return end


class CsvRows:
    """An append-only CSV file whose header grows when a new key shows up.

    An existing file is continued (its header is adopted), so a resumed run appends to the log
    of the run it resumes; an incomplete last line left by a crash mid-write is cut off first.
    A new column is added after the header the file has then, which another writer of the
    same file may have extended meanwhile.
    """

    def __init__(self, path: str | os.PathLike[str], fsync: bool) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.columns: list[str] = self._adopt_existing()

    def _adopt_existing(self) -> list[str]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        with open(self.path, "rb+") as f:
            data = f.read()
            keep = _whole_records(data)
            # The whole records are checked before the torn last line is cut off: a file that
            # is not a CSV log (an image, a text of other columns) is refused, never cut.
            try:
                records = list(csv_reader(io.StringIO(data[:keep].decode("utf-8"), newline="")))
            except (csv.Error, UnicodeDecodeError) as error:
                raise damaged(self.path, error) from None
            if records:
                _check_records(self.path, records)
            if keep != len(data):
                f.truncate(keep)
        return records[0] if records else []

    def append(self, row: Mapping[str, str]) -> None:
        """Append one row (``{column: cell}``); a new column rewrites the file with it first."""
        new = [key for key in row if key not in self.columns]
        if new:
            # Another writer of this file may have written its header or added columns since
            # this one last looked: the new columns go after the file's own header.
            self.columns = self._header()
            new = [key for key in row if key not in self.columns]
        columns = self.columns + new
        # The whole text is made (and encoded) before the file is touched, and the columns
        # are recorded only once written: a failed append leaves file and state as they were.
        text = _format_rows([columns]) if new and not self.columns else ""
        text += _format_rows([[row.get(name, "") for name in columns]])
        data = text.encode("utf-8")
        if new and self.columns:
            self._rewrite_header(columns)
        with open(self.path, "ab") as f:
            f.write(data)
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        self.columns = columns

    def _header(self) -> list[str]:
        """The file's header row as it is now (``[]`` for a missing or empty file)."""
        try:
            with open(self.path, newline="", encoding="utf-8") as f:
                return next(csv_reader(f), [])
        except FileNotFoundError:
            return []
        except (csv.Error, UnicodeDecodeError) as error:
            raise damaged(self.path, error) from None

    def _rewrite_header(self, columns: list[str]) -> None:
        # Replace the whole file (temporary file + rename) so that a crash during the rewrite
        # leaves either the old file or the new one, never a mix.
        # atomic_write names its temporary file so that remove_stale_temps deletes one left
        # by a process killed mid-rewrite.
        rows = _read_records(self.path)[1:]
        padded = [row + [""] * (len(columns) - len(row)) for row in rows]
        data = _format_rows([columns, *padded]).encode("utf-8")
        mode = self.path.stat().st_mode & 0o7777

        def write(f: IO[bytes]) -> None:
            if hasattr(os, "fchmod"):  # not on Windows: the umask's mode there
                os.fchmod(f.fileno(), mode)
            f.write(data)

        atomic_write(self.path, write, fsync=True)
        self.columns = columns
