"""Checks of the command line that need neither torch nor gymnasium.

Everything here answers before an algorithm's module (which imports torch) is imported: the
numbers and names of the flags, the ``--set`` syntax, the ``--config`` file (its existence,
its YAML, its shape) and the folder of ``--log-dir``. A failed check raises
:class:`UsageError`, which :func:`lagom.cli.main` prints as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "BUILTIN_DEFAULTS",
    "UsageError",
    "check_sinks_installed",
    "check_train_args",
    "known_algorithm",
    "read_config_file",
]

#: Built-in algorithm -> (default environment, the dotted key that ``--steps`` sets), kept
#: here so that the header and the default log folder need no torch import;
#: ``tests/cli/test_early_checks.py`` checks it against the algorithms' records. An algorithm
#: missing here (a plug-in) works the same, its header printed after its module's import.
BUILTIN_DEFAULTS: dict[str, tuple[str, str]] = {
    "ppo": ("CartPole-v1", "train.timesteps"),
    "vpg": ("CartPole-v1", "train.timesteps"),
    "sac": ("Pendulum-v1", "train.timesteps"),
    "td3": ("Pendulum-v1", "train.timesteps"),
    "ddpg": ("Pendulum-v1", "train.timesteps"),
    "dqn": ("CartPole-v1", "train.timesteps"),
    "cem": ("CartPole-v1", "train.generations"),
    "cmaes": ("CartPole-v1", "train.generations"),
    "openaies": ("CartPole-v1", "train.generations"),
}

_DEVICE = re.compile(r"cpu|cuda(:\d+)?")
_MAX_SEED = 2**32 - 1


class UsageError(Exception):
    """A mistake in the command line or its inputs; reported as one line, exit status 2.

    Example:
        >>> try:
        ...     known_algorithm("nope")
        ... except UsageError as error:
        ...     print(f"lagom: error: {error}")  # doctest: +ELLIPSIS
        lagom: error: unknown algorithm 'nope'; choose one of: cem, ...
        >>> issubclass(UsageError, Exception)
        True
    """


def positive_int(text: str) -> int:
    """argparse ``type`` of ``--steps`` and ``--workers``: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def seed_int(text: str) -> int:
    """argparse ``type`` of ``--seeds``: an integer in ``[0, 2**32 - 1]``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects integers, got {text!r}") from None
    if not 0 <= value <= _MAX_SEED:
        raise argparse.ArgumentTypeError(f"must lie in [0, {_MAX_SEED}], got {value}")
    return value


def device_name(text: str) -> str:
    """argparse ``type`` of ``--device``: ``cpu``, ``cuda`` or ``cuda:N`` (whether the
    machine has that device is checked later, with torch)."""
    if not _DEVICE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expects cpu, cuda or cuda:N, got {text!r}")
    return text


def known_algorithm(name: str) -> None:
    """Raise :class:`UsageError` unless ``name`` is a built-in algorithm or an installed
    plug-in (read from the entry points: no algorithm module is imported)."""
    from lagom.baselines import list_algorithms

    names = list_algorithms()
    if name not in names:
        raise UsageError(f"unknown algorithm {name!r}; choose one of: {', '.join(names)}")


def _check_sets(items: list[str]) -> None:
    for item in items:
        key, sep, _ = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")


@functools.cache
def _loader() -> type[Any]:
    """The YAML loader of ``--config`` files (made on first use: ``lagom --version`` and the
    flag checks need no yaml)."""
    import yaml

    class Loader(yaml.SafeLoader):
        """YAML 1.1 reads ``3e-4`` as a string; a config file means the float (as YAML 1.2).
        A key given twice in one mapping is an error (YAML keeps the last one silently), and
        so is a key that is no text (``? [a]``: yaml's own loader fails on it with a
        ``TypeError``)."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, (list, dict, set)):  # unhashable: not a config key
                    line = key_node.start_mark.line + 1
                    raise UsageError(
                        f"config file keys must be non-empty text, got {key!r:.60} (line {line})"
                    )
                if isinstance(key, str) and key in seen:
                    raise UsageError(f"config key {key!r} is given twice in the config file")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        list("-+0123456789."),
    )
    return Loader


def _flatten(data: Mapping[object, object], prefix: str, out: dict[str, object]) -> None:
    for key, value in data.items():
        if not isinstance(key, str) or not key:
            raise UsageError(f"config file keys must be non-empty text, got {key!r}")
        dotted = f"{prefix}{key}"
        if isinstance(value, (set, frozenset)):
            # A YAML !!set has no order: hidden sizes {256, 64} would come out in any order.
            raise UsageError(
                f"config key {dotted!r} holds a YAML set ({value!r:.60}), which has no order; "
                "write a list ([a, b])"
            )
        if isinstance(value, Mapping):
            _flatten(value, f"{dotted}.", out)
        elif dotted in out:
            raise UsageError(f"config key {dotted!r} is given twice in the config file")
        else:
            out[dotted] = value


def read_config_file(path: str | Path) -> dict[str, object]:
    """The dotted keys of a ``--config`` YAML file: dotted (``agent.gamma: 0.9``, as
    ``lagom show`` and ``config.yml`` write them), nested (``agent: {gamma: 0.9}``) or
    both; ``3e-4`` is read as a float. An empty file is no override.

    Raises:
        UsageError: no such file, invalid YAML, or not a mapping of text keys (a key given
            twice, dotted and nested, too).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "f.yml"
        ...     _ = path.write_text("agent:\\n  lr: 3e-4\\ntrain.timesteps: 1000\\n")
        ...     read_config_file(path)
        {'agent.lr': 0.0003, 'train.timesteps': 1000}
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"--config {path} is a folder, not a YAML file")
    if not path.is_file():
        raise UsageError(f"--config {path}: no such file")
    import yaml

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())  # a SafeLoader
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise UsageError(f"--config {path} is not valid YAML{line}: {problem}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"--config {path} cannot be read: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise UsageError(
            f"--config {path} must hold a mapping of config keys, got {type(data).__name__}"
        )
    out: dict[str, object] = {}
    _flatten(data, "", out)
    return out


def set_value(items: list[str], key: str) -> str | None:
    """The text of the last ``--set key=...`` in ``items`` (``None`` when none sets it)."""
    found = None
    for item in items:
        name, _, text = item.partition("=")
        if name.strip() == key:
            found = text.strip()
    return found


def early_env(args: argparse.Namespace, file_values: Mapping[str, object]) -> str | None:
    """The environment a ``lagom train`` will run, as far as known without the algorithm's
    module: ``--env``, else ``--set env.id=...``, else the config file's ``env.id``, else
    the built-in algorithm's default; ``None`` for a plug-in without any of these."""
    if args.env is not None:
        return str(args.env)
    from_set = set_value(args.set, "env.id")
    if from_set is not None:
        return from_set
    from_file = file_values.get("env.id")
    if isinstance(from_file, str):
        return from_file
    default = BUILTIN_DEFAULTS.get(args.algo)
    return default[0] if default is not None else None


def early_steps(args: argparse.Namespace, file_values: Mapping[str, object]) -> str | None:
    """The training length as far as known without the algorithm's module (``--steps``,
    else ``--set`` or the config file of a built-in algorithm's steps key), as text."""
    if args.steps is not None:
        return str(args.steps)
    default = BUILTIN_DEFAULTS.get(args.algo)
    if default is None:
        return None
    from_set = set_value(args.set, default[1])
    if from_set is not None:
        return from_set
    value = file_values.get(default[1])
    return None if value is None else str(value)


def sink_names(text: str) -> list[str]:
    """``--log``'s comma-separated sink names (checked against the configuration's
    ``train.log`` field with the other keys).

    Example:
        >>> sink_names("tensorboard,jsonl")
        ['tensorboard', 'jsonl']
    """
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return names


def check_sinks_installed(names: object) -> None:
    """Raise :class:`UsageError` when a log sink in ``names`` needs a package that is not
    installed (``tensorboard``): before any run starts, not inside each one.

    Example:
        >>> check_sinks_installed(["jsonl"])  # needs nothing
    """
    import importlib.util

    wanted = isinstance(names, (list, tuple)) and "tensorboard" in names
    if wanted and importlib.util.find_spec("tensorboard") is None:
        raise UsageError(
            "the tensorboard log sink needs the tensorboard package: "
            'pip install "lagom[tensorboard]"'
        )


def check_train_args(args: argparse.Namespace) -> dict[str, object]:
    """Check ``lagom train``'s arguments that need no algorithm module; return the
    ``--config`` file's dotted keys (``{}`` without one).

    Raises:
        UsageError: an unknown algorithm, seeds given twice, a ``--set`` that is not
            ``KEY=VALUE``, a ``--log-dir`` that is empty or a file, or a bad ``--config``
            file.
    """
    known_algorithm(args.algo)
    if len(set(args.seeds)) != len(args.seeds):
        raise UsageError(f"--seeds must be distinct, got {args.seeds}")
    _check_sets(args.set)
    if args.log_dir is not None:
        if not args.log_dir.strip():  # "" would fall back to logs/ALGO-ENV unnoticed
            raise UsageError(f"--log-dir must name a folder, got {args.log_dir!r}")
        log_dir = Path(args.log_dir)
        if log_dir.exists() and not log_dir.is_dir():
            raise UsageError(f"--log-dir {log_dir} is a file, not a folder")
        for parent in log_dir.parents:
            if parent.exists() and not parent.is_dir():
                raise UsageError(f"--log-dir {log_dir}: {parent} is a file, not a folder")
    values = read_config_file(args.config) if args.config is not None else {}
    if getattr(args, "log", None):
        check_sinks_installed(args.log)
        args.set = [*args.set, f"train.log=[{','.join(args.log)}]"]
    # Every key and value against the algorithm's typed configuration, still without torch.
    from lagom.baselines import check_overrides

    try:
        check_overrides(args.algo, values, sets=args.set, env_id=args.env)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return values
