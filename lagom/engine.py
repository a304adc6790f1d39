"""The :class:`BaseEngine`: one training and one evaluation iteration of an algorithm."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

__all__ = ["BaseEngine"]


class BaseEngine(ABC):
    r"""Base class for all engines.

    It defines the training and evaluation process. A subclass implements :meth:`train` and
    :meth:`eval`, each running one iteration and returning a dictionary of its outputs; an
    outer loop (the experiment's ``run`` function) calls them and logs the results.

    Every keyword argument becomes an attribute of the same name, so the usual
    ``BaseEngine(config, agent=agent, env=env, runner=runner)`` gives ``self.agent``,
    ``self.env`` and ``self.runner``.

    Args:
        config: the configuration of the run (e.g. one item of a :class:`lagom.experiment.Config`).
        **kwargs: objects the engine works with, stored as attributes (``agent``, ``env``,
            ``runner``, ``logger``, ...).

    Raises:
        TypeError: if ``config`` is not a mapping.
        ValueError: if a keyword would replace a method or attribute of the engine class
            (``train=...``) or is not a valid identifier.

    Example:
        >>> class CountingEngine(BaseEngine):
        ...     def train(self, n=None, **kwargs):
        ...         self.agent.append(n)
        ...         return {'iteration': n, 'lr': self.config['lr']}
        ...     def eval(self, n=None, **kwargs):
        ...         return {'iteration': n, 'num_updates': len(self.agent)}
        >>> engine = CountingEngine({'lr': 0.1}, agent=[])
        >>> engine.train(0)
        {'iteration': 0, 'lr': 0.1}
        >>> engine.eval(0)
        {'iteration': 0, 'num_updates': 1}
        >>> BaseEngine({})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: Can't instantiate abstract class BaseEngine ...
    """

    config: Mapping[str, Any]
    # Set from the keyword arguments; declared so that subclasses type-check against them.
    agent: Any
    env: Any
    runner: Any

    def __init__(self, config: Mapping[str, Any], **kwargs: Any) -> None:
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a mapping (e.g. a dict), got {type(config).__name__}")
        self.config = config
        for key, value in kwargs.items():
            if not key.isidentifier():
                raise ValueError(f"keyword names must be identifiers, got {key!r}")
            if hasattr(type(self), key):
                raise ValueError(
                    f"keyword {key!r} would replace {type(self).__name__}.{key}; "
                    f"pass the object under another name"
                )
            setattr(self, key, value)

    @abstractmethod
    def train(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
        """Training process for one iteration.

        .. note::

            It is recommended to use :class:`lagom.Logger <lagom.logger.Logger>` to store loggings.

        .. note::

            All parameterized modules should be called ``.train()`` to specify training mode.

        Args:
            n: n-th iteration for training (optional).
            **kwargs: keyword arguments used for logging.

        Returns:
            dict: a dictionary of training output
        """
        raise NotImplementedError

    @abstractmethod
    def eval(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
        """Evaluation process for one iteration.

        .. note::

            It is recommended to use :class:`lagom.Logger <lagom.logger.Logger>` to store loggings.

        .. note::

            All parameterized modules should be called ``.eval()`` to specify evaluation mode.

        Args:
            n: n-th iteration for evaluation (optional).
            **kwargs: keyword arguments used for logging.

        Returns:
            dict: a dictionary of evaluation output
        """
        raise NotImplementedError
