"""Experiment configurations: fixed items, grid search, random search and derived items.

A :class:`Config` maps item names to values. A plain value is the same in every
configuration; a :class:`Grid` is searched exhaustively (cartesian product, the first grid
key outermost); a :class:`Sample` is drawn afresh for every configuration; a
:class:`Condition` is computed last, from the configuration built so far.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Generic, TypeVar, overload

import attrs
import numpy as np

from lagom._checks import check_bool, check_int, check_seed

__all__ = ["Condition", "Config", "Grid", "Sample"]

T = TypeVar("T")


@attrs.frozen(init=False)
class Grid(Sequence[T], Generic[T]):
    """A grid search over a list of values: every configuration takes one of them.

    Args:
        values: the values to search over, in order; at least one. A ``str`` or ``bytes``
            is refused, since its characters are almost never the values meant, and so is
            a :class:`Grid`, :class:`Sample` or :class:`Condition` among the values: they
            are only expanded as items of a :class:`Config`, never inside a grid.

    Raises:
        TypeError: ``values`` is not an iterable, or is a ``str``/``bytes``, a ``set``
            (unordered: its order changes between processes), or holds a ``Grid``,
            ``Sample`` or ``Condition``.
        ValueError: ``values`` is empty.

    Example:
        >>> grid = Grid([1e-3, 5e-3])
        >>> len(grid), grid[1], list(grid)
        (2, 0.005, [0.001, 0.005])
    """

    values: tuple[T, ...]

    def __init__(self, values: Iterable[T]) -> None:
        if (
            isinstance(values, (str, bytes))
            or not isinstance(values, Iterable)
            or (isinstance(values, np.ndarray) and values.ndim == 0)
        ):
            raise TypeError(
                f"Grid expects an iterable of values such as a list, got {type(values).__name__}"
            )
        if isinstance(values, (set, frozenset)):
            # A set's order follows the hashes, which differ between processes for strings:
            # the same Config would number its configurations differently in a resumed run.
            raise TypeError(
                f"Grid expects values in an order, got a {type(values).__name__}, whose order "
                "changes between processes; pass a list, e.g. Grid(sorted(values))"
            )
        items = tuple(values)
        if not items:
            raise ValueError("Grid expects at least one value, got an empty iterable")
        for i, item in enumerate(items):
            if isinstance(item, _SEARCH_ITEMS):
                raise TypeError(
                    f"Grid values must be plain values, got a {type(item).__name__} at index "
                    f"{i}; a Grid, Sample or Condition is only expanded as an item of a Config"
                )
        self.__attrs_init__(items)

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.values[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.values)


def _takes_rng(f: Callable[..., object]) -> bool:
    """Whether ``f`` wants the generator (one required positional argument) or nothing."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"Sample cannot read the signature of {f!r}; wrap it, e.g. `lambda rng: f(rng)`"
        ) from exc
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = signature.parameters.values()
    required = [p for p in params if p.default is p.empty and p.kind in positional]
    keyword_only = [p.name for p in params if p.default is p.empty and p.kind is p.KEYWORD_ONLY]
    if len(required) > 1 or keyword_only:
        names = [p.name for p in required] + keyword_only
        raise TypeError(
            "Sample expects a function of no argument or of one numpy.random.Generator, "
            f"got one requiring {names}"
        )
    return len(required) == 1


@attrs.frozen(init=False)
class Sample(Generic[T]):
    """A random-search item: ``f`` is called once per configuration for a fresh value.

    ``f`` takes either one argument, a :class:`numpy.random.Generator` (reproducible: the
    generator is the one :class:`Config` seeds with its ``seed``), or no argument (as in the
    original lagom; then ``f`` draws from a source of its own choosing and ``Config``'s seed
    cannot make it reproducible).

    Args:
        f: ``f(rng) -> value`` or ``f() -> value``.

    Raises:
        TypeError: ``f`` is not callable, requires more than one argument, or has no
            readable signature (wrap such a builtin in a lambda).

    Example:
        >>> import numpy as np
        >>> lr = Sample(lambda rng: float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-2)))))
        >>> lr(np.random.default_rng(0)) == lr(np.random.default_rng(0))
        True
        >>> Sample(lambda: 5)()
        5
    """

    f: Callable[..., T]
    takes_rng: bool

    @overload
    def __init__(self, f: Callable[[np.random.Generator], T]) -> None: ...
    @overload
    def __init__(self, f: Callable[[], T]) -> None: ...
    def __init__(self, f: Callable[..., T]) -> None:
        if not callable(f):
            raise TypeError(f"Sample expects a callable, got {type(f).__name__}")
        self.__attrs_init__(f, _takes_rng(f))

    def __call__(self, rng: np.random.Generator | None = None) -> T:
        """Draw one value; a function of the generator gets ``rng`` (fresh entropy if None)."""
        if not self.takes_rng:
            return self.f()
        return self.f(np.random.default_rng() if rng is None else rng)


@attrs.frozen(init=False)
class Condition(Generic[T]):
    """A derived item, computed from the configuration built so far.

    ``f`` receives a read-only mapping holding ``'ID'``, every fixed, grid and sampled item
    of the configuration, and the conditions listed before this one in ``items``.

    Args:
        f: ``f(config) -> value``.

    Raises:
        TypeError: ``f`` is not callable.

    Example:
        >>> beta = Condition(lambda config: "small" if config["alpha"] < 5 else "large")
        >>> beta({"alpha": 3.0}), beta({"alpha": 7.0})
        ('small', 'large')
    """

    f: Callable[[Mapping[str, Any]], T]

    def __init__(self, f: Callable[[Mapping[str, Any]], T]) -> None:
        if not callable(f):
            raise TypeError(f"Condition expects a callable, got {type(f).__name__}")
        self.__attrs_init__(f)

    def __call__(self, config: Mapping[str, Any]) -> T:
        """Compute the value for ``config``."""
        return self.f(config)


def _check_items(items: object) -> Mapping[str, Any]:
    if not isinstance(items, Mapping):
        raise TypeError(f"Config expects a dict of items, got {type(items).__name__}")
    for key in items:
        if not isinstance(key, str):
            raise TypeError(f"Config item names must be str, got {key!r} ({type(key).__name__})")
    if "ID" in items:
        raise ValueError("Config item name 'ID' is reserved for the configuration's index")
    for key, value in items.items():
        if not isinstance(value, _SEARCH_ITEMS):
            _refuse_nested(key, value)
    return MappingProxyType(dict(items))


def _refuse_nested(path: str, value: object, depth: int = 0) -> None:
    """Refuse a Grid, Sample or Condition inside a plain value (a dict, list or tuple):
    only a Config's own items are expanded, so a nested one would be kept as a value."""
    if depth > 20:  # deeper than any configuration: a cycle or a payload, not searched
        return
    if isinstance(value, _SEARCH_ITEMS):
        raise ValueError(
            f"Config item {path} holds a {type(value).__name__} inside a plain value; only a "
            "Config's own items are expanded (write it as its own item, e.g. 'a.b')"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_nested(f"{path}[{key!r}]", item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _refuse_nested(f"{path}[{i}]", item, depth + 1)


@attrs.frozen(init=False)
class Config:
    """Defines a set of configurations for the experiment.

    Items are hyperparameters (learning rate, batch size) and experiment settings
    (iterations, logging directory, environment name), named semantically, e.g.
    ``network.lr``. :meth:`make_configs` expands them into a list of plain dicts, each with a
    unique ``'ID'`` (0, 1, ...):

    * the grid points are ``itertools.product`` of the :class:`Grid` items in ``items``
      order, so the first grid key is the outermost loop;
    * with at least one :class:`Sample` item, the whole grid is repeated ``num_sample``
      times (configuration ``ID`` takes grid point ``ID % len(grid)``) and every
      configuration draws its own samples; without one, ``num_sample`` is ignored, since
      repeats would be identical;
    * :class:`Condition` items are resolved last, in ``items`` order.

    Sample functions of one argument receive a single :class:`numpy.random.Generator`
    created from ``seed`` per call of :meth:`make_configs`, drawn in ``ID`` order and
    ``items`` order within a configuration: the same seed gives the same configurations.
    numpy's global RNG is never touched. For small positive floats such as learning rates,
    sample log-uniformly: ``np.exp(rng.uniform(np.log(low), np.log(high)))``.

    Args:
        items: item name -> value, :class:`Grid`, :class:`Sample` or :class:`Condition`.
            ``'ID'`` is reserved.
        num_sample: number of samples of the random items (>= 1).
        keep_dict_order: if True, each configuration lists its keys as ``items`` does; if
            False (the original's default), as ``'ID'``, the fixed and condition items, the
            grid items, then the sampled items (each group in ``items`` order).
        seed: seed of the generator handed to the Sample functions, an int in
            ``[0, 2**32 - 1]`` (lagom's rule for seeds); None draws fresh entropy.

    Raises:
        TypeError: ``items`` is not a mapping with ``str`` keys, or an argument has the
            wrong type.
        ValueError: ``'ID'`` is an item name, ``num_sample < 1``, ``seed`` is outside
            ``[0, 2**32 - 1]``, or a plain value (a dict, list or tuple) holds a Grid,
            Sample or Condition, which would not be expanded.

    Example:
        >>> config = Config({'log.dir': 'some path', 'network.lr': Grid([1e-3, 5e-3]),
        ...                  'env.id': Grid(['CartPole-v1', 'Ant-v2'])},
        ...                 num_sample=1, keep_dict_order=False)
        >>> for c in config.make_configs():
        ...     print(c)
        {'ID': 0, 'log.dir': 'some path', 'network.lr': 0.001, 'env.id': 'CartPole-v1'}
        {'ID': 1, 'log.dir': 'some path', 'network.lr': 0.001, 'env.id': 'Ant-v2'}
        {'ID': 2, 'log.dir': 'some path', 'network.lr': 0.005, 'env.id': 'CartPole-v1'}
        {'ID': 3, 'log.dir': 'some path', 'network.lr': 0.005, 'env.id': 'Ant-v2'}
    """

    items: Mapping[str, Any]
    num_sample: int
    keep_dict_order: bool
    seed: int | None

    def __init__(
        self,
        items: Mapping[str, Any],
        num_sample: int = 1,
        keep_dict_order: bool = False,
        seed: int | None = None,
    ) -> None:
        checked = _check_items(items)
        num_sample = check_int("num_sample", num_sample, minimum=1)
        keep_dict_order = check_bool("keep_dict_order", keep_dict_order)
        if seed is not None:
            seed = check_seed("seed", seed)
        self.__attrs_init__(checked, num_sample, keep_dict_order, seed)

    def __reduce__(self) -> tuple[type[Config], tuple[dict[str, Any], int, bool, int | None]]:
        # A mappingproxy cannot be pickled; rebuild from a plain dict instead.
        return (Config, (dict(self.items), self.num_sample, self.keep_dict_order, self.seed))

    def make_configs(self) -> list[dict[str, object]]:
        """Generate every configuration: grid points x samples, conditions resolved.

        Returns:
            A list of ``len(grid) * (num_sample if any Sample else 1)`` new dicts with
            ``'ID'`` equal to their index. Fixed and grid values are shared, not copied.

        Raises:
            ValueError: a Sample or Condition function raised, or returned a Grid, Sample
                or Condition (they are not expanded there); the message names the item.
        """
        grid_keys = [k for k, v in self.items.items() if isinstance(v, Grid)]
        sample_keys = [k for k, v in self.items.items() if isinstance(v, Sample)]
        condition_keys = [k for k, v in self.items.items() if isinstance(v, Condition)]
        fixed_keys = [
            k for k, v in self.items.items() if not isinstance(v, (Grid, Sample, Condition))
        ]
        if self.keep_dict_order:
            order = ["ID", *self.items]
        else:
            # As in the original: conditions keep their place among the fixed items.
            other_keys = [k for k, v in self.items.items() if not isinstance(v, (Grid, Sample))]
            order = ["ID", *other_keys, *grid_keys, *sample_keys]
        points = list(itertools.product(*(self.items[k] for k in grid_keys)))
        repeats = self.num_sample if sample_keys else 1
        rng = np.random.default_rng(self.seed)
        configs = []
        for n in range(len(points) * repeats):
            built: dict[str, Any] = {"ID": n}
            built.update((k, self.items[k]) for k in fixed_keys)
            built.update(zip(grid_keys, points[n % len(points)], strict=True))
            for key in sample_keys:
                built[key] = _resolve(key, self.items[key], rng)
            for key in condition_keys:
                built[key] = _resolve(key, self.items[key], MappingProxyType(dict(built)))
            configs.append({key: built[key] for key in order})
        return configs


def _resolve(key: str, item: Sample[Any] | Condition[Any], arg: Any) -> Any:
    kind = type(item).__name__
    try:
        value = item(arg)
    except Exception as exc:
        raise ValueError(f"{kind} item {key!r} raised {type(exc).__name__}: {exc}") from exc
    if isinstance(value, _SEARCH_ITEMS):
        raise ValueError(
            f"{kind} item {key!r} returned a {type(value).__name__}; a {kind} must return a "
            "plain value (a Grid, Sample or Condition is only expanded as an item of a Config)"
        )
    return value


#: The items a Config expands; anywhere else they are refused rather than kept as values.
_SEARCH_ITEMS = (Grid, Sample, Condition)
