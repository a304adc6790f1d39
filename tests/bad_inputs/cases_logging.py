"""Probe cases of the logger's sinks and progress displays and of the plot statistics and
labels (issue 16)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from lagom.logger import (
    JsonlSink,
    Logger,
    Progress,
    SweepProgress,
    TensorBoardSink,
    last_row,
    last_step,
    rebuild_sinks,
    row_step,
)
from lagom.vis import (
    ConfigCurves,
    axis_label,
    bootstrap_ci,
    config_labels,
    interquartile_mean,
    plot_curves,
)
from tests.bad_inputs.probe import Fresh, Probe


def probe_logging(probe: Probe) -> None:
    here = Path(os.getcwd())
    (here / "sinks.csv").write_text("timesteps,loss\n1,0.5\n")
    probe.sweep(
        "Logger(sinks)",
        lambda **kwargs: Logger(**kwargs),
        {"sinks": [], "step_key": "timesteps", "rebuild": True},
        {"sinks": ("None", "str", "neg", "[zero]", "obj"), "step_key": "text", "rebuild": "flag"},
    )
    probe.sweep("JsonlSink", JsonlSink, {"path": here / "a.jsonl"}, {"path": "path"})
    probe.sweep("TensorBoardSink", TensorBoardSink, {"logdir": here / "tb"}, {"logdir": "path"})
    probe.sweep(
        "rebuild_sinks",
        rebuild_sinks,
        {"csv_path": here / "sinks.csv", "sinks": [], "step_key": "timesteps"},
        {"csv_path": "path", "sinks": ("None", "str", "neg", "[zero]", "obj"), "step_key": "text"},
    )
    probe.sweep(
        "row_step",
        row_step,
        {"row": {"timesteps": 1}, "index": 0, "step_key": "timesteps"},
        {"row": ("None", "str", "neg", "obj"), "index": "size", "step_key": "text"},
    )
    probe.sweep(
        "Progress",
        lambda **kwargs: Progress(**kwargs),
        {"total_steps": 10, "stream": io.StringIO(), "quiet": False, "return_key": "r"},
        {
            "total_steps": "count",
            "stream": ("neg", "str", "obj"),
            "quiet": "flag",
            "return_key": "text",
        },
    )
    probe.sweep(
        "SweepProgress",
        lambda **kwargs: SweepProgress(**kwargs),
        {"total_jobs": 2, "total_steps": 10, "stream": io.StringIO(), "quiet": False},
        {"total_jobs": "count", "total_steps": ("nan", "str", "bool", "neg", "zero", "obj")},
    )
    probe.sweep(
        "SweepProgress.update",
        lambda steps: SweepProgress(2, stream=io.StringIO()).update("job", steps),
        {"steps": 1},
        {"steps": "size"},
    )
    probe.sweep("last_row", last_row, {"csv_path": here / "sinks.csv"}, {"csv_path": "path"})
    probe.sweep(
        "last_step",
        last_step,
        {"csv_path": here / "sinks.csv", "step_key": "timesteps"},
        {"csv_path": "path", "step_key": "text"},
    )


def probe_plot_stats(probe: Probe) -> None:
    curves = Fresh(
        lambda: [ConfigCurves(ID=0, config={}, seeds=(0, 1), curves=[([0, 1], [0, 1])] * 2)]
    )
    probe.sweep("interquartile_mean", interquartile_mean, {"ys": [[1.0], [2.0]]}, {"ys": "array"})
    probe.sweep(
        "bootstrap_ci",
        bootstrap_ci,
        {"ys": [[1.0], [2.0]], "estimator": "mean", "confidence": 0.95, "n_boot": 10, "seed": 0},
        {
            "ys": ("None", "str", "empty", "3d", "cplxarr", "strarr", "obj"),
            "estimator": "choice",
            "confidence": (*("None", "nan", "str", "bool", "obj"), "neg", "zero", "1.5"),
            "n_boot": (*("None", "nan", "str", "bool", "neg", "zero", "frac", "obj"), "big"),
            "seed": "seed",
        },
    )
    probe.sweep(
        "axis_label",
        axis_label,
        {"key": "timesteps", "names": None},
        {"key": ("None", "neg", "obj"), "names": ("str", "neg", "[zero]", "obj")},
    )
    probe.sweep(
        "config_labels",
        config_labels,
        {"configs": [{"lr": 0.1}], "ids": [0]},
        {
            "configs": ("None", "str", "neg", "[zero]", "obj"),
            "ids": ("None", "str", "[neg]", "obj"),
        },
    )

    def plot(**kwargs: Any) -> None:
        plot_curves(curves.make(), **kwargs)

    probe.sweep(
        "plot_curves(new)",
        plot,
        {
            "estimator": "mean",
            "smooth": 1,
            "x": "timesteps",
            "names": None,
            "n_boot": 10,
            "seed": 0,
            "grid": True,
            "band": "ci95",
        },
        {
            "estimator": "choice",
            "smooth": "count",
            "x": ("neg", "obj"),
            "names": ("str", "neg", "[zero]", "obj"),
            "n_boot": (*("None", "nan", "str", "bool", "neg", "zero", "frac", "obj"), "big"),
            "seed": "seed",
            "grid": "flag",
        },
    )
