"""DQN learning benchmark: lagom's DQN beside Stable-Baselines3's on CartPole-v1.

Task: CartPole-v1 (gymnasium's implementation for both), 50k environment steps,
rl-baselines3-zoo's settings for both libraries (lr 2.3e-3, batch 64, buffer 1e5, 1000 random
steps first, gamma 0.99, target copied every 10 steps, 128 gradient steps every 256 steps,
epsilon 1 -> 0.04 over the first 16% of the steps, 256-256 network, Huber loss, gradient
norm clipped at 10). lagom runs ``lagom train dqn``'s CartPole configuration, which adds
3-step returns to those settings (``--vanilla`` runs Stable-Baselines3's algorithm instead:
one-step targets, ``agent.n_steps=1``; both use the target network's maximum).

Per run: ``final_return``, the mean of 20 greedy episodes (``evaluate_policy`` with seed
``seed + 10_000`` for both); ``steps_per_s``, environment steps per second of training
(wall clock, the final evaluation excluded); ``cpu_s``, the process's CPU time of training
and final evaluation (both libraries imported, and torch's fused Adam set up, before the
first timing). One torch thread; the libraries alternate in this process, seed by seed.

Run from the repository root::

    python tests/benchmarks/learning_dqn.py [--seeds 0 1 2] [--quick] [--vanilla]

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch

from lagom.baselines import get_algorithm
from lagom.baselines.common import evaluate_policy
from lagom.baselines.dqn import CARTPOLE

ENV_ID = "CartPole-v1"
EPISODES = 20


def _sb3_kwargs(steps: int) -> dict[str, Any]:
    """The zoo's settings, read from lagom's ``CARTPOLE`` so that both runs share them."""
    agent = CARTPOLE.agent
    return {
        "learning_rate": agent.lr,
        "batch_size": agent.batch_size,
        "buffer_size": agent.buffer_size,
        "learning_starts": min(agent.learning_starts, steps // 2),
        "gamma": agent.gamma,
        "target_update_interval": agent.target_update_interval,
        "train_freq": agent.train_freq,
        "gradient_steps": agent.gradient_steps,
        "exploration_fraction": agent.exploration_fraction,
        "exploration_initial_eps": agent.exploration_initial_eps,
        "exploration_final_eps": agent.exploration_final_eps,
        "tau": agent.tau,
        "max_grad_norm": agent.max_grad_norm,
        "policy_kwargs": {"net_arch": list(agent.hidden_sizes)},
    }


def _lagom_row(seed: int, steps: int, vanilla: bool) -> dict[str, Any]:
    keys: dict[str, Any] = {
        "train.timesteps": steps,
        "agent.learning_starts": min(CARTPOLE.agent.learning_starts, steps // 2),
        **({"agent.n_steps": 1, "agent.double": False} if vanilla else {}),
        "eval.episodes": EPISODES,
    }
    with tempfile.TemporaryDirectory() as tmp:
        cpu = time.process_time()
        metrics = get_algorithm("dqn").run(keys, seed, "cpu", Path(tmp))
        cpu = time.process_time() - cpu
        with open(Path(tmp) / "progress.csv", newline="") as f:
            wall = float(list(csv.DictReader(f))[-1]["time"])
    return _row("lagom", seed, metrics["return_mean"], wall, steps, cpu)


def _sb3_row(seed: int, steps: int) -> dict[str, Any]:
    import stable_baselines3 as sb3

    cpu = time.process_time()
    model = sb3.DQN(
        "MlpPolicy", gym.make(ENV_ID), device="cpu", seed=seed, verbose=0, **_sb3_kwargs(steps)
    )
    t0 = time.perf_counter()
    model.learn(steps)
    wall = time.perf_counter() - t0

    def policy(obs: Any) -> Any:
        return model.predict(obs, deterministic=True)[0]

    metrics = evaluate_policy(policy, lambda: gym.make(ENV_ID), EPISODES, seed + 10_000)
    cpu = time.process_time() - cpu
    return _row("sb3", seed, metrics["return_mean"], wall, steps, cpu)


def _row(
    library: str, seed: int, final: float, wall: float, steps: int, cpu: float
) -> dict[str, Any]:
    return {
        "library": library,
        "seed": seed,
        "final_return": float(final),
        "wall_s": wall,
        "steps_per_s": steps / wall,
        "cpu_s": cpu,
    }


def _warm_up() -> None:
    """Import what the first run of each library would otherwise pay for inside its timing:
    Stable-Baselines3, and torch's compiler stack (which fused Adam imports once)."""
    import stable_baselines3  # noqa: F401 - imported for its import time only

    torch.optim.Adam([torch.zeros(1, requires_grad=True)], fused=True)


def benchmark(seeds: list[int], steps: int, vanilla: bool) -> list[dict[str, Any]]:
    """Train lagom then SB3 for every seed; one row per (library, seed)."""
    _warm_up()
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        rows.append(_lagom_row(seed, steps, vanilla))
        rows.append(_sb3_row(seed, steps))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="3000 steps: a smoke test")
    parser.add_argument("--vanilla", action="store_true", help="lagom with one-step targets")
    args = parser.parse_args()
    torch.set_num_threads(1)
    steps = 3000 if args.quick else CARTPOLE.train.timesteps
    rows = benchmark(args.seeds, steps, args.vanilla)
    keys = ["library", "seed", "final_return", "wall_s", "steps_per_s", "cpu_s"]
    print(f"DQN {ENV_ID} {steps} steps, lagom {'one-step' if args.vanilla else '3-step'} targets")
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        cells = [f"{row[k]:.1f}" if isinstance(row[k], float) else str(row[k]) for k in keys]
        print("| " + " | ".join(cells) + " |")
    for library in ("lagom", "sb3"):
        mine = [r for r in rows if r["library"] == library]
        medians = {k: statistics.median(float(r[k]) for r in mine) for k in keys[2:]}
        print(library, "medians:", {k: round(v, 1) for k, v in medians.items()})
    pairs = zip(rows[::2], rows[1::2], strict=True)
    ratios = [float(a["steps_per_s"]) / float(b["steps_per_s"]) for a, b in pairs]
    print("lagom / sb3 steps per second, by seed:", [round(r, 2) for r in ratios])


if __name__ == "__main__":
    main()
