"""Tests for ``lagom.vis.curves``."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib.image
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from lagom.vis import ConfigCurves, plot_curves, read_xy
from tests.vis._sweep import write_sweep


def _floats(values: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(values, dtype=np.float64)


def _band_limits(collection: PolyCollection) -> tuple[float, float]:
    vertices = np.concatenate([path.vertices for path in collection.get_paths()])
    return float(vertices[:, 1].min()), float(vertices[:, 1].max())


def _same_x_data() -> list[ConfigCurves]:
    x = [0.0, 1.0, 2.0]
    return [
        ConfigCurves(
            ID=0,
            config={"ID": 0, "lr": 0.1, "env": "A"},
            seeds=(1, 2, 3),
            curves=[(x, [0.0, 1.0, 2.0]), (x, [2.0, 3.0, 7.0]), (x, [1.0, 5.0, 3.0])],
        ),
        ConfigCurves(
            ID=1,
            config={"ID": 1, "lr": 0.01, "env": "A"},
            seeds=(1, 2),
            curves=[(x, [1.0, 1.0, 1.0]), (x, [3.0, -1.0, 0.0])],
        ),
    ]


def test_png_of_a_sweep(tmp_path: Path) -> None:
    write_sweep(tmp_path / "logs", lrs=(0.1, 0.05, 0.01), seeds=(1, 2, 3))
    data = read_xy(tmp_path / "logs", "progress.csv", "step", "return")
    out = tmp_path / "plots" / "curves.png"
    figure, ax = plot_curves(data, out=out, title="Fake-v0", xlabel="step", ylabel="return")
    assert out.is_file()
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
    pixels = matplotlib.image.imread(out)
    width, height = figure.get_size_inches() * figure.dpi
    assert pixels.shape[:2] == (round(height), round(width)) == (480, 640)
    assert len(ax.get_lines()) == len(data) == 3
    assert [line.get_label() for line in ax.get_lines()] == ["lr=0.1", "lr=0.05", "lr=0.01"]
    assert ax.get_title() == "Fake-v0"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "return")
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["lr=0.1", "lr=0.05", "lr=0.01"]


def test_mean_and_std_band() -> None:
    data = _same_x_data()
    _, ax = plot_curves(data, num_point=3)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    for item, line, band in zip(data, ax.get_lines(), bands, strict=True):
        columns = list(zip(*(y.tolist() for y in item.ys), strict=True))
        means = [statistics.fmean(column) for column in columns]
        stds = [statistics.pstdev(column) for column in columns]
        np.testing.assert_allclose(_floats(line.get_xdata()), [0.0, 1.0, 2.0])
        np.testing.assert_allclose(_floats(line.get_ydata()), means)
        low, high = _band_limits(band)
        assert low == pytest.approx(min(m - s for m, s in zip(means, stds, strict=True)))
        assert high == pytest.approx(max(m + s for m, s in zip(means, stds, strict=True)))
        assert np.asarray(band.get_facecolor())[0, :3] == pytest.approx(to_rgb(line.get_color()))


def test_minmax_band() -> None:
    _, ax = plot_curves(_same_x_data(), num_point=3, band="minmax")
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert _band_limits(bands[0]) == (0.0, 7.0)
    assert _band_limits(bands[1]) == (-1.0, 3.0)


def test_seeds_with_different_x_are_interpolated() -> None:
    data = [
        ConfigCurves(
            ID=0, config={}, seeds=(1, 2), curves=[([0, 4], [0.0, 4.0]), ([0, 2, 4], [2, 2, 2])]
        )
    ]
    _, ax = plot_curves(data, num_point=5)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(_floats(line.get_xdata()), [0, 1, 2, 3, 4])
    np.testing.assert_allclose(_floats(line.get_ydata()), [1.0, 1.5, 2.0, 2.5, 3.0])
    assert line.get_label() == "ID 0"


def test_draws_on_a_given_axes_and_custom_labels() -> None:
    figure = Figure()
    ax = figure.add_subplot(1, 2, 2)
    got_figure, got_ax = plot_curves(_same_x_data(), ax, labels=["fast", "slow"])
    assert got_figure is figure
    assert got_ax is ax
    assert [line.get_label() for line in ax.get_lines()] == ["fast", "slow"]


def test_default_labels_list_the_items_that_differ() -> None:
    x, y = [0, 1], [0, 1]
    configs: list[dict[str, Any]] = [
        {"ID": 0, "lr": 1, "size": [64]},
        {"ID": 1, "lr": 1, "size": [32]},
        {"ID": 2},
    ]
    data = [
        ConfigCurves(ID=i, config=config, seeds=(0,), curves=[(x, y)])
        for i, config in enumerate(configs)
    ]
    _, ax = plot_curves(data)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["lr=1, size=[64]", "lr=1, size=[32]", "lr=None, size=None"]


def test_bad_arguments() -> None:
    data = _same_x_data()
    with pytest.raises(ValueError, match="at least one configuration"):
        plot_curves([])
    with pytest.raises(TypeError, match=r"expected ConfigCurves .* got dict at 0"):
        plot_curves([{"x": [1]}])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"one label per configuration \(2\), got 1"):
        plot_curves(data, labels=["a"])
    with pytest.raises(
        ValueError, match=r"band must be one of \['std', 'minmax', 'ci95'\], got 'iqr'"
    ):
        plot_curves(data, band="iqr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_point must be at least 1"):
        plot_curves(data, num_point=0)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        plot_curves(data, alpha=2.0)
    unsorted = ConfigCurves(ID=7, config={}, seeds=(0,), curves=[([1, 0], [0, 1])])
    with pytest.raises(ValueError, match=r"configuration ID 7: x.* strictly increasing"):
        plot_curves([unsorted])


def test_import_selects_no_backend_and_plots_headless(tmp_path: Path) -> None:
    out = tmp_path / "c.png"
    script = f"""
import os, sys
os.environ.pop("DISPLAY", None)
os.environ.pop("MPLBACKEND", None)
import lagom.vis
from lagom.vis import ConfigCurves, plot_curves
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
assert "pyglet" not in sys.modules, "pyglet imported"
plot_curves([ConfigCurves(ID=0, config={{}}, seeds=(0,), curves=[([0, 1], [0, 1])])],
            out={str(out)!r})
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported by plot_curves"
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()


# ------------------------------------------------------------ labels, bands, files (issue 16)


def _legend_title(ax: Any) -> str:
    legend = ax.get_legend()
    assert legend is not None
    return str(legend.get_title().get_text())


def test_axis_labels_from_the_name_map() -> None:
    _, ax = plot_curves(_same_x_data(), x="timesteps", y="eval_return")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Environment steps", "Episode return")
    _, ax = plot_curves(
        _same_x_data(), x="timesteps", y="kl_coef", names={"timesteps": "Frames"}, xlabel=None
    )
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Frames", "Kl coef")
    _, ax = plot_curves(_same_x_data(), x="timesteps", xlabel="Steps (x4 frames)")
    assert ax.get_xlabel() == "Steps (x4 frames)"  # an explicit label wins


def test_legend_says_what_differs_and_what_the_band_is() -> None:
    x, y = [0.0, 1.0], [0.0, 1.0]
    data = [
        ConfigCurves(
            ID=i,
            config={"ID": i, "lr": lr, "gamma": gamma, "env": "A"},
            seeds=tuple(range(3)),
            curves=[(x, y)] * 3,
        )
        for i, (lr, gamma) in enumerate([(3e-4, 0.98), (1e-3, 0.99)])
    ]
    titles = {}
    for band in ("std", "minmax", "ci95"):
        for estimator in ("mean", "iqm"):
            _, ax = plot_curves(data, band=band, estimator=estimator)
            legend = ax.get_legend()
            assert legend is not None
            texts = [t.get_text() for t in legend.get_texts()]
            assert texts == ["lr=3e-4, gamma=0.98", "lr=0.001, gamma=0.99"]
            titles[band, estimator] = _legend_title(ax)
    assert titles == {
        ("std", "mean"): "mean ± std over 3 seeds",
        ("std", "iqm"): "IQM ± std over 3 seeds",
        ("minmax", "mean"): "mean, min-max over 3 seeds",
        ("minmax", "iqm"): "IQM, min-max over 3 seeds",
        ("ci95", "mean"): "mean, 95% bootstrap CI over 3 seeds",
        ("ci95", "iqm"): "IQM, 95% bootstrap CI over 3 seeds",
    }
    _, ax = plot_curves(_same_x_data(), smooth=2)  # 3 and 2 seeds
    assert _legend_title(ax) == "mean ± std over 2-3 seeds\nmoving average of 2 points"


def test_iqm_line_and_ci95_band_match_numpy() -> None:
    from tests.vis.test_stats import trim_mean  # scipy's trim_mean written out

    ys = np.random.default_rng(0).normal(size=(6, 5))
    x = np.arange(5.0)
    data = [ConfigCurves(ID=0, config={}, seeds=range(6), curves=[(x, row) for row in ys])]
    _, ax = plot_curves(data, num_point=5, band="ci95", estimator="iqm", n_boot=500, seed=4)
    np.testing.assert_allclose(_floats(ax.get_lines()[0].get_ydata()), trim_mean(ys, 0.25))
    idx = np.random.default_rng(4).integers(0, 6, size=(500, 6))
    boot = np.array([[trim_mean(ys[i, j], 0.25) for j in range(5)] for i in idx])
    low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    assert _band_limits(band) == pytest.approx((low.min(), high.max()))


def test_smoothing_is_a_trailing_moving_average() -> None:
    y = np.array([0.0, 3.0, 6.0, 0.0, 3.0])
    data = [ConfigCurves(ID=0, config={}, seeds=(0,), curves=[(np.arange(5.0), y)])]
    _, ax = plot_curves(data, num_point=5, smooth=3)
    expected = [y[max(0, j - 2) : j + 1].mean() for j in range(5)]
    np.testing.assert_allclose(_floats(ax.get_lines()[0].get_ydata()), expected)


def test_grid_and_compact_step_ticks(tmp_path: Path) -> None:
    x = np.array([0.0, 5e5, 1e6])
    data = [ConfigCurves(ID=0, config={}, seeds=(0,), curves=[(x, [0.0, 1.0, 2.0])])]
    _, ax = plot_curves(data, out=tmp_path / "a.png")  # saving draws the tick labels
    assert all(line.get_visible() for line in ax.xaxis.get_gridlines())
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "200K" in labels
    assert all(len(label) <= 5 for label in labels)  # never "1000000"
    _, ax = plot_curves(data, grid=False)
    assert not any(line.get_visible() for line in ax.xaxis.get_gridlines())


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_saved_file_mode_follows_the_umask(tmp_path: Path, umask: int) -> None:
    import os
    import stat

    previous = os.umask(umask)
    try:
        out = tmp_path / "fig.png"
        plot_curves(_same_x_data(), out=out)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_pdf_and_svg_by_suffix(tmp_path: Path) -> None:
    plot_curves(_same_x_data(), out=tmp_path / "fig.pdf")
    plot_curves(_same_x_data(), out=tmp_path / "fig.SVG")
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF-")
    assert b"<svg" in (tmp_path / "fig.SVG").read_bytes()[:2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.SVG", "fig.pdf"]
    with pytest.raises(ValueError, match=r"out must end in an image file type such as \.png"):
        plot_curves(_same_x_data(), out=tmp_path / "fig")
    with pytest.raises(ValueError, match="image file type"):
        plot_curves(_same_x_data(), out=tmp_path / "fig.txt")


def test_bad_new_arguments() -> None:
    data = _same_x_data()
    with pytest.raises(ValueError, match=r"estimator must be one of \['mean', 'iqm'\]"):
        plot_curves(data, estimator="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="smooth must be at least 1"):
        plot_curves(data, smooth=0)
    with pytest.raises(TypeError, match="names must map str to str"):
        plot_curves(data, x="timesteps", names={"timesteps": 3})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="x must be a str"):
        plot_curves(data, x=3)  # type: ignore[arg-type]


def test_huge_smooth_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="smooth must be at most 9223372036854775807"):
        plot_curves(_same_x_data(), smooth=10**30)
    _, ax = plot_curves(_same_x_data(), num_point=3, smooth=2**63 - 1)  # the whole grid
    # The seeds' mean of ID 0 is [1, 3, 4]; a window past the grid averages all points so far.
    np.testing.assert_allclose(_floats(ax.get_lines()[0].get_ydata()), [1.0, 2.0, 8.0 / 3.0])


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("band", ["std", "minmax", "ci95"])
def test_values_near_the_float_limit_give_finite_lines_and_bands(band: str) -> None:
    # Before: the moving average, the mean and the std summed values near 1.8e308 to inf
    # (an overflow warning and a line or band of inf/NaN).
    x = [0.0, 1.0, 2.0]
    data = [
        ConfigCurves(
            ID=0,
            config={},
            seeds=(1, 2, 3),
            curves=[
                (x, [1e308, 1.7e308, -1e308]),
                (x, [1.5e308, 1e308, -1.7e308]),
                (x, [1e308, 1.7e308, 1e308]),
            ],
        )
    ]
    _, ax = plot_curves(data, num_point=3, band=band, smooth=2)  # type: ignore[arg-type]
    # Trailing means of 2 points per seed, in units of 1e300 (exact for statistics):
    # (1.35, 1.25, 1.35)e308 at x = 1 and (0.35, -0.35, 1.35)e308 at x = 2.
    columns = [[1e8, 1.5e8, 1e8], [1.35e8, 1.25e8, 1.35e8], [0.35e8, -0.35e8, 1.35e8]]
    means = [statistics.fmean(column) * 1e300 for column in columns]
    line = ax.get_lines()[0].get_xydata()[:, 1]
    np.testing.assert_allclose(line, means, rtol=1e-12)
    low, high = _band_limits(ax.collections[0])  # type: ignore[arg-type]
    if band == "std":
        stds = [statistics.pstdev(column) * 1e300 for column in columns]
        assert low == pytest.approx(min(m - s for m, s in zip(means, stds, strict=True)))
        assert high == pytest.approx(max(m + s for m, s in zip(means, stds, strict=True)))
    elif band == "minmax":
        assert (low, high) == pytest.approx((-0.35e308, 1.5e308))
    else:
        assert -0.35e308 <= low < high <= 1.5e308


def test_bad_math_in_a_text_is_a_value_error_before_drawing(tmp_path: Path) -> None:
    # Matplotlib would fail deep inside its math parser, and only once the figure is drawn.
    data = _same_x_data()
    for kwargs in (
        {"title": "$\\foo$"},
        {"xlabel": "return $x_{$"},
        {"labels": ["$\\frac{$", "b"]},
        {"y": "cost_$\\nope$"},
    ):
        with pytest.raises(ValueError, match=r"valid matplotlib math between \$ signs"):
            plot_curves(data, **kwargs)  # type: ignore[arg-type]
    _, ax = plot_curves(data, title="$\\alpha$ = 0.5", labels=["$\\gamma$", "price \\$5"])
    assert ax.get_title() == "$\\alpha$ = 0.5"


def test_labels_made_from_configs_are_drawn_as_written(tmp_path: Path) -> None:
    # A configuration value may hold dollar signs: its legend entry is text, not math.
    data = [
        ConfigCurves(ID=i, config={"tag": tag}, seeds=(0,), curves=[([0, 1], [0.0, 1.0])])
        for i, tag in enumerate(["$\\oops$", "$5 and $6"])
    ]
    _, ax = plot_curves(data, out=tmp_path / "curves.png")
    legend = ax.get_legend()
    assert legend is not None
    texts = legend.get_texts()
    assert [t.get_text() for t in texts] == ["tag=$\\oops$", "tag=$5 and $6"]
    assert not any(t.get_parse_math() for t in texts)


def test_out_that_is_a_folder_or_in_a_file_is_a_value_error(tmp_path: Path) -> None:
    (tmp_path / "plot.png").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="out must be a file, got the folder"):
        plot_curves(_same_x_data(), out=tmp_path / "plot.png")
    with pytest.raises(ValueError, match=r"out must be a path in a folder, got .* in a file"):
        plot_curves(_same_x_data(), out=tmp_path / "file" / "plot.png")


def test_num_point_beyond_physical_memory_is_refused_before_allocating() -> None:
    # Before: numpy's MemoryError from inside interp_curves.
    data = [ConfigCurves(ID=0, config={}, seeds=(0,), curves=[([0, 1], [0.0, 1.0])])]
    with pytest.raises(ValueError, match=r"configuration ID 0: num_point must be at most \d+"):
        plot_curves(data, num_point=10**12)
