"""On-policy learning benchmark: lagom's PPO and VPG, side by side with Stable-Baselines3's PPO.

Tasks (the rl-baselines3-zoo hyperparameters, identical for both libraries):

- ``ppo/CartPole-v1``: 100k steps, 8 envs, 32 steps per env per update, batch 256, 20
  epochs, γ 0.98, λ 0.8, linear lr 1e-3 and clip 0.2, 64-64 tanh actor and critic. Per seed,
  interleaved: lagom, SB3 and the plain hand-written torch loop of ``ppo_plain_torch.py`` (the
  floor), each on two environment implementations, labelled in ``env``: ``native`` (gymnasium's
  numpy-vectorized CartPole, lagom's default; SB3 has no adapter for it and runs no such row)
  and ``sync`` (8 ``gym.make`` copies stepped one after the other: gymnasium's
  ``SyncVectorEnv`` for lagom and the plain loop, SB3's ``DummyVecEnv``). Targets: every seed
  evaluates to 500; lagom's CPU time ≤ 0.45x SB3's and ≤ 1.15x the plain loop's.
- ``vpg/CartPole-v1``: lagom only (SB3 has no VPG); reports the steps to reach 475.
- ``ppo/InvertedPendulum-v5``: 100k steps (zoo values of InvertedPendulum-v3); needs the
  ``mujoco`` extra, otherwise its rows hold NaN returns ("n/a").

Every row: ``task``, ``library``, ``seed``, ``final_return`` (mean of 20 deterministic
episodes, seeds ``seed + 10000 + i``, the same evaluation for both libraries), ``wall_s``
(construction, training and the final evaluation), ``steps_per_s`` (env steps per second of
training alone), ``steps_to_threshold`` and ``time_to_threshold_s`` (first iteration at which
the mean return of the last 100 training episodes reached ``threshold``; SB3 is read from its
``ep_info_buffer`` at the end of each rollout; the plain loop records none), ``threshold``,
``env`` and ``cpu_s`` (process CPU time over the same span as ``wall_s``). Every clock starts
before the environments and the model are built and stops after the final evaluation.

All run in this process with one torch thread (``torch.set_num_threads(1)``). Run from the
repository root::

    python tests/benchmarks/learning_onpolicy.py [--seeds 0 1 2] [--quick] [--cartpole-only]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from lagom.baselines import get_algorithm, ppo, vpg
from lagom.baselines.common import evaluate_policy
from lagom.baselines.ppo import PPOConfig

THRESHOLD = {"CartPole-v1": 475.0, "InvertedPendulum-v5": 950.0}
EVAL_EPISODES = 20


def _has_mujoco() -> bool:
    return importlib.util.find_spec("mujoco") is not None


def _nan_row(task: str, library: str, seed: int, threshold: float) -> dict[str, object]:
    return {
        "env": "native",
        "cpu_s": math.nan,
        "task": task,
        "library": library,
        "seed": seed,
        "final_return": math.nan,
        "wall_s": math.nan,
        "steps_per_s": math.nan,
        "steps_to_threshold": None,
        "time_to_threshold_s": None,
        "threshold": threshold,
    }


def run_lagom(
    algo: str, env_id: str, seed: int, steps: int, overrides: dict[str, Any] | None = None
) -> dict[str, object]:
    """Train lagom's ``algo`` on ``env_id`` for ``steps`` env steps; one benchmark row."""
    threshold = THRESHOLD[env_id]
    config = {"env.id": env_id, "train.timesteps": steps, "eval.episodes": EVAL_EPISODES}
    config |= overrides or {}
    with tempfile.TemporaryDirectory() as logdir:
        t0, c0 = time.perf_counter(), time.process_time()
        metrics = get_algorithm(algo).run(config, seed, "cpu", Path(logdir))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        with open(Path(logdir) / "progress.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    reached = next((r for r in rows if float(r["train_return"] or "nan") >= threshold), None)
    return {
        "env": "native" if config.get("env.native", True) else "sync",
        "cpu_s": cpu,
        "task": f"{algo}/{env_id}",
        "library": "lagom",
        "seed": seed,
        "final_return": metrics["return_mean"],
        "wall_s": wall,
        "steps_per_s": int(rows[-1]["timesteps"]) / float(rows[-1]["time"]),
        "steps_to_threshold": None if reached is None else int(reached["timesteps"]),
        "time_to_threshold_s": None if reached is None else float(reached["time"]),
        "threshold": threshold,
    }


def run_sb3_ppo(env_id: str, seed: int, steps: int, cfg: PPOConfig) -> dict[str, object]:
    """Train Stable-Baselines3's PPO with lagom's configuration ``cfg``; one benchmark row."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    threshold = THRESHOLD[env_id]

    def lr_fn(initial: float, kind: str) -> Any:
        return (lambda p: p * initial) if kind == "linear" else initial

    class FirstReach(BaseCallback):
        def __init__(self, t0: float) -> None:
            super().__init__()
            self.t0 = t0
            self.steps: int | None = None
            self.seconds: float | None = None

        def _on_step(self) -> bool:
            return True

        def _on_rollout_end(self) -> None:
            buffer = self.model.ep_info_buffer
            if self.steps is None and buffer and np.mean([e["r"] for e in buffer]) >= threshold:
                self.steps, self.seconds = self.num_timesteps, time.perf_counter() - self.t0

    t0, c0 = time.perf_counter(), time.process_time()
    env = make_vec_env(env_id, n_envs=cfg.env.num_envs, seed=seed)
    if cfg.env.normalize_obs or cfg.env.normalize_reward:
        env = VecNormalize(
            env,
            norm_obs=cfg.env.normalize_obs,
            norm_reward=cfg.env.normalize_reward,
            gamma=cfg.agent.gamma,
        )
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=cfg.train.n_steps,
        batch_size=cfg.train.batch_size,
        n_epochs=cfg.train.n_epochs,
        gamma=cfg.agent.gamma,
        gae_lambda=cfg.agent.gae_lambda,
        ent_coef=cfg.agent.ent_coef,
        vf_coef=cfg.agent.vf_coef,
        max_grad_norm=cfg.agent.max_grad_norm,
        learning_rate=lr_fn(cfg.agent.lr, cfg.agent.lr_schedule),
        clip_range=lr_fn(cfg.agent.clip_range, cfg.agent.clip_range_schedule),
        seed=seed,
        device="cpu",
    )
    callback = FirstReach(t0)
    t_learn = time.perf_counter()
    model.learn(total_timesteps=steps, callback=callback)
    learn_s = time.perf_counter() - t_learn

    def policy(obs: np.ndarray[Any, Any]) -> Any:
        x: Any = env.normalize_obs(obs) if isinstance(env, VecNormalize) else obs
        return model.predict(x, deterministic=True)[0]

    metrics = evaluate_policy(policy, lambda: gym.make(env_id), EVAL_EPISODES, seed + 10_000)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    env.close()
    return {
        "env": "sync",
        "cpu_s": cpu,
        "task": f"ppo/{env_id}",
        "library": "sb3",
        "seed": seed,
        "final_return": metrics["return_mean"],
        "wall_s": wall,
        "steps_per_s": model.num_timesteps / learn_s,
        "steps_to_threshold": callback.steps,
        "time_to_threshold_s": callback.seconds,
        "threshold": threshold,
    }


def run_plain_ppo(seed: int, steps: int, cfg: PPOConfig, env: str) -> dict[str, object]:
    """The plain torch loop of ``ppo_plain_torch.py`` with ``cfg``'s values on ``env``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.benchmarks import ppo_plain_torch

    agent, train = cfg.agent, cfg.train
    t0, c0 = time.perf_counter(), time.process_time()
    out = ppo_plain_torch.train(
        seed,
        steps,
        env,
        num_envs=cfg.env.num_envs,
        n_steps=train.n_steps,
        batch_size=train.batch_size,
        n_epochs=train.n_epochs,
        gamma=agent.gamma,
        lam=agent.gae_lambda,
        lr=agent.lr,
        clip=agent.clip_range,
        vf_coef=agent.vf_coef,
        ent_coef=agent.ent_coef,
        max_grad_norm=agent.max_grad_norm,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "env": env,
        "cpu_s": cpu,
        "task": "ppo/CartPole-v1",
        "library": "plain-torch",
        "seed": seed,
        "final_return": out["final_return"],
        "wall_s": wall,
        "steps_per_s": out["env_steps"] / wall,
        "steps_to_threshold": None,
        "time_to_threshold_s": None,
        "threshold": THRESHOLD["CartPole-v1"],
    }


def benchmark(
    seeds: list[int], quick: bool = False, cartpole_only: bool = False
) -> list[dict[str, object]]:
    """Train every task for every seed; PPO CartPole interleaved per seed: lagom, SB3 and the
    plain loop on each environment implementation. One row per (task, library, env, seed)."""
    torch.set_num_threads(1)
    rows: list[dict[str, object]] = []
    cfg = ppo.default_config("CartPole-v1")
    # Untimed warm-up: imports, numba's GAE compilation, SB3's and torch's first calls.
    run_lagom("ppo", "CartPole-v1", 0, 512)
    run_sb3_ppo("CartPole-v1", 0, 512, cfg)
    run_plain_ppo(0, 512, cfg, "native")
    for seed in seeds:
        steps = 4096 if quick else cfg.train.timesteps
        rows.append(run_lagom("ppo", "CartPole-v1", seed, steps))
        rows.append(run_sb3_ppo("CartPole-v1", seed, steps, cfg))
        rows.append(run_plain_ppo(seed, steps, cfg, "native"))
        rows.append(run_lagom("ppo", "CartPole-v1", seed, steps, {"env.native": False}))
        rows.append(run_plain_ppo(seed, steps, cfg, "sync"))
        if cartpole_only:
            continue
        vpg_steps = 4096 if quick else vpg.default_config("CartPole-v1").train.timesteps
        rows.append(run_lagom("vpg", "CartPole-v1", seed, vpg_steps))
        task = "ppo/InvertedPendulum-v5"
        if _has_mujoco():
            cfg = ppo.default_config("InvertedPendulum-v5")
            steps = 2048 if quick else cfg.train.timesteps
            rows.append(run_lagom("ppo", "InvertedPendulum-v5", seed, steps))
            rows.append(run_sb3_ppo("InvertedPendulum-v5", seed, steps, cfg))
        else:
            rows.append(_nan_row(task, "lagom", seed, THRESHOLD["InvertedPendulum-v5"]))
    return rows


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cartpole-only", action="store_true")
    args = parser.parse_args()
    rows = benchmark(args.seeds, quick=args.quick, cartpole_only=args.cartpole_only)
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(_fmt(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
