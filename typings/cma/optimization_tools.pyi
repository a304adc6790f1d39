import numpy as np
from numpy.typing import NDArray

class BestSolution:
    """The best solution evaluated so far (``x`` is None before the first `tell`)."""

    x: NDArray[np.float64] | None
    f: float
    evals: int | None
    evalsall: int | None
    def __init__(
        self, x: NDArray[np.float64] | None = None, f: float = ..., evals: int | None = None
    ) -> None: ...
    def get(self) -> tuple[NDArray[np.float64] | None, float, int | None]: ...
