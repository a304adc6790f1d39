"""Replace values by their ranks: :func:`rank_transform`."""

from __future__ import annotations

from typing import Literal, overload

import numpy as np

from lagom._checks import as_float_array, check_bool, check_finite
from lagom._types import ArrayLike, Float64Array, FloatArray, FloatT, IntoFloat64, NDArray

__all__ = ["rank_transform"]


@overload
def rank_transform(x: ArrayLike, centered: Literal[False]) -> NDArray[np.int64]: ...


@overload
def rank_transform(x: NDArray[FloatT], centered: Literal[True] = True) -> NDArray[FloatT]: ...


@overload
def rank_transform(x: IntoFloat64, centered: Literal[True] = True) -> Float64Array: ...


@overload
def rank_transform(x: ArrayLike, centered: Literal[True] = True) -> FloatArray: ...


@overload
def rank_transform(x: ArrayLike, centered: bool = True) -> NDArray[np.int64] | FloatArray: ...


def rank_transform(x: ArrayLike, centered: bool = True) -> NDArray[np.int64] | FloatArray:
    r"""Rank of each element of a vector: ``ranks[i] = k`` when ``x[i]`` is the ``k``-th smallest.

    Ranks are insensitive to the scale of the values, so outliers cannot dominate: OpenAI-ES
    uses centered ranks of the population's fitness values (fitness shaping) instead of the
    raw values.

    - uncentered: the ranks :math:`r_i \in \{0, \dots, n-1\}`, a permutation;
    - centered: :math:`r_i / (n - 1) - 0.5`, evenly spaced in ``[-0.5, 0.5]`` (a single
      element gets ``0.0``).

    Ties are broken by position, deterministically: equal values get consecutive ranks in
    the order in which they appear (a stable sort), so the ranks are always a permutation.
    ``inf`` and ``-inf`` are ordered like numbers (largest and smallest), so an evaluation
    that failed and was reported as ``inf`` simply ranks last; NaN has no place in an order
    and is refused.

    Args:
        x: a ``[n]`` vector of real values.
        centered: whether to return centered ranks (default) or integer ranks.

    Returns:
        ``[n]`` int64 ranks, or ``[n]`` centered ranks in the float dtype of ``x`` (float64
        for bool and int input). ``x`` is not modified.

    Raises:
        TypeError: ``x`` holds non-real values or ``centered`` is not a bool.
        ValueError: ``x`` is not 1-D, or holds a NaN (the message names its index).

    Example:
        >>> rank_transform([3, 14, 1], centered=True)
        array([ 0. ,  0.5, -0.5])
        >>> rank_transform([3, 14, 1], centered=False)
        array([1, 2, 0])
        >>> rank_transform([2.0, 1.0, 2.0, 1.0], centered=False)
        array([2, 0, 3, 1])
        >>> rank_transform([float("inf"), 1.0, 2.0], centered=False)
        array([2, 0, 1])
    """
    centered = check_bool("centered", centered)
    values = as_float_array(x, "x")
    if values.ndim != 1:
        raise ValueError(f"x must be a 1-D vector, got an array of shape {values.shape}")
    check_finite("x", values, allow_inf=True)
    n = values.size
    given = np.asarray(x)
    # Integers are ordered as themselves: above 2**53 float64 would merge neighbours.
    keys = given if given.dtype.kind in "iu" else values
    ranks = np.empty(n, dtype=np.int64)
    ranks[np.argsort(keys, kind="stable")] = np.arange(n, dtype=np.int64)
    if not centered:
        return ranks
    if n == 1:
        return np.zeros(1, dtype=values.dtype)
    centered_ranks: FloatArray = (ranks / (n - 1) - 0.5).astype(values.dtype, copy=False)
    return centered_ranks
