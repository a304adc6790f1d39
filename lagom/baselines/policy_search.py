r"""Policy search with evolution strategies: CEM, CMA-ES and OpenAI-ES in one loop.

An evolution strategy searches the flat parameters ``x`` ``[N]`` of a deterministic policy
(:class:`FlatPolicy`, a tanh MLP; linear by default). Generation ``g`` of :func:`train` is::

    x_1..x_P = es.ask()
    R_i = mean return of policy(x_i) over E episodes reset with episode_seeds(seed, g, P, E)[i]
    es.tell(x, -R)                                        # every ES minimizes

The configuration's ``es`` section chooses the strategy (:func:`make_es`):

* :class:`CEMConfig`, the cross-entropy method (:class:`~lagom.es.CEM`): sample
  ``x_i = m + sqrt(s**2 + noise(t)) * z_i`` with ``z_i ~ N(0, I)``, then refit the mean ``m``
  and the stds ``s`` to the ``elite_ratio * P`` best candidates;
* :class:`CMAESConfig`, CMA-ES through pycma (:class:`~lagom.es.CMAES`): sample
  ``x_i ~ N(m, sigma**2 C)`` and adapt ``m``, ``sigma`` and ``C`` from the ranked candidates;
* :class:`OpenAIESConfig`, OpenAI-ES (Salimans et al., 2017; :class:`~lagom.es.OpenAIES`):
  sample ``x_i = m + sigma * z_i`` in antithetic pairs, estimate the search gradient
  ``(1 / (P sigma)) sum_i F_i z_i`` from rank-shaped fitnesses ``F_i`` and take an Adam step.

ES runs count generations, not env steps: ``train.generations`` sets the length and
``train.stop_at`` is a generation count. The reset seeds of candidate ``i``'s episodes depend
only on ``(seed, g, i, e)``, so serial and worker-process evaluation agree and a resumed run
repeats an uninterrupted one bit for bit. The policy is numpy: ``device`` is not used.

A run folder holds ``run.yml``, ``config.yml``, ``progress.csv`` (per generation:
``iteration``, ``timesteps`` (env steps so far), ``time``, ``train_return`` (mean ``R``),
``best_return`` (max ``R``), ``fbest`` (best fitness ever), ``sigma`` (mean std of the
search distribution)), ``checkpoint.pt`` (the fitnesses told to the ES per generation, from which
:func:`replay_es` rebuilds it, counters and generator states) and
``final_eval.yml`` (``eval.episodes`` episodes of the mean or the best candidate ever).

Example:
    >>> CEM_ALGORITHM.name, CMAES_ALGORITHM.steps_key, OPENAIES_ALGORITHM.default_env
    ('cem', 'train.generations', 'CartPole-v1')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, cast, overload

import attrs
import gymnasium as gym
import numpy as np
import torch

from lagom._checks import (
    as_float_array,
    check_finite,
    check_instance,
    check_int,
    check_path,
    check_seed,
    check_str,
)
from lagom._types import ArrayLike, Float64Array, IntArray, NDArray
from lagom.baselines import common
from lagom.baselines.algorithm import Algorithm
from lagom.baselines.common import Policy
from lagom.baselines.configs.policy_search import (
    CARTPOLE,
    DEFAULT_ENV,
    PENDULUM,
    ZOO,
    CEMConfig,
    CEMStrategy,
    CMAESConfig,
    CMAESStrategy,
    EnvConfig,
    EvalConfig,
    OpenAIESConfig,
    OpenAIESStrategy,
    PolicyConfig,
    PolicySearchConfig,
    TrainConfig,
)
from lagom.es import CEM, CMAES, BaseES, OpenAIES, PopulationEvaluator
from lagom.utils import set_global_seeds

__all__ = [
    "CARTPOLE",
    "CEM_ALGORITHM",
    "CMAES_ALGORITHM",
    "DEFAULT_ENV",
    "OPENAIES_ALGORITHM",
    "PENDULUM",
    "ZOO",
    "CEMConfig",
    "CEMStrategy",
    "CMAESConfig",
    "CMAESStrategy",
    "EnvConfig",
    "EvalConfig",
    "FlatPolicy",
    "OpenAIESConfig",
    "OpenAIESStrategy",
    "PolicyConfig",
    "PolicySearchConfig",
    "PopulationRollouts",
    "TrainConfig",
    "default_config",
    "episode_seeds",
    "make_es",
    "make_policy",
    "replay_es",
    "run",
    "train",
]

# The configuration is in lagom.baselines.configs.policy_search (importable without
# torch): DEFAULT_ENV, the shared sections (EnvConfig, PolicyConfig, TrainConfig,
# EvalConfig, PolicySearchConfig), each strategy's section and configuration (CEM*,
# CMAES*, OpenAIES*) and the ZOO (CARTPOLE, PENDULUM).

#: Any strategy's configuration: what :func:`train` runs.
AnyConfig: TypeAlias = CEMConfig | CMAESConfig | OpenAIESConfig
C = TypeVar("C", CEMConfig, CMAESConfig, OpenAIESConfig)
S = TypeVar("S", bound=PolicySearchConfig)


def _check_strategy(strategy: object) -> None:
    if strategy not in (CEMConfig, CMAESConfig, OpenAIESConfig):
        raise TypeError(
            f"strategy must be CEMConfig, CMAESConfig or OpenAIESConfig, got {strategy!r:.60}"
        )


def default_config(strategy: type[S], env_id: str = DEFAULT_ENV) -> S:
    """``strategy``'s configuration for ``env_id``: its sections in
    :data:`~lagom.baselines.configs.policy_search.ZOO`, or the defaults with ``env.id`` set once a
    :class:`FlatPolicy` is known to act in it.

    Raises:
        TypeError: ``strategy`` is not one of the configuration classes (:class:`CEMConfig`,
            :class:`CMAESConfig`, :class:`OpenAIESConfig`), or ``env_id`` is not a str.
        ValueError: ``env_id`` is not registered, or a flat policy cannot act in it.

    Example:
        >>> default_config(CMAESConfig, "Pendulum-v1").train.generations
        100
        >>> default_config(CEMConfig, "Blackjack-v1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: cem needs a Box observation space, but Blackjack-v1 has Tuple(...
    """
    _check_strategy(strategy)
    zoo = ZOO.get(check_str("env_id", env_id))
    if zoo is None:
        spaces = common.check_spaces(strategy.algorithm, env_id)
        try:
            FlatPolicy(*spaces)
        except ValueError as error:
            raise ValueError(f"{strategy.algorithm} cannot act in {env_id}: {error}") from None
        zoo = PolicySearchConfig(env=EnvConfig(env_id))
    return strategy(env=zoo.env, policy=zoo.policy, train=zoo.train, eval=zoo.eval)


def _hidden_sizes(hidden_sizes: object) -> list[int]:
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise TypeError(f"hidden_sizes must be a list of ints, got {type(hidden_sizes).__name__}")
    sizes = [check_int("hidden_sizes", h, minimum=None) for h in hidden_sizes]
    if sizes and min(sizes) < 1:
        raise ValueError(f"hidden sizes must be positive, got {sizes}")
    return sizes


class FlatPolicy:
    r"""A deterministic MLP whose parameters are one flat vector ``[N]`` (the ES solution).

    ``h_0 = obs``, ``h_{k+1} = tanh(W_k h_k + b_k)`` per hidden layer, ``out = W_L h_L + b_L``;
    the action is ``argmax(out)`` for ``Discrete(n)`` (``n`` outputs) and ``low + (tanh(out) +
    1) / 2 * (high - low)`` for a bounded ``Box`` ``[A]``. The vector holds, layer by layer,
    ``W_k`` (``[out, in]``, row-major) then ``b_k``. Observations: a ``Box`` ``[O]``.

    Raises:
        TypeError: ``hidden_sizes`` is not a list of ints.
        ValueError: a space the policy cannot act in, or a hidden size below 1.

    Example:
        >>> policy = FlatPolicy(gym.spaces.Box(-1.0, 1.0, (3,)), gym.spaces.Discrete(2))
        >>> policy.num_params  # W [2, 3] and b [2]
        8
        >>> act = policy.bind([1.0, 0, 0, -1, 0, 0, 0, 0])
        >>> act(np.array([[0.5, 0.0, 0.0], [-0.5, 0.0, 0.0]])).tolist(), int(act(np.ones(3)))
        ([0, 1], 0)
        >>> policy = FlatPolicy(gym.spaces.Box(-1.0, 1.0, (3,)), gym.spaces.Box(-2.0, 2.0), [4])
        >>> policy.num_params, policy.bind(np.zeros(21))(np.ones((2, 3))).tolist()
        (21, [[0.0], [0.0]])
    """

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        hidden_sizes: Sequence[int] = (),
    ) -> None:
        if not isinstance(observation_space, gym.spaces.Box) or len(observation_space.shape) != 1:
            raise ValueError(
                "observation_space must be a flat Box (policy search needs flat Box "
                f"observations), got {observation_space!r:.60}"
            )
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        if isinstance(action_space, gym.spaces.Discrete):
            outputs = int(action_space.n)
        elif (
            isinstance(action_space, gym.spaces.Box)
            and len(action_space.shape) == 1
            and action_space.is_bounded()
        ):
            low, high = action_space.low.astype(np.float64), action_space.high.astype(np.float64)
            self._low, self._half_range, self._dtype = low, (high - low) / 2.0, action_space.dtype
            outputs = action_space.shape[0]
        else:
            raise ValueError(
                "action_space must be a Discrete or a bounded flat Box (policy search needs "
                f"Discrete or bounded flat Box actions), got {action_space!r:.60}"
            )
        sizes = [observation_space.shape[0], *_hidden_sizes(hidden_sizes), outputs]
        #: ``(out, in)`` of each layer.
        self.layer_sizes = list(zip(sizes[1:], sizes[:-1], strict=True))
        #: Length ``N`` of the flat parameter vector.
        self.num_params = sum(o * i + o for o, i in self.layer_sizes)

    def bind(self, params: ArrayLike) -> Policy:
        """The policy with parameters ``params`` ``[N]``: observations ``[O]`` or ``[B, O]``
        to actions ``[]`` or ``[B]`` (discrete, int64), ``[A]`` or ``[B, A]`` (continuous)."""
        flat = as_float_array(params, "params").astype(np.float64)
        check_finite("params", flat)
        if flat.shape != (self.num_params,):
            raise ValueError(f"params must have shape ({self.num_params},), got {flat.shape}")
        layers, start = [], 0
        for out, inp in self.layer_sizes:
            weights = flat[start : start + out * inp].reshape(out, inp)
            layers.append((weights.T, flat[start + out * inp : start + out * inp + out]))
            start += out * inp + out
        w_out, b_out = layers.pop()

        def act(observations: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            h = observations
            for w, b in layers:
                h = np.tanh(h @ w + b)
            out: np.ndarray[Any, Any] = h @ w_out + b_out
            if self.discrete:
                return out.argmax(axis=-1)  # type: ignore[no-any-return]
            action: np.ndarray[Any, Any] = self._low + (np.tanh(out) + 1.0) * self._half_range
            return action.astype(self._dtype)

        return act


def episode_seeds(seed: int, generation: int, popsize: int, episodes: int) -> NDArray[np.int64]:
    """``[P, E]`` reset seeds: row ``i`` is ``SeedSequence(seed, spawn_key=(generation, i))``'s
    first ``E`` 32-bit words, so each seed depends only on ``(seed, generation, i, e)``.

    Example:
        >>> s = episode_seeds(0, 3, 2, 4)
        >>> s.shape, bool(np.all(s[1, :2] == episode_seeds(0, 3, 5, 2)[1]))
        ((2, 4), True)

    Raises:
        TypeError: an argument is not an int.
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]``, ``generation`` negative, or
            ``popsize`` or ``episodes`` below 1.
    """
    seed = check_seed("seed", seed)
    generation = check_int("generation", generation, minimum=0)
    popsize = check_int("popsize", popsize)
    episodes = check_int("episodes", episodes)
    rows = [
        np.random.SeedSequence(seed, spawn_key=(generation, i)).generate_state(episodes)
        for i in range(popsize)
    ]
    return np.asarray(rows, dtype=np.int64).reshape(popsize, episodes)


def _rows(name: str, values: object) -> list[Any]:
    """The rows of ``values``: a list's items or an array's first axis."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list or an array, got {type(values).__name__}")
    return list(values)


class _Episodes:
    """One environment and the policy's shape: plays candidates, in a worker or in-process."""

    def __init__(self, env_id: str, max_steps: int | None, hidden_sizes: Sequence[int]) -> None:
        try:
            self.env = gym.make(env_id, max_episode_steps=max_steps)
        except gym.error.Error as error:
            raise ValueError(f"env_id {env_id!r} cannot be made by gymnasium: {error}") from None
        self.policy = FlatPolicy(self.env.observation_space, self.env.action_space, hidden_sizes)
        self.last: tuple[bytes, float, int] | None = None  # the last candidate played

    def __call__(self, task: tuple[str, Float64Array, tuple[int, ...]]) -> float:
        """``-mean return`` (``"fitness"``) or the env steps (``"steps"``) of one episode per
        seed. A candidate is two tasks sent together: the second is answered from memory (a
        lone ``"steps"`` task plays again; the seeds make the answer the same)."""
        what, params, seeds = task
        key = params.tobytes() + np.asarray(seeds, dtype=np.int64).tobytes()
        if self.last is None or self.last[0] != key:
            act, returns, steps = self.policy.bind(params), [], 0
            for seed in seeds:
                obs, _ = self.env.reset(seed=seed)
                total, done = 0.0, False
                while not done:
                    obs, reward, terminated, truncated, _ = self.env.step(act(obs))
                    total, steps, done = total + float(reward), steps + 1, terminated or truncated
                returns.append(total)
            self.last = (key, -float(np.mean(returns)), steps)
        return self.last[1] if what == "fitness" else float(self.last[2])


_worker: _Episodes | None = None  # set in each worker process by `_init_worker`


def _init_worker(env_id: str, max_steps: int | None, hidden_sizes: tuple[int, ...]) -> None:
    global _worker
    _worker = _Episodes(env_id, max_steps, hidden_sizes)


def _query(task: tuple[str, Float64Array, tuple[int, ...]]) -> float:
    if _worker is None:
        raise RuntimeError("the policy-search worker was not initialised")
    return _worker(task)


class PopulationRollouts:
    """Plays populations of policy parameters, serially or in worker processes.

    ``workers <= 1`` plays in this process; otherwise a :class:`~lagom.es.PopulationEvaluator`
    of ``workers`` processes, each building its environment once. Both give the same results.

    Example:
        >>> with PopulationRollouts("CartPole-v1", 20, (), workers=0) as rollouts:
        ...     returns, steps = rollouts([np.zeros(10), np.ones(10)], episode_seeds(0, 0, 2, 3))
        >>> returns.shape, bool(np.all(returns == steps / 3))  # CartPole pays 1 per step
        ((2,), True)
    """

    def __init__(
        self, env_id: str, max_steps: int | None, hidden_sizes: Sequence[int], workers: int
    ) -> None:
        check_str("env_id", env_id)
        if max_steps is not None:
            check_int("max_steps", max_steps)
        workers = check_int("workers", workers, minimum=0)
        args = (env_id, max_steps, tuple(_hidden_sizes(hidden_sizes)))
        self._play = (
            _Episodes(*args)
            if workers <= 1
            else PopulationEvaluator(_query, workers, _init_worker, args, chunksize=2)
        )

    def __call__(
        self, solutions: Sequence[ArrayLike], seeds: IntArray | Sequence[Sequence[int]]
    ) -> tuple[Float64Array, NDArray[np.int64]]:
        """Mean returns ``[P]`` and env steps ``[P]`` of candidates ``[P, N]`` played on the
        reset seeds ``[P, E]``."""
        candidates = [as_float_array(x, "solutions") for x in _rows("solutions", solutions)]
        seeds = np.asarray(seeds)
        if seeds.ndim != 2 or seeds.dtype.kind not in "iu":
            raise TypeError(f"seeds must be an int array [P, E], got {seeds.dtype} {seeds.shape}")
        if len(candidates) != len(seeds):
            raise ValueError(
                f"need a row of seeds per candidate, got {len(seeds)} for {len(solutions)}"
            )
        tasks = [
            (what, np.asarray(x, dtype=np.float64), tuple(int(s) for s in row))
            for x, row in zip(solutions, seeds, strict=True)
            for what in ("fitness", "steps")
        ]
        if isinstance(self._play, _Episodes):
            values = np.array([self._play(task) for task in tasks])
        else:  # the evaluator takes any picklable task, though its hint says arrays
            values = self._play(cast(Any, tasks))
        return -values[0::2], values[1::2].astype(np.int64)

    def close(self) -> None:
        """Close the environment or shut the worker processes down."""
        if isinstance(self._play, _Episodes):
            self._play.env.close()
        else:
            self._play.close()

    def __enter__(self) -> PopulationRollouts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The ES class of each strategy section.
_ES: dict[type, Callable[[Float64Array, float, dict[str, Any]], BaseES]] = {
    CEMStrategy: CEM,
    CMAESStrategy: CMAES,
    OpenAIESStrategy: OpenAIES,
}


@overload
def make_es(config: CEMConfig, x0: Float64Array, seed: int) -> CEM: ...
@overload
def make_es(config: CMAESConfig, x0: Float64Array, seed: int) -> CMAES: ...
@overload
def make_es(config: OpenAIESConfig, x0: Float64Array, seed: int) -> OpenAIES: ...
def make_es(config: AnyConfig, x0: Float64Array, seed: int) -> BaseES:
    """The evolution strategy of ``config.es`` starting at ``x0`` ``[N]``: its fields are the
    ES's options of the same names (``None`` leaves an option at its default).

    Example:
        >>> es = make_es(CMAESConfig(), np.zeros(10), seed=3)
        >>> type(es).__name__, es.popsize, es.seed
        ('CMAES', 10, 3)
        >>> make_es(CEMConfig(), np.zeros(10), seed=3).state.options.elite_size
        6
    """
    check_instance("config", config, (CEMConfig, CMAESConfig, OpenAIESConfig))
    check_seed("seed", seed)
    opts = {key: value for key, value in attrs.asdict(config.es).items() if value is not None}
    sigma0 = opts.pop("sigma0")
    return _ES[type(config.es)](x0, sigma0, {**opts, "seed": seed})


def replay_es(es: BaseES, told: Sequence[ArrayLike]) -> None:
    """Bring a freshly made ``es`` to where the run that told it ``told`` (the fitnesses of
    each generation in order) left it: ``es.tell(es.ask(), fitnesses)`` per generation.

    An ES is a deterministic function of its seed and of the fitnesses it was told, so a
    checkpoint holds those (``[G, P]`` numbers) instead of the ES object, and nothing in it
    is code. Replaying costs each generation's ``ask``/``tell`` again (no rollouts).

    Raises:
        TypeError: ``es`` is not an evolution strategy, or ``told`` is not a list of arrays
            of numbers.
        ValueError: a generation's fitnesses do not match the population ``es`` asks.

    Example:
        >>> es = make_es(CEMConfig(), np.zeros(3), seed=1)
        >>> told = []
        >>> for _ in range(2):
        ...     x = np.asarray(es.ask())
        ...     told.append((x**2).sum(axis=1))
        ...     es.tell(x, told[-1])
        >>> again = make_es(CEMConfig(), np.zeros(3), seed=1)
        >>> replay_es(again, told)
        >>> bool((again.result.xfavorite == es.result.xfavorite).all())
        True
    """
    check_instance("es", es, BaseES)
    for generation, fitnesses in enumerate(_rows("told", told)):
        solutions = es.ask()
        values = as_float_array(fitnesses, "told").astype(np.float64)
        if values.shape != (len(solutions),):
            raise ValueError(
                f"generation {generation} of the ES history has fitnesses of shape "
                f"{values.shape}, but the ES asks {len(solutions)} candidates: it is "
                "configured differently"
            )
        es.tell(solutions, values)


def _copy(x: ArrayLike | None) -> Float64Array | None:
    return None if x is None else np.array(x, dtype=np.float64)


def _solution(state: Mapping[str, Any], which: str) -> Float64Array:
    """The evaluated solution of a checkpoint: the ES mean, or the best candidate ever."""
    x = state["xbest"] if which == "best" and state["xbest"] is not None else state["xmean"]
    return np.asarray(x, dtype=np.float64)


def _flat_policy(config: PolicySearchConfig) -> FlatPolicy:
    env = gym.make(config.env.id)
    env.close()
    return FlatPolicy(env.observation_space, env.action_space, config.policy.hidden_sizes)


def train(config: AnyConfig, seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Run the policy search of ``config`` (``device`` unused); returns the final evaluation,
    or ``{}`` when ``train.stop_at`` stopped it. Resumes from ``logdir/checkpoint.pt``.

    Raises:
        TypeError: ``config`` is not this algorithm's configuration, ``seed`` not an int or
            ``logdir`` not a path (:func:`~lagom.baselines.common.check_run`).
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]`` or ``device`` unknown.

    Example:
        >>> import tempfile
        >>> config = CEMConfig(train=TrainConfig(generations=2, max_episode_steps=20))
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = train(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     files = sorted(path.name for path in Path(logdir).iterdir())
        >>> files
        ['checkpoint.pt', 'config.yml', 'final_eval.yml', 'policy.pt', 'progress.csv', 'run.yml']
        >>> metrics["episodes"], metrics["return_max"] <= 20
        (20.0, True)
    """
    _, logdir = common.check_run(
        config, (CEMConfig, CMAESConfig, OpenAIESConfig), seed, device, logdir
    )
    cfg = config.train
    common.start_run(logdir, config.algorithm, config, seed)
    set_global_seeds(seed)
    policy = _flat_policy(config)
    # pycma reads seed 0 as "from the clock": keep the ES's in [1, 2**32 - 1].
    es = make_es(config, np.zeros(policy.num_params), seed % (2**32 - 1) + 1)
    told: list[Float64Array] = []  # the fitnesses told per generation: the ES's whole history
    generation, timesteps, elapsed = 0, 0, 0.0
    hidden, steps_limit = config.policy.hidden_sizes, cfg.max_episode_steps
    make_env = partial(gym.make, config.env.id, max_episode_steps=steps_limit)
    # Evaluation during training: every eval.every generations, the search distribution's mean.
    evaluation = common.PeriodicEvaluation(
        config.eval.every, config.eval.every_episodes, seed, make_env
    )
    state = common.load_checkpoint(logdir)
    if state is not None:
        with common.restoring_checkpoint(logdir, config.algorithm):
            told = list(state["told"])
            replay_es(es, told)
            generation, timesteps, elapsed = len(told), state["timesteps"], state["time"]
            common.restore_rng_state(state["rng"])
            evaluation.restore(state.get("evaluation"))
    # Rows after the checkpoint go.
    logger = common.progress_logger(logdir, generation, cfg.log)
    t0 = time.perf_counter() - elapsed

    def checkpoint() -> dict[str, Any]:
        result, now = es.result, time.perf_counter() - t0
        ckpt = {"generation": generation, "told": np.array(told).reshape(len(told), -1)}
        ckpt |= {"timesteps": timesteps}
        ckpt |= {"time": now, "rng": common.rng_state(), "evaluation": evaluation.state()}
        ckpt |= {"xmean": np.array(result.xfavorite), "xbest": _copy(result.xbest)}
        common.save_checkpoint(logdir, ckpt)
        best = {} if result.xbest is None else {"xbest": torch.from_numpy(ckpt["xbest"])}
        common.save_policy(logdir, {"xmean": torch.from_numpy(ckpt["xmean"]), **best})
        return ckpt

    with PopulationRollouts(config.env.id, steps_limit, hidden, cfg.workers) as rollouts:
        while generation < cfg.generations:
            solutions = es.ask()
            seeds = episode_seeds(seed, generation, len(solutions), cfg.episodes_per_eval)
            returns, steps = rollouts(solutions, seeds)
            es.tell(solutions, -returns)
            told.append(-returns)
            generation, timesteps = generation + 1, timesteps + int(steps.sum())
            result = es.result
            row: dict[str, float] = {"iteration": generation, "timesteps": timesteps}
            row |= {"time": time.perf_counter() - t0, "train_return": float(returns.mean())}
            row |= {"best_return": float(returns.max()), "fbest": float(result.fbest)}
            row |= {"sigma": float(np.mean(result.stds))}
            mean = np.array(result.xfavorite)
            tensors: Callable[[], dict[str, Any]] = partial(dict, xmean=torch.from_numpy(mean))
            row |= evaluation(logdir, generation, policy.bind(mean), tensors)
            common.write_row(logger, row)
            stop = cfg.stop_at is not None and generation >= cfg.stop_at
            if generation < cfg.generations and (stop or generation % cfg.checkpoint_every == 0):
                checkpoint()
                if stop:
                    return {}
    act = policy.bind(_solution(checkpoint(), config.eval.solution))
    metrics = common.evaluate_policy(act, make_env, config.eval.episodes, seed + 10_000)
    return common.finish(logdir, metrics | evaluation.summary())


def run(
    strategy: type[C], config: Mapping[str, Any] | C, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """Train ``strategy`` (:class:`CEMConfig`, ...) with ``config``: a typed configuration, or
    dotted keys over ``default_config(strategy, config["env.id"])``. Each algorithm's ``run``
    is this with its strategy bound (``CEM_ALGORITHM.run(config, seed, device, logdir)``).

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or ``seed`` or
            ``logdir`` has the wrong type.
        TypeError: ``strategy`` is not CEMConfig, CMAESConfig or OpenAIESConfig.
        ValueError: an unknown key (with close matches), a wrong type or a value out of range.

    Example:
        >>> import tempfile
        >>> config = {"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = run(OpenAIESConfig, config, seed=0, device="cpu", logdir=Path(logdir))
        ...     act = make_policy(Path(logdir), "cpu")
        >>> metrics["episodes"], act(np.zeros((2, 4))).shape
        (1.0, (2,))
    """
    _check_strategy(strategy)
    config = common.resolve_config(partial(default_config, strategy), config, DEFAULT_ENV)
    return train(config, seed, device, logdir)


def make_policy(run_dir: Path, device: str, *, name: str = common.POLICY_FILE) -> Policy:
    """The trained deterministic policy of a finished CEM, CMA-ES or OpenAI-ES run, from its
    policy file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one): numpy
    observations ``[B, O]`` in, actions out; ``device`` unused.

    Raises:
        TypeError: ``run_dir`` is not a str or path, or ``name`` not a str.
        ValueError: ``run_dir`` is not a policy-search run folder or holds no file ``name``.

    Example:
        >>> make_policy(Path("/nonexistent"), "cpu")
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a run folder: it has no run.yml
    """
    common.choose_device(device)  # unused, but checked as every algorithm's is
    run_dir = Path(check_path("run_dir", run_dir))
    algorithm = common.read_run_info(run_dir).algorithm
    strategies = {cls.algorithm: cls for cls in (CEMConfig, CMAESConfig, OpenAIESConfig)}
    if algorithm not in strategies:
        raise ValueError(f"{run_dir} holds a {algorithm} run, not cem, cmaes or openaies")
    config = common.load_run_config(run_dir, partial(default_config, strategies[algorithm]))
    saved = common.load_policy_state(run_dir, name)  # weights-only: no code from the file runs
    state = {key: saved[key].numpy() if key in saved else None for key in ("xmean", "xbest")}
    env = gym.make(config.env.id)
    env.close()
    flat = FlatPolicy(env.observation_space, env.action_space, config.policy.hidden_sizes)
    act = flat.bind(_solution(state, config.eval.solution))
    # FlatPolicy's act also takes one observation [O]; a run's policy takes batches [B, O].
    return common.checked_policy(act, env.observation_space)


def _algorithm(strategy: type[C], summary: str) -> Algorithm:
    return Algorithm(
        name=strategy.algorithm,
        summary=f"{summary} searching a linear policy, parallel episode evaluation",
        run=partial(run, strategy),
        default_config=partial(default_config, strategy),
        default_env=DEFAULT_ENV,
        action_spaces=("discrete", "continuous"),
        make_policy=make_policy,
        steps_key="train.generations",
    )


#: CEM's record for the ``lagom`` command.
CEM_ALGORITHM = _algorithm(CEMConfig, "Cross-entropy method")
#: CMA-ES's record for the ``lagom`` command.
CMAES_ALGORITHM = _algorithm(CMAESConfig, "CMA-ES")
#: OpenAI-ES's record for the ``lagom`` command.
OPENAIES_ALGORITHM = _algorithm(OpenAIESConfig, "OpenAI-ES (Adam on the search gradient)")
