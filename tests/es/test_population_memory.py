"""A population larger than this machine's memory is refused when the strategy is made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lagom.es import CEM, CMAES, OpenAIES


@pytest.mark.parametrize("strategy", [CEM, OpenAIES, CMAES])
def test_a_population_beyond_physical_memory_is_refused_up_front(
    strategy: Callable[..., Any],
) -> None:
    # Before: CEM's and OpenAIES's first ask raised numpy's MemoryError (22 TiB here);
    # CMA-ES hung in pycma.
    with pytest.raises(ValueError, match=r"popsize must be at most \d+ for 3 coordinates \(what"):
        strategy([0.0] * 3, 1.0, {"popsize": 10**12, "seed": 0})
