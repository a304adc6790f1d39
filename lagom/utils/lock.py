"""One writer per folder: :func:`folder_lock`, an exclusive advisory lock with the holder's PID.

A sweep's ``log_dir`` and each run folder are locked while they are written, so a second
``lagom train`` (or ``run_experiment``) on the same folder stops at once with a message that
names the process holding it, instead of writing the same files. The lock is
``fcntl.flock`` on ``folder/.lock``; the kernel drops it when its holder dies, however it
dies, so a lock left by a killed process is simply taken over by the next writer. The PID
in the file is for the message only. Within one process the lock is re-entrant (a sweep run
serially locks each run folder inside its own locked ``log_dir``). Where ``fcntl`` does not
exist (Windows) the lock does nothing.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with folder_lock(folder):
    ...         with folder_lock(folder):  # re-entrant in one process
    ...             (Path(folder) / LOCK_FILE).exists()
    True
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from lagom._checks import check_path

if sys.platform != "win32":
    import fcntl

__all__ = ["LOCK_FILE", "FolderLockedError", "folder_lock"]

LOCK_FILE = ".lock"

# Folder (resolved) -> (open lock file descriptor, depth) held by this process.
_held: dict[str, tuple[int, int]] = {}


class FolderLockedError(RuntimeError):
    """Another process holds the folder's lock.

    Attributes:
        folder: the locked folder.
        holder: the PID written by the holder (``None`` if it could not be read).

    Example:
        >>> error = FolderLockedError(Path("logs/ppo"), 4242)
        >>> str(error)
        'logs/ppo is being written by another lagom process (PID 4242); wait for it or stop it'
    """

    def __init__(self, folder: Path, holder: int | None) -> None:
        who = f"PID {holder}" if holder is not None else "PID unknown"
        super().__init__(
            f"{folder} is being written by another lagom process ({who}); wait for it or stop it"
        )
        self.folder = folder
        self.holder = holder


def _holder(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or "x")
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the exclusive lock of ``folder`` (created if missing) for the ``with`` block.

    Raises:
        FolderLockedError: another process holds it (the message names its PID).
        TypeError: ``folder`` is not a path.
        ValueError: ``folder`` exists and is not a folder.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with folder_lock(folder) as locked:
        ...         locked.name == Path(folder).name
        True
    """
    path = Path(check_path("folder", folder))
    if path.exists() and not path.is_dir():
        raise ValueError(f"folder {str(path)!r} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield path
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    if sys.platform == "win32":  # pragma: no cover - no fcntl there
        yield path
        return
    lock = path / LOCK_FILE
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise FolderLockedError(path, _holder(lock)) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held[key] = (fd, 1)
        yield path
    finally:
        _held.pop(key, None)
        os.close(fd)  # closing the descriptor releases the lock
