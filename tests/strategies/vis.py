"""Hypothesis strategies for ``lagom.vis``: small batches of images and grid settings."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["grid_settings", "image_batches"]


@st.composite
def image_batches(draw: st.DrawFn, float_01: bool = False) -> np.ndarray[Any, Any]:
    """``[N, C, H, W]`` images, ``C`` in (1, 3), small sizes; uint8, or floats in [0, 1]."""
    shape = (
        draw(st.integers(1, 7)),
        draw(st.sampled_from([1, 3])),
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
    )
    if float_01:
        return draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0)))
    return draw(hnp.arrays(np.uint8, shape))


#: ``(ncol, padding, pad_value)`` of a grid.
grid_settings = st.tuples(st.integers(1, 5), st.integers(0, 3), st.integers(0, 255))
