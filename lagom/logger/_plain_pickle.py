"""Unpickling a saved log without running code from the file (private).

A pickle names the functions and classes that rebuild its objects, and a plain
:func:`pickle.load` imports and calls whatever it names: a log received from elsewhere could
run anything. :func:`load_plain` reads plain data only: numbers, strings, bytes, the
containers (lists, tuples, dicts, sets, ``OrderedDict``, ``deque``), numpy scalars and
numpy arrays (object arrays too, whose items are read by the same rules). Any other name
in the pickle raises ``ValueError``, naming it.

numpy's own rebuild functions trust what they are given: a damaged or forged dtype or
array state can crash the interpreter. So numpy values are not rebuilt by numpy's pickle
functions but by checked stand-ins (:func:`_dtype`, :func:`_frombuffer`,
:func:`_reconstruct`, :func:`_scalar`) that build each array from its bytes after checking
its dtype, shape and size; the ``BUILD`` step of a dtype or array is checked the same way,
and is refused on anything else. The pure-Python unpickler is used (its steps can be
checked); a log holds few objects, so its speed does not matter.
"""

from __future__ import annotations

import builtins
import collections
import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

__all__ = ["load_plain", "loads_plain"]

_BUILTINS = frozenset(
    {
        "bool",
        "bytearray",
        "bytes",
        "complex",
        "dict",
        "float",
        "frozenset",
        "int",
        "list",
        "set",
        "str",
        "tuple",
    }
)
_COLLECTIONS = {"OrderedDict": collections.OrderedDict, "deque": collections.deque}
# The dtypes a log may hold: booleans, numbers, fixed-length strings and bytes. Not
# structured, datetime or object dtypes (object arrays come through `_reconstruct`).
_PLAIN_KINDS = frozenset("biufcSU")
# Arrays above this many bytes are refused: a forged shape must not allocate without bound.
_MAX_BYTES = 1 << 34


class _Pending:
    """What a numpy rebuild step returns until its ``BUILD`` step has been checked."""

    def __init__(self, kind: str, dtype: np.dtype[Any] | None = None) -> None:
        self.kind = kind  # "dtype" or "array"
        self.dtype = dtype


class _RefusedError(ValueError):
    """What the checks of this module raise (any other error means a damaged pickle)."""


def _fail(what: str) -> _RefusedError:
    return _RefusedError(f"not a pickled log of plain data: {what}")


def _dtype(spec: object, align: object = False, copy: object = True) -> _Pending:
    """Stand-in for ``numpy.dtype(spec, align, copy)``: a plain dtype, checked."""
    if not isinstance(spec, str) or len(spec) > 16:
        raise _fail(f"a dtype of {spec!r}")
    try:
        dtype = np.dtype(spec)
    except (TypeError, ValueError):
        raise _fail(f"a dtype of {spec!r}") from None
    if dtype.kind not in _PLAIN_KINDS and dtype != np.dtype(object):
        raise _fail(f"the dtype {dtype} (only numbers, strings and objects)")
    return _Pending("dtype", dtype)


def _real_dtype(dtype: object) -> np.dtype[Any]:
    if not isinstance(dtype, np.dtype):
        raise _fail(f"{type(dtype).__name__} where a dtype belongs")
    return dtype


def _check_shape(shape: object) -> tuple[int, ...]:
    if not isinstance(shape, tuple) or len(shape) > 32:
        raise _fail(f"an array shape of {shape!r}")
    for n in shape:
        if type(n) is not int or n < 0:
            raise _fail(f"an array shape of {shape!r}")
    return shape


def _from_bytes(data: object, dtype: np.dtype[Any], shape: tuple[int, ...], fortran: bool) -> Any:
    if isinstance(data, pickle.PickleBuffer):
        data = bytes(data.raw())
    if not isinstance(data, (bytes, bytearray)):
        raise _fail(f"array data of type {type(data).__name__}")
    size = math.prod(shape)
    if size * dtype.itemsize > _MAX_BYTES or len(data) != size * dtype.itemsize:
        raise _fail(f"{len(data)} bytes for an array of shape {shape} and dtype {dtype}")
    flat = np.frombuffer(data, dtype=dtype).copy()  # owns its memory, writeable
    return flat.reshape(shape, order="F" if fortran else "C")


def _frombuffer(data: object, dtype: object, shape: object, order: object) -> Any:
    """Stand-in for numpy's ``_frombuffer`` (protocol 5 arrays)."""
    real = _real_dtype(dtype)
    if real.kind not in _PLAIN_KINDS or order not in ("C", "F"):
        raise _fail(f"an array of dtype {real} in order {order!r}")
    return _from_bytes(data, real, _check_shape(shape), order == "F")


def _reconstruct(subtype: object, shape: object, dtype: object) -> _Pending:
    """Stand-in for numpy's ``_reconstruct``: the array is made at its ``BUILD`` step."""
    if subtype is not np.ndarray:
        raise _fail(f"an array of type {subtype!r}")
    return _Pending("array")


def _scalar(dtype: object, data: object = None) -> Any:
    """Stand-in for numpy's ``scalar`` (numpy scalars such as ``np.float32(1.5)``)."""
    real = _real_dtype(dtype)
    if real == np.dtype(object):
        return data
    if real.kind not in _PLAIN_KINDS:
        raise _fail(f"a scalar of dtype {real}")
    return _from_bytes(data, real, (), False)[()]


def _latin1(text: object, encoding: object) -> bytes:
    """Stand-in for ``_codecs.encode``, which protocols 0 to 2 use to store bytes."""
    if not isinstance(text, str) or encoding != "latin1":
        raise _fail(f"_codecs.encode with the encoding {encoding!r}")
    return text.encode("latin1")


_NUMPY: dict[str, dict[str, Callable[..., Any]]] = {
    "multiarray": {"_reconstruct": _reconstruct, "scalar": _scalar},
    "numeric": {"_frombuffer": _frombuffer},
}


def _build_dtype(pending: _Pending, state: object) -> np.dtype[Any]:
    dtype = pending.dtype
    if (
        dtype is None
        or not isinstance(state, tuple)
        or len(state) != 8
        or state[0] != 3
        or state[1] not in ("<", ">", "|", "=")
        or state[2:5] != (None, None, None)
        or state[5] not in (-1, dtype.itemsize)
        or state[6] not in (-1, dtype.alignment)
    ):
        raise _fail(f"the dtype state {state!r}")
    return dtype.newbyteorder(state[1]) if state[1] in "<>" else dtype


def _build_array(state: object) -> Any:
    if not isinstance(state, tuple) or len(state) != 5 or state[0] != 1:
        raise _fail(f"an array state of type {type(state).__name__}")
    _, shape, dtype, fortran, data = state
    shape, real = _check_shape(shape), _real_dtype(dtype)
    if not isinstance(fortran, bool):
        raise _fail(f"an array order flag of {fortran!r}")
    if real != np.dtype(object):
        if real.kind not in _PLAIN_KINDS:
            raise _fail(f"an array of dtype {real}")
        return _from_bytes(data, real, shape, fortran)
    size = math.prod(shape)
    if not isinstance(data, list) or len(data) != size:
        raise _fail(f"object array data for shape {shape}")
    array = np.empty(size, dtype=object)
    for i, item in enumerate(data):
        array[i] = item  # one by one: a slice assignment would broadcast array items
    return array.reshape(shape, order="F" if fortran else "C")


class _Memo(dict[Any, Any]):
    """The unpickler's memo, which knows where each pending numpy value was stored (every
    memo opcode of every protocol stores through ``__setitem__``), so that its ``BUILD``
    step can replace it there too."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[int, list[Any]] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, _Pending):
            self._pending.setdefault(id(value), []).append(key)
        super().__setitem__(key, value)

    def resolve(self, pending: _Pending, built: Any) -> None:
        for key in self._pending.pop(id(pending), ()):
            super().__setitem__(key, built)


# The pure-Python unpickler (the C one's steps cannot be replaced); private in pickle.
_PurePython: Any = getattr(pickle, "_Unpickler")  # noqa: B009


class _PlainUnpickler(_PurePython):  # type: ignore[misc]
    """The pure-Python unpickler with every name and ``BUILD`` step checked."""

    dispatch: ClassVar[dict[int, Any]] = dict(_PurePython.dispatch)

    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self.memo = _Memo()

    def find_class(self, module: str, name: str) -> Any:
        if module in ("builtins", "__builtin__") and name in _BUILTINS:  # protocols 0-2
            return getattr(builtins, name)
        if module == "collections" and name in _COLLECTIONS:
            return _COLLECTIONS[name]
        if module == "_codecs" and name == "encode":
            return _latin1
        if module == "numpy" and name == "ndarray":
            return np.ndarray
        if module == "numpy" and name == "dtype":
            return _dtype
        parts = module.split(".")
        if len(parts) == 3 and parts[:2] in (["numpy", "core"], ["numpy", "_core"]):
            found = _NUMPY.get(parts[2], {}).get(name)
            if found is not None:
                return found
        raise _RefusedError(
            f"the pickle names {module}.{name}, which a log of plain data does not need; "
            "only numbers, strings, containers and numpy arrays are read from a pickled "
            "log (read a file of your own that holds other objects with lagom.utils.pickle_load)"
        )

    def load_build(self) -> None:
        state = self.stack.pop()
        pending = self.stack[-1]
        if not isinstance(pending, _Pending):
            raise _fail(f"a BUILD step on {type(pending).__name__}")
        built = _build_dtype(pending, state) if pending.kind == "dtype" else _build_array(state)
        self.stack[-1] = built
        self.memo.resolve(pending, built)

    dispatch[pickle.BUILD[0]] = load_build


_CONTAINERS = (list, tuple, set, frozenset, collections.deque)


def _check_built(value: Any) -> None:
    """Raise if a numpy rebuild step was left without its ``BUILD`` step anywhere."""
    seen: set[int] = set()
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, _Pending):
            raise _fail("a numpy value left half-built")
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            todo.extend(item)
        elif isinstance(item, np.ndarray) and item.dtype == np.dtype(object):
            todo.extend(item.reshape(-1).tolist())


def loads_plain(data: bytes) -> Any:
    """The object pickled in ``data``, if it is made of plain data and numpy arrays.

    Raises:
        ValueError: the pickle names any other function or class, holds a damaged or
            unusual numpy value, or is not a pickle.
    """
    import io

    try:
        value = _PlainUnpickler(io.BytesIO(data)).load()
    except _RefusedError:
        raise
    except RecursionError:
        raise _fail("nested too deeply") from None
    except Exception as error:  # any other failure on these bytes: not a (whole) pickle
        raise ValueError(
            f"not a pickle, or a damaged one ({type(error).__name__}: {error})"
        ) from None
    _check_built(value)
    return value


def load_plain(path: Path) -> Any:
    """:func:`loads_plain` of the file ``path``.

    Raises:
        ValueError: as :func:`loads_plain`, naming the file.
        OSError: the file cannot be read.
    """
    data = path.read_bytes()
    try:
        return loads_plain(data)
    except ValueError as error:
        raise ValueError(f"{str(path)!r}: {error}") from None
