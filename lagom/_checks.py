"""Argument checks shared by every lagom package (private: import from here only).

This is lagom's one module of argument checks. It belongs to the core, so it imports only
the standard library and numpy; a check that needs torch or gymnasium lives, private,
beside the code that uses it.

Numbers arrive as Python numbers, but just as often as numpy scalars (``space.n``,
``array.shape`` entries, ``np.arange`` items, ``np.float32`` rewards): both are accepted
and returned as ``int``/``float``. ``bool`` is refused although it is an int subclass,
because ``True`` as a count or a rate is a bug. Every message names the argument, the
expected kind and the value received.

Example:
    >>> import numpy as np
    >>> check_int("num_action", np.int64(2))
    2
    >>> check_int("T", True)
    Traceback (most recent call last):
    ...
    TypeError: T must be an int, got bool True
    >>> check_int("padding", -1, minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: padding must be at least 0, got -1
    >>> check_real("alpha", np.float32(0.5), low=0.0, high=1.0)
    0.5
    >>> check_int_list("seeds", [0, 1, 1], None)
    Traceback (most recent call last):
    ...
    ValueError: seeds must be distinct, got [1] more than once in [0, 1, 1]

The checks of devices and tensors (:func:`check_device`, :func:`check_features`...) import
torch when called, so only the modules that use torch ever run them.

The rules every package shares live here once: a seed is :func:`check_seed` (an int in
``[0, 2**32 - 1]``), a discount factor or GAE ``lam`` is :func:`check_discount` (in
``[0, 1]``), and float arrays that must hold numbers pass :func:`check_finite`.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, TypeVar, cast

import numpy as np

from lagom._types import ArrayLike, FloatArray, NDArray, TensorLike

if TYPE_CHECKING:
    import torch

__all__ = [
    "MAX_SEED",
    "as_float_array",
    "check_bool",
    "check_device",
    "check_discount",
    "check_features",
    "check_finite",
    "check_fits",
    "check_float_tensor",
    "check_instance",
    "check_int",
    "check_int_list",
    "check_path",
    "check_positive",
    "check_real",
    "check_seed",
    "check_str",
    "check_tensor_list",
    "field_check",
    "is_int",
]

#: The largest seed: numpy's legacy ``RandomState`` and pycma take seeds in ``[0, 2**32)``.
MAX_SEED = 2**32 - 1

_ArrayT = TypeVar("_ArrayT", bound=np.ndarray)


def is_int(value: object) -> TypeGuard[numbers.Integral]:
    """Whether ``value`` is an integer, Python or numpy, and not a bool.

    Example:
        >>> is_int(3), is_int(np.uint8(3)), is_int(True), is_int(3.0)
        (True, True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_bool_vector(value: object, n: int) -> TypeGuard[NDArray[np.bool_]]:
    """Whether ``value`` is a numpy bool array of shape ``(n,)`` (a per-row flag or mask).

    Example:
        >>> is_bool_vector(np.zeros(2, bool), 2), is_bool_vector([True, False], 2)
        (True, False)
    """
    return isinstance(value, np.ndarray) and value.dtype == np.bool_ and value.shape == (n,)


def in_range(array: NDArray[Any], start: int, n: int) -> bool:
    """Whether every integer of ``array`` (an integer dtype) lies in ``[start, start + n)``:
    a batch of ``Discrete(n, start)`` actions. From 0, one comparison (as unsigned integers
    of the same size, negatives are huge); else ``min`` and ``max``.

    Example:
        >>> in_range(np.array([0, 1, 1]), 0, 2), in_range(np.array([-1, 0]), 0, 2)
        (True, False)
        >>> in_range(np.array([-1, 1]), -1, 3)
        True
    """
    if start == 0:
        unsigned = array if array.dtype.kind == "u" else array.view(f"u{array.dtype.itemsize}")
        return not np.count_nonzero(unsigned >= n)
    return bool(array.min() >= start and array.max() < start + n)


#: The largest size of anything held in memory (a C ``ssize_t``): a count above it cannot be
#: allocated, and Python and numpy refuse it from deep inside.
MAX_SIZE = sys.maxsize


def check_int(name: str, value: object, minimum: int | None = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) in
    ``[minimum, maximum]``.

    Args:
        name: the argument's name, for the message.
        value: the value to check.
        minimum: the smallest value allowed; ``None`` allows any integer. Default: 1 (a
            count).
        maximum: the largest value allowed (:data:`MAX_SIZE` for a size held in memory);
            ``None`` allows any. Default: ``None``.

    Raises:
        TypeError: ``value`` is not an integer (Python or numpy), or is a bool.
        ValueError: ``value < minimum`` or ``value > maximum``.

    Example:
        >>> check_int("axis", -1, minimum=None), check_int("N", np.int32(3))
        (-1, 3)
        >>> check_int("k", 5, maximum=3)
        Traceback (most recent call last):
        ...
        ValueError: k must be at most 3, got 5
    """
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return number


def check_int_list(name: str, values: object, minimum: int | None) -> list[int]:
    """Return ``values`` as a list of distinct ints (at least one, each ``>= minimum``).

    Raises:
        TypeError: ``values`` is a string, a mapping or not iterable, or holds a non-integer.
        ValueError: ``values`` is empty, holds a value below ``minimum`` or a repeated one.

    Example:
        >>> check_int_list("gpu_ids", (np.int64(1), 0), 0)
        [1, 0]
    """
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of integers, got {type(values).__name__}")
    items = list(values)
    if not items:
        raise ValueError(f"{name} must hold at least one integer, got an empty {name}")
    bad = [item for item in items if not is_int(item)]
    if bad:
        raise TypeError(f"{name} must be integers, got {bad[0]!r} ({type(bad[0]).__name__})")
    ints = [int(item) for item in items]
    if minimum is not None and min(ints) < minimum:
        raise ValueError(f"{name} must be integers >= {minimum}, got {min(ints)}")
    repeated = sorted({n for n in ints if ints.count(n) > 1})
    if repeated:
        raise ValueError(f"{name} must be distinct, got {repeated} more than once in {ints}")
    return ints


def to_float(name: str, value: numbers.Real) -> float:
    """``float(value)`` of a real number; an int too large for a float is a ``ValueError``
    naming ``name`` (``float`` raises ``OverflowError``).

    Example:
        >>> to_float("reward", 3)
        3.0
        >>> to_float("reward", 10**400)
        Traceback (most recent call last):
        ...
        ValueError: reward must fit in a float (at most about 1.8e308), got an int of 401 digits
    """
    try:
        return float(value)
    except OverflowError:
        digits = len(str(abs(int(value)))) if isinstance(value, numbers.Integral) else None
        got = f"an int of {digits} digits" if digits is not None else repr(value)
        raise ValueError(f"{name} must fit in a float (at most about 1.8e308), got {got}") from None


def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    finite: bool = False,
) -> float:
    """Return ``value`` as a Python float in ``[low, high]``; reject bools, NaN and non-reals.

    A 0-d array counts as its item. With both bounds the message reads ``must be in [low,
    high]``, with one ``must be >= low`` or ``must be <= high``. With ``finite``, ``inf``
    and ``-inf`` are refused too.

    Raises:
        TypeError: ``value`` is not a real number (Python or numpy), or is a bool.
        ValueError: ``value`` is NaN, outside the bounds, or infinite with ``finite``.

    Example:
        >>> check_real("lr", 0.1, low=0.0), check_real("x", np.array(2.5))
        (0.1, 2.5)
        >>> check_real("gamma", 1.5, low=0.0, high=1.0)
        Traceback (most recent call last):
        ...
        ValueError: gamma must be in [0, 1], got 1.5
        >>> check_real("cval", float("inf"), finite=True)
        Traceback (most recent call last):
        ...
        ValueError: cval must be finite, got inf
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    result = to_float(name, value)
    bounds = None if low is None or high is None else f"[{low:g}, {high:g}]"
    if math.isnan(result):
        raise ValueError(
            f"{name} must be in {bounds}, got nan" if bounds else f"{name} must not be NaN"
        )
    if finite and math.isinf(result):
        raise ValueError(f"{name} must be finite, got {result}")
    below = low is not None and result < low
    above = high is not None and result > high
    if (below or above) and bounds:
        raise ValueError(f"{name} must be in {bounds}, got {value!r}")
    if below:
        raise ValueError(f"{name} must be >= {low:g}, got {value!r}")
    if above:
        raise ValueError(f"{name} must be <= {high:g}, got {value!r}")
    return result


def check_positive(name: str, value: object, *, finite: bool = False) -> float:
    """Return ``value`` as a float, raising unless it is a positive real number.

    With ``finite``, ``inf`` is refused too.

    Raises:
        TypeError: ``value`` is not a real number, or is a bool.
        ValueError: ``value <= 0`` or NaN, or infinite with ``finite``.

    Example:
        >>> check_positive("clip", 10)
        10.0
        >>> check_positive("clip", 0.0)
        Traceback (most recent call last):
        ...
        ValueError: clip must be positive, got 0.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    result = to_float(name, value)
    if not result > 0:  # NaN fails too
        raise ValueError(f"{name} must be positive, got {value}")
    if finite and math.isinf(result):
        raise ValueError(f"{name} must be finite, got {value}")
    return result


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a ``bool`` if it is one (Python or numpy); ints are refused.

    Raises:
        TypeError: ``value`` is not a bool.

    Example:
        >>> check_bool("antithetic", np.True_)
        True
        >>> check_bool("antithetic", 1)
        Traceback (most recent call last):
        ...
        TypeError: antithetic must be a bool, got int 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def physical_memory() -> int | None:
    """This machine's physical memory in bytes, where the OS tells (``None`` elsewhere): the
    bound that sizes refused before allocating are measured against.

    Example:
        >>> memory = physical_memory()
        >>> memory is None or memory > 0
        True
    """
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):  # no sysconf (Windows), or no such name
        return None


def check_fits(
    name: str,
    count: int,
    item_bytes: int,
    *,
    context: str = "",
    hint: str = "",
    memory: int | None = None,
    where: str = "this machine",
) -> None:
    """Raise ``ValueError`` unless ``count`` items of ``item_bytes`` bytes each fit in memory:
    the check a size runs before anything of that size is allocated.

    The largest count allowed is ``memory // item_bytes``, where ``memory`` defaults to
    :func:`physical_memory`; and never more than ``MAX_SIZE // item_bytes`` (the bytes a
    process can address), which alone bounds ``count`` where the OS does not say how much
    memory there is. Without the check numpy fails deep inside with ``MemoryError`` or
    "array is too big", torch with its allocator's ``RuntimeError``, or the OOM killer ends
    the run; the message here names the argument, the largest value and the value received.

    Args:
        name: the argument's name, for the message (or a phrase naming it, such as ``"the
            number of entries of shape (3, 4)"``).
        count: the number of items asked for (``>= 0``).
        item_bytes: the bytes each item takes, all arrays of its size together (``>= 1``).
        context: words after the largest value, such as ``" for 3 curve(s)"``.
        hint: what to do instead, added after the value received.
        memory: the bytes available; default :func:`physical_memory` (a GPU's memory for
            tensors on it, a small number in tests).
        where: whose memory ``memory`` is, for the message (``"cuda:0"``).

    Raises:
        TypeError: ``count`` or ``item_bytes`` is not an integer.
        ValueError: ``count`` is negative or ``item_bytes`` below 1, or ``count`` items do
            not fit.

    Example:
        >>> check_fits("T", 1000, 64, memory=64_000)
        >>> check_fits("T", 1001, 64, context=" steps of 2 sub-environments", memory=64_000)
        Traceback (most recent call last):
        ...
        ValueError: T must be at most 1000 steps of 2 sub-environments (what fits in this
        machine's 0.0 GiB of memory), got 1001
        >>> check_fits("capacity", 2**40, 16, hint="lower it", memory=2**30, where="cuda:0")
        Traceback (most recent call last):
        ...
        ValueError: capacity must be at most 67108864 (what fits in cuda:0's 1.0 GiB of
        memory), got 1099511627776: lower it
    """
    number = check_int(name, count, minimum=0)
    size = check_int("item_bytes", item_bytes)
    total = physical_memory() if memory is None else check_int("memory", memory, minimum=0)
    addressable = MAX_SIZE // size
    if total is not None and total // size <= addressable:
        largest, bound = total // size, f"what fits in {where}'s {total / 2**30:.1f} GiB of memory"
    else:
        largest, bound = addressable, "what a process can address"
    if number > largest:
        advice = f": {hint}" if hint else ""
        raise ValueError(
            f"{name} must be at most {largest}{context} ({bound}), got {number}{advice}"
        )


def is_tensor(value: object) -> TypeGuard[TensorLike]:
    """Whether ``value`` is a torch tensor, recognized by what it offers (``detach``, ``cpu``,
    ``numpy``), so that the torch-free core never imports torch.

    Example:
        >>> is_tensor(np.zeros(2)), is_tensor([1.0])
        (False, False)
    """
    return all(callable(getattr(value, attr, None)) for attr in ("detach", "cpu", "numpy"))


def tensor_array(tensor: TensorLike) -> NDArray[Any]:
    """A tensor's values as a numpy array: detached, on the CPU, bfloat16 (which numpy cannot
    hold) widened to float32 exactly. It may share memory with a CPU tensor: copy it to keep.

    Example (a stand-in for a tensor: this module never imports torch):
        >>> class Tensor:
        ...     def detach(self): return self
        ...     def cpu(self): return self
        ...     def numpy(self, force=False): return np.ones(2, np.float32)
        >>> tensor_array(Tensor()).tolist()
        [1.0, 1.0]
    """
    host = tensor.detach().cpu()
    try:
        return np.asarray(host.numpy(force=True))
    except TypeError:
        return np.asarray(cast(Any, host).float().numpy(force=True))


def readable_array(name: str, value: object) -> NDArray[Any]:
    """``np.asarray(value)``, or a ``TypeError`` naming ``name`` where numpy cannot read it:
    a torch tensor that requires grad or lives on a GPU or the 'meta' device, whose own
    error names no argument.

    Example:
        >>> readable_array("actions", [1, 2]).tolist()
        [1, 2]
    """
    try:
        return np.asarray(value)
    except (RuntimeError, NotImplementedError, TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be an array of numbers (a tensor needs .detach().cpu() first), "
            f"got {type(value).__name__}: {error}"
        ) from None


def as_float_array(x: ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as an array of floats: float dtypes are kept, bools and ints become float64.

    The input is never modified; the result may share memory with it, so callers copy before
    writing.

    Raises:
        ValueError: ``x`` is ragged.
        TypeError: ``x`` holds something other than real numbers.

    Example:
        >>> as_float_array([1, 2], "x").dtype, as_float_array(np.ones(2, np.float32), "x").dtype
        (dtype('float64'), dtype('float32'))
    """
    try:
        arr = np.asarray(x)
    except ValueError as error:
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")


def check_seed(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a seed: an integer in ``[0, 2**32 - 1]``.

    This is lagom's one rule for seeds (:class:`~lagom.utils.Seeder`,
    :func:`~lagom.utils.set_global_seeds`, the environments, the evolution strategies and
    :class:`~lagom.experiment.Config`): Python and numpy integers are accepted, bools,
    floats and strings are not, and the range is what every seeded generator lagom uses
    accepts (numpy's ``RandomState`` stops at ``2**32 - 1``).

    Raises:
        TypeError: ``value`` is not an integer, or is a bool.
        ValueError: ``value`` is outside ``[0, 2**32 - 1]``.

    Example:
        >>> check_seed("seed", np.uint32(7))
        7
        >>> check_seed("init_seed", 2**32)
        Traceback (most recent call last):
        ...
        ValueError: init_seed must be in [0, 2**32 - 1], got 4294967296
    """
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    seed = int(value)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be in [0, 2**32 - 1], got {seed}")
    return seed


def check_discount(name: str, value: object) -> float:
    """Return ``value`` as a float in ``[0, 1]``: a discount factor ``gamma`` or a GAE ``lam``.

    Both ends are allowed everywhere in lagom: 0 keeps only the immediate term, 1 is the
    undiscounted sum (finite for episodes that end).

    Raises:
        TypeError: ``value`` is not a real number, or is a bool.
        ValueError: ``value`` is NaN or outside ``[0, 1]``.

    Example:
        >>> check_discount("gamma", 1), check_discount("lam", np.float32(0.5))
        (1.0, 0.5)
        >>> check_discount("gamma", 1.01)
        Traceback (most recent call last):
        ...
        ValueError: gamma must be in [0, 1], got 1.01
    """
    return check_real(name, value, low=0.0, high=1.0)


def _index_text(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else str(list(index))


def check_finite(name: str, x: _ArrayT, *, allow_inf: bool = False) -> _ArrayT:
    """Return the array ``x`` unchanged if it holds no NaN (and, unless allowed, no ``inf``).

    Cheap: one sum over ``x`` decides (a NaN or an infinity makes it non-finite); only then
    is ``x`` scanned for the first bad element, which the message names with its index. A
    sum that merely overflows passes after the scan. Arrays of bools or integers are
    always finite and are not looked at.

    Args:
        name: the argument's name, for the message.
        x: a numpy array.
        allow_inf: accept ``inf`` and ``-inf`` (NaN is still refused).

    Raises:
        ValueError: ``x`` holds a NaN, or an infinity without ``allow_inf``.

    Example:
        >>> check_finite("rewards", np.array([1.0, 2.0])).tolist()
        [1.0, 2.0]
        >>> check_finite("rewards", np.array([[1.0, 2.0], [np.inf, 0.0]]))
        Traceback (most recent call last):
        ...
        ValueError: rewards must be finite, got inf at index [1, 0]
        >>> check_finite("values", np.array([np.inf, np.nan]), allow_inf=True)
        Traceback (most recent call last):
        ...
        ValueError: values must not be NaN, got nan at index 1
    """
    if x.dtype.kind not in "fc":
        return x
    with np.errstate(over="ignore", invalid="ignore"):
        total = x.sum()
    if allow_inf:
        if not np.isnan(total):
            return x
        bad = np.isnan(x)
        expected = "must not be NaN"
    else:
        if np.isfinite(total):
            return x
        bad = ~np.isfinite(x)
        expected = "must be finite"
    if x.ndim == 0:
        if bad:
            raise ValueError(f"{name} {expected}, got {x[()]}")
        return x
    found = np.argwhere(bad)
    if found.size == 0:  # the sum overflowed (or was inf - inf) over acceptable values
        return x
    index = tuple(int(i) for i in found[0])
    raise ValueError(f"{name} {expected}, got {x[index]} at index {_index_text(index)}")


def check_path(name: str, value: object) -> str | os.PathLike[str]:
    """Return ``value`` if it is a file system path: a ``str`` or an ``os.PathLike``.

    Raises:
        TypeError: ``value`` is anything else (``None``, bytes, a number...).
        ValueError: ``value`` is the empty string (which would name the current folder), or
            holds a NUL character (no file system takes one; open() would refuse it later).

    Example:
        >>> check_path("f", "logs/run")
        'logs/run'
        >>> check_path("f", None)
        Traceback (most recent call last):
        ...
        TypeError: f must be a str or os.PathLike path, got NoneType None
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a str or os.PathLike path, got {type(value).__name__} {value!r}"
        )
    if isinstance(value, str) and not value:
        raise ValueError(f"{name} must be a path, got the empty string")
    text = os.fspath(value)
    if isinstance(text, str) and "\x00" in text:
        raise ValueError(f"{name} must be a path without NUL characters, got {text!r}")
    return value


def check_str(name: str, value: object, choices: Iterable[str] | None = None) -> str:
    """Return ``value`` if it is a ``str`` (one of ``choices``, when given).

    Raises:
        TypeError: ``value`` is not a string.
        ValueError: ``value`` is not one of ``choices``.

    Example:
        >>> check_str("mode", "sync", ("sync", "async"))
        'sync'
        >>> check_str("mode", "x", ("sync", "async"))
        Traceback (most recent call last):
        ...
        ValueError: mode must be one of ['sync', 'async'], got 'x'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r:.60}")
    if choices is not None:
        allowed = list(choices)
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_instance(name: str, value: object, kind: type | tuple[type, ...]) -> None:
    """Raise ``TypeError`` unless ``value`` is an instance of ``kind``.

    Example:
        >>> check_instance("options", 3, dict)
        Traceback (most recent call last):
        ...
        TypeError: options must be a dict, got int 3
    """
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise TypeError(f"{name} must be a {expected}, got {type(value).__name__} {value!r:.60}")


class _Field(Protocol):
    """What a validator needs of an attrs field: its name."""

    @property
    def name(self) -> str: ...


def field_check(
    check: Callable[..., object], /, *, optional: bool = False, **options: object
) -> Callable[[object, _Field, Any], None]:
    """An attrs validator running ``check(field_name, value, **options)`` (lagom's message).

    attrs' own validators raise from inside attrs with messages of their own (``'>'
    not supported between instances of 'str' and 'int'``); these raise lagom's.

    Args:
        check: one of this module's checks, called with the field's name and value.
        optional: let ``None`` through.
        **options: passed to ``check`` (``minimum=0``, ``low=0.0``, ``finite=True``...).

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class Options:
        ...     popsize: int = attrs.field(validator=field_check(check_int, minimum=2))
        >>> Options(popsize=1)
        Traceback (most recent call last):
        ...
        ValueError: popsize must be at least 2, got 1
    """

    # Any: a validator sees whatever the caller passed, and attrs types the field by it.
    def validate(instance: object, field: _Field, value: Any) -> None:
        if not (optional and value is None):
            check(field.name, value, **options)

    return validate


# ---- Checks of devices and tensors: torch is imported by the call, never by lagom's core.


def check_device(name: str, device: object) -> torch.device:
    """Return ``device`` as a ``torch.device``: a ``torch.device`` or a name such as ``"cpu"``.

    Raises:
        TypeError: ``device`` is neither a str nor a ``torch.device`` (``None`` included:
            callers that allow it test for it first).
        ValueError: ``device`` names no device torch knows, or a CUDA (or MPS) device this
            machine does not have.
    """
    import torch  # here, not at the top: lagom's core never needs it

    if isinstance(device, torch.device):
        checked = device
    elif not isinstance(device, str):
        raise TypeError(
            f"{name} must be a str such as 'cpu' or 'cuda:0', or a torch.device, got "
            f"{type(device).__name__} {device!r:.60}"
        )
    else:
        try:
            checked = torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"{name} must name a device such as 'cpu' or 'cuda:0', got {device!r}"
            ) from None
    # A device torch knows but this machine lacks: refused here, by name, rather than by an
    # AssertionError ("Torch not compiled with CUDA enabled") when a tensor is made on it.
    if checked.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (checked.index is not None and checked.index >= count):
            raise ValueError(
                f"{name} {str(checked)!r} is not available here: torch sees {count} CUDA device(s)"
            )
    elif checked.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name} 'mps' is not available here (torch.backends.mps)")
    return checked


def check_float_tensor(
    name: str, x: object, *, min_ndim: int = 1, like: torch.Tensor | None = None
) -> torch.Tensor:
    """Return ``x`` if it is a floating-point tensor of at least ``min_ndim`` dimensions
    (of ``like``'s dtype and on its device, when ``like``, a network's weight, is given).

    Raises:
        TypeError: ``x`` is not a tensor, not of a floating-point dtype, or not of
            ``like``'s dtype.
        ValueError: ``x`` has fewer than ``min_ndim`` dimensions, or is on another device
            than ``like``.
    """
    import torch

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    if like is not None and (x.dtype != like.dtype or x.device != like.device):
        if x.dtype != like.dtype:
            raise TypeError(
                f"{name} must be {like.dtype}, the network's dtype, got {x.dtype} (convert "
                f"it with .to({like.dtype}))"
            )
        raise ValueError(f"{name} must be on the network's device {like.device}, got {x.device}")
    if x.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape []")
    return x


def check_features(
    name: str, x: object, features: int, like: torch.Tensor | None = None
) -> torch.Tensor:
    """Return ``x`` if it is a floating-point tensor ``[*, features]`` (of ``like``'s dtype
    and device, when given).

    Cheap (a few attribute reads): called by forward passes.

    Raises:
        TypeError: ``x`` is not a floating-point tensor (of ``like``'s dtype).
        ValueError: the last dimension of ``x`` is not ``features`` (or ``x`` is 0-d), or
            ``x`` is on another device than ``like``.
    """
    tensor = check_float_tensor(name, x, min_ndim=0, like=like)
    if tensor.ndim == 0 or tensor.shape[-1] != features:
        raise ValueError(
            f"{name} must have shape [*, {features}] ({features} features last), got "
            f"{list(tensor.shape)}"
        )
    return tensor


def check_tensor_list(name: str, tensors: object) -> list[torch.Tensor]:
    """Return ``tensors`` as a list if it is a sequence (or iterable) of tensors.

    Raises:
        TypeError: ``tensors`` is a str, a mapping or not iterable, or holds a non-tensor.
    """
    import torch

    if isinstance(tensors, (list, tuple)):  # the common case, without the ABC checks below
        items = list(tensors)
    elif isinstance(tensors, (str, bytes, Mapping, torch.Tensor)) or not isinstance(
        tensors, Iterable
    ):
        raise TypeError(f"{name} must be a list of tensors, got {type(tensors).__name__}")
    else:
        items = list(tensors)
    for i, item in enumerate(items):
        if not isinstance(item, torch.Tensor):
            raise TypeError(f"{name}[{i}] must be a torch.Tensor, got {type(item).__name__}")
    return items
