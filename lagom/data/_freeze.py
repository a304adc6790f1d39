"""Deep read-only copies of the payloads lagom's records hold (private).

A record must not change once built: neither through the record (``step.info["x"] = 1``,
``rollout.rewards[0, 0] = 5``, ``arr += 1``, ``np.copyto``) nor through the objects the
caller built it from. :func:`freeze` turns a payload into such a value:

- a numpy array becomes a read-only copy (:func:`freeze_array`);
- a mapping becomes a :class:`types.MappingProxyType` over a new dict of frozen values;
- a list or tuple becomes a tuple of frozen items (a namedtuple keeps its type, and a tuple
  whose items are already frozen is kept as is); a set becomes a frozenset;
- anything else (numbers, strings, numpy scalars, and objects lagom cannot freeze, such as
  torch tensors) is kept as given.

A frozen array is a read-only *view* of a read-only copy, so it cannot be made writeable
again with ``setflags(write=True)`` either. An array that is already read-only down to the
memory it views (every array a lagom record holds is) counts as frozen and is kept without
a copy, so passing a record's arrays to another record costs nothing.

:func:`thaw` undoes the proxies (for pickling: ``MappingProxyType`` cannot be pickled).
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Set
from typing import Any, TypeAlias

import numpy as np

from lagom._checks import is_tensor, tensor_array
from lagom._types import ArrayLike, NDArray, TensorLike

__all__ = ["EMPTY_INFO", "freeze", "freeze_array", "freeze_info", "is_frozen", "seal", "thaw"]

#: The info of a step without one: immutable, so every record may share it.
EMPTY_INFO: Mapping[str, Any] = types.MappingProxyType({})

# Immutable leaves, checked by exact type first because they are by far the most common.
_ATOMS = frozenset({int, float, bool, str, bytes, complex, type(None)})


#: An observation or action of any gymnasium space: arrays and numbers, tuples of them
#: (``Tuple`` spaces) and dicts of them (``Dict`` spaces).
SpaceValue: TypeAlias = "ArrayLike | Mapping[str, SpaceValue] | tuple[SpaceValue, ...]"


def seal(array: NDArray[Any]) -> NDArray[Any]:
    """Make ``array`` (which nobody else may hold) read-only for good; return a view of it.

    No copy. The view cannot be made writeable again, since the memory it views is
    read-only.

    Example:
        >>> frozen = seal(np.zeros(2))
        >>> frozen.flags.writeable, is_frozen(frozen)
        (False, True)
    """
    array.setflags(write=False)
    view: NDArray[Any] = array.view()
    return view


def is_frozen(array: NDArray[Any]) -> bool:
    """Whether ``array`` is read-only down to the memory it views (object arrays never are).

    That is a read-only view of a read-only array that owns its memory, as :func:`seal`
    leaves it. A read-only array over someone else's buffer (``np.frombuffer`` of a
    ``bytearray``, shared memory, a memory map) does not count: the buffer's owner can
    still write to it.

    Example:
        >>> is_frozen(np.zeros(2)), is_frozen(freeze_array(np.zeros(2)))
        (False, True)
    """
    base = array.base
    if base is None:  # an array that owns its memory is not a sealed view
        return False
    return (
        isinstance(base, np.ndarray)
        and base.flags.owndata
        and not array.flags.writeable
        and not base.flags.writeable
        and array.dtype.kind != "O"
    )


def freeze_array(value: ArrayLike) -> NDArray[Any]:
    """Return ``value`` as a read-only numpy array that no one else can write to.

    Copies (once) unless no copy is needed: an array that :func:`is_frozen` is returned as
    is, and a list or tuple is converted into a new array, which is then only sealed. The
    items of an object array are frozen with :func:`freeze` (into a new object array). A
    torch tensor is copied detached and on the CPU (bfloat16 as float32).

    Example:
        >>> mine = np.zeros(2)
        >>> frozen = freeze_array(mine)
        >>> mine[0] = 5.0
        >>> frozen, frozen.flags.writeable, freeze_array(frozen) is frozen
        (array([0., 0.]), False, True)
        >>> freeze_array([[1, 2]])
        array([[1, 2]])
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return _freeze_items(value)
        if is_frozen(value):
            return value
        # A copy that the new array owns (a subclass becomes a plain ndarray).
        array = value.copy() if type(value) is np.ndarray else np.array(value)
    elif isinstance(value, (list, tuple)):
        array = np.asarray(value)  # a new array: no second copy needed
    elif is_tensor(value):
        array = _tensor_array(value)
    else:
        # Anything else (a scalar, a buffer, a tensor) may share memory with its source.
        array = np.array(value)
    if array.dtype.kind == "O":
        return _freeze_items(array)
    return seal(array)


def _tensor_array(tensor: TensorLike) -> NDArray[Any]:
    """A new array of a torch tensor's values, detached and on the CPU (bfloat16 widened).

    ``np.array(tensor)`` fails for a tensor that requires grad (a policy's sampled actions),
    lives on a GPU or holds bfloat16, and warns for the others (torch's ``__array__`` takes
    no ``copy``).
    """
    return np.array(tensor_array(tensor))  # a copy: numpy() shares the tensor's memory


def _freeze_items(array: NDArray[Any]) -> NDArray[Any]:
    """An object array whose items are frozen with :func:`freeze`, sealed.

    ``array`` itself when it is already sealed (read-only down to its memory, as
    :func:`seal` leaves it) and every item is frozen: nothing can change it then.
    """
    # A 1-D object array's tolist gives its items.
    items = (array if array.ndim == 1 else array.reshape(-1)).tolist()
    base = array.base
    if isinstance(base, np.ndarray) and not array.flags.writeable and not base.flags.writeable:
        # Sealed: kept if every item is frozen already (None first: gymnasium's final_obs
        # holds None in every row whose episode did not end). Items that are rows of one
        # sealed array (the final observations of one step) check that array once.
        sealed_base = None
        for item in items:
            if item is None:
                continue
            kind = type(item)
            if kind is np.ndarray:
                if (
                    sealed_base is not None
                    and item.base is sealed_base
                    and not item.flags.writeable
                ):
                    continue
                if is_frozen(item):
                    sealed_base = item.base
                    continue
                break
            if kind in _ATOMS:
                continue
            break
        else:
            return array
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        if item is not None:  # np.empty's object arrays hold None already
            out[i] = freeze(item)  # one by one: a slice assignment would broadcast arrays
    return seal(out).reshape(array.shape)


def _rebuild(value: tuple[Any, ...], items: list[Any]) -> tuple[Any, ...]:
    """``value`` itself if ``items`` are its own items, else a tuple (of its type) of them."""
    if all(new is old for new, old in zip(items, value, strict=True)):
        return value
    kind = type(value)
    return kind._make(items) if hasattr(kind, "_make") else tuple(items)


def freeze_value(value: SpaceValue) -> Any:
    """An observation or action (of any gymnasium space: arrays, numbers, tuples, dicts)
    frozen by :func:`freeze`; typed for the records' constructors."""
    return freeze(value)


def freeze(value: Any) -> Any:
    """Return a deep read-only version of ``value`` (see the module docstring).

    Example:
        >>> frozen = freeze({"a": [1, 2], "b": {"c": np.zeros(1)}})
        >>> frozen["a"], frozen["b"]["c"].flags.writeable
        ((1, 2), False)
        >>> frozen["b"]["d"] = 1
        Traceback (most recent call last):
        TypeError: 'mappingproxy' object does not support item assignment
    """
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is np.ndarray:
        return value if is_frozen(value) else freeze_array(value)  # frozen: no second call
    if kind is dict:  # the common mapping, before the slower ABC checks below
        if not value:
            return EMPTY_INFO
        return types.MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, np.generic):  # numpy scalars are immutable
        return value
    if isinstance(value, Mapping):
        if not value:
            return EMPTY_INFO
        return types.MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, tuple):
        return _rebuild(value, [freeze(item) for item in value])
    if isinstance(value, list):
        return tuple(freeze(item) for item in value)
    if isinstance(value, np.ndarray):  # a subclass: stored as a plain array
        return freeze_array(value)
    if isinstance(value, Set) and not isinstance(value, frozenset):
        return frozenset(freeze(item) for item in value)
    return value


def freeze_info(value: object, name: str = "info") -> Mapping[str, Any]:
    """Return ``value``, a mapping, frozen with :func:`freeze`.

    Raises:
        TypeError: ``value`` is not a mapping.

    Example:
        >>> freeze_info({"V": 0.5})
        mappingproxy({'V': 0.5})
        >>> freeze_info([("V", 0.5)])
        Traceback (most recent call last):
        TypeError: info must be a mapping (e.g. a dict), got list
    """
    if type(value) is not dict and not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping (e.g. a dict), got {type(value).__name__}")
    if not value:
        return EMPTY_INFO
    frozen: dict[str, Any] = {}
    # gymnasium's vector infos hold one mask under two keys ("_final_obs", "_final_info"):
    # each array is frozen once (by identity; ``value`` keeps every item alive meanwhile).
    arrays: dict[int, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is np.ndarray:
            done = arrays.get(id(item))
            if done is None:
                done = arrays[id(item)] = item if is_frozen(item) else freeze_array(item)
            frozen[key] = done
        elif kind in _ATOMS:
            frozen[key] = item
        else:
            frozen[key] = freeze(item)
    return types.MappingProxyType(frozen)


def thaw(value: Any) -> Any:
    """Replace the mapping proxies in ``value`` by dicts (deeply), for pickling.

    Arrays and tuples are kept (an object array holding proxies is rebuilt); freezing the
    result again gives an equal value.

    Example:
        >>> thaw(freeze({"a": {"b": 1}}))
        {'a': {'b': 1}}
    """
    if isinstance(value, types.MappingProxyType):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return _rebuild(value, [thaw(item) for item in value])
    if isinstance(value, np.ndarray) and value.dtype == object:
        out = np.empty(value.shape, dtype=object)
        for index in np.ndindex(value.shape):
            out[index] = thaw(value[index])
        return out
    return value
