"""Learning curves of all runs of an experiment: :func:`read_xy`, :class:`ConfigCurves`."""

from __future__ import annotations

import itertools
import numbers
import os
import pickle
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import attrs
import numpy as np

from lagom._checks import (
    as_float_array,
    check_bool,
    check_int,
    check_path,
    check_str,
    field_check,
)
from lagom._types import ArrayLike, Float64Array
from lagom.logger import Logger
from lagom.transform import smooth_filter
from lagom.utils import yaml_load

__all__ = ["ConfigCurves", "read_xy"]

#: How to take a curve out of a loaded log (``{key: [values]}``): a key, or a function.
Getter: TypeAlias = "str | Callable[[Mapping[str, list[Any]]], ArrayLike]"


def _as_curves(
    curves: Sequence[tuple[ArrayLike, ArrayLike]],
) -> tuple[tuple[Float64Array, Float64Array], ...]:
    out = []
    for i, pair in enumerate(_items("curves", curves)):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"curves[{i}] must be a pair (x, y), got {type(pair).__name__}")
        xs = as_float_array(pair[0], f"curves[{i}] x").astype(np.float64)
        ys = as_float_array(pair[1], f"curves[{i}] y").astype(np.float64)
        if xs.ndim != 1 or xs.shape != ys.shape:
            raise ValueError(
                f"curve {i} needs 1-D x and y of the same length, got shapes {xs.shape} and "
                f"{ys.shape}"
            )
        out.append((xs, ys))
    return tuple(out)


def _as_seeds(seeds: Iterable[int]) -> tuple[int, ...]:
    checked = tuple(check_int("seed", seed, minimum=0) for seed in _items("seeds", seeds))
    repeated = sorted({seed for seed in checked if checked.count(seed) > 1})
    if repeated:
        # One seed twice would count its curve twice in the mean and the band.
        raise ValueError(f"seeds must be distinct, got {repeated} more than once")
    return checked


def _items(name: str, values: object) -> list[Any]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list, got {type(values).__name__}")
    return list(values)


def _check_config(instance: object, field: object, config: object) -> None:
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a mapping (e.g. a dict), got {type(config).__name__}")


@attrs.frozen
class ConfigCurves:
    """The curves of one configuration of an experiment: one ``(x, y)`` pair per seed.

    Args:
        ID: the configuration's ID (the name of its folder ``log_folder/<ID>``).
        config: the configuration, as read from ``<ID>/config.yml``.
        seeds: the seeds, one per curve, in the order of ``curves``.
        curves: ``(x, y)`` per seed: two 1-D float64 arrays ``[T_s]`` of the same length
            (the seeds' lengths may differ).

    Raises:
        TypeError: ``ID`` or a seed is not an int, ``config`` is not a mapping, ``seeds`` or
            ``curves`` is not a list, a curve is not a pair, or x or y are not real numbers.
        ValueError: no curve, ``ID`` or a seed negative, a seed given twice, ``seeds`` and
            ``curves`` of different lengths, or a curve whose x and y are not 1-D of one
            length.

    Example:
        >>> c = ConfigCurves(ID=0, config={'lr': 0.1}, seeds=(1, 2),
        ...                  curves=[([0, 1], [0.0, 0.5]), ([0, 1, 2], [0.1, 0.4, 0.9])])
        >>> c.xs[1], c.ys[0]
        (array([0., 1., 2.]), array([0. , 0.5]))
    """

    ID: int = attrs.field(validator=field_check(check_int, minimum=0))
    config: Mapping[str, Any] = attrs.field(validator=_check_config)
    seeds: tuple[int, ...] = attrs.field(converter=_as_seeds)
    curves: tuple[tuple[Float64Array, Float64Array], ...] = attrs.field(
        converter=_as_curves, eq=False
    )

    def __attrs_post_init__(self) -> None:
        if not self.curves or len(self.curves) != len(self.seeds):
            raise ValueError(
                f"expected one curve per seed and at least one, got {len(self.curves)} curves "
                f"for {len(self.seeds)} seeds"
            )

    @property
    def xs(self) -> list[Float64Array]:
        """The x values of each seed's curve."""
        return [x for x, _ in self.curves]

    @property
    def ys(self) -> list[Float64Array]:
        """The y values of each seed's curve."""
        return [y for _, y in self.curves]


def read_xy(
    log_folder: str | os.PathLike[str],
    file_name: str,
    get_x: Getter,
    get_y: Getter,
    smooth_out: bool = False,
    smooth_kws: Mapping[str, Any] | None = None,
    point_step: int = 1,
) -> list[ConfigCurves]:
    """Read one ``(x, y)`` curve from every run of an experiment, grouped by configuration.

    The layout is the one :func:`lagom.experiment.run_experiment` writes:
    ``log_folder/<ID>/config.yml`` and ``log_folder/<ID>/<seed>/<file_name>``, where
    ``<ID>`` and ``<seed>`` are folders named by integers (other entries are ignored).
    ``file_name`` is a CSV log (``progress.csv``, from ``Logger(csv_path)``) or a pickled log
    (from :meth:`lagom.logger.Logger.save`; ``'.pkl'`` may be left out); both load with
    :meth:`lagom.logger.Logger.load` into ``logs = {key: [values]}``.

    For each run, ``x = get_x(logs)`` and ``y = get_y(logs)`` (a ``str`` getter ``key``
    means ``logs[key]``, i.e. a CSV column). Points where x or y is missing (``None``, an
    empty CSV cell, e.g. a value logged only every few iterations) or NaN (the mean return
    of a row before any episode ended, as lagom's runs log it) are dropped; then y is
    smoothed if ``smooth_out`` (:func:`lagom.transform.smooth_filter` on each seed alone),
    and every ``point_step``-th point is kept: ``x[::point_step], y[::point_step]``.

    Args:
        log_folder: the experiment's log folder.
        file_name: the log file in every seed folder.
        get_x: a key of the log, or a function from the loaded log to the 1-D x values.
        get_y: a key of the log, or a function from the loaded log to the 1-D y values,
            as many as x.
        smooth_out: if ``True``, smooth each y with a Savitzky–Golay filter.
        smooth_kws: keyword arguments of :func:`~lagom.transform.smooth_filter` over the
            defaults ``window_length=51, polyorder=3`` (the window shrunk to the largest odd
            one that fits a shorter curve, ``polyorder`` below the window unless given).
            Used only if ``smooth_out``.
        point_step: keep every ``point_step``-th point (``>= 1``). Default: 1 (all).

    Returns:
        One :class:`ConfigCurves` per configuration, by increasing ID, each holding the
        configuration and the seeds' curves by increasing seed.

    Raises:
        TypeError: ``log_folder`` is not a path, ``file_name`` not a str, a getter neither a
            str nor callable or giving complex numbers, ``smooth_out`` not a bool or
            ``smooth_kws`` not a dict.
        ValueError: ``log_folder`` is not a folder or holds no ``<ID>/<seed>`` runs, a
            ``config.yml`` or log file is missing or unreadable (the path is named), a key is
            not in a log, x and y differ in length or are not 1-D, a curve has no point left,
            ``point_step < 1``, or smoothing fails on it.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from lagom.logger import Logger
        >>> from lagom.utils import yaml_dump
        >>> tmp = tempfile.TemporaryDirectory()
        >>> root = Path(tmp.name)
        >>> for ID, lr in enumerate([0.1, 0.01]):
        ...     for seed in [1, 2]:
        ...         (root / str(ID) / str(seed)).mkdir(parents=True)
        ...         logger = Logger(csv_path=root / str(ID) / str(seed) / 'progress.csv')
        ...         for step in [100, 200, 300]:
        ...             logger('step', step); logger('return', lr * step + seed)
        ...             logger.write_row()
        ...     _ = yaml_dump({'ID': ID, 'lr': lr}, root / str(ID) / 'config', ext='.yml')
        >>> data = read_xy(root, 'progress.csv', 'step', 'return')
        >>> [(c.ID, c.config['lr'], c.seeds) for c in data]
        [(0, 0.1, (1, 2)), (1, 0.01, (1, 2))]
        >>> data[0].curves[1]
        (array([100., 200., 300.]), array([12., 22., 32.]))
        >>> read_xy(root, 'progress.csv', 'step', lambda logs: logs['return'],
        ...         point_step=2)[1].curves[0]
        (array([100., 300.]), array([2., 4.]))
        >>> tmp.cleanup()
    """
    root = Path(check_path("log_folder", log_folder))
    if not root.is_dir():
        raise ValueError(f"log_folder must be an existing folder, got {str(root)!r}")
    point_step = check_int("point_step", point_step, minimum=1)
    check_str("file_name", file_name)
    for name, get in (("get_x", get_x), ("get_y", get_y)):
        if not (isinstance(get, str) or callable(get)):
            raise TypeError(f"{name} must be a str or a callable, got {type(get).__name__}")
    smooth_out = check_bool("smooth_out", smooth_out)
    if smooth_kws is not None and not isinstance(smooth_kws, Mapping):
        raise TypeError(f"smooth_kws must be a dict or None, got {type(smooth_kws).__name__}")
    id_folders = _numbered_folders(root)
    if not id_folders:
        raise ValueError(
            f"no runs in {str(root)!r}: expected folders <ID>/<seed>/ named by integers"
        )
    result = []
    for ID, id_folder in id_folders:
        config = _read_config(id_folder)
        seed_folders = _numbered_folders(id_folder)
        if not seed_folders:
            raise ValueError(f"no seed folders (named by integers) in {str(id_folder)!r}")
        curves = []
        for _, seed_folder in seed_folders:
            path = seed_folder / file_name
            logs = _load_logs(path)
            x, y = _read_curve(logs, get_x, get_y, path)
            if smooth_out:
                y = _smooth(y, smooth_kws, path)
            curves.append((x[::point_step], y[::point_step]))
        seeds = tuple(seed for seed, _ in seed_folders)
        result.append(ConfigCurves(ID=ID, config=config, seeds=seeds, curves=curves))
    return result


def _numbered_folders(folder: Path) -> list[tuple[int, Path]]:
    # ASCII digits only: str.isdigit() also accepts '²', which int() refuses.
    found = [
        (int(p.name), p) for p in folder.iterdir() if p.is_dir() and re.fullmatch(r"[0-9]+", p.name)
    ]
    found.sort(key=lambda item: (item[0], item[1].name))
    for (number, first), (next_number, second) in itertools.pairwise(found):
        if number == next_number:  # "1" and "01": one ID (or seed) read twice
            raise ValueError(
                f"expected one folder per number in {str(folder)!r}, got {first.name!r} and "
                f"{second.name!r} for {number}"
            )
    return found


def _read_config(id_folder: Path) -> dict[str, Any]:
    path = id_folder / "config.yml"
    if not path.is_file():
        raise ValueError(f"missing configuration file {str(path)!r}")
    config = yaml_load(path)
    if not isinstance(config, dict):
        raise ValueError(f"expected a mapping in {str(path)!r}, got {type(config).__name__}")
    return config


def _load_logs(path: Path) -> Mapping[str, list[Any]]:
    is_csv = path.suffix.lower() == ".csv"
    if not path.is_file() and (is_csv or not Path(f"{path}.pkl").is_file()):
        raise ValueError(f"missing log file {str(path)!r}")
    try:
        return Logger.load(path).logs
    except (ValueError, TypeError, EOFError, pickle.UnpicklingError, UnicodeDecodeError) as err:
        raise ValueError(f"could not read the log {str(path)!r}: {err}") from err


def _read_curve(
    logs: Mapping[str, list[Any]], get_x: Getter, get_y: Getter, path: Path
) -> tuple[Float64Array, Float64Array]:
    x, x_missing = _values(logs, get_x, "x", path)
    y, y_missing = _values(logs, get_y, "y", path)
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same length, got {x.size} and {y.size} in {str(path)!r}"
        )
    keep = ~(x_missing | y_missing)
    if not keep.any():
        raise ValueError(f"no point with both x and y in {str(path)!r}")
    return x[keep], y[keep]


def _values(
    logs: Mapping[str, list[Any]], get: Getter, name: str, path: Path
) -> tuple[Float64Array, np.ndarray[Any, np.dtype[np.bool_]]]:
    """The 1-D float values a getter picks, and a mask of the missing (``None`` or NaN) ones."""
    if isinstance(get, str):
        if get not in logs:
            raise ValueError(
                f"get_{name} key {get!r} is not in {str(path)!r}; its keys are {list(logs)}"
            )
        raw: Any = logs[get]
    elif callable(get):
        raw = get(logs)
    else:
        raise TypeError(f"get_{name} must be a str or a callable, got {type(get).__name__}")
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "c":
        raise TypeError(
            f"get_{name} must give real numbers for {str(path)!r}, got a complex array {raw!r:.60}"
        )
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "biuf":
        values = raw.astype(np.float64)
        missing = np.zeros(values.shape, dtype=np.bool_)
    else:
        if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Iterable):
            raise TypeError(
                f"get_{name} must give a list of values for {str(path)!r}, got "
                f"{type(raw).__name__} {raw!r:.60}"
            )
        items = list(raw)
        for item in items:
            if isinstance(item, numbers.Complex) and not isinstance(item, numbers.Real):
                raise TypeError(
                    f"get_{name} must give real numbers for {str(path)!r}, got the complex "
                    f"value {item!r}"
                )
        missing = np.array([item is None for item in items], dtype=np.bool_)
        try:
            values = np.array([np.nan if item is None else item for item in items], np.float64)
        except (TypeError, ValueError, OverflowError) as err:
            raise ValueError(f"{name} values in {str(path)!r} must be numbers: {err}") from err
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {values.shape} in {str(path)!r}")
    # NaN is "no value" too: lagom's own runs log a mean over no episode yet as NaN.
    return values, missing | np.isnan(values)


def _smooth(y: Float64Array, smooth_kws: Mapping[str, Any] | None, path: Path) -> Float64Array:
    # The defaults, with what the caller gave over them (a window alone keeps polyorder 3,
    # below the window).
    given = dict(smooth_kws or {})
    window = min(51, y.size if y.size % 2 else y.size - 1)
    kws: dict[str, Any] = {"window_length": window, **given}
    if "polyorder" not in given:
        length = kws["window_length"]
        kws["polyorder"] = min(3, length - 1) if isinstance(length, int) else 3
    try:
        return np.asarray(smooth_filter(y, **kws), dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"could not smooth y of {str(path)!r} ({y.size} points): {err}") from err
