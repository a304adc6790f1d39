"""Shared test helpers for ``tests/envs``: reference traces and deep comparison of outputs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tests.envs.fakes import CountingEnv

__all__ = ["assert_same", "counting_fns", "counting_reference", "moments_reference"]


def counting_fns(configs: Sequence[dict[str, Any]]) -> list[Callable[[], CountingEnv]]:
    """Picklable constructors of CountingEnvs, one per configuration."""
    return [functools.partial(CountingEnv, **config) for config in configs]


def counting_reference(config: dict[str, Any], k: int) -> dict[str, Any]:
    """What one sub-environment reports at the k-th step (k >= 1) after a reset.

    A plain model of CountingEnv under same-step autoreset: the k-th step is step
    ``p = (k - 1) % L + 1`` of its episode; at ``p == L`` the episode ends, the row shows
    the reset observation ``start`` and the final observation is ``start + L``.
    """
    length, start = config["episode_length"], config.get("start", 0)
    end = config.get("end", "terminated")
    p = (k - 1) % length + 1
    done = p == length
    rewards = config.get("rewards") or [config.get("reward", 1.0)] * length
    return {
        "obs": start if done else start + p,
        "reward": rewards[p - 1],
        "terminated": done and end in ("terminated", "both"),
        "truncated": done and end in ("truncated", "both"),
        "final_obs": start + p if done else None,
        "t": 0 if done else p,
    }


def assert_same(a: Any, b: Any, path: str = "") -> None:
    """Assert two outputs are equal: same types, dtypes, shapes, keys and values."""
    assert type(a) is type(b), f"{path}: {type(a)} != {type(b)}"
    if isinstance(a, dict):
        # Key order is not part of the contract (gymnasium's sync and async loops differ).
        assert sorted(a) == sorted(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, f"{path}: {a!r} != {b!r}"
        assert a.shape == b.shape, f"{path}: {a!r} != {b!r}"
        if a.dtype == object:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                assert_same(x, y, f"{path}[{i}]")
        else:
            np.testing.assert_array_equal(a, b, err_msg=path)
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def moments_reference(data: Any, prior_count: float = 1e-4) -> tuple[Any, Any]:
    """Mean and variance of ``data`` [n, *shape] together with RunningMeanVar's prior.

    The prior is ``prior_count`` pseudo-samples of mean 0 and variance 1 (the seed's
    convention), so with ``m = sum(x) / (n0 + n)`` the variance is
    ``(n0 * (1 + m**2) + sum((x - m)**2)) / (n0 + n)``: plain numpy, no Chan merge.
    """
    x = np.asarray(data, dtype=np.float64)
    total = prior_count + len(x)
    mean = x.sum(axis=0) / total
    var = (prior_count * (1.0 + mean**2) + ((x - mean) ** 2).sum(axis=0)) / total
    return mean, var
