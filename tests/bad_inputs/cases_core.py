"""Probe cases of the functional core: ``lagom.data``, ``lagom.metric``, ``lagom.transform``."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

import lagom.metric
from lagom import data, transform
from lagom.data import StepType, TimeStep, Trajectory, Transition
from tests.bad_inputs.probe import Fresh, Probe


def _first() -> TimeStep:
    return TimeStep(StepType.FIRST, np.zeros(2))


def _mid() -> TimeStep:
    return TimeStep(StepType.MID, np.ones(2), 1.0, info={"V": 0.5})


def probe_data(probe: Probe) -> None:
    labels = ("None", "str", "neg", "big", "frac", "obj", "bool")
    probe.each("StepType(value={label})", StepType, labels, "StepType")
    probe.sweep(
        "TimeStep",
        TimeStep,
        {
            "step_type": StepType.MID,
            "observation": np.zeros(2),
            "reward": 1.0,
            "terminated": False,
            "truncated": False,
            "info": {"V": 0.5},
        },
        {
            "step_type": ("None", "str", "neg", "big", "frac", "obj"),
            "reward": ("nan", "inf", "-inf", "str", "bool", "complex", "obj", "3d"),
            "terminated": "flag",
            "truncated": "flag",
            "info": "mapping",
        },
    )
    probe.sweep(
        "Transition",
        Transition,
        {
            "observation": np.zeros(2),
            "action": 0,
            "reward": 1.0,
            "next_observation": np.ones(2),
            "terminated": False,
            "truncated": False,
        },
        {"reward": "real", "terminated": "flag", "truncated": "flag"},
    )
    probe.sweep(
        "Trajectory.from_steps",
        Trajectory.from_steps,
        {"timesteps": Fresh(lambda: [_first(), _mid()]), "actions": [0], "last_info": None},
        {
            "timesteps": ("None", "str", "neg", "[None]", "[zero]", "obj"),
            "actions": ("None", "neg", "empty", "obj"),
            "last_info": ("str", "neg", "[zero]", "obj"),
        },
        names={"timesteps": ("step",), "actions": ("action",)},
    )
    one = Trajectory().add(_first(), None)
    probe.sweep(
        "Trajectory.add",
        one.add,
        {"timestep": Fresh(_mid), "action": 0},
        {"timestep": "object", "action": ("None",)},
        names={"timestep": ("step",)},
    )
    probe.sweep(
        "Trajectory.with_last_info",
        one.with_last_info,
        {"last_info": {}},
        {"last_info": ("str", "neg", "[zero]", "obj")},
    )
    probe.sweep(
        "Trajectory.get_infos",
        one.add(_mid(), 0).get_infos,
        {"key": "V"},
        {"key": ("None", "neg", "obj", "empty")},
    )
    labels = ("str", "None", "big", "frac", "obj")
    probe.each("Trajectory[{label}]", one.__getitem__, labels, "index", "step")
    T, N = 3, 2
    probe.sweep(
        "Rollout",
        data.Rollout,
        {
            "observations": np.zeros((T, N, 4)),
            "actions": np.zeros((T, N), dtype=np.int64),
            "rewards": np.ones((T, N)),
            "terminated": np.zeros((T, N), dtype=bool),
            "truncated": np.zeros((T, N), dtype=bool),
            "next_observations": np.ones((T, N, 4)),
            "infos": None,
        },
        {
            "observations": ("None", "str", "empty", "3d", "obj"),
            "actions": ("None", "str", "empty", "3d", "obj"),
            "rewards": "array",
            "terminated": ("None", "str", "empty", "3d", "nanarr", "strarr", "obj"),
            "truncated": ("None", "str", "empty", "3d", "nanarr", "strarr", "obj"),
            "next_observations": ("None", "str", "empty", "3d", "obj"),
            "infos": ("str", "neg", "empty", "[zero]", "obj"),
        },
        names={"infos": ("each info",)},  # "each info must be a mapping"
    )


# ------------------------------------------------------------------------------ metric
_METRIC_SCALARS = {"gamma", "lam", "clip_rho", "clip_pg_rho", "clip_c"}
_METRIC_STEPS = {
    "rewards",
    "Rs",
    "values",
    "Vs",
    "next_values",
    "behavior_logprobs",
    "target_logprobs",
}


def _metric_base(fn: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    shape = (5, 3) if fn.__name__.startswith("batched_") else (5,)
    base: dict[str, Any] = {}
    for name in inspect.signature(fn).parameters:
        if name in _METRIC_SCALARS:
            base[name] = 0.9
        elif name in _METRIC_STEPS:
            base[name] = -rng.random(shape)
        elif name in ("terminated", "truncated"):
            base[name] = rng.random(shape) < 0.2
        elif name == "last_V":
            base[name] = 1.5
        elif name == "reach_terminal":
            base[name] = False
        elif name == "out":  # batched_gae's optional result array
            base[name] = None
    return base


def probe_metric(probe: Probe) -> None:
    for fn_name in lagom.metric.__all__:
        fn = getattr(lagom.metric, fn_name)
        if fn_name == "VTrace":
            continue
        base = _metric_base(fn)
        kinds: dict[str, str | tuple[str, ...]] = {}
        for name in base:
            if name in ("gamma", "lam"):
                kinds[name] = "unit"
            elif name in _METRIC_SCALARS:
                kinds[name] = "pos"
            elif name in _METRIC_STEPS:
                kinds[name] = "array"
            elif name in ("terminated", "truncated"):
                kinds[name] = ("None", "str", "empty", "3d", "nanarr", "cplxarr", "strarr", "obj")
            elif name == "last_V":
                kinds[name] = ("None", "nan", "inf", "str", "complex", "obj", "3d")
            elif name == "out":
                kinds[name] = ("str", "obj", "3d", "emptyarr", "nanarr")
            else:
                kinds[name] = ("None", "str", "obj", "3d", "nanarr")
        probe.sweep(fn_name, fn, base, kinds)


# ------------------------------------------------------------------------------ transform
def probe_transform(probe: Probe) -> None:
    probe.sweep(
        "geometric_cumsum",
        transform.geometric_cumsum,
        {"alpha": 0.5, "x": [1.0, 2.0]},
        {"alpha": "unit", "x": "array"},
    )
    probe.sweep(
        "polyak_update",
        transform.polyak_update,
        {"alpha": 0.5, "average": [1.0, 2.0], "x": [1.0, 2.0]},
        {"alpha": "unit", "average": "array", "x": "array"},
    )
    probe.sweep("PolyakAverage", transform.PolyakAverage, {"alpha": 0.5}, {"alpha": "unit"})

    def polyak_call(x: Any) -> Any:
        average = transform.PolyakAverage(0.5)
        average([1.0, 2.0])
        return average(x)

    probe.sweep("PolyakAverage.__call__", polyak_call, {"x": [1.0, 2.0]}, {"x": "array"})
    probe.sweep(
        "rank_transform",
        transform.rank_transform,
        {"x": [1.0, 2.0, 3.0], "centered": True},
        {"x": "array", "centered": "flag"},
    )
    probe.sweep(
        "explained_variance",
        transform.explained_variance,
        {
            "y_true": [1.0, 2.0, 3.0],
            "y_pred": [1.0, 2.5, 3.0],
            "sample_weight": None,
            "multioutput": "uniform_average",
            "force_finite": True,
        },
        {
            "y_true": "array",
            "y_pred": "array",
            "sample_weight": ("str", "3d", "nanarr", "infarr", "[neg]", "obj"),
            "multioutput": "choice",
            "force_finite": "flag",
        },
    )
    probe.sweep(
        "smooth_filter",
        transform.smooth_filter,
        {
            "x": [1.0, 2.0, 3.0, 4.0, 5.0],
            "window_length": 3,
            "polyorder": 1,
            "deriv": 0,
            "delta": 1.0,
            "axis": -1,
            "mode": "interp",
            "cval": 0.0,
        },
        {
            "x": ("None", "str", "empty", "nanarr", "infarr", "cplxarr", "strarr", "obj"),
            "window_length": "count",
            "polyorder": "size",
            "deriv": "size",
            "delta": "pos",
            "axis": "int",
            "mode": "choice",
            "cval": "real",
        },
        names={"x": ("curve length",)},
    )
    probe.sweep(
        "describe",
        transform.describe,
        {"x": [1.0, 2.0], "axis": -1, "repr_indent": 0, "repr_prefix": None},
        {
            "x": ("str", "nanarr", "infarr", "cplxarr", "strarr", "obj"),
            "axis": "int",
            "repr_indent": "size",
            "repr_prefix": ("neg", "obj"),
        },
    )
    probe.sweep(
        "Describe",
        transform.Describe,
        {
            "count": 2,
            "mean": 1.0,
            "std": 1.0,
            "min": 0.0,
            "max": 2.0,
            "repr_indent": 0,
            "repr_prefix": None,
        },
        {
            "count": "size",
            "mean": "real",
            "std": "nonneg",
            "min": "real",
            "max": "real",
            "repr_indent": "size",
            "repr_prefix": ("neg", "obj"),
        },
    )
    probe.sweep(
        "interp_curves",
        transform.interp_curves,
        {"x": [[1.0, 2.0]], "y": [[1.0, 2.0]], "num_point": 3},
        {
            "x": (
                "None",
                "str",
                "empty",
                "3d",
                "nanarr",
                "infarr",
                "cplxarr",
                "strarr",
                "obj",
                "[None]",
            ),
            "y": (
                "None",
                "str",
                "empty",
                "3d",
                "nanarr",
                "infarr",
                "cplxarr",
                "strarr",
                "obj",
                "[None]",
            ),
            "num_point": "count",
        },
    )
    probe.sweep(
        "LinearSchedule",
        transform.LinearSchedule,
        {"initial": 1.0, "final": 0.0, "N": 3, "start": 0},
        {"initial": "real", "final": "real", "N": "count", "start": "size"},
    )
    probe.sweep(
        "LinearSchedule.__call__",
        transform.LinearSchedule(1.0, 0.0, 3),
        {"x": 1},
        {"x": ("None", "nan", "inf", "str", "bool", "frac", "obj")},
    )
    probe.sweep(
        "update_moments",
        transform.update_moments,
        {"state": transform.Moments.initial(()), "batch": [1.0, 2.0]},
        {
            "state": "object",
            "batch": ("None", "str", "3d", "nanarr", "infarr", "cplxarr", "strarr", "obj"),
        },
    )
    probe.sweep(
        "Moments",
        transform.Moments,
        {"mean": 0.0, "var": 1.0, "n": 1.0},
        {"mean": "real", "var": "nonneg", "n": "pos"},
    )
    probe.sweep(
        "Moments.initial",
        transform.Moments.initial,
        {"shape": (), "n": 1e-4},
        {"shape": ("None", "str", "neg", "[neg]", "[frac]", "obj"), "n": "pos"},
    )
    probe.sweep(
        "RunningMeanVar",
        transform.RunningMeanVar,
        {"shape": ()},
        {"shape": ("None", "str", "neg", "[neg]", "[frac]", "obj")},
    )

    def running_call(x: Any) -> Any:
        running = transform.RunningMeanVar(())
        running(x)
        return running.mean

    probe.sweep(
        "RunningMeanVar.__call__",
        running_call,
        {"x": [1.0, 2.0]},
        {"x": ("None", "str", "3d", "nanarr", "infarr", "cplxarr", "strarr", "obj")},
        names={"x": ("batch",)},  # the docstring's name for x
    )
    probe.sweep(
        "SegmentTree",
        transform.SegmentTree,
        {"capacity": 4, "operation": np.add, "identity_element": 0.0},
        {
            "capacity": "count",
            "operation": "callable",
            "identity_element": ("None", "nan", "str", "bool", "complex", "obj"),
        },
    )
    probe.sweep("SumTree", transform.SumTree, {"capacity": 4}, {"capacity": "count"})
    probe.sweep("MinTree", transform.MinTree, {"capacity": 4}, {"capacity": "count"})

    def tree_set(index: Any, value: Any) -> Any:
        tree = transform.SumTree(4)
        tree[index] = value
        return tree.sum()

    probe.sweep(
        "SumTree.__setitem__",
        tree_set,
        {"index": 0, "value": 1.0},
        {
            "index": ("None", "str", "bool", "frac", "big", "obj", "3d"),
            "value": ("None", "nan", "inf", "str", "neg", "complex", "obj", "3d"),
        },
        names={"index": ("indices", "an index"), "value": ("values",)},
    )
    probe.sweep(
        "SumTree.__getitem__",
        lambda index: transform.SumTree(4)[index],
        {"index": 0},
        {"index": ("None", "str", "bool", "frac", "big", "obj", "3d")},
        names={"index": ("indices", "an index")},
    )

    def prefix(prefixsum: Any) -> Any:
        tree = transform.SumTree(4)
        tree[0] = 1.0
        return tree.find_prefixsum_index(prefixsum)

    probe.sweep(
        "SumTree.find_prefixsum_index",
        prefix,
        {"prefixsum": 0.5},
        {
            "prefixsum": (
                "None",
                "nan",
                "inf",
                "str",
                "bool",
                "neg",
                "complex",
                "obj",
                "strarr",
                "nanarr",
            )
        },
    )
    probe.sweep(
        "SumTree.sum",
        lambda start, end: transform.SumTree(4).sum(start, end),
        {"start": 0, "end": None},
        {
            "start": ("None", "str", "bool", "frac", "big", "obj"),
            "end": ("str", "bool", "frac", "big", "obj"),
        },
    )
    probe.sweep(
        "MinTree.min",
        lambda start, end: transform.MinTree(4).min(start, end),
        {"start": 0, "end": None},
        {
            "start": ("None", "str", "bool", "frac", "big", "obj"),
            "end": ("str", "bool", "frac", "big", "obj"),
        },
    )
