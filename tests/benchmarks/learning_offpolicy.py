"""Off-policy learning benchmark: lagom's SAC, TD3 and DDPG beside Stable-Baselines3's.

Tasks (Pendulum-v1, 20k environment steps, rl-baselines3-zoo settings, the same for both
libraries): SAC (lr 1e-3, otherwise SB3's defaults: 256-256 networks, batch 256, buffer 1e6,
100 random steps first), TD3 and DDPG (gamma 0.98, buffer 2e5, 10k random steps first, lr
1e-3, 400-300 networks, Gaussian exploration noise 0.1). Targets: SAC and TD3 median final
return >= -200 and SAC environment steps per second >= 1.5x SB3's; DDPG is reported.

``wall_s`` and ``steps_per_s`` time the training only (not the final evaluation), from the
same start on both sides: before the environment, the replay buffer and the networks are
made (lagom's run clock; an untimed warm-up of each library runs first);
``final_return`` is the mean of 20 deterministic episodes (``evaluate_policy`` with seed
``seed + 10_000`` for both libraries); ``steps_to_threshold`` is the first multiple of 1000
steps at which the mean return of the last 100 training episodes reached the threshold.

Run from the repository root::

    python tests/benchmarks/learning_offpolicy.py [--seeds 0 1 2] [--quick]
        [--algorithms sac td3 ddpg] [--libraries lagom sb3] [--threads N]
    python tests/benchmarks/learning_offpolicy.py --env HalfCheetah-v5 --algorithms sac \
        [--steps 100000] [--threads 1]

``--env HalfCheetah-v5`` runs the zoo's MuJoCo settings instead (SB3's defaults with 10,000
random steps first, for SAC, TD3 and DDPG alike; 100k steps unless ``--steps``); its
``steps_to_threshold`` column is left empty. ``cpu_s`` is the process CPU time (all
threads) of model construction, training and the final evaluation on both sides;
``--threads`` sets torch's intra-op threads for both libraries.

By default each seed runs lagom then SB3 in this process, alternating. ``--libraries`` runs
one library per process, for a many-core machine where the two run side by side at once;
compare speeds from such runs only when every process had a core of its own.

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from lagom.baselines import get_algorithm
from lagom.baselines.common import evaluate_policy
from lagom.envs import RecordEpisodeStatistics

ENV_ID = "Pendulum-v1"
THRESHOLD = -200.0
LOG_INTERVAL = 1000


def _lagom_row(name: str, config: dict[str, Any], seed: int, task: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(tmp)
        cpu0 = time.process_time()
        metrics = get_algorithm(name).run(config, seed, "cpu", logdir)
        with open(logdir / "progress.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    wall = float(rows[-1]["time"])
    cpu = time.process_time() - cpu0  # training and the final evaluation, as for SB3
    steps = int(rows[-1]["timesteps"])
    reached = [
        int(r["timesteps"])
        for r in rows
        if r["train_return"] not in ("", "nan") and float(r["train_return"]) >= THRESHOLD
    ]
    return _row(task, "lagom", seed, metrics["return_mean"], wall, cpu, steps, reached)


def _row(
    task: str,
    library: str,
    seed: int,
    final: float,
    wall: float,
    cpu: float,
    steps: int,
    reached: list[int],
) -> dict[str, object]:
    return {
        "task": task,
        "library": library,
        "seed": seed,
        "final_return": float(final),
        "wall_s": wall,
        "cpu_s": cpu,
        "steps_per_s": steps / wall,
        "steps_to_threshold": (reached[0] if reached else None)
        if ENV_ID == "Pendulum-v1"
        else None,
        "threshold": THRESHOLD,
    }


def _sb3_row(
    name: str, kwargs: dict[str, Any], steps: int, seed: int, task: str, episodes: int
) -> dict[str, object]:
    import stable_baselines3 as sb3
    from stable_baselines3.common.callbacks import BaseCallback

    # The clock starts where lagom's does (its run's ``time`` column): before the
    # environment, the replay buffer and the networks are made.
    t0, cpu0 = time.perf_counter(), time.process_time()
    env = RecordEpisodeStatistics(gym.make(ENV_ID))
    reached: list[int] = []

    class _Threshold(BaseCallback):
        def _on_step(self) -> bool:
            queue = env.return_queue
            if self.num_timesteps % LOG_INTERVAL == 0 and queue and np.mean(queue) >= THRESHOLD:
                reached.append(self.num_timesteps)
            return True

    model = getattr(sb3, name)("MlpPolicy", env, device="cpu", seed=seed, verbose=0, **kwargs)
    model.learn(steps, callback=_Threshold())
    wall = time.perf_counter() - t0

    def policy(obs: Any) -> Any:
        return model.predict(obs, deterministic=True)[0]

    metrics = evaluate_policy(policy, lambda: gym.make(ENV_ID), episodes, seed + 10_000)
    cpu = time.process_time() - cpu0  # training and the final evaluation, as for lagom
    return _row(task, "sb3", seed, metrics["return_mean"], wall, cpu, steps, reached)


def _mujoco_tasks(steps: int) -> list[tuple[str, str, dict[str, Any], dict[str, Any], int]]:
    """The zoo's MuJoCo settings: SB3's defaults with 10,000 random steps first (TD3/DDPG:
    lr 1e-3, [400, 300], noise 0.1, batch 256)."""
    starts = min(10_000, steps // 2)
    sac: dict[str, Any] = {"learning_starts": starts}
    deterministic: dict[str, Any] = {
        "learning_rate": 1e-3,
        "learning_starts": starts,
        "batch_size": 256,
        "policy_kwargs": {"net_arch": [400, 300]},
    }
    lagom = {
        "env.id": ENV_ID,
        "train.timesteps": steps,
        "train.log_interval": LOG_INTERVAL,
        "agent.learning_starts": starts,
    }
    return [
        (f"{name.upper()} {ENV_ID} {steps / 1000:g}k", name, lagom, kwargs, steps)
        for name, kwargs in (("sac", sac), ("td3", deterministic), ("ddpg", deterministic))
    ]


def _tasks(
    quick: bool, steps_given: int | None = None
) -> list[tuple[str, str, dict[str, Any], dict[str, Any], int]]:
    """(task, algorithm, lagom config, SB3 keyword arguments, steps) for each task."""
    if ENV_ID != "Pendulum-v1":
        return _mujoco_tasks(steps_given or (1500 if quick else 100_000))
    steps = 1500 if quick else 20_000
    starts = 500 if quick else 10_000
    sac: dict[str, Any] = {"learning_rate": 1e-3}
    deterministic: dict[str, Any] = {
        "learning_rate": 1e-3,
        "gamma": 0.98,
        "buffer_size": 200_000,
        "learning_starts": starts,
        "batch_size": 256,
        "train_freq": 1,
        "gradient_steps": 1,
        "policy_kwargs": {"net_arch": [400, 300]},
    }
    lagom_common = {"train.timesteps": steps, "train.log_interval": LOG_INTERVAL}
    lagom_det = {**lagom_common, "agent.learning_starts": starts}
    return [
        (f"SAC {ENV_ID} {steps / 1000:g}k", "sac", lagom_common, sac, steps),
        (f"TD3 {ENV_ID} {steps / 1000:g}k", "td3", lagom_det, deterministic, steps),
        (f"DDPG {ENV_ID} {steps / 1000:g}k", "ddpg", lagom_det, deterministic, steps),
    ]


ALGORITHMS = ("sac", "td3", "ddpg")


def benchmark(
    seeds: list[int],
    quick: bool = False,
    algorithms: tuple[str, ...] = ALGORITHMS,
    libraries: tuple[str, ...] = ("lagom", "sb3"),
    total_steps: int | None = None,
) -> list[dict[str, object]]:
    """Train lagom and SB3 on every task and seed; one row per (task, library, seed)."""
    from stable_baselines3.common.noise import NormalActionNoise

    episodes = 2 if quick else 20
    rows: list[dict[str, object]] = []
    # Untimed warm-up of both libraries: the first optimizer made in a process imports
    # torch._dynamo (about 1.5 s), which would otherwise fall inside the first run's clock.
    if "lagom" in libraries:
        _lagom_row("sac", {"train.timesteps": 150, "eval.episodes": 1}, 0, "warm-up")
    if "sb3" in libraries:
        _sb3_row("SAC", {"learning_starts": 100}, 150, 0, "warm-up", 1)
    for task, name, config, kwargs, steps in _tasks(quick, total_steps):
        if name not in algorithms:
            continue
        for seed in seeds:
            sb3_kwargs = dict(kwargs)
            if name != "sac":
                size = gym.make(ENV_ID).action_space.shape[0]  # type: ignore[index]
                sb3_kwargs["action_noise"] = NormalActionNoise(np.zeros(size), 0.1 * np.ones(size))
            if "lagom" in libraries:
                rows.append(_lagom_row(name, {**config, "eval.episodes": episodes}, seed, task))
                print(rows[-1], flush=True)  # as it comes: long runs may be cut short
            if "sb3" in libraries:
                rows.append(_sb3_row(name.upper(), sb3_kwargs, steps, seed, task, episodes))
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    global ENV_ID
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--algorithms", nargs="+", choices=ALGORITHMS, default=list(ALGORITHMS))
    # One library per process lets a many-core machine run the two side by side, one core each.
    parser.add_argument(
        "--libraries", nargs="+", choices=("lagom", "sb3"), default=["lagom", "sb3"]
    )
    parser.add_argument("--env", choices=("Pendulum-v1", "HalfCheetah-v5"), default=ENV_ID)
    parser.add_argument("--steps", type=int, help="steps per run (MuJoCo only)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    ENV_ID = args.env
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}, env: {ENV_ID}")
    rows = benchmark(
        args.seeds, args.quick, tuple(args.algorithms), tuple(args.libraries), args.steps
    )
    keys = [
        "task",
        "library",
        "seed",
        "final_return",
        "wall_s",
        "cpu_s",
        "steps_per_s",
        "steps_to_threshold",
    ]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        cells = [f"{row[k]:.1f}" if isinstance(row[k], float) else str(row[k]) for k in keys]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
