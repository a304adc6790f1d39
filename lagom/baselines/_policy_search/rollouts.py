"""Play populations of policy parameters, serially or in worker processes.

Episode ``e`` of candidate ``i`` in generation ``g`` resets with the seed :func:`episode_seeds`
derives from ``(seed, g, i, e)``, so a candidate's value does not depend on which process
played it: serial and parallel evaluation agree, and a resumed run repeats a straight one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import gymnasium as gym
import numpy as np

from lagom._types import ArrayLike, Float64Array, IntArray
from lagom.baselines._policy_search.policy import FlatPolicy
from lagom.es import PopulationEvaluator

__all__ = ["PopulationRollouts", "episode_seeds"]


def episode_seeds(seed: int, generation: int, popsize: int, episodes: int) -> IntArray:
    """``[P, E]`` reset seeds: row ``i`` is ``SeedSequence(seed, spawn_key=(generation, i))``'s
    first ``E`` 32-bit words, so each seed depends only on ``(seed, generation, i, e)``.

    Example:
        >>> s = episode_seeds(0, 3, 2, 4)
        >>> s.shape, bool(np.all(s[1, :2] == episode_seeds(0, 3, 5, 2)[1]))
        ((2, 4), True)
    """
    rows = [
        np.random.SeedSequence(seed, spawn_key=(generation, i)).generate_state(episodes)
        for i in range(popsize)
    ]
    return np.asarray(rows, dtype=np.int64).reshape(popsize, episodes)


class _Episodes:
    """One environment and the policy shape: plays a candidate's episodes."""

    def __init__(
        self, env_id: str, max_episode_steps: int | None, hidden_sizes: Sequence[int]
    ) -> None:
        self.env = gym.make(env_id, max_episode_steps=max_episode_steps)
        self.policy = FlatPolicy(self.env.observation_space, self.env.action_space, hidden_sizes)

    def play(self, params: Float64Array, seeds: Sequence[int]) -> tuple[float, int]:
        """Mean return and total steps of one episode per seed."""
        act, env = self.policy.bind_one(params), self.env
        returns, steps = [], 0
        for seed in seeds:
            obs, _ = env.reset(seed=int(seed))
            total, done = 0.0, False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(act(obs))
                total += float(reward)
                steps += 1
                done = terminated or truncated
            returns.append(total)
        return float(np.mean(returns)), steps


# The two tasks of a candidate, sent in one chunk (see `_query`).
_WHAT = ("fitness", "steps")

# Set in each worker process of a PopulationRollouts by `_init_worker`.
_worker: _Episodes | None = None
_worker_last: tuple[bytes, tuple[float, int]] | None = None


def _init_worker(env_id: str, max_episode_steps: int | None, hidden_sizes: list[int]) -> None:
    global _worker
    _worker = _Episodes(env_id, max_episode_steps, hidden_sizes)


def _query(task: tuple[str, Float64Array, tuple[int, ...]]) -> float:
    """``-mean return`` (``"fitness"``) or total env steps (``"steps"``) of one candidate.

    An evaluator returns one number per task, so each candidate is two tasks sent in one
    chunk: the worker remembers the last candidate it played and answers the second task
    from memory. A worker that gets a ``"steps"`` task alone plays the episodes again; the
    seeds make the answer the same.
    """
    global _worker_last
    what, params, seeds = task
    if _worker is None:
        raise RuntimeError("the policy-search worker was not initialised")
    key = params.tobytes() + np.asarray(seeds, dtype=np.int64).tobytes()
    if _worker_last is None or _worker_last[0] != key:
        _worker_last = (key, _worker.play(params, seeds))
    mean_return, steps = _worker_last[1]
    return -mean_return if what == "fitness" else float(steps)


class PopulationRollouts:
    """Evaluates populations of policy parameters, serially or in worker processes.

    ``workers <= 1`` plays in this process; otherwise a
    :class:`~lagom.es.PopulationEvaluator` with ``workers`` processes, each building its
    environment once, plays the candidates. Both give identical results.

    Args:
        env_id: the gymnasium environment id.
        max_episode_steps: episode time limit (``None``: the environment's own).
        hidden_sizes: the policy's hidden layers.
        workers: evaluation processes (``0`` or ``1``: none).

    Example:
        >>> with PopulationRollouts("CartPole-v1", 20, [], workers=0) as rollouts:
        ...     returns, steps = rollouts([np.zeros(10), np.ones(10)], episode_seeds(0, 0, 2, 3))
        >>> returns.shape, bool(np.all(returns == steps / 3))  # CartPole pays 1 per step
        ((2,), True)
    """

    def __init__(
        self,
        env_id: str,
        max_episode_steps: int | None,
        hidden_sizes: Sequence[int],
        workers: int,
    ) -> None:
        self._backend: _Episodes | PopulationEvaluator
        if workers <= 1:
            self._backend = _Episodes(env_id, max_episode_steps, hidden_sizes)
        else:
            args = (env_id, max_episode_steps, [int(h) for h in hidden_sizes])
            self._backend = PopulationEvaluator(
                _query, workers, initializer=_init_worker, initargs=args, chunksize=2
            )

    def __call__(
        self, solutions: Sequence[ArrayLike], seeds: IntArray
    ) -> tuple[Float64Array, IntArray]:
        """Mean returns ``[P]`` and env steps ``[P]`` of candidates ``[P, N]`` played on the
        reset seeds ``[P, E]``."""
        params = [np.asarray(x, dtype=np.float64) for x in solutions]
        rows = [tuple(int(s) for s in row) for row in seeds]
        if len(params) != len(rows):
            raise ValueError(
                f"need one row of seeds per candidate, got {len(rows)} for {len(params)}"
            )
        if isinstance(self._backend, _Episodes):
            played = [self._backend.play(x, r) for x, r in zip(params, rows, strict=True)]
            returns = np.array([m for m, _ in played], dtype=np.float64)
            return returns, np.array([s for _, s in played], dtype=np.int64)
        tasks = [(what, x, r) for x, r in zip(params, rows, strict=True) for what in _WHAT]
        # The objective takes any picklable task, though the evaluator's hint says arrays.
        values = self._backend(cast(Any, tasks))
        return -values[0::2], values[1::2].astype(np.int64)

    def close(self) -> None:
        """Close the environment or shut the worker processes down."""
        if isinstance(self._backend, _Episodes):
            self._backend.env.close()
        else:
            self._backend.close()

    def __enter__(self) -> PopulationRollouts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
