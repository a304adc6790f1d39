"""Recurrent PPO benchmark on masked CartPole: lagom's ``ppo_lstm`` against sb3-contrib's
``RecurrentPPO``, and lagom's feed-forward ``ppo`` on the same partially observed task.

Task: ``lagom/MaskedCartPole-v1`` (CartPole-v1 without the velocities, 500-step episodes;
:class:`lagom.envs.MaskVelocity` over gymnasium's CartPole on both sides, each library's
own vectorization). Settings (lagom's :data:`~lagom.baselines.ppo_lstm.ZOO`, from
rl-baselines3-zoo's ``ppo_lstm`` values for CartPoleNoVel-v1, the same for both libraries):
8 envs, 32 steps per env per update, batch 256, 10 epochs (the zoo's 20 lost one seed of
three), γ 0.98, λ 0.8, linear lr 1e-3 and clip 0.2, no entropy bonus, separate
actor and critic LSTMs of 64 units, then one 64-unit ReLU layer, no orthogonal init; 200k
steps (the zoo's 100k is too few for either library to solve the task on every seed). lagom's
LSTM is layer-normalized (:func:`~lagom.networks.make_lnlstm`), so a 64-unit ReLU encoder
comes before it (``agent.encoder_sizes``: layer norm alone would drop the scale of the
observations); sb3-contrib's ``nn.LSTM`` reads the observations directly. lagom replays
whole 32-step env columns, sb3-contrib cuts them at episode starts and pads. Feed-forward
PPO runs lagom's PPO zoo values for CartPole-v1 (same budget).

Each row: ``final_return`` (mean of 20 deterministic episodes, seeds ``seed + 10000 + i``,
the recurrent state reset at each episode start), ``train_s`` and ``cpu_s`` (wall and CPU
time from before the environments and the model are built to the end of training),
``steps_per_s`` (steps / ``train_s``). Runs interleave (per seed: lagom ppo_lstm,
RecurrentPPO, lagom ppo) in this process with one torch thread. From the repository root::

    python tests/benchmarks/learning_ppo_lstm.py [--steps 200000] [--seeds 0 1 2] [--no-ff]
        [--only lagom|sb3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import torch

from lagom.baselines import ppo, ppo_lstm
from lagom.baselines.common import evaluate_policy
from lagom.envs import MASKED_CARTPOLE_ID, MaskVelocity

EVAL_EPISODES = 20
TARGET = 475.0


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _row(
    library: str, seed: int, steps: int, ret: float, t0: tuple[float, float]
) -> dict[str, Any]:
    wall, cpu = time.perf_counter() - t0[0], time.process_time() - t0[1]
    return {"library": library, "seed": seed, "final_return": ret, "train_s": wall, "cpu_s": cpu,
            "steps_per_s": steps / wall}  # fmt: skip


def run_lagom_lstm(seed: int, steps: int) -> dict[str, Any]:
    """lagom's ppo_lstm with its zoo values (the loop of :func:`ppo_lstm.train`)."""
    zoo = ppo_lstm.default_config()
    config = attrs.evolve(zoo, train=attrs.evolve(zoo.train, timesteps=steps))
    with tempfile.TemporaryDirectory() as logdir:
        t0 = _clock()
        learner = ppo_lstm.Learner(config, seed, "cpu", Path(logdir))
        agent = config.agent
        clip = ppo_lstm._schedule(agent.clip_range, agent.clip_range_schedule, steps)
        while learner.timesteps < steps:
            batch = learner.collect()
            clip_range = clip(learner.timesteps)
            stats = ppo_lstm.update(learner.model, learner.optimizer, batch, config, clip_range)
            learner.end_iteration(batch, stats)
        row = _row("lagom ppo_lstm", seed, learner.timesteps, math.nan, t0)
        learner.train_env.env.close()
    policy = ppo_lstm.RecurrentPolicy(learner.model)
    metrics = ppo_lstm.evaluate(policy, MASKED_CARTPOLE_ID, EVAL_EPISODES, seed + 10_000)
    return row | {"final_return": metrics["return_mean"]}


def run_lagom_ff(seed: int, steps: int) -> dict[str, Any]:
    """lagom's feed-forward PPO, CartPole-v1's zoo values, on the masked task."""
    zoo = ppo.default_config("CartPole-v1")
    config = attrs.evolve(
        zoo,
        env=attrs.evolve(zoo.env, id=MASKED_CARTPOLE_ID),
        train=attrs.evolve(zoo.train, timesteps=steps),
    )
    with tempfile.TemporaryDirectory() as logdir:
        t0 = _clock()
        learner = ppo.Learner("ppo", config, seed, "cpu", Path(logdir))
        agent = config.agent
        clip = ppo._schedule(agent.clip_range, agent.clip_range_schedule, steps)
        while learner.timesteps < steps:
            batch = learner.collect()
            clip_range = clip(learner.timesteps)
            stats = ppo.update(learner.model, learner.optimizer, batch, config, clip_range)
            learner.end_iteration(batch, stats)
        row = _row("lagom ppo (no memory)", seed, learner.timesteps, math.nan, t0)
        learner.train_env.env.close()
    model = learner.model

    def policy(obs: np.ndarray[Any, Any]) -> Any:
        return model.choose_action(obs.astype(np.float32), deterministic=True)["raw_action"]

    result = evaluate_policy(
        policy, lambda: gym.make(MASKED_CARTPOLE_ID), EVAL_EPISODES, seed + 10_000
    )
    return row | {"final_return": result["return_mean"]}


class _Resetting(gym.Wrapper[Any, Any, Any, Any]):
    """Calls ``on_reset`` at every reset: the recurrent policy starts each episode afresh."""

    def __init__(self, env: gym.Env[Any, Any], on_reset: Callable[[], None]) -> None:
        super().__init__(env)
        self.on_reset = on_reset

    def reset(self, **kwargs: Any) -> Any:
        self.on_reset()
        return self.env.reset(**kwargs)


def run_sb3_lstm(seed: int, steps: int) -> dict[str, Any]:
    """sb3-contrib's RecurrentPPO with the same settings."""
    from sb3_contrib import RecurrentPPO
    from stable_baselines3.common.env_util import make_vec_env

    cfg = ppo_lstm.default_config()
    agent, train = cfg.agent, cfg.train
    t0 = _clock()
    env = make_vec_env(
        lambda: MaskVelocity(gym.make("CartPole-v1")), n_envs=cfg.env.num_envs, seed=seed
    )
    model = RecurrentPPO(
        "MlpLstmPolicy",
        env,
        n_steps=train.n_steps,
        batch_size=train.batch_size,
        n_epochs=train.n_epochs,
        gamma=agent.gamma,
        gae_lambda=agent.gae_lambda,
        ent_coef=agent.ent_coef,
        vf_coef=agent.vf_coef,
        max_grad_norm=agent.max_grad_norm,
        learning_rate=lambda p: p * agent.lr,
        clip_range=lambda p: p * agent.clip_range,
        policy_kwargs={
            "ortho_init": agent.ortho_init,
            "activation_fn": torch.nn.ReLU if agent.activation == "relu" else torch.nn.Tanh,
            "lstm_hidden_size": agent.lstm_hidden_size,
            "n_lstm_layers": agent.lstm_layers,
            "shared_lstm": agent.shared_lstm,
            "enable_critic_lstm": not agent.shared_lstm,
            "net_arch": {"pi": list(agent.hidden_sizes), "vf": list(agent.hidden_sizes)},
        },
        seed=seed,
        device="cpu",
    )
    model.learn(total_timesteps=steps)
    row = _row("sb3-contrib RecurrentPPO", seed, model.num_timesteps, math.nan, t0)
    env.close()
    memory: dict[str, Any] = {"state": None, "start": np.ones(1, dtype=bool)}

    def reset() -> None:
        memory["state"], memory["start"] = None, np.ones(1, dtype=bool)

    def policy(obs: np.ndarray[Any, Any]) -> Any:
        action, memory["state"] = model.predict(
            obs, state=memory["state"], episode_start=memory["start"], deterministic=True
        )
        memory["start"] = np.zeros(1, dtype=bool)
        return action

    result = evaluate_policy(
        policy,
        lambda: _Resetting(gym.make(MASKED_CARTPOLE_ID), reset),
        EVAL_EPISODES,
        seed + 10_000,
    )
    return row | {"final_return": result["return_mean"]}


def _summary(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'library':<26} {'eval median':>11} {'eval range':>16} {'steps/s':>9} {'cpu_s':>8}")
    for library in dict.fromkeys(r["library"] for r in rows):
        mine = [r for r in rows if r["library"] == library]
        returns = [r["final_return"] for r in mine]
        print(
            f"{library:<26} {np.median(returns):>11.1f} "
            f"{f'[{min(returns):.0f}, {max(returns):.0f}]':>16} "
            f"{np.median([r['steps_per_s'] for r in mine]):>9.0f} "
            f"{np.median([r['cpu_s'] for r in mine]):>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=ppo_lstm.default_config().train.timesteps)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-ff", action="store_true", help="skip feed-forward PPO")
    parser.add_argument("--only", choices=("lagom", "sb3"), help="run one library only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    runs: list[Callable[[int, int], dict[str, Any]]] = []
    if args.only != "sb3":
        runs.append(run_lagom_lstm)
    if args.only != "lagom":
        runs.append(run_sb3_lstm)
    if not args.no_ff and args.only != "sb3":  # feed-forward PPO is lagom's
        runs.append(run_lagom_ff)
    rows = []
    for seed in args.seeds:
        for run in runs:
            row = run(seed, args.steps)
            print(
                f"{row['library']:<26} seed {seed}: return {row['final_return']:7.1f}  "
                f"{row['steps_per_s']:6.0f} steps/s  train {row['train_s']:6.1f} s  "
                f"cpu {row['cpu_s']:6.1f} s",
                flush=True,
            )
            rows.append(row)
    _summary(rows)
    print(f"target: lagom ppo_lstm eval >= {TARGET}")


if __name__ == "__main__":
    main()
