"""Tests of the policy-search parts shared by cem, cmaes and openaies.

The helpers without a ``test_`` prefix (``FAST``, ``check_smoke``, ``check_resume``, ...) are
used by ``test_cem.py``, ``test_cmaes.py`` and ``test_openaies.py``.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom._types import ArrayLike, Float64Array
from lagom.baselines import Algorithm
from lagom.baselines._common import load_checkpoint
from lagom.baselines._policy_search import (
    COMMON_DEFAULTS,
    FlatPolicy,
    PopulationRollouts,
    episode_seeds,
    es_seed,
    run_policy_search,
)
from lagom.baselines._policy_search import rollouts as rollouts_module
from lagom.es import BaseES, ESResult

#: A few short generations on short episodes: seconds per run.
FAST: dict[str, Any] = {
    "train.generations": 4,
    "train.max_episode_steps": 40,
    "train.checkpoint_every": 2,
    "es.popsize": 6,
    "eval.episodes": 2,
}
COLUMNS = {"iteration", "timesteps", "time", "train_return", "best_return", "fbest", "sigma"}


def progress_rows(logdir: Path) -> list[dict[str, str]]:
    """The rows of ``progress.csv`` without the wall-clock column."""
    with open(logdir / "progress.csv") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


def check_smoke(algorithm: Algorithm, config: Mapping[str, Any], logdir: Path) -> None:
    """``run`` writes every file, one row per generation, and ``make_policy`` acts validly."""
    metrics = algorithm.run(config, 0, "cpu", logdir)
    for name in ("run.yml", "progress.csv", "checkpoint.pt", "final_eval.yml"):
        assert (logdir / name).exists(), name
    rows = progress_rows(logdir)
    assert COLUMNS - {"time"} <= set(rows[0])
    assert [int(r["iteration"]) for r in rows] == list(range(1, config["train.generations"] + 1))
    steps = [int(r["timesteps"]) for r in rows]
    assert all(b > a for a, b in zip([0, *steps], steps, strict=False))
    assert metrics["episodes"] == config["eval.episodes"]
    env = gym.make(config.get("env.id", "CartPole-v1"))
    observations = np.stack([env.observation_space.sample() for _ in range(5)])
    actions = algorithm.make_policy(logdir, "cpu")(observations)
    assert len(actions) == 5
    assert all(env.action_space.contains(a) for a in actions)


def check_resume(
    algorithm: Algorithm,
    tmp_path: Path,
    same_es: Callable[[BaseES, BaseES], bool],
) -> None:
    """Straight for 6 generations vs 3 (``stop_at``) and a resume: same ES, same rows."""
    config = {**FAST, "train.generations": 6, "train.checkpoint_every": 4}
    straight, split = tmp_path / "straight", tmp_path / "split"
    expected = algorithm.run(config, 5, "cpu", straight)
    assert algorithm.run({**config, "train.stop_at": 3}, 5, "cpu", split) == {}
    assert len(progress_rows(split)) == 3
    assert not (split / "final_eval.yml").exists()
    assert algorithm.run(config, 5, "cpu", split) == expected
    assert progress_rows(split) == progress_rows(straight)
    a, b = load_checkpoint(straight), load_checkpoint(split)
    assert a is not None
    assert b is not None
    assert a["generation"] == b["generation"] == 6
    assert a["timesteps"] == b["timesteps"]
    np.testing.assert_array_equal(a["xmean"], b["xmean"])
    np.testing.assert_array_equal(a["xbest"], b["xbest"])
    assert same_es(a["es"], b["es"])
    assert np.array_equal(np.asarray(a["es"].ask()), np.asarray(b["es"].ask()))


def check_bad_config(algorithm: Algorithm, tmp_path: Path) -> None:
    """Unknown keys and bad values fail with ``ValueError`` before training."""
    with pytest.raises(ValueError, match=r"unknown config key 'es\.nope'"):
        algorithm.run({"es.nope": 1}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"train\.generations must be an int >= 1"):
        algorithm.run({"train.generations": 0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"eval\.solution must be 'mean' or 'best'"):
        algorithm.run({"eval.solution": "last"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="cannot act in Blackjack-v1"):
        algorithm.default_config("Blackjack-v1")
    with pytest.raises(ValueError, match="cannot create environment 'NoSuchEnv-v0'"):
        algorithm.run({"env.id": "NoSuchEnv-v0"}, 0, "cpu", tmp_path)


# ---- FlatPolicy -------------------------------------------------------------------------------


def _reference_act(
    params: Float64Array, obs: Float64Array, sizes: list[int], space: gym.Space[Any]
) -> Any:
    """A plain loop over layers and units: the oracle for FlatPolicy."""
    h, k = [float(v) for v in obs], 0
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        out = []
        for o in range(n_out):
            total = sum(params[k + o * n_in + i] * h[i] for i in range(n_in))
            out.append(total + params[k + n_in * n_out + o])
        k += n_in * n_out + n_out
        h = [float(np.tanh(v)) for v in out] if layer < len(sizes) - 2 else out
    if isinstance(space, gym.spaces.Discrete):
        return int(np.argmax(h))
    assert isinstance(space, gym.spaces.Box)
    return [
        lo + (np.tanh(v) + 1.0) / 2.0 * (hi - lo)
        for v, lo, hi in zip(h, space.low, space.high, strict=True)
    ]


@given(
    hidden=st.lists(st.integers(1, 4), max_size=2),
    discrete=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_flat_policy_matches_a_plain_loop(hidden: list[int], discrete: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    obs_space = gym.spaces.Box(-5.0, 5.0, (3,), dtype=np.float64)
    act_space: gym.Space[Any] = (
        gym.spaces.Discrete(3)
        if discrete
        else gym.spaces.Box(np.array([-2.0, 0.0]), np.array([2.0, 1.0]), dtype=np.float64)
    )
    policy = FlatPolicy(obs_space, act_space, hidden)
    sizes = [3, *hidden, 3 if discrete else 2]
    assert policy.num_params == sum(a * b + b for a, b in itertools.pairwise(sizes))
    params = rng.normal(size=policy.num_params)
    obs = rng.normal(size=(4, 3))
    actions, one = policy.bind(params)(obs), policy.bind_one(params)
    for row, action in zip(obs, actions, strict=True):
        expected = _reference_act(params, row, sizes, act_space)
        if discrete:
            assert int(action) == expected
            assert one(row) == expected
        else:
            np.testing.assert_allclose(action, expected, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(one(row), expected, rtol=1e-12, atol=1e-12)
            assert act_space.contains(action)
            assert act_space.contains(one(row))


def test_flat_policy_rejects_what_it_cannot_act_in() -> None:
    box = gym.spaces.Box(-1.0, 1.0, (2,))
    with pytest.raises(ValueError, match="flat Box observation space"):
        FlatPolicy(gym.spaces.Discrete(3), gym.spaces.Discrete(2))
    with pytest.raises(ValueError, match="Discrete or flat Box action space"):
        FlatPolicy(box, gym.spaces.MultiDiscrete([2, 2]))
    with pytest.raises(ValueError, match="finite action bounds"):
        FlatPolicy(box, gym.spaces.Box(-np.inf, np.inf, (1,)))
    with pytest.raises(ValueError, match="hidden sizes must be positive"):
        FlatPolicy(box, gym.spaces.Discrete(2), [0])
    with pytest.raises(ValueError, match=r"params must have shape \(6,\), got \(5,\)"):
        FlatPolicy(box, gym.spaces.Discrete(2)).bind(np.zeros(5))


# ---- episode seeds and rollouts ---------------------------------------------------------------


@given(seed=st.integers(0, 2**32 - 1), generation=st.integers(0, 10**6))
def test_episode_seeds_depend_only_on_seed_generation_candidate_episode(
    seed: int, generation: int
) -> None:
    big = episode_seeds(seed, generation, 5, 4)
    assert big.shape == (5, 4)
    np.testing.assert_array_equal(episode_seeds(seed, generation, 3, 2), big[:3, :2])
    assert not np.array_equal(episode_seeds(seed, generation + 1, 5, 4), big)
    assert len(np.unique(big)) == big.size


def test_es_seed_is_a_valid_pycma_seed() -> None:
    assert [es_seed(s) for s in (0, 1, 2**32 - 2, 2**32 - 1)] == [1, 2, 2**32 - 1, 1]


def _reference_play(
    env_id: str, max_steps: int, params: Float64Array, seeds: Sequence[int]
) -> tuple[float, int]:
    env = gym.make(env_id, max_episode_steps=max_steps)
    act = FlatPolicy(env.observation_space, env.action_space).bind_one(params)
    returns, steps = [], 0
    for s in seeds:
        obs, _ = env.reset(seed=int(s))
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            total += float(reward)
            steps += 1
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns)), steps


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_rollouts_serial_and_parallel_match_a_plain_loop(env_id: str) -> None:
    rng = np.random.default_rng(0)
    n = 10 if env_id == "CartPole-v1" else 4
    solutions = list(rng.normal(size=(5, n)))
    seeds = episode_seeds(3, 1, 5, 2)
    expected = [_reference_play(env_id, 30, x, s) for x, s in zip(solutions, seeds, strict=True)]
    for workers in (0, 2):
        with PopulationRollouts(env_id, 30, [], workers) as rollouts:
            returns, steps = rollouts(solutions, seeds)
        assert returns.tolist() == [r for r, _ in expected]
        assert steps.tolist() == [s for _, s in expected]


def test_a_worker_answers_a_lone_steps_task_by_playing_again() -> None:
    rollouts_module._init_worker("CartPole-v1", 30, [])
    try:
        x, seeds = np.full(10, 0.3), (1, 2)
        other = rollouts_module._query(("fitness", np.zeros(10), (7,)))
        expected = _reference_play("CartPole-v1", 30, x, seeds)
        assert rollouts_module._query(("steps", x, seeds)) == expected[1]
        assert rollouts_module._query(("fitness", x, seeds)) == -expected[0]
        assert rollouts_module._query(("fitness", np.zeros(10), (7,))) == other
    finally:
        rollouts_module._worker = None
        rollouts_module._worker_last = None


# ---- the loop over any BaseES -----------------------------------------------------------------


class _Recorder(BaseES):
    """A fake ES: random candidates from its own generator; it records what it was told."""

    def __init__(self, x0: Float64Array, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.n, self.asked = x0.size, 0
        self.told: list[tuple[Float64Array, Float64Array]] = []

    def ask(self) -> list[Float64Array]:
        self.asked += 1
        return list(self.rng.normal(size=(3, self.n)))

    def tell(self, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike) -> None:
        self.told.append((np.asarray(solutions), np.asarray(function_values)))

    @property
    def result(self) -> ESResult:
        values = np.concatenate([v for _, v in self.told])
        xs = np.concatenate([x for x, _ in self.told])
        i = int(np.argmin(values))
        return ESResult(
            xs[i], values[i], i + 1, values.size, len(self.told), xs[0], np.ones(self.n)
        )


def _recorder_config(env_id: str) -> dict[str, Any]:
    return {**COMMON_DEFAULTS, "env.id": env_id}


def test_run_tells_minus_mean_returns_and_logs_them(tmp_path: Path) -> None:
    config = {"train.generations": 3, "train.episodes_per_eval": 2, "train.max_episode_steps": 25}
    metrics = run_policy_search(
        "recorder", lambda x0, seed, cfg: _Recorder(x0, seed), _recorder_config, config, 4, tmp_path
    )
    es = load_checkpoint(tmp_path)["es"]  # type: ignore[index]
    rows, total = progress_rows(tmp_path), 0
    for g, ((xs, values), row) in enumerate(zip(es.told, rows, strict=True)):
        played = [
            _reference_play("CartPole-v1", 25, x, s)
            for x, s in zip(xs, episode_seeds(4, g, 3, 2), strict=True)
        ]
        returns = np.array([r for r, _ in played])
        total += sum(s for _, s in played)
        np.testing.assert_array_equal(values, -returns)
        assert int(row["iteration"]) == g + 1
        assert int(row["timesteps"]) == total
        assert float(row["train_return"]) == pytest.approx(returns.mean())
        assert float(row["best_return"]) == returns.max()
        assert float(row["fbest"]) == min(v.min() for _, v in es.told[: g + 1])
    assert metrics["return_max"] <= 25
