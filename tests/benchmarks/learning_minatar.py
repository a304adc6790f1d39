"""DQN on MinAtar Breakout: lagom's DQN beside Stable-Baselines3's, the same network.

Task: ``MinAtar/Breakout-v1`` (observations ``[10, 10, 4]`` bool, 3 actions), ``--steps``
environment steps (default 100k), lagom's zoo settings (:data:`lagom.baselines.dqn.
MINATAR_BREAKOUT`) for both libraries: Adam lr 2.5e-4, batch 32, buffer 1e5, 5000 random
steps first (at most half the run), gamma 0.99, target copied every 1000 steps, one gradient
step every 4 steps, epsilon 1 -> 0.1 over the first 10% of the steps, Huber loss, gradient
norm clipped at 10, vanilla DQN targets (``agent.double=false``: Stable-Baselines3 has no
Double DQN). The network is the same class in both: lagom's
:class:`~lagom.networks.CNNEncoder` (MinAtar's 16-channel 3x3 convolution), given to
Stable-Baselines3 as its ``features_extractor_class``, then one hidden layer of 128
(``net_arch=[128]``) and the linear head.

Per run: ``final_return``, the mean of ``--episodes`` greedy episodes (lagom's
``evaluate_policy`` on seeds ``seed + 10_000 + i`` for every contender), played after the
clocks stop; ``steps_per_s``, environment steps per second of the training loop;
``cpu_s``, the process's CPU time of training (MinAtar has no time limit, so an evaluation's
length depends on the policy: it is left out). Every clock starts once the environment and
the model are built: lagom's is its ``Learner``'s (the ``time`` column of
``progress.csv``), and lagom trains through ``dqn.train``, its own loop with progress rows
and the final checkpoint (in ``cpu_s``, not in the wall clock), and a one-episode final
evaluation of its own. The libraries (and MinAtar, whose import is slow) are imported
before, each contender runs once untimed (1000 steps) before the timed runs, one torch
thread, the contenders alternate in this process with the order rotating from seed to
seed, and garbage is collected before each run. The summary gives, per contender, the
median and range of the final returns and the medians of the speeds.

Contenders (``--contenders``, all by default):

- ``lagom``: ``dqn.train`` with these settings (fused Adam, lagom's default);
- ``sb3``: Stable-Baselines3's DQN as its users run it (its default Adam, one parameter at a
  time on CPU);
- ``sb3-fused``: the same with ``optimizer_kwargs={"fused": True}``, the optimizer step
  lagom takes;
- ``plain``: the floor, the hand-written torch loop of ``dqn_plain_torch.py`` (the same
  network, settings, environment and evaluation; a numpy replay buffer, fused Adam, no
  checks, no logging, no checkpoints). Its speed bounds what a library can reach with
  this network on this machine.

Run from the repository root::

    python tests/benchmarks/learning_minatar.py [--steps 100000] [--seeds 0 1 2]
        [--contenders lagom sb3 sb3-fused plain]

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import csv
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import torch

from lagom.baselines import dqn
from lagom.baselines.common import (
    OffPolicyEvalConfig,
    OffPolicyTrainConfig,
    evaluate_policy,
    make_env,
)
from lagom.networks import CNNEncoder

ENV_ID = "MinAtar/Breakout-v1"


def _config(steps: int, episodes: int) -> dqn.DQNConfig:
    zoo = dqn.MINATAR_BREAKOUT
    agent = attrs.evolve(
        zoo.agent, double=False, learning_starts=min(zoo.agent.learning_starts, steps // 2)
    )
    return attrs.evolve(
        zoo,
        agent=agent,
        train=OffPolicyTrainConfig(timesteps=steps, log_interval=max(1, steps // 10)),
        eval=OffPolicyEvalConfig(episodes=episodes),
    )


def _settings(steps: int) -> dict[str, Any]:
    """lagom's settings under the names Stable-Baselines3's DQN (and the plain loop) take."""
    agent = _config(steps, 1).agent
    return {
        "learning_rate": agent.lr,
        "batch_size": agent.batch_size,
        "buffer_size": agent.buffer_size,
        "learning_starts": agent.learning_starts,
        "gamma": agent.gamma,
        "target_update_interval": agent.target_update_interval,
        "train_freq": agent.train_freq,
        "exploration_fraction": agent.exploration_fraction,
        "exploration_initial_eps": agent.exploration_initial_eps,
        "exploration_final_eps": agent.exploration_final_eps,
        "max_grad_norm": agent.max_grad_norm,
    }


def run_lagom(seed: int, steps: int, episodes: int) -> dict[str, float]:
    # lagom's own training loop (progress rows and checkpoints included); its final
    # evaluation is one episode here, the comparison's 20 come after the clocks stop.
    config = _config(steps, 1)
    with tempfile.TemporaryDirectory() as logdir:
        cpu = time.process_time()
        dqn.train(config, seed, "cpu", Path(logdir))
        cpu_s = time.process_time() - cpu
        with open(Path(logdir) / "progress.csv", newline="") as f:
            train_s = float(list(csv.DictReader(f))[-1]["time"])  # from the Learner built
        policy = dqn.make_policy(Path(logdir), "cpu")
        metrics = evaluate_policy(policy, lambda: make_env(ENV_ID), episodes, seed + 10_000)
    return {"final_return": metrics["return_mean"], "steps_per_s": steps / train_s, "cpu_s": cpu_s}


def _sb3_model(seed: int, steps: int, optimizer_kwargs: dict[str, Any]) -> Any:
    from stable_baselines3 import DQN
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

    class Extractor(BaseFeaturesExtractor):  # lagom's CNNEncoder, the same layers
        def __init__(self, observation_space: gym.spaces.Box) -> None:
            encoder = CNNEncoder(observation_space)
            super().__init__(observation_space, encoder.out_features)
            self.encoder = encoder

        def forward(self, observations: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.encoder(observations)
            return out

    agent = _config(steps, 1).agent
    return DQN(
        "CnnPolicy",
        make_env(ENV_ID),
        **_settings(steps),
        gradient_steps=agent.gradient_steps,
        tau=agent.tau,
        policy_kwargs={
            "features_extractor_class": Extractor,
            "net_arch": list(agent.hidden_sizes),
            "normalize_images": False,
            "optimizer_kwargs": optimizer_kwargs,
        },
        seed=seed,
        device="cpu",
    )


def _run_sb3(seed: int, steps: int, episodes: int, fused: bool) -> dict[str, float]:
    model = _sb3_model(seed, steps, {"fused": True} if fused else {})
    wall, cpu = time.perf_counter(), time.process_time()  # from the model built
    model.learn(total_timesteps=steps)
    train_s = time.perf_counter() - wall
    cpu_s = time.process_time() - cpu

    def policy(obs: Any) -> Any:
        return model.predict(np.asarray(obs), deterministic=True)[0]

    metrics = evaluate_policy(policy, lambda: make_env(ENV_ID), episodes, seed + 10_000)
    return {"final_return": metrics["return_mean"], "steps_per_s": steps / train_s, "cpu_s": cpu_s}


def run_sb3(seed: int, steps: int, episodes: int) -> dict[str, float]:
    return _run_sb3(seed, steps, episodes, fused=False)


def run_sb3_fused(seed: int, steps: int, episodes: int) -> dict[str, float]:
    return _run_sb3(seed, steps, episodes, fused=True)


def run_plain(seed: int, steps: int, episodes: int) -> dict[str, float]:
    import dqn_plain_torch as plain

    q, out = plain.train(seed, steps, **_settings(steps))
    metrics = evaluate_policy(plain.greedy(q), lambda: make_env(ENV_ID), episodes, seed + 10_000)
    return {"final_return": metrics["return_mean"], **out}


RUNS = {"lagom": run_lagom, "sb3": run_sb3, "sb3-fused": run_sb3_fused, "plain": run_plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--contenders", nargs="+", choices=list(RUNS), default=list(RUNS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    import stable_baselines3  # noqa: F401 (imported before any clock starts)

    make_env(ENV_ID).close()  # MinAtar's (slow) import, before any clock starts
    for name in args.contenders:  # untimed warm-up: torch's first kernels, lazy imports
        RUNS[name](0, 1000, 1)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in args.contenders}
    for i, seed in enumerate(args.seeds):
        k = i % len(args.contenders)  # the order rotates from seed to seed
        for name in args.contenders[k:] + args.contenders[:k]:
            gc.collect()  # no garbage of the run before collected on this run's clock
            out = RUNS[name](seed, args.steps, args.episodes)
            results[name].append(out)
            print(f"{name:5s} seed {seed}: " + ", ".join(f"{k} {v:.2f}" for k, v in out.items()))
    for name, runs in results.items():
        returns = [r["final_return"] for r in runs]
        speed = statistics.median(r["steps_per_s"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        print(
            f"{name:5s}: final_return median {statistics.median(returns):.2f} "
            f"range [{min(returns):.2f}, {max(returns):.2f}], steps/s median {speed:.0f}, "
            f"cpu_s median {cpu:.1f} ({len(runs)} seeds, {args.steps} steps)"
        )


if __name__ == "__main__":
    main()
