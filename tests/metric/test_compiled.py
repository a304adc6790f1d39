"""The compiled (numba) scans against the numpy path, and how the compiled path is chosen.

The numpy path is checked against the plain oracle loops in the other modules (which
``conftest.py`` also runs on the compiled path); here the two paths are compared directly
on batches wide and long enough to cross the kernel's row blocks, which the oracle would
take too long to check.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.metric import _compiled, batched_gae, batched_returns, batched_vtrace
from lagom.metric._scan import reverse_scan
from lagom.testing.strategies import discounts
from tests.metric.oracle import assert_close

FULL = os.environ.get("LAGOM_FULL") == "1"
HAS_NUMBA = importlib.util.find_spec("numba") is not None
FORCED = os.environ.get(_compiled.FORCE_NUMPY_ENV, "") not in ("", "0")
# Columns around the kernel's thresholds: row views from 16 on, blocks of 16384 elements
# (1100 columns: 14 rows a block; 16385: one row a block).
_WIDTHS = [1, 2, 15, 16, 17, 1100]


def test_the_compiled_path_is_used_where_numba_is_installed() -> None:
    if FULL:
        assert HAS_NUMBA, "the full environment must install numba (the `fast` extra)"
    assert _compiled.available() == (HAS_NUMBA and not FORCED)
    with _compiled.numpy_path():
        assert not _compiled.available()


class Rollout:
    """Random float inputs and episode ends of one ``[T, *B]`` shape and dtype."""

    def __init__(self, draw: st.DrawFn) -> None:
        T = draw(st.integers(0, 50), label="T")
        shape = draw(
            st.one_of(
                st.sampled_from(_WIDTHS).map(lambda n: (n,)),
                st.just((2, 9)),
                st.just((16385,)),
            ),
            label="B",
        )
        if shape == (16385,):
            T = min(T, 3)
        self.shape = (T, *shape)
        self.dtype = draw(st.sampled_from([np.float32, np.float64]), label="dtype")
        end = draw(st.sampled_from([0.0, 0.02, 0.3, 1.0]), label="end probability")
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
        self.rng = rng
        ends = rng.random(self.shape) < end
        kind = rng.integers(0, 3, self.shape)  # 0 terminated, 1 truncated, 2 both
        self.terminated = ends & (kind != 1)
        self.truncated = ends & (kind != 0)

    def floats(self, low: float = -10.0, high: float = 10.0) -> Any:
        return self.rng.uniform(low, high, self.shape).astype(self.dtype)


rollouts = st.composite(lambda draw: Rollout(draw))


def both_paths(fn: Callable[[], Any]) -> tuple[Any, Any]:
    """``fn()`` on the default path (compiled where numba is) and on the numpy path."""
    default = fn()
    with _compiled.numpy_path():
        numpy = fn()
    return default, numpy


def assert_same(actual: Any, expected: Any, *terms: Any) -> None:
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    assert_close(actual.astype(np.float64), expected.astype(np.float64), *terms)


@given(rollouts(), discounts(), discounts())
def test_gae_is_the_same_on_both_paths(rollout: Rollout, gamma: float, lam: float) -> None:
    rewards, values, next_values = rollout.floats(), rollout.floats(), rollout.floats()
    compiled, numpy = both_paths(
        lambda: batched_gae(
            gamma,
            lam,
            rewards,
            values,
            next_values,
            terminated=rollout.terminated,
            truncated=rollout.truncated,
        )
    )
    assert compiled.dtype == rollout.dtype
    assert_same(compiled, numpy, rewards, values, next_values)


@given(rollouts(), discounts())
def test_returns_are_the_same_on_both_paths(rollout: Rollout, gamma: float) -> None:
    rewards, next_values = rollout.floats(), rollout.floats()
    compiled, numpy = both_paths(
        lambda: batched_returns(
            gamma, rewards, next_values, terminated=rollout.terminated, truncated=rollout.truncated
        )
    )
    assert compiled.dtype == rollout.dtype
    assert_same(compiled, numpy, rewards, next_values)


@given(rollouts(), discounts(), discounts(), st.sampled_from([0.5, 1.0, np.inf]))
def test_vtrace_is_the_same_on_both_paths(
    rollout: Rollout, gamma: float, lam: float, clip: float
) -> None:
    rewards, values, next_values = rollout.floats(), rollout.floats(), rollout.floats()
    behavior, target = rollout.floats(-2.0, 0.0), rollout.floats(-2.0, 0.0)
    compiled, numpy = both_paths(
        lambda: batched_vtrace(
            behavior,
            target,
            gamma,
            rewards,
            values,
            next_values,
            terminated=rollout.terminated,
            truncated=rollout.truncated,
            clip_rho=clip,
            clip_c=clip,
            lam=lam,
        )
    )
    # ρ up to e^2 multiplies the terms: the scale of the sums grows with it.
    scale = np.exp(2.0) * (np.abs(rewards) + np.abs(values) + np.abs(next_values))
    for got, expected in zip(compiled, numpy, strict=True):
        assert_same(got, expected, scale)


@given(rollouts())
def test_the_scan_is_the_same_on_both_paths(rollout: Rollout) -> None:
    flat = (rollout.shape[0], int(np.prod(rollout.shape[1:])))
    x = rollout.floats().reshape(flat)
    a = np.where(rollout.terminated, 0.0, rollout.floats(0.0, 1.0)).astype(rollout.dtype)
    compiled, numpy = both_paths(lambda: reverse_scan(x, a.reshape(flat)))
    assert_same(compiled, numpy, x)


def test_strided_and_mixed_dtype_inputs_give_the_numpy_results() -> None:
    rng = np.random.default_rng(3)
    wide = rng.normal(size=(40, 3000))
    rewards = wide[:, ::7].astype(np.float32)  # a strided view, float32
    values = np.asfortranarray(rng.normal(size=rewards.shape))  # float64, column-major
    next_values = rng.normal(size=rewards.shape).astype(np.float16)
    flags = {
        "terminated": (rng.random(rewards.shape) < 0.05).astype(np.int64),  # 0/1 ints
        "truncated": rng.random(rewards.shape) < 0.05,
    }
    compiled, numpy = both_paths(
        lambda: batched_gae(0.9, 0.8, rewards, values, next_values, **flags)
    )
    assert compiled.dtype == np.float64
    assert_same(compiled, numpy, rewards, values, next_values)


def test_long_double_inputs_fall_back_to_numpy() -> None:
    rewards = np.ones((5, 2), dtype=np.longdouble)
    flags = {"terminated": np.zeros((5, 2), bool), "truncated": np.zeros((5, 2), bool)}
    result = batched_returns(0.5, rewards, rewards, **flags)
    assert result.dtype == np.longdouble
    np.testing.assert_allclose(result[:, 0].astype(np.float64), [1.96875, 1.9375, 1.875, 1.75, 1.5])


@pytest.mark.parametrize("name", ["rewards", "values", "next_values"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_input_is_named_on_both_paths(name: str, bad: float) -> None:
    inputs = {
        k: np.zeros((300, 20), dtype=np.float32) for k in ("rewards", "values", "next_values")
    }
    inputs[name][123, 7] = bad
    inputs[name][200, 3] = bad
    # Even where it is not read: a terminated step's next value.
    terminated = np.zeros((300, 20), dtype=bool)
    terminated[123, 7] = True
    messages = []
    for path in _compiled_and_numpy():
        with path, pytest.raises(ValueError, match=rf"{name} holds .* at index \(123, 7\)") as e:
            batched_gae(0.9, 0.9, **inputs, terminated=terminated, truncated=terminated)
        messages.append(str(e.value))
    if name != "values":
        for path in _compiled_and_numpy():
            with path, pytest.raises(ValueError, match=rf"{name} holds .* at index \(123, 7\)"):
                batched_returns(
                    0.9,
                    inputs["rewards"],
                    inputs["next_values"],
                    terminated=terminated,
                    truncated=terminated,
                )
    assert len(set(messages)) == 1


def _compiled_and_numpy() -> list[Any]:
    import contextlib

    return [contextlib.nullcontext(), _compiled.numpy_path()]


def _run(script: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_numba_is_imported_on_the_first_call_not_with_the_package() -> None:
    out = _run(
        """
        import sys
        import lagom.metric
        assert "numba" not in sys.modules
        print(lagom.metric.gae(1.0, 0.5, [1, 2, 3], [0.1, 1.1, 2.1], 10, True))
        print("numba" in sys.modules)
        """,
        **{_compiled.FORCE_NUMPY_ENV: "0"},
    )
    assert "3.725" in out
    assert out.split()[-1] == str(HAS_NUMBA)


def test_the_environment_variable_forces_the_numpy_path() -> None:
    out = _run(
        """
        import sys
        import lagom.metric
        from lagom.metric import _compiled
        print(lagom.metric.returns(0.1, [1, 2, 3]))
        print(_compiled.available(), "numba" in sys.modules)
        """,
        **{_compiled.FORCE_NUMPY_ENV: "1"},
    )
    assert "1.23" in out
    assert out.split()[-2:] == ["False", "False"]


def test_without_a_writable_cache_the_kernel_compiles_uncached() -> None:
    def njit(*, cache: bool) -> Callable[[Any], Any]:
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return lambda fn: ("uncached", fn)

    assert _compiled._jit(njit, _compiled._scan_kernel) == ("uncached", _compiled._scan_kernel)


def test_a_read_only_install_still_runs_the_compiled_path() -> None:
    if not HAS_NUMBA:
        # Nothing to compile: the numpy path needs no cache.
        assert not _compiled.available()
        return
    # No cache locator at all is what numba finds for a read-only install without a
    # writable user cache directory.
    out = _run(
        """
        from numba.core import caching
        for name in ("CacheImpl", "_CacheImpl"):  # renamed in numba 0.61
            if hasattr(caching, name):
                getattr(caching, name)._locator_classes = []
        import lagom.metric
        from lagom.metric import _compiled
        print(lagom.metric.returns(0.1, [1, 2, 3]))
        print(_compiled.available())
        """,
        **{_compiled.FORCE_NUMPY_ENV: "0", "NUMBA_CACHE_LOCATOR_CLASSES": ""},
    )
    assert "1.23" in out
    assert out.split()[-1] == "True"
