"""Probe cases of ``lagom.envs``, ``lagom.agent``, ``lagom.runner``, ``lagom.experiment``
and ``lagom.vis``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import matplotlib
import numpy as np

from lagom import envs, experiment, runner
from lagom.agent import BaseAgent, RandomAgent
from lagom.data import StepType, TimeStep
from lagom.vis import ConfigCurves, GridImage, ImageViewer, plot_curves, read_xy, set_ticker
from tests.bad_inputs.probe import VALUES, Fresh, Probe

matplotlib.use("Agg")


def _cartpole() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1")


def _vec() -> envs.VecEnv:
    return envs.make_vec_env(_cartpole, 2, 0)


def _goal_cartpole() -> gym.Env[Any, Any]:
    box = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    space = gym.spaces.Dict({"goal": box, "observation": box})
    return gym.wrappers.TransformObservation(
        _cartpole(), lambda x: {"goal": np.zeros(4, np.float32), "observation": x}, space
    )


def _dict_vec() -> envs.VecEnv:
    return envs.make_vec_env(_goal_cartpole, 2, 0)


class _Frames(gym.Env[np.ndarray, int]):
    """A one-step environment that renders black 4x4 frames (no pygame needed)."""

    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012 - gymnasium's class attribute
    render_mode = "rgb_array"
    observation_space = gym.spaces.Box(0.0, 1.0, (1,))
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action: int) -> Any:
        return np.zeros(1, np.float32), 0.0, True, False, {}

    def render(self) -> Any:
        return np.zeros((4, 4, 3), np.uint8)


def _rendering() -> envs.VecEnv:
    env = envs.make_vec_env(_Frames, 2, 0)
    env.reset()
    return env


def probe_envs(probe: Probe) -> None:
    probe.sweep(
        "make_vec_env",
        envs.make_vec_env,
        {"make_env": _cartpole, "num_env": 2, "init_seed": 0, "mode": "sync"},
        {"make_env": "callable", "num_env": "count", "init_seed": "seed", "mode": "choice"},
    )
    probe.sweep(
        "make_native_vec_env",
        envs.make_native_vec_env,
        {"env_id": "CartPole-v1", "num_env": 2, "init_seed": 0},
        {"env_id": "choice", "num_env": "count", "init_seed": "seed"},
    )
    probe.sweep(
        "VecEnv",
        envs.VecEnv,
        {"list_make_env": [_cartpole, _cartpole], "mode": "sync", "seeds": None},
        {
            "list_make_env": ("None", "str", "neg", "empty", "[zero]", "obj"),
            "mode": "choice",
            "seeds": ("nan", "str", "bool", "neg", "big", "frac", "obj", "[neg]", "[str]"),
        },
        names={"list_make_env": ("sub-environment",)},
    )

    def reset(seed: Any, options: Any) -> Any:
        env = _vec()
        return env.reset(seed=seed, options=options)

    probe.sweep(
        "VecEnv.reset",
        reset,
        {"seed": 0, "options": None},
        {
            "seed": ("nan", "str", "bool", "neg", "big", "frac", "obj", "[neg]", "empty"),
            "options": ("str", "neg", "obj"),
        },
    )

    def step(actions: Any) -> Any:
        env = _vec()
        env.reset(seed=0)
        return env.step(actions)

    probe.sweep(
        "VecEnv.step",
        step,
        {"actions": np.array([0, 1])},
        {"actions": ("None", "str", "neg", "empty", "3d", "nanarr", "strarr", "obj", "[zero]")},
        names={"actions": ("action",)},  # "sub-environment 0 refused the action ..."
    )
    probe.sweep(
        "VecEnv.call",
        lambda name: _vec().call(name),
        {"name": "reset"},
        {"name": ("None", "neg", "str", "obj")},
    )
    probe.sweep(
        "VecEnv.get_attr",
        lambda name: _vec().get_attr(name),
        {"name": "spec"},
        {"name": ("None", "neg", "str", "obj")},
    )
    probe.sweep(
        "VecEnv.set_attr",
        lambda name, values: _vec().set_attr(name, values),
        {"name": "x", "values": 1},
        {"name": ("None", "neg", "obj"), "values": ("empty", "[zero]")},
    )
    probe.sweep(
        "VecEnv.render",
        lambda mode: _rendering().render(mode),
        {"mode": "rgb_array"},
        {"mode": ("None", "neg", "str", "obj")},
    )
    for name, wrapper, make, extra in (
        (
            "NormalizeReward",
            envs.NormalizeReward,
            _cartpole,
            {"clip": 10.0, "gamma": 0.99, "constant_var": None},
        ),
        (
            "VecNormalizeReward",
            envs.VecNormalizeReward,
            _vec,
            {"clip": 10.0, "gamma": 0.99, "constant_var": None},
        ),
        (
            "NormalizeObservation",
            envs.NormalizeObservation,
            _cartpole,
            {"clip": 5.0, "constant_moments": None},
        ),
        (
            "VecNormalizeObservation",
            envs.VecNormalizeObservation,
            _vec,
            {"clip": 5.0, "constant_moments": None},
        ),
        ("RecordEpisodeStatistics", envs.RecordEpisodeStatistics, _cartpole, {"deque_size": 10}),
        ("VecRecordEpisodeStatistics", envs.VecRecordEpisodeStatistics, _vec, {"deque_size": 10}),
        ("TimeStepEnv", envs.TimeStepEnv, _cartpole, {}),
        (
            "VecNormalizeDictObservation",
            envs.VecNormalizeDictObservation,
            _dict_vec,
            {"clip": 5.0, "constant_moments": None},
        ),
        ("VecEnvWrapper", envs.VecEnvWrapper, _vec, {}),
    ):
        kinds: dict[str, Any] = {"env": "object"}
        for arg in extra:
            kinds[arg] = {
                "clip": "pos",
                "gamma": "unit",
                "constant_var": ("nan", "inf", "str", "bool", "neg", "zero", "obj"),
                "constant_moments": ("str", "neg", "empty", "[zero]", "obj"),
                "deque_size": "count",
            }[arg]
        probe.sweep(
            name, wrapper, {"env": Fresh(make), **extra}, kinds, names={"env": ("wraps a",)}
        )
    for label in ("None", "nan", "inf", "str", "neg", "3d", "obj", "emptyarr"):
        for position in (0, 1):

            def moments(position: int = position, bad: Any = VALUES[label]) -> Any:
                pair = [np.zeros(4), np.ones(4)]
                pair[position] = bad()
                return envs.NormalizeObservation(_cartpole(), constant_moments=tuple(pair))

            probe.case(
                f"NormalizeObservation(constant_moments[{position}]={label})",
                moments,
                "constant_moments",
                "mean",
                "var",
            )

    def wrapped_step(make: Any, action: Any) -> Any:
        env = make()
        env.reset(seed=0)
        return env.step(action)

    for name, make in (
        ("NormalizeReward.step", lambda: envs.NormalizeReward(_cartpole())),
        ("NormalizeObservation.step", lambda: envs.NormalizeObservation(_cartpole())),
        ("RecordEpisodeStatistics.step", lambda: envs.RecordEpisodeStatistics(_cartpole())),
        ("TimeStepEnv.step", lambda: envs.TimeStepEnv(_cartpole())),
    ):
        probe.sweep(
            name,
            lambda action, make=make: wrapped_step(make, action),
            {"action": 0},
            {"action": ("None", "str", "neg", "3d", "obj")},
        )
    probe.sweep(
        "TimeStepEnv.reset",
        lambda seed: envs.TimeStepEnv(_cartpole()).reset(seed=seed),
        {"seed": 0},
        {"seed": ("nan", "str", "bool", "neg", "big", "frac", "obj")},
    )
    probe.sweep(
        "NormalizeObservation.observation",
        envs.NormalizeObservation(_cartpole()).observation,
        {"observation": np.zeros(4)},
        {"observation": ("None", "str", "empty", "3d", "nanarr", "cplxarr", "strarr", "obj")},
    )
    probe.sweep(
        "env_state",
        envs.env_state,
        {"env": Fresh(_cartpole)},
        {"env": ("None", "str", "neg", "obj")},
    )

    def restore(env: Any, state: Any) -> None:
        envs.restore_env_state(env, state)

    cartpole = _cartpole()
    cartpole.reset(seed=0)
    probe.sweep(
        "restore_env_state",
        restore,
        {"env": Fresh(_cartpole), "state": envs.env_state(cartpole)},
        {"env": ("None", "str", "neg", "obj"), "state": ("None", "str", "neg", "empty", "obj")},
    )


class _Agent(BaseAgent):
    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        return {"raw_action": 0}

    def learn(self, D: Any, **kwargs: Any) -> dict[str, Any]:
        return {}


class _BadAgent:
    """An agent whose output is given."""

    def __init__(self, output: Any) -> None:
        self.output = output

    def choose_action(self, x: Any, **kwargs: Any) -> Any:
        return self.output


def probe_agent_runner(probe: Probe) -> None:
    probe.sweep(
        "BaseAgent",
        _Agent,
        {"config": {}, "env": None, "device": "cpu"},
        {"config": ("None", "str", "neg", "obj"), "device": "device"},
    )
    probe.sweep(
        "RandomAgent",
        RandomAgent,
        {"config": {}, "env": Fresh(_cartpole), "device": None},
        {"config": ("None", "str", "neg", "obj"), "env": "object", "device": "device"},
    )
    single_agent = Fresh(lambda: RandomAgent({}, _cartpole(), None))
    for name, run, size in (
        ("EpisodeRunner", runner.EpisodeRunner(), "N"),
        ("StepRunner", runner.StepRunner(), "T"),
    ):
        probe.sweep(
            f"{name}.__call__",
            lambda run=run, **kwargs: run(kwargs.pop("agent"), kwargs.pop("env"), **kwargs),
            {
                "agent": single_agent,
                "env": Fresh(lambda: gym.make("CartPole-v1", max_episode_steps=5)),
                size: 2,
            },
            {"agent": "object", "env": ("None", "str", "neg", "obj"), size: "count"},
            names={"env": ("runs a",)},
        )
        for label, output in (
            ("None", None),
            ("str", "x"),
            ("empty", {}),
            ("obj", VALUES["obj"]()),
        ):
            probe.case(
                f"{name}.__call__(agent output={label})",
                lambda run=run, output=output: run(_BadAgent(output), _cartpole(), 2),
                "raw_action",
                "choose_action",
            )
    probe.sweep("StepRunner", runner.StepRunner, {"reset_on_call": True}, {"reset_on_call": "flag"})
    probe.sweep(
        "VecStepRunner", runner.VecStepRunner, {"reset_on_call": True}, {"reset_on_call": "flag"}
    )
    probe.sweep(
        "VecStepRunner.__call__",
        lambda agent, env, T: runner.VecStepRunner()(agent, env, T),
        {
            "agent": Fresh(lambda: _BadAgent({"raw_action": np.array([0, 1])})),
            "env": Fresh(_vec),
            "T": 3,
        },
        {"agent": "object", "env": ("None", "str", "neg", "obj"), "T": "count"},
        names={"env": ("runs a",)},
    )
    for label, output in (("None", None), ("str", "x"), ("empty", {}), ("obj", VALUES["obj"]())):
        probe.case(
            f"VecStepRunner.__call__(agent output={label})",
            lambda output=output: runner.VecStepRunner()(_BadAgent(output), _vec(), 2),
            "raw_action",
            "choose_action",
        )
    probe.sweep(
        "ReplayBuffer",
        runner.ReplayBuffer,
        {"capacity": 4, "obs_dim": 2, "action_dim": 1, "seed": 0},
        {"capacity": "count", "obs_dim": "count", "action_dim": "count", "seed": "seed"},
    )

    def add(**kwargs: Any) -> None:
        runner.ReplayBuffer(4, 2, 1, 0).add(**kwargs)

    columns = ("None", "str", "empty", "3d", "nanarr", "cplxarr", "strarr", "obj")
    probe.sweep(
        "ReplayBuffer.add",
        add,
        {
            "observations": [[0.0, 1.0]],
            "actions": [[0.5]],
            "rewards": [1.0],
            "next_observations": [[1.0, 2.0]],
            "terminated": [False],
            "truncated": [False],
        },
        {
            "observations": columns,
            "actions": columns,
            "rewards": columns,
            "next_observations": columns,
            "terminated": columns,
            "truncated": columns,
        },
    )

    def add_one(**kwargs: Any) -> None:
        runner.ReplayBuffer(4, 2, 1, 0).add_one(**kwargs)

    flag = ("None", "str", "neg", "frac", "obj", "3d")
    probe.sweep(
        "ReplayBuffer.add_one",
        add_one,
        {
            "observation": [0.0, 1.0],
            "action": [0.5],
            "reward": 1.0,
            "next_observation": [1.0, 2.0],
            "terminated": False,
            "truncated": False,
        },
        {
            "observation": "array",
            "action": "array",
            "reward": ("None", "nan", "inf", "-inf", "str", "complex", "obj", "3d"),
            "next_observation": "array",
            "terminated": flag,
            "truncated": flag,
        },
    )

    def add_index(action: Any) -> None:
        buffer = runner.ReplayBuffer(4, 2, 3, 0, discrete=True)
        buffer.add_one([0.0, 1.0], action, 1.0, [1.0, 2.0], False, False)

    probe.sweep(
        "ReplayBuffer(discrete=True).add_one",
        add_index,
        {"action": 1},
        {"action": ("None", "str", "bool", "neg", "frac", "big", "obj", "3d")},
    )

    def sample(batch_size: Any) -> Any:
        buffer = runner.ReplayBuffer(4, 2, 1, 0)
        buffer.add([[0.0, 1.0]], [[0.5]], [1.0], [[1.0, 2.0]], [False], [False])
        return buffer.sample(batch_size)

    probe.sweep("ReplayBuffer.sample", sample, {"batch_size": 2}, {"batch_size": "count"})

    def sample_n_step(**kwargs: Any) -> Any:
        buffer = runner.ReplayBuffer(4, 2, 3, 0, discrete=True)
        buffer.add([[0.0, 1.0]], [1], [1.0], [[1.0, 2.0]], [False], [False])
        return buffer.sample_n_step(**kwargs)

    probe.sweep(
        "ReplayBuffer.sample_n_step",
        sample_n_step,
        {"batch_size": 2, "n_steps": 3, "gamma": 0.9},
        {"batch_size": "count", "n_steps": "count", "gamma": "unit"},
    )

    def load(state: Any) -> None:
        runner.ReplayBuffer(4, 2, 1, 0).load_state_dict(state)

    probe.sweep(
        "ReplayBuffer.load_state_dict",
        load,
        {"state": runner.ReplayBuffer(4, 2, 1, 0).state_dict()},
        {"state": ("None", "str", "neg", "empty", "obj")},
    )
    timestep = TimeStep(StepType.FIRST, np.zeros(2))
    del timestep


def _write_logs(root: Path) -> Path:
    from lagom.logger import Logger
    from lagom.utils import yaml_dump

    folder = root / "logs"
    for seed in (1, 2):
        run = folder / "0" / str(seed)
        run.mkdir(parents=True, exist_ok=True)
        logger = Logger(csv_path=run / "progress.csv")
        for i in range(5):
            logger("step", i)
            logger("return", float(i * seed))
            logger.write_row()
    yaml_dump({"ID": 0, "lr": 0.1}, folder / "0" / "config.yml", ext="")
    return folder


def probe_experiment_vis(probe: Probe) -> None:
    here = Path(os.getcwd())
    probe.sweep(
        "Grid",
        experiment.Grid,
        {"values": [1, 2]},
        {"values": ("None", "str", "neg", "empty", "obj")},
        names={"values": ("Grid expects",)},
    )
    probe.sweep(
        "Sample",
        experiment.Sample,
        {"f": lambda: 1},
        {"f": "callable"},
        names={"f": ("expects a callable",)},
    )
    probe.sweep(
        "Condition",
        experiment.Condition,
        {"f": lambda c: 1},
        {"f": "callable"},
        names={"f": ("expects a callable",)},
    )
    probe.sweep(
        "Config",
        experiment.Config,
        {"items": {"a": 1}, "num_sample": 1, "keep_dict_order": False, "seed": 0},
        {
            "items": ("None", "str", "neg", "[zero]", "obj"),
            "num_sample": "count",
            "keep_dict_order": "flag",
            "seed": ("nan", "str", "bool", "neg", "big", "frac", "obj"),
        },
    )

    def run(config: Any, seed: int, device: str, logdir: Path) -> int:
        return seed

    probe.sweep(
        "run_experiment",
        lambda **kwargs: experiment.run_experiment(**kwargs, progress=False),
        {
            "run": run,
            "config": [{"ID": 0}],
            "seeds": [1],
            "log_dir": Fresh(lambda: here / f"sweep{len(os.listdir(here))}"),
            "max_workers": None,
            "chunksize": 1,
            "use_gpu": False,
            "gpu_ids": None,
            "overwrite": False,
            "torch_threads": 1,
        },
        {
            "run": "callable",
            "config": ("None", "str", "neg", "empty", "[zero]", "obj"),
            "seeds": "ints",
            "log_dir": "path",
            "max_workers": ("nan", "str", "bool", "neg", "frac", "obj"),
            "chunksize": "count",
            "use_gpu": "flag",
            "gpu_ids": ("str", "neg", "empty", "[neg]", "[frac]", "obj"),
            "overwrite": "flag",
            "torch_threads": ("nan", "str", "bool", "neg", "zero", "frac", "obj"),
        },
    )

    @attrs.frozen
    class Train:
        steps: int = 10
        lr: float = 0.1

    @attrs.frozen
    class Conf:
        train: Train = attrs.field(factory=Train)

    probe.sweep("to_dotted", experiment.to_dotted, {"config": Conf()}, {"config": "object"})
    probe.sweep("dotted_fields", experiment.dotted_fields, {"config": Conf()}, {"config": "object"})
    probe.sweep(
        "from_dotted",
        experiment.from_dotted,
        {"base": Conf(), "values": {"train.steps": 3}, "ignore": ("ID",)},
        {
            "base": "object",
            "values": ("None", "str", "neg", "[zero]", "obj"),
            "ignore": ("None", "neg", "obj"),
        },
    )
    probe.each(
        "from_dotted(values[train.steps]={label})",
        lambda b: experiment.from_dotted(Conf(), {"train.steps": b}),
        ("None", "nan", "str", "bool", "frac", "obj", "empty"),
        "train.steps",
    )
    probe.sweep(
        "parse_dotted",
        experiment.parse_dotted,
        {"base": Conf(), "items": ["train.steps=3"]},
        {"base": "object", "items": ("None", "neg", "[neg]", "[str]", "obj")},
        names={"items": ("KEY=VALUE",)},
    )

    # ------------------------------------------------------------------ lagom.vis
    logs = _write_logs(here)
    curves = Fresh(
        lambda: [
            ConfigCurves(ID=0, config={"lr": 0.1}, seeds=(1,), curves=[([0.0, 1.0], [0.0, 1.0])])
        ]
    )
    probe.sweep(
        "ConfigCurves",
        ConfigCurves,
        {"ID": 0, "config": {"lr": 0.1}, "seeds": (1,), "curves": [([0.0, 1.0], [0.0, 1.0])]},
        {
            "ID": ("None", "nan", "str", "bool", "neg", "frac", "obj"),
            "config": ("None", "str", "neg", "obj"),
            "seeds": "ints",
            "curves": ("None", "str", "neg", "empty", "3d", "[zero]", "obj"),
        },
        names={"seeds": ("seed",)},  # "seed must be an int": the seed the list holds
    )
    probe.sweep(
        "plot_curves",
        lambda **kwargs: plot_curves(**kwargs),
        {
            "data": curves,
            "ax": None,
            "band": "std",
            "num_point": 10,
            "labels": None,
            "title": None,
            "xlabel": None,
            "ylabel": None,
            "out": None,
            "alpha": 0.25,
        },
        {
            "data": ("None", "str", "neg", "empty", "[zero]", "obj"),
            "ax": ("str", "neg", "obj"),
            "band": "choice",
            "num_point": "count",
            "labels": ("str", "neg", "empty", "[neg]", "obj"),
            "title": ("neg", "obj"),
            "xlabel": ("neg", "obj"),
            "ylabel": ("neg", "obj"),
            "out": ("neg", "obj"),
            "alpha": "unit",
        },
    )
    probe.sweep(
        "read_xy",
        read_xy,
        {
            "log_folder": logs,
            "file_name": "progress.csv",
            "get_x": "step",
            "get_y": "return",
            "smooth_out": False,
            "smooth_kws": None,
            "point_step": 1,
        },
        {
            "log_folder": "path",
            "file_name": ("None", "neg", "str", "obj"),
            "get_x": ("None", "neg", "str", "obj"),
            "get_y": ("None", "neg", "str", "obj"),
            "smooth_out": "flag",
            "smooth_kws": ("str", "neg", "[zero]", "obj"),
            "point_step": "count",
        },
        names={"file_name": ("log file",)},
    )
    _, ax = plot_curves(curves.make())
    probe.sweep(
        "set_ticker",
        set_ticker,
        {"ax": ax, "axis": "x", "num": 3, "KM_format": False, "integer": False},
        {
            "ax": "object",
            "axis": ("None", "neg", "bogus", "obj"),
            "num": ("nan", "str", "bool", "neg", "zero", "frac", "obj"),
            "KM_format": "flag",
            "integer": "flag",
        },
    )
    probe.sweep(
        "GridImage",
        GridImage,
        {"ncol": 8, "padding": 2, "pad_value": 0},
        {
            "ncol": "count",
            "padding": "size",
            "pad_value": (*["None", "nan", "inf", "str", "bool", "neg", "obj"], "big"),
        },
    )
    probe.sweep(
        "GridImage.add",
        lambda x: GridImage().add(x),
        {"x": np.zeros((2, 3, 4, 4))},
        {"x": ("None", "str", "empty", "3d", "nanarr", "cplxarr", "strarr", "obj")},
    )
    probe.sweep("ImageViewer", ImageViewer, {"max_width": 500}, {"max_width": "count"})
    labels = ("None", "str", "empty", "3d", "nanarr", "strarr", "obj")
    probe.each("ImageViewer.__call__(x={label})", lambda x: ImageViewer()(x), labels, "x")
