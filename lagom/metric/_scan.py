"""The one recurrence behind every metric: a reverse linear scan over time (private).

Returns, GAE and V-trace are all ``y_t = x_t + a_t * y_{t+1}`` run backwards from
``y_T = 0``; they differ only in what ``x`` (the per-step term) and ``a`` (the per-step
factor, zero where an episode ended) hold. A Python loop over ``T`` costs about a
microsecond per numpy call whatever the batch width, which dominates for long, narrow
rollouts, so the time axis is cut into blocks of ``K ≈ sqrt(T)`` steps:

1. every block runs its own scan from a zero carry, all blocks at once (``K`` iterations
   on ``[T / K, B]`` slices);
2. a short scan over the block starts (``T / K`` iterations on ``[B]`` rows) gives the
   true value entering each block;
3. that value reaches step ``t`` of its block scaled by ``prod_{i=t}^{end} a_i``, a reverse
   cumulative product within the block.

Nothing is ever divided, so a factor of zero (an episode boundary) cuts the sum exactly
and tiny products underflow harmlessly to zero, as in the plain loop.

Blocks cost extra passes over the data, so from about a thousand columns on the plain
loop, whose per-call overhead is then small, is faster. Where numba is installed, a
compiled loop (:mod:`lagom.metric._compiled`) replaces both.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lagom._types import BoolArray, FloatArray
from lagom.metric._compiled import compiled_scan

__all__ = ["numpy_scan", "reverse_scan", "step_factors"]

# Below this many steps the blocks would be tiny: the plain loop costs as little.
_MIN_BLOCKED_T = 64
# From this many columns on, per-call overhead is small next to the memory traffic, and
# the plain loop, which touches the data the fewest times, is faster; the blocked scan's
# copies fall out of cache sooner for short rollouts. Measured with
# `python tests/benchmarks/bench_metric.py --scan-grid` and `--grid` (float32, thread CPU
# time, median of 7 interleaved rounds, numpy 2 on a 2-core shared AMD EPYC VM):
# plain/blocked scan time at T = 512 was 3.8x (128 columns), 1.65x (512), 0.77x (1024); at
# T = 2048: 4.8x (128), 1.22x (512), 0.83x (1024). At T = 128 the whole batched_gae cost
# 2.7x more per element with the blocked scan at 256 columns than at 128, and the plain
# scan wins from 512 (0.35x). The old single threshold of 128 made [2048, 128] cost 7x
# [2048, 64].
_MAX_BLOCKED_B = 1024
# ... and below this many steps, from 256 columns on.
_SHORT_T = 512
_MAX_BLOCKED_B_SHORT_T = 256


def reverse_scan(x: FloatArray, a: FloatArray) -> FloatArray:
    """Return ``y`` with ``y_t = x_t + a_t * y_{t+1}`` for ``t = T-1, ..., 0`` and ``y_T = 0``.

    Args:
        x: ``[T, B]`` per-step terms.
        a: ``[T, B]`` per-step factors, of the dtype of ``x``; ``a_t = 0`` stops the sum
            after step ``t``.

    Returns:
        A new ``[T, B]`` array of the dtype of ``x``; ``x`` and ``a`` are not modified.
    """
    compiled = compiled_scan(x, a)
    if compiled is not None:
        return compiled
    return numpy_scan(x, a)


def numpy_scan(x: FloatArray, a: FloatArray) -> FloatArray:
    """:func:`reverse_scan` on the numpy path: blocked for long, narrow batches."""
    T, columns = x.shape
    widest = _MAX_BLOCKED_B if T >= _SHORT_T else _MAX_BLOCKED_B_SHORT_T
    if T < _MIN_BLOCKED_T or columns >= widest:
        return _plain_scan(x, a)
    return _blocked_scan(x, a, K=math.isqrt(T - 1) + 1)


def step_factors(stop: BoolArray, factor: float, dtype: np.dtype[Any]) -> FloatArray:
    """``a_t = 0`` where ``stop`` (an episode ended at ``t``), else ``factor``, in ``dtype``."""
    scalar = dtype.type
    factors: FloatArray = np.where(stop, scalar(0.0), scalar(factor))
    return factors


def _plain_scan(x: FloatArray, a: FloatArray) -> FloatArray:
    y = np.empty_like(x)
    if x.shape[0] == 0:
        return y
    y[-1] = x[-1]
    for t in range(x.shape[0] - 2, -1, -1):
        np.multiply(a[t], y[t + 1], out=y[t])
        y[t] += x[t]
    return y


def _blocked_scan(x: FloatArray, a: FloatArray, K: int) -> FloatArray:
    T, B = x.shape
    num_blocks = -(-T // K)
    # Block-major copies [K, num_blocks, B]: step k of every block is one contiguous slice.
    # Padded steps hold x = 0 and a = 0, so they add nothing and carry nothing.
    xb = _to_blocks(x, K, num_blocks)
    ab = _to_blocks(a, K, num_blocks)

    # y: each block scanned from a zero carry; reach[k] = a_k * a_{k+1} * ... * a_{K-1}, the
    # weight with which step k of a block receives the value entering it from the next block.
    y = np.empty_like(xb)
    reach = np.empty_like(ab)
    y[-1] = xb[-1]
    reach[-1] = ab[-1]
    for k in range(K - 2, -1, -1):
        np.multiply(ab[k], y[k + 1], out=y[k])
        y[k] += xb[k]
        np.multiply(ab[k], reach[k + 1], out=reach[k])

    # carry[b]: the true value at the start of block b + 1 (zero after the last block).
    carry = np.empty((num_blocks, B), dtype=x.dtype)
    carry[-1] = 0.0
    for b in range(num_blocks - 2, -1, -1):
        np.multiply(reach[0, b + 1], carry[b + 1], out=carry[b])
        carry[b] += y[0, b + 1]
    reach *= carry
    y += reach
    steps: FloatArray = y.transpose(1, 0, 2).reshape(num_blocks * K, B)
    return steps[:T]


def _to_blocks(x: FloatArray, K: int, num_blocks: int) -> FloatArray:
    T, B = x.shape
    blocks = np.zeros((K, num_blocks, B), dtype=x.dtype)
    full = T // K
    blocks[:, :full] = x[: full * K].reshape(full, K, B).transpose(1, 0, 2)
    if full < num_blocks:
        blocks[: T - full * K, full] = x[full * K :]
    return blocks
