"""Probe cases of ``lagom.baselines.ppo_lstm`` and ``lagom.envs.mask_velocity``."""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from lagom import envs
from lagom.baselines import ppo_lstm
from tests.bad_inputs.cases_baselines import _DEVICE, _ENV_ID, _sweep_config
from tests.bad_inputs.probe import Fresh, Probe

_OBJ = ("None", "str", "neg", "obj")
# Not probed, as for PPO (allowed.py): clip_range 0 (a linear schedule's end) and evaluation
# seeds above 2**32 - 1 (runs evaluate on seed + 10000 + i).


def _tiny() -> ppo_lstm.PPOLSTMConfig:
    return ppo_lstm.PPOLSTMConfig(
        ppo_lstm.EnvConfig(num_envs=1),
        ppo_lstm.AgentConfig(lstm_hidden_size=4, hidden_sizes=(4,)),
        ppo_lstm.TrainConfig(timesteps=8, n_steps=8, batch_size=8, n_epochs=1),
        ppo_lstm.EvalConfig(episodes=1),
    )


def probe_mask_velocity(probe: Probe) -> None:
    probe.sweep(
        "MaskObservation",
        envs.MaskObservation,
        {"env": Fresh(lambda: gym.make("CartPole-v1")), "keep": (0, 2)},
        {"env": _OBJ, "keep": ("None", "str", "neg", "empty", "[neg]", "[bool]", "[frac]", "obj")},
    )
    probe.sweep(
        "MaskVelocity",
        envs.MaskVelocity,
        {"env": Fresh(lambda: gym.make("CartPole-v1"))},
        {"env": _OBJ},
    )


def probe_ppo_lstm(probe: Probe) -> None:
    here = Path(os.getcwd())

    def fresh_dir() -> Path:
        return here / f"run{len(os.listdir(here))}"

    for cls in (
        ppo_lstm.EnvConfig,
        ppo_lstm.AgentConfig,
        ppo_lstm.TrainConfig,
        ppo_lstm.EvalConfig,
        ppo_lstm.PPOLSTMConfig,
    ):
        _sweep_config(probe, cls)
    probe.sweep(
        "ppo_lstm.default_config",
        ppo_lstm.default_config,
        {"env_id": ppo_lstm.DEFAULT_ENV},
        {"env_id": ("None", "neg", "bogus", "obj")},
        names=_ENV_ID,
    )
    run_dir = here / "valid-ppo_lstm"
    ppo_lstm.train(_tiny(), 0, "cpu", run_dir)
    for entry in ("train", "run"):
        probe.sweep(
            f"ppo_lstm.{entry}",
            getattr(ppo_lstm, entry),
            {"config": Fresh(_tiny), "seed": 0, "device": "cpu", "logdir": Fresh(fresh_dir)},
            {"config": _OBJ, "seed": "seed", "device": _DEVICE, "logdir": "path"},
        )
    probe.sweep(
        "ppo_lstm.make_policy",
        ppo_lstm.make_policy,
        {"run_dir": run_dir, "device": "cpu"},
        {"run_dir": "path", "device": _DEVICE},
    )
    probe.sweep(
        "ppo_lstm.load_policy",
        ppo_lstm.load_policy,
        {"run_dir": run_dir, "device": "cpu", "config": _tiny()},
        {"run_dir": "path", "device": _DEVICE, "config": _OBJ},
    )
    agent = ppo_lstm.AgentConfig(lstm_hidden_size=4, hidden_sizes=(4,))
    box, discrete = gym.spaces.Box(-1.0, 1.0, (2,)), gym.spaces.Discrete(2)
    probe.sweep(
        "ppo_lstm.RecurrentActorCritic",
        ppo_lstm.RecurrentActorCritic,
        {"observation_space": box, "action_space": discrete, "agent": agent, "device": "cpu"},
        {"observation_space": _OBJ, "action_space": _OBJ, "agent": _OBJ, "device": _DEVICE},
    )
    model = ppo_lstm.RecurrentActorCritic(box, discrete, agent, "cpu")
    probe.sweep(
        "ppo_lstm.make_train_env",
        ppo_lstm.make_train_env,
        {"env": ppo_lstm.EnvConfig(num_envs=1), "model": model, "seed": 0},
        {"env": _OBJ, "model": _OBJ, "seed": "seed"},
    )
    train_env = Fresh(lambda: ppo_lstm.make_train_env(ppo_lstm.EnvConfig(num_envs=1), model, 0))
    probe.sweep(
        "ppo_lstm.collect",
        ppo_lstm.collect,
        {"model": model, "train_env": train_env, "T": 8, "gamma": 0.99, "lam": 0.95},
        {"model": _OBJ, "train_env": _OBJ, "T": "count", "gamma": "unit", "lam": "unit"},
    )
    batch = ppo_lstm.collect(model, train_env.make(), 8, 0.99, 0.95)
    optimizer = torch.optim.Adam(model.parameters())
    probe.sweep(
        "ppo_lstm.update",
        ppo_lstm.update,
        {
            "model": model,
            "optimizer": optimizer,
            "batch": batch,
            "config": _tiny(),
            "clip_range": 0.2,
        },
        {
            "model": _OBJ,
            "optimizer": _OBJ,
            "batch": _OBJ,
            "config": _OBJ,
            "clip_range": ("None", "nan", "inf", "str", "bool", "obj", "neg"),
        },
    )
    policy = ppo_lstm.RecurrentPolicy(model)
    probe.sweep(
        "ppo_lstm.RecurrentPolicy", ppo_lstm.RecurrentPolicy, {"model": model}, {"model": _OBJ}
    )
    probe.sweep(
        "ppo_lstm.RecurrentPolicy.__call__",
        policy,
        {"obs": np.zeros((1, 2), dtype=np.float32)},
        {"obs": ("None", "str", "empty", "3d", "strarr", "obj")},
    )
    probe.sweep(
        "ppo_lstm.evaluate",
        ppo_lstm.evaluate,
        {"policy": policy, "env_id": ppo_lstm.DEFAULT_ENV, "episodes": 1, "seed": 0},
        {
            "policy": _OBJ,
            "env_id": ("None", "neg", "obj"),
            "episodes": "count",
            "seed": ("None", "nan", "str", "bool", "neg", "frac", "obj"),
        },
    )
