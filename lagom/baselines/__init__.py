"""Reference algorithms built from lagom parts, and their registry.

Each algorithm is one module that reads top to bottom: its frozen config, its networks,
collection, update and a plain loop (``ppo``, ``vpg``, ``sac``, ``td3`` with DDPG, ``dqn``,
``policy_search`` with CEM, CMA-ES and OpenAI-ES), all built on
:mod:`lagom.baselines.common`. Each defines an :class:`Algorithm` record. Other packages add
algorithms through the entry-point group ``lagom.algorithms`` (see ``docs/plugins.rst``);
``lagom list`` and ``lagom train NAME`` find them there.

The registry imports a module only when its algorithm is asked for, so listing the names
needs neither torch nor gymnasium.

Example:
    >>> from lagom.baselines import list_algorithms
    >>> "ppo" in list_algorithms()
    True
"""

from __future__ import annotations

import importlib
import os
from importlib import metadata
from pathlib import Path

from lagom.baselines.algorithm import Algorithm, PolicyFn, RunFn

__all__ = [
    "ALGORITHMS",
    "ENTRY_POINT_GROUP",
    "Algorithm",
    "PolicyFn",
    "RunFn",
    "get_algorithm",
    "list_algorithms",
    "load_policy",
]

#: Built-in algorithm name -> ``"module:ATTRIBUTE"`` of its :class:`Algorithm` record.
ALGORITHMS: dict[str, str] = {
    "ppo": "lagom.baselines.ppo:ALGORITHM",
    "vpg": "lagom.baselines.vpg:ALGORITHM",
    "sac": "lagom.baselines.sac:ALGORITHM",
    "td3": "lagom.baselines.td3:ALGORITHM",
    "ddpg": "lagom.baselines.td3:DDPG_ALGORITHM",
    "dqn": "lagom.baselines.dqn:ALGORITHM",
    "cem": "lagom.baselines.policy_search:CEM_ALGORITHM",
    "cmaes": "lagom.baselines.policy_search:CMAES_ALGORITHM",
    "openaies": "lagom.baselines.policy_search:OPENAIES_ALGORITHM",
}

#: The entry-point group in which other packages register their algorithms.
ENTRY_POINT_GROUP = "lagom.algorithms"


def _plugins() -> dict[str, metadata.EntryPoint]:
    found = metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {ep.name: ep for ep in found if ep.name not in ALGORITHMS}


def list_algorithms() -> list[str]:
    """Names of the built-in algorithms and of the installed plug-ins, sorted.

    A plug-in cannot replace a built-in algorithm: an entry point under a built-in name is
    ignored.

    Example:
        >>> list_algorithms()[:3]
        ['cem', 'cmaes', 'ddpg']
    """
    return sorted({*ALGORITHMS, *_plugins()})


def get_algorithm(name: str) -> Algorithm:
    """The :class:`Algorithm` record registered under ``name`` (built in or a plug-in).

    Raises:
        ValueError: ``name`` is not registered (the message lists the algorithms).
        TypeError: ``name`` is not a str, or a plug-in's entry point does not load to an
            :class:`Algorithm`.

    Example:
        >>> get_algorithm("ppo").name
        'ppo'
        >>> get_algorithm("nope")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown algorithm 'nope'; choose one of: cem, cmaes, ddpg, ...
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (an algorithm's name), got {type(name).__name__}")
    if name in ALGORITHMS:
        module, _, attribute = ALGORITHMS[name].partition(":")
        algorithm = getattr(importlib.import_module(module), attribute)
        where = ALGORITHMS[name]
    else:
        plugin = _plugins().get(name)
        if plugin is None:
            raise ValueError(
                f"unknown algorithm {name!r}; choose one of: {', '.join(list_algorithms())}"
            )
        algorithm = plugin.load()
        where = f"entry point {plugin.value!r} of group {ENTRY_POINT_GROUP!r}"
    if not isinstance(algorithm, Algorithm):
        raise TypeError(f"{where} must be a lagom.baselines.Algorithm, got {type(algorithm)!r}")
    if algorithm.name != name:
        raise ValueError(
            f"{where} registers {name!r} but its Algorithm is named {algorithm.name!r}"
        )
    return algorithm


def load_policy(run_dir: str | Path, device: str = "cpu") -> PolicyFn:
    """The trained deterministic policy of a run folder: ``act(obs) -> action``, numpy in and
    out, for a batch ``[B, *obs_shape]``.

    It reads the run's ``run.yml``, ``config.yml`` and ``policy.pt`` alone (a weights-only
    file: loading it runs no code), not the checkpoint. Usage::

        act = load_policy("logs/ppo-CartPole-v1/0/0")
        actions = act(observations)             # [B, *obs_shape] -> [B] or [B, A]

    Raises:
        TypeError: ``run_dir`` is not a path, or ``device`` not a device name.
        ValueError: not a run folder, an unknown algorithm, or no (valid) ``policy.pt``, or
            an unknown ``device``.

    Example:
        >>> load_policy("/nonexistent")
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a run folder: it has no run.yml
    """
    from lagom.baselines.common import read_run_info

    if not isinstance(run_dir, (str, os.PathLike)):
        raise TypeError(f"run_dir must be a str or path, got {type(run_dir).__name__}")
    info = read_run_info(Path(run_dir))
    return get_algorithm(info.algorithm).make_policy(Path(run_dir), device)
