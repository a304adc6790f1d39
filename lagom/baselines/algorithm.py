"""The :class:`Algorithm` record: what the ``lagom`` command needs to know of an algorithm.

Built-in algorithms and plug-ins (a package's entry point in the group ``lagom.algorithms``,
see ``docs/plugins.rst``) register the same record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import attrs
from attrs import AttrsInstance

from lagom._checks import check_str, field_check
from lagom._types import NDArray

__all__ = ["Algorithm", "PolicyFn", "PolicyLoader", "RunFn"]

# The files of a run folder, which an algorithm's ``run`` writes and ``lagom eval`` reads.
# Defined here, apart from :mod:`lagom.baselines.common` (which exports them), so that the
# ``lagom`` command names them without importing torch.
#: The training log, one row per iteration.
PROGRESS_FILE = "progress.csv"
#: The state to resume from (see :func:`lagom.baselines.common.save_checkpoint`).
CHECKPOINT_FILE = "checkpoint.pt"
#: The checkpoint before the newest one, kept in case the newest is unreadable.
PREVIOUS_CHECKPOINT_FILE = "checkpoint.prev.pt"
#: The final evaluation's metrics.
FINAL_EVAL_FILE = "final_eval.yml"
#: The algorithm and seed of the run.
RUN_INFO_FILE = "run.yml"
#: The run's configuration as dotted keys.
CONFIG_FILE = "config.yml"
#: The trained policy's tensors, all that ``make_policy`` reads besides the two YAML files.
POLICY_FILE = "policy.pt"
#: The best policy's tensors, beside the last one's ``policy.pt`` (``eval.every > 0``).
BEST_POLICY_FILE = "best_policy.pt"

#: ``run(config, seed, device, logdir) -> final evaluation metrics``, called by
#: ``run_experiment`` with a flat dict of dotted keys.
RunFn: TypeAlias = Callable[[Mapping[str, Any], int, str, Path], Mapping[str, float]]

#: A deterministic policy, from an observation batch ``[B, *shape]`` to an action batch (numpy).
PolicyFn: TypeAlias = Callable[[NDArray[Any]], NDArray[Any]]


class PolicyLoader(Protocol):
    """``make_policy(run_dir, device, *, name=POLICY_FILE)``: the trained deterministic
    policy of the run folder ``run_dir`` on ``device``, rebuilt from its ``run.yml``,
    ``config.yml`` and the policy file ``name`` (``policy.pt``, the last policy;
    ``best_policy.pt``, the best evaluated one, for ``lagom eval --best``).

    Raises:
        ValueError: ``run_dir`` is not a run folder of the algorithm, or holds no file
            ``name``.

    Example:
        >>> import numpy as np
        >>> def make_policy(run_dir: Path, device: str, *, name: str = POLICY_FILE) -> PolicyFn:
        ...     print(f"reading {run_dir / name} onto {device}")
        ...     return lambda obs: np.zeros(len(obs), dtype=np.int64)
        >>> loader: PolicyLoader = make_policy
        >>> act = loader(Path("logs/0/0"), "cpu", name=BEST_POLICY_FILE)
        reading logs/0/0/best_policy.pt onto cpu
        >>> act(np.ones((2, 4))).tolist()
        [0, 0]
    """

    def __call__(self, run_dir: Path, device: str, *, name: str = ...) -> PolicyFn: ...


def _to_tuple(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(
            f"action_spaces must be a tuple of 'discrete'/'continuous', got {values!r:.60}"
        )
    return tuple(values)


def _check_callable(instance: Algorithm, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        raise TypeError(f"Algorithm.{attribute.name} must be callable, got {value!r}")


def _check_name(instance: Algorithm, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_\-]*", check_str("name", value)):
        raise ValueError(
            f"name must be lowercase letters, digits, '_' and '-', starting with a letter, "
            f"got {value!r}"
        )


def _check_spaces(instance: Algorithm, attribute: attrs.Attribute[Any], value: Any) -> None:
    for space in value:
        check_str("action_spaces", space, ("discrete", "continuous"))


_TEXT = field_check(check_str)


@attrs.frozen
class Algorithm:
    """One algorithm that ``lagom train/eval/list`` can run.

    Attributes:
        name: short name used on the command line (``"ppo"``).
        summary: one line saying what it is.
        run: the training entry point ``run(config, seed, device, logdir)``; ``config`` is a
            flat dict of dotted keys over ``default_config(config["env.id"])``. It writes
            ``logdir/progress.csv``, ``checkpoint.pt`` (resumed from when present),
            ``run.yml``, ``config.yml`` and ``final_eval.yml`` and returns the final
            evaluation metrics (``{"return_mean": ..., ...}``).
        default_config: ``default_config(env_id)``: the frozen ``attrs`` configuration for
            that environment; ``lagom train --set KEY=VALUE`` reads values by its field types.
        default_env: the environment ``lagom train NAME`` uses when none is given.
        action_spaces: which action spaces it supports: ``"discrete"``, ``"continuous"``.
        make_policy: ``make_policy(run_dir, device, *, name=POLICY_FILE)`` rebuilds the
            trained deterministic policy (observation batch -> action batch, numpy in and
            out) of a run folder from its policy file ``name`` (see :class:`PolicyLoader`).
            ``lagom eval`` passes ``name`` only with ``--best``: a ``make_policy(run_dir,
            device)`` without it still serves, for ``policy.pt`` alone.
        steps_key: the dotted key that ``lagom train --steps N`` sets.

    Raises:
        TypeError: a text field is not a str, an entry point not callable, or
            ``action_spaces`` not a tuple of str.
        ValueError: ``name`` is not lowercase letters, digits, ``_`` and ``-`` starting with
            a letter, or ``action_spaces`` holds something other than ``"discrete"`` or
            ``"continuous"``.

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class NoopConfig:
        ...     steps: int = 1
        >>> algo = Algorithm(
        ...     name="noop", summary="does nothing", run=lambda c, s, d, l: {},
        ...     default_config=lambda env_id: NoopConfig(), default_env="CartPole-v1",
        ...     action_spaces=("discrete",),
        ...     make_policy=lambda run_dir, device, name=POLICY_FILE: (lambda o: o),
        ...     steps_key="steps",
        ... )
        >>> algo.default_config("CartPole-v1")
        NoopConfig(steps=1)
    """

    name: str = attrs.field(validator=_check_name)
    summary: str = attrs.field(validator=_TEXT)
    run: RunFn = attrs.field(validator=_check_callable)
    default_config: Callable[[str], AttrsInstance] = attrs.field(validator=_check_callable)
    default_env: str = attrs.field(validator=_TEXT)
    action_spaces: tuple[str, ...] = attrs.field(converter=_to_tuple, validator=_check_spaces)
    make_policy: PolicyLoader | Callable[[Path, str], PolicyFn] = attrs.field(
        validator=_check_callable
    )
    steps_key: str = attrs.field(default="train.timesteps", validator=_TEXT)
