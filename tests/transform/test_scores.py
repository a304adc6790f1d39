"""Tests for ``lagom.transform.scores`` (explained variance)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lagom.transform import explained_variance
from tests.strategies.transform import finite_floats, float_arrays


def _oracle(
    y_true: list[list[float]], y_pred: list[list[float]], weights: list[float] | None = None
) -> list[float]:
    """Per-output explained variance, written out with plain loops (force_finite=True)."""
    T, K = len(y_true), len(y_true[0])
    w = weights if weights is not None else [1.0] * T
    total = sum(w)
    scores = []
    for k in range(K):
        residual = [y_true[t][k] - y_pred[t][k] for t in range(T)]
        residual_mean = sum(w[t] * residual[t] for t in range(T)) / total
        numerator = sum(w[t] * (residual[t] - residual_mean) ** 2 for t in range(T)) / total
        true_mean = sum(w[t] * y_true[t][k] for t in range(T)) / total
        denominator = sum(w[t] * (y_true[t][k] - true_mean) ** 2 for t in range(T)) / total
        if numerator == 0:
            scores.append(1.0)
        elif denominator == 0:
            scores.append(0.0)
        else:
            scores.append(1 - numerator / denominator)
    return scores


@pytest.mark.parametrize(
    ("y_true", "y_pred", "expected"),
    [
        ([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], 0.9571734475374732),
        ([[3, -0.5, 2, 7]], [[2.5, 0.0, 2, 8]], 0.9571734475374732),
        ([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]], 0.9838709677419355),
        ([[0.5, 1], [-1, 10], [7, -6]], [[0, 2], [-1, 0.00005], [8, -5]], 0.6704023148857179),
    ],
)
def test_reference_examples(y_true: Any, y_pred: Any, expected: float) -> None:
    result = explained_variance(y_true=y_true, y_pred=y_pred)
    assert type(result) is float
    assert result == pytest.approx(expected, rel=1e-15, abs=0)


def test_raw_values_per_output() -> None:
    # scikit-learn's documented per-output scores for this data: 0.967... and 1.
    y_true: Any = [[0.5, 1], [-1, 1], [7, -6]]
    y_pred: Any = [[0, 2], [-1, 2], [8, -5]]
    scores = explained_variance(y_true, y_pred, multioutput="raw_values")
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, [30 / 31, 1.0])  # 1 - (7/18) / (217/18)


def test_variance_weighted_and_custom_weights() -> None:
    y_true: Any = [[0.5, 1], [-1, 1], [7, -6]]
    y_pred: Any = [[0, 2], [-1, 2], [8, -5]]
    scores = _oracle(y_true, y_pred)
    variances = [float(np.var([0.5, -1, 7])), float(np.var([1, 1, -6]))]
    weighted = explained_variance(y_true, y_pred, multioutput="variance_weighted")
    assert weighted == pytest.approx(np.average(scores, weights=variances))
    custom = explained_variance(y_true, y_pred, multioutput=[3.0, 1.0])
    assert custom == pytest.approx(0.75 * scores[0] + 0.25 * scores[1])


def test_constant_targets_follow_scikit_learn() -> None:
    assert explained_variance([-2, -2, -2], [-2, -2, -2]) == 1.0
    assert explained_variance([-2, -2, -2], [-2, -2, -2 + 1e-8]) == 0.0
    assert math.isnan(explained_variance([-2, -2, -2], [-2, -2, -2], force_finite=False))
    assert explained_variance([-2, -2, -2], [-2, -2, -2 + 1e-8], force_finite=False) == -math.inf
    # A constant output's -inf weighted 0 beside a varying one: NaN, without a warning.
    y_true, y_pred = [[1.0, 2.0], [1.0, 3.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 3.0], [0.0, 1.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weighted = explained_variance(
            y_true, y_pred, multioutput="variance_weighted", force_finite=False
        )
        uniform = explained_variance(y_true, y_pred, force_finite=False)
    assert math.isnan(weighted)
    assert uniform == -math.inf
    # One sample: no variance at all, so a perfect score, as scikit-learn gives.
    assert explained_variance([5.0], [4.0]) == 1.0
    assert explained_variance([[5.0]], [[4.0]]) == 1.0


def test_variance_weighted_falls_back_to_uniform_when_all_outputs_are_constant() -> None:
    y_true = [[1.0, 2.0], [1.0, 2.0]]
    y_pred = [[1.0, 2.0], [1.0, 3.0]]  # scores 1 (perfect) and 0 (imperfect)
    assert explained_variance(y_true, y_pred, multioutput="variance_weighted") == 0.5


def test_sample_weight() -> None:
    y_true, y_pred = [[1.0], [2.0], [4.0], [3.0]], [[1.5], [2.0], [3.0], [3.5]]
    weights = [1.0, 2.0, 0.5, 3.0]
    expected = _oracle(y_true, y_pred, weights)[0]
    assert explained_variance(y_true, y_pred, sample_weight=weights) == pytest.approx(expected)
    # Integer weights are repetitions.
    repeated = explained_variance([1, 2, 2, 3], [1.5, 2.5, 2.5, 2.0])
    assert explained_variance([1, 2, 3], [1.5, 2.5, 2.0], sample_weight=[1, 2, 1]) == (
        pytest.approx(repeated)
    )


@st.composite
def _regression_data(draw: st.DrawFn) -> tuple[Any, Any]:
    T = draw(st.integers(2, 12))
    K = draw(st.integers(1, 3))
    y_true = draw(float_arrays((T, K), elements=st.integers(-10, 10).map(float)))
    assume(np.all(np.ptp(y_true, axis=0) > 0))  # every output varies
    y_pred = draw(float_arrays((T, K), elements=finite_floats))
    return y_true, y_pred


@given(_regression_data())
def test_raw_values_equal_plain_loop_oracle(data: tuple[Any, Any]) -> None:
    y_true, y_pred = data
    scores = explained_variance(y_true, y_pred, multioutput="raw_values")
    expected = _oracle(y_true.tolist(), y_pred.tolist())
    np.testing.assert_allclose(scores, expected, rtol=1e-9, atol=1e-9)
    mean = explained_variance(y_true, y_pred)
    assert mean == pytest.approx(float(np.mean(expected)), rel=1e-9, abs=1e-9)


@given(float_arrays(st.tuples(st.integers(1, 10), st.integers(1, 3))))
def test_perfect_prediction_scores_one(y: np.ndarray[Any, Any]) -> None:
    assert explained_variance(y, y.copy()) == 1.0
    np.testing.assert_array_equal(explained_variance(y, y.copy(), multioutput="raw_values"), 1.0)


@given(_regression_data(), st.floats(-100, 100))
def test_constant_offset_is_not_penalized(data: tuple[Any, Any], offset: float) -> None:
    y_true, _ = data
    assert explained_variance(y_true, y_true + offset) == pytest.approx(1.0, abs=1e-9)


def test_inputs_are_not_modified() -> None:
    y_true, y_pred = np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 2.5, 2.0]])
    explained_variance(y_true, y_pred)
    np.testing.assert_array_equal(y_true, [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(y_pred, [[1.0, 2.5, 2.0]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0, 3.0]}, "same shape after squeezing"),
        ({"y_true": np.ones((2, 2, 2)), "y_pred": np.ones((2, 2, 2))}, r"\[T\] or \[T, K\]"),
        ({"y_true": [], "y_pred": []}, "at least one sample"),
        ({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "sample_weight": [1.0]}, r"shape \(2,\)"),
        ({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "sample_weight": [1.0, -1.0]}, "negative"),
        ({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "sample_weight": [0.0, 0.0]}, "positive"),
        ({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "multioutput": "mean"}, "one of"),
        ({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "multioutput": [1.0]}, "more than one"),
        (
            {"y_true": [[1.0, 2.0], [0, 1]], "y_pred": [[1.0, 2.0], [0, 1]], "multioutput": [1.0]},
            r"shape \(2,\)",
        ),
    ],
)
def test_rejects_bad_input(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        explained_variance(**kwargs)


def test_rejects_non_numeric_input() -> None:
    with pytest.raises(TypeError, match="y_true must hold real numbers"):
        explained_variance(["a", "b"], [1.0, 2.0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"y_true": [1.0, math.nan, 3.0]}, ValueError, "y_true must be finite, got nan at index 1"),
        ({"y_pred": [[1.0, 2.0, math.inf]]}, ValueError, r"y_pred must be finite.*\[0, 2\]"),
        ({"sample_weight": [1.0, math.inf, 1.0]}, ValueError, "sample_weight must be finite"),
        ({"force_finite": 1}, TypeError, "force_finite must be a bool"),
    ],
)
def test_non_finite_inputs_are_refused(kwargs: dict[str, Any], error: type, match: str) -> None:
    arguments: dict[str, Any] = {"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 2.5, 3.0], **kwargs}
    with pytest.raises(error, match=match):
        explained_variance(**arguments)


def test_non_finite_output_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="multioutput must be finite, got nan at index 0"):
        explained_variance([[1, 2], [3, 4]], [[1, 2], [3, 5]], multioutput=[math.nan, 1.0])


def test_values_and_weights_near_the_float_range_give_the_score_of_small_ones() -> None:
    # Squares of 1e200 and a sum of 3e308 overflowed: 1.0 and NaN came back.
    small = explained_variance([1, 2, 3], [1, 2, 4])
    assert explained_variance([1, 2, 3], [1, 2, 4], sample_weight=[1e308] * 3) == small
    assert explained_variance([1e200, 2e200, 3e200], [1e200, 2e200, 4e200]) == pytest.approx(small)
    assert explained_variance([1e200, -1e200], [0, 0]) == 0.0
    assert explained_variance([1e200, -1e200], [1e200, -1e200]) == 1.0
