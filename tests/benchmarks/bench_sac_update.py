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

``--profile`` splits one update's time into the parts of the step by hand (wall clock,
each part timed around its call, ``--updates`` updates after 50 of warm-up).

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


def profile(threads: int, updates: int) -> dict[str, float]:
    """Milliseconds per update spent in each part of the step by hand (wall clock, median
    over ``updates`` updates after 50 of warm-up): each part is timed around its call.

    torch's profiler is not used: at these sizes it charged each elementwise pass that
    follows a matrix product 150 - 230 us, where the same pass timed in line takes 20 us,
    so its split understated the products.
    """
    from lagom.baselines import _fused

    agent, buffer = _agent(threads, 5_000)
    cpu = torch.device("cpu")
    step = agent._fused
    assert step is not None
    times: dict[str, list[float]] = {}

    def timed(owner: object, name: str, part: str) -> None:
        call = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            out = call(*args, **kwargs)
            times.setdefault(part, []).append(time.perf_counter() - start)
            return out

        setattr(owner, name, wrapper)

    timed(step.actor, "forward", "actor forward at s")
    timed(agent, "td_target", "target (actor at s', target critics)")
    timed(step.critic, "forward", "critics forward (2 calls)")
    timed(step.critic, "backward", "critics backward")
    timed(step.critic, "action_grad", "critics to the action")
    timed(step.actor, "backward", "actor backward")
    timed(agent.critic_optimizer, "step", "Adam (critics)")
    timed(agent.actor_optimizer, "step", "Adam (actor)")
    polyak = vars(_fused)["polyak_update_"]  # the step calls it by its name in _fused
    timed(_fused, "polyak_update_", "target update")
    totals: list[float] = []
    try:
        for i in range(50 + updates):
            batch = replay_tensors(buffer.sample(256), cpu)
            start = time.perf_counter()
            agent.update(batch)
            totals.append(time.perf_counter() - start)
            if i == 49:
                times.clear()
                totals.clear()
    finally:
        vars(_fused)["polyak_update_"] = polyak
    parts = {part: sum(v) / len(totals) * 1e3 for part, v in times.items()}
    parts["the rest"] = float(np.median(totals)) * 1e3 - sum(parts.values())
    parts["update"] = float(np.median(totals)) * 1e3
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
        for threads in args.threads:
            print(f"threads {threads}: ms per update (wall clock, timed around each part)")
            for part, ms in profile(threads, args.updates).items():
                print(f"  {part:<38} {ms:6.3f}")
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
