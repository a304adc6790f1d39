"""Plot learning curves with an uncertainty band per configuration: :func:`plot_curves`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lagom._checks import check_int, check_path, check_real, check_str
from lagom._types import Float64Array
from lagom.transform import interp_curves
from lagom.vis.read_xy import ConfigCurves

__all__ = ["plot_curves"]


def plot_curves(
    data: Sequence[ConfigCurves],
    ax: Axes | None = None,
    *,
    band: Literal["std", "minmax"] = "std",
    num_point: int = 100,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    out: str | os.PathLike[str] | None = None,
    alpha: float = 0.25,
) -> tuple[Figure, Axes]:
    r"""Plot, per configuration, the mean curve over seeds and a band around it.

    The seeds of one configuration are first put on one shared x grid of ``num_point``
    points from their smallest to their largest x (:func:`lagom.transform.interp_curves`,
    piecewise linear), giving :math:`y_{s,j}` for seed :math:`s` at grid point :math:`j`.
    The line is the mean :math:`\mu_j = \frac{1}{S}\sum_s y_{s,j}`; the band is
    :math:`\mu_j \pm \sigma_j` with the population standard deviation
    :math:`\sigma_j = \sqrt{\frac{1}{S}\sum_s (y_{s,j} - \mu_j)^2}` (``band="std"``), or
    :math:`[\min_s y_{s,j}, \max_s y_{s,j}]` (``band="minmax"``). Each configuration adds
    exactly one line to the axes (its band is a filled area in the same color) and a legend
    entry.

    The figure is drawn with matplotlib's Agg canvas, never through ``pyplot``, so this works
    on a machine without a display and never changes matplotlib's global backend.

    Args:
        data: the configurations' curves, e.g. from :func:`read_xy`; each x must be strictly
            increasing.
        ax: the axes to draw on; ``None`` makes a new figure (6.4 x 4.8 inches) with one axes.
        band: ``"std"`` (mean ± standard deviation) or ``"minmax"`` (min to max over seeds).
        num_point: points of the shared x grid of each configuration (``>= 1``).
        labels: one legend label per configuration; default: the configuration items whose
            values differ between the configurations (``"lr=0.1, gamma=0.9"``; ``ID`` and
            equal items left out), or ``"ID <ID>"`` when none differ.
        title: the axes' title.
        xlabel: the x axis label.
        ylabel: the y axis label.
        out: if given, the figure is saved there (the format follows the extension, e.g.
            ``.png``), atomically: a temporary file in the same folder, then renamed.
        alpha: the opacity of the bands, in ``[0, 1]``.

    Returns:
        ``(figure, axes)``.

    Raises:
        TypeError: ``data`` is not a list of :class:`ConfigCurves`, ``ax`` not an ``Axes``,
            ``labels`` not a list of str, ``title``, ``xlabel`` or ``ylabel`` not a str,
            ``out`` not a path, or ``alpha`` not a real number.
        ValueError: ``data`` is empty, ``labels`` has the wrong length, ``band`` is unknown,
            ``num_point < 1``, ``alpha`` is outside ``[0, 1]``, or an x is not strictly
            increasing.

    Example:
        >>> data = [
        ...     ConfigCurves(ID=0, config={'lr': 0.1}, seeds=(1, 2),
        ...                  curves=[([0, 1, 2], [0., 1., 2.]), ([0, 2], [2., 4.])]),
        ...     ConfigCurves(ID=1, config={'lr': 0.01}, seeds=(1,),
        ...                  curves=[([0, 1, 2], [0., 0., 1.])]),
        ... ]
        >>> fig, ax = plot_curves(data, num_point=3, xlabel='step', ylabel='return')
        >>> [line.get_label() for line in ax.get_lines()]
        ['lr=0.1', 'lr=0.01']
        >>> ax.get_lines()[0].get_xydata().tolist()
        [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
    """
    curves = _check_data(data)
    if not isinstance(band, str) or band not in ("std", "minmax"):
        raise ValueError(f"band must be 'std' or 'minmax', got {band!r}")
    num_point = check_int("num_point", num_point, minimum=1)
    alpha = check_real("alpha", alpha, low=0.0, high=1.0)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if text is not None:
            check_str(name, text)
    if out is not None:
        check_path("out", out)
    names = _default_labels(curves) if labels is None else _check_labels(labels)
    if len(names) != len(curves):
        raise ValueError(
            f"expected one label per configuration ({len(curves)}), got {len(names)} labels"
        )
    if ax is None:
        figure = Figure(figsize=(6.4, 4.8))
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    else:
        figure = _figure_of(ax)
    for item, name in zip(curves, names, strict=True):
        grid, mean, low, high = _mean_band(item, num_point, band)
        (line,) = ax.plot(grid, mean, label=name)
        ax.fill_between(grid, low, high, color=line.get_color(), alpha=float(alpha), lw=0)
    ax.legend()
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if out is not None:
        _save_atomically(figure, Path(out))
    return figure, ax


def _check_labels(labels: object) -> list[str]:
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a list of str or None, got {type(labels).__name__}")
    for label in labels:
        check_str("labels", label)
    return list(labels)


def _check_data(data: object) -> list[ConfigCurves]:
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(f"data must be a list of ConfigCurves, got {type(data).__name__}")
    items = list(data)
    if not items:
        raise ValueError("data must hold at least one configuration, got none")
    for i, item in enumerate(items):
        if not isinstance(item, ConfigCurves):
            raise TypeError(
                f"data must hold ConfigCurves: expected ConfigCurves (e.g. from read_xy), got "
                f"{type(item).__name__} at {i}"
            )
    return items


def _figure_of(ax: Axes) -> Figure:
    # A SubFigure's `.figure` is its root Figure, which is what saves to a file.
    figure = getattr(ax.figure, "figure", ax.figure)
    if not isinstance(figure, Figure):
        raise TypeError(f"ax must belong to a matplotlib Figure, got {type(figure).__name__}")
    return figure


def _mean_band(
    item: ConfigCurves, num_point: int, band: str
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array]:
    try:
        new_x, new_y = interp_curves(item.xs, item.ys, num_point=num_point)
    except ValueError as err:
        raise ValueError(f"configuration ID {item.ID}: {err}") from err
    ys = np.stack(new_y)
    mean = ys.mean(axis=0)
    if band == "std":
        spread = ys.std(axis=0)
        return new_x[0], mean, mean - spread, mean + spread
    return new_x[0], mean, ys.min(axis=0), ys.max(axis=0)


def _default_labels(curves: list[ConfigCurves]) -> list[str]:
    keys: list[str] = []
    for item in curves:
        keys.extend(key for key in item.config if key != "ID" and key not in keys)
    missing = object()

    def varies(key: str) -> bool:
        first = curves[0].config.get(key, missing)
        return any(_differ(item.config.get(key, missing), first) for item in curves[1:])

    varying = [key for key in keys if varies(key)]
    if not varying:
        return [f"ID {item.ID}" for item in curves]
    return [", ".join(f"{key}={item.config.get(key)}" for key in varying) for item in curves]


def _differ(a: Any, b: Any) -> bool:
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # arrays compare elementwise; treat as differing
        return True


def _save_atomically(figure: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        figure.savefig(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
