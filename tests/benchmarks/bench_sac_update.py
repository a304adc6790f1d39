"""Time of one SAC gradient step, lagom's against Stable-Baselines3's (a script, not a test).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_sac_update.py
[--threads 1 2] [--rounds 12] [--updates 150]``.

Both learners have Pendulum-v1's sizes (3 observations, 1 action), 256-256 networks, batch
256 and lr 1e-3. lagom's update samples its replay buffer (filled with 5,000 random
transitions), turns the minibatch into tensors and calls ``SACAgent.update``;
Stable-Baselines3's ``SAC.train(1, 256)`` runs after a 300-step ``learn``. The two
alternate ``--rounds`` times, ``--updates`` steps each, and each side keeps its best round:
the machine is shared, so compare the ratio, never absolute times across runs.
``learning_offpolicy.py`` measures whole training runs.

``--paths`` times lagom's two paths instead: the step by hand (``FusedSACStep``) against
autograd's, alternating on one minibatch in one process (``--rounds`` rounds of
``--updates`` steps each), and prints the median and range of the per-round ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

if not __package__:  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import gymnasium as gym
import numpy as np
import torch

from lagom.baselines.common import replay_tensors
from lagom.baselines.sac import SACAgent, SACAgentConfig
from lagom.runner import ReplayBuffer


def _ms_per_call(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e3


def measure(threads: int, rounds: int, updates: int) -> tuple[float, float]:
    """Best milliseconds per update of lagom and of Stable-Baselines3 with ``threads``."""
    from stable_baselines3 import SAC

    torch.set_num_threads(threads)
    cpu = torch.device("cpu")
    agent = SACAgent(3, 1, SACAgentConfig(lr=1e-3, hidden_sizes=(256, 256)), cpu)
    buffer = ReplayBuffer(20_000, 3, 1, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5_000):
        obs, next_obs = rng.normal(size=(1, 3)), rng.normal(size=(1, 3))
        buffer.add(obs, rng.uniform(-1, 1, (1, 1)), [rng.normal()], next_obs, [False], [False])
    model = SAC("MlpPolicy", gym.make("Pendulum-v1"), learning_rate=1e-3, device="cpu", seed=0)
    model.learn(300)
    ours, theirs = float("inf"), float("inf")
    for _ in range(rounds):
        ours = min(
            ours,
            _ms_per_call(lambda: agent.update(replay_tensors(buffer.sample(256), cpu)), updates),
        )
        theirs = min(theirs, _ms_per_call(lambda: model.train(1, 256), updates))
    return ours, theirs


def measure_paths(threads: int, rounds: int, updates: int) -> list[float]:
    """Per-round ratios of the fused step's time to autograd's, with ``threads``."""
    torch.set_num_threads(threads)
    cpu = torch.device("cpu")
    agent = SACAgent(3, 1, SACAgentConfig(lr=1e-3, hidden_sizes=(256, 256)), cpu)
    fused = agent._fused
    buffer = ReplayBuffer(20_000, 3, 1, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(2_000):
        obs, next_obs = rng.normal(size=(1, 3)), rng.normal(size=(1, 3))
        buffer.add(obs, rng.uniform(-1, 1, (1, 1)), [rng.normal()], next_obs, [False], [False])
    batch = replay_tensors(buffer.sample(256), cpu)
    ratios = []
    for _ in range(rounds):
        times = []
        for path in (fused, None):
            agent._fused = path
            times.append(_ms_per_call(lambda: agent.update(batch), updates))
        ratios.append(times[0] / times[1])
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--updates", type=int, default=150)
    parser.add_argument("--paths", action="store_true", help="fused step against autograd")
    args = parser.parse_args()
    if args.paths:
        print("threads  fused / autograd: median (range) of per-round time ratios")
        for threads in args.threads:
            ratios = measure_paths(threads, args.rounds, args.updates)
            low, mid, high = min(ratios), float(np.median(ratios)), max(ratios)
            print(f"{threads:7d}  {mid:.3f} ({low:.3f} -- {high:.3f})")
        return
    print("threads  lagom ms  SB3 ms  SB3/lagom")
    for threads in args.threads:
        ours, theirs = measure(threads, args.rounds, args.updates)
        print(f"{threads:7d}  {ours:8.2f}  {theirs:6.2f}  {theirs / ours:8.2f}")


if __name__ == "__main__":
    main()
