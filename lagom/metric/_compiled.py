"""Compiled scans with numba, used when it is installed (private; the ``fast`` extra).

The numpy path (:mod:`lagom.metric._scan`) pays about a microsecond per numpy call and
reads its data several times; a compiled loop reads each input once. One kernel,
``_scan_kernel``, in three modes:

* ``_SCAN``: the generic ``y_t = x_t + a_t * y_{t+1}`` behind every metric (V-trace uses it);
* ``_GAE`` and ``_RETURNS``: the TD error or bootstrap term, the step factor and the scan
  fused into one pass, which also tells whether every float input and output was finite
  (``x - x`` is NaN exactly for NaN and ±inf), so the numpy ``isfinite`` passes are only
  run, to name the culprit or to refuse an overflowed result, when something is wrong.

The kernel computes in the inputs' dtype (float32 stays float32) in the order the numpy
path does, so both agree to rounding. It runs on one thread.

numba is imported on the first metric call, never with ``lagom.metric``; the compiled code
is cached next to this file (``cache=True``), or where numba's locators find a writable
place; where none is, the kernel is compiled uncached instead of failing. Set
``LAGOM_METRIC_NUMPY=1`` before the first metric call to force the numpy path.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from lagom._types import BoolArray, FloatArray

__all__ = [
    "FORCE_NUMPY_ENV",
    "available",
    "compiled_gae",
    "compiled_returns",
    "compiled_scan",
    "numpy_path",
]

#: Set to ``1`` to force the numpy path (read on the first metric call).
FORCE_NUMPY_ENV = "LAGOM_METRIC_NUMPY"
# numba compiles these; float16 is widened to float32 before, longdouble stays on numpy.
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# What the one kernel computes: the modes of `_scan_kernel`.
_SCAN, _GAE, _RETURNS = 0, 1, 2
# Elements per block of rows (64 KiB of float32): a block and its factors stay in L2 while
# the reverse pass runs over them.
_BLOCK = 16384
# Below this many columns a row view costs more than it saves (see `_scan_kernel`).
_MIN_VIEW_B = 16


def _scan_kernel(
    mode: int,
    s1: np.floating[Any],
    s2: np.floating[Any],
    f1: FloatArray,
    f2: FloatArray,
    f3: FloatArray,
    terminated: BoolArray,
    truncated: BoolArray,
    out: FloatArray,
    check: FloatArray,
) -> None:
    """``out_t = x_t + a_t * out_{t+1}`` with ``x``, ``a`` made from the inputs by ``mode``.

    ``_SCAN``: ``x = f1``, ``a = f2``. ``_GAE``: ``f1, f2, f3`` are rewards, values and
    next values, ``s1 = γ``, ``s2 = γλ``. ``_RETURNS``: ``f1, f2`` are rewards and next
    values, ``s1 = γ``. ``check`` holds a NaN afterwards unless every float input and, in
    these two modes, every output (a sum may overflow) was finite (``check[b]`` gathers
    ``f - f`` of column ``b``, or a row's flag sets ``check[0]``).
    Walking the rows backwards through memory measured 3-10x slower than
    forwards (on an AMD EPYC VM; the prefetchers, as far as we can tell), so time runs in
    blocks of rows from the end: a forward pass makes ``x`` (into ``out``), then a
    backward pass over the block, which is still in cache, runs the scan.
    """
    T, B = out.shape
    zero = s1 - s1
    rows = max(1, _BLOCK // max(B, 1))
    # GAE and returns take the factor from the flags, still in cache from the forward pass:
    # a buffer of factors would cost a store and a load per element.
    factors = np.empty((rows, B) if mode == _SCAN else (0, 0), dtype=out.dtype)
    step = s2 if mode == _GAE else s1
    # Row views let LLVM vectorize (it cannot tell out[t] from out[t + 1] in 2-D indexing),
    # but each costs a reference count: only for wide rows.
    views = B >= _MIN_VIEW_B
    end = T
    while end > 0:
        start = max(0, end - rows)
        for t in range(start, end):
            last = t == T - 1
            if mode == _SCAN:
                for b in range(B):
                    out[t, b] = f1[t, b]
                    factors[t - start, b] = f2[t, b]
            elif mode == _GAE and views:
                r_t, v_t, nv_t, term_t, out_t = f1[t], f2[t], f3[t], terminated[t], out[t]
                # One flag per row (an OR vectorizes; a sum per column would not).
                bad = False
                for b in range(B):
                    r, v, nv = r_t[b], v_t[b], nv_t[b]
                    bad |= ((r - r) + (v - v) + (nv - nv)) != zero
                    out_t[b] = ((zero if term_t[b] else nv) * s1 + r) - v
                if bad:
                    check[0] = np.nan  # not every input is finite
            elif mode == _GAE:
                for b in range(B):
                    r, v, nv = f1[t, b], f2[t, b], f3[t, b]
                    check[b] += (r - r) + (v - v) + (nv - nv)
                    # As the numpy path: where(terminated, 0, next_value) * γ + r - v.
                    out[t, b] = ((zero if terminated[t, b] else nv) * s1 + r) - v
            else:
                for b in range(B):
                    r, nv, term = f1[t, b], f2[t, b], terminated[t, b]
                    check[b] += (r - r) + (nv - nv)
                    # Bootstrap at a truncation and at the rollout's end, unless terminated.
                    cut = (truncated[t, b] | last) and not term
                    out[t, b] = (nv if cut else zero) * s1 + r
        # The last step of the rollout has nothing after it; other blocks continue from
        # the first row of the block after them.
        first = end - 2 if end == T else end - 1
        for t in range(first, start - 1, -1):
            if mode == _SCAN and views:
                row, following, a = out[t], out[t + 1], factors[t - start]
                for b in range(B):
                    row[b] = a[b] * following[b] + row[b]
            elif mode == _SCAN:
                for b in range(B):
                    out[t, b] = factors[t - start, b] * out[t + 1, b] + out[t, b]
            elif views:
                row, following = out[t], out[t + 1]
                term, trunc = terminated[t], truncated[t]
                for b in range(B):
                    a = zero if (term[b] | trunc[b]) else step
                    row[b] = a * following[b] + row[b]
            else:
                for b in range(B):
                    a = zero if (terminated[t, b] | truncated[t, b]) else step
                    out[t, b] = a * out[t + 1, b] + out[t, b]
        end = start
    if mode != _SCAN and T > 0:
        # A sum that overflowed anywhere leaves ±inf or NaN in row 0: from finite inputs a
        # non-finite y_{t+1} makes y_t = a_t y_{t+1} + x_t non-finite too (0 * inf is NaN, and
        # no fast-math folds it), so one look at row 0 replaces a test of every sum.
        for b in range(B):
            y = out[0, b]
            check[b] += y - y


_UNRESOLVED = object()
_state: dict[str, Any] = {"kernel": _UNRESOLVED, "forced_numpy": False}


def _jit(njit: Callable[..., Any], fn: Callable[..., None]) -> Callable[..., None]:
    """``njit(cache=True)(fn)``, or uncached where numba finds no writable cache place."""
    try:
        compiled: Callable[..., None] = njit(cache=True)(fn)
    except RuntimeError:
        # numba: "cannot cache function ...: no locator available" (a read-only install
        # and no writable user cache directory).
        compiled = njit(cache=False)(fn)
    return compiled


def _load() -> Callable[..., None] | None:
    if os.environ.get(FORCE_NUMPY_ENV, "") not in ("", "0"):
        return None
    try:
        numba = importlib.import_module("numba")
    except ImportError:
        return None
    return _jit(numba.njit, _scan_kernel)


def _kernel() -> Callable[..., None] | None:
    if _state["forced_numpy"]:
        return None
    if _state["kernel"] is _UNRESOLVED:
        _state["kernel"] = _load()
    kernel: Callable[..., None] | None = _state["kernel"]
    return kernel


def available() -> bool:
    """Whether the compiled kernels are in use (numba importable, numpy path not forced)."""
    return _kernel() is not None


@contextlib.contextmanager
def numpy_path() -> Iterator[None]:
    """Within the block, every metric runs on the numpy path (for comparisons and tests)."""
    before = _state["forced_numpy"]
    _state["forced_numpy"] = True
    try:
        yield
    finally:
        _state["forced_numpy"] = before


def _run(
    mode: int,
    gamma: float,
    gamma_lam: float,
    floats: list[FloatArray],
    flags: list[BoolArray],
    out: FloatArray | None = None,
) -> tuple[FloatArray, bool] | None:
    kernel = _kernel()
    dtype = floats[0].dtype
    if kernel is None or dtype not in _DTYPES or any(x.dtype != dtype for x in floats):
        return None
    f1, f2, *rest = [np.ascontiguousarray(x) for x in floats]
    f3 = rest[0] if rest else f1
    # The plain scan reads no flags: a 1 x 1 stand-in keeps the kernel's one signature.
    terminated, truncated = (
        [np.ascontiguousarray(x) for x in flags] if flags else [np.zeros((1, 1), dtype=bool)] * 2
    )
    if out is None:
        out = np.empty_like(f1)
    check = np.zeros(f1.shape[1], dtype=dtype)
    kernel(
        mode,
        dtype.type(gamma),
        dtype.type(gamma_lam),
        f1,
        f2,
        f3,
        terminated,
        truncated,
        out,
        check,
    )
    return out, bool(np.isfinite(check).all())


def compiled_scan(x: FloatArray, a: FloatArray) -> FloatArray | None:
    """``y_t = x_t + a_t * y_{t+1}`` compiled, or ``None`` where only numpy can run it."""
    done = _run(_SCAN, 0.0, 0.0, [x, a], [])
    return None if done is None else done[0]


def compiled_gae(
    gamma: float,
    lam: float,
    floats: dict[str, FloatArray],
    flags: dict[str, BoolArray],
    *,
    out: FloatArray | None = None,
) -> tuple[FloatArray, bool] | None:
    """GAE in one pass (into ``out`` when given: ``[T, M]``, the inputs' dtype) and whether
    every float input and output was finite; ``None``: use numpy."""
    return _run(
        _GAE,
        gamma,
        gamma * lam,
        [floats["rewards"], floats["values"], floats["next_values"]],
        [flags["terminated"], flags["truncated"]],
        out,
    )


def compiled_returns(
    gamma: float,
    floats: dict[str, FloatArray],
    flags: dict[str, BoolArray],
    *,
    out: FloatArray | None = None,
) -> tuple[FloatArray, bool] | None:
    """Bootstrapped returns in one pass (into ``out`` when given) and whether the float
    inputs and the outputs were finite."""
    return _run(
        _RETURNS,
        gamma,
        0.0,
        [floats["rewards"], floats["next_values"]],
        [flags["terminated"], flags["truncated"]],
        out,
    )
