"""Reference algorithms built from lagom parts, and their registry.

Each algorithm lives in its own subpackage (``lagom.baselines.ppo``, ...) that reads top to
bottom like a single-file implementation and defines one :class:`Algorithm` record named
``ALGORITHM``. The registry imports a subpackage only when it is asked for, so listing the
algorithms needs neither torch nor gymnasium.

Example:
    >>> from lagom.baselines import list_algorithms
    >>> "ppo" in list_algorithms()
    True
"""

from __future__ import annotations

import importlib

from lagom.baselines.algorithm import Algorithm, RunFn

__all__ = ["ALGORITHMS", "Algorithm", "RunFn", "get_algorithm", "list_algorithms"]

#: Algorithm name -> the module that defines its ``ALGORITHM`` record.
ALGORITHMS: dict[str, str] = {
    "ppo": "lagom.baselines.ppo",
    "vpg": "lagom.baselines.vpg",
    "sac": "lagom.baselines.sac",
    "td3": "lagom.baselines.td3",
    "ddpg": "lagom.baselines.ddpg",
    "cem": "lagom.baselines.cem",
    "cmaes": "lagom.baselines.cmaes",
    "openaies": "lagom.baselines.openaies",
}


def list_algorithms() -> list[str]:
    """Names of the reference algorithms, sorted.

    Example:
        >>> list_algorithms()[:3]
        ['cem', 'cmaes', 'ddpg']
    """
    return sorted(ALGORITHMS)


def get_algorithm(name: str) -> Algorithm:
    """The :class:`Algorithm` record registered under ``name``.

    Raises:
        ValueError: ``name`` is not a registered algorithm (the message lists them).

    Example:
        >>> get_algorithm("nope")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown algorithm 'nope'; choose one of: cem, cmaes, ddpg, ...
    """
    module = ALGORITHMS.get(name)
    if module is None:
        raise ValueError(
            f"unknown algorithm {name!r}; choose one of: {', '.join(list_algorithms())}"
        )
    algorithm = importlib.import_module(module).ALGORITHM
    if not isinstance(algorithm, Algorithm):
        raise TypeError(f"{module}.ALGORITHM must be an Algorithm, got {type(algorithm)!r}")
    return algorithm
