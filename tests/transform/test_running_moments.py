"""Tests for ``lagom.transform.running_moments`` (Moments, update_moments, RunningMeanVar)."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.transform import Moments, RunningMeanVar, update_moments
from tests.strategies.transform import batch_chunks


def _loop_moments(chunks: list[np.ndarray[Any, Any]]) -> tuple[Any, Any, int]:
    """Mean and population variance of all samples with explicit sums."""
    samples = [row for chunk in chunks for row in chunk]
    n = len(samples)
    mean = sum(samples) / n
    var = sum((s - mean) ** 2 for s in samples) / n
    return mean, var, n


def test_reference_example_is_exact() -> None:
    f = RunningMeanVar(shape=())
    f([1, 2])
    f([3])
    f([4])
    assert f.mean == 2.499937501562461
    assert f.var == 1.2501499923440393
    assert f.n == 4
    assert f.mean.shape == ()
    assert f.mean.dtype == np.float64


def test_initial_state_is_the_seed_prior() -> None:
    f = RunningMeanVar(shape=(2, 3))
    np.testing.assert_array_equal(f.mean, np.zeros((2, 3)))
    np.testing.assert_array_equal(f.var, np.ones((2, 3)))
    assert f.n == 0
    assert f.state.n == 1e-4
    assert f.shape == (2, 3)
    assert RunningMeanVar(shape=4).shape == (4,)


@given(
    st.sampled_from([(), (3,), (2, 2)]).flatmap(lambda s: st.tuples(st.just(s), batch_chunks(s)))
)
def test_exact_prior_gives_moments_of_all_data(case: tuple[Any, list[Any]]) -> None:
    shape, chunks = case
    state = Moments.initial(shape, n=0)
    for chunk in chunks:
        state = update_moments(state, chunk)
    mean, var, n = _loop_moments(chunks)
    data = np.concatenate(chunks)
    np.testing.assert_allclose(state.mean, mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(state.var, var, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(state.mean, data.mean(axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(state.var, data.var(axis=0), rtol=1e-9, atol=1e-6)
    assert state.n == n


@given(st.sampled_from([(), (3,)]).flatmap(lambda s: st.tuples(st.just(s), batch_chunks(s))))
def test_chunked_updates_equal_one_update(case: tuple[Any, list[Any]]) -> None:
    shape, chunks = case
    chunked = RunningMeanVar(shape)
    for chunk in chunks:
        chunked(chunk)
    whole = RunningMeanVar(shape)
    whole(np.concatenate(chunks))
    np.testing.assert_allclose(chunked.mean, whole.mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(chunked.var, whole.var, rtol=1e-9, atol=1e-6)
    assert chunked.n == whole.n == sum(len(c) for c in chunks)


def test_update_is_pure_and_states_are_immutable() -> None:
    state = Moments.initial((2,))
    batch = np.array([[1.0, 2.0], [3.0, 4.0]])
    new = update_moments(state, batch)
    assert new is not state
    np.testing.assert_array_equal(state.mean, [0.0, 0.0])
    np.testing.assert_array_equal(batch, [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        new.n = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        new.mean[0] = 1.0
    assert update_moments(new, np.zeros((0, 2))) is new
    assert new == update_moments(state, batch)


def test_state_can_be_saved_and_restored() -> None:
    f = RunningMeanVar(shape=(2,))
    f(np.array([[1.0, 2.0], [3.0, 5.0]]))
    g = RunningMeanVar(shape=(2,))
    g.state = f.state
    np.testing.assert_array_equal(g.mean, f.mean)
    with pytest.raises(ValueError, match=r"state must have shape \(2,\)"):
        g.state = Moments.initial(())
    with pytest.raises(TypeError, match="state must be Moments"):
        g.state = (f.mean, f.var, 2)  # type: ignore[assignment]


def test_rejects_bad_batches_and_states() -> None:
    f = RunningMeanVar(shape=(3,))
    with pytest.raises(ValueError, match=r"batch must have shape \[B, \*\(3,\)\]"):
        f(np.zeros(3))
    with pytest.raises(ValueError, match="batch dimension first"):
        f(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="real numbers"):
        f([["a", "b", "c"]])
    with pytest.raises(ValueError, match="same shape"):
        Moments(np.zeros(2), np.ones(3), 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        Moments(np.zeros(2), -np.ones(2), 1.0)
    with pytest.raises(ValueError, match="n must be >= 0"):
        Moments(np.zeros(2), np.ones(2), -1.0)
    with pytest.raises(TypeError, match="shape must be an int or a tuple"):
        RunningMeanVar(shape=[3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape entry must be at least 0"):
        RunningMeanVar(shape=(-1,))


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        ([1.0, float("nan")], "batch must be finite, got nan at index 1"),
        ([float("inf")], "batch must be finite, got inf at index 0"),
    ],
)
def test_a_non_finite_batch_is_refused_and_the_state_kept(batch: list[float], match: str) -> None:
    f = RunningMeanVar(shape=())
    f([1.0, 2.0, 3.0])
    before = f.state
    with pytest.raises(ValueError, match=match):
        f(batch)
    assert f.state is before
    f([4.0])  # still usable, as if the refused batch had never come
    clean = RunningMeanVar(shape=())
    clean([1.0, 2.0, 3.0])
    clean([4.0])
    assert (f.mean, f.var, f.n) == (clean.mean, clean.var, clean.n)
    with pytest.raises(ValueError, match=r"got nan at index \[0, 1\]"):
        update_moments(Moments.initial((2,)), [[0.0, float("nan")]])


def test_moments_refuse_what_no_data_can_give() -> None:
    with pytest.raises(TypeError, match="state must be Moments, got NoneType"):
        update_moments(None, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mean must be finite, got nan"):
        Moments(float("nan"), 1.0, 1.0)
    with pytest.raises(ValueError, match="var must be finite, got inf at index 1"):
        Moments([0.0, 0.0], [1.0, float("inf")], 1.0)
    with pytest.raises(TypeError, match="mean must hold real numbers"):
        Moments(None, 1.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="var must hold real numbers, got bools"):
        Moments(0.0, True, 1.0)
    with pytest.raises(ValueError, match="n must be finite, got inf"):
        Moments.initial((), n=float("inf"))


def test_a_variance_beyond_float64_is_refused_by_what_overflows() -> None:
    # The message named "var", a value the caller never passed.
    with pytest.raises(ValueError, match=r"variance of batch .* overflows float64: .* 1e\+200"):
        update_moments(Moments.initial((), n=0), [1e200, -1e200])
    running = RunningMeanVar(())
    with pytest.raises(ValueError, match="overflows float64"):
        running([1e200, -1e200])
    assert running.n == 0  # refused: the state is as it was
    assert float(running.var) == 1.0


def test_a_shape_beyond_physical_memory_is_refused_before_allocating() -> None:
    # Before: numpy's MemoryError for the [10**6, 10**6] mean.
    named = r"the number of entries of shape \(1000000, 1000000\) must be at most \d+"
    with pytest.raises(ValueError, match=named + r" \(what fits .*, got 1000000000000$"):
        Moments.initial((10**6, 10**6))
    with pytest.raises(ValueError, match=named):
        RunningMeanVar(shape=(10**6, 10**6))
