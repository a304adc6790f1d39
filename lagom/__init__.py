"""lagom: a light, strictly typed PyTorch infrastructure for prototyping RL algorithms.

The top level re-exports the documented names. Every name is resolved lazily on first
access, so ``import lagom`` needs only numpy and attrs, and names whose modules need an
optional dependency (torch, gymnasium, cma) import it only when they are used.

Example:
    >>> import lagom
    >>> lagom.StepType.FIRST
    <StepType.FIRST: 0>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lagom._lazy import lazy_attribute

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "StepType": "lagom.data",
    "TimeStep": "lagom.data",
    "Trajectory": "lagom.data",
    "Transition": "lagom.data",
    "Rollout": "lagom.data",
    "Logger": "lagom.logger",
    "BaseEngine": "lagom.engine",
    "BaseAgent": "lagom.agent",
    "RandomAgent": "lagom.agent",
    "BaseRunner": "lagom.runner",
    "EpisodeRunner": "lagom.runner",
    "StepRunner": "lagom.runner",
    "VecStepRunner": "lagom.runner",
    "BaseES": "lagom.es",
    "CMAES": "lagom.es",
    "CEM": "lagom.es",
    "OpenAIES": "lagom.es",
}

__all__ = [
    "CEM",
    "CMAES",
    "BaseAgent",
    "BaseES",
    "BaseEngine",
    "BaseRunner",
    "EpisodeRunner",
    "Logger",
    "OpenAIES",
    "RandomAgent",
    "Rollout",
    "StepRunner",
    "StepType",
    "TimeStep",
    "Trajectory",
    "Transition",
    "VecStepRunner",
    "__version__",
]

if TYPE_CHECKING:
    from lagom.agent import BaseAgent, RandomAgent
    from lagom.data import Rollout, StepType, TimeStep, Trajectory, Transition
    from lagom.engine import BaseEngine
    from lagom.es import CEM, CMAES, BaseES, OpenAIES
    from lagom.logger import Logger
    from lagom.runner import BaseRunner, EpisodeRunner, StepRunner, VecStepRunner


# For type checkers the names are the imports above: a misspelt one is an error, not Any.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        return lazy_attribute("lagom", _LAZY, globals(), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
