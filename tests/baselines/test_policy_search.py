"""Tests of lagom.baselines.policy_search: CEM, CMA-ES and OpenAI-ES policy search."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom._types import Float64Array
from lagom.baselines import Algorithm, get_algorithm
from lagom.baselines import policy_search as ps
from lagom.baselines.common import load_checkpoint, load_run_config, start_run
from lagom.baselines.policy_search import (
    CEM_ALGORITHM,
    CMAES_ALGORITHM,
    OPENAIES_ALGORITHM,
    CEMConfig,
    CEMStrategy,
    CMAESConfig,
    EnvConfig,
    EvalConfig,
    FlatPolicy,
    OpenAIESConfig,
    OpenAIESStrategy,
    PolicyConfig,
    PopulationRollouts,
    TrainConfig,
    default_config,
    episode_seeds,
    make_es,
    make_policy,
)
from lagom.es import CEM, CMAES, BaseES, OpenAIES
from lagom.experiment import from_dotted, parse_dotted, to_dotted
from tests.baselines._files import FINISHED_RUN, run_files

ALGORITHMS = [CEM_ALGORITHM, CMAES_ALGORITHM, OPENAIES_ALGORITHM]
CONFIGS: list[type[CEMConfig] | type[CMAESConfig] | type[OpenAIESConfig]] = [
    CEMConfig,
    CMAESConfig,
    OpenAIESConfig,
]
by_name = pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda a: a.name)

#: A few short generations on short episodes: about a second per run.
FAST: dict[str, Any] = {
    "train.generations": 4,
    "train.max_episode_steps": 40,
    "train.checkpoint_every": 2,
    "es.popsize": 6,
    "eval.episodes": 2,
}
COLUMNS = {"iteration", "timesteps", "time", "train_return", "best_return", "fbest", "sigma"}


class _ImageObs(gym.Env[Any, Any]):
    """Observations a flat policy cannot read: a ``[2, 2]`` Box."""

    def __init__(self, **kwargs: Any) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (2, 2))
        self.action_space = gym.spaces.Discrete(2)


gym.register("ImageObs-v0", entry_point=_ImageObs)


def progress_rows(logdir: Path) -> list[dict[str, str]]:
    """The rows of ``progress.csv`` without the wall-clock column."""
    with open(logdir / "progress.csv", newline="") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


def _play(
    env_id: str,
    max_steps: int,
    params: Float64Array,
    seeds: Sequence[int],
    hidden: Sequence[int] = (),
) -> tuple[float, int]:
    """A plain episode loop: the oracle for the rollouts."""
    env = gym.make(env_id, max_episode_steps=max_steps)
    act = FlatPolicy(env.observation_space, env.action_space, hidden).bind(params)
    returns, steps = [], 0
    for s in seeds:
        obs, _ = env.reset(seed=int(s))
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(obs[None])[0])
            total += float(reward)
            steps += 1
            done = terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns)), steps


# ---- the records and their configurations -----------------------------------------------------


@by_name
def test_registered(algorithm: Algorithm) -> None:
    assert get_algorithm(algorithm.name) is algorithm
    assert algorithm.steps_key == "train.generations"
    assert algorithm.default_env == "CartPole-v1"
    assert algorithm.action_spaces == ("discrete", "continuous")
    assert algorithm.default_config("CartPole-v1").algorithm == algorithm.name


@pytest.mark.parametrize("strategy", CONFIGS, ids=lambda c: c.algorithm)
def test_default_configs_keep_the_keys_and_the_zoo(strategy: type[CEMConfig]) -> None:
    cartpole, pendulum = default_config(strategy), default_config(strategy, "Pendulum-v1")
    assert cartpole == strategy()
    assert (pendulum.env.id, pendulum.train.generations, pendulum.train.episodes_per_eval) == (
        "Pendulum-v1",
        100,
        3,
    )
    assert pendulum.es == cartpole.es
    keys = set(to_dotted(cartpole))
    assert {
        "env.id",
        "policy.hidden_sizes",
        "train.generations",
        "train.episodes_per_eval",
        "train.workers",
        "train.max_episode_steps",
        "train.checkpoint_every",
        "train.stop_at",
        "eval.episodes",
        "eval.solution",
        "es.popsize",
        "es.sigma0",
    } <= keys
    # Another environment a flat policy acts in: the defaults with its id.
    acrobot = default_config(strategy, "Acrobot-v1")
    assert acrobot == attrs.evolve(strategy(), env=EnvConfig("Acrobot-v1"))
    assert from_dotted(cartpole, to_dotted(pendulum)) == pendulum


def test_each_strategy_has_its_own_es_keys() -> None:
    es_keys = {c.algorithm: {k for k in to_dotted(c()) if k.startswith("es.")} for c in CONFIGS}
    assert es_keys == {
        "cem": {"es.popsize", "es.sigma0", "es.elite_ratio", "es.noise_scheduler_args"},
        "cmaes": {"es.popsize", "es.sigma0"},
        "openaies": {
            "es.popsize",
            "es.sigma0",
            "es.lr",
            "es.lr_decay",
            "es.min_lr",
            "es.sigma_decay",
            "es.min_sigma",
            "es.antithetic",
            "es.rank_transform",
            "es.weight_decay",
        },
    }


def test_set_parses_values_by_the_fields_types() -> None:
    cem = CEM_ALGORITHM.default_config("CartPole-v1")
    items = ["es.popsize=16", "es.noise_scheduler_args=none", "policy.hidden_sizes=8,8"]
    config = from_dotted(cem, parse_dotted(cem, [*items, "eval.solution=best"]))
    assert (config.es.popsize, config.es.noise_scheduler_args) == (16, None)
    assert (config.policy.hidden_sizes, config.eval.solution) == ((8, 8), "best")
    schedule = parse_dotted(cem, ["es.noise_scheduler_args=0.2,0.0,10,5"])
    assert from_dotted(cem, schedule).es.noise_scheduler_args == (0.2, 0.0, 10, 5)
    cmaes = CMAES_ALGORITHM.default_config("CartPole-v1")
    assert from_dotted(cmaes, parse_dotted(cmaes, ["es.popsize=none"])).es.popsize is None
    openaies = OPENAIES_ALGORITHM.default_config("CartPole-v1")
    parsed = parse_dotted(openaies, ["es.antithetic=false", "es.popsize=7", "train.stop_at=3"])
    config = from_dotted(openaies, parsed)
    assert (config.es.antithetic, config.es.popsize, config.train.stop_at) == (False, 7, 3)


def test_config_yml_round_trips(tmp_path: Path) -> None:
    config = OpenAIESConfig(
        policy=PolicyConfig((4,)),
        train=TrainConfig(max_episode_steps=30, stop_at=2),
        eval=EvalConfig(solution="best"),
        es=OpenAIESStrategy(popsize=8, lr=0.1, antithetic=False),
    )
    start_run(tmp_path, "openaies", config, 0)
    assert load_run_config(tmp_path, OPENAIES_ALGORITHM.default_config) == config


@by_name
def test_bad_config(algorithm: Algorithm, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown config key 'es\.nope'"):
        algorithm.run({"es.nope": 1}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'train\.generations'.*must be >= 1"):
        algorithm.run({"train.generations": 0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'train\.workers' expects int, got str"):
        algorithm.run({"train.workers": "2"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'eval\.solution' expects one of 'mean', 'best'"):
        algorithm.run({"eval.solution": "last"}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match=r"'es\.sigma0'.*must be > 0"):
        algorithm.run({"es.sigma0": 0.0}, 0, "cpu", tmp_path)
    with pytest.raises(ValueError, match="needs a Box observation space, but Blackjack-v1"):
        algorithm.default_config("Blackjack-v1")
    with pytest.raises(ValueError, match=r"cannot act in ImageObs-v0: .*flat Box observations"):
        algorithm.default_config("ImageObs-v0")
    with pytest.raises(ValueError, match="cannot create environment 'NoSuchEnv-v0'"):
        algorithm.run({"env.id": "NoSuchEnv-v0"}, 0, "cpu", tmp_path)
    assert not (tmp_path / "run.yml").exists()  # refused before anything was written


def test_bad_strategy_values() -> None:
    with pytest.raises(ValueError, match="popsize must be even with antithetic sampling"):
        OpenAIESStrategy(popsize=7)
    assert OpenAIESStrategy(popsize=7, antithetic=False).popsize == 7
    with pytest.raises(ValueError, match="'sigma_decay' must be > 0"):
        OpenAIESStrategy(sigma_decay=0.0)
    with pytest.raises(ValueError, match="'elite_ratio' must be > 0"):
        CEMStrategy(elite_ratio=0.0)
    with pytest.raises(ValueError, match="non-negative variances"):
        CEMStrategy(noise_scheduler_args=(-0.1, 0.0, 10, 0))
    with pytest.raises(ValueError, match="N"):
        CEMStrategy(noise_scheduler_args=(0.1, 0.0, 0, 0))
    with pytest.raises(ValueError, match="'hidden_sizes' must be >= 1"):
        PolicyConfig(hidden_sizes=(4, 0))
    with pytest.raises(ValueError, match="'stop_at' must be >= 1"):
        TrainConfig(stop_at=0)


# ---- the ES each strategy makes ----------------------------------------------------------------


def test_make_es_passes_the_cem_options() -> None:
    config = CEMConfig(es=CEMStrategy(popsize=10, elite_ratio=0.3, sigma0=0.7))
    es = make_es(
        attrs.evolve(config, es=attrs.evolve(config.es, noise_scheduler_args=None)), np.zeros(4), 9
    )
    assert isinstance(es, CEM)
    assert (es.popsize, es.seed, es.state.options.elite_size) == (10, 9, 3)
    assert es.state.options.noise_schedule is None
    assert es.state.stds.tolist() == [0.7] * 4
    schedule = make_es(config, np.zeros(4), 9).state.options.noise_schedule  # type: ignore[attr-defined]
    assert schedule is not None
    assert (schedule.initial, schedule.final, schedule.N, schedule.start) == (0.1, 0.0, 30, 0)


def test_make_es_passes_the_cmaes_options() -> None:
    default = make_es(CMAESConfig(), np.zeros(10), 3)
    assert isinstance(default, CMAES)
    assert (default.popsize, default.seed, default.es.sigma) == (10, 3, 0.5)
    config = from_dotted(CMAESConfig(), {"es.popsize": 16, "es.sigma0": 2.0})
    other = make_es(config, np.zeros(10), 3)
    assert isinstance(other, CMAES)
    assert (other.popsize, other.es.sigma) == (16, 2.0)


def test_make_es_passes_the_openaies_options() -> None:
    strategy = OpenAIESStrategy(popsize=7, sigma0=0.3, lr=0.2, antithetic=False, weight_decay=0.01)
    es = make_es(OpenAIESConfig(es=strategy), np.zeros(3), 4)
    assert isinstance(es, OpenAIES)
    options = es.state.options
    assert (es.popsize, es.seed, options.lr, options.antithetic) == (7, 4, 0.2, False)
    assert (options.weight_decay, es.state.sigma.tolist()) == (0.01, [0.3] * 3)
    assert (options.rank_transform, options.lr_decay, options.min_sigma) == (True, 1.0, 0.0)


# ---- runs ----------------------------------------------------------------------------------------


@by_name
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_smoke(algorithm: Algorithm, env_id: str, tmp_path: Path) -> None:
    extra = {"policy.hidden_sizes": [4]} if env_id == "Pendulum-v1" else {}
    config = {**FAST, "env.id": env_id, "train.episodes_per_eval": 1, **extra}
    metrics = algorithm.run(config, 0, "cpu", tmp_path)
    assert run_files(tmp_path) == FINISHED_RUN
    rows = progress_rows(tmp_path)
    assert COLUMNS - {"time"} <= set(rows[0])
    assert [int(r["iteration"]) for r in rows] == [1, 2, 3, 4]
    steps = [int(r["timesteps"]) for r in rows]
    assert all(b > a for a, b in zip([0, *steps], steps, strict=False))
    assert metrics["episodes"] == 2
    assert metrics["horizon_mean"] <= 40
    env = gym.make(env_id)
    observations = np.stack([env.observation_space.sample() for _ in range(5)])
    actions = algorithm.make_policy(tmp_path, "cpu")(observations)
    assert len(actions) == 5
    assert all(env.action_space.contains(a) for a in actions)


def _same_es(a: BaseES, b: BaseES) -> bool:
    if isinstance(a, CMAES) and isinstance(b, CMAES):
        x, y = vars(a.es), vars(b.es)  # pycma's internals, untyped in our stubs
        return (
            np.array_equal(x["mean"], y["mean"])
            and x["sigma"] == y["sigma"]
            and np.array_equal(x["C"], y["C"])
            and np.array_equal(x["pc"], y["pc"])
            and np.array_equal(vars(x["adapt_sigma"])["ps"], vars(y["adapt_sigma"])["ps"])
            and x["countiter"] == y["countiter"]
            and a.result == b.result
        )
    assert isinstance(a, (CEM, OpenAIES))
    assert isinstance(b, (CEM, OpenAIES))
    return bool(a.state == b.state)


@by_name
def test_resume_is_bit_for_bit(algorithm: Algorithm, tmp_path: Path) -> None:
    """Straight for 6 generations vs 3 (``stop_at``) and a resume: same ES, rows and eval."""
    config = {**FAST, "train.generations": 6, "train.checkpoint_every": 4}
    straight, split = tmp_path / "straight", tmp_path / "split"
    expected = algorithm.run(config, 5, "cpu", straight)
    assert algorithm.run({**config, "train.stop_at": 3}, 5, "cpu", split) == {}
    assert len(progress_rows(split)) == 3
    assert not (split / "final_eval.yml").exists()
    assert load_checkpoint(split)["generation"] == 3  # type: ignore[index]
    assert algorithm.run(config, 5, "cpu", split) == expected
    assert progress_rows(split) == progress_rows(straight)
    a, b = load_checkpoint(straight), load_checkpoint(split)
    assert a is not None
    assert b is not None
    assert a["generation"] == b["generation"] == 6
    assert a["timesteps"] == b["timesteps"]
    np.testing.assert_array_equal(a["xmean"], b["xmean"])
    np.testing.assert_array_equal(a["xbest"], b["xbest"])
    np.testing.assert_array_equal(a["told"], b["told"])
    # The ES each checkpoint rebuilds: the same, and the same as the one the run ended with.
    config_ = load_run_config(split, algorithm.default_config)
    es_a, es_b = (make_es(config_, np.zeros(10), 6) for _ in range(2))
    ps.replay_es(es_a, a["told"])
    ps.replay_es(es_b, b["told"])
    assert _same_es(es_a, es_b)
    assert np.array_equal(np.asarray(es_a.ask()), np.asarray(es_b.ask()))
    np.testing.assert_array_equal(es_b.result.xfavorite, b["xmean"])


def test_a_checkpoint_holds_the_es_history_as_numbers(tmp_path: Path) -> None:
    """No ES object in the file: the fitnesses told, one row per generation."""
    config = {**FAST, "train.generations": 3, "train.checkpoint_every": 1}
    CMAES_ALGORITHM.run(config, 2, "cpu", tmp_path)
    state = load_checkpoint(tmp_path)
    assert state is not None
    assert "es" not in state
    told = state["told"]
    assert isinstance(told, np.ndarray)
    assert told.dtype == np.float64
    assert told.shape == (3, 6)  # 3 generations of es.popsize candidates


def test_replay_refuses_a_history_of_another_population_size() -> None:
    es = make_es(CEMConfig(), np.zeros(4), seed=1)
    with pytest.raises(ValueError, match=r"shape \(3,\), but the ES asks \d+ candidates"):
        ps.replay_es(es, [np.zeros(3)])


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    config = {**FAST, "train.generations": 3, "eval.solution": "best"}
    serial = CEM_ALGORITHM.run({**config, "train.workers": 0}, 2, "cpu", tmp_path / "serial")
    parallel = CEM_ALGORITHM.run({**config, "train.workers": 2}, 2, "cpu", tmp_path / "parallel")
    assert parallel == serial
    assert progress_rows(tmp_path / "parallel") == progress_rows(tmp_path / "serial")


def test_the_loop_tells_minus_mean_returns_and_logs_them(tmp_path: Path) -> None:
    """A replay of the loop from its parts: the same ES, candidates, episodes and rows."""
    config = CEMConfig(train=TrainConfig(generations=3, episodes_per_eval=2, max_episode_steps=25))
    seed = 4
    metrics = ps.run(CEMConfig, config, seed, "cpu", tmp_path)
    es, total, fbest = make_es(config, np.zeros(10), seed + 1), 0, np.inf
    for g, row in enumerate(progress_rows(tmp_path)):
        solutions = es.ask()
        seeds = episode_seeds(seed, g, len(solutions), 2)
        played = [_play("CartPole-v1", 25, x, s) for x, s in zip(solutions, seeds, strict=True)]
        returns = np.array([r for r, _ in played])
        es.tell(solutions, -returns)
        total += sum(s for _, s in played)
        fbest = min(fbest, float(-returns.max()))
        assert int(row["iteration"]) == g + 1
        assert int(row["timesteps"]) == total
        assert float(row["train_return"]) == pytest.approx(returns.mean())
        assert float(row["best_return"]) == returns.max()
        assert float(row["fbest"]) == fbest
    final = load_checkpoint(tmp_path)
    assert final is not None
    np.testing.assert_array_equal(final["xmean"], es.result.xfavorite)
    assert metrics["return_max"] <= 25


def test_eval_solution_chooses_mean_or_best(tmp_path: Path) -> None:
    for which in ("mean", "best"):
        CMAES_ALGORITHM.run({**FAST, "eval.solution": which}, 1, "cpu", tmp_path / which)
    state = load_checkpoint(tmp_path / "best")
    assert state is not None
    assert not np.array_equal(state["xbest"], state["xmean"])
    obs = np.random.default_rng(0).normal(size=(50, 4))
    expected = {"mean": state["xmean"], "best": state["xbest"]}
    for which, params in expected.items():
        act = make_policy(tmp_path / which, "cpu")
        np.testing.assert_array_equal(
            act(obs),
            ps.FlatPolicy(
                gym.make("CartPole-v1").observation_space, gym.make("CartPole-v1").action_space
            ).bind(params)(obs),
        )


def test_make_policy_refuses_other_folders(tmp_path: Path) -> None:
    start_run(tmp_path / "ppo", "ppo", CEMConfig(), 0)
    with pytest.raises(ValueError, match="holds a ppo run, not cem, cmaes or openaies"):
        make_policy(tmp_path / "ppo", "cpu")
    start_run(tmp_path / "cem", "cem", CEMConfig(), 0)
    with pytest.raises(ValueError, match=r"holds no policy\.pt"):
        make_policy(tmp_path / "cem", "cpu")


# ---- FlatPolicy ----------------------------------------------------------------------------------


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
    act = policy.bind(params)
    actions = act(obs)
    assert actions.shape == ((4,) if discrete else (4, 2))
    for row, action in zip(obs, actions, strict=True):
        expected = _reference_act(params, row, sizes, act_space)
        one = act(row)  # one observation [O]: one action, as env.step takes it
        if discrete:
            assert int(action) == int(one) == expected
            assert act_space.contains(one)
        else:
            assert one.shape == (2,)
            np.testing.assert_allclose(action, expected, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(one, expected, rtol=1e-12, atol=1e-12)
            assert act_space.contains(action)
            assert act_space.contains(one)


def test_flat_policy_keeps_the_action_dtype() -> None:
    obs_space = gym.spaces.Box(-1.0, 1.0, (2,))
    act = FlatPolicy(obs_space, gym.spaces.Box(-1.0, 1.0, (3,))).bind(np.ones(9))
    assert act(np.zeros((2, 2), dtype=np.float32)).dtype == np.float32
    assert (
        FlatPolicy(obs_space, gym.spaces.Discrete(4)).bind(np.ones(12))(np.zeros((2, 2))).dtype.kind
        == "i"
    )


def test_flat_policy_rejects_what_it_cannot_act_in() -> None:
    box = gym.spaces.Box(-1.0, 1.0, (2,))
    with pytest.raises(ValueError, match="flat Box observations"):
        FlatPolicy(gym.spaces.Discrete(3), gym.spaces.Discrete(2))
    with pytest.raises(ValueError, match="flat Box observations"):
        FlatPolicy(gym.spaces.Box(-1.0, 1.0, (2, 2)), gym.spaces.Discrete(2))
    with pytest.raises(ValueError, match="Discrete or bounded flat Box actions"):
        FlatPolicy(box, gym.spaces.MultiDiscrete([2, 2]))
    with pytest.raises(ValueError, match="Discrete or bounded flat Box actions"):
        FlatPolicy(box, gym.spaces.Box(-np.inf, np.inf, (1,)))
    with pytest.raises(ValueError, match="hidden sizes must be positive"):
        FlatPolicy(box, gym.spaces.Discrete(2), [0])
    with pytest.raises(ValueError, match=r"params must have shape \(6,\), got \(5,\)"):
        FlatPolicy(box, gym.spaces.Discrete(2)).bind(np.zeros(5))


# ---- episode seeds and rollouts ----------------------------------------------------------------


@given(seed=st.integers(0, 2**32 - 1), generation=st.integers(0, 10**6))
def test_episode_seeds_depend_only_on_seed_generation_candidate_episode(
    seed: int, generation: int
) -> None:
    big = episode_seeds(seed, generation, 5, 4)
    assert big.shape == (5, 4)
    np.testing.assert_array_equal(episode_seeds(seed, generation, 3, 2), big[:3, :2])
    assert not np.array_equal(episode_seeds(seed, generation + 1, 5, 4), big)
    assert len(np.unique(big)) == big.size


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_rollouts_serial_and_parallel_match_a_plain_loop(env_id: str) -> None:
    rng = np.random.default_rng(0)
    n = 10 if env_id == "CartPole-v1" else 4
    solutions = list(rng.normal(size=(5, n)))
    seeds = episode_seeds(3, 1, 5, 2)
    expected = [_play(env_id, 30, x, s) for x, s in zip(solutions, seeds, strict=True)]
    for workers in (0, 2):
        with PopulationRollouts(env_id, 30, (), workers) as rollouts:
            returns, steps = rollouts(solutions, seeds)
        assert returns.tolist() == [r for r, _ in expected]
        assert steps.tolist() == [s for _, s in expected]


def test_rollouts_need_a_row_of_seeds_per_candidate() -> None:
    with (
        PopulationRollouts("CartPole-v1", 10, (), 0) as rollouts,
        pytest.raises(ValueError, match="need a row of seeds per candidate, got 1 for 2"),
    ):
        rollouts([np.zeros(10), np.zeros(10)], episode_seeds(0, 0, 1, 1))


def test_a_lone_steps_task_plays_again() -> None:
    """A worker answers a candidate's second task from memory, and any other by playing."""
    episodes = ps._Episodes("CartPole-v1", 30, ())
    x, seeds = np.full(10, 0.3), (1, 2)
    other = episodes(("fitness", np.zeros(10), (7,)))
    expected = _play("CartPole-v1", 30, x, seeds)
    assert episodes(("steps", x, seeds)) == expected[1]
    assert episodes(("fitness", x, seeds)) == -expected[0]
    assert episodes(("fitness", np.zeros(10), (7,))) == other
