"""The record of a sweep's finished jobs: append-only files in ``log_dir/.journal/`` (private).

A finished job's result must survive any crash, and writing it must cost little: a sweep of
short jobs spends most of its overhead creating files. So instead of a marker file per job,
each process that runs jobs appends one record per finished job to a journal file of its
own, ``log_dir/.journal/<host>-<pid>-<random>.log``, opened once and kept open:

- one writer per file, so records never interleave, on a local disk or a network file
  system alike;
- a record is ``[length, CRC-32]`` (two little-endian ``uint32``) and then the JSON object
  ``{"key", "time_ns", "result"}``, written by one ``write``; nothing in a journal is ever
  unpickled, so a journal received from elsewhere cannot run code; a process killed mid-write
  leaves a torn last record, which the CRC rejects, so a job counts as finished only once
  its whole record is on disk (written last, after the job returned);
- ``key`` is the job's folder relative to ``log_dir`` (``"<ID>/<seed>"``); when a key has
  several records, the newest counts.

The master reads every file when a sweep starts (:func:`read_journal`). A record counts only
while its job's folder exists, so deleting a job's folder reruns it. When records are
dropped (folders deleted, or ``overwrite``), :func:`compact` rewrites the journal as one file
(written to a temporary name, renamed, then the old files removed); a writer whose file was
removed opens a new one before its next record. This module is imported by worker
processes, so it needs only the standard library (and lagom's own ``atomic_write``).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import struct
import time
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from lagom.utils.serialize import atomic_write

__all__ = [
    "JOURNAL",
    "Entry",
    "append",
    "compact",
    "journal_files",
    "read_journal",
    "release",
    "to_json",
]

JOURNAL = ".journal"
_HEADER = struct.Struct("<II")
_SUFFIX = ".log"
# Journal files a process keeps open at once (a long-lived cluster worker serves many sweeps).
_MAX_OPEN = 16


class Entry(NamedTuple):
    """A finished job's record: when it was written (``time.time_ns``) and its result as JSON
    text."""

    time_ns: int
    result: str


class _Writer:
    """This process's open journal files, one per sweep folder."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.files: dict[str, int] = {}

    def fd(self, root: str) -> int:
        if self.pid != os.getpid():  # a forked child writes files of its own
            self.pid, self.files = os.getpid(), {}
        fd = self.files.get(root)
        if fd is not None and os.fstat(fd).st_nlink == 0:  # compacted away: open a new one
            os.close(self.files.pop(root))
            fd = None
        if fd is None:
            folder = os.path.join(root, JOURNAL)
            os.makedirs(folder, exist_ok=True)
            name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(os.path.join(folder, name), flags, 0o644)
            if len(self.files) >= _MAX_OPEN:
                os.close(self.files.pop(next(iter(self.files))))
            self.files[root] = fd
        return fd

    def release(self, root: str) -> None:
        """Close this process's journal file of ``root``, if open (the next record opens a
        new one)."""
        if self.pid == os.getpid() and root in self.files:
            os.close(self.files.pop(root))


_WRITER = _Writer()


def release(root: str | os.PathLike[str]) -> None:
    """Close this process's journal file of the sweep in ``root``, if it has one open.

    A serial sweep writes from the calling process; closing its file at the end lets the
    caller remove ``root`` at once, even on Windows, where an open file cannot be removed.
    """
    _WRITER.release(os.fspath(root))


def _record(key: str, time_ns: int, result: str) -> bytes:
    text = f'{{"key": {json.dumps(key)}, "time_ns": {int(time_ns)}, "result": {result}}}'
    payload = text.encode("utf-8")
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def append(root: str | os.PathLike[str], key: str, result: str) -> None:
    """Record that the job ``key`` of the sweep in ``root`` finished with ``result`` (JSON
    text, see :func:`to_json`)."""
    fd = _WRITER.fd(os.fspath(root))
    data = memoryview(_record(key, time.time_ns(), result))
    while data:
        data = data[os.write(fd, data) :]


def _read_file(path: Path) -> list[tuple[str, Entry]]:
    """The whole records of one journal file, up to the first torn or corrupt one."""
    try:
        data = path.read_bytes()
    except OSError:  # removed by a compaction in between
        return []
    records, offset = [], 0
    while offset + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, offset)
        start, end = offset + _HEADER.size, offset + _HEADER.size + length
        payload = data[start:end]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        try:
            record = json.loads(payload.decode("utf-8"))
            key, time_ns = record["key"], record["time_ns"]
            result = json.dumps(record["result"])
        except (ValueError, KeyError, TypeError, RecursionError):  # nested past any result
            break
        if not isinstance(key, str) or not isinstance(time_ns, int):
            break
        records.append((key, Entry(time_ns, result)))
        offset = end
    return records


def _plain(value: object) -> object:
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays, torch tensors
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON data")


def _check_keys(result: object) -> None:
    """Refuse a dict key that is not a str: JSON would silently write ``{1: x}`` as
    ``{"1": x}``, so a resumed sweep would read back a different result."""
    stack, seen = [result], set()
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if id(item) in seen:  # a cycle: json.dumps names it
                continue
            seen.add(id(item))
            for key, value in item.items():
                if not isinstance(key, str):
                    raise TypeError(
                        f"the result of run must be JSON data, whose dict keys are str, got "
                        f"the key {key!r:.40} ({type(key).__name__}): the journal would keep "
                        f"it as {json.dumps(str(key))}, and a resumed sweep read that back"
                    )
                if isinstance(value, (dict, list, tuple)):
                    stack.append(value)
        elif isinstance(item, (list, tuple)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend(v for v in item if isinstance(v, (dict, list, tuple)))


def to_json(result: object) -> str:
    """``result`` as JSON text, for the journal: dicts with string keys, lists, tuples (read
    back as lists), strings, numbers (``NaN`` and infinities included), booleans, ``None``,
    and numpy scalars and arrays (as numbers and lists).

    Raises:
        TypeError: ``result`` holds something else, or a dict key that is not a str (which
            JSON would turn into one); the message names it.
    """
    _check_keys(result)
    try:
        return json.dumps(result, default=_plain, allow_nan=True)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"the result of run must be JSON data (dict, list, str, number, bool, None, numpy "
            f"values) so the sweep's journal can keep it: {error}"
        ) from None


def journal_files(root: Path) -> list[Path]:
    """The journal files of the sweep in ``root``."""
    folder = root / JOURNAL
    return sorted(folder.glob(f"*{_SUFFIX}")) if folder.is_dir() else []


def read_journal(root: str | os.PathLike[str]) -> dict[str, Entry]:
    """The newest record of every job in the journal of ``root`` (folders not checked)."""
    entries: dict[str, Entry] = {}
    for path in journal_files(Path(root)):
        for key, entry in _read_file(path):
            if key not in entries or entry.time_ns >= entries[key].time_ns:
                entries[key] = entry
    return entries


def compact(root: str | os.PathLike[str], keep: Mapping[str, Entry]) -> None:
    """Rewrite the journal of ``root`` as one file holding just ``keep``.

    Meant for the start of a sweep, when no job of it is running yet.
    """
    root = Path(root)
    # This process's own file is closed first: an open file cannot be removed on Windows.
    release(root)
    old = journal_files(root)
    if not keep:
        _remove(old)
        return
    folder = root / JOURNAL
    folder.mkdir(parents=True, exist_ok=True)
    data = b"".join(_record(key, entry.time_ns, entry.result) for key, entry in keep.items())
    # Synced to the disk before the old files go: they are the only other copy.
    atomic_write(folder / f"compact-{secrets.token_hex(4)}{_SUFFIX}", data, fsync=True)
    _remove(old)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
