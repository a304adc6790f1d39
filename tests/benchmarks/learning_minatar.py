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
``evaluate_policy`` on seeds ``seed + 10_000 + i`` for both); ``steps_per_s``, environment
steps per second of training; ``cpu_s``, the process's CPU time of training and evaluation.
Both clocks start at the same point, before the environment and the model are built; both
libraries (and MinAtar, whose import is slow) are imported before, and each contender runs
once untimed (1000 steps) before the timed runs. One torch thread; the
contenders alternate in this process, seed by seed. The summary gives, per contender, the
median and range of the final returns and the medians of the speeds.

The third contender, ``plain``, is the floor: the hand-written torch loop of
``dqn_plain_torch.py`` (the same network, settings, environment and evaluation; a numpy
replay buffer, fused Adam, no checks and no logging). Its speed bounds what any library can
reach with this network on this machine.

Run from the repository root::

    python tests/benchmarks/learning_minatar.py [--steps 100000] [--seeds 0 1 2]
        [--contenders lagom sb3 plain]

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
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


def run_lagom(seed: int, steps: int, episodes: int) -> dict[str, float]:
    config = _config(steps, episodes)
    with tempfile.TemporaryDirectory() as logdir:
        wall, cpu = time.perf_counter(), time.process_time()
        learner = dqn.Learner(config, seed, "cpu", Path(logdir))
        agent, total = config.agent, steps
        epsilon = dqn.LinearSchedule(
            agent.exploration_initial_eps,
            agent.exploration_final_eps,
            max(1, round(agent.exploration_fraction * total)),
        )
        while learner.timesteps < total:
            learner.step(epsilon(learner.timesteps))
            t = learner.timesteps
            if t % agent.target_update_interval == 0:
                learner.agent.update_target()
            if t > agent.learning_starts and t % agent.train_freq == 0:
                for _ in range(agent.gradient_steps):
                    learner.learn(1.0)
        train_s = time.perf_counter() - wall
        learner.env.close()
        policy = dqn.greedy_policy(learner.agent.q_net, learner.agent.device)
        metrics = evaluate_policy(policy, lambda: make_env(ENV_ID), episodes, seed + 10_000)
    cpu_s = time.process_time() - cpu
    return {"final_return": metrics["return_mean"], "steps_per_s": steps / train_s, "cpu_s": cpu_s}


def run_sb3(seed: int, steps: int, episodes: int) -> dict[str, float]:
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

    agent = _config(steps, episodes).agent
    wall, cpu = time.perf_counter(), time.process_time()
    model = DQN(
        "CnnPolicy",
        make_env(ENV_ID),
        learning_rate=agent.lr,
        batch_size=agent.batch_size,
        buffer_size=agent.buffer_size,
        learning_starts=agent.learning_starts,
        gamma=agent.gamma,
        target_update_interval=agent.target_update_interval,
        train_freq=agent.train_freq,
        gradient_steps=agent.gradient_steps,
        exploration_fraction=agent.exploration_fraction,
        exploration_initial_eps=agent.exploration_initial_eps,
        exploration_final_eps=agent.exploration_final_eps,
        tau=agent.tau,
        max_grad_norm=agent.max_grad_norm,
        policy_kwargs={
            "features_extractor_class": Extractor,
            "net_arch": list(agent.hidden_sizes),
            "normalize_images": False,
        },
        seed=seed,
        device="cpu",
    )
    model.learn(total_timesteps=steps)
    train_s = time.perf_counter() - wall

    def policy(obs: Any) -> Any:
        return model.predict(np.asarray(obs), deterministic=True)[0]

    metrics = evaluate_policy(policy, lambda: make_env(ENV_ID), episodes, seed + 10_000)
    cpu_s = time.process_time() - cpu
    return {"final_return": metrics["return_mean"], "steps_per_s": steps / train_s, "cpu_s": cpu_s}


def run_plain(seed: int, steps: int, episodes: int) -> dict[str, float]:
    import dqn_plain_torch as plain

    agent = _config(steps, episodes).agent
    cpu = time.process_time()
    q, out = plain.train(
        seed,
        steps,
        lr=agent.lr,
        batch_size=agent.batch_size,
        buffer_size=agent.buffer_size,
        learning_starts=agent.learning_starts,
        gamma=agent.gamma,
        target_update_interval=agent.target_update_interval,
        train_freq=agent.train_freq,
        exploration_fraction=agent.exploration_fraction,
        exploration_initial_eps=agent.exploration_initial_eps,
        exploration_final_eps=agent.exploration_final_eps,
        max_grad_norm=agent.max_grad_norm,
    )
    metrics = evaluate_policy(plain.greedy(q), lambda: make_env(ENV_ID), episodes, seed + 10_000)
    cpu_s = time.process_time() - cpu
    return {
        "final_return": metrics["return_mean"],
        "steps_per_s": out["steps_per_s"],
        "cpu_s": cpu_s,
    }


RUNS = {"lagom": run_lagom, "sb3": run_sb3, "plain": run_plain}


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
    for seed in args.seeds:
        for name in args.contenders:
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
