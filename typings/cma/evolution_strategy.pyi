from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from cma.optimization_tools import BestSolution
from cma.options_parameters import CMAOptions
from numpy.typing import ArrayLike, NDArray

class CMAEvolutionStrategyResult2:
    """What `CMAEvolutionStrategy.result` returns in cma 4.5: read the fields by name.

    ``best_feasible`` and ``runs`` are new in 4.5 and not reachable by index; index access
    (``result[0]`` is ``xbest``) is deprecated upstream.
    """

    xbest: NDArray[np.float64] | None
    fbest: float
    evals_best: int | None
    best_feasible: dict[str, Any]
    evaluations: int
    iterations: int
    xfavorite: NDArray[np.float64]
    stds: NDArray[np.float64]
    stop: dict[str, Any]
    runs: int
    def __init__(
        self,
        xbest: NDArray[np.float64] | None,
        fbest: float,
        evals_best: int | None,
        best_feasible: dict[str, Any],
        evaluations: int,
        iterations: int,
        xfavorite: NDArray[np.float64],
        stds: NDArray[np.float64],
        stop: dict[str, Any],
        runs: int,
    ) -> None: ...
    @property
    def names(self) -> list[str]: ...
    @property
    def asdict(self) -> dict[str, Any]: ...
    def __getitem__(self, i: int) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[tuple[str, Any]]: ...

class CMAEvolutionStrategy:
    """The CMA-ES optimizer with the ask-and-tell interface (minimizes).

    ``N`` is the dimension of the search space (``N_pheno`` of the solutions told).
    """

    N: int
    N_pheno: int
    countiter: int
    countevals: int
    sigma: float
    mean: NDArray[np.float64]
    best: BestSolution
    opts: CMAOptions
    def __init__(
        self,
        x0: ArrayLike | str | Callable[[], ArrayLike],
        sigma0: float | ArrayLike,
        inopts: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None: ...
    def ask(
        self,
        number: int | None = None,
        xmean: ArrayLike | None = None,
        sigma_fac: float = 1,
        gradf: Callable[..., ArrayLike] | None = None,
        args: tuple[Any, ...] = (),
        **kwargs: Any,
    ) -> list[NDArray[np.float64]]: ...
    def tell(
        self,
        solutions: Sequence[ArrayLike] | ArrayLike,
        function_values: ArrayLike,
        check_points: Sequence[int] | bool | None = None,
        copy: bool = False,
        constraints_values: Sequence[ArrayLike] | None = None,
    ) -> None: ...
    def stop(
        self,
        check: bool = True,
        ignore_list: Sequence[str] = (),
        check_in_same_iteration: bool = False,
        get_value: str | None = None,
    ) -> dict[str, Any]: ...
    @property
    def result(self) -> CMAEvolutionStrategyResult2: ...
    @property
    def popsize(self) -> int: ...
    @property
    def stds(self) -> NDArray[np.float64]: ...
    def disp(
        self, modulo: int | None = None, overwrite: int | None = None
    ) -> CMAEvolutionStrategy: ...
