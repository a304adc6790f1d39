"""What every reference algorithm does around its math: run folder, checkpoints, evaluation,
progress rows, device choice. Plain functions; each algorithm module calls them in order.

The life of one run, as each algorithm's ``train(config, seed, device, logdir)`` writes it:

1. ``device = choose_device(device)``; ``start_run(logdir, "ppo", config, seed)`` writes
   ``run.yml`` (algorithm, seed) and ``config.yml`` (the configuration as dotted keys);
   ``set_global_seeds(seed)``;
2. ``state = load_checkpoint(logdir)`` (``None`` on a fresh start), then
   ``restore_rng_state(state["rng"])`` when resuming;
3. the loop: ``write_row(logger, {...})`` with ``logger = progress_logger(logdir)``, and
   ``save_checkpoint(logdir, {..., "rng": rng_state()})`` every so often;
4. ``finish(logdir, evaluate_policy(policy, make_env, episodes, seed))``.

``run(config, seed, device, logdir)``, the entry that :func:`~lagom.experiment.run_experiment`
and ``lagom train`` call with a flat dict of dotted keys, is
``train(resolve_config(default_config, config, default_env), ...)``.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from lagom.baselines.ppo import PPOConfig
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     _ = start_run(Path(logdir), "ppo", PPOConfig(), seed=3)
    ...     info = read_run_info(Path(logdir))
    >>> info.algorithm, info.seed, info.config["agent.gamma"]
    ('ppo', 3, 0.99)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import gymnasium as gym
import numpy as np
import torch

from lagom._types import NDArray
from lagom.experiment import from_dotted, to_dotted
from lagom.logger import Logger
from lagom.utils import atomic_write, yaml_dump, yaml_load

__all__ = [
    "CHECKPOINT_FILE",
    "CONFIG_FILE",
    "FINAL_EVAL_FILE",
    "PROGRESS_FILE",
    "RUN_INFO_FILE",
    "Policy",
    "RunInfo",
    "check_spaces",
    "choose_device",
    "evaluate_policy",
    "finish",
    "load_checkpoint",
    "load_run_config",
    "progress_logger",
    "read_run_info",
    "resolve_config",
    "restore_rng_state",
    "rng_state",
    "save_checkpoint",
    "start_run",
    "write_row",
]

PROGRESS_FILE = "progress.csv"
CHECKPOINT_FILE = "checkpoint.pt"
FINAL_EVAL_FILE = "final_eval.yml"
RUN_INFO_FILE = "run.yml"
CONFIG_FILE = "config.yml"

#: The run-folder layout this version writes; older folders are refused with a message.
_FORMAT = 2

#: A deterministic policy: an observation batch ``[B, *shape]`` to an action batch (numpy).
Policy = Callable[[NDArray[Any]], NDArray[Any]]

C = TypeVar("C")


def resolve_config(
    default_config: Callable[[str], C], config: Mapping[str, Any] | C, default_env: str
) -> C:
    """The typed configuration of a run: ``config`` itself when it is one already, else
    ``default_config(config["env.id"])`` (``default_env`` when absent) with the dotted keys of
    ``config`` applied by :func:`~lagom.experiment.from_dotted` (``"ID"`` is ignored).

    Raises:
        ValueError: an unknown key (with close matches), a value of the wrong type (naming
            key, value and expected type) or a value out of range.

    Example:
        >>> from lagom.baselines.ppo import default_config
        >>> cfg = resolve_config(default_config, {"agent.gamma": 0.9, "ID": 0}, "CartPole-v1")
        >>> cfg.env.id, cfg.agent.gamma, cfg.env.num_envs
        ('CartPole-v1', 0.9, 8)
        >>> resolve_config(default_config, {"agent.gama": 0.9}, "CartPole-v1")
        Traceback (most recent call last):
        ...
        ValueError: unknown config key 'agent.gama'; did you mean 'agent.gamma'?
    """
    if not isinstance(config, Mapping):
        return config
    env_id = config.get("env.id", default_env)
    if not isinstance(env_id, str):
        raise ValueError(f"config key 'env.id' expects str, got {type(env_id).__name__} {env_id!r}")
    return from_dotted(default_config(env_id), config)


def choose_device(device: str | torch.device) -> torch.device:
    """``device`` as a ``torch.device``, checked to exist on this machine.

    Raises:
        ValueError: an unknown device string, or a CUDA device on a machine without one.

    Example:
        >>> choose_device("cpu")
        device(type='cpu')
        >>> choose_device("gpu")
        Traceback (most recent call last):
        ...
        ValueError: unknown device 'gpu'; use 'cpu', 'cuda' or 'cuda:N'
    """
    try:
        out = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'cuda:N'") from None
    if out.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asked for, but this machine has no CUDA device")
        if out.index is not None and out.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r} asked for, but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    elif out.type != "cpu":
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'cuda:N'")
    return out


def check_spaces(
    algorithm: str,
    env_id: str,
    *,
    observation: tuple[type[gym.Space[Any]], ...] = (gym.spaces.Box,),
    action: tuple[type[gym.Space[Any]], ...] = (gym.spaces.Discrete, gym.spaces.Box),
) -> tuple[gym.Space[Any], gym.Space[Any]]:
    """The observation and action spaces of ``env_id``, checked to be of the given kinds.

    The environment is created once and closed.

    Raises:
        ValueError: ``env_id`` cannot be created, or a space is of another kind (the message
            names the algorithm, the environment and the space).

    Example:
        >>> check_spaces("ppo", "CartPole-v1")
        (Box(..., (4,), float32), Discrete(2))
        >>> check_spaces("sac", "CartPole-v1", action=(gym.spaces.Box,))
        Traceback (most recent call last):
        ...
        ValueError: sac needs a Box action space, but CartPole-v1 has Discrete(2)
    """
    try:
        env = gym.make(env_id)
    except gym.error.Error as error:
        raise ValueError(f"{algorithm} cannot create environment {env_id!r}: {error}") from None
    try:
        obs_space, action_space = env.observation_space, env.action_space
    finally:
        env.close()
    for what, space, kinds in (
        ("observation", obs_space, observation),
        ("action", action_space, action),
    ):
        if not isinstance(space, kinds):
            names = " or ".join(kind.__name__ for kind in kinds)
            raise ValueError(f"{algorithm} needs a {names} {what} space, but {env_id} has {space}")
    return obs_space, action_space


@attrs.frozen
class RunInfo:
    """What ``run.yml`` and ``config.yml`` of a run folder say.

    Attributes:
        algorithm: the algorithm's registered name (``"ppo"``).
        seed: the run's seed.
        config: the configuration as dotted keys (read back with :func:`load_run_config`).

    Example:
        >>> RunInfo("ppo", 0, {"env.id": "CartPole-v1"}).config["env.id"]
        'CartPole-v1'
    """

    algorithm: str
    seed: int
    config: dict[str, Any]


def start_run(logdir: Path, algorithm: str, config: object, seed: int) -> Path:
    """Create ``logdir`` and write ``run.yml`` (algorithm, seed) and ``config.yml`` (``config``
    as dotted keys, :func:`~lagom.experiment.to_dotted`), both atomically.

    Returns:
        ``logdir``.

    Example:
        >>> import tempfile
        >>> from lagom.baselines.ppo import PPOConfig
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     logdir = start_run(Path(folder) / "run", "ppo", PPOConfig(), 0)
        ...     sorted(path.name for path in logdir.iterdir())
        ['config.yml', 'run.yml']
    """
    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    info = {"algorithm": algorithm, "seed": int(seed), "format": _FORMAT}
    yaml_dump(info, logdir / Path(RUN_INFO_FILE).stem, ext=".yml")
    yaml_dump(to_dotted(config), logdir / Path(CONFIG_FILE).stem, ext=".yml")
    return logdir


def read_run_info(logdir: Path) -> RunInfo:
    """The :class:`RunInfo` of a run folder written by :func:`start_run`.

    Raises:
        ValueError: ``logdir`` is not a run folder, or an older lagom wrote it (its layout
            is refused: train it again).

    Example:
        >>> read_run_info(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a run folder: it has no run.yml
    """
    logdir = Path(logdir)
    path = logdir / RUN_INFO_FILE
    if not path.is_file():
        raise ValueError(f"{logdir} is not a run folder: it has no {RUN_INFO_FILE}")
    info = yaml_load(path)
    if not isinstance(info, dict) or info.get("format") != _FORMAT:
        raise ValueError(
            f"{logdir} was written by an older lagom (run folder format "
            f"{info.get('format', 1) if isinstance(info, dict) else '?'}, this lagom reads "
            f"{_FORMAT}); train it again"
        )
    config = yaml_load(logdir / CONFIG_FILE) if (logdir / CONFIG_FILE).is_file() else None
    if not isinstance(config, dict):
        raise ValueError(f"{logdir} is not a complete run folder: {CONFIG_FILE} is missing")
    return RunInfo(str(info["algorithm"]), int(info["seed"]), config)


def load_run_config(logdir: Path, default_config: Callable[[str], C]) -> C:
    """The typed configuration of a run folder: its ``config.yml`` over
    ``default_config(env_id)``.

    Raises:
        ValueError: not a run folder, an older layout, or a ``config.yml`` that does not fit.

    Example:
        >>> import tempfile
        >>> from lagom.baselines.ppo import PPOConfig, default_config
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = start_run(Path(folder), "ppo", PPOConfig(), 0)
        ...     load_run_config(Path(folder), default_config) == PPOConfig()
        True
    """
    return resolve_config(default_config, read_run_info(logdir).config, "")


def progress_logger(logdir: Path) -> Logger:
    """A :class:`~lagom.logger.Logger` appending one row per iteration to
    ``logdir/progress.csv``; a resumed run appends to the rows already there.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     logger = progress_logger(Path(folder))
        ...     write_row(logger, {"iteration": 1, "train_return": 9.5})
        ...     print((Path(folder) / PROGRESS_FILE).read_text().strip())
        iteration,train_return
        1,9.5
    """
    return Logger(csv_path=Path(logdir) / PROGRESS_FILE)


def write_row(logger: Logger, row: Mapping[str, Any]) -> None:
    """Log every ``key: value`` of ``row`` and write them as one progress row.

    Example:
        >>> logger = Logger()
        >>> write_row(logger, {"iteration": 1, "loss": 0.5})
        >>> logger["loss"]
        [0.5]
    """
    for key, value in row.items():
        logger(key, value)
    logger.write_row()


def rng_state() -> dict[str, Any]:
    """The states of Python's, numpy's global and torch's CPU random generators.

    Example:
        >>> state = rng_state()
        >>> first = random.random()
        >>> restore_rng_state(state)
        >>> random.random() == first
        True
    """
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002 - set_global_seeds seeds it
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Restore the generators from :func:`rng_state`'s output.

    Example:
        >>> state = rng_state()
        >>> first = float(torch.rand(1))
        >>> restore_rng_state(state)
        >>> float(torch.rand(1)) == first
        True
    """
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002 - restores what rng_state saved
    torch.set_rng_state(state["torch"])


def save_checkpoint(logdir: Path, state: Mapping[str, Any]) -> Path:
    """Write ``state`` to ``logdir/checkpoint.pt`` atomically (temporary file, then rename).

    ``state`` holds everything needed to continue bit-for-bit: ``state_dict()`` of networks
    and optimizers, environment state, counters, replay buffers and :func:`rng_state`.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = save_checkpoint(Path(folder), {"iteration": 3})
        ...     load_checkpoint(Path(folder))
        {'iteration': 3}
    """
    return atomic_write(Path(logdir) / CHECKPOINT_FILE, lambda f: torch.save(dict(state), f))


def load_checkpoint(logdir: Path) -> dict[str, Any] | None:
    """The state saved by :func:`save_checkpoint` in ``logdir``, or ``None`` when there is none.

    Example:
        >>> load_checkpoint(Path("/nonexistent")) is None
        True
    """
    path = Path(logdir) / CHECKPOINT_FILE
    if not path.exists():
        return None
    state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    return state


def evaluate_policy(
    policy: Policy,
    make_env: Callable[[], gym.Env[Any, Any]],
    episodes: int,
    seed: int,
) -> dict[str, float]:
    """Run ``episodes`` episodes of a deterministic ``policy`` (an observation batch of size
    1 in, an action batch out) on a fresh environment from ``make_env``.

    Episode ``i`` resets with seed ``seed + i``, so evaluations are reproducible and share no
    random stream with training.

    Returns:
        ``return_mean``, ``return_std``, ``return_min``, ``return_max``, ``horizon_mean``,
        ``episodes``.

    Raises:
        ValueError: ``episodes < 1``.

    Example:
        >>> always_left = lambda obs: np.zeros(len(obs), dtype=np.int64)
        >>> metrics = evaluate_policy(always_left, lambda: gym.make("CartPole-v1"), 2, seed=0)
        >>> metrics["episodes"], metrics["return_mean"] < 20
        (2.0, True)
    """
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
        raise ValueError(f"episodes must be an int >= 1, got {episodes!r}")
    env = make_env()
    returns: list[float] = []
    horizons: list[int] = []
    try:
        for i in range(episodes):
            obs, _ = env.reset(seed=seed + i)
            total, steps, done = 0.0, 0, False
            while not done:
                action = np.asarray(policy(np.asarray(obs)[None]))[0]
                obs, reward, terminated, truncated, _ = env.step(action)
                total += float(reward)
                steps += 1
                done = bool(terminated or truncated)
            returns.append(total)
            horizons.append(steps)
    finally:
        env.close()
    r = np.asarray(returns)
    return {
        "return_mean": float(r.mean()),
        "return_std": float(r.std()),
        "return_min": float(r.min()),
        "return_max": float(r.max()),
        "horizon_mean": float(np.mean(horizons)),
        "episodes": float(episodes),
    }


def finish(logdir: Path, metrics: Mapping[str, float]) -> dict[str, float]:
    """Write the final evaluation to ``logdir/final_eval.yml`` and return it as floats.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     finish(Path(folder), {"return_mean": 1})
        {'return_mean': 1.0}
    """
    out = {key: float(value) for key, value in metrics.items()}
    yaml_dump(out, Path(logdir) / Path(FINAL_EVAL_FILE).stem, ext=".yml")
    return out
