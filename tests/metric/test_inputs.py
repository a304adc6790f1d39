"""``lagom.metric._inputs``: what every batched metric accepts, refuses, and returns."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lagom.metric import (
    batched_gae,
    batched_returns,
    batched_td0_error,
    batched_td0_target,
    batched_vtrace,
)

BATCHED: list[Callable[..., Any]] = [
    batched_returns,
    batched_td0_target,
    batched_td0_error,
    batched_gae,
    batched_vtrace,
]
T, N = 5, 3


def _arguments(**overrides: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    arguments: dict[str, Any] = {
        "gamma": 0.9,
        "lam": 0.95,
        "rewards": rng.standard_normal((T, N)),
        "values": rng.standard_normal((T, N)),
        "next_values": rng.standard_normal((T, N)),
        "terminated": rng.random((T, N)) < 0.2,
        "truncated": rng.random((T, N)) < 0.2,
        "behavior_logprobs": -rng.random((T, N)),
        "target_logprobs": -rng.random((T, N)),
    }
    arguments.update(overrides)
    return arguments


def _call(fn: Callable[..., Any], **overrides: Any) -> Any:
    arguments = _arguments(**overrides)
    names = [name for name in inspect.signature(fn).parameters if name in arguments]
    return fn(**{name: arguments[name] for name in names})


def _outputs(result: Any) -> tuple[np.ndarray, ...]:
    return tuple(result) if isinstance(result, tuple) else (result,)


def _array_parameters(fn: Callable[..., Any]) -> list[str]:
    # ``out`` (batched_gae's optional result array) is no input: test_gae checks it.
    scalars = {"gamma", "lam", "clip_rho", "clip_pg_rho", "clip_c", "out"}
    return [name for name in inspect.signature(fn).parameters if name not in scalars]


MISMATCHES = [(fn, name) for fn in BATCHED for name in _array_parameters(fn) if name != "rewards"]


@pytest.mark.parametrize(("fn", "name"), MISMATCHES, ids=lambda x: getattr(x, "__name__", x))
@pytest.mark.parametrize("shape", [(T, N + 1), (T + 1, N), (T,), (T, N, 1)])
def test_every_shape_mismatch_is_refused(
    fn: Callable[..., Any], name: str, shape: tuple[int, ...]
) -> None:
    bad = np.zeros(shape, dtype=bool if name in ("terminated", "truncated") else float)
    with pytest.raises(ValueError, match=f"{name} must have the same shape as rewards") as info:
        _call(fn, **{name: bad})
    assert str(shape) in str(info.value)


@pytest.mark.parametrize("fn", BATCHED)
def test_a_batch_needs_a_time_axis(fn: Callable[..., Any]) -> None:
    scalars = {name: np.float64(1.0) for name in _array_parameters(fn)}
    scalars.update(terminated=np.bool_(False), truncated=np.bool_(False))
    with pytest.raises(ValueError, match=r"rewards must be time-major \[T, \*B\]"):
        _call(fn, **scalars)


@pytest.mark.parametrize("fn", BATCHED)
@pytest.mark.parametrize("gamma", [-0.1, 1.0001, float("nan"), float("inf")])
def test_gamma_outside_the_unit_interval_is_refused(fn: Callable[..., Any], gamma: float) -> None:
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\]"):
        _call(fn, gamma=gamma)


@pytest.mark.parametrize("fn", BATCHED)
def test_gamma_must_be_a_number(fn: Callable[..., Any]) -> None:
    with pytest.raises(TypeError, match="gamma must be a real number, got str"):
        _call(fn, gamma="0.9")


@pytest.mark.parametrize("lam", [-0.5, 1.5, float("nan")])
def test_lam_outside_the_unit_interval_is_refused(lam: float) -> None:
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\]"):
        _call(batched_gae, lam=lam)


@pytest.mark.parametrize("name", ["clip_rho", "clip_pg_rho", "clip_c"])
@pytest.mark.parametrize("clip", [0.0, -1.0, float("nan")])
def test_clips_must_be_positive(name: str, clip: float) -> None:
    with pytest.raises(ValueError, match=f"{name} must be positive"):
        _call(batched_vtrace, **{name: clip})


FLAGS = [
    (fn, flag)
    for fn in BATCHED
    for flag in ("terminated", "truncated")
    if flag in inspect.signature(fn).parameters
]


@pytest.mark.parametrize(("fn", "flag"), FLAGS, ids=lambda x: getattr(x, "__name__", x))
@pytest.mark.parametrize("bad", [2.0, np.nan])
def test_flags_must_be_booleans_or_zero_one(fn: Callable[..., Any], flag: str, bad: float) -> None:
    values = np.zeros((T, N))
    values[0, 0] = bad
    with pytest.raises(
        ValueError, match=f"{flag} must hold booleans or 0/1, got the value {bad:g}"
    ):
        _call(fn, **{flag: values})
    # 0/1 integers are the same flags as booleans: every output matches the bool call.
    ones = _outputs(_call(fn, **{flag: np.ones((T, N), dtype=np.int64)}))
    flags = _outputs(_call(fn, **{flag: np.ones((T, N), dtype=bool)}))
    for got, expected in zip(ones, flags, strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("fn", BATCHED)
@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (np.ones((T, N), dtype=complex), TypeError, "rewards must hold real numbers"),
        ([["a"] * N] * T, TypeError, "rewards must hold real numbers"),
        (None, TypeError, "rewards is required, got None"),
        ([[1.0, 2.0], [1.0]], ValueError, "rewards must be array-like of numbers"),
    ],
)
def test_non_numeric_rewards_are_refused(
    fn: Callable[..., Any], value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _call(fn, rewards=value)


@pytest.mark.parametrize("fn", BATCHED)
@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ((np.float32, np.float32), np.float32),
        ((np.float64, np.float64), np.float64),
        ((np.float16, np.float16), np.float16),
        ((np.float32, np.float64), np.float64),
        ((np.int64, np.int64), np.float64),
        ((np.int32, np.float32), np.float32),
        ((np.bool_, np.int8), np.float64),
    ],
)
def test_output_dtype_follows_the_float_inputs(
    fn: Callable[..., Any], dtypes: tuple[Any, Any], expected: Any
) -> None:
    rewards_dtype, other_dtype = dtypes
    arguments = _arguments()
    overrides = {
        name: np.asarray(arguments[name] > 0).astype(other_dtype)
        for name in _array_parameters(fn)
        if name not in ("rewards", "terminated", "truncated")
    }
    rewards = np.asarray(arguments["rewards"] > 0).astype(rewards_dtype)
    for output in _outputs(_call(fn, rewards=rewards, **overrides)):
        assert output.dtype == expected
        assert output.shape == (T, N)


@pytest.mark.parametrize("fn", BATCHED)
@pytest.mark.parametrize("batch_shape", [(), (2, 3), (0,)])
def test_outputs_keep_the_time_major_shape(
    fn: Callable[..., Any], batch_shape: tuple[int, ...]
) -> None:
    shape = (T, *batch_shape)
    arguments = {
        name: np.zeros(shape, dtype=bool if name in ("terminated", "truncated") else float)
        for name in _array_parameters(fn)
    }
    for output in _outputs(_call(fn, **arguments)):
        assert output.shape == shape


@pytest.mark.parametrize("fn", BATCHED)
def test_nested_lists_are_accepted(fn: Callable[..., Any]) -> None:
    arguments = {name: np.asarray(value).tolist() for name, value in _arguments().items()}
    listed = _outputs(_call(fn, **arguments))
    for got, expected in zip(listed, _outputs(_call(fn)), strict=True):
        np.testing.assert_array_equal(got, expected)
