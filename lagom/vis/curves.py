"""Plot learning curves with an uncertainty band per configuration: :func:`plot_curves`."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import matplotlib as mpl
import numpy as np
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from lagom._checks import check_bool, check_int, check_path, check_real, check_seed, check_str
from lagom._types import Float64Array
from lagom.transform import interp_curves
from lagom.utils import atomic_write
from lagom.vis.labels import axis_label, check_names, config_labels
from lagom.vis.read_xy import ConfigCurves
from lagom.vis.stats import _MAX_BOOT, bootstrap_ci, interquartile_mean
from lagom.vis.ticker import set_ticker

__all__ = ["plot_curves"]

_BANDS = ("std", "minmax", "ci95")
#: The largest ``smooth``: the window is an np.intp (a window past the grid averages it all).
_MAX_SMOOTH = int(np.iinfo(np.intp).max)
_ESTIMATORS = ("mean", "iqm")


def plot_curves(
    data: Sequence[ConfigCurves],
    ax: Axes | None = None,
    *,
    band: Literal["std", "minmax", "ci95"] = "std",
    num_point: int = 100,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    out: str | os.PathLike[str] | None = None,
    alpha: float = 0.25,
    estimator: Literal["mean", "iqm"] = "mean",
    smooth: int = 1,
    x: str | None = None,
    y: str | None = None,
    names: Mapping[str, str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    grid: bool = True,
) -> tuple[Figure, Axes]:
    r"""Plot, per configuration, the mean (or IQM) curve over seeds and a band around it.

    The seeds of one configuration are first put on one shared x grid of ``num_point``
    points from their smallest to their largest x (:func:`lagom.transform.interp_curves`,
    piecewise linear), giving :math:`y_{s,j}` for seed :math:`s` at grid point :math:`j`;
    with ``smooth = w > 1`` each seed's curve is then replaced by its trailing moving
    average over ``w`` grid points (fewer at the start). The line is the mean
    :math:`\mu_j = \frac{1}{S}\sum_s y_{s,j}` (``estimator="mean"``) or the interquartile
    mean (``"iqm"``, :func:`~lagom.vis.interquartile_mean`). The band is

    * ``"std"``: line :math:`\pm \sigma_j`, the population standard deviation
      :math:`\sigma_j = \sqrt{\frac{1}{S}\sum_s (y_{s,j} - \mu_j)^2}`;
    * ``"minmax"``: :math:`[\min_s y_{s,j}, \max_s y_{s,j}]`;
    * ``"ci95"``: the 95% percentile bootstrap interval of the estimator over seeds
      (:func:`~lagom.vis.bootstrap_ci` with ``n_boot`` resamples and ``seed``).

    Each configuration adds exactly one line (its band is a filled area in the same color)
    and a legend entry; the legend's title states what line and band are
    (``"mean ± std over 3 seeds"``). Axis labels: ``xlabel``/``ylabel`` as given, else the
    label of the column ``x``/``y`` (:func:`~lagom.vis.axis_label`: ``timesteps`` gives
    ``"Environment steps"``, ``train_return`` ``"Episode return"``; ``names`` adds or
    overrides labels). A light grid is drawn unless ``grid=False``.

    The figure is drawn with matplotlib's Agg canvas, never through ``pyplot``, so this works
    on a machine without a display and never changes matplotlib's global backend.

    Args:
        data: the configurations' curves, e.g. from :func:`read_xy`; each x must be strictly
            increasing.
        ax: the axes to draw on; ``None`` makes a new figure (6.4 x 4.8 inches, constrained
            layout) with one axes.
        band: ``"std"``, ``"minmax"`` or ``"ci95"``.
        num_point: points of the shared x grid of each configuration (``>= 1``).
        labels: one legend label per configuration; default: the configuration items whose
            values differ between the configurations (``"lr=3e-4, gamma=0.98"``;
            :func:`~lagom.vis.config_labels`), or ``"ID <ID>"`` when none differ.
        title: the axes' title.
        xlabel: the x axis label (wins over ``x``).
        ylabel: the y axis label (wins over ``y``).
        out: if given, the figure is saved there in the format of its suffix (``.png``,
            ``.pdf``, ``.svg``, ...), atomically (a temporary file in the same folder, then
            renamed), with the permissions the umask gives a new file.
        alpha: the opacity of the bands, in ``[0, 1]``.
        estimator: ``"mean"`` or ``"iqm"``.
        smooth: the moving-average window in grid points (``1``: no smoothing), at most
            ``2**63 - 1`` (an ``np.intp``; a window of ``num_point`` or more averages
            every earlier point).
        x: the logged column on the x axis, for its label.
        y: the logged column on the y axis, for its label.
        names: column -> axis label, on top of :data:`~lagom.vis.AXIS_LABELS`.
        n_boot: bootstrap resamples for ``band="ci95"``.
        seed: the seed of the bootstrap.
        grid: draw a grid.

    Returns:
        ``(figure, axes)``.

    Raises:
        TypeError: ``data`` is not a list of :class:`ConfigCurves`, ``ax`` not an ``Axes``,
            ``labels`` not a list of str, ``title``, ``xlabel``, ``ylabel``, ``x`` or ``y``
            not a str, ``names`` not a dict of str, ``out`` not a path, or a number or flag
            of the wrong type.
        ValueError: ``data`` is empty, ``labels`` has the wrong length, ``band`` or
            ``estimator`` is unknown, ``num_point``, ``smooth`` or ``n_boot`` is below 1 (or
            ``n_boot`` above ``10**6``, ``smooth`` above ``2**63 - 1``),
            ``alpha`` is outside ``[0, 1]``, ``out`` has no image suffix or is a folder or in
            a file, ``title``, ``xlabel``, ``ylabel`` or a label holds math (between ``$``)
            that matplotlib cannot parse, or an x is not strictly increasing.

    Example:
        >>> data = [
        ...     ConfigCurves(ID=0, config={'lr': 0.1}, seeds=(1, 2),
        ...                  curves=[([0, 1, 2], [0., 1., 2.]), ([0, 2], [2., 4.])]),
        ...     ConfigCurves(ID=1, config={'lr': 0.01}, seeds=(1,),
        ...                  curves=[([0, 1, 2], [0., 0., 1.])]),
        ... ]
        >>> fig, ax = plot_curves(data, num_point=3, x='timesteps', y='train_return')
        >>> [line.get_label() for line in ax.get_lines()]
        ['lr=0.1', 'lr=0.01']
        >>> ax.get_lines()[0].get_xydata().tolist()
        [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
        >>> ax.get_xlabel(), ax.get_ylabel(), ax.get_legend().get_title().get_text()
        ('Environment steps', 'Episode return', 'mean ± std over 1-2 seeds')
    """
    curves = _check_data(data)
    if not isinstance(band, str) or band not in _BANDS:
        raise ValueError(f"band must be one of {list(_BANDS)}, got {band!r}")
    if not isinstance(estimator, str) or estimator not in _ESTIMATORS:
        raise ValueError(f"estimator must be one of {list(_ESTIMATORS)}, got {estimator!r}")
    num_point = check_int("num_point", num_point, minimum=1)
    smooth = check_int("smooth", smooth, minimum=1, maximum=_MAX_SMOOTH)
    n_boot = check_int("n_boot", n_boot, minimum=1)
    if n_boot > _MAX_BOOT:
        raise ValueError(f"n_boot must be at most {_MAX_BOOT:,}, got {n_boot}")
    seed = check_seed("seed", seed)
    grid = check_bool("grid", grid)
    alpha = check_real("alpha", alpha, low=0.0, high=1.0)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    for name, text in (
        ("title", title),
        ("xlabel", xlabel),
        ("ylabel", ylabel),
        ("x", x),
        ("y", y),
    ):
        if text is not None:
            check_str(name, text)
    names = check_names(names)
    if x is not None and xlabel is None:
        xlabel = axis_label(x, names)
    if y is not None and ylabel is None:
        ylabel = axis_label(y, names)
    if out is not None:
        check_path("out", out)
    if labels is None:
        legend = config_labels([item.config for item in curves], [item.ID for item in curves])
    else:
        legend = _check_labels(labels)
    if len(legend) != len(curves):
        raise ValueError(
            f"expected one label per configuration ({len(curves)}), got {len(legend)} labels"
        )
    # Matplotlib draws a text between two `$` as math, and fails on bad math only when the
    # figure is drawn: what the caller wrote is checked now; labels made from the
    # configurations are drawn as they are (a value may hold `$`).
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if text is not None:
            _check_mathtext(name, text)
    if labels is not None:
        for i, label in enumerate(legend):
            _check_mathtext(f"labels[{i}]", label)
    if ax is None:
        figure = Figure(figsize=(6.4, 4.8), layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    else:
        figure = _figure_of(ax)
    for item, name in zip(curves, legend, strict=True):
        xs, line_y, low, high = _line_band(item, num_point, band, estimator, smooth, n_boot, seed)
        (line,) = ax.plot(xs, line_y, label=name, linewidth=1.5)
        ax.fill_between(xs, low, high, color=line.get_color(), alpha=float(alpha), lw=0)
    seeds = [len(item.seeds) for item in curves]
    legend_box = ax.legend(
        title=_band_text(band, estimator, seeds, smooth), fontsize="small", title_fontsize="small"
    )
    legend_box.set_alignment("left")
    if labels is None:
        for entry in legend_box.get_texts():
            if entry.get_text() in legend:
                entry.set_parse_math(False)
    if max(float(np.abs(x_s).max()) for x_s in (x_i for item in curves for x_i in item.xs)) >= 1e4:
        set_ticker(ax, "x", KM_format=True)  # 200K, 1.5M rather than 200000, 1500000
    if grid:
        ax.grid(True, alpha=0.3, linewidth=0.6)
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


def _check_mathtext(name: str, text: str) -> None:
    """``ValueError`` if matplotlib would draw ``text`` as math (an even number of unescaped
    ``$``) and cannot parse that math (with ``text.usetex``, LaTeX draws it instead)."""
    if mpl.rcParams["text.usetex"] or not cbook.is_math_text(text):
        return
    try:
        MathTextParser("path").parse(text)
    except ValueError as error:
        reason = str(error).strip().splitlines()[-1]
        raise ValueError(
            f"{name} must be text or valid matplotlib math between $ signs (write \\$ for a "
            f"dollar sign), got {text!r:.60}: {reason}"
        ) from None


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


def _smoothed(ys: Float64Array, window: int) -> Float64Array:
    """Trailing moving average of ``window`` points along axis 1 (fewer at the start)."""
    if window == 1:
        return ys
    total = np.cumsum(ys, axis=1)
    shifted = np.zeros_like(total)
    shifted[:, window:] = total[:, :-window]
    count = np.minimum(np.arange(1, ys.shape[1] + 1), window)
    result: Float64Array = (total - shifted) / count
    return result


def _line_band(
    item: ConfigCurves,
    num_point: int,
    band: str,
    estimator: str,
    smooth: int,
    n_boot: int,
    seed: int,
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array]:
    try:
        new_x, new_y = interp_curves(item.xs, item.ys, num_point=num_point)
    except ValueError as err:
        raise ValueError(f"configuration ID {item.ID}: {err}") from err
    ys = np.stack(new_y)
    # Values near the float64 limit would overflow the sums of the moving average, the mean
    # and the standard deviation: those are computed on ys / 2**1000 (exact, a power of two)
    # and scaled back, a band edge beyond the limit drawn at the limit.
    scale = 2.0**1000 if np.max(np.abs(ys), initial=0.0, where=np.isfinite(ys)) > 2.0**1000 else 1.0
    ys = _smoothed(ys / scale, smooth)
    line = ys.mean(axis=0) if estimator == "mean" else interquartile_mean(ys)
    if band == "std":
        spread = ys.std(axis=0)
        low, high = line - spread, line + spread
    elif band == "minmax":
        low, high = ys.min(axis=0), ys.max(axis=0)
    else:
        low, high = bootstrap_ci(
            ys, "iqm" if estimator == "iqm" else "mean", n_boot=n_boot, seed=seed
        )
    if scale == 1.0:
        return new_x[0], line, low, high
    limit = np.finfo(np.float64).max
    with np.errstate(over="ignore"):
        scaled = [
            np.where(np.isfinite(y), np.clip(y * scale, -limit, limit), y)
            for y in (line, low, high)
        ]
    return new_x[0], scaled[0], scaled[1], scaled[2]


def _band_text(band: str, estimator: str, seeds: Sequence[int], smooth: int = 1) -> str:
    """What the line and band of a plot show, as its legend title says it.

    Example:
        >>> _band_text('std', 'mean', [3, 3])
        'mean ± std over 3 seeds'
        >>> print(_band_text('ci95', 'iqm', [2, 3], smooth=5))
        IQM, 95% bootstrap CI over 2-3 seeds
        moving average of 5 points
    """
    low, high = min(seeds), max(seeds)
    count = f"{low}" if low == high else f"{low}-{high}"
    name = "mean" if estimator == "mean" else "IQM"
    spread = {
        "std": f"{name} ± std",
        "minmax": f"{name}, min-max",
        "ci95": f"{name}, 95% bootstrap CI",
    }
    text = f"{spread[band]} over {count} seed{'' if high == 1 else 's'}"
    return text + (f"\nmoving average of {smooth} points" if smooth > 1 else "")


def _save_atomically(figure: Figure, path: Path) -> None:
    fmt = path.suffix.lower().lstrip(".")
    supported = figure.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(
            f"out must end in an image file type such as .png, .pdf or .svg (any of "
            f"{sorted(supported)}), got {str(path)!r}"
        )
    if path.is_dir():
        raise ValueError(f"out must be a file, got the folder {str(path)!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"out must be a path in a folder, got {str(path)!r} in a file") from None
    # atomic_write creates the file as open() would, so it gets the umask's permissions.
    atomic_write(path, buffer.getvalue(), fsync=False)
