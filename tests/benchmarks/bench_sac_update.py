"""Time of one SAC gradient step, lagom's against Stable-Baselines3's (a script, not a test).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_sac_update.py
[--threads 1 2] [--rounds 12] [--updates 150] [--paths | --profile]``.

Both learners have Pendulum-v1's sizes (3 observations, 1 action), 256-256 networks, batch
256 and lr 1e-3. lagom's update samples its replay buffer (filled with 5,000 random
transitions), turns the minibatch into tensors and calls ``SACAgent.update``;
Stable-Baselines3's ``SAC.train(1, 256)`` runs after a 300-step ``learn``. The two
alternate ``--rounds`` times, ``--updates`` steps each, and each side keeps its best round:
the machine is shared, so compare the ratio, never absolute times across runs.
``learning_offpolicy.py`` measures whole training runs.

``--profile`` splits one update's time (torch's profiler, self CPU time, ``--updates``
updates after 50 of warm-up) into the matrix products, the Adam steps and the rest.

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


def _agent(threads: int, transitions: int) -> tuple[SACAgent, ReplayBuffer]:
    """A Pendulum-sized SAC agent (256-256, lr 1e-3) and a buffer of random transitions."""
    torch.set_num_threads(threads)
    agent = SACAgent(3, 1, SACAgentConfig(lr=1e-3, hidden_sizes=(256, 256)), torch.device("cpu"))
    buffer = ReplayBuffer(20_000, 3, 1, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(transitions):
        obs, next_obs = rng.normal(size=(1, 3)), rng.normal(size=(1, 3))
        buffer.add(obs, rng.uniform(-1, 1, (1, 1)), [rng.normal()], next_obs, [False], [False])
    return agent, buffer


def measure(threads: int, rounds: int, updates: int) -> tuple[float, float]:
    """Best milliseconds per update of lagom and of Stable-Baselines3 with ``threads``."""
    from stable_baselines3 import SAC

    agent, buffer = _agent(threads, 5_000)
    cpu = torch.device("cpu")
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
    agent, buffer = _agent(threads, 2_000)
    fused = agent._fused
    batch = replay_tensors(buffer.sample(256), torch.device("cpu"))
    ratios = []
    for _ in range(rounds):
        times = []
        for path in (fused, None):
            agent._fused = path
            times.append(_ms_per_call(lambda: agent.update(batch), updates))
        ratios.append(times[0] / times[1])
    return ratios


#: torch's operator names of the matrix products of an update.
_PRODUCTS = ("aten::mm", "aten::bmm", "aten::baddbmm", "aten::addmm")


def profile(threads: int, updates: int) -> dict[str, float]:
    """Milliseconds per update (torch's profiler, self CPU time) of the matrix products, the
    Adam steps and everything else, over ``updates`` updates after a warm-up."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    agent, buffer = _agent(threads, 5_000)
    cpu = torch.device("cpu")
    for _ in range(50):
        agent.update(replay_tensors(buffer.sample(256), cpu))
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(updates):
            agent.update(replay_tensors(buffer.sample(256), cpu))
    parts = {"products": 0.0, "adam": 0.0, "other": 0.0}
    for event in prof.key_averages():
        part = (
            "products"
            if event.key in _PRODUCTS
            else "adam"
            if "adam" in event.key.lower()
            else "other"
        )
        parts[part] += event.self_cpu_time_total / 1e3 / updates
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--updates", type=int, default=150)
    parser.add_argument("--paths", action="store_true", help="fused step against autograd")
    parser.add_argument("--profile", action="store_true", help="where an update's time goes")
    args = parser.parse_args()
    if args.profile:
        print("threads  products ms  Adam ms  other ms  (per update, torch's profiler)")
        for threads in args.threads:
            parts = profile(threads, args.updates)
            print(
                f"{threads:7d}  {parts['products']:11.2f}  {parts['adam']:7.2f}  "
                f"{parts['other']:8.2f}"
            )
        return
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
