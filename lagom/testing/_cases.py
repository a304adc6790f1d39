"""What the estimator suites draw: one batch with its discounts (and log-probabilities).

A case is flat, so a shrunk counterexample prints as a short list of named arrays; the
fields an estimator does not take are ``None`` and are not printed.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom._types import BoolArray, FloatArray
from lagom.testing.strategies import ValueBatch, discounts, value_arrays, value_batches

__all__ = ["Case", "cases", "long_horizon_cases", "required"]

FloatDType = type[np.float32] | type[np.float64]


@attrs.frozen(eq=False)
class Case:
    """Inputs of one call in lagom's conventions, time-major ``[T, N]``."""

    gamma: float
    lam: float | None
    rewards: FloatArray
    values: FloatArray | None
    next_values: FloatArray
    terminated: BoolArray
    truncated: BoolArray
    behavior_logprobs: FloatArray | None = None
    target_logprobs: FloatArray | None = None

    @property
    def T(self) -> int:
        return int(self.rewards.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.rewards.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.rewards.dtype

    @property
    def done(self) -> BoolArray:
        done: BoolArray = self.terminated | self.truncated
        return done

    def floats(self) -> dict[str, FloatArray]:
        """The float arrays present, by name."""
        names = ("rewards", "values", "next_values", "behavior_logprobs", "target_logprobs")
        return {name: a for name in names if (a := getattr(self, name)) is not None}

    # Any: attrs.evolve takes each field's own type.
    def replace(self, **changes: Any) -> Case:
        return attrs.evolve(self, **changes)

    def astype(self, dtype: FloatDType) -> Case:
        return self.replace(**{name: a.astype(dtype) for name, a in self.floats().items()})

    def rows(self, start: int, stop: int) -> Case:
        """Steps ``start..stop-1`` (new arrays)."""
        changes: dict[str, Any] = {n: a[start:stop].copy() for n, a in self.floats().items()}
        changes["terminated"] = self.terminated[start:stop].copy()
        changes["truncated"] = self.truncated[start:stop].copy()
        return self.replace(**changes)


def required(value: FloatArray | None, name: str) -> FloatArray:
    """``value``, which the estimator's cases always hold (``None`` is a bug of the kit)."""
    if value is None:
        raise TypeError(f"this estimator's cases hold no {name}")
    return value


def _case(
    batch: ValueBatch,
    gamma: float,
    lam: float | None,
    with_values: bool,
    logprobs: tuple[FloatArray, FloatArray] | None,
) -> Case:
    return Case(
        gamma=gamma,
        lam=lam,
        rewards=batch.rewards,
        values=batch.values if with_values else None,
        next_values=batch.next_values,
        terminated=batch.terminated,
        truncated=batch.truncated,
        behavior_logprobs=None if logprobs is None else logprobs[0],
        target_logprobs=None if logprobs is None else logprobs[1],
    )


@st.composite
def _logprobs(
    draw: st.DrawFn, shape: tuple[int, ...], dtype: FloatDType
) -> tuple[FloatArray, FloatArray]:
    behavior = draw(value_arrays(shape, dtype, min_value=-3.0, max_value=0.0), label="log μ")
    # Ratios exp(offset) in [e^-2, e^2], on-policy (ratio 1) often.
    offset = st.one_of(st.just(0.0), st.floats(-2.0, 2.0, width=32))
    offsets = draw(hnp.arrays(dtype, shape, elements=offset), label="log π - log μ")
    target: FloatArray = (behavior + offsets).astype(dtype)
    return behavior, target


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    with_lam: bool,
    with_values: bool,
    with_logprobs: bool,
    dtype: FloatDType | None = None,
    min_T: int = 1,
    max_T: int = 16,
    gamma: float | None = None,
    lam: float | None = None,
    force: Literal["terminated", "truncated"] | None = None,
) -> Case:
    """Short random cases; ``force`` puts one end of that kind at a drawn step."""
    batch = draw(value_batches(min_T=min_T, max_T=max_T, max_N=3, dtype=dtype), label="batch")
    if force is not None:
        t = draw(st.integers(0, batch.T - 1), label="forced end: t")
        n = draw(st.integers(0, batch.rewards.shape[1] - 1), label="forced end: n")
        terminated, truncated = batch.terminated.copy(), batch.truncated.copy()
        next_values = batch.next_values.copy()
        terminated[t, n] = force == "terminated"
        truncated[t, n] = force == "truncated" or truncated[t, n]
        final = draw(st.floats(-10.0, 10.0, width=32), label="forced end: final value")
        next_values[t, n] = final
        batch = attrs.evolve(
            batch, terminated=terminated, truncated=truncated, next_values=next_values
        )
    g = draw(discounts(), label="gamma") if gamma is None else gamma
    if with_lam:
        lam = draw(discounts(), label="lam") if lam is None else lam
    logprobs = draw(_logprobs(batch.rewards.shape, batch.dtype.type)) if with_logprobs else None
    return _case(batch, g, lam if with_lam else None, with_values, logprobs)


@st.composite
def long_horizon_cases(
    draw: st.DrawFn, *, with_lam: bool, with_values: bool, with_logprobs: bool
) -> Case:
    """One float32 episode per column over 4096..8192 steps, ``γ = λ = 1``, no ends.

    Rewards repeat a short pattern of values in ``[0.5, 10]`` (a running sum of them
    rounds the same way step after step, as a survival bonus does); values repeat a
    pattern in ``[-1, 1]``, small next to the returns. Log-probabilities are on-policy.
    """
    T = draw(st.integers(4096, 8192), label="T")
    N = draw(st.integers(1, 2), label="N")

    def tiled(low: float, high: float, max_period: int, label: str) -> FloatArray:
        period = draw(st.integers(1, max_period), label=f"{label} period")
        pattern = draw(value_arrays((period, N), np.float32, min_value=low, max_value=high))
        tiles: FloatArray = np.tile(pattern, (-(-T // period), 1))[:T]
        return tiles

    rewards = tiled(0.5, 10.0, 3, "rewards")
    values = tiled(-1.0, 1.0, 2, "values")
    last = draw(value_arrays((1, N), np.float32, min_value=-1.0, max_value=1.0))
    next_values = np.concatenate([values[1:], last])
    flags = np.zeros((T, N), dtype=bool)
    logprobs = None
    if with_logprobs:
        logp = tiled(-3.0, 0.0, 2, "log μ")
        logprobs = (logp, logp.copy())
    return Case(
        gamma=1.0,
        lam=1.0 if with_lam else None,
        rewards=rewards,
        values=values if with_values else None,
        next_values=next_values,
        terminated=flags,
        truncated=flags.copy(),
        behavior_logprobs=None if logprobs is None else logprobs[0],
        target_logprobs=None if logprobs is None else logprobs[1],
    )
