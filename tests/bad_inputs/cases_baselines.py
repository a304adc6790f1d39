"""Probe cases of ``lagom.baselines`` and its algorithms (tiny runs of a few steps)."""

from __future__ import annotations

import os
import typing
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import torch

from lagom import baselines
from lagom.baselines import common, dqn, policy_search, ppo, sac, td3, vpg
from lagom.logger import Logger
from lagom.runner import ReplayBuffer
from tests.bad_inputs.probe import Fresh, Probe

_DEVICE = ("None", "neg", "bogus", "obj")
_CPU = torch.device("cpu")
#: Bad batches of an off-policy update: not a batch at all.
_BATCH = ("None", "str", "neg", "obj")
#: "sac cannot create environment 'bogus': ...": the environment env_id names.
_ENV_ID = {"env_id": ("environment",)}
_INT = ("None", "nan", "str", "bool", "frac", "obj", "neg")
_REAL = ("None", "nan", "inf", "str", "bool", "obj", "neg")
_SIZES = ("None", "str", "neg", "[neg]", "[zero]", "[bool]", "obj")


def _field_labels(tp: Any) -> tuple[str, ...]:
    """The bad values of a config field of type ``tp`` (``None`` left out where allowed)."""
    args = typing.get_args(tp)
    optional = type(None) in args
    if optional:
        tp = next(arg for arg in args if arg is not type(None))
    origin = typing.get_origin(tp)
    if tp is bool:
        labels: tuple[str, ...] = ("None", "str", "neg", "obj")
    elif tp is int:
        labels = _INT
    elif tp is float:
        labels = _REAL
    elif tp is str or origin is typing.Literal:
        labels = ("None", "neg", "obj") + (("bogus",) if origin is typing.Literal else ())
    elif origin is tuple:
        labels = _SIZES
    else:
        labels = ("None", "str", "neg", "obj")
    return tuple(label for label in labels if not (optional and label == "None"))


def _sweep_config(probe: Probe, cls: type) -> None:
    """Every field of the attrs config class ``cls`` with the bad values of its type."""
    attrs.resolve_types(cls)
    kinds = {
        field.name: _field_labels(field.type)
        for field in attrs.fields(cls)
        if not isinstance(field.type, type) or not attrs.has(field.type)
    }
    kinds.update(
        {
            field.name: ("None", "str", "neg", "obj")
            for field in attrs.fields(cls)
            if isinstance(field.type, type) and attrs.has(field.type)
        }
    )
    probe.sweep(
        cls.__qualname__
        if cls.__module__.endswith(".common")
        else f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__qualname__}",
        cls,
        {},
        kinds,
    )


def _tiny_ppo() -> ppo.PPOConfig:
    return ppo.PPOConfig(
        ppo.EnvConfig(num_envs=1),
        ppo.PPOAgentConfig(hidden_sizes=(8,)),
        ppo.PPOTrainConfig(timesteps=8, n_steps=8, batch_size=8, n_epochs=1),
        ppo.EvalConfig(episodes=1),
    )


def _tiny_vpg() -> vpg.VPGConfig:
    return vpg.VPGConfig(
        ppo.EnvConfig(num_envs=1),
        ppo.AgentConfig(hidden_sizes=(8,)),
        ppo.TrainConfig(timesteps=8, n_steps=8),
        ppo.EvalConfig(episodes=1),
    )


_OFF_TRAIN = common.OffPolicyTrainConfig(timesteps=8, log_interval=8)
_OFF_EVAL = common.OffPolicyEvalConfig(episodes=1)


def _tiny_sac() -> sac.SACConfig:
    agent = sac.SACAgentConfig(batch_size=4, buffer_size=8, learning_starts=4, hidden_sizes=(8,))
    return sac.SACConfig(train=_OFF_TRAIN, agent=agent, eval=_OFF_EVAL)


def _tiny_td3() -> td3.TD3Config:
    agent = td3.TD3AgentConfig(batch_size=4, buffer_size=8, learning_starts=4, hidden_sizes=(8,))
    return td3.TD3Config(train=_OFF_TRAIN, agent=agent, eval=_OFF_EVAL)


def _tiny_cem() -> policy_search.CEMConfig:
    return policy_search.CEMConfig(
        train=policy_search.TrainConfig(generations=1, max_episode_steps=10),
        eval=policy_search.EvalConfig(episodes=1),
        es=policy_search.CEMStrategy(popsize=4),
    )


def probe_baselines(probe: Probe) -> None:
    here = Path(os.getcwd())

    def fresh_dir() -> Path:
        return here / f"run{len(os.listdir(here))}"

    # ---------------------------------------------------------------- configurations
    for cls in (
        common.OffPolicyEnvConfig,
        common.OffPolicyTrainConfig,
        common.OffPolicyAgentConfig,
        common.OffPolicyEvalConfig,
        ppo.EnvConfig,
        ppo.AgentConfig,
        ppo.PPOAgentConfig,
        ppo.TrainConfig,
        ppo.PPOTrainConfig,
        ppo.EvalConfig,
        ppo.PPOConfig,
        vpg.VPGConfig,
        sac.SACAgentConfig,
        sac.SACConfig,
        td3.TD3AgentConfig,
        td3.TD3Config,
        policy_search.EnvConfig,
        policy_search.PolicyConfig,
        policy_search.TrainConfig,
        policy_search.EvalConfig,
        policy_search.CEMStrategy,
        policy_search.CMAESStrategy,
        policy_search.OpenAIESStrategy,
        policy_search.CEMConfig,
        policy_search.CMAESConfig,
        policy_search.OpenAIESConfig,
    ):
        _sweep_config(probe, cls)
    for name, fn in (
        ("ppo.default_config", ppo.default_config),
        ("vpg.default_config", vpg.default_config),
        ("sac.default_config", sac.default_config),
        ("td3.default_config", td3.default_config),
        ("td3.ddpg_default_config", td3.ddpg_default_config),
    ):
        default = fn.__defaults__[0] if fn.__defaults__ else "CartPole-v1"
        probe.sweep(
            name,
            fn,
            {"env_id": default},
            {"env_id": ("None", "neg", "bogus", "obj")},
            names=_ENV_ID,
        )
    probe.sweep(
        "policy_search.default_config",
        policy_search.default_config,
        {"strategy": policy_search.CEMConfig, "env_id": "CartPole-v1"},
        {"strategy": ("None", "str", "neg", "obj"), "env_id": ("None", "neg", "bogus", "obj")},
        names=_ENV_ID,
    )

    # ---------------------------------------------------------------- training entry points
    runs: dict[str, Path] = {}
    for name, module, make in (
        ("ppo", ppo, _tiny_ppo),
        ("vpg", vpg, _tiny_vpg),
        ("sac", sac, _tiny_sac),
        ("td3", td3, _tiny_td3),
    ):
        runs[name] = here / f"valid-{name}"
        module.train(make(), 0, "cpu", runs[name])
        for entry in ("train", "run"):
            probe.sweep(
                f"{name}.{entry}",
                getattr(module, entry),
                {"config": Fresh(make), "seed": 0, "device": "cpu", "logdir": Fresh(fresh_dir)},
                {
                    "config": ("None", "str", "neg", "obj"),
                    "seed": "seed",
                    "device": _DEVICE,
                    "logdir": "path",
                },
            )
        probe.sweep(
            f"{name}.make_policy",
            module.make_policy,
            {"run_dir": runs[name], "device": "cpu"},
            {"run_dir": "path", "device": _DEVICE},
        )
    probe.sweep(
        "td3.ddpg_run",
        td3.ddpg_run,
        {"config": Fresh(_tiny_td3), "seed": 0, "device": "cpu", "logdir": Fresh(fresh_dir)},
        {
            "config": ("None", "str", "neg", "obj"),
            "seed": "seed",
            "device": _DEVICE,
            "logdir": "path",
        },
    )
    runs["cem"] = here / "valid-cem"
    policy_search.train(_tiny_cem(), 0, "cpu", runs["cem"])
    probe.sweep(
        "policy_search.train",
        policy_search.train,
        {"config": Fresh(_tiny_cem), "seed": 0, "device": "cpu", "logdir": Fresh(fresh_dir)},
        {
            "config": ("None", "str", "neg", "obj"),
            "seed": "seed",
            "device": _DEVICE,
            "logdir": "path",
        },
    )
    probe.sweep(
        "policy_search.run",
        policy_search.run,
        {
            "strategy": policy_search.CEMConfig,
            "config": Fresh(_tiny_cem),
            "seed": 0,
            "device": "cpu",
            "logdir": Fresh(fresh_dir),
        },
        {
            "strategy": ("None", "str", "neg", "obj"),
            "config": ("None", "str", "neg", "obj"),
            "seed": "seed",
            "device": _DEVICE,
            "logdir": "path",
        },
    )
    probe.sweep(
        "policy_search.make_policy",
        policy_search.make_policy,
        {"run_dir": runs["cem"], "device": "cpu"},
        {"run_dir": "path", "device": _DEVICE},
    )
    probe.sweep(
        "load_policy",
        baselines.load_policy,
        {"run_dir": runs["ppo"], "device": "cpu"},
        {"run_dir": "path", "device": _DEVICE},
    )
    probe.sweep(
        "get_algorithm",
        baselines.get_algorithm,
        {"name": "ppo"},
        {"name": ("None", "neg", "bogus", "obj")},
        names={"name": ("algorithm",)},
    )
    # The registry's torch-free configuration helpers: any other name is a plug-in's.
    probe.sweep("config_class", baselines.config_class, {"name": "ppo"}, {"name": "text"})
    probe.sweep(
        "base_config",
        baselines.base_config,
        {"name": "ddpg", "env_id": "Pendulum-v1"},
        {"name": ("None", "neg", "bogus", "obj"), "env_id": ("neg", "obj")},
        names={"name": ("algorithm",)},
    )
    probe.sweep(
        "check_overrides",
        baselines.check_overrides,
        {"name": "ppo", "overrides": {"agent.gamma": 0.9}, "sets": ["train.timesteps=10"]},
        {
            "name": "text",
            "overrides": ("None", "str", "neg", "obj", "empty"),
            "sets": ("None", "str", "neg", "[neg]", "[str]", "obj"),
            "env_id": ("neg", "obj"),
        },
        names={"sets": ("--set", "KEY=VALUE")},
    )
    probe.sweep(
        "ppo.load_policy",
        ppo.load_policy,
        {"run_dir": runs["ppo"], "device": "cpu", "config": _tiny_ppo()},
        {"run_dir": "path", "device": _DEVICE, "config": ("None", "str", "neg", "obj")},
    )
    probe.sweep(
        "ppo.Learner",
        ppo.Learner,
        {
            "name": "ppo",
            "config": Fresh(_tiny_ppo),
            "seed": 0,
            "device": "cpu",
            "logdir": Fresh(fresh_dir),
        },
        {
            "name": ("None", "neg", "obj"),
            "config": ("None", "str", "neg", "obj"),
            "seed": "seed",
            "device": _DEVICE,
            "logdir": "path",
        },
    )

    # ---------------------------------------------------------------- algorithm parts
    agent = ppo.AgentConfig(hidden_sizes=(8,))
    box, discrete = gym.spaces.Box(-1.0, 1.0, (3,)), gym.spaces.Discrete(2)
    probe.sweep(
        "ppo.ActorCritic",
        ppo.ActorCritic,
        {"observation_space": box, "action_space": discrete, "agent": agent, "device": "cpu"},
        {
            "observation_space": ("None", "str", "neg", "obj"),
            "action_space": ("None", "str", "neg", "obj"),
            "agent": ("None", "str", "neg", "obj"),
            "device": _DEVICE,
        },
    )
    probe.sweep(
        "ppo.make_train_env",
        ppo.make_train_env,
        {"env": ppo.EnvConfig(num_envs=1), "gamma": 0.99, "seed": 0},
        {"env": ("None", "str", "neg", "obj"), "gamma": "unit", "seed": "seed"},
    )
    model = ppo.ActorCritic(gym.spaces.Box(-np.inf, np.inf, (4,)), discrete, agent, "cpu")
    train_env = Fresh(lambda: ppo.make_train_env(ppo.EnvConfig(num_envs=1), 0.99, 0))
    probe.sweep(
        "ppo.collect",
        ppo.collect,
        {"model": model, "train_env": train_env, "T": 4, "gamma": 0.99, "lam": 0.95},
        {
            "model": ("None", "str", "neg", "obj"),
            "train_env": ("None", "str", "neg", "obj"),
            "T": "count",
            "gamma": "unit",
            "lam": "unit",
        },
    )
    batch = ppo.collect(model, train_env.make(), 4, 0.99, 0.95)
    optimizer = torch.optim.Adam(model.parameters())
    probe.sweep(
        "ppo.update",
        ppo.update,
        {
            "model": model,
            "optimizer": optimizer,
            "batch": batch,
            "config": _tiny_ppo(),
            "clip_range": 0.2,
        },
        {
            "model": ("None", "str", "neg", "obj"),
            "optimizer": ("None", "str", "neg", "obj"),
            "batch": ("None", "str", "neg", "obj"),
            "config": ("None", "str", "neg", "obj"),
            "clip_range": "pos",
        },
    )
    probe.sweep(
        "vpg.update",
        vpg.update,
        {"model": model, "optimizer": optimizer, "batch": batch, "agent": agent},
        {
            "model": ("None", "str", "neg", "obj"),
            "optimizer": ("None", "str", "neg", "obj"),
            "batch": ("None", "str", "neg", "obj"),
            "agent": ("None", "str", "neg", "obj"),
        },
    )
    for name, cls in (
        ("sac.SquashedGaussianActor", sac.SquashedGaussianActor),
        ("td3.DeterministicActor", td3.DeterministicActor),
    ):
        probe.sweep(
            name,
            cls,
            {"obs_dim": 3, "action_dim": 1, "hidden_sizes": [8], "device": None},
            {
                "obs_dim": "count",
                "action_dim": "count",
                "hidden_sizes": ("None", "str", "neg", "[neg]", "[zero]", "obj"),
                "device": ("neg", "bogus", "obj"),
            },
        )
    for name, cls, config in (
        ("sac.SACAgent", sac.SACAgent, sac.SACAgentConfig(hidden_sizes=(8,))),
        ("td3.TD3Agent", td3.TD3Agent, td3.TD3AgentConfig(hidden_sizes=(8,))),
    ):
        probe.sweep(
            name,
            cls,
            {"obs_dim": 3, "action_dim": 1, "config": config, "device": torch.device("cpu")},
            {
                "obs_dim": "count",
                "action_dim": "count",
                "config": ("None", "str", "neg", "obj"),
                "device": _DEVICE,
            },
        )
    probe.sweep(
        "policy_search.FlatPolicy",
        policy_search.FlatPolicy,
        {"observation_space": box, "action_space": discrete, "hidden_sizes": ()},
        {
            "observation_space": ("None", "str", "neg", "obj"),
            "action_space": ("None", "str", "neg", "obj"),
            "hidden_sizes": ("None", "str", "neg", "[neg]", "[zero]", "[str]", "obj"),
        },
        names={"hidden_sizes": ("hidden sizes",)},
    )
    flat = policy_search.FlatPolicy(box, discrete)
    probe.sweep(
        "policy_search.FlatPolicy.bind",
        flat.bind,
        {"params": np.zeros(8)},
        {"params": ("None", "str", "neg", "empty", "3d", "nanarr", "strarr", "obj")},
    )
    probe.sweep(
        "policy_search.episode_seeds",
        policy_search.episode_seeds,
        {"seed": 0, "generation": 0, "popsize": 2, "episodes": 1},
        {"seed": "seed", "generation": "size", "popsize": "count", "episodes": "count"},
    )
    probe.sweep(
        "policy_search.PopulationRollouts",
        policy_search.PopulationRollouts,
        {"env_id": "CartPole-v1", "max_steps": 5, "hidden_sizes": (), "workers": 0},
        {
            "env_id": ("None", "neg", "bogus", "obj"),
            "max_steps": ("nan", "str", "bool", "neg", "zero", "frac", "obj"),
            "hidden_sizes": ("None", "str", "neg", "[neg]", "[str]", "obj"),
            "workers": ("None", "nan", "str", "bool", "neg", "frac", "obj"),
        },
        names={"hidden_sizes": ("hidden sizes",)},
    )

    def rollouts(solutions: Any, seeds: Any) -> Any:
        with policy_search.PopulationRollouts("CartPole-v1", 5, (), workers=0) as play:
            return play(solutions, seeds)

    probe.sweep(
        "policy_search.PopulationRollouts.__call__",
        rollouts,
        {"solutions": [np.zeros(10)], "seeds": policy_search.episode_seeds(0, 0, 1, 1)},
        {
            "solutions": ("None", "str", "neg", "empty", "3d", "nanarr", "obj"),
            "seeds": ("None", "str", "neg", "empty", "3d", "nanarr", "obj"),
        },
        names={"solutions": ("candidate",)},  # "need a row of seeds per candidate"
    )
    probe.sweep(
        "policy_search.make_es",
        policy_search.make_es,
        {"config": policy_search.CEMConfig(), "x0": np.zeros(3), "seed": 0},
        {"config": ("None", "str", "neg", "obj"), "x0": "array", "seed": "seed"},
    )
    probe.sweep(
        "policy_search.replay_es",
        lambda es, told: policy_search.replay_es(es, told),
        {
            "es": Fresh(lambda: policy_search.make_es(_tiny_cem(), np.zeros(3), 0)),
            "told": [np.zeros(4)],
        },
        {
            "es": ("None", "str", "neg", "obj"),
            "told": ("None", "str", "neg", "[neg]", "[str]", "obj"),
        },
        names={"told": ("ES history",)},
    )

    # ---------------------------------------------------------------- lagom.baselines.common
    probe.sweep(
        "resolve_config",
        common.resolve_config,
        {
            "default_config": ppo.default_config,
            "config": {"agent.gamma": 0.9},
            "default_env": "CartPole-v1",
        },
        {
            "default_config": ("None", "str", "neg", "obj"),
            "config": ("None", "str", "neg", "obj"),
            "default_env": ("None", "neg", "bogus", "obj"),
        },
        names={"default_env": ("environment",)},
    )
    probe.sweep("choose_device", common.choose_device, {"device": "cpu"}, {"device": _DEVICE})
    flat = dqn.DQNAgent(2, 3, dqn.DQNAgentConfig(hidden_sizes=(4,)), torch.device("cpu"))
    probe.sweep("DQNAgent.act", flat.act, {"observation": [0.0, 1.0]}, {"observation": "array"})
    rows = torch.zeros(3, 2)
    steps = dqn.NStepTensors(rows, torch.tensor([0, 2, 1]), torch.ones(3), rows, torch.ones(3))
    probe.sweep(
        "DQNAgent.update",
        flat.update,
        {"batch": steps, "weights": torch.ones(3)},
        {"batch": ("None", "str", "neg", "obj"), "weights": ("str", "neg", "empty", "obj")},
    )
    transitions = common.TensorBatch(rows, torch.zeros(3, 1), torch.ones(3), rows, torch.zeros(3))
    for label, agent in (
        ("SACAgent.update", sac.SACAgent(2, 1, sac.SACAgentConfig(hidden_sizes=(4,)), _CPU)),
        ("TD3Agent.update", td3.TD3Agent(2, 1, td3.TD3AgentConfig(hidden_sizes=(4,)), _CPU)),
    ):
        probe.sweep(label, agent.update, {"batch": transitions}, {"batch": _BATCH})
    frames = dqn.DQNAgent(
        2,
        3,
        dqn.DQNAgentConfig(hidden_sizes=(4,)),
        torch.device("cpu"),
        gym.spaces.Box(0.0, 1.0, (2, 4, 4), np.float32),  # channels first
    )
    probe.sweep(
        "DQNAgent.act(frames)",
        frames.act,
        {"observation": np.zeros((2, 4, 4), np.float32)},
        {"observation": "array"},
    )
    probe.sweep(
        "check_spaces",
        common.check_spaces,
        {
            "algorithm": "ppo",
            "env_id": "CartPole-v1",
            "observation": (gym.spaces.Box,),
            "action": (gym.spaces.Discrete,),
        },
        {
            "algorithm": ("None", "neg", "obj"),
            "env_id": ("None", "neg", "bogus", "obj"),
            "observation": ("None", "str", "neg", "empty", "[zero]", "obj"),
            "action": ("None", "str", "neg", "empty", "[zero]", "obj"),
        },
        names=_ENV_ID,
    )
    probe.sweep(
        "RunInfo",
        common.RunInfo,
        {"algorithm": "ppo", "seed": 0, "config": {}},
        {
            "algorithm": ("None", "neg", "obj"),
            "seed": "seed",
            "config": ("None", "str", "neg", "obj"),
        },
    )
    probe.sweep(
        "start_run",
        common.start_run,
        {"logdir": Fresh(fresh_dir), "algorithm": "ppo", "config": _tiny_ppo(), "seed": 0},
        {
            "logdir": "path",
            "algorithm": ("None", "neg", "obj"),
            "config": ("None", "str", "neg", "obj"),
            "seed": "seed",
        },
    )
    probe.sweep("read_run_info", common.read_run_info, {"logdir": runs["ppo"]}, {"logdir": "path"})
    probe.sweep(
        "load_run_config",
        common.load_run_config,
        {"logdir": runs["ppo"], "default_config": ppo.default_config},
        {"logdir": "path", "default_config": ("None", "str", "neg", "obj")},
    )
    probe.sweep(
        "progress_logger",
        common.progress_logger,
        {"logdir": Fresh(fresh_dir), "rows": 0},
        {"logdir": "path", "rows": ("nan", "str", "bool", "neg", "frac", "obj")},
    )
    probe.sweep(
        "write_row",
        common.write_row,
        {
            "logger": Fresh(lambda: Logger(csv_path=here / f"p{len(os.listdir(here))}.csv")),
            "row": {"a": 1},
        },
        {"logger": ("None", "str", "neg", "obj"), "row": ("None", "str", "neg", "[zero]", "obj")},
    )
    probe.sweep(
        "restore_rng_state",
        common.restore_rng_state,
        {"state": common.rng_state()},
        {"state": ("None", "str", "neg", "empty", "obj")},
    )

    def checkpoint_dir() -> Path:
        folder = fresh_dir()
        folder.mkdir()
        return folder

    probe.sweep(
        "save_checkpoint",
        common.save_checkpoint,
        {"logdir": Fresh(checkpoint_dir), "state": {"a": 1}},
        {"logdir": "path", "state": ("None", "str", "neg", "[zero]", "obj")},
    )
    probe.sweep(
        "load_checkpoint", common.load_checkpoint, {"logdir": runs["ppo"]}, {"logdir": "path"}
    )
    cartpole = gym.make("CartPole-v1")
    cartpole.reset(seed=0)
    probe.sweep(
        "env_checkpoint", common.env_checkpoint, {"env": cartpole}, {"env": ("None", "str", "neg")}
    )
    probe.sweep(
        "restore_env_checkpoint",
        common.restore_env_checkpoint,
        {"env": Fresh(lambda: gym.make("CartPole-v1")), "entry": common.env_checkpoint(cartpole)},
        {"env": ("None", "str", "neg", "obj"), "entry": ("None", "str", "neg", "empty", "obj")},
    )
    probe.sweep(
        "save_policy",
        common.save_policy,
        {"logdir": Fresh(checkpoint_dir), "tensors": {"w": torch.zeros(2)}},
        {"logdir": "path", "tensors": ("None", "str", "neg", "[zero]", "obj")},
    )
    probe.sweep(
        "load_policy_state", common.load_policy_state, {"logdir": runs["ppo"]}, {"logdir": "path"}
    )
    probe.sweep(
        "evaluate_policy",
        common.evaluate_policy,
        {
            "policy": lambda obs: np.zeros(len(obs), np.int64),
            "make_env": lambda: gym.make("CartPole-v1", max_episode_steps=5),
            "episodes": 1,
            "seed": 0,
        },
        {"policy": "callable", "make_env": "callable", "episodes": "count", "seed": "seed"},
    )
    probe.sweep(
        "finish",
        common.finish,
        {"logdir": Fresh(checkpoint_dir), "metrics": {"return_mean": 1.0}},
        {"logdir": "path", "metrics": ("None", "str", "neg", "[zero]", "obj")},
    )
    probe.sweep(
        "zoo_config",
        common.zoo_config,
        {"algorithm": "sac", "zoo": {}, "defaults": sac.SACConfig(), "env_id": "Pendulum-v1"},
        {
            "algorithm": ("None", "neg", "obj"),
            "zoo": ("None", "str", "neg", "obj"),
            "defaults": ("None", "str", "neg", "obj"),
            "env_id": ("None", "neg", "bogus", "obj"),
        },
        names=_ENV_ID,
    )
    pendulum = gym.spaces.Box(-2.0, 2.0, (1,))
    probe.sweep(
        "action_scaler",
        common.action_scaler,
        {"space": pendulum},
        {"space": ("None", "str", "neg", "obj")},
    )
    probe.sweep(
        "box_policy",
        common.box_policy,
        {"actor": torch.tanh, "space": pendulum, "device": torch.device("cpu")},
        {"actor": "callable", "space": ("None", "str", "neg", "obj"), "device": _DEVICE},
    )
    buffer = ReplayBuffer(4, 3, 1, 0)
    buffer.add([[0.0, 0.0, 0.0]], [[0.5]], [1.0], [[0.0, 0.0, 1.0]], [False], [False])
    probe.sweep(
        "replay_tensors",
        common.replay_tensors,
        {"batch": buffer.sample(2), "device": torch.device("cpu")},
        {"batch": ("None", "str", "neg", "obj"), "device": _DEVICE},
    )
    probe.sweep(
        "load_trained",
        common.load_trained,
        {"run_dir": runs["sac"], "default_config": sac.default_config, "algorithm": "sac"},
        {
            "run_dir": "path",
            "default_config": ("None", "str", "neg", "obj"),
            "algorithm": ("None", "neg", "obj"),
        },
    )
    probe.sweep(
        "ReplayCollector.create",
        common.ReplayCollector.create,
        {"env_id": "Pendulum-v1", "capacity": 8, "seed": 0},
        {"env_id": ("None", "neg", "bogus", "obj"), "capacity": "count", "seed": "seed"},
    )
    probe.sweep(
        "offpolicy_algorithm",
        common.offpolicy_algorithm,
        {
            "name": "x",
            "summary": "s",
            "run": sac.run,
            "default_config": sac.default_config,
            "make_policy": sac.make_policy,
        },
        {
            "name": ("None", "neg", "obj"),
            "summary": ("None", "neg", "obj"),
            "run": "callable",
            "default_config": "callable",
            "make_policy": "callable",
        },
    )
    probe.sweep(
        "Algorithm",
        baselines.Algorithm,
        {
            "name": "noop",
            "summary": "s",
            "run": sac.run,
            "default_config": sac.default_config,
            "default_env": "Pendulum-v1",
            "action_spaces": ("continuous",),
            "make_policy": sac.make_policy,
            "steps_key": "train.timesteps",
        },
        {
            "name": ("None", "neg", "empty", "obj"),
            "summary": ("None", "neg", "obj"),
            "run": "callable",
            "default_config": "callable",
            "default_env": ("None", "neg", "obj"),
            "action_spaces": ("None", "str", "neg", "[str]", "obj"),
            "make_policy": "callable",
            "steps_key": ("None", "neg", "obj"),
        },
    )
