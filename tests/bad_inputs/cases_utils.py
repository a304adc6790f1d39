"""Probe cases of ``lagom.utils``, ``lagom.logger``, ``lagom.engine`` and ``lagom.es``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import numpy as np

from lagom import es, utils
from lagom.engine import BaseEngine
from lagom.logger import Logger
from tests.bad_inputs.probe import Fresh, Probe


class _Worker(utils.ProcessWorker):
    def work(self, task_id: int, task: Any) -> Any:
        return task


class _Master(utils.ProcessMaster):
    def make_tasks(self) -> list[Any]:
        return []


def probe_utils(probe: Probe) -> None:
    here = Path(os.getcwd())
    probe.sweep("Seeder", utils.Seeder, {"init_seed": 0}, {"init_seed": "seed"})
    probe.sweep(
        "Seeder.__call__",
        utils.Seeder(0),
        {"size": 2},
        {"size": ("None", "nan", "str", "bool", "neg", "frac", "obj", "[neg]", "[frac]")},
    )
    probe.sweep("set_global_seeds", utils.set_global_seeds, {"seed": 0}, {"seed": "seed"})
    probe.sweep(
        "numpify",
        utils.numpify,
        {"x": [1.0], "dtype": np.float32},
        {"x": ("None", "str", "cplxarr", "strarr", "obj"), "dtype": ("None", "str", "neg", "obj")},
    )
    probe.sweep(
        "tensorify",
        utils.tensorify,
        {"x": [1.0], "device": "cpu"},
        {"x": ("None", "str", "cplxarr", "strarr", "obj"), "device": ("None", "neg", "str", "obj")},
    )
    probe.sweep(
        "IntervalConditioner",
        utils.IntervalConditioner,
        {"interval": 2, "mode": "accumulative"},
        {"interval": "pos", "mode": "choice"},
    )
    probe.sweep(
        "NConditioner",
        utils.NConditioner,
        {"max_n": 10, "num_conditions": 2, "mode": "accumulative"},
        {"max_n": "pos", "num_conditions": "count", "mode": "choice"},
    )
    probe.sweep(
        "IntervalConditioner.__call__",
        utils.IntervalConditioner(2),
        {"n": 1},
        {"n": ("None", "nan", "inf", "str", "bool", "neg", "obj")},
    )
    probe.sweep(
        "color_str",
        utils.color_str,
        {"string": "a", "color": "red", "bold": False},
        {"string": "text", "color": "choice", "bold": "flag"},
    )
    probe.sweep(
        "timed",
        lambda color, bold: utils.timed(color, bold).__enter__(),
        {"color": "red", "bold": False},
        {"color": "choice", "bold": "flag"},
    )
    probe.sweep(
        "timeit",
        lambda color, bold: utils.timeit(color=color, bold=bold),
        {"color": "red", "bold": False},
        {"color": "choice", "bold": "flag"},
    )
    probe.sweep(
        "timeit(_func)",
        utils.timeit,
        {"_func": len},
        {"_func": ("neg", "str", "obj")},
        names={"_func": ("timeit",)},
    )

    def ask(msg: Any) -> bool:
        with mock.patch("builtins.input", return_value="y"):
            return utils.ask_yes_or_no(msg)

    probe.sweep("ask_yes_or_no", ask, {"msg": "ok?"}, {"msg": "text"})
    probe.sweep(
        "atomic_write",
        lambda path, data, fsync: utils.atomic_write(path, data, fsync=fsync),
        {"path": here / "aw.txt", "data": b"x", "fsync": False},
        {"path": "path", "data": ("None", "neg", "str", "obj"), "fsync": "flag"},
    )
    probe.sweep(
        "yaml_dump",
        utils.yaml_dump,
        {"obj": {"a": 1}, "f": here / "y", "ext": ".yaml"},
        {"obj": ("obj",), "f": "path", "ext": "text"},
    )
    probe.sweep("yaml_load", utils.yaml_load, {"f": here / "y.yaml"}, {"f": "path"})
    probe.sweep(
        "pickle_dump",
        utils.pickle_dump,
        {"obj": {"a": 1}, "f": here / "p", "ext": ".pkl"},
        {"f": "path", "ext": "text"},
    )
    probe.sweep("pickle_load", utils.pickle_load, {"f": here / "p.pkl"}, {"f": "path"})
    probe.sweep(
        "folder_lock",
        lambda folder: utils.folder_lock(folder).__enter__(),
        {"folder": Fresh(lambda: here / f"lock{len(os.listdir(here))}")},
        {"folder": "path"},
    )
    probe.sweep(
        "ProcessMaster",
        _Master,
        {"worker_class": _Worker, "num_worker": 1},
        {"worker_class": ("None", "neg", "str", "obj"), "num_worker": "count"},
    )
    probe.sweep(
        "CloudpickleWrapper.__call__",
        lambda x: utils.CloudpickleWrapper(x)(),
        {"x": lambda: 1},
        {"x": ("None", "neg", "obj")},
        names={"x": ("wrapped",)},  # the message names the wrapped object, x
    )


class _Engine(BaseEngine):
    def train(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
        return {}

    def eval(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
        return {}


def probe_logger(probe: Probe) -> None:
    here = Path(os.getcwd())
    probe.sweep(
        "Logger",
        Logger,
        {"csv_path": None, "fsync": False},
        {"csv_path": ("neg", "obj"), "fsync": "flag"},
    )

    def log(key: Any, value: Any) -> None:
        Logger()(key, value)

    probe.sweep("Logger.__call__", log, {"key": "a", "value": 1.0}, {"key": "text"})

    def csv_log(value: Any) -> None:
        logger = Logger(csv_path=here / f"log{len(os.listdir(here))}.csv")
        logger("a", value)
        logger.write_row()

    probe.sweep(
        "Logger.__call__(csv)",
        csv_log,
        {"value": 1.0},
        {"value": ("empty", "3d", "obj")},
        names={"value": ("scalar",)},
    )

    def dump(keys: Any, index: Any, indent: Any, border: Any) -> None:
        logger = Logger()
        logger("a", 1)
        logger("a", 2)
        logger.dump(keys=keys, index=index, indent=indent, border=border)

    probe.sweep(
        "Logger.dump",
        dump,
        {"keys": None, "index": None, "indent": 0, "border": ""},
        {
            "keys": ("str", "neg", "[str]", "[neg]", "obj"),
            "index": ("str", "big", "frac", "bool", "[str]", "obj"),
            "indent": "size",
            "border": ("neg", "obj"),
        },
    )
    logger = Logger()
    logger("a", 1)
    logger.save(here / "logs.pkl")
    probe.sweep("Logger.save", Logger().save, {"f": here / "logs2.pkl"}, {"f": "path"})
    probe.sweep(
        "Logger.load",
        Logger.load,
        {"f": here / "logs.pkl"},
        {"f": ("None", "neg", "obj")},
    )
    probe.sweep("BaseEngine", _Engine, {"config": {}}, {"config": ("None", "str", "neg", "obj")})


def probe_es(probe: Probe) -> None:
    opts = {"popsize": 4, "seed": 0}
    for name, cls, init in (
        ("CEM", es.CEM, es.cem_init),
        ("OpenAIES", es.OpenAIES, es.openaies_init),
    ):
        for label, make in (("", cls), ("_init", init)):
            fn = f"{name}{label}" if label == "" else f"{name.lower()}_init"
            probe.sweep(
                fn,
                make,
                {"x0": [0.0, 0.0], "sigma0": 0.5, "opts": opts},
                {
                    "x0": "array",
                    "sigma0": (
                        "None",
                        "nan",
                        "inf",
                        "str",
                        "bool",
                        "neg",
                        "zero",
                        "obj",
                        "3d",
                        "empty",
                    ),
                    "opts": ("str", "neg", "[zero]", "obj"),
                },
            )
    probe.sweep(
        "CMAES",
        es.CMAES,
        {"x0": [0.0, 0.0], "sigma0": 0.5, "opts": {"popsize": 4, "seed": 1}},
        {
            "x0": "array",
            "sigma0": ("None", "nan", "inf", "str", "bool", "neg", "zero", "obj", "3d", "empty"),
            "opts": ("str", "neg", "[zero]", "obj"),
        },
    )
    for name, cls, keys in (
        (
            "CEM",
            es.CEM,
            {
                "popsize": "count",
                "seed": "seed",
                "elite_ratio": ("None", "nan", "inf", "str", "bool", "neg", "zero", "1.5", "obj"),
                "noise_scheduler_args": ("str", "neg", "empty", "[neg]", "obj"),
            },
        ),
        (
            "OpenAIES",
            es.OpenAIES,
            {
                "popsize": "count",
                "seed": "seed",
                "lr": "nonneg",
                "lr_decay": "unit",
                "min_lr": "nonneg",
                "sigma_decay": "unit",
                "min_sigma": "nonneg",
                "antithetic": "flag",
                "rank_transform": "flag",
                "sigma_scheduler_args": ("str", "neg", "empty", "[neg]", "obj"),
            },
        ),
        (
            "CMAES",
            es.CMAES,
            {"popsize": "count", "seed": ("nan", "str", "bool", "neg", "big", "frac", "obj")},
        ),
    ):

        def make_es(cls: Any = cls, **opt: Any) -> Any:
            return cls([0.0, 0.0], 0.5, {"popsize": 4, "seed": 1, **opt})

        probe.sweep(f"{name}(opts)", make_es, {}, keys)

    for name in ("CEM", "OpenAIES", "CMAES"):
        cls = getattr(es, name)

        def tell(solutions: Any, function_values: Any, cls: Any = cls) -> Any:
            strategy = cls([0.0, 0.0], 0.5, {"popsize": 4, "seed": 1})
            asked = strategy.ask()
            strategy.tell(
                asked if isinstance(solutions, str) and solutions == "ASKED" else solutions,
                function_values,
            )
            return strategy.result

        probe.sweep(
            f"{name}.tell",
            tell,
            {"solutions": "ASKED", "function_values": [1.0, 2.0, 3.0, 4.0]},
            {
                "solutions": ("None", "neg", "empty", "3d", "nanarr", "cplxarr", "strarr", "obj"),
                "function_values": (
                    "None",
                    "str",
                    "neg",
                    "empty",
                    "3d",
                    "nanarr",
                    "cplxarr",
                    "strarr",
                    "obj",
                ),
            },
        )
    probe.sweep(
        "cem_ask", es.cem_ask, {"state": es.cem_init([0.0], 1.0, opts)}, {"state": "object"}
    )
    probe.sweep(
        "openaies_ask",
        es.openaies_ask,
        {"state": es.openaies_init([0.0], 1.0, opts)},
        {"state": "object"},
    )
    for name, init, ask, tell_fn in (
        ("cem_tell", es.cem_init, es.cem_ask, es.cem_tell),
        ("openaies_tell", es.openaies_init, es.openaies_ask, es.openaies_tell),
    ):
        solutions, state = ask(init([0.0, 0.0], 1.0, opts))
        probe.sweep(
            name,
            tell_fn,
            {"state": state, "solutions": solutions, "function_values": [1.0, 2.0, 3.0, 4.0]},
            {
                "state": "object",
                "solutions": ("None", "neg", "empty", "3d", "nanarr", "strarr", "obj"),
                "function_values": ("None", "str", "empty", "3d", "nanarr", "strarr", "obj"),
            },
        )
    probe.sweep(
        "evaluate_population",
        es.evaluate_population,
        {
            "fn": lambda x: float(np.sum(x)),
            "solutions": np.zeros((3, 2)),
            "executor": None,
            "chunksize": 1,
        },
        {
            "fn": "callable",
            "solutions": ("None", "str", "neg", "obj"),
            "executor": ("str", "neg", "obj"),
            "chunksize": "count",
        },
    )
    probe.sweep(
        "PopulationEvaluator",
        lambda fn, max_workers, initializer, initargs, chunksize, mp_context, max_restarts: (
            es.PopulationEvaluator(
                fn,
                max_workers,
                initializer,
                initargs,
                chunksize=chunksize,
                mp_context=mp_context,
                max_restarts=max_restarts,
            )
        ),
        {
            "fn": lambda x: 0.0,
            "max_workers": 1,
            "initializer": None,
            "initargs": (),
            "chunksize": 1,
            "mp_context": None,
            "max_restarts": 1,
        },
        {
            "fn": "callable",
            "max_workers": ("nan", "str", "bool", "neg", "frac", "obj"),
            "initializer": ("neg", "str", "obj"),
            "initargs": ("neg", "str", "obj"),
            "chunksize": "count",
            "mp_context": ("neg", "str", "obj"),
            "max_restarts": "size",
        },
    )
    probe.sweep(
        "PopulationEvaluator(executor)",
        lambda executor: es.PopulationEvaluator(lambda x: 0.0, executor=executor),
        {"executor": None},
        {"executor": ("neg", "str", "obj")},
    )
    probe.sweep(
        "ESResult",
        es.ESResult,
        {
            "xbest": None,
            "fbest": float("inf"),
            "evals_best": None,
            "evaluations": 0,
            "iterations": 0,
            "xfavorite": np.zeros(2),
            "stds": np.ones(2),
        },
        {
            "xbest": ("str", "3d", "strarr", "obj"),
            "fbest": ("None", "nan", "inf", "str", "bool", "obj"),
            "evals_best": ("nan", "str", "bool", "neg", "obj"),
            "evaluations": "size",
            "iterations": "size",
            "xfavorite": "array",
            "stds": "array",
        },
    )
    cem = es.cem_init([0.0, 0.0], 1.0, opts)
    probe.sweep(
        "CEMOptions",
        es.CEMOptions,
        {"popsize": 4, "elite_ratio": 0.5, "noise_schedule": None, "seed": 0},
        {
            "popsize": "count",
            "elite_ratio": ("None", "nan", "inf", "str", "bool", "neg", "zero", "1.5", "obj"),
            "noise_schedule": ("str", "neg", "obj"),
            "seed": "seed",
        },
    )
    probe.sweep(
        "CEMState",
        es.CEMState,
        {"options": cem.options, "mean": np.zeros(2), "stds": np.ones(2)},
        {"options": "object", "mean": "array", "stds": "array"},
    )
    oes = es.openaies_init([0.0, 0.0], 1.0, opts)
    probe.sweep(
        "OpenAIESOptions",
        es.OpenAIESOptions,
        attrs.asdict(oes.options, recurse=False),
        {
            "popsize": "count",
            "lr": "nonneg",
            "lr_decay": "unit",
            "min_lr": "nonneg",
            "sigma_schedule": ("str", "neg", "obj"),
            "sigma_decay": "unit",
            "min_sigma": "nonneg",
            "antithetic": "flag",
            "rank_transform": "flag",
            "weight_decay": "nonneg",
            "seed": "seed",
        },
    )
    probe.sweep(
        "OpenAIESState",
        es.OpenAIESState,
        {
            "options": oes.options,
            "sigma0": oes.sigma0,
            "mean": oes.mean,
            "sigma": oes.sigma,
            "adam_m": oes.adam_m,
            "adam_v": oes.adam_v,
        },
        {
            "options": "object",
            "sigma0": "array",
            "mean": "array",
            "sigma": "array",
            "adam_m": "array",
            "adam_v": "array",
        },
    )
