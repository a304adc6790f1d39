"""Tests for ``lagom.vis.ticker``."""

from __future__ import annotations

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lagom.vis import set_ticker


def _axes() -> Axes:
    figure = Figure()
    FigureCanvasAgg(figure)
    return figure.add_subplot()


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0, "0"),
        (0.5, "0.5"),
        (250, "250"),
        (-250, "-250"),
        (999, "999"),
        (1000, "1K"),
        (1500, "1.5K"),
        (-1500, "-1.5K"),
        (20_000, "20K"),
        (999_000, "999K"),
        (1_000_000, "1M"),
        (2_000_000, "2M"),
        (2_500_000, "2.5M"),
        (0.1 + 0.2, "0.3"),  # float noise is not shown
        (-0.0, "0"),
    ],
)
def test_km_labels(value: float, label: str) -> None:
    ax = set_ticker(_axes(), axis="x", KM_format=True)
    assert ax.xaxis.get_major_formatter()(value) == label


def test_labels_drawn_on_the_axis() -> None:
    ax = _axes()
    ax.plot([0, 2_000_000], [0, 1])
    ax.set_xlim(0, 2_000_000)
    set_ticker(ax, axis="x", num=4, KM_format=True)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["0", "500K", "1M", "1.5M", "2M"]


def test_y_axis_only() -> None:
    ax = _axes()
    x_formatter = ax.xaxis.get_major_formatter()
    set_ticker(ax, axis="y", KM_format=True)
    assert ax.yaxis.get_major_formatter()(3000) == "3K"
    assert ax.xaxis.get_major_formatter() is x_formatter


def test_num_bounds_the_tick_count() -> None:
    ax = set_ticker(_axes(), axis="x", num=3)
    locator = ax.xaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)
    ticks = [t for t in locator.tick_values(0, 97) if 0 <= t <= 97]
    assert 2 <= len(ticks) <= 4


def test_integer_ticks_and_labels() -> None:
    ax = set_ticker(_axes(), axis="x", integer=True, KM_format=True)
    ticks = ax.xaxis.get_major_locator().tick_values(0, 3)
    assert all(float(t).is_integer() for t in ticks)
    label = ax.xaxis.get_major_formatter()
    assert [label(v) for v in (2.0, 7.0, 1500.0)] == ["2", "7", "1.5K"]


def test_without_options_nothing_changes() -> None:
    ax = _axes()
    locator, formatter = ax.xaxis.get_major_locator(), ax.xaxis.get_major_formatter()
    assert set_ticker(ax) is ax
    assert ax.xaxis.get_major_locator() is locator
    assert ax.xaxis.get_major_formatter() is formatter


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="axis must be 'x' or 'y', got 'z'"):
        set_ticker(_axes(), axis="z")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num must be at least 1"):
        set_ticker(_axes(), num=0)
    with pytest.raises(TypeError, match="num must be an int"):
        set_ticker(_axes(), num=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="matplotlib Axes"):
        set_ticker("ax")  # type: ignore[arg-type]


def test_a_num_past_what_matplotlib_draws_is_refused_when_set() -> None:
    # It was taken, and drawing the axes then took minutes or failed deep inside numpy.
    with pytest.raises(ValueError, match="num must be at most 1000, got 1001"):
        set_ticker(_axes(), num=1001)
    with pytest.raises(ValueError, match="num must be at most 1000"):
        set_ticker(_axes(), num=10**20)
    set_ticker(_axes(), num=1000)
