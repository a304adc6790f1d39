"""The stateful shell of the functional strategies: :class:`_FunctionalES`.

CEM and OpenAI-ES are pure functions over a frozen state (``*_init``, ``*_ask``, ``*_tell``);
their :class:`~lagom.es.BaseES` classes only hold the current state and replace it on every
``ask`` and ``tell``. This module is that holder, written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from lagom._types import ArrayLike, Float64Array
from lagom.es._shared import _check_asked
from lagom.es.base import BaseES, ESResult

__all__: list[str] = []


class _Options(Protocol):
    @property
    def popsize(self) -> int: ...

    @property
    def seed(self) -> int: ...


class _State(Protocol):
    """What the shell reads of a state: its options and the best-so-far record."""

    @property
    def options(self) -> _Options: ...

    @property
    def mean(self) -> Float64Array: ...

    @property
    def iterations(self) -> int: ...

    @property
    def num_asks(self) -> int: ...

    @property
    def asked(self) -> bool: ...

    @property
    def evaluations(self) -> int: ...

    @property
    def xbest(self) -> Float64Array | None: ...

    @property
    def fbest(self) -> float: ...

    @property
    def evals_best(self) -> int | None: ...


StateT = TypeVar("StateT", bound=_State)


class _FunctionalES(BaseES, Generic[StateT]):
    """An ask-and-tell object over pure ``ask(state) -> (solutions, state)`` and
    ``tell(state, solutions, values) -> state`` functions.

    Args:
        state: the initial state (from the strategy's ``*_init``).
        ask: the strategy's ``*_ask``.
        tell: the strategy's ``*_tell``.
        spread: the name of the state's ``[N]`` per-coordinate standard deviation, reported
            as ``result.stds``.

    Attributes:
        state: the current state (replaced, never mutated, by ask and tell).
    """

    def __init__(
        self,
        state: StateT,
        ask: Callable[[StateT], tuple[Float64Array, StateT]],
        tell: Callable[[StateT, Sequence[ArrayLike] | ArrayLike, ArrayLike], StateT],
        spread: str,
    ) -> None:
        self.state = state
        # Module-level functions and a name, so that the object pickles (checkpoints).
        self._ask, self._tell, self._spread = ask, tell, spread

    @property
    def popsize(self) -> int:
        """Candidates per generation."""
        return self.state.options.popsize

    @property
    def seed(self) -> int:
        """The seed in use (drawn from the operating system when none was given)."""
        return self.state.options.seed

    def ask(self) -> list[Float64Array]:
        """Sample ``popsize`` candidates, each ``[N]``."""
        solutions, self.state = self._ask(self.state)
        return list(solutions)

    def tell(self, solutions: Sequence[ArrayLike] | ArrayLike, function_values: ArrayLike) -> None:
        """Update the state from the candidates of the last :meth:`ask` and their values.

        Raises:
            RuntimeError: no ask awaits this tell (none yet, or the last one was told).
            ValueError: see :meth:`BaseES.tell`; the state is then unchanged.
        """
        _check_asked(self.state.asked, self.state.num_asks, "ask()")
        self.state = self._tell(self.state, solutions, function_values)

    @property
    def result(self) -> ESResult:
        """The best candidate ever told, and the current mean and per-coordinate spread."""
        s = self.state
        stds: Float64Array = getattr(s, self._spread)
        return ESResult(s.xbest, s.fbest, s.evals_best, s.evaluations, s.iterations, s.mean, stds)

    def __repr__(self) -> str:
        n = self.state.mean.size
        return f"{type(self).__name__}(dimension={n}, popsize={self.popsize}, seed={self.seed})"
