"""Tests for ``lagom.vis.read_xy``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lagom.transform import smooth_filter
from lagom.utils import pickle_dump, yaml_dump
from lagom.vis import ConfigCurves, read_xy
from tests.vis._sweep import STEPS, curve_value, write_sweep


def _expected(lr: float, seed: int) -> tuple[list[float], list[float]]:
    steps = STEPS[seed]
    return [float(s) for s in steps], [curve_value(lr, seed, i, s) for i, s in enumerate(steps)]


@pytest.mark.parametrize(("kind", "file_name"), [("csv", "progress.csv"), ("pickle", "logs.pkl")])
def test_reads_every_config_and_seed(tmp_path: Path, kind: Any, file_name: str) -> None:
    configs = write_sweep(tmp_path, lrs=(0.1, 0.01, 0.001), seeds=(1, 2, 3), kind=kind)
    (tmp_path / "notes").mkdir()  # entries not named by integers are ignored
    (tmp_path / "0" / "source").mkdir()
    data = read_xy(tmp_path, file_name, "step", "return")
    assert [item.ID for item in data] == [0, 1, 2]
    assert [item.config for item in data] == configs
    for item, config in zip(data, configs, strict=True):
        assert isinstance(item, ConfigCurves)
        assert item.seeds == (1, 2, 3)
        for seed, (x, y) in zip(item.seeds, item.curves, strict=True):
            ex, ey = _expected(config["lr"], seed)
            assert x.dtype == y.dtype == np.float64
            np.testing.assert_array_equal(x, ex)
            np.testing.assert_allclose(y, ey, rtol=1e-15)


def test_pickle_name_without_extension_and_callable_getters(tmp_path: Path) -> None:
    write_sweep(tmp_path, kind="pickle")
    data = read_xy(
        tmp_path,
        "logs",
        get_x=lambda logs: np.asarray(logs["step"]) / 10,
        get_y=lambda logs: [r * 2 for r in logs["return"]],
    )
    ex, ey = _expected(0.01, 2)
    np.testing.assert_allclose(data[1].xs[1], np.array(ex) / 10)
    np.testing.assert_allclose(data[1].ys[1], np.array(ey) * 2)


def test_ids_and_seeds_sorted_as_numbers(tmp_path: Path) -> None:
    for ID in (10, 2):
        for seed in (100, 9):
            folder = tmp_path / str(ID) / str(seed)
            folder.mkdir(parents=True)
            pickle_dump({"x": [1, 2], "y": [ID, seed]}, folder / "log")
        yaml_dump({"ID": ID}, tmp_path / str(ID) / "config", ext=".yml")
    data = read_xy(tmp_path, "log.pkl", "x", "y")
    assert [item.ID for item in data] == [2, 10]
    assert data[0].seeds == (9, 100)
    np.testing.assert_array_equal(data[1].ys[1], [10, 100])


def test_missing_cells_are_dropped(tmp_path: Path) -> None:
    write_sweep(tmp_path, seeds=(1,))
    data = read_xy(tmp_path, "progress.csv", "step", "eval")
    # "eval" was logged on rows 0, 2, 4, ... with the value of the row index.
    steps = STEPS[1]
    np.testing.assert_array_equal(data[0].xs[0], steps[::2])
    np.testing.assert_array_equal(data[0].ys[0], range(0, len(steps), 2))


def test_point_step_keeps_every_kth_point(tmp_path: Path) -> None:
    write_sweep(tmp_path, seeds=(1, 2))
    data = read_xy(tmp_path, "progress.csv", "step", "return", point_step=3)
    for item in data:
        for seed, (x, y) in zip(item.seeds, item.curves, strict=True):
            ex, ey = _expected(item.config["lr"], seed)
            np.testing.assert_array_equal(x, ex[::3])
            np.testing.assert_allclose(y, ey[::3], rtol=1e-15)


def test_smoothing_each_seed_then_point_step(tmp_path: Path) -> None:
    write_sweep(tmp_path, seeds=(1, 2))
    kws: dict[str, Any] = {"window_length": 5, "polyorder": 1}
    data = read_xy(
        tmp_path, "progress.csv", "step", "return", smooth_out=True, smooth_kws=kws, point_step=2
    )
    for item in data:
        for seed, (x, y) in zip(item.seeds, item.curves, strict=True):
            ex, ey = _expected(item.config["lr"], seed)
            np.testing.assert_array_equal(x, ex[::2])
            np.testing.assert_allclose(y, smooth_filter(ey, **kws)[::2], rtol=1e-12)
    # The alternating noise of +-0.5 around a line is smoothed away in the interior.
    ex, ey = _expected(0.1, 1)
    smoothed = read_xy(
        tmp_path,
        "progress.csv",
        "step",
        "return",
        smooth_out=True,
        smooth_kws={"window_length": 3, "polyorder": 1},
    )[0].ys[0]
    line = 0.1 * np.array(ex) + 1
    assert np.abs(smoothed - line)[1:-1].max() < np.abs(np.array(ey) - line)[1:-1].min()


def test_default_smoothing_shrinks_to_short_curves(tmp_path: Path) -> None:
    write_sweep(tmp_path, seeds=(1, 2, 3))  # 10, 7 and 3 points: all shorter than 51
    data = read_xy(tmp_path, "progress.csv", "step", "return", smooth_out=True)
    for seed, window in ((1, 9), (2, 7), (3, 3)):
        _, ey = _expected(0.1, seed)
        expected = smooth_filter(ey, window_length=window, polyorder=min(3, window - 1))
        np.testing.assert_allclose(data[0].ys[seed - 1], expected, rtol=1e-12)


def test_partial_smooth_kws_keep_the_other_defaults(tmp_path: Path) -> None:
    # A window alone failed: "missing 1 required positional argument: 'polyorder'".
    write_sweep(tmp_path, seeds=(1,))
    data = read_xy(
        tmp_path, "progress.csv", "step", "return", smooth_out=True, smooth_kws={"window_length": 5}
    )
    _, ey = _expected(0.1, 1)
    expected = smooth_filter(ey, window_length=5, polyorder=3)
    np.testing.assert_allclose(data[0].ys[0], expected, rtol=1e-12)


def test_smooth_kws_ignored_without_smooth_out(tmp_path: Path) -> None:
    write_sweep(tmp_path, seeds=(1,))
    data = read_xy(tmp_path, "progress.csv", "step", "return", smooth_kws={"window_length": 3})
    np.testing.assert_allclose(data[0].ys[0], _expected(0.1, 1)[1], rtol=1e-15)


def test_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be an existing folder"):
        read_xy(tmp_path / "nope", "progress.csv", "step", "return")
    with pytest.raises(ValueError, match=r"no runs in .*<ID>/<seed>/"):
        read_xy(tmp_path, "progress.csv", "step", "return")
    write_sweep(tmp_path, seeds=(1, 2))
    with pytest.raises(ValueError, match=r"missing log file '.*/0/1/other\.csv'"):
        read_xy(tmp_path, "other.csv", "step", "return")
    with pytest.raises(ValueError, match=r"missing log file '.*/0/1/logs'"):
        read_xy(tmp_path, "logs", "step", "return")
    with pytest.raises(ValueError, match=r"key 'loss' is not in '.*progress\.csv'; its keys"):
        read_xy(tmp_path, "progress.csv", "step", "loss")
    with pytest.raises(ValueError, match="point_step must be at least 1"):
        read_xy(tmp_path, "progress.csv", "step", "return", point_step=0)
    with pytest.raises(TypeError, match="get_y must be a str or a callable, got int"):
        read_xy(tmp_path, "progress.csv", "step", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length, got 10 and 3"):
        read_xy(tmp_path, "progress.csv", "step", lambda logs: [1, 2, 3])
    with pytest.raises(ValueError, match=r"y must be 1-D, got shape \(10, 1\)"):
        read_xy(tmp_path, "progress.csv", "step", lambda logs: np.zeros([10, 1]))
    with pytest.raises(ValueError, match=r"y values in .* must be numbers"):
        read_xy(tmp_path, "progress.csv", "step", lambda logs: ["a"] * 10)
    for wrong in (3, None):  # before: "'int' object is not iterable", naming nothing
        with pytest.raises(TypeError, match=r"get_y must give a list of values for .*progress"):
            read_xy(tmp_path, "progress.csv", "step", lambda logs, wrong=wrong: wrong)
    with pytest.raises(ValueError, match=r"could not smooth y of .*\(10 points\)"):
        read_xy(
            tmp_path,
            "progress.csv",
            "step",
            "return",
            smooth_out=True,
            smooth_kws={"window_length": 11, "polyorder": 1},
        )


def test_broken_runs(tmp_path: Path) -> None:
    write_sweep(tmp_path, seeds=(1,))
    (tmp_path / "0" / "config.yml").unlink()
    with pytest.raises(ValueError, match=r"missing configuration file '.*/0/config\.yml'"):
        read_xy(tmp_path, "progress.csv", "step", "return")
    yaml_dump([1, 2], tmp_path / "0" / "config", ext=".yml")
    with pytest.raises(ValueError, match=r"expected a mapping in .*config\.yml., got list"):
        read_xy(tmp_path, "progress.csv", "step", "return")
    (tmp_path / "5").mkdir()
    yaml_dump({"ID": 5}, tmp_path / "5" / "config", ext=".yml")
    yaml_dump({"ID": 0}, tmp_path / "0" / "config", ext=".yml")
    with pytest.raises(ValueError, match=r"no seed folders .* in '.*/5'"):
        read_xy(tmp_path, "progress.csv", "step", "return")
    (tmp_path / "5" / "1").mkdir()
    (tmp_path / "5" / "1" / "progress.csv").write_text("")
    with pytest.raises(ValueError, match=r"could not read the log '.*/5/1/progress\.csv'"):
        read_xy(tmp_path, "progress.csv", "step", "return")
    (tmp_path / "5" / "1" / "progress.csv").write_text("step,return\n,\n")
    with pytest.raises(ValueError, match="no point with both x and y"):
        read_xy(tmp_path, "progress.csv", "step", "return")
    for ID in ("0", "5"):
        (tmp_path / ID / "1" / "logs.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=r"could not read the log '.*/0/1/logs\.pkl'"):
        read_xy(tmp_path, "logs.pkl", "step", "return")


def test_config_curves_validation() -> None:
    with pytest.raises(ValueError, match="one curve per seed and at least one, got 0 curves"):
        ConfigCurves(ID=0, config={}, seeds=(), curves=[])
    with pytest.raises(ValueError, match="got 1 curves for 2 seeds"):
        ConfigCurves(ID=0, config={}, seeds=(1, 2), curves=[([1], [1])])
    with pytest.raises(ValueError, match=r"curve 0 needs 1-D x and y of the same length"):
        ConfigCurves(ID=0, config={}, seeds=(1,), curves=[([1, 2], [1])])
    with pytest.raises(TypeError, match="seed must be an int"):
        ConfigCurves(ID=0, config={}, seeds=("1",), curves=[([1], [1])])  # type: ignore[arg-type]
    # One seed twice counted its curve twice in the mean and the band.
    with pytest.raises(ValueError, match=r"seeds must be distinct, got \[0\] more than once"):
        ConfigCurves(ID=0, config={}, seeds=(0, 0), curves=[([1], [1]), ([1], [2])])


def test_complex_getter_values_are_refused(tmp_path: Path) -> None:
    write_sweep(tmp_path)
    with pytest.raises(TypeError, match=r"get_x must give real numbers .* complex array"):
        read_xy(tmp_path, "progress.csv", lambda logs: np.array([1 + 5j, 2, 3]), "return")
    with pytest.raises(TypeError, match=r"get_y must give real numbers .* complex value"):
        read_xy(tmp_path, "progress.csv", "step", lambda logs: [np.complex128(1 + 5j), 2, 3])


def test_non_ascii_digit_folders_are_ignored(tmp_path: Path) -> None:
    write_sweep(tmp_path)
    (tmp_path / "\u00b2").mkdir()  # '²'.isdigit() is True, but int('²') fails
    (tmp_path / "0" / "\u0663").mkdir()  # an Arabic-Indic three: int() reads it as 3
    data = read_xy(tmp_path, "progress.csv", "step", "return")
    assert [item.ID for item in data] == [0, 1]
    assert data[0].seeds == (1, 2)


def test_nan_points_are_dropped_as_missing(tmp_path: Path) -> None:
    # Before: a run whose first rows log train_return = NaN (no episode ended yet, as lagom's
    # off-policy runs write it) gave no curve: "y[0] must be finite" from the plot.
    run = tmp_path / "0" / "0"
    run.mkdir(parents=True)
    yaml_dump({"ID": 0}, tmp_path / "0" / "config", ext=".yml")
    (run / "progress.csv").write_text(
        "timesteps,train_return\n100,nan\n200,-1200.5\n300,-1100.0\nnan,-900.0\n"
    )
    (data,) = read_xy(tmp_path, "progress.csv", "timesteps", "train_return")
    np.testing.assert_array_equal(data.xs[0], [200.0, 300.0])
    np.testing.assert_array_equal(data.ys[0], [-1200.5, -1100.0])


@pytest.mark.parametrize(("ids", "seeds"), [(("0", "00"), ("1",)), (("0",), ("1", "01"))])
def test_two_folders_of_one_number_are_refused(
    tmp_path: Path, ids: tuple[str, ...], seeds: tuple[str, ...]
) -> None:
    # "0" and "00" are both ID 0: read silently as two configurations with one ID.
    for ID in ids:
        for seed in seeds:
            (tmp_path / ID / seed).mkdir(parents=True)
            pickle_dump({"x": [1, 2], "y": [3, 4]}, tmp_path / ID / seed / "log")
        yaml_dump({"lr": 0.1}, tmp_path / ID / "config", ext=".yml")
    with pytest.raises(ValueError, match=r"expected one folder per number in .*, got '0?0?1?' and"):
        read_xy(tmp_path, "log.pkl", "x", "y")


def test_a_getter_giving_an_int_too_large_for_a_float_names_it(tmp_path: Path) -> None:
    write_sweep(tmp_path, lrs=(0.1,), seeds=(1,))
    with pytest.raises(ValueError, match=r"x values in .* must be numbers: int too large"):
        read_xy(tmp_path, "progress.csv", lambda logs: [10**400] * len(logs["step"]), "return")
