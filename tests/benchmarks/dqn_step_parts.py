"""One DQN environment step on MinAtar Breakout: lagom's ``Learner.step`` beside the plain
loop's step (``dqn_plain_torch.py``), greedy and exploring.

Both sides: the same network layers, an environment made by ``make_env`` with
``RecordEpisodeStatistics``, one stored transition per step (lagom: ``ReplayBuffer.add_one``;
plain: five numpy writes). Greedy (epsilon 0) the step acts through the network; exploring
(epsilon 1) it draws a random action. Interleaved rounds of 1,000 steps each, the median and
range of the per-step CPU time of this thread, one torch thread::

    python tests/benchmarks/dqn_step_parts.py [--rounds 9]

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dqn_plain_torch as plain

from lagom.baselines import dqn
from lagom.baselines.common import make_env


def _plain_step(steps: int) -> Callable[[float], None]:
    """The plain loop's step (act, env step, five buffer writes, reset at episode ends)."""
    env = gym.wrappers.RecordEpisodeStatistics(make_env(plain.ENV_ID))
    obs, _ = env.reset(seed=0)
    height, width, channels = env.observation_space.shape  # type: ignore[misc]
    q = plain.q_network(channels, height, width, int(env.action_space.n))  # type: ignore[attr-defined]
    buffers = [np.zeros((steps, height, width, channels), bool) for _ in range(2)]
    actions, rewards = np.zeros(steps, np.int64), np.zeros(steps, np.float32)
    terminations = np.zeros(steps, np.float32)
    one = torch.zeros((1, height, width, channels), dtype=torch.bool)
    one_np = one.numpy()
    rng = np.random.default_rng(0)
    state: dict[str, Any] = {"t": 0, "obs": obs}

    def step(epsilon: float) -> None:
        current = state["obs"]
        if rng.random() < epsilon:
            action = int(rng.integers(3))
        else:
            one_np[0] = current
            with torch.inference_mode():
                action = int(q(plain._batch(one)).argmax(dim=1)[0])
        following, reward, terminated, truncated, _ = env.step(action)
        i = state["t"] % steps
        buffers[0][i], buffers[1][i], actions[i] = current, following, action
        rewards[i], terminations[i] = reward, terminated
        state["obs"] = env.reset()[0] if terminated or truncated else following
        state["t"] += 1

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(1)
    steps = 1_000
    zoo = dqn.MINATAR_BREAKOUT
    config = attrs.evolve(
        zoo,
        agent=attrs.evolve(zoo.agent, double=False, learning_starts=0),
        train=attrs.evolve(zoo.train, timesteps=(args.rounds * 2 + 1) * steps),
    )
    with tempfile.TemporaryDirectory() as logdir:
        learner = dqn.Learner(config, 0, "cpu", Path(logdir))
        contenders: dict[str, Callable[[float], None]] = {
            "plain": _plain_step(config.train.timesteps),
            "lagom": learner.step,
        }
        times: dict[str, list[float]] = {}
        for r in range(args.rounds):
            for epsilon in (1.0, 0.0):
                order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
                for name in order:
                    step = contenders[name]
                    start = time.thread_time()
                    for _ in range(steps):
                        step(epsilon)
                    per_step = (time.thread_time() - start) / steps * 1e6
                    times.setdefault(f"{name}, epsilon {epsilon:.0f}", []).append(per_step)
        learner.env.close()
    print(f"CPU µs per step, median [min, max] of {args.rounds} interleaved rounds, 1 thread")
    for key, values in times.items():
        print(f"  {key}: {statistics.median(values):.1f} [{min(values):.1f}, {max(values):.1f}]")


if __name__ == "__main__":
    main()
