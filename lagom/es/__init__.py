"""Evolution strategies: ask for candidates, evaluate them, tell their values; all minimize.

:class:`CMAES` wraps pycma; :class:`CEM` and :class:`OpenAIES` are thin classes over pure
state updates (``cem_init/cem_ask/cem_tell``, ``openaies_init/openaies_ask/openaies_tell``)
on frozen states. :class:`PopulationEvaluator` evaluates populations in a process pool that
lives across generations.

Example:
    >>> import numpy as np
    >>> from lagom.es import CMAES
    >>> es = CMAES([0.5] * 3, 0.3, {"seed": 2})
    >>> for _ in range(30):
    ...     solutions = es.ask()
    ...     es.tell(solutions, [float(np.sum(x**2)) for x in solutions])
    >>> bool(es.result.fbest < 1e-3)
    True
"""

from __future__ import annotations

from lagom.es.base import BaseES, ESResult
from lagom.es.cem import CEM, CEMOptions, CEMState, cem_ask, cem_init, cem_tell
from lagom.es.cmaes import CMAES
from lagom.es.openaies import (
    OpenAIES,
    OpenAIESOptions,
    OpenAIESState,
    openaies_ask,
    openaies_init,
    openaies_tell,
)
from lagom.es.parallel import PopulationEvaluator, evaluate_population

__all__ = [
    "CEM",
    "CMAES",
    "BaseES",
    "CEMOptions",
    "CEMState",
    "ESResult",
    "OpenAIES",
    "OpenAIESOptions",
    "OpenAIESState",
    "PopulationEvaluator",
    "cem_ask",
    "cem_init",
    "cem_tell",
    "evaluate_population",
    "openaies_ask",
    "openaies_init",
    "openaies_tell",
]
