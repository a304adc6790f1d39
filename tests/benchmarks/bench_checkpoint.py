"""Time to write one checkpoint of PPO (CartPole-v1, the zoo's settings) and of SAC
(Pendulum-v1, a replay buffer of 20,000 transitions), for one or more lagom checkouts.

Each checkout is timed in its own subprocess (``PYTHONPATH`` set to it, the imported
``lagom`` checked), the checkouts alternating round by round, so both sides do the same work
on the same machine state: the same run built the same way, then ``Learner.save()`` (PPO)
and ``ReplayCollector.checkpoint`` (SAC) called ``--calls`` times each, into a temporary
folder. Both write the same files (checkpoint with its SHA-256, the previous one kept,
policy.pt). One torch thread. Prints the median and range of each round's median.

Usage::

    git worktree add /tmp/lagom-old <commit>
    python tests/benchmarks/bench_checkpoint.py --checkouts /tmp/lagom-old . --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _measure(calls: int) -> dict[str, float]:
    """Median milliseconds of one checkpoint write, per algorithm, in this process."""
    import attrs
    import torch

    import lagom
    from lagom.baselines import ppo, sac
    from lagom.baselines.common import OffPolicyTrainConfig, ReplayCollector

    torch.set_num_threads(1)
    out: dict[str, float] = {"lagom": 0.0}
    print(f"lagom from {Path(lagom.__file__).parent}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        config = ppo.default_config("CartPole-v1")
        learner = ppo.Learner("ppo", config, 0, "cpu", Path(folder) / "ppo")
        learner.collect()
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            learner.save()
            times.append(time.perf_counter() - t0)
        out["ppo"] = 1000 * statistics.median(times)

        sac_config = sac.default_config("Pendulum-v1")
        sac_config = attrs.evolve(
            sac_config, train=attrs.evolve(sac_config.train, timesteps=20_000)
        )
        logdir = Path(folder) / "sac"
        collector, dev = ReplayCollector.start(logdir, "sac", sac_config, 0, "cpu")
        agent = sac.SACAgent(
            collector.buffer.obs_dim, collector.buffer.action_dim, sac_config.agent, dev
        )
        for _ in range(20_000):
            collector.step(collector.random_action())
        every = OffPolicyTrainConfig(timesteps=10**9, checkpoint_every=1)
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            collector.checkpoint(logdir, every, agent)
            times.append(time.perf_counter() - t0)
        out["sac"] = 1000 * statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", nargs="+", default=["."], help="lagom source trees")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=30, help="checkpoints per round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_measure(args.calls)))
        return
    results: dict[str, dict[str, list[float]]] = {c: {"ppo": [], "sac": []} for c in args.checkouts}
    for round_ in range(args.rounds):
        for checkout in args.checkouts:
            env = os.environ | {"PYTHONPATH": str(Path(checkout).resolve()), "OMP_NUM_THREADS": "1"}
            command = [sys.executable, __file__, "--worker", "--calls", str(args.calls)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"{checkout}: {done.stderr}")
            expected = str(Path(checkout).resolve() / "lagom")
            if expected not in done.stderr:
                sys.exit(f"{checkout}: imported the wrong lagom: {done.stderr}")
            for key, value in json.loads(done.stdout.splitlines()[-1]).items():
                if key in ("ppo", "sac"):
                    results[checkout][key].append(value)
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    print(f"checkpoint write, ms (median of {args.rounds} rounds, range), one torch thread")
    for checkout, by_algo in results.items():
        cells = [
            f"{key} {statistics.median(v):.2f} ({min(v):.2f} .. {max(v):.2f})"
            for key, v in by_algo.items()
        ]
        print(f"{checkout:>24}: " + "   ".join(cells))


if __name__ == "__main__":
    main()
