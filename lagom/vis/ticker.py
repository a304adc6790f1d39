"""Tick placement and compact K/M tick labels for an axis of a plot: :func:`set_ticker`."""

from __future__ import annotations

from typing import Literal

from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from lagom._checks import check_bool, check_int

__all__ = ["set_ticker"]

#: The most tick intervals: matplotlib's ``Locator.MAXTICKS`` (a bound to what it can draw).
_MAX_NUM = 1000


def set_ticker(
    ax: Axes,
    axis: Literal["x", "y"] = "x",
    num: int | None = None,
    KM_format: bool = False,
    integer: bool = False,
) -> Axes:
    r"""Set the ticks of one axis: how many, whether integer, and K/M abbreviated labels.

    - ``num``: place at most ``num + 1`` ticks at "nice" values (``MaxNLocator(num)``).
    - ``integer``: place ticks at integer values only (``MaxNLocator(integer=True)``), and,
      with ``KM_format``, label values below 1000 without a decimal part.
    - ``KM_format``: label a tick :math:`v` as :math:`v` when :math:`|v| < 1000`, as
      :math:`v / 10^3` followed by ``K`` when :math:`10^3 \le |v| < 10^6`, and as
      :math:`v / 10^6` followed by ``M`` above. Numbers are written without trailing zeros
      (up to 6 decimals): 1500 gives ``'1.5K'``, 2000000 gives ``'2M'``, -250 gives
      ``'-250'``, 0.5 gives ``'0.5'``.

    Only the chosen axis changes; the figure is not redrawn.

    Args:
        ax: the axes to change.
        axis: ``'x'`` or ``'y'``.
        num: the largest number of intervals between ticks, from 1 to 1000 (matplotlib's
            ``Locator.MAXTICKS``: more would take minutes to draw, or fail), or ``None`` to
            keep the current tick placement (unless ``integer``).
        KM_format: if ``True``, write tick labels with K (thousands) and M (millions).
        integer: if ``True``, ticks only at integers.

    Returns:
        ``ax``, for chaining.

    Raises:
        TypeError: ``ax`` is not a matplotlib ``Axes``, ``num`` is not an int, or
            ``KM_format`` or ``integer`` is not a bool.
        ValueError: ``axis`` is not ``'x'`` or ``'y'``, or ``num`` is outside ``[1, 1000]``.

    Example:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> ax = set_ticker(ax, axis='x', num=4, KM_format=True)
        >>> label = ax.xaxis.get_major_formatter()
        >>> [label(v) for v in [0, 250, 1500, 20000, 2_000_000, 2_500_000]]
        ['0', '250', '1.5K', '20K', '2M', '2.5M']
        >>> [float(v) for v in ax.xaxis.get_major_locator().tick_values(0, 2_000_000)]
        [0.0, 500000.0, 1000000.0, 1500000.0, 2000000.0]
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if not isinstance(axis, str) or axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    KM_format = check_bool("KM_format", KM_format)
    integer = check_bool("integer", integer)
    target = ax.xaxis if axis == "x" else ax.yaxis
    if num is not None or integer:
        nbins: int | Literal["auto"] = (
            "auto" if num is None else check_int("num", num, minimum=1, maximum=_MAX_NUM)
        )
        target.set_major_locator(MaxNLocator(nbins=nbins, integer=bool(integer)))
    if KM_format:
        whole = bool(integer)
        target.set_major_formatter(FuncFormatter(lambda v, _pos: _km_label(v, integer=whole)))
    return ax


def _km_label(value: float, *, integer: bool) -> str:
    """``value`` abbreviated with K (10^3) or M (10^6), e.g. 1500 -> '1.5K'."""
    magnitude = abs(value)
    if magnitude < 1e3:
        return str(round(value)) if integer else _plain(value)
    if magnitude < 1e6:
        return _plain(value / 1e3) + "K"
    return _plain(value / 1e6) + "M"


def _plain(value: float) -> str:
    # Fixed notation with 6 decimals, trailing zeros cut: tick values such as
    # 0.30000000000000004 print as '0.3', and large ones never switch to '1e+06'.
    text = f"{value + 0.0:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
