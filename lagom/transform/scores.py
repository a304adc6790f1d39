"""How much of the variance of a target a prediction explains: :func:`explained_variance`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import numpy as np

from lagom._checks import as_float_array, check_bool, check_finite
from lagom._types import ArrayLike, Float64Array, FloatArray

__all__ = ["explained_variance"]

_AVERAGES = ("raw_values", "uniform_average", "variance_weighted")


@overload
def explained_variance(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: Literal["raw_values"],
    force_finite: bool = True,
) -> Float64Array: ...


@overload
def explained_variance(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: Literal["uniform_average", "variance_weighted"]
    | Sequence[float]
    | FloatArray = "uniform_average",
    force_finite: bool = True,
) -> float: ...


def explained_variance(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: str | Sequence[float] | FloatArray = "uniform_average",
    force_finite: bool = True,
) -> float | Float64Array:
    r"""Explained variance regression score, as ``sklearn.metrics.explained_variance_score``.

    For each output column, with :math:`\hat y` the prediction and (weighted) variances over
    samples,

    .. math::
        \mathrm{EV}(y, \hat y) = 1 - \frac{\mathrm{Var}(y - \hat y)}{\mathrm{Var}(y)}.

    1 is a perfect prediction, 0 is no better than a constant, negative is worse. Both inputs
    are first squeezed (``np.squeeze``), as in the seed, so ``[1, T]`` and ``[T, 1]`` rows
    count as ``T`` samples of one output. Edge cases follow scikit-learn:

    - constant ``y`` (zero denominator, including a single sample): with ``force_finite``
      the score is 1.0 when the residual variance is also zero and 0.0 otherwise; without it
      the plain formula gives NaN or -inf;
    - ``"variance_weighted"`` falls back to uniform weights when every output is constant.

    Everything is computed in float64.

    Args:
        y_true: ground truth, ``[T]`` or ``[T, K]`` (``T`` samples of ``K`` outputs) after
            squeezing; must have the same squeezed shape as ``y_pred``.
        y_pred: the prediction for each entry of ``y_true``.
        sample_weight: optional non-negative ``[T]`` weights with a positive sum.
        multioutput: how to combine the ``K`` scores: ``"uniform_average"`` (default),
            ``"variance_weighted"`` (weights :math:`\mathrm{Var}(y_k)`), ``"raw_values"``
            (return all ``K`` scores) or ``K`` non-negative weights (only when ``K > 1``).
        force_finite: replace the non-finite scores of constant outputs (see above).

    Returns:
        A Python float, or a ``[K]`` float64 array for ``multioutput="raw_values"``.

    Raises:
        TypeError: an input holds non-real values, or ``force_finite`` is not a bool.
        ValueError: the squeezed shapes differ, are not 0-, 1- or 2-D, or are empty; an
            input or a weight is NaN or infinite (the message names the argument and the
            index, in the array as given); the weights have the wrong shape, are negative or
            sum to zero; ``multioutput`` is unknown or has the wrong length.

    Example:
        >>> explained_variance(y_true=[3, -0.5, 2, 7], y_pred=[2.5, 0.0, 2, 8])
        0.9571734475374732
        >>> explained_variance(y_true=[[3, -0.5, 2, 7]], y_pred=[[2.5, 0.0, 2, 8]])
        0.9571734475374732
        >>> explained_variance(
        ...     y_true=[[0.5, 1], [-1, 1], [7, -6]], y_pred=[[0, 2], [-1, 2], [8, -5]]
        ... )
        0.9838709677419355
        >>> explained_variance(
        ...     y_true=[[0.5, 1], [-1, 10], [7, -6]], y_pred=[[0, 2], [-1, 0.00005], [8, -5]]
        ... )
        0.6704023148857179
        >>> explained_variance([-2, -2, -2], [-2, -2, -1])
        0.0
    """
    force_finite = check_bool("force_finite", force_finite)
    true = np.squeeze(check_finite("y_true", as_float_array(y_true, "y_true"))).astype(np.float64)
    pred = np.squeeze(check_finite("y_pred", as_float_array(y_pred, "y_pred"))).astype(np.float64)
    if true.shape != pred.shape:
        raise ValueError(
            "y_true and y_pred must have the same shape after squeezing, "
            f"got {true.shape} and {pred.shape}"
        )
    if true.ndim > 2:
        raise ValueError(f"y_true must be [T] or [T, K] after squeezing, got shape {true.shape}")
    if true.size == 0:
        raise ValueError("explained_variance needs at least one sample, got empty arrays")
    true = true.reshape(true.shape[0] if true.ndim else 1, -1)
    pred = pred.reshape(true.shape)
    weights = _check_weights(sample_weight, true.shape[0])
    # The score is unchanged by scaling y_true and y_pred together: values whose squares
    # (or differences) would overflow float64 are brought to 1 first.
    scale = max(float(np.abs(true).max()), float(np.abs(pred).max()))
    if scale > 1e150:
        true, pred = true / scale, pred / scale

    residual = true - pred
    residual_avg = np.average(residual, weights=weights, axis=0)
    numerator = np.average((residual - residual_avg) ** 2, weights=weights, axis=0)
    true_avg = np.average(true, weights=weights, axis=0)
    denominator = np.average((true - true_avg) ** 2, weights=weights, axis=0)

    nonzero_denominator = denominator != 0
    if force_finite:
        nonzero_numerator = numerator != 0
        scores = np.ones(true.shape[1], dtype=np.float64)
        valid = nonzero_denominator & nonzero_numerator
        scores[valid] = 1 - numerator[valid] / denominator[valid]
        scores[nonzero_numerator & ~nonzero_denominator] = 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1 - numerator / denominator

    if isinstance(multioutput, str):
        if multioutput not in _AVERAGES:
            raise ValueError(
                f"multioutput must be one of {_AVERAGES} or weights, got {multioutput!r}"
            )
        if multioutput == "raw_values":
            return scores
        average_weights: Float64Array | None = None
        if multioutput == "variance_weighted" and np.any(nonzero_denominator):
            average_weights = denominator
    else:
        average_weights = _check_output_weights(multioutput, true.shape[1])
    # Without force_finite, a constant output's -inf or NaN makes the average NaN (a zero
    # weight times -inf included), as in scikit-learn, and not a warning from numpy.
    with np.errstate(invalid="ignore"):
        return float(np.average(scores, weights=average_weights))


def _check_weights(sample_weight: ArrayLike | None, T: int) -> Float64Array | None:
    if sample_weight is None:
        return None
    weights = as_float_array(sample_weight, "sample_weight").astype(np.float64)
    if weights.shape != (T,):
        raise ValueError(f"sample_weight must have shape ({T},), got {weights.shape}")
    check_finite("sample_weight", weights)
    if np.any(~(weights >= 0)) or not weights.max() > 0:
        raise ValueError("sample_weight must be non-negative with a positive sum")
    # Weighted averages are unchanged by scaling the weights: a sum that would overflow
    # (weights near 1e308) is avoided by bringing the largest to 1.
    return weights / weights.max() if weights.max() > 1e300 else weights


def _check_output_weights(multioutput: Sequence[float] | FloatArray, K: int) -> Float64Array:
    weights = as_float_array(multioutput, "multioutput").astype(np.float64)
    if K == 1:
        raise ValueError("custom multioutput weights need more than one output, got one")
    if weights.shape != (K,):
        raise ValueError(f"multioutput weights must have shape ({K},), got {weights.shape}")
    check_finite("multioutput", weights)
    if np.any(~(weights >= 0)) or not weights.sum() > 0:
        raise ValueError("multioutput weights must be non-negative with a positive sum")
    return weights
