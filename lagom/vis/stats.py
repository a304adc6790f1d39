"""Aggregate the seeds of a learning curve: :func:`interquartile_mean` and
:func:`bootstrap_ci`, the statistics that :func:`~lagom.vis.plot_curves` draws.

Both follow Agarwal et al., "Deep Reinforcement Learning at the Edge of the Statistical
Precipice" (NeurIPS 2021): the interquartile mean is robust to a few outlier seeds, and the
bootstrap interval states how uncertain the estimate over few seeds is.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from lagom._checks import (
    as_float_array,
    check_fits,
    check_int,
    check_real,
    check_seed,
    check_str,
)
from lagom._types import Float64Array

__all__ = ["bootstrap_ci", "interquartile_mean"]

Estimator = Literal["mean", "iqm"]

# More resamples than this change no plotted digit and would only exhaust memory.
_MAX_BOOT = 1_000_000
#: The bytes of resamples ``[n_boot, S, columns]`` that :func:`bootstrap_ci` makes at once.
_CHUNK_BYTES = 2**25


def _seeds_first(ys: ArrayLike, name: str) -> Float64Array:
    values = np.asarray(as_float_array(ys, name), dtype=np.float64)
    if values.ndim not in (1, 2) or values.shape[0] == 0:
        raise ValueError(
            f"{name} must be [S] or [S, P] with at least one seed, got shape {values.shape}"
        )
    return values


def _check_infinities(values: Float64Array, name: str, what: str) -> None:
    """Refuse a column of ``values`` ``[S, P]`` holding both ``inf`` and ``-inf``: ``what``
    would be their mean, which is undefined."""
    both = np.any(values == np.inf, axis=0) & np.any(values == -np.inf, axis=0)
    if np.any(both):
        column = int(np.argmax(both))
        raise ValueError(
            f"{name} must not hold both inf and -inf in one column ({what}), got both in "
            f"column {column}"
        )


def _mean(values: Float64Array, axis: int) -> Float64Array:
    """The mean along ``axis``, finite for finite values even when their sum overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean: Float64Array = np.asarray(values.mean(axis=axis))
    overflowed = ~np.isfinite(mean) & np.all(np.isfinite(values), axis=axis)
    if np.any(overflowed):
        # Each value divided by the count cannot overflow, nor can their sum (at most the
        # largest |value|); rounding is kept within [min, max], where the mean lies.
        count = values.shape[axis]
        scaled = np.sum(values / count, axis=axis)
        exact = np.clip(scaled, values.min(axis=axis), values.max(axis=axis))
        mean = np.where(overflowed, exact, mean)
    return mean


def _percentiles(estimates: Float64Array, q: list[float]) -> Float64Array:
    """``np.percentile(estimates, q, axis=0)`` (linear), also where numpy's interpolation
    gives NaN or overflows: between infinities of one sign, or finite values whose
    difference overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        result: Float64Array = np.asarray(np.percentile(estimates, q, axis=0), dtype=np.float64)
    bad = ~np.isfinite(result)
    if np.any(bad):
        ordered = np.sort(estimates, axis=0)
        position = (ordered.shape[0] - 1) * np.asarray(q, dtype=np.float64) / 100
        below = np.floor(position).astype(np.intp)
        above = np.minimum(below + 1, ordered.shape[0] - 1)
        t = (position - below)[:, None]
        a, b = ordered[below], ordered[above]
        with np.errstate(over="ignore", invalid="ignore"):
            between = np.clip((1 - t) * a + t * b, a, b)
        robust = np.where((t == 0) | (a == b), a, between)
        result = np.where(bad, robust, result)
    return result


def interquartile_mean(ys: ArrayLike) -> Float64Array:
    r"""The interquartile mean (IQM) over seeds: the mean of the middle half of the values.

    Per column of ``ys`` ``[S, P]`` (S seeds, P points), the values are sorted and
    :math:`k = \lfloor S/4 \rfloor` are dropped at each end; the IQM is the mean of the
    remaining :math:`S - 2k` (``scipy.stats.trim_mean(ys, 0.25)``, as in rliable). With
    fewer than 4 seeds nothing is dropped: it is the mean.

    Args:
        ys: ``[S]`` or ``[S, P]`` real values, seeds first; NaN is not allowed, an
            infinity sorts as any value (so it is trimmed away when among the largest or
            smallest quarter; kept, it makes the IQM that infinity). The mean is computed
            without overflow: finite values give a finite IQM.

    Returns:
        ``[P]`` float64 (a 0-d array for ``[S]`` input).

    Raises:
        TypeError: ``ys`` is not real numbers.
        ValueError: ``ys`` has no seed, is not 1-D or 2-D, holds NaN, or keeps both
            ``inf`` and ``-inf`` in one column after trimming (their mean is undefined).

    Example:
        >>> interquartile_mean([1.0, 2.0, 3.0, 100.0])
        array(2.5)
        >>> interquartile_mean([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
        array([2., 3.])
        >>> interquartile_mean([1e308, 1e308]), interquartile_mean([float("inf"), 0.0])
        (array(1.e+308), array(inf))
        >>> interquartile_mean([float("inf"), float("-inf")])
        Traceback (most recent call last):
        ...
        ValueError: ys must not hold both inf and -inf in one column (the mean of the kept
        values would be undefined), got both in column 0
    """
    values = _seeds_first(ys, "ys")
    if np.isnan(values).any():
        raise ValueError("ys must not hold NaN: the interquartile mean sorts the values")
    k = values.shape[0] // 4
    kept = np.sort(values, axis=0)[k : values.shape[0] - k]
    _check_infinities(
        kept.reshape(kept.shape[0], -1), "ys", "the mean of the kept values would be undefined"
    )
    return np.asarray(_mean(kept, axis=0), dtype=np.float64)


def _estimate(samples: Float64Array, estimator: str) -> Float64Array:
    """The estimator over axis 1 of ``[B, S, P]`` resamples."""
    if estimator == "mean":
        return _mean(samples, axis=1)
    k = samples.shape[1] // 4
    return _mean(np.sort(samples, axis=1)[:, k : samples.shape[1] - k], axis=1)


def bootstrap_ci(
    ys: ArrayLike,
    estimator: Estimator = "mean",
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[Float64Array, Float64Array]:
    r"""A percentile bootstrap confidence interval of the mean (or IQM) over seeds.

    From ``ys`` ``[S, P]``, ``n_boot`` resamples of the S seeds with replacement are drawn,
    the same seeds for every point: ``idx = np.random.default_rng(seed).integers(0, S,
    size=(n_boot, S))``, resample :math:`b` being the rows ``ys[idx[b]]``. The estimator
    (``"mean"`` or ``"iqm"``, :func:`interquartile_mean`) of each resample gives
    :math:`\hat\theta_{b,j}`, and the interval is its :math:`\alpha/2` and
    :math:`1 - \alpha/2` percentiles over :math:`b` (``np.percentile``, linear), with
    :math:`\alpha = 1 - \text{confidence}`. Seeded, so the same inputs give the same band.
    With one seed the interval is that seed's values.

    Args:
        ys: ``[S]`` or ``[S, P]`` real values, seeds first. Means are computed without
            overflow (finite values give a finite interval); an infinity is allowed, but
            not both ``inf`` and ``-inf`` in one column.
        estimator: ``"mean"`` or ``"iqm"``.
        confidence: the coverage, in ``(0, 1)``.
        n_boot: the number of resamples, in ``[1, 10**6]``.
        seed: the seed of the resampling.

    Returns:
        ``(low, high)``, each ``[P]`` float64.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``ys`` has no seed, a bad shape or NaN, holds both ``inf`` and
            ``-inf`` in one column (a resample holding both has an undefined mean),
            ``estimator`` is unknown, ``confidence`` is outside ``(0, 1)`` or ``n_boot``
            outside ``[1, 10**6]`` (or its resamples of one column beyond this machine's
            memory).

    Example:
        >>> low, high = bootstrap_ci([[0.0], [1.0], [2.0], [3.0]], n_boot=1000)
        >>> bool(low[0] < 1.5 < high[0]), bool(0.0 <= low[0] and high[0] <= 3.0)
        (True, True)
        >>> bootstrap_ci([1e308, 1e308])
        (array([1.e+308]), array([1.e+308]))
    """
    values = _seeds_first(ys, "ys")
    if np.isnan(values).any():
        # Any resample holding the seed would be NaN: the band would be NaN without a word.
        raise ValueError("ys must not hold NaN: every resample with that seed would be NaN")
    _check_infinities(
        values.reshape(values.shape[0], -1), "ys", "a resample holding both has no defined mean"
    )
    check_str("estimator", estimator, ("mean", "iqm"))
    confidence = check_real("confidence", confidence, low=0.0, high=1.0)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n_boot = check_int("n_boot", n_boot, minimum=1)
    if n_boot > _MAX_BOOT:
        raise ValueError(f"n_boot must be at most {_MAX_BOOT:,}, got {n_boot}")
    seed = check_seed("seed", seed)
    if values.ndim == 1:
        values = values[:, None]
    _check_memory(n_boot, values.shape[0])
    idx = np.random.default_rng(seed).integers(0, values.shape[0], size=(n_boot, values.shape[0]))
    alpha = 1.0 - confidence
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    # The resamples [n_boot, S, P] are made a few columns at a time (each column's interval
    # is its own), so that a long curve never needs them all in memory at once. No chunk has
    # one column unless P = 1: numpy sums a lone column in another order (pairwise), and the
    # last digits would depend on where the chunks end.
    points = values.shape[1]
    width = max(2, _CHUNK_BYTES // (8 * idx.size))
    stops = [*range(width, points - 1, width), points]
    bounds = np.empty((2, points), dtype=np.float64)
    for start, stop in zip([0, *stops[:-1]], stops, strict=True):
        samples = values[:, start:stop][idx]
        bounds[:, start:stop] = _percentiles(_estimate(samples, estimator), q)
    return bounds[0], bounds[1]


def _check_memory(n_boot: int, seeds: int) -> None:
    """Refuse resamples of even one column that cannot fit in this machine's memory (the
    indices, and the resampled values of two columns and their sorted copy)."""
    check_fits("n_boot", n_boot, 5 * 8 * seeds, context=f" for {seeds} seeds")
