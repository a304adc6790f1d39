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

import contextlib
import csv
import hashlib
import io
import math
import os
import pickle
import random
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeAlias, TypeVar, cast

import attrs
import gymnasium as gym
import numpy as np
import torch
from attrs import AttrsInstance
from gymnasium.vector import VectorEnv

from lagom._checks import (
    MAX_SEED,
    check_device,
    check_instance,
    check_int,
    check_path,
    check_seed,
    check_str,
)
from lagom._types import NDArray
from lagom.baselines._fields import SEED, TEXT, instance
from lagom.baselines._observations import check_observations, checked_policy
from lagom.baselines.algorithm import (
    BEST_POLICY_FILE,
    CHECKPOINT_FILE,
    CONFIG_FILE,
    FINAL_EVAL_FILE,
    POLICY_FILE,
    PREVIOUS_CHECKPOINT_FILE,
    PROGRESS_FILE,
    RUN_INFO_FILE,
    Algorithm,
    PolicyLoader,
    RunFn,
)
from lagom.baselines.configs.offpolicy import (
    OffPolicyAgentConfig,
    OffPolicyEnvConfig,
    OffPolicyEvalConfig,
    OffPolicyTrainConfig,
)
from lagom.envs import RecordEpisodeStatistics, env_state, restore_env_state
from lagom.experiment import from_dotted, to_dotted
from lagom.logger import JsonlSink, Logger, Sink, TensorBoardSink
from lagom.networks import Module, TensorMap, make_encoder
from lagom.runner import ReplayBatch, ReplayBuffer
from lagom.utils import (
    Seeder,
    atomic_write,
    remove_stale_temps,
    set_global_seeds,
    yaml_dump,
    yaml_load,
)

__all__ = [
    "BEST_POLICY_FILE",
    "CHECKPOINT_FILE",
    "CONFIG_FILE",
    "FINAL_EVAL_FILE",
    "LOG_SINKS",
    "POLICY_FILE",
    "PREVIOUS_CHECKPOINT_FILE",
    "PROGRESS_FILE",
    "RUN_INFO_FILE",
    "EncodedCritic",
    "OffPolicyAgentConfig",
    "OffPolicyEnvConfig",
    "OffPolicyEvalConfig",
    "OffPolicyTrainConfig",
    "PeriodicEvaluation",
    "Policy",
    "ReplayCollector",
    "RunInfo",
    "TensorBatch",
    "action_scaler",
    "box_policy",
    "check_observations",
    "check_run",
    "check_spaces",
    "check_tensor_batch",
    "checked_policy",
    "choose_device",
    "env_checkpoint",
    "evaluate_policy",
    "finish",
    "load_checkpoint",
    "load_policy_state",
    "load_run_config",
    "load_trained",
    "make_env",
    "make_sinks",
    "obs_tensor",
    "observation_encoder",
    "offpolicy_algorithm",
    "progress_logger",
    "read_run_info",
    "replay_tensors",
    "resolve_config",
    "restore_env_checkpoint",
    "restore_rng_state",
    "restoring_checkpoint",
    "rng_state",
    "save_checkpoint",
    "save_policy",
    "start_run",
    "write_row",
    "zoo_config",
]

_CHECKPOINT_MAGIC = b"lagom-checkpoint-1\n"

#: The run-folder layout this version writes; older folders are refused with a message.
_FORMAT = 3  # 3: checkpoints hold data only (no pickled environment or strategy)

#: A deterministic policy, from an observation batch ``[B, *shape]`` to an action batch (numpy).
Policy = Callable[[NDArray[Any]], NDArray[Any]]

C = TypeVar("C", bound=AttrsInstance)
OC = TypeVar("OC", bound="OffPolicyConfig")
#: What :func:`env_checkpoint` takes: an environment, or a tuple of the objects that step it.
EnvLike: TypeAlias = "gym.Env[Any, Any] | VectorEnv[Any, Any, Any] | tuple[object, ...]"


def _folder(name: str, value: object) -> Path:
    """``value`` as a :class:`~pathlib.Path`, if it is a str or a path."""
    return Path(check_path(name, value))


def _mapping(name: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict, got {type(value).__name__} {value!r:.60}")
    return value


def _check_callable(name: str, value: object) -> None:
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {value!r:.60}")


def _make_env(env_id: str) -> gym.Env[Any, Any]:
    """:func:`make_env`, with an unknown id refused as a ValueError naming it."""
    try:
        return make_env(check_str("env_id", env_id))
    except gym.error.Error as error:
        raise ValueError(f"env_id {env_id!r} cannot be made by gymnasium: {error}") from None


def make_env(
    env_id: str, *, clip_reward: bool = True, render_mode: str | None = None
) -> gym.Env[Any, Any]:
    """``gym.make(env_id)``, with the registrations and preprocessing that image
    environments need, all by gymnasium's own wrappers:

    - ``"MinAtar/..."`` (e.g. ``"MinAtar/Breakout-v1"``, observations ``[10, 10, C]`` bool):
      registered by ``minatar.gym.register_envs``, made as they are;
    - ``"ALE/..."`` (Atari, ``ale_py``): made with ``frameskip=1``, then
      ``AtariPreprocessing`` (30 no-op starts, 4 frames skipped with max-pooling, 84x84
      grayscale uint8), ``FrameStackObservation`` of 4 frames (``[4, 84, 84]`` uint8) and,
      with ``clip_reward``, ``ClipReward`` to ``[-1, 1]`` (the sign of Atari's integer
      rewards);
    - any other id: ``gym.make(env_id)``.

    ``render_mode`` (``"human"``, ``"rgb_array"``) goes to ``gym.make``: ``lagom eval
    --render`` sees the episodes of the environment the run trained on.

    Raises:
        TypeError: ``env_id`` is not a str, or ``render_mode`` neither a str nor ``None``.
        gymnasium.error.Error: gymnasium does not know ``env_id``.

    Example:
        >>> env = make_env("MinAtar/Breakout-v1")
        >>> env.observation_space.shape, env.observation_space.dtype
        ((10, 10, 4), dtype('bool'))
        >>> make_env("CartPole-v1").spec.id
        'CartPole-v1'
    """
    check_str("env_id", env_id)
    render: dict[str, Any] = {}
    if render_mode is not None:
        render["render_mode"] = check_str("render_mode", render_mode)
    if env_id.startswith("MinAtar/"):
        from minatar.gym import register_envs

        if env_id not in gym.registry:
            register_envs()
        return gym.make(env_id, **render)
    if env_id.startswith("ALE/"):
        import ale_py
        from gymnasium.wrappers import (
            AtariPreprocessing,
            ClipReward,
            FrameStackObservation,
        )

        gym.register_envs(ale_py)
        env: gym.Env[Any, Any] = gym.make(env_id, frameskip=1, **render)
        env = FrameStackObservation(AtariPreprocessing(env, noop_max=30, frame_skip=4), 4)
        return ClipReward(env, -1.0, 1.0) if clip_reward else env
    return gym.make(env_id, **render)


def obs_tensor(
    observations: NDArray[Any] | Mapping[str, NDArray[Any]], device: torch.device
) -> torch.Tensor | dict[str, torch.Tensor]:
    """A batch of observations (an array, or a dict of arrays of a ``Dict`` space) as
    tensors of the same dtype on ``device`` (sharing memory on CPU where numpy allows).

    Raises:
        TypeError: an array (or a dict's) is not of bools or real numbers, a dict key is
            not a str, or ``device`` is not a device.
        ValueError: ``device`` names no device.

    Example:
        >>> obs_tensor(np.zeros((2, 3), np.uint8), torch.device("cpu")).dtype
        torch.uint8
        >>> sorted(obs_tensor({"b": np.zeros(2), "a": np.ones(2)}, torch.device("cpu")))
        ['a', 'b']
    """
    device = check_device("device", device)
    if isinstance(observations, Mapping):
        for key in observations:
            if not isinstance(key, str):
                raise TypeError(f"observations must have str keys (a Dict space's), got {key!r}")
        return {
            key: _tensor(observations[key], device, f"observations[{key!r}]")
            for key in sorted(observations)
        }
    return _tensor(observations, device, "observations")


def _tensor(x: NDArray[Any], device: torch.device, name: str) -> torch.Tensor:
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be an array of bools or real numbers, got dtype {array.dtype}"
        )
    if not array.flags.writeable:  # torch warns on read-only memory: a copy
        array = array.copy()
    return torch.as_tensor(array, device=device)


def check_run(
    config: AttrsInstance,
    kind: type | tuple[type, ...],
    seed: int,
    device: str | torch.device,
    logdir: str | os.PathLike[str],
) -> tuple[torch.device, Path]:
    """Check what every algorithm's ``train(config, seed, device, logdir)`` is given, before
    anything is written: the configuration's class, the seed, the device and the folder.

    Returns:
        The device (see :func:`choose_device`) and ``logdir`` as a :class:`~pathlib.Path`.

    Raises:
        TypeError: ``config`` is not a ``kind``, ``seed`` not an int, or ``logdir`` not a
            path.
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]``, or ``device`` is unknown or
            absent (see :func:`choose_device`).

    Example:
        >>> from lagom.baselines.sac import SACConfig
        >>> check_run(SACConfig(), SACConfig, 0, "cpu", "logs/sac")
        (device(type='cpu'), PosixPath('logs/sac'))
        >>> check_run(SACConfig(), SACConfig, -1, "cpu", "logs/sac")
        Traceback (most recent call last):
        ...
        ValueError: seed must be in [0, 2**32 - 1], got -1
    """
    check_instance("config", config, kind)
    check_seed("seed", seed)
    return choose_device(device), _folder("logdir", logdir)


def resolve_config(
    default_config: Callable[[str], C], config: Mapping[str, Any] | C, default_env: str
) -> C:
    """The typed configuration of a run: ``config`` itself when it is one already, else
    ``default_config(config["env.id"])`` (``default_env`` when absent) with the dotted keys of
    ``config`` applied by :func:`~lagom.experiment.from_dotted` (``"ID"`` is ignored).

    Raises:
        TypeError: ``default_config`` is not callable, ``default_env`` is not a str, or
            ``config`` is neither a mapping nor an attrs configuration.
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
    _check_callable("default_config", default_config)
    check_str("default_env", default_env)
    if not isinstance(config, Mapping):
        if not attrs.has(type(config)) or isinstance(config, type):
            raise TypeError(
                "config must be a dict of dotted keys or a configuration (an attrs instance), "
                f"got {type(config).__name__}"
            )
        return config
    env_id = config.get("env.id", default_env)
    if not isinstance(env_id, str):
        raise ValueError(f"config key 'env.id' expects str, got {type(env_id).__name__} {env_id!r}")
    return from_dotted(default_config(env_id), config)


def choose_device(device: str | torch.device) -> torch.device:
    """``device`` as a ``torch.device``, checked to exist on this machine.

    Raises:
        ValueError: an unknown device (a string torch does not know, or anything but a str
            or a ``torch.device``), or a CUDA device on a machine without one.

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
        TypeError: ``algorithm`` or ``env_id`` is not a str, or ``observation`` or ``action``
            is not a tuple of space classes.
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
    check_str("algorithm", algorithm)
    check_str("env_id", env_id)
    for name, kinds in (("observation", observation), ("action", action)):
        if not (
            isinstance(kinds, tuple)
            and kinds
            and all(isinstance(kind, type) and issubclass(kind, gym.Space) for kind in kinds)
        ):
            raise TypeError(f"{name} must be a tuple of gymnasium space classes, got {kinds!r}")
    try:
        env = make_env(env_id)
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

    algorithm: str = attrs.field(validator=TEXT)
    seed: int = attrs.field(validator=SEED)
    config: dict[str, Any] = attrs.field(validator=instance(dict))


def start_run(logdir: Path, algorithm: str, config: AttrsInstance, seed: int) -> Path:
    """Create ``logdir`` and write ``run.yml`` (algorithm, seed) and ``config.yml`` (``config``
    as dotted keys, :func:`~lagom.experiment.to_dotted`), both atomically.

    Returns:
        ``logdir``.

    Raises:
        TypeError: ``logdir`` is not a path, ``algorithm`` not a str, ``config`` not an attrs
            configuration, or ``seed`` not an int.
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]``, ``logdir`` cannot be a folder
            (a file is in the way), or it holds a checkpoint of an older lagom or of another
            run (another algorithm, seed or configuration; ``train.stop_at`` may change).

    Example:
        >>> import tempfile
        >>> from lagom.baselines.ppo import PPOConfig
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     logdir = start_run(Path(folder) / "run", "ppo", PPOConfig(), 0)
        ...     sorted(path.name for path in logdir.iterdir())
        ['config.yml', 'run.yml']
    """
    logdir = _folder("logdir", logdir)
    check_str("algorithm", algorithm)
    seed = check_seed("seed", seed)
    to_dotted(config)  # refuses anything but an attrs configuration, before any file is written
    old = logdir / RUN_INFO_FILE
    dotted = to_dotted(config)
    if old.is_file() and (logdir / CHECKPOINT_FILE).exists():
        found = yaml_load(old)
        version = found.get("format", 1) if isinstance(found, dict) else "?"
        if version != _FORMAT:
            raise ValueError(
                f"{logdir} holds a run of an older lagom (run folder format {version}, this "
                f"lagom writes {_FORMAT}); it cannot be resumed: train it again elsewhere"
            )
        _check_same_run(logdir, found, algorithm, seed, dotted)
    try:
        logdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file in the way, a read-only place
        raise ValueError(f"logdir {logdir} cannot be made a run folder: {error}") from None
    remove_stale_temps(logdir)  # half-written files of a killed process (kill -9)
    info = {"algorithm": algorithm, "seed": int(seed), "format": _FORMAT}
    yaml_dump(info, logdir / Path(RUN_INFO_FILE).stem, ext=".yml")
    yaml_dump(dotted, logdir / Path(CONFIG_FILE).stem, ext=".yml")
    return logdir


#: Keys a resumed run may change: where it stops early (then continues).
_RESUMABLE_KEYS = frozenset({"train.stop_at"})


def _check_same_run(
    logdir: Path, found: Mapping[str, Any], algorithm: str, seed: int, dotted: Mapping[str, Any]
) -> None:
    """Refuse resuming the checkpoint in ``logdir`` as another run: another algorithm, seed
    or configuration (``train.stop_at`` aside) would continue from state that is not its own,
    and rewrite ``run.yml``/``config.yml`` over the folder's."""
    theirs = (found.get("algorithm"), found.get("seed"))
    if theirs != (algorithm, seed):
        raise ValueError(
            f"{logdir} holds a {theirs[0]} run of seed {theirs[1]}, not {algorithm} of seed "
            f"{seed}: resume it with the same algorithm and seed, or choose another logdir"
        )
    saved = logdir / CONFIG_FILE
    on_disk = yaml_load(saved) if saved.is_file() else None
    given = {key: _plain(value) for key, value in dotted.items()}
    if not isinstance(on_disk, dict):
        raise ValueError(f"{logdir} is not a complete run folder: {CONFIG_FILE} is missing")
    changed = sorted(
        key
        for key in set(on_disk) | set(given)
        if key not in _RESUMABLE_KEYS and on_disk.get(key) != given.get(key)
    )
    if changed:
        shown = ", ".join(
            f"{key}: {on_disk.get(key)!r} -> {given.get(key)!r}" for key in changed[:3]
        )
        raise ValueError(
            f"{logdir} holds a run of another configuration ({shown}"
            f"{', ...' if len(changed) > 3 else ''}): resume it with the configuration it "
            "was started with (only train.stop_at may change), or choose another logdir"
        )


def _plain(value: Any) -> Any:
    """``value`` as YAML reads it back: tuples as lists."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def read_run_info(logdir: Path) -> RunInfo:
    """The :class:`RunInfo` of a run folder written by :func:`start_run`.

    Raises:
        TypeError: ``logdir`` is not a str or path.
        ValueError: ``logdir`` is not a run folder, or an older lagom wrote it (its layout
            is refused: train it again).

    Example:
        >>> read_run_info(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a run folder: it has no run.yml
    """
    logdir = _folder("logdir", logdir)
    path = logdir / RUN_INFO_FILE
    if not path.is_file():
        raise ValueError(f"{logdir} is not a run folder: it has no {RUN_INFO_FILE}")
    info = yaml_load(path)
    if not isinstance(info, dict):
        raise ValueError(f"{path} must hold a mapping (algorithm, seed, format), got {info!r:.60}")
    version = info.get("format", 1)
    if version != _FORMAT:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > _FORMAT
        raise ValueError(
            f"{logdir} was written by {'a newer' if newer else 'an older'} lagom (run folder "
            f"format {version!r}, this lagom reads {_FORMAT})"
            + ("" if newer else "; train it again")
        )
    config_path = logdir / CONFIG_FILE
    if not config_path.is_file():
        raise ValueError(f"{logdir} is not a complete run folder: {CONFIG_FILE} is missing")
    config = yaml_load(config_path)
    if not isinstance(config, dict):
        raise ValueError(
            f"{config_path} must hold the run's configuration (a mapping of dotted keys), "
            f"got {config!r:.60}"
        )
    algorithm, seed = info.get("algorithm"), info.get("seed")
    if not isinstance(algorithm, str) or isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(
            f"{path} must name the algorithm (text) and the seed (an int), got algorithm "
            f"{algorithm!r:.40} and seed {seed!r:.40}"
        )
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{path} must hold a seed in [0, 2**32 - 1], got {seed}")
    return RunInfo(algorithm, seed, config)


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
    _check_callable("default_config", default_config)
    return resolve_config(default_config, read_run_info(logdir).config, "")


#: The log sinks a run may add to its CSV (``train.log``): name -> what it writes.
LOG_SINKS = {
    "jsonl": "progress.jsonl, one JSON object per row",
    "tensorboard": "tb/events.out.tfevents.*, every numeric column at step timesteps",
}


def make_sinks(logdir: Path, names: Sequence[str]) -> list[Sink]:
    """The sinks named in ``names`` (see :data:`LOG_SINKS`) writing into ``logdir``.

    Raises:
        TypeError: ``names`` is not a sequence of str.
        ValueError: a name is not in :data:`LOG_SINKS`.
        ImportError: ``tensorboard`` without the ``tensorboard`` extra installed.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     [type(sink).__name__ for sink in make_sinks(Path(folder), ["jsonl"])]
        ['JsonlSink']
        >>> make_sinks(Path("."), ["wandb"])
        Traceback (most recent call last):
        ...
        ValueError: unknown log sink 'wandb'; choose from: jsonl, tensorboard
    """
    folder = _folder("logdir", logdir)
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a sequence of sink names, got {names!r}")
    sinks: list[Sink] = []
    for name in names:
        check_str("sink name", name)
        if name == "jsonl":
            sinks.append(JsonlSink(folder / "progress.jsonl"))
        elif name == "tensorboard":
            sinks.append(TensorBoardSink(folder / "tb"))
        else:
            raise ValueError(f"unknown log sink {name!r}; choose from: {', '.join(LOG_SINKS)}")
    return sinks


def progress_logger(logdir: Path, rows: int | None = None, sinks: Sequence[str] = ()) -> Logger:
    """A :class:`~lagom.logger.Logger` writing one row per iteration to ``logdir/progress.csv``,
    after cutting the file back to its first ``rows`` rows, and to the ``sinks`` named (see
    :data:`LOG_SINKS`; each is rebuilt from the cut CSV first, so no sink repeats a step).

    A run resumed from a checkpoint taken after iteration ``k`` passes ``rows=k`` (and a
    fresh start ``rows=0``): the rows written after that checkpoint by the interrupted
    process are dropped, atomically, so after any number of kills the file equals an
    uninterrupted run's, row for row. ``rows=None`` keeps every row.

    Raises:
        TypeError: ``logdir`` is not a str or path.
        ValueError: ``rows`` is not an int >= 0.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     logger = progress_logger(Path(folder), rows=0)
        ...     for i in (1, 2, 3):
        ...         write_row(logger, {"iteration": i, "train_return": 9.5})
        ...     logger = progress_logger(Path(folder), rows=1)  # resumed after iteration 1
        ...     write_row(logger, {"iteration": 2, "train_return": 10.0})
        ...     print((Path(folder) / PROGRESS_FILE).read_text().strip())
        iteration,train_return
        1,9.5
        2,10.0
    """
    path = _folder("logdir", logdir) / PROGRESS_FILE
    if rows is not None:
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
            raise ValueError(f"rows must be an int >= 0, got {rows!r}")
        _cut_rows(path, rows)
    return Logger(csv_path=path, sinks=make_sinks(path.parent, sinks))


def _cut_rows(path: Path, rows: int) -> None:
    """Keep the header and the first ``rows`` complete rows of the CSV file ``path``; a
    ``RuntimeWarning`` naming it when it holds fewer (rows lost: the resumed run's rows
    follow a gap).

    Raises:
        ValueError: ``path`` is not a CSV file of UTF-8 text (the message names it).
    """
    if rows == 0:
        path.unlink(missing_ok=True)
        return
    try:
        with path.open(newline="", encoding="utf-8") as f:
            text = f.read()
        records = list(csv.reader(io.StringIO(text, newline="")))
    except FileNotFoundError:
        text, records = "", []
    except (csv.Error, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not a progress log of UTF-8 CSV text ({error}); remove it to resume "
            "without the rows written so far"
        ) from None
    torn = bool(text) and not text.endswith("\n")  # a kill mid-write: never a whole row
    width = len(records[0]) if records else 0
    whole = records[1 : len(records) - torn]
    complete = records[:1] + [r for r in whole if len(r) == width][:rows]
    if len(complete) <= rows:
        warnings.warn(
            f"{path} holds {max(len(complete) - 1, 0)} whole rows, fewer than the {rows} "
            "iterations of the checkpoint the run resumes from: the rows after them are "
            "missing from the log",
            RuntimeWarning,
            stacklevel=3,
        )
    if len(complete) == len(records):
        return
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(complete)  # as the Logger writes rows
    atomic_write(path, out.getvalue().encode("utf-8"))


def write_row(logger: Logger, row: Mapping[str, Any]) -> None:
    """Log every ``key: value`` of ``row`` and write them as one progress row.

    Raises:
        TypeError: ``logger`` is not a :class:`~lagom.logger.Logger`, or ``row`` not a dict.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     logger = Logger(csv_path=Path(folder) / "progress.csv")
        ...     write_row(logger, {"iteration": 1, "loss": 0.5})
        ...     (Path(folder) / "progress.csv").read_text().splitlines()
        ['iteration,loss', '1,0.5']
    """
    check_instance("logger", logger, Logger)
    for key, value in _mapping("row", row).items():
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
    version, internal, gauss = random.getstate()
    return {
        # Python's 625 words as one array: data, and cheap to write.
        "python": (version, np.array(internal, dtype=np.uint32), gauss),
        "numpy": np.random.get_state(),  # noqa: NPY002 - set_global_seeds seeds it
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Restore the generators from :func:`rng_state`'s output.

    Raises:
        TypeError: ``state`` is not a dict.
        ValueError: ``state`` is not what :func:`rng_state` returns.

    Example:
        >>> state = rng_state()
        >>> first = float(torch.rand(1))
        >>> restore_rng_state(state)
        >>> float(torch.rand(1)) == first
        True
    """
    _mapping("state", state)
    try:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(int(word) for word in internal), gauss))
        np.random.set_state(state["numpy"])  # noqa: NPY002 - restores what rng_state saved
        torch.set_rng_state(state["torch"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"not the random generators' state of rng_state: {error}") from None


def save_checkpoint(logdir: Path, state: Mapping[str, Any]) -> Path:
    """Write ``state`` to ``logdir/checkpoint.pt`` with a SHA-256 checksum, atomically
    (temporary file, then rename), keeping the one before as ``checkpoint.prev.pt``.

    ``state`` holds everything needed to continue bit-for-bit: ``state_dict()`` of networks
    and optimizers, environment state (:func:`lagom.envs.env_state`), counters, replay
    buffers and :func:`rng_state`, as *data*: tensors, numpy arrays and scalars (saved as
    tensors with their dtype), ``None``, bools, ints, floats, strings, bytes, and lists,
    tuples and dicts of them. :func:`load_checkpoint` reads the file with
    ``torch.load(weights_only=True)``, so a checkpoint from elsewhere cannot run code. The
    file is the line ``lagom-checkpoint-1``, the 32-byte digest of the rest, then
    ``torch.save``'s bytes; :func:`load_checkpoint` checks the digest.

    Raises:
        TypeError: ``logdir`` is not a str or path, ``state`` is not a dict, or a value in
            ``state`` is not data (the message says where).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = save_checkpoint(Path(folder), {"iteration": 3})
        ...     _ = save_checkpoint(Path(folder), {"iteration": 4, "obs": np.zeros(2, np.int8)})
        ...     state = load_checkpoint(Path(folder))
        ...     files = sorted(p.name for p in Path(folder).iterdir())
        >>> state
        {'iteration': 4, 'obs': array([0, 0], dtype=int8)}
        >>> files
        ['checkpoint.prev.pt', 'checkpoint.pt']
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping, got {type(state).__name__}")
    logdir = _folder("logdir", logdir)
    buffer = io.BytesIO()
    torch.save(_to_data(dict(state), "state"), buffer)
    payload = buffer.getvalue()
    path = logdir / CHECKPOINT_FILE
    # The newest checkpoint becomes the previous one, unless load_checkpoint found it
    # unreadable and fell back to the previous one: that stays, so a kill before the new file
    # is in place leaves the good checkpoint the run resumed from, not a corrupt one.
    if path.exists() and _file_id(path) != _UNREADABLE.pop(path.absolute(), None):
        os.replace(path, logdir / PREVIOUS_CHECKPOINT_FILE)
    return atomic_write(path, _CHECKPOINT_MAGIC + hashlib.sha256(payload).digest() + payload)


#: ``checkpoint.pt`` files that :func:`load_checkpoint` could not read, by absolute path: the
#: :func:`_file_id` they had then (a file rewritten since is another file).
_UNREADABLE: dict[Path, tuple[int, int, int]] = {}


def _file_id(path: Path) -> tuple[int, int, int] | None:
    """``path``'s inode, size and modification time, or ``None`` when it is gone."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


# A numpy array or scalar in a checkpoint: {_NUMPY: bytes, tensor or None (empty), "dtype": str,
# "shape": [int, ...][, "scalar": True]}. Small arrays travel as bytes inside the pickle (one
# zip entry per tensor would cost more than the data); large ones as tensors.
_NUMPY = "__numpy__"
_SMALL_ARRAY_BYTES = 1 << 16
_DATA_TYPES = (type(None), bool, int, float, str, bytes)


def _to_data(value: Any, path: str) -> Any:
    """``value`` with numpy arrays and scalars tagged (see ``_NUMPY``); TypeError on
    anything that is not data."""
    if isinstance(value, (*_DATA_TYPES, torch.Tensor)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc" or array.dtype.hasobject:
            raise TypeError(f"checkpoint value {path} is a numpy array of dtype {array.dtype}")
        out: dict[str, Any] = {"dtype": array.dtype.str, "shape": list(array.shape)}
        if isinstance(value, np.generic):
            out["scalar"] = True
        if (
            array.nbytes <= _SMALL_ARRAY_BYTES
            or array.dtype.kind == "c"
            or not array.dtype.isnative
        ):
            # None for no bytes: protocol 2 pickles b"" as a call of bytes(), which
            # weights-only loading refuses.
            return {_NUMPY: array.tobytes() if array.nbytes else None, **out}
        if array.dtype.kind == "u" and array.dtype.itemsize > 1:  # torch < 2.3 lacks them
            array = array.view(np.int64) if array.dtype.itemsize == 8 else array.astype(np.int64)
        if not (array.flags.c_contiguous and array.flags.writeable):
            array = np.array(array)
        return {_NUMPY: torch.from_numpy(array), **out}
    if type(value) in (list, tuple):
        if all(type(v) in _DATA_TYPES for v in value):  # most of a tree: nothing to convert
            return value
        return type(value)(_to_data(v, f"{path}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)):
                raise TypeError(f"checkpoint value {path} has a key {key!r}, not a str or int")
        return type(value)((k, _to_data(v, f"{path}[{k!r}]")) for k, v in value.items())
    raise TypeError(
        f"checkpoint value {path} is a {type(value).__module__}.{type(value).__qualname__}, "
        "not data (tensors, numpy arrays, numbers, strings, None or containers of them)"
    )


def _from_data(value: Any) -> Any:
    """The inverse of :func:`_to_data` on what ``torch.load(weights_only=True)`` read."""
    if type(value) in (list, tuple):
        return type(value)(_from_data(v) for v in value)
    if isinstance(value, dict):
        if _NUMPY in value:
            return _array_from_data(value)
        return type(value)((k, _from_data(v)) for k, v in value.items())
    return value


def _array_from_data(value: dict[str, Any]) -> Any:
    """The numpy array (or scalar) that :func:`_to_data` tagged; ValueError when the tag
    does not describe one."""
    try:
        dtype = np.dtype(value["dtype"])
        shape = tuple(int(n) for n in value["shape"])
        data = value[_NUMPY]
        if dtype.hasobject or dtype.kind not in "biufc":
            raise ValueError(f"dtype {dtype}")
        if data is None:
            array = np.zeros(shape, dtype)
            if array.nbytes:
                raise ValueError(f"no data for shape {shape}")
        elif isinstance(data, bytes):
            array = np.frombuffer(data, dtype).reshape(shape).copy()
        else:
            array = data.numpy()
            same = array.dtype.itemsize == dtype.itemsize
            array = (array.view(dtype) if same else array.astype(dtype)).reshape(shape)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"a numpy value in the checkpoint is malformed ({error})") from None
    return array[()] if value.get("scalar") else array


def _read_checkpoint(path: Path) -> dict[str, Any] | str:
    """The state in ``path``, or why it cannot be read (a string)."""
    data = path.read_bytes()
    head = len(_CHECKPOINT_MAGIC)
    if not data.startswith(_CHECKPOINT_MAGIC) or len(data) < head + 32:
        return "it is empty, truncated or not a lagom checkpoint" if data else "it is empty"
    digest, payload = data[head : head + 32], data[head + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        return "its checksum does not match (the file is corrupt)"
    try:
        with warnings.catch_warnings():  # torch's notes on a refused pickle: ours says it all
            warnings.simplefilter("ignore", UserWarning)
            state = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError: objects other than data, refused unread
        return (
            "it holds more than tensors and plain data, which lagom never loads "
            f"({_unpickler_reason(error)})"
        )
    if not isinstance(state, dict):
        return f"it holds a {type(state).__name__}, not a dict of state"
    try:
        return cast(dict[str, Any], _from_data(state))
    except ValueError as error:
        return str(error)


def _unpickler_reason(error: Exception) -> str:
    """The one line of torch's refusal that says what was refused (its advice to load the
    file anyway is left out)."""
    text = str(error)
    _, found, rest = text.partition("WeightsUnpickler error:")
    # Without that marker (a blocked GLOBAL such as posix.system), the line between torch's
    # advice and its pointer to the documentation.
    advice = ("Weights only load failed", "Check the documentation")
    lines = [line.strip() for line in (rest if found else text).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(advice)]
    if lines:
        return lines[0].split(". Please use")[0].rstrip(".")
    return type(error).__name__


def load_checkpoint(logdir: Path) -> dict[str, Any] | None:
    """The newest intact state saved by :func:`save_checkpoint` in ``logdir``, or ``None``
    when there is none.

    A corrupt, truncated or empty ``checkpoint.pt`` falls back to ``checkpoint.prev.pt`` with
    a ``RuntimeWarning`` naming the file and why; the next :func:`save_checkpoint` in this
    process then replaces the unreadable file and keeps ``checkpoint.prev.pt``.

    Raises:
        TypeError: ``logdir`` is not a str or path.
        ValueError: every checkpoint present is corrupt (the message names them; remove
            them to start the run over).

    Example:
        >>> load_checkpoint(Path("/nonexistent")) is None
        True
    """
    logdir = _folder("logdir", logdir)
    problems: list[str] = []
    for name in (CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE):
        path = logdir / name
        if not path.exists():
            continue
        state = _read_checkpoint(path)
        if isinstance(state, dict):
            if problems:
                newest = logdir / CHECKPOINT_FILE
                file_id = _file_id(newest)
                if file_id is not None:
                    _UNREADABLE[newest.absolute()] = file_id
                warnings.warn(
                    f"{problems[-1]}; resuming from the previous one, {path}",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return state
        problems.append(f"checkpoint {path} cannot be read: {state}")
    if problems:
        raise ValueError("; ".join(problems) + "; remove them to start the run over")
    return None


@contextlib.contextmanager
def restoring_checkpoint(logdir: Path, algorithm: str) -> Iterator[None]:
    """Restore a run from what :func:`load_checkpoint` read inside this block: a checkpoint
    that does not fit the run (keys missing, tensors of other shapes, values of other types:
    intact but written elsewhere) is a ``ValueError`` naming the folder, not a ``KeyError``
    from deep inside the restore.

    Example:
        >>> try:
        ...     with restoring_checkpoint(Path("logs/0/0"), "ppo"):
        ...         state = {}["model"]
        ... except ValueError as error:
        ...     print(error)
        the checkpoint in logs/0/0 does not fit this ppo run (KeyError: 'model'); remove ...
    """
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        text = str(error).strip()
        first = text.splitlines()[0] if text else ""
        raise ValueError(
            f"the checkpoint in {logdir} does not fit this {algorithm} run "
            f"({type(error).__name__}: {first:.200}); remove {CHECKPOINT_FILE} and "
            f"{PREVIOUS_CHECKPOINT_FILE} to start the run over"
        ) from None


def env_checkpoint(env: EnvLike) -> dict[str, Any]:
    """The checkpoint entry for ``env`` (an environment, or a tuple of the objects that
    step it): ``{"state": lagom.envs.env_state(env)}``, or ``{"state": None, "why": ...}``
    where its state is not plain data (a C simulator, a subprocess), which
    :func:`restore_env_checkpoint` then reports.

    Example:
        >>> sorted(env_checkpoint(gym.make("CartPole-v1")))
        ['state']
    """
    try:
        return {"state": env_state(env)}
    except TypeError as error:
        return {"state": None, "why": str(error)}


def restore_env_checkpoint(env: EnvLike, entry: Mapping[str, Any]) -> bool:
    """Restore what :func:`env_checkpoint` saved into ``env``, built afresh the same way;
    ``False``, with a ``RuntimeWarning``, where the checkpoint could not hold the state (the
    run then goes on from new episodes, so it no longer matches an uninterrupted one).

    Raises:
        TypeError: ``entry`` is not what :func:`env_checkpoint` returns.
        ValueError: ``env`` is built differently from the saved one.

    Example:
        >>> env = gym.make("CartPole-v1")
        >>> _ = env.reset(seed=0)
        >>> fresh = gym.make("CartPole-v1")
        >>> restore_env_checkpoint(fresh, env_checkpoint(env))
        True
        >>> bool((fresh.unwrapped.state == env.unwrapped.state).all())
        True
    """
    if not isinstance(entry, Mapping) or "state" not in entry:
        raise TypeError(f"entry must be what env_checkpoint returns, got {entry!r:.60}")
    if entry.get("state") is None:
        warnings.warn(
            f"the checkpoint holds no environment state ({entry.get('why')}); the resumed "
            "run starts new episodes and will not match an uninterrupted one",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    restore_env_state(env, entry["state"])
    return True


def save_policy(logdir: Path, tensors: Mapping[str, Any], name: str = POLICY_FILE) -> Path:
    """Write what the trained policy needs, and nothing else, to ``logdir/policy.pt`` (or
    ``logdir/name``: ``best_policy.pt`` holds the best evaluated one), atomically: tensors
    (``state_dict()`` of the acting network, observation statistics as tensors) in plain
    dicts, so that :func:`load_policy_state` reads it with ``torch.load(weights_only=True)``,
    which runs no code from the file. Tensors are saved from the CPU.

    Raises:
        TypeError: ``logdir`` is not a path, ``tensors`` is not a dict, or a value is not a
            tensor or a dict of tensors.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = save_policy(Path(folder), {"w": torch.ones(2), "net": {"b": torch.zeros(1)}})
        ...     sorted(load_policy_state(Path(folder)))
        ['net', 'w']
    """

    def cpu(name: str, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value.detach().cpu()
        if isinstance(value, Mapping):
            return {str(k): cpu(f"{name}.{k}", v) for k, v in value.items()}
        raise TypeError(
            f"policy tensor {name!r} must be a tensor or a dict of tensors, got {value!r}"
        )

    folder = _folder("logdir", logdir)
    name = _check_policy_file(name)
    data = {str(key): cpu(str(key), value) for key, value in _mapping("tensors", tensors).items()}
    # Serialized in memory first: on a full disk torch's zip writer would mask the OSError
    # (ENOSPC) behind a RuntimeError of its own; a plain write reports it as it is.
    buffer = io.BytesIO()
    torch.save(data, buffer)
    return atomic_write(folder / name, buffer.getvalue())


def _check_policy_file(name: object) -> str:
    """``name`` when it is a policy file's name (a plain ``*.pt`` file name, no folders)."""
    text = check_str("name", name)
    if Path(text).name != text or not text.endswith(".pt") or text == ".pt":
        raise ValueError(
            f"name must be a file name ending in .pt (policy.pt, best_policy.pt), got {text!r}"
        )
    return text


def load_policy_state(logdir: Path, name: str = POLICY_FILE) -> dict[str, Any]:
    """The tensors :func:`save_policy` wrote in ``logdir`` (``policy.pt``, or ``name`` such
    as ``best_policy.pt``), read with ``torch.load(weights_only=True)``: a file from
    elsewhere cannot run code.

    Raises:
        TypeError: ``logdir`` or ``name`` is not a str or path.
        ValueError: ``name`` is no ``*.pt`` file name, ``logdir`` has no such file, or it
            is not a tensors-only file (a pickle of anything else is refused, not run).

    Example:
        >>> load_policy_state(Path("/nonexistent"))
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent holds no policy.pt to rebuild the policy from
    """
    path = _folder("logdir", logdir) / _check_policy_file(name)
    if not path.is_file():
        raise ValueError(f"{logdir} holds no {name} to rebuild the policy from")
    try:
        with warnings.catch_warnings():  # torch's notes on a foreign pickle: ours says it all
            warnings.simplefilter("ignore", UserWarning)
            state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:  # objects other than tensors: refused unread
        raise ValueError(
            f"{path} is not a weights-only policy file: it holds more than tensors, which "
            f"lagom never loads ({_unpickler_reason(error)})"
        ) from None
    except Exception as error:  # a zip or EOF error: not one of our files
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{path} is not a weights-only policy file: {first}") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a weights-only policy file: it holds {type(state)}")
    return state


def evaluate_policy(
    policy: Policy,
    make_env: Callable[[], gym.Env[Any, Any]],
    episodes: int,
    seed: int,
) -> dict[str, float]:
    """Run ``episodes`` episodes of a deterministic ``policy`` (an observation batch of size
    1 in, an action batch out) on a fresh environment from ``make_env``.

    A policy with a ``reset()`` method (a recurrent one) is reset at each episode's start.
    Episode ``i`` resets with seed ``seed + i``, so evaluations are reproducible and share no
    random stream with training.

    Returns:
        ``return_mean``, ``return_std``, ``return_min``, ``return_max``, ``horizon_mean``,
        ``episodes``.

    Raises:
        TypeError: ``policy`` or ``make_env`` is not callable, ``make_env`` makes no
            gymnasium environment, or ``episodes`` or ``seed`` is not an int.
        ValueError: ``episodes < 1``, ``seed < 0``, or ``policy`` answers the batch of one
            observation with no batch of one action (``[1, *action_shape]``).

    Example:
        >>> always_left = lambda obs: np.zeros(len(obs), dtype=np.int64)
        >>> metrics = evaluate_policy(always_left, lambda: gym.make("CartPole-v1"), 2, seed=0)
        >>> metrics["episodes"], metrics["return_mean"] < 20
        (2.0, True)
    """
    _check_callable("policy", policy)
    _check_callable("make_env", make_env)
    episodes = check_int("episodes", episodes)
    # Not check_seed: runs evaluate on seeds ``seed + 10000 + i``, which gymnasium takes.
    seed = check_int("seed", seed, minimum=0)
    env = make_env()
    if not isinstance(env, gym.Env):
        raise TypeError(f"make_env must return a gymnasium Env, got {type(env).__name__}")
    returns: list[float] = []
    horizons: list[int] = []
    try:
        reset = getattr(policy, "reset", None)  # a recurrent policy's memory: per episode
        for i in range(episodes):
            obs, _ = env.reset(seed=seed + i)
            if callable(reset):
                reset()
            total, steps, done = 0.0, 0, False
            while not done:
                batch = (
                    {key: np.asarray(x)[None] for key, x in obs.items()}
                    if isinstance(obs, Mapping)
                    else np.asarray(obs)[None]
                )
                action = _first_action(policy(batch), env.action_space)  # type: ignore[arg-type]
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


def _first_action(actions: object, space: gym.Space[Any]) -> Any:
    """The one action of a policy's answer to a batch of one observation (of the shape of
    ``space``, where that is a ``Box`` or ``Discrete``)."""
    batch = np.asarray(actions)
    shape = space.shape if isinstance(space, (gym.spaces.Box, gym.spaces.Discrete)) else None
    if batch.ndim == 0 or len(batch) != 1 or (shape is not None and batch.shape[1:] != shape):
        want = ", ".join(["1", *map(str, shape)]) if shape is not None else "1, ..."
        raise ValueError(
            "policy must answer a batch of one observation with a batch of one action "
            f"[{want}], got shape {batch.shape}"
        )
    return batch[0]


#: Evaluation ``k``'s episode ``i`` resets with seed ``seed + EVAL_SEED_OFFSET + i``.
EVAL_SEED_OFFSET = 20_000


def _every(value: object) -> int:
    return check_int("eval.every", value, minimum=0)


def _episodes(value: object) -> int:
    return check_int("eval.every_episodes", value, minimum=1)


def _seed(value: object) -> int:
    return check_int("seed", value, minimum=0)


@attrs.define
class PeriodicEvaluation:
    """When to evaluate during training, and the best result so far.

    Args:
        every: environment steps between evaluations (0: never during training).
        episodes: deterministic episodes per evaluation.
        seed: the run's seed; episode ``i`` resets with ``seed + 20000 + i``.
        make_env: builds the evaluation environment (a fresh one per evaluation).

    Example:
        >>> import tempfile
        >>> import numpy as np, torch
        >>> evaluation = PeriodicEvaluation(every=100, episodes=2, seed=0,
        ...                                 make_env=lambda: gym.make("CartPole-v1"))
        >>> evaluation.due(99), evaluation.due(100)
        (False, True)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     columns = evaluation(Path(folder), 100, lambda obs: np.ones(len(obs), int),
        ...                          lambda: {"w": torch.ones(1)})
        ...     saved = (Path(folder) / BEST_POLICY_FILE).exists()
        >>> columns["eval_return"], evaluation.best_step, saved, evaluation.due(150)
        (9.0, 100, True, False)
    """

    every: int = attrs.field(converter=_every)
    episodes: int = attrs.field(converter=_episodes)
    seed: int = attrs.field(converter=_seed)
    make_env: Callable[[], gym.Env[Any, Any]]
    #: Step count of the next evaluation.
    next_at: int = attrs.field(init=False)
    #: The best mean return so far (``-inf`` before the first evaluation).
    best_return: float = -math.inf
    #: The step count of the best evaluation (``None`` before the first).
    best_step: int | None = None

    def __attrs_post_init__(self) -> None:
        self.next_at = self.every

    @classmethod
    def of(cls, config: Any, seed: int) -> PeriodicEvaluation:
        """The evaluation a configuration asks for: ``eval.every``, ``eval.every_episodes``,
        on ``env.id`` as :func:`make_env` builds it, without reward clipping.

        Example:
            >>> from lagom.baselines.ppo import PPOConfig
            >>> PeriodicEvaluation.of(PPOConfig(), seed=0).every
            0
        """
        every, episodes, env_id = config.eval.every, config.eval.every_episodes, config.env.id
        return cls(every, episodes, seed, lambda: make_env(env_id, clip_reward=False))

    def due(self, timesteps: int) -> bool:
        """Whether an evaluation is due after ``timesteps`` environment steps."""
        return self.every > 0 and timesteps >= self.next_at

    def __call__(
        self,
        logdir: Path,
        timesteps: int,
        policy: Policy,
        tensors: Callable[[], Mapping[str, Any]],
    ) -> dict[str, float]:
        """Evaluate when due and return the progress columns (``{}`` when not due):
        ``eval_return`` (mean), ``eval_return_std``, ``eval_best_return``; write
        ``best_policy.pt`` from ``tensors()`` when this evaluation is the best so far."""
        if not self.due(timesteps):
            return {}
        while self.next_at <= timesteps:
            self.next_at += self.every
        seed = self.seed + EVAL_SEED_OFFSET
        metrics = evaluate_policy(policy, self.make_env, self.episodes, seed)
        mean = metrics["return_mean"]
        if mean > self.best_return:
            self.best_return, self.best_step = mean, timesteps
            save_policy(logdir, tensors(), name=BEST_POLICY_FILE)
        return {
            "eval_return": mean,
            "eval_return_std": metrics["return_std"],
            "eval_best_return": self.best_return,
        }

    def state(self) -> dict[str, Any]:
        """The counters a checkpoint keeps."""
        return {"next_at": self.next_at, "best_return": self.best_return, "best": self.best_step}

    def restore(self, state: Mapping[str, Any] | None) -> None:
        """Take back what :meth:`state` returned (``None``: a checkpoint from before
        evaluation during training existed; nothing to restore)."""
        if state is None:
            return
        self.next_at = int(state["next_at"])
        self.best_return = float(state["best_return"])
        self.best_step = None if state["best"] is None else int(state["best"])

    def summary(self) -> dict[str, float]:
        """``best_eval_return`` and ``best_eval_step`` for the final summary (``{}`` when no
        evaluation ran during training)."""
        if self.best_step is None:
            return {}
        return {"best_eval_return": self.best_return, "best_eval_step": float(self.best_step)}


def finish(logdir: Path, metrics: Mapping[str, float]) -> dict[str, float]:
    """Write the final evaluation to ``logdir/final_eval.yml`` and return it as floats.

    Raises:
        TypeError: ``logdir`` is not a str or path, or ``metrics`` not a dict of numbers.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     finish(Path(folder), {"return_mean": 1})
        {'return_mean': 1.0}
    """
    folder = _folder("logdir", logdir)
    out = {key: float(value) for key, value in _mapping("metrics", metrics).items()}
    yaml_dump(out, folder / Path(FINAL_EVAL_FILE).stem, ext=".yml")
    return out


# ----------------------------------------------------------------------------------------
# Off-policy (SAC, TD3, DDPG): the configuration sections and the replay loop's parts that
# their modules share. Each algorithm's own loop calls them in order:
#
#     collector, device = ReplayCollector.start(logdir, name, config, seed, device)
#     collector.resume(logdir, agent)                 # a checkpoint, when there is one
#     while collector.timesteps < config.train.timesteps:
#         for _ in range(collector.iteration_steps(config.train)):
#             collector.step(action)                  # random, then the agent's
#             for _ in range(collector.updates_due(config.agent)):
#                 agent.update(replay_tensors(collector.buffer.sample(batch_size), device))
#         write_row(logger, collector.row(losses))
#         if collector.checkpoint(logdir, config.train, agent):  # due; True: stopped
#             return {}
#     return collector.evaluate(logdir, actor, device, config.eval.episodes, seed)
# ----------------------------------------------------------------------------------------


# The off-policy sections (OffPolicyEnvConfig, OffPolicyTrainConfig, OffPolicyAgentConfig,
# OffPolicyEvalConfig) are in lagom.baselines.configs.offpolicy, importable without torch.


def zoo_config(algorithm: str, zoo: Mapping[str, C], defaults: C, env_id: str) -> C:
    """``zoo[env_id]`` when the zoo has tuned settings for ``env_id``; else ``defaults`` (an
    off-policy configuration) with ``env.id`` set, once :func:`check_spaces` has found Box
    observations and actions in ``env_id``.

    Raises:
        TypeError: ``algorithm`` or ``env_id`` is not a str, ``zoo`` not a dict or
            ``defaults`` not an attrs configuration.
        ValueError: ``env_id`` cannot be created or has other spaces.

    Example:
        >>> from lagom.baselines.sac import SACConfig
        >>> zoo_config("sac", {}, SACConfig(), "MountainCarContinuous-v0").env.id
        'MountainCarContinuous-v0'
    """
    check_str("algorithm", algorithm)
    check_str("env_id", env_id)
    if env_id in _mapping("zoo", zoo):
        return zoo[env_id]
    if not attrs.has(type(defaults)) or isinstance(defaults, type):
        raise TypeError(f"defaults must be an attrs configuration, got {type(defaults).__name__}")
    check_spaces(algorithm, env_id, observation=OFF_POLICY_OBSERVATIONS, action=(gym.spaces.Box,))
    # mypy's attrs plugin cannot see that the type variable ``C`` stands for an attrs class.
    return attrs.evolve(defaults, env=OffPolicyEnvConfig(id=env_id))  # type: ignore[misc]


#: The observation spaces SAC, TD3 and DDPG take: flat Boxes, and ``Dict`` spaces of Boxes
#: (through an encoder, :func:`lagom.networks.make_encoder`, and :class:`EncodedCritic`).
OFF_POLICY_OBSERVATIONS: tuple[type[gym.Space[Any]], ...] = (gym.spaces.Box, gym.spaces.Dict)


def observation_encoder(
    space: gym.spaces.Space[Any], device: torch.device | str | None = None
) -> torch.nn.Module | None:
    """The encoder an off-policy actor or critic puts before its MLP: for a ``Dict`` space,
    :func:`lagom.networks.make_encoder` of it (one encoder per key, features concatenated;
    ``out_features`` is the MLP's input size); ``None`` for a Box (flat observations go
    straight in).

    Raises:
        TypeError: ``space`` is not a gymnasium space, or a Dict holds a space other than a
            Box.

    Example:
        >>> box = gym.spaces.Box(-1, 1, (2,))
        >>> observation_encoder(gym.spaces.Dict({"goal": box, "position": box})).out_features
        4
        >>> observation_encoder(box) is None
        True
    """
    if not isinstance(space, gym.spaces.Space):
        raise TypeError(f"space must be a gymnasium space, got {type(space).__name__}")
    if isinstance(space, gym.spaces.Dict):
        return make_encoder(space, device=device)
    return None


class EncodedCritic(Module):
    r"""Critics of encoded observations: :math:`Q_i(\phi(s), a)`, where :math:`\phi` is an
    observation ``encoder`` (:func:`lagom.networks.make_encoder`: for a ``Dict`` space one
    encoder per key, their features concatenated) and ``critic`` takes its
    ``out_features`` and concatenates them with the action (a
    :class:`~lagom.networks.QEnsemble`). ``members`` is passed on when given.

    Raises:
        TypeError: ``encoder`` is not a module with an int ``out_features``, or ``critic``
            is not a module.

    Example:
        >>> from lagom.networks import QEnsemble, make_encoder
        >>> box = gym.spaces.Box(-1, 1, (2,))
        >>> encoder = make_encoder(gym.spaces.Dict({"goal": box, "position": box}))
        >>> critic = EncodedCritic(encoder, QEnsemble(encoder.out_features, 1, [8], n=2))
        >>> obs = TensorMap({"goal": torch.zeros(5, 2), "position": torch.ones(5, 2)})
        >>> critic(obs, torch.zeros(5, 1)).shape, critic(obs, torch.zeros(5, 1), members=1).shape
        (torch.Size([5, 2]), torch.Size([5, 1]))
    """

    def __init__(self, encoder: torch.nn.Module, critic: torch.nn.Module) -> None:
        super().__init__()
        if not isinstance(encoder, torch.nn.Module) or not isinstance(
            getattr(encoder, "out_features", None), int
        ):
            raise TypeError(
                "encoder must be a module with an int out_features (lagom.networks."
                f"make_encoder), got {type(encoder).__name__}"
            )
        check_instance("critic", critic, torch.nn.Module)
        self.encoder, self.critic = encoder, critic

    def forward(
        self,
        observations: torch.Tensor | TensorMap,
        actions: torch.Tensor,
        members: int | None = None,
    ) -> torch.Tensor:
        """Q-values ``[B, m]`` of the critic on the encoded observations and the actions."""
        features = self.encoder(observations)
        q: torch.Tensor
        if members is None:
            q = self.critic(features, actions)
        else:
            q = self.critic(features, actions, members=members)
        return q

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


def action_scaler(space: gym.spaces.Box) -> Callable[[NDArray[Any]], NDArray[Any]]:
    r"""The map :math:`a \mapsto \text{low} + (a + 1)(\text{high} - \text{low})/2` from
    ``[-1, 1]`` (where tanh policies act) onto the bounds of ``space``.

    Raises:
        TypeError: ``space`` is not a bounded gymnasium ``Box``.

    Example:
        >>> to_env = action_scaler(gym.spaces.Box(-2.0, 2.0, (1,)))
        >>> to_env(np.array([-1.0, 0.0, 1.0]))
        array([-2.,  0.,  2.])
    """
    if not isinstance(space, gym.spaces.Box) or not space.is_bounded():
        raise TypeError(f"space must be a bounded gymnasium Box, got {space!r:.60}")
    low, half = space.low, (space.high - space.low) / 2.0
    return lambda a: low + (a + 1.0) * half


def box_policy(
    actor: Callable[[torch.Tensor | TensorMap], torch.Tensor],
    space: gym.spaces.Box,
    device: torch.device,
) -> Policy:
    """The deterministic evaluation policy of a tanh ``actor`` (flat observations ``[B, D]``
    to actions in ``[-1, 1]``): numpy observations ``[B, ...]`` in, actions ``[B, A]`` within
    the bounds of ``space`` out (:func:`action_scaler`). Observations of a ``Dict`` space
    (a dict of ``[B, ...]`` arrays) reach ``actor`` as a :class:`~lagom.networks.TensorMap`
    in their own dtypes, for its encoder.

    Raises:
        TypeError: ``actor`` is not callable, ``space`` not a bounded Box, or ``device`` not
            a device.
        ValueError: ``device`` names no device.

    Example:
        >>> policy = box_policy(torch.tanh, gym.spaces.Box(0.0, 4.0, (3,)), torch.device("cpu"))
        >>> policy(np.zeros((2, 3)))
        array([[2., 2., 2.],
               [2., 2., 2.]], dtype=float32)
        >>> first = box_policy(lambda obs: torch.tanh(obs["a"]), gym.spaces.Box(-1.0, 1.0, (2,)),
        ...                    torch.device("cpu"))
        >>> first({"a": np.zeros((1, 2)), "b": np.ones((1, 5))})
        array([[0., 0.]])
    """
    _check_callable("actor", actor)
    device = check_device("device", device)
    to_env = action_scaler(space)

    @torch.inference_mode()
    def policy(observations: NDArray[Any] | Mapping[str, NDArray[Any]]) -> NDArray[Any]:
        if isinstance(observations, Mapping):
            batch = TensorMap(cast(dict[str, torch.Tensor], obs_tensor(observations, device)))
            return to_env(actor(batch).cpu().numpy())
        obs = torch.as_tensor(np.asarray(observations), dtype=torch.float32, device=device)
        return to_env(actor(obs.reshape(obs.shape[0], -1)).cpu().numpy())

    return policy


class TensorBatch(NamedTuple):
    """A minibatch of ``B`` transitions as float32 tensors on the learner's device
    (observations of a ``Dict`` space: a :class:`~lagom.networks.TensorMap` of ``[B, ...]``
    tensors in their own dtypes).

    Attributes:
        obs: ``[B, obs_dim]``, :math:`s`.
        actions: ``[B, A]``, :math:`a`.
        rewards: ``[B]``, :math:`r`.
        next_obs: ``[B, obs_dim]``, the true :math:`s'`.
        terminated: ``[B]``, :math:`d`: 1.0 where :math:`s'` is terminal, else 0.0.

    Example:
        >>> TensorBatch(*torch.zeros(5, 2, 1)).rewards.shape
        torch.Size([2, 1])
    """

    obs: torch.Tensor | TensorMap
    actions: torch.Tensor
    rewards: torch.Tensor
    next_obs: torch.Tensor | TensorMap
    terminated: torch.Tensor


def check_tensor_batch(
    batch: object, obs_dim: int, action_dim: int, like: torch.Tensor
) -> TensorBatch:
    """``batch`` when it is a :class:`TensorBatch` of ``B`` rows an off-policy learner with
    ``obs_dim`` observations and ``action_dim`` actions takes, in the dtype and on the device
    of ``like`` (one of its parameters); observations of a ``Dict`` space are a
    :class:`~lagom.networks.TensorMap` of ``[B, ...]`` tensors on that device.

    Raises:
        TypeError: ``batch`` is not a :class:`TensorBatch`, a field is not a tensor (or a
            :class:`~lagom.networks.TensorMap` of observations), or a float field has
            another dtype than ``like``.
        ValueError: a field has another shape than ``[B, obs_dim]``, ``[B, action_dim]`` or
            ``[B]`` (``B >= 1`` the number of rewards), or lies on another device than
            ``like``.

    Example:
        >>> rows = torch.zeros(2, 3)
        >>> batch = TensorBatch(rows, torch.zeros(2, 1), torch.ones(2), rows, torch.zeros(2))
        >>> check_tensor_batch(batch, 3, 1, rows) is batch
        True
        >>> check_tensor_batch(batch._replace(actions=torch.zeros(2, 2)), 3, 1, rows)
        Traceback (most recent call last):
        ...
        ValueError: batch.actions must be [B, action_dim] = [2, 1], got [2, 2]
    """
    if not isinstance(batch, TensorBatch):
        raise TypeError(f"batch must be a TensorBatch, got {type(batch).__name__}")
    rewards = batch.rewards
    if isinstance(rewards, torch.Tensor) and rewards.dim() != 1:
        raise ValueError(f"batch.rewards must be [B], got {list(rewards.shape)}")
    n = len(rewards) if isinstance(rewards, torch.Tensor) else 0
    if isinstance(rewards, torch.Tensor) and not n:
        raise ValueError("batch must hold at least one transition (B >= 1), got B = 0")
    shapes = {
        "rewards": ("[B]", (n,)),
        "obs": ("[B, obs_dim]", (n, obs_dim)),
        "actions": ("[B, action_dim]", (n, action_dim)),
        "next_obs": ("[B, obs_dim]", (n, obs_dim)),
        "terminated": ("[B]", (n,)),
    }
    for name, (label, shape) in shapes.items():
        x = getattr(batch, name)
        if isinstance(x, TensorMap) and name in ("obs", "next_obs"):
            for key, value in x.items():
                if value.shape[:1] != shape[:1] or value.device != like.device:
                    raise ValueError(
                        f"batch.{name}[{key!r}] must be [B, ...] with B = {n} on "
                        f"{like.device}, got {list(value.shape)} on {value.device}"
                    )
            continue
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"batch.{name} must be a tensor, got {type(x).__name__}")
        if x.shape != shape:
            got = list(x.shape)
            raise ValueError(f"batch.{name} must be {label} = {list(shape)}, got {got}")
        _check_dtype_device(f"batch.{name}", x, like.dtype, like.device)
    return batch


def _check_dtype_device(
    label: str, x: torch.Tensor, dtype: torch.dtype, device: torch.device
) -> None:
    """Raise unless the tensor ``x`` (named ``label`` in the message) has ``dtype`` and lies
    on ``device``: a ``TypeError`` for the dtype, a ``ValueError`` for the device.

    Example:
        >>> _check_dtype_device("rewards", torch.zeros(2), torch.float32, torch.device("cpu"))
        >>> _check_dtype_device("rewards", torch.zeros(2), torch.int64, torch.device("cpu"))
        Traceback (most recent call last):
        ...
        TypeError: rewards must be a torch.int64 tensor, got torch.float32
    """
    if x.dtype != dtype:
        raise TypeError(f"{label} must be a {dtype} tensor, got {x.dtype}")
    if x.device != device:
        raise ValueError(f"{label} must be on {device}, got {x.device}")


def replay_tensors(batch: ReplayBatch, device: torch.device) -> TensorBatch:
    """A :class:`~lagom.runner.ReplayBatch` as a :class:`TensorBatch` on ``device`` (on CPU
    the tensors share the batch's memory: no copy).

    Raises:
        TypeError: ``batch`` is not a :class:`~lagom.runner.ReplayBatch`, or ``device`` not
            a device.
        ValueError: ``device`` names no device.

    Example:
        >>> buffer = ReplayBuffer(4, obs_dim=3, action_dim=1, seed=0)
        >>> buffer.add([[0, 0, 0]], [[0.5]], [1.0], [[0, 0, 1]], [False], [True])
        >>> batch = replay_tensors(buffer.sample(2), torch.device("cpu"))
        >>> batch.obs.shape, batch.rewards.tolist(), batch.terminated.tolist()
        (torch.Size([2, 3]), [1.0, 1.0], [0.0, 0.0])
        >>> goal = gym.spaces.Dict({"goal": gym.spaces.Box(-1, 1, (2,)),
        ...                         "frame": gym.spaces.Box(0, 255, (3, 3), np.uint8)})
        >>> frames = ReplayBuffer(4, 11, 1, seed=0, observation_space=goal)
        >>> obs = {"goal": np.zeros((1, 2)), "frame": np.ones((1, 3, 3), np.uint8)}
        >>> frames.add(obs, [[0.5]], [1.0], obs, [False], [False])
        >>> replay_tensors(frames.sample(2), torch.device("cpu")).obs
        TensorMap({'frame': (2, 3, 3), 'goal': (2, 2)})
    """
    check_instance("batch", batch, ReplayBatch)
    device = check_device("device", device)
    obs, actions, rewards, next_obs, terminated = batch

    def tensor(x: NDArray[Any]) -> torch.Tensor:
        return torch.from_numpy(x).to(device, non_blocking=True)

    def observations(x: NDArray[Any] | dict[str, NDArray[Any]]) -> torch.Tensor | TensorMap:
        if isinstance(x, dict):
            return TensorMap({key: tensor(value) for key, value in x.items()})
        return tensor(x)

    return TensorBatch(
        observations(obs),
        tensor(actions),
        tensor(rewards),
        observations(next_obs),
        tensor(terminated),
    )


def load_trained(
    run_dir: Path,
    default_config: Callable[[str], OC],
    algorithm: str,
    *,
    name: str = POLICY_FILE,
) -> tuple[OC, gym.spaces.Box, int, dict[str, Any]]:
    """What rebuilding the policy of an off-policy run folder needs: its typed configuration,
    the action space and observation size (``gymnasium.spaces.flatdim``, a ``Dict``'s too)
    of its environment, and the saved policy tensors (the policy file ``name``, by default
    ``policy.pt``, read weights-only: ``{"actor": state_dict}``).

    Raises:
        TypeError: ``run_dir`` is not a path, ``default_config`` not callable, or
            ``algorithm`` or ``name`` not a str.
        ValueError: not a run folder, no file ``name`` in it, or an environment without Box
            or Dict observations and Box actions.

    Example:
        >>> from lagom.baselines.sac import default_config
        >>> load_trained(Path("/nonexistent"), default_config, "sac")
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a run folder: it has no run.yml
    """
    check_str("algorithm", algorithm)
    run_dir = _folder("run_dir", run_dir)
    config = load_run_config(run_dir, default_config)
    state = load_policy_state(run_dir, name)
    obs_space, space = check_spaces(
        algorithm, config.env.id, observation=OFF_POLICY_OBSERVATIONS, action=(gym.spaces.Box,)
    )
    return config, cast(gym.spaces.Box, space), gym.spaces.flatdim(obs_space), state


class _Checkpointable(Protocol):
    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class OffPolicyConfig(AttrsInstance, Protocol):
    """What :meth:`ReplayCollector.start` reads of an off-policy configuration."""

    @property
    def env(self) -> OffPolicyEnvConfig: ...

    @property
    def agent(self) -> OffPolicyAgentConfig: ...

    @property
    def train(self) -> OffPolicyTrainConfig: ...

    @property
    def eval(self) -> OffPolicyEvalConfig: ...


@attrs.define(eq=False)
class ReplayCollector:
    """One environment stepped into a :class:`~lagom.runner.ReplayBuffer`, with the counters
    of an off-policy run: the acting half of SAC, TD3 and DDPG.

    :meth:`step` sends an action in ``[-1, 1]^A`` (scaled onto the bounds by
    :func:`action_scaler`) and stores the transition with its *true* next observation and
    separate ``terminated``/``truncated``; at an episode's end the environment is reset and
    :attr:`obs` becomes the reset observation. :meth:`checkpoint` writes a checkpoint holding the
    agent, the buffer, the environment's state as data (its simulator and random state, so a
    resumed run continues the same episode: :func:`env_checkpoint`), the observation, the
    counters and every random generator; :meth:`resume` restores it, so a resumed run on
    CPU matches an uninterrupted one.

    Example:
        >>> collector = ReplayCollector.create("Pendulum-v1", capacity=50, seed=0)
        >>> for _ in range(3):
        ...     collector.step(collector.random_action())
        >>> collector.timesteps, len(collector.buffer), collector.buffer.action_dim
        (3, 3, 1)
    """

    #: The gymnasium id of the environment.
    env_id: str
    #: The environment, wrapped in :class:`~lagom.envs.RecordEpisodeStatistics`.
    env: gym.Env[Any, Any]
    #: The replay buffer.
    buffer: ReplayBuffer
    #: The generator of exploration (random actions, action noise).
    explore: np.random.Generator
    #: The observation to act on (a dict of arrays for a ``Dict`` space, which the buffer
    #: keeps per key in its own dtype: ``ReplayBuffer(observation_space=)``).
    obs: NDArray[Any] | dict[str, NDArray[Any]]
    #: Environment steps taken.
    timesteps: int = 0
    #: Progress rows written.
    iteration: int = 0
    #: Gradient steps taken.
    updates: int = 0
    #: ``time.perf_counter()`` at the run's (virtual) start.
    clock: float = attrs.field(factory=time.perf_counter)
    #: Evaluation during training (``eval.every``; set by :meth:`start`).
    evaluation: PeriodicEvaluation | None = None
    _to_env: Callable[[NDArray[Any]], NDArray[Any]] = attrs.field(init=False)

    @_to_env.default
    def _scaler(self) -> Callable[[NDArray[Any]], NDArray[Any]]:
        # Built once: a step's action only needs the space's bounds.
        return action_scaler(cast(gym.spaces.Box, self.env.action_space))

    @classmethod
    def create(cls, env_id: str, capacity: int, seed: int) -> ReplayCollector:
        """A fresh collector: the environment (reset), a buffer of ``capacity`` rows and the
        exploration generator, seeded from ``Seeder(seed)(3)``.

        Raises:
            TypeError: ``env_id`` is not a str, or ``capacity`` or ``seed`` not an int.
            ValueError: ``env_id`` is not a gymnasium environment, ``capacity < 1`` or
                ``seed`` out of range.

        Example:
            >>> ReplayCollector.create("Pendulum-v1", 10, seed=1).obs.shape
            (3,)
        """
        check_str("env_id", env_id)
        env_seed, explore_seed, replay_seed = Seeder(seed)(3)
        env: gym.Env[Any, Any] = RecordEpisodeStatistics(_make_env(env_id))
        obs_space = env.observation_space
        obs_dim = gym.spaces.flatdim(obs_space)
        action_dim = gym.spaces.flatdim(env.action_space)
        kept = obs_space if isinstance(obs_space, gym.spaces.Dict) else None
        buffer = ReplayBuffer(capacity, obs_dim, action_dim, replay_seed, observation_space=kept)
        obs, _ = env.reset(seed=env_seed)
        return cls(env_id, env, buffer, np.random.default_rng(explore_seed), obs)

    @classmethod
    def start(
        cls, logdir: Path, name: str, config: OffPolicyConfig, seed: int, device: str
    ) -> tuple[ReplayCollector, torch.device]:
        """Begin a run: check ``device``, write ``run.yml``/``config.yml``
        (:func:`start_run`), seed every generator, then :meth:`create` the collector with a
        buffer of ``min(agent.buffer_size, train.timesteps)`` rows.

        Raises:
            TypeError: ``config`` is not an off-policy configuration, or ``seed``,
                ``device`` or ``logdir`` has the wrong type.
            ValueError: ``seed`` is out of range or ``device`` unknown.

        Example:
            >>> import tempfile
            >>> from lagom.baselines.sac import SACConfig
            >>> with tempfile.TemporaryDirectory() as logdir:
            ...     collector, device = ReplayCollector.start(
            ...         Path(logdir), "sac", SACConfig(), seed=0, device="cpu")
            >>> device, collector.buffer.capacity
            (device(type='cpu'), 1000000)
        """
        sections: tuple[tuple[str, type], ...] = (
            ("env", OffPolicyEnvConfig),
            ("train", OffPolicyTrainConfig),
            ("agent", OffPolicyAgentConfig),
        )
        if not all(isinstance(getattr(config, key, None), kind) for key, kind in sections):
            raise TypeError(
                "config must be an off-policy configuration (SACConfig, TD3Config), got "
                f"{type(config).__name__}"
            )
        seed = check_seed("seed", seed)  # a Python int: gymnasium refuses numpy integers
        dev, logdir = choose_device(device), _folder("logdir", logdir)
        start_run(logdir, name, config, seed)
        set_global_seeds(seed)
        capacity = min(config.agent.buffer_size, config.train.timesteps)
        collector = cls.create(config.env.id, capacity, seed)
        collector.evaluation = PeriodicEvaluation.of(config, seed)
        return collector, dev

    def periodic(
        self,
        logdir: Path,
        actor: Callable[[torch.Tensor | TensorMap], torch.Tensor],
        device: torch.device,
        tensors: Callable[[], Mapping[str, Any]],
    ) -> dict[str, float]:
        """The evaluation-during-training columns of this iteration's row (``{}`` when none
        is due, see :class:`PeriodicEvaluation`): the deterministic ``actor``'s episodes;
        ``tensors()`` (what ``policy.pt`` holds) go to ``best_policy.pt`` on a new best."""
        if self.evaluation is None or not self.evaluation.due(self.timesteps):
            return {}
        policy = box_policy(actor, self.space, device)
        return self.evaluation(logdir, self.timesteps, policy, tensors)

    @property
    def space(self) -> gym.spaces.Box:
        """The action space (a ``Box``)."""
        return cast(gym.spaces.Box, self.env.action_space)

    def random_action(self) -> NDArray[np.float32]:
        """An action drawn uniformly from ``[-1, 1]^A`` by :attr:`explore`."""
        return self.explore.uniform(-1.0, 1.0, self.buffer.action_dim).astype(np.float32)

    def step(self, action: NDArray[Any]) -> None:
        """Take one environment step with ``action`` (in ``[-1, 1]^A``) and store it."""
        next_obs, reward, terminated, truncated, _ = self.env.step(self._to_env(action))
        self.buffer.add_one(self.obs, action, reward, next_obs, terminated, truncated)
        self.obs = self.env.reset()[0] if terminated or truncated else next_obs
        self.timesteps += 1

    def iteration_steps(self, train: OffPolicyTrainConfig) -> int:
        """Environment steps in the next iteration: ``train.log_interval``, fewer at the end."""
        return min(train.log_interval, train.timesteps - self.timesteps)

    def updates_due(self, agent: OffPolicyAgentConfig) -> int:
        """Gradient steps due after the latest environment step (counted in :attr:`updates`):
        ``agent.gradient_steps`` every ``agent.train_freq`` steps after
        ``agent.learning_starts``, else 0."""
        after = self.timesteps > agent.learning_starts
        due = agent.gradient_steps if after and self.timesteps % agent.train_freq == 0 else 0
        self.updates += due
        return due

    def row(self, columns: Mapping[str, Any]) -> dict[str, Any]:
        """The next progress row (and :attr:`iteration` counted): ``iteration``,
        ``timesteps``, ``time``, ``train_return`` (the mean return of the last 100 training
        episodes; NaN before the first ends), ``updates``, then ``columns`` as floats
        (``None`` stays empty: a loss not computed yet)."""
        self.iteration += 1
        returns = self.env.get_wrapper_attr("return_queue")
        return {
            "iteration": self.iteration,
            "timesteps": self.timesteps,
            "time": time.perf_counter() - self.clock,
            "train_return": float(np.mean(returns)) if returns else math.nan,
            "updates": self.updates,
            **{key: None if v is None else float(v) for key, v in columns.items()},
        }

    def checkpoint(self, logdir: Path, train: OffPolicyTrainConfig, agent: _Checkpointable) -> bool:
        """Checkpoint when due (every ``train.checkpoint_every`` iterations, at the end, and
        when ``train.stop_at`` stops the run); ``True`` when the run stops early here (the
        environment is then closed)."""
        done = self.timesteps >= train.timesteps
        stopping = train.stop_at is not None and self.timesteps >= train.stop_at and not done
        if stopping or done or self.iteration % train.checkpoint_every == 0:
            agent_state = agent.state_dict()
            save_checkpoint(
                logdir,
                {
                    "agent": agent_state,
                    "replay": self.buffer.state_dict(),
                    "env": env_checkpoint(self.env),
                    "obs": self.obs,
                    "timesteps": self.timesteps,
                    "iteration": self.iteration,
                    "updates": self.updates,
                    "time": time.perf_counter() - self.clock,
                    "explore_rng": self.explore.bit_generator.state,
                    "rng": rng_state(),
                    "evaluation": None if self.evaluation is None else self.evaluation.state(),
                },
            )
            save_policy(logdir, {"actor": agent_state["actor"]})
        if stopping:
            self.env.close()
        return stopping

    def resume(self, logdir: Path, agent: _Checkpointable) -> None:
        """Restore the collector, ``agent`` and the random generators from the checkpoint in
        ``logdir``, if there is one."""
        state = load_checkpoint(logdir)
        if state is None:
            return
        with restoring_checkpoint(logdir, "off-policy"):
            agent.load_state_dict(state["agent"])
            self.buffer.load_state_dict(state["replay"])
            restore_env_checkpoint(self.env, state["env"])
            self.obs = state["obs"]
            self.timesteps, self.iteration = state["timesteps"], state["iteration"]
            self.updates = state["updates"]
            self.clock = time.perf_counter() - state["time"]
            self.explore.bit_generator.state = state["explore_rng"]
            restore_rng_state(state["rng"])
            if self.evaluation is not None:
                self.evaluation.restore(state.get("evaluation"))

    def evaluate(
        self,
        logdir: Path,
        actor: Callable[[torch.Tensor | TensorMap], torch.Tensor],
        device: torch.device,
        episodes: int,
        seed: int,
    ) -> dict[str, float]:
        """Close the environment, evaluate the deterministic ``actor`` (:func:`box_policy`)
        for ``episodes`` episodes seeded from ``seed + 10000`` and :func:`finish` the run."""
        self.env.close()
        policy = box_policy(actor, self.space, device)
        metrics = evaluate_policy(policy, lambda: gym.make(self.env_id), episodes, seed + 10_000)
        best = {} if self.evaluation is None else self.evaluation.summary()
        return finish(logdir, metrics | best)


def offpolicy_algorithm(
    name: str,
    summary: str,
    run: RunFn,
    default_config: Callable[[str], Any],
    make_policy: PolicyLoader,
) -> Algorithm:
    """The :class:`~lagom.baselines.Algorithm` record of an off-policy algorithm: continuous
    actions, ``Pendulum-v1`` unless told otherwise, ``train.timesteps`` set by ``--steps``.

    Example:
        >>> from lagom.baselines.sac import default_config, make_policy, run
        >>> offpolicy_algorithm("sac2", "SAC again", run, default_config, make_policy).default_env
        'Pendulum-v1'
    """
    return Algorithm(
        name=name,
        summary=summary,
        run=run,
        default_config=default_config,
        default_env="Pendulum-v1",
        # mypy's attrs plugin types the field's ``tuple`` converter as ``Iterable[_T_co]``.
        action_spaces=("continuous",),
        make_policy=make_policy,
    )
