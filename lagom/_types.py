"""Array type aliases shared by every lagom module (private: import from here only)."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ArrayLike",
    "BoolArray",
    "Float32Array",
    "Float64Array",
    "FloatArray",
    "IntArray",
    "NDArray",
]

#: Any floating-point array (float16/32/64); most math keeps the input's float dtype.
FloatArray: TypeAlias = NDArray[np.floating[Any]]
Float32Array: TypeAlias = NDArray[np.float32]
Float64Array: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.integer[Any]]
BoolArray: TypeAlias = NDArray[np.bool_]
