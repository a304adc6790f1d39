"""Atomic file writes (:func:`atomic_write`), pickle and YAML dumps, :class:`CloudpickleWrapper`.

cloudpickle and pyyaml are imported when a function needs them, so this module imports with
the standard library alone. Every dump writes a temporary file beside the target and renames
it over the target (``os.replace``), so the target holds either the old or the new content,
never a half-written file.
"""

from __future__ import annotations

import os
import pickle
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Generic, ParamSpec, TypeVar

import numpy as np

from lagom._checks import check_bool, check_path

__all__ = [
    "CloudpickleWrapper",
    "atomic_write",
    "pickle_dump",
    "pickle_load",
    "remove_stale_temps",
    "yaml_dump",
    "yaml_load",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_R = TypeVar("_R")


#: The name of :func:`atomic_write`'s temporary file beside ``name``: writer PID, random part.
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp$")


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that :func:`atomic_write` left in ``folder`` (and below)
    when its process was killed before the rename (``kill -9`` allows no clean-up); return
    them. A file whose writer still runs is kept.

    A run or sweep calls this when it starts in a folder it has locked.

    Raises:
        TypeError: ``folder`` is not a str or path.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     left = Path(folder) / ".checkpoint.pt.999999999.0123abcd.tmp"  # no such PID
        ...     _ = left.write_bytes(b"half a checkpoint")
        ...     mine = Path(folder) / f".log.csv.{os.getpid()}.0123abcd.tmp"  # a live writer
        ...     _ = mine.write_bytes(b"")
        ...     [path.name for path in remove_stale_temps(folder)], mine.exists()
        (['.checkpoint.pt.999999999.0123abcd.tmp'], True)
    """
    from lagom.utils.processes import _alive

    root = Path(check_path("folder", folder))
    removed = []
    for path in sorted(root.rglob(".*.tmp")):
        match = _TEMP.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = int(match["pid"])
        if 0 < pid < 2**31 and _alive(pid):
            continue
        try:
            path.unlink()
        except FileNotFoundError:  # removed meanwhile
            continue
        removed.append(path)
    return removed


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | Callable[[IO[bytes]], object],
    *,
    fsync: bool = True,
) -> Path:
    """Write ``path`` all at once: ``data`` goes to a temporary file beside it, renamed over it.

    A reader sees the old content or the new one, never a part; a process killed midway
    leaves the old file, and no temporary one unless it was killed outright (``kill -9``):
    then ``.NAME.PID.XXXXXXXX.tmp`` stays beside it until :func:`remove_stale_temps` deletes
    it, as every run and sweep does when it starts.

    Args:
        path: the file to write.
        data: the bytes, or ``write(file)`` that writes them to a binary file object.
        fsync: flush the file to the disk before the rename, so the new content also
            survives a power cut. Without it (about 4 ms less per file here) the write is
            still atomic for a killed process, which is all a frequently written file needs.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        TypeError: ``path`` is not a str or path, ``data`` is neither bytes nor callable,
            or ``fsync`` is not a bool.
        ValueError: ``path`` is a folder.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = atomic_write(Path(folder) / "a.txt", b"old")
        ...     _ = atomic_write(path, lambda f: f.write(b"new"), fsync=False)
        ...     path.read_bytes(), sorted(p.name for p in Path(folder).iterdir())
        (b'new', ['a.txt'])
    """
    path = Path(check_path("path", path))
    fsync = check_bool("fsync", fsync)
    if not callable(data) and not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes or a write(file) callable, got {type(data).__name__}")
    if path.is_dir():
        raise ValueError(f"path must be a file, got the folder {str(path)!r}")
    write = data if callable(data) else (lambda file: file.write(data))
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as open() would.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            if fsync:
                file.flush()
                os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


# object: anything cloudpickle can write.
def pickle_dump(obj: object, f: str | os.PathLike[str], ext: str = ".pkl") -> Path:
    """Serialize ``obj`` with cloudpickle (highest protocol) into the file ``f + ext``.

    cloudpickle serializes lambdas and locally defined functions that ``pickle`` refuses.
    The file is written atomically.

    Args:
        obj: a serializable object.
        f: file path without the extension.
        ext: file extension appended to ``f``. Default: ``".pkl"``.

    Returns:
        The path written.

    Raises:
        TypeError: ``f`` is not a str or path, or ``ext`` is not a str.
        ValueError: ``f + ext`` is a folder.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pickle_dump(lambda x: 2 * x, Path(folder) / "double")
        ...     path.name, pickle_load(path)(21)
        ('double.pkl', 42)
    """
    import cloudpickle

    path = _with_ext(f, ext)
    return atomic_write(
        path, lambda file: cloudpickle.dump(obj, file, protocol=pickle.HIGHEST_PROTOCOL)
    )


def pickle_load(f: str | os.PathLike[str]) -> Any:
    """Read a pickled object from the file ``f`` (the full path, extension included).

    Only load files you trust: unpickling can run arbitrary code.

    Raises:
        TypeError: ``f`` is not a str or path.
        ValueError: the file is not a pickle (empty, truncated or other data); the message
            names the file.
        OSError: the file cannot be read (``FileNotFoundError`` for a missing one).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pickle_dump({"returns": [1.0, 2.5]}, Path(folder) / "metrics")
        ...     pickle_load(path)
        {'returns': [1.0, 2.5]}
    """
    path = check_path("f", f)
    with open(path, "rb") as file:
        try:
            return pickle.load(file)
        except (pickle.UnpicklingError, EOFError) as error:
            reason = str(error) or "it ends before the pickle does"
            raise ValueError(f"{path} is not a readable pickle file: {reason}") from None


def _with_ext(f: object, ext: object) -> Path:
    """The path ``f + ext`` of a dump."""
    if not isinstance(ext, str):
        raise TypeError(f"ext must be a str such as '.pkl', got {type(ext).__name__} {ext!r}")
    return Path(os.fspath(check_path("f", f)) + ext)


# object: plain data of any shape; checked when written (see the docstring).
def yaml_dump(obj: object, f: str | os.PathLike[str], ext: str = ".yaml") -> Path:
    """Serialize plain data as YAML into the file ``f + ext``, keys in insertion order.

    YAML suits small, human-readable data such as configurations; use :func:`pickle_dump`
    for metrics. Only plain data is written (``yaml.SafeDumper``): dicts, lists, tuples
    (as lists), str, int, float, bool, None, and numpy scalars and arrays (as numbers and
    nested lists). The file is written atomically.

    Args:
        obj: the data to write.
        f: file path without the extension.
        ext: file extension appended to ``f``. Default: ``".yaml"``.

    Returns:
        The path written.

    Raises:
        TypeError: ``obj`` contains something other than plain data, ``f`` is not a str or
            path, or ``ext`` is not a str.
        ValueError: ``f + ext`` is a folder.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = yaml_dump({"lr": 0.001, "sizes": (64, 64)}, Path(folder) / "config")
        ...     print(path.read_text(), end="")
        ...     yaml_load(path)
        lr: 0.001
        sizes:
        - 64
        - 64
        {'lr': 0.001, 'sizes': [64, 64]}
    """
    import yaml

    from lagom.utils._yaml import plain_dumper

    path = _with_ext(f, ext)
    _check_plain(obj, "obj")
    try:
        # allow_unicode=True would be more readable but loses "\x85" (NEL) on a round trip.
        text = yaml.dump(obj, Dumper=plain_dumper(), sort_keys=False)
    except yaml.representer.RepresenterError as error:
        raise TypeError(
            f"yaml_dump writes plain data only (dict, list, str, numbers, bool, None, numpy "
            f"arrays), got {error.args[-1]!r}"
        ) from error
    return atomic_write(path, lambda file: file.write(text.encode("utf-8")))


_PLAIN_KEYS = (str, int, float, bool, type(None))
_PLAIN_LEAVES = (str, int, float, bool, type(None))


def _check_plain(value: object, where: str, depth: int = 0) -> None:
    """Refuse what ``yaml.safe_load`` would not give back as written: keys other than
    str, numbers, bool or None (a tuple key is written as a list, which cannot be a key),
    sets, bytes, dates and other objects; numpy arrays and scalars of numbers, bools or
    str are plain."""
    if depth > 100:
        raise TypeError(
            f"yaml_dump writes plain data only, got data nested deeper than 100 at {where}"
        )
    if isinstance(value, _PLAIN_LEAVES):
        return
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "biufU":
            raise TypeError(
                f"yaml_dump writes plain data only, got a numpy value of dtype {value.dtype} at "
                f"{where}"
            )
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, _PLAIN_KEYS):
                raise TypeError(
                    f"yaml_dump writes plain data only: dict keys must be str, numbers, bool or "
                    f"None, got {type(key).__name__} {key!r:.40} at {where}"
                )
            _check_plain(item, f"{where}[{key!r}]", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]", depth + 1)
        return
    raise TypeError(
        f"yaml_dump writes plain data only (dict, list, tuple, str, numbers, bool, None, numpy "
        f"arrays), got {type(value).__name__} {value!r:.40} at {where}"
    )


def yaml_load(f: str | os.PathLike[str]) -> Any:
    """Read YAML data from the file ``f`` (the full path) with ``yaml.safe_load``'s rules,
    except that a key given twice in one mapping is an error, not silently its last value.

    Raises:
        TypeError: ``f`` is not a str or path.
        ValueError: the file is not YAML (malformed, or not UTF-8 text) or a mapping holds a
            key twice; the message names the file.
        OSError: the file cannot be read (``FileNotFoundError`` for a missing one).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "config.yml"
        ...     _ = path.write_text("{lr: 3.0e-4, sizes: [64, 64]}")
        ...     yaml_load(path)
        {'lr': 0.0003, 'sizes': [64, 64]}
    """
    import yaml

    from lagom.utils._yaml import unique_key_loader

    path = check_path("f", f)
    try:
        with open(path, encoding="utf-8") as file:
            return yaml.load(file, Loader=unique_key_loader())  # a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{path} is not a readable YAML file: {first}") from None


class CloudpickleWrapper(Generic[_T]):
    """Wrap ``x`` so that ``pickle`` (e.g. in ``multiprocessing``) serializes it by cloudpickle.

    Useful to pass a lambda or a closure to a subprocess. Calling the wrapper calls ``x``;
    other attributes are read from ``x``.

    Args:
        x: the object to wrap.

    Example:
        >>> import pickle
        >>> wrapped = pickle.loads(pickle.dumps(CloudpickleWrapper(lambda x: x + 1)))
        >>> wrapped(1)
        2
    """

    def __init__(self, x: _T) -> None:
        self.x = x

    def __call__(
        self: CloudpickleWrapper[Callable[_P, _R]], *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
        """``x(*args, **kwargs)``, typed as ``x`` is."""
        if not callable(self.x):
            raise TypeError(f"the wrapped {type(self.x).__name__} object is not callable")
        return self.x(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Guard `x` itself: during unpickling `x` is not set yet, and forwarding would recurse.
        if name == "x":
            raise AttributeError(name)
        return getattr(self.x, name)

    def __getstate__(self) -> bytes:
        import cloudpickle

        data: bytes = cloudpickle.dumps(self.x, protocol=pickle.HIGHEST_PROTOCOL)
        return data

    def __setstate__(self, state: bytes) -> None:
        self.x = pickle.loads(state)
