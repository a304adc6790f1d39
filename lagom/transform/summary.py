"""Summary statistics of a batch of numbers: :class:`Describe` and :func:`describe`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, overload

import attrs
import numpy as np

from lagom._checks import as_float_array, check_finite, check_int
from lagom._types import ArrayLike, Float64Array, FloatArray, FloatT, NDArray

__all__ = ["Describe", "describe"]

#: A statistic: a float for 1-D data, an array when a multi-dimensional input is reduced.
_Statistic: TypeAlias = float | FloatArray

if TYPE_CHECKING:  # a TypeVar default needs typing_extensions, which lagom does not require
    from typing_extensions import TypeVar

    #: The type of :class:`Describe`'s statistics; a bare ``Describe`` has either.
    _StatT_co = TypeVar("_StatT_co", bound=_Statistic, covariant=True, default=_Statistic)
else:
    from typing import TypeVar

    _StatT_co = TypeVar("_StatT_co", covariant=True)


def _to_statistic(name: str, value: Any) -> _Statistic:
    """A float, or a copied array for a reduced axis; anything but real numbers is refused."""
    arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    if arr.dtype.kind not in "iuf" or isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be a real number or an array of them, got "
            f"{type(value).__name__} {value!r:.60}"
        )
    if arr.ndim == 0:
        return float(arr)
    return np.array(arr, copy=True)


def _to_mean(value: ArrayLike) -> _Statistic:
    return _to_statistic("mean", value)


def _to_std(value: ArrayLike) -> _Statistic:
    return _to_statistic("std", value)


def _to_min(value: ArrayLike) -> _Statistic:
    return _to_statistic("min", value)


def _to_max(value: ArrayLike) -> _Statistic:
    return _to_statistic("max", value)


def _check_count(instance: Describe, attribute: attrs.Attribute[int], value: int) -> None:
    check_int(attribute.name, value, minimum=0)


#: The most tabs before a line: wider than any screen; ``10**10`` would build a 10 GB repr.
_MAX_INDENT = 100


def _check_indent(instance: Describe, attribute: attrs.Attribute[int], value: int) -> None:
    check_int(attribute.name, value, minimum=0, maximum=_MAX_INDENT)


def _check_prefix(
    instance: Describe, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"repr_prefix must be a str or None, got {type(value).__name__}")


_stat_eq = attrs.cmp_using(eq=np.array_equal)


@attrs.frozen(repr=False)
class Describe(Generic[_StatT_co]):
    """Count, mean, standard deviation, minimum and maximum of some data.

    The statistics are Python floats for 1-D data and arrays when :func:`describe` reduces
    one axis of a multi-dimensional array: ``Describe[float]`` and ``Describe[NDArray[...]]``
    to a type checker (a bare ``Describe`` is either). Two records are equal when all their
    fields are (arrays compared element-wise). The repr lists one statistic per line, each
    preceded by ``repr_indent`` tabs, the whole preceded by ``repr_prefix``, for log printing.

    Args:
        count: how many values each statistic summarizes.
        mean: the mean.
        std: the population standard deviation (``ddof=0``).
        min: the minimum.
        max: the maximum.
        repr_indent: number of tabs before each line of the repr (``>= 0``).
        repr_prefix: text printed before the first line of the repr, or ``None``.

    Raises:
        TypeError: ``count`` or ``repr_indent`` is not an int, a statistic is not a real
            number (or an array of them), or ``repr_prefix`` is not a string or ``None``.
        ValueError: ``count`` or ``repr_indent`` is negative, ``repr_indent`` above 100,
            the statistics differ in shape, one is NaN or infinite, ``std`` is negative or
            ``min > max``.

    Example:
        >>> Describe(count=3, mean=2.0, std=0.5, min=1.5, max=2.5)
        count: 3
        mean: 2.0
        std: 0.5
        min: 1.5
        max: 2.5
    """

    count: int = attrs.field(validator=_check_count)
    mean: _StatT_co = attrs.field(converter=_to_mean, eq=_stat_eq)
    std: _StatT_co = attrs.field(converter=_to_std, eq=_stat_eq)
    min: _StatT_co = attrs.field(converter=_to_min, eq=_stat_eq)
    max: _StatT_co = attrs.field(converter=_to_max, eq=_stat_eq)
    repr_indent: int = attrs.field(default=0, validator=_check_indent)
    repr_prefix: str | None = attrs.field(default=None, validator=_check_prefix)

    def __attrs_post_init__(self) -> None:
        names = ("mean", "std", "min", "max")
        for name in names:
            check_finite(name, np.asarray(getattr(self, name)))
        shapes = {name: np.shape(getattr(self, name)) for name in names}
        if len(set(shapes.values())) > 1:
            raise ValueError(f"mean, std, min and max must have one shape, got {shapes}")
        if np.any(np.asarray(self.std) < 0):
            raise ValueError(f"std must be non-negative, got {self.std}")
        if np.any(np.asarray(self.min) > np.asarray(self.max)):
            raise ValueError(f"min must not exceed max, got min {self.min} and max {self.max}")

    def __repr__(self) -> str:
        indent = "\t" * self.repr_indent
        lines = [
            f"{indent}{name}: {getattr(self, name)}"
            for name in ("count", "mean", "std", "min", "max")
        ]
        return (self.repr_prefix or "") + "\n".join(lines)


@overload
def describe(
    x: None, axis: int = -1, repr_indent: int = 0, repr_prefix: str | None = None
) -> None: ...


@overload
def describe(
    x: Sequence[float], axis: int = -1, repr_indent: int = 0, repr_prefix: str | None = None
) -> Describe[float] | None: ...


@overload
def describe(
    x: Sequence[Sequence[float]],
    axis: int = -1,
    repr_indent: int = 0,
    repr_prefix: str | None = None,
) -> Describe[Float64Array] | None: ...


@overload
def describe(
    x: NDArray[FloatT], axis: int = -1, repr_indent: int = 0, repr_prefix: str | None = None
) -> Describe[float | NDArray[FloatT]] | None: ...


@overload
def describe(
    x: NDArray[np.integer[Any] | np.bool_],
    axis: int = -1,
    repr_indent: int = 0,
    repr_prefix: str | None = None,
) -> Describe[float | Float64Array] | None: ...


@overload
def describe(
    x: ArrayLike | None, axis: int = -1, repr_indent: int = 0, repr_prefix: str | None = None
) -> Describe | None: ...


def describe(
    x: ArrayLike | None,
    axis: int = -1,
    repr_indent: int = 0,
    repr_prefix: str | None = None,
) -> Describe | None:
    """Summarize ``x`` along ``axis``: count, mean, population std, min and max.

    ``count`` is ``x.shape[axis]``; the statistics reduce that axis (``np.mean``,
    ``np.std`` with ``ddof=0``, ``np.min``, ``np.max``). As in the seed, ``None`` or an empty
    input has nothing to describe and gives ``None``, so loggers can summarize optional
    quantities without a check. A NaN or an infinity is refused rather than summarized
    (the seed let it turn every statistic into NaN, which hid where it came from).

    Args:
        x: the data, e.g. ``[N]`` episode returns; bools and ints are summarized in float64,
            float dtypes are kept.
        axis: the axis to reduce.
        repr_indent: passed to :class:`Describe`.
        repr_prefix: passed to :class:`Describe`.

    Returns:
        A :class:`Describe` (Python floats for 1-D ``x``, arrays with ``axis`` removed
        otherwise), or ``None`` for ``None``/empty ``x``.

    Raises:
        TypeError: ``x`` holds non-real values or ``axis`` is not an int.
        ValueError: ``x`` is a scalar, ``axis`` is out of range, or ``x`` holds a NaN or an
            infinity (the message names the first one's index).

    Example:
        >>> describe([1, 2, 3, 4], repr_prefix="returns:\\n")
        returns:
        count: 4
        mean: 2.5
        std: 1.118033988749895
        min: 1.0
        max: 4.0
        >>> repr(describe([1, 2, 3], repr_indent=1)).splitlines()[:2]
        ['\\tcount: 3', '\\tmean: 2.0']
        >>> describe([[1, 2], [3, 5]], axis=0).mean
        array([2. , 3.5])
        >>> describe([]) is None
        True
    """
    if x is None:
        return None
    arr = as_float_array(x, "x")
    if arr.size == 0:
        return None
    if arr.ndim == 0:
        raise ValueError(f"x must have at least one dimension, got the scalar {arr}")
    axis = check_int("axis", axis, minimum=None)
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis must be in [{-arr.ndim}, {arr.ndim}), got {axis}")
    check_finite("x", arr)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = arr.mean(axis), arr.std(axis)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
        # Finite values whose sum or squares overflow: the same statistics of x / scale
        # (in float64), scaled back.
        scale = float(np.abs(arr).max())
        scaled = arr.astype(np.float64) / scale
        mean = (scaled.mean(axis) * scale).astype(arr.dtype)
        std = (scaled.std(axis) * scale).astype(arr.dtype)
    return Describe(
        count=arr.shape[axis],
        mean=mean,
        std=std,
        min=arr.min(axis),
        max=arr.max(axis),
        repr_indent=repr_indent,
        repr_prefix=repr_prefix,
    )
