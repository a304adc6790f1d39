"""Tests for ``lagom.vis.stats``: the IQM and the bootstrap interval against direct numpy."""

from __future__ import annotations

import numpy as np
import pytest

from lagom.vis import bootstrap_ci, interquartile_mean


def trim_mean(a: np.ndarray, cut: float = 0.25) -> np.ndarray:
    """``scipy.stats.trim_mean(a, cut, axis=0)`` written out (scipy is no dependency): sort
    along the seeds, drop ``int(cut * n)`` at each end, average the rest (rliable's IQM)."""
    ordered = np.sort(np.asarray(a, dtype=np.float64), axis=0)
    n = ordered.shape[0]
    k = int(cut * n)
    return ordered[k : n - k].mean(axis=0)


@pytest.mark.parametrize("seeds", [1, 2, 3, 4, 5, 7, 8, 10, 13])
def test_iqm_is_the_25_percent_trimmed_mean(seeds: int) -> None:
    ys = np.random.default_rng(seeds).normal(size=(seeds, 6))
    expected = trim_mean(ys, 0.25)  # rliable's IQM
    np.testing.assert_allclose(interquartile_mean(ys), expected, rtol=1e-12)


def test_iqm_drops_a_quarter_at_each_end() -> None:
    # 8 seeds: the 2 lowest and the 2 highest go, whatever their size.
    ys = np.array([-1e9, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1e9])
    assert interquartile_mean(ys) == pytest.approx((2.0 + 3.0 + 4.0 + 5.0) / 4)


def test_bootstrap_matches_a_direct_loop() -> None:
    ys = np.random.default_rng(1).normal(size=(5, 4))
    for estimator in ("mean", "iqm"):
        low, high = bootstrap_ci(ys, estimator, n_boot=300, seed=7)
        # The documented draws, then one point and one resample at a time.
        idx = np.random.default_rng(7).integers(0, 5, size=(300, 5))
        for j in range(4):
            estimates = []
            for b in range(300):
                sample = ys[idx[b], j]
                if estimator == "mean":
                    estimates.append(sample.mean())
                else:
                    estimates.append(trim_mean(sample, 0.25))
            assert low[j] == pytest.approx(np.percentile(estimates, 2.5))
            assert high[j] == pytest.approx(np.percentile(estimates, 97.5))


def test_bootstrap_is_seeded_and_covers_like_the_normal_interval() -> None:
    ys = np.random.default_rng(2).normal(loc=3.0, scale=2.0, size=(400, 1))
    low, high = bootstrap_ci(ys, n_boot=4000, seed=3)
    again = bootstrap_ci(ys, n_boot=4000, seed=3)
    assert (low.tolist(), high.tolist()) == (again[0].tolist(), again[1].tolist())
    half = 1.96 * ys.std() / np.sqrt(400)  # the normal approximation of the mean's CI
    assert low[0] == pytest.approx(ys.mean() - half, abs=0.1 * half)
    assert high[0] == pytest.approx(ys.mean() + half, abs=0.1 * half)


def test_one_seed_gives_its_values() -> None:
    low, high = bootstrap_ci([[1.0, 2.0]])
    assert low.tolist() == high.tolist() == [1.0, 2.0]


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least one seed"):
        interquartile_mean(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        interquartile_mean([1.0, np.nan])
    with pytest.raises(ValueError, match="ys must not hold NaN"):  # a NaN band before
        bootstrap_ci([[1.0, np.nan]])
    with pytest.raises(TypeError, match="real numbers"):
        bootstrap_ci(["a", "b"])
    with pytest.raises(ValueError, match="estimator must be one of"):
        bootstrap_ci([1.0], "median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        bootstrap_ci([1.0], confidence=1.0)
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci([1.0], n_boot=0)


def test_huge_finite_values_give_a_finite_answer() -> None:
    assert interquartile_mean([1e308, 1e308]) == 1e308
    np.testing.assert_array_equal(
        interquartile_mean([[1.7e308, 1.0], [1.7e308, 3.0]]), [1.7e308, 2]
    )
    for estimator in ("mean", "iqm"):
        low, high = bootstrap_ci([1e308, 1e308], estimator)  # type: ignore[arg-type]
        assert low.tolist() == high.tolist() == [1e308]
        low, high = bootstrap_ci([[-1.7e308], [1.7e308]], estimator)  # type: ignore[arg-type]
        assert low.tolist() == [-1.7e308]
        assert high.tolist() == [1.7e308]


def test_infinities() -> None:
    inf = float("inf")
    with pytest.raises(ValueError, match="ys must not hold both inf and -inf in one column"):
        interquartile_mean([inf, -inf])
    with pytest.raises(ValueError, match="got both in column 1"):
        bootstrap_ci([[0.0, inf], [1.0, -inf]])
    # Trimmed away, they do not matter; one sign of infinity gives that infinity.
    assert interquartile_mean([inf, -inf, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]) == 0.0
    assert interquartile_mean([inf, 0.0]) == inf
    low, high = bootstrap_ci([[inf], [0.0]])  # numpy's percentile gave a NaN high end
    assert low.tolist() == [0.0]
    assert high.tolist() == [inf]
    low, high = bootstrap_ci([[inf], [inf]], "iqm")
    assert low.tolist() == high.tolist() == [inf]


def test_bootstrap_resamples_a_few_columns_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: all resamples [n_boot, S, P] at once (80 MB here; 30 GB for plot_curves with
    # band="ci95", 2 seeds and 10**6 points: a MemoryError).
    import tracemalloc

    from lagom.vis import stats

    monkeypatch.setattr(stats, "_CHUNK_BYTES", 2**20, raising=False)
    ys = np.random.default_rng(0).normal(size=(2, 5000))
    tracemalloc.start()
    try:
        bootstrap_ci(ys, n_boot=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**24


@pytest.mark.parametrize("estimator", ["mean", "iqm"])
@pytest.mark.parametrize("chunk", [8, 8000, 2**14])
def test_bootstrap_chunks_give_the_same_bits(
    monkeypatch: pytest.MonkeyPatch, estimator: str, chunk: int
) -> None:
    # Where the chunks end (down to a last chunk of one column) changes no digit.
    from lagom.vis import stats

    ys = np.random.default_rng(1).normal(size=(13, 7)) * 1e6
    whole = bootstrap_ci(ys, estimator, n_boot=300, seed=3)  # type: ignore[arg-type]
    monkeypatch.setattr(stats, "_CHUNK_BYTES", chunk, raising=False)
    chunked = bootstrap_ci(ys, estimator, n_boot=300, seed=3)  # type: ignore[arg-type]
    assert np.array_equal(whole[0], chunked[0])
    assert np.array_equal(whole[1], chunked[1])


def test_n_boot_beyond_physical_memory_is_refused_before_resampling() -> None:
    # Before: numpy's MemoryError for the [n_boot, S] indices (8 TB here).
    with pytest.raises(ValueError, match=r"n_boot must be at most \d+ for 1000000 seeds"):
        bootstrap_ci(np.zeros((10**6, 1)), n_boot=10**6)
