"""Centered ranks of OpenAI's evolution-strategies-starter, the outside reference.

``compute_ranks`` and ``compute_centered_ranks`` of ``es_distributed/es.py`` in
https://github.com/openai/evolution-strategies-starter, ported line by line (only the
type annotations added), so that lagom's ``rank_transform`` and ``OpenAIES`` are compared
with the starter's own code, never with a copy of lagom's formulas. The starter's
``assert`` on the input is its own line and is kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["compute_centered_ranks", "compute_ranks"]

Array = np.ndarray[Any, Any]


def compute_ranks(x: Array) -> Array:
    """Ranks in ``[0, len(x))`` of a 1-D array (not ``scipy.stats.rankdata``'s ``[1, len(x)]``).

    Ties fall wherever ``argsort``'s quicksort puts them.
    """
    assert x.ndim == 1
    ranks = np.empty(len(x), dtype=int)
    ranks[x.argsort()] = np.arange(len(x))
    return ranks


def compute_centered_ranks(x: Array) -> Array:
    """Ranks of all of ``x`` together (ravelled), scaled to ``[-0.5, 0.5]`` in float32."""
    y: Array = compute_ranks(x.ravel()).reshape(x.shape).astype(np.float32)
    y /= x.size - 1
    y -= 0.5
    return y
