"""Array type aliases shared by every lagom module (private: import from here only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ArrayLike",
    "ArrayOrTensor",
    "BoolArray",
    "Float32Array",
    "Float64Array",
    "FloatArray",
    "FloatT",
    "IntArray",
    "IntoFloat64",
    "NDArray",
    "RealArray",
    "TensorLike",
]

#: Any floating-point array (float16/32/64); most math keeps the input's float dtype.
FloatArray: TypeAlias = NDArray[np.floating[Any]]
Float32Array: TypeAlias = NDArray[np.float32]
Float64Array: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.integer[Any]]
BoolArray: TypeAlias = NDArray[np.bool_]
#: Real numbers: integers or floats (a rollout's rewards keep the dtype they were given).
RealArray: TypeAlias = NDArray[np.integer[Any] | np.floating[Any]]


class TensorLike(Protocol):
    """What the torch-free core takes for a tensor: ``torch.Tensor`` satisfies it structurally.

    Code that accepts tensors without importing torch converts them as
    ``x.detach().cpu().numpy(force=True)``.
    """

    def detach(self) -> TensorLike: ...

    def cpu(self) -> TensorLike: ...

    def numpy(self, *, force: bool = ...) -> NDArray[Any]: ...


#: An array input of the torch-free core: anything numpy reads as an array, or a tensor.
ArrayOrTensor: TypeAlias = ArrayLike | TensorLike

#: The float dtypes that dtype-preserving overloads follow (float32 in, float32 out).
FloatT = TypeVar("FloatT", np.float32, np.float64)

#: Inputs that the float transforms compute in float64: Python numbers in a (nested) list or
#: tuple, and bool or int arrays (no float dtype to keep, so float64 it is).
IntoFloat64: TypeAlias = (
    Sequence[float] | Sequence[Sequence[float]] | NDArray[np.integer[Any] | np.bool_]
)
