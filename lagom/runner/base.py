"""The base of all runners: :class:`BaseRunner`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from lagom.agent import Agent

__all__ = ["BaseRunner"]

#: What a runner returns (a list of trajectories, a rollout, ...).
R_co = TypeVar("R_co", covariant=True)


class BaseRunner(ABC, Generic[R_co]):
    """Base class for all runners.

    A runner is a data collection interface between the agent and the environment: it asks
    the agent for actions (:meth:`lagom.agent.Agent.choose_action`), steps the environment
    with them and records what happened. Subclasses fix the unit of collection:
    :class:`~lagom.runner.EpisodeRunner` (N episodes), :class:`~lagom.runner.StepRunner`
    (T steps of one environment) and :class:`~lagom.runner.VecStepRunner` (T steps of a
    vectorized environment).

    Example:
        >>> class CountingRunner(BaseRunner[int]):
        ...     def __call__(self, agent, env, T, **kwargs):
        ...         return T
        >>> CountingRunner()(None, None, 3)
        3
    """

    @abstractmethod
    def __call__(self, agent: Agent, env: Any, *args: Any, **kwargs: Any) -> R_co:
        """Defines data collection via interactions between the agent and the environment.

        Args:
            agent: the agent choosing the actions.
            env: the environment.
            *args: what to collect (e.g. the number of episodes or steps).
            **kwargs: keyword arguments for more specifications (passed on to
                ``agent.choose_action``).
        """
