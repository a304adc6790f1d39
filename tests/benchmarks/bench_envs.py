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
* lagom's ``"async"`` mode (subprocesses), on fewer steps.

Then (``bench_runners``) the runners against loops written by hand on the *same kind* of
environment: :class:`~lagom.runner.VecStepRunner` collecting 2048 x 8 steps on lagom's
``VecEnv`` (sync) against two loops over other ``VecEnv`` made with the same seed, and the
same on :func:`~lagom.envs.make_native_vec_env`. The first loop records what the runner
records (CleanRL's rollout loop: observations, actions, rewards, both flags, then the next
observations with the final observation of every ended episode, and the infos): the same
work, and the measure of the runner's overhead; the second only steps, which the runner can
never match (it is reported, labelled). :class:`~lagom.runner.StepRunner` on one CartPole
against a bare ``env.step`` loop. Every side takes the same pre-drawn actions (the runners'
agent replays them), so all do identical environment work. And
(``bench_native``) lagom's same-step native CartPole against gymnasium's own native one
(next-step), the same step count and action arrays, at N=8 and N=32.

Targets (issue 17): ``VecStepRunner`` at most 1.10x the loop recording the same; the
native adapter at least 0.95x gymnasium's native speed. (Issue 3: VecEnv sync at most 5% slower than
``SyncVectorEnv``.)

The machine is shared and noisy: every pair is timed in interleaved rounds (alternating
which goes first), each call from its own clock start, and the median and range of the
per-round ratios are printed, by wall clock and by this thread's CPU time (steadier when
other processes load the cores; the verdict uses it), with the load average. Compare the
ratios of one run, never absolute times across runs. The file is named ``bench_*`` and
defines no ``test_`` function: pytest does not collect it.

Run ``python tests/benchmarks/bench_envs.py runners`` for the runner and native pairs only.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

ROUNDS = 5
RUNNER_ROUNDS = 15


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


class _Replay:
    """An agent that replays pre-drawn actions: ``actions[t]`` at its ``t``-th call."""

    def __init__(self, actions: np.ndarray) -> None:
        self.actions = actions
        self.t = 0

    def choose_action(self, x: object, **kwargs: object) -> dict[str, np.ndarray]:
        # Modulo: StepRunner also asks for an output on the last observation.
        action = self.actions[self.t % len(self.actions)]
        self.t += 1
        return {"raw_action": action}


def _recording_loop(
    agent: _Replay, env: Any, obs: np.ndarray, T: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    """A loop written by hand (CleanRL's rollout loop, plus what truncation needs) that
    records what :class:`~lagom.runner.VecStepRunner` records, from ``obs`` (``[N, ...]``):
    observations ``[T + 1, N, ...]`` (the last row is where the next call starts), actions,
    rewards, both flags, the next observations with each ended episode's final observation
    and the T infos. No checks, no ``Rollout``: the floor of the same work in Python."""
    space = env.action_space
    observations = np.empty((T + 1, *obs.shape), dtype=obs.dtype)
    observations[0] = obs
    actions = np.empty((T, *space.shape), dtype=space.dtype)
    rewards = np.empty((T, env.num_envs))
    terminated = np.empty((T, env.num_envs), dtype=np.bool_)
    truncated = np.empty((T, env.num_envs), dtype=np.bool_)
    infos = []
    for t in range(T):
        action = agent.choose_action(observations[t])["raw_action"]
        next_obs, reward, term, trunc, info = env.step(action)
        actions[t] = action
        rewards[t] = reward
        terminated[t] = term
        truncated[t] = trunc
        observations[t + 1] = next_obs
        infos.append(info)
    next_observations = observations[1:].copy()
    for t, info in enumerate(infos):
        if "_final_obs" in info:
            rows = np.flatnonzero(info["_final_obs"])
            next_observations[t, rows] = np.stack(info["final_obs"][rows])
    return observations, actions, rewards, terminated, truncated, next_observations, infos


class _Times(NamedTuple):
    """Seconds per round: wall clock and this thread's CPU time, of ours and theirs."""

    ours_wall: list[float]
    theirs_wall: list[float]
    ours_cpu: list[float]
    theirs_cpu: list[float]


def _interleaved(pair: tuple[Callable[[], object], Callable[[], object]], rounds: int) -> _Times:
    """Time ``ours`` and ``theirs`` once per round, alternating which goes first."""
    (ours_wall, ours_cpu), (theirs_wall, theirs_cpu) = _rounds(pair, rounds)
    return _Times(ours_wall, theirs_wall, ours_cpu, theirs_cpu)


def _rounds(
    fns: tuple[Callable[[], object], ...], rounds: int
) -> list[tuple[list[float], list[float]]]:
    """Time every function once per round, in forward order on even rounds and in reverse
    on odd ones; ``(wall, cpu)`` seconds per round for each.

    Each clock starts right before its call and stops right after it. The CPU time of this
    thread leaves out the time other processes took the core: on a loaded machine it is the
    steadier measure of the work done (cache effects of the other processes remain).
    """
    times: list[tuple[list[float], list[float]]] = [([], []) for _ in fns]
    order = list(zip(fns, times, strict=True))
    for r in range(rounds):
        for fn, (wall, cpu) in order if r % 2 == 0 else order[::-1]:
            start_cpu, start = time.thread_time(), time.perf_counter()
            fn()
            wall.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    return times


def _ratios(ours: list[float], theirs: list[float]) -> tuple[float, float, float]:
    """Median, min and max of the per-round ratios ours / theirs."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def _report(
    name: str,
    times: _Times,
    target: float | None,
    *,
    other: str = "bare",
    speed: bool = False,
) -> None:
    """Print median times and the median (range) of the per-round ratios: lagom's time
    over the other's (target: at most ``target``), or with ``speed`` the other's time over
    lagom's (target: at least ``target``)."""
    ours = (times.ours_wall, times.ours_cpu)
    theirs = (times.theirs_wall, times.theirs_cpu)
    wall, cpu = (
        _ratios(b, a) if speed else _ratios(a, b) for a, b in zip(ours, theirs, strict=True)
    )
    if target is None:
        verdict = ""
    else:
        met = cpu[0] >= target if speed else cpu[0] <= target
        sign, result = (">=" if speed else "<="), ("met" if met else "MISSED")
        verdict = f"  target {sign} {target}: {result} (CPU median)"
    print(
        f"  {name}: lagom {statistics.median(times.ours_wall) * 1e3:.1f} ms, {other} "
        f"{statistics.median(times.theirs_wall) * 1e3:.1f} ms (wall, medians)\n"
        f"    {'speed' if speed else 'time'} ratio, wall: {wall[0]:.3f} "
        f"({wall[1]:.3f}-{wall[2]:.3f}); CPU: {cpu[0]:.3f} ({cpu[1]:.3f}-{cpu[2]:.3f})"
        f"{verdict}"
    )


def _conditions() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    return (
        f"one Python thread (OMP_NUM_THREADS={threads}; numpy runs no BLAS here), "
        f"{os.cpu_count()} cores, load average {load:.2f}"
    )


def bench_runners(T: int = 2048, num_env: int = 8, rounds: int = RUNNER_ROUNDS) -> None:
    """Runner overhead over hand-written loops stepping the same kind of environment.

    Every side steps its own environment of the same type, made with the same seed, through
    the same pre-drawn actions, so all do identical environment work (the same episodes end
    at the same steps); the runner's agent replays those actions. Two loops to compare with:
    one that records what the runner records (:func:`_recording_loop`: the same work, the
    target's measure) and one that only steps (the environment's own cost). Each round times
    one call of the runner (buffers, copies and the returned ``Rollout`` included) and one of
    each loop, from the same clock start, alternating the order; ratios are per round.
    """
    from lagom.envs import make_native_vec_env, make_vec_env
    from lagom.runner import StepRunner, VecStepRunner

    actions = np.random.default_rng(0).integers(0, 2, size=(T, num_env))
    print(f"runners, T={T}, N={num_env}: median (range) of {rounds} interleaved rounds")
    print(f"  {_conditions()}")
    makers: dict[str, Callable[[], Any]] = {
        "VecEnv sync": lambda: make_vec_env(_make, num_env, 0),
        "make_native_vec_env": lambda: make_native_vec_env("CartPole-v1", num_env, 0),
    }
    for label, make in makers.items():
        env, hand_env, bare_env = make(), make(), make()
        runner = VecStepRunner()
        agent, hand_agent = _Replay(actions), _Replay(actions)
        hand_obs = [hand_env.reset()[0]]
        bare_env.reset()

        def ours(env: Any = env, runner: VecStepRunner = runner, agent: _Replay = agent) -> None:
            agent.t = 0
            runner(agent, env, T)

        def hand(
            env: Any = hand_env, agent: _Replay = hand_agent, obs: list[Any] = hand_obs
        ) -> None:
            agent.t = 0
            obs[0] = _recording_loop(agent, env, obs[0], T)[0][T]

        def bare(bare_env: Any = bare_env) -> None:
            for row in actions:
                bare_env.step(row)

        (ours_wall, ours_cpu), (hand_wall, hand_cpu), (bare_wall, bare_cpu) = _rounds(
            (ours, hand, bare), rounds
        )
        _report(
            f"VecStepRunner vs a hand-written loop recording the same, {label}",
            _Times(ours_wall, hand_wall, ours_cpu, hand_cpu),
            1.10,
            other="hand loop",
        )
        _report(
            f"VecStepRunner vs a loop that only steps, {label} (reported, no target)",
            _Times(ours_wall, bare_wall, ours_cpu, bare_cpu),
            None,
        )
        for e in (env, hand_env, bare_env):
            e.close()

    single, single_bare = _make(), _make()
    single_actions = actions[:, 0]
    step_runner = StepRunner(reset_on_call=False)
    single_agent = _Replay(single_actions)
    single.reset(seed=0)
    single_bare.reset(seed=0)

    def single_ours() -> None:
        single_agent.t = 0
        step_runner(single_agent, single, T)

    def single_theirs() -> None:
        for action in single_actions:
            _, _, terminated, truncated, _ = single_bare.step(action)
            if terminated or truncated:
                single_bare.reset()

    times = _interleaved((single_ours, single_theirs), rounds)
    _report("StepRunner vs bare env.step loop, one CartPole", times, 2.0)


def bench_native(
    T: int = 2000, num_envs: tuple[int, ...] = (8, 32), rounds: int = RUNNER_ROUNDS
) -> None:
    """lagom's same-step native CartPole against gymnasium's own (next-step) one.

    Same step count and the same pre-drawn action arrays for both; interleaved rounds.
    """
    from lagom.envs import make_native_vec_env

    print(f"native CartPole, T={T}: median (range) of {rounds} interleaved rounds")
    print(f"  {_conditions()}")
    for num_env in num_envs:
        actions = np.random.default_rng(0).integers(0, 2, size=(T, num_env))
        ours_env = make_native_vec_env("CartPole-v1", num_env, 0)
        theirs_env = gym.make_vec("CartPole-v1", num_env, vectorization_mode="vector_entry_point")
        ours_env.reset()
        theirs_env.reset(seed=0)
        times = _interleaved(
            (_vector_run(ours_env, actions), _vector_run(theirs_env, actions)), rounds
        )
        # Speed ratio: gymnasium's time over lagom's (>= 1: lagom at least as fast).
        _report(f"N={num_env}", times, 0.95, other="gymnasium", speed=True)
        ours_env.close()
        theirs_env.close()


def _vector_run(env: Any, actions: np.ndarray) -> Callable[[], None]:
    def run() -> None:
        for row in actions:
            env.step(row)

    return run


def print_sync_target(rates: dict[str, float]) -> None:
    ratio = rates["lagom VecEnv sync"] / rates["gymnasium SyncVectorEnv (next-step)"]
    verdict = "met" if ratio >= 0.95 else "MISSED"
    print(f"  VecEnv sync / SyncVectorEnv = {ratio:.3f} (target >= 0.95: {verdict})")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    if sys.argv[1:2] == ["runners"]:
        bench_runners()
        bench_native()
    else:
        main(*(int(arg) for arg in sys.argv[1:]))
        bench_runners()
        bench_native()
