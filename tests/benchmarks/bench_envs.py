"""Side-by-side step rates of vectorized CartPole in ``lagom.envs`` and gymnasium.

Run from the repository root::

    python tests/benchmarks/bench_envs.py [num_env] [num_steps]

It steps ``CartPole-v1`` copies (default N=8) with the same pre-drawn random actions and
reports sub-environment steps per second (N x vector steps / s) for

* a plain loop over N ``gym.make`` environments, resetting each when its episode ends and
  stacking the observations: the floor of any in-process vectorization;
* lagom's :class:`~lagom.envs.VecEnv` in ``"sync"`` mode (same-step autoreset);
* gymnasium's ``SyncVectorEnv``, in its default next-step mode and in same-step mode;
* gymnasium's native ``gym.make_vec(..., vectorization_mode="vector_entry_point")``
  (next-step) and lagom's :func:`~lagom.envs.make_native_vec_env` over it (same-step);
* lagom's ``"async"`` mode (subprocesses), on fewer steps;
* the runners: :class:`~lagom.runner.VecStepRunner` collecting a 2048 x 8 rollout with a
  :class:`~lagom.agent.RandomAgent` against a bare loop over ``SyncVectorEnv.step`` with
  random actions, and :class:`~lagom.runner.StepRunner` collecting 2048 steps of one
  environment against a bare ``env.step`` loop.

Targets (issue 3): VecEnv sync at most 5% slower than ``SyncVectorEnv`` at N=8 and N=32;
the vectorized runner at most 15% slower than its bare loop; ``StepRunner`` at most 2x.

The machine is shared and noisy, so every contender is timed in interleaved rounds and the
best round counts; compare the ratios of one run, never absolute times across runs. The
file is named ``bench_*`` and defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

ROUNDS = 5


def _make() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1")


def _direct(num_env: int) -> Callable[[np.ndarray], None]:
    envs = [_make() for _ in range(num_env)]
    for i, env in enumerate(envs):
        env.reset(seed=i)

    def run(actions: np.ndarray) -> None:
        for row in actions:
            observations = []
            for env, action in zip(envs, row, strict=True):
                observation, _, terminated, truncated, _ = env.step(action)
                if terminated or truncated:
                    observation, _ = env.reset()
                observations.append(observation)
            np.stack(observations)

    return run


def _vector(env: Any) -> Callable[[np.ndarray], None]:
    env.reset(seed=0)

    def run(actions: np.ndarray) -> None:
        for row in actions:
            env.step(row)

    return run


def contenders(num_env: int) -> dict[str, Callable[[], Callable[[np.ndarray], None]]]:
    """Name -> factory of a function stepping its environment through ``actions [T, N]``."""
    from lagom.envs import make_native_vec_env, make_vec_env

    return {
        "direct loop over gym envs": lambda: _direct(num_env),
        "lagom VecEnv sync": lambda: _vector(make_vec_env(_make, num_env, 0)),
        "gymnasium SyncVectorEnv (next-step)": lambda: _vector(SyncVectorEnv([_make] * num_env)),
        "gymnasium SyncVectorEnv (same-step)": lambda: _vector(
            SyncVectorEnv([_make] * num_env, autoreset_mode=AutoresetMode.SAME_STEP)
        ),
        "gymnasium native make_vec (next-step)": lambda: _vector(
            gym.make_vec("CartPole-v1", num_env, vectorization_mode="vector_entry_point")
        ),
        "lagom make_native_vec_env (same-step)": lambda: _vector(
            make_native_vec_env("CartPole-v1", num_env, 0)
        ),
    }


def steps_per_second(run: Callable[[np.ndarray], None], actions: np.ndarray) -> float:
    """Sub-environment steps per second of one run through ``actions [T, N]``."""
    start = time.perf_counter()
    run(actions)
    return actions.size / (time.perf_counter() - start)


def main(num_env: int = 8, num_steps: int = 2000) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from lagom.envs import VecEnv

    actions = np.random.default_rng(0).integers(0, 2, size=(num_steps, num_env))
    runs = {name: factory() for name, factory in contenders(num_env).items()}
    rates = dict.fromkeys(runs, 0.0)
    for _ in range(ROUNDS):  # interleaved, so that noise hits every contender alike
        for name, run in runs.items():
            rates[name] = max(rates[name], steps_per_second(run, actions))
    async_env = VecEnv([_make] * num_env, mode="async")
    async_env.reset(seed=0)
    run_async = _vector(async_env)
    rates["lagom VecEnv async (subprocesses)"] = max(
        steps_per_second(run_async, actions[: num_steps // 5]) for _ in range(ROUNDS)
    )
    async_env.close()
    floor = rates["direct loop over gym envs"]
    print(f"CartPole-v1, N={num_env}: sub-environment steps per second (best of {ROUNDS})")
    for name, rate in rates.items():
        print(f"  {name:<40} {rate:>12,.0f}   {rate / floor:5.2f}x direct loop")
    print_sync_target(rates)


def _best_seconds(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_runners(T: int = 2048, num_env: int = 8) -> None:
    """Runner overhead over bare stepping loops (same environment, same kind of actions)."""
    from lagom.agent import RandomAgent
    from lagom.envs import make_vec_env
    from lagom.runner import StepRunner, VecStepRunner

    vec = make_vec_env(_make, num_env, 0)
    agent = RandomAgent({}, vec, None)
    runner = VecStepRunner()
    bare_vec = SyncVectorEnv([_make] * num_env, autoreset_mode=AutoresetMode.SAME_STEP)
    bare_vec.reset(seed=0)
    bare_vec.action_space.seed(0)

    def bare_vector_loop() -> None:
        for _ in range(T):
            bare_vec.step(bare_vec.action_space.sample())

    single = _make()
    single_agent = RandomAgent({}, single, None)
    step_runner = StepRunner(reset_on_call=False)
    bare = _make()
    bare.reset(seed=0)
    bare.action_space.seed(0)

    def bare_single_loop() -> None:
        for _ in range(T):
            _, _, terminated, truncated, _ = bare.step(bare.action_space.sample())
            if terminated or truncated:
                bare.reset()

    pairs = {
        f"VecStepRunner {T}x{num_env} vs bare SyncVectorEnv loop": (
            lambda: runner(agent, vec, T),
            bare_vector_loop,
            1.15,
        ),
        f"StepRunner {T} steps vs bare env.step loop": (
            lambda: step_runner(single_agent, single, T),
            bare_single_loop,
            2.0,
        ),
    }
    print(f"runners (best of {ROUNDS}, interleaved)")
    for name, (ours, theirs, target) in pairs.items():
        ours_s = theirs_s = float("inf")
        for _ in range(ROUNDS):
            ours_s = min(ours_s, _best_seconds(ours, 1))
            theirs_s = min(theirs_s, _best_seconds(theirs, 1))
        ratio = ours_s / theirs_s
        verdict = "met" if ratio <= target else "MISSED"
        print(
            f"  {name:<52} lagom {ours_s * 1e3:8.1f} ms  bare {theirs_s * 1e3:8.1f} ms  "
            f"{ratio:5.2f}x (target <= {target}x: {verdict})"
        )
    vec.close()
    bare_vec.close()


def print_sync_target(rates: dict[str, float]) -> None:
    ratio = rates["lagom VecEnv sync"] / rates["gymnasium SyncVectorEnv (next-step)"]
    verdict = "met" if ratio >= 0.95 else "MISSED"
    print(f"  VecEnv sync / SyncVectorEnv = {ratio:.3f} (target >= 0.95: {verdict})")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
    bench_runners()
