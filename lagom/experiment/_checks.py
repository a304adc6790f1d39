"""Input checks of :func:`~lagom.experiment.run_experiment`, with messages that teach (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, TypeGuard

import numpy as np

__all__ = ["check_configs", "check_gpu_ids", "check_seeds", "check_workers"]


def _is_int(value: object) -> TypeGuard[int | np.integer[Any]]:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_list(name: str, values: object, low: int | None) -> list[int]:
    """``values`` as a list of distinct ints (at least one, each ``>= low``)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of integers, got {type(values).__name__}")
    items = list(values)
    if not items:
        raise ValueError(f"{name} must hold at least one integer, got an empty {name}")
    bad = [item for item in items if not _is_int(item)]
    if bad:
        raise TypeError(f"{name} must be integers, got {bad[0]!r} ({type(bad[0]).__name__})")
    numbers = [int(item) for item in items]
    if low is not None and min(numbers) < low:
        raise ValueError(f"{name} must be integers >= {low}, got {min(numbers)}")
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValueError(f"{name} must be distinct, got {repeated} more than once in {numbers}")
    return numbers


def check_seeds(seeds: object) -> list[int]:
    """Distinct integer seeds, at least one."""
    return _int_list("seeds", seeds, None)


def check_gpu_ids(gpu_ids: object) -> list[int]:
    """Distinct non-negative CUDA device ids, at least one."""
    return _int_list("gpu_ids", gpu_ids, 0)


def check_configs(configs: object) -> list[Mapping[str, Any]]:
    """Configuration mappings with distinct integer ``"ID"`` items (non-negative), at least one."""
    if isinstance(configs, (str, bytes, Mapping)) or not isinstance(configs, Sequence):
        raise TypeError(
            "config must be a Config or a list of configuration dicts with an 'ID' item, "
            f"got {type(configs).__name__}"
        )
    for config in configs:
        if not isinstance(config, Mapping) or "ID" not in config:
            raise TypeError(
                f"each configuration must be a dict with an 'ID' item, got {config!r:.80}"
            )
    _int_list("configuration IDs", [config["ID"] for config in configs], 0)
    return list(configs)


def _positive(name: str, value: object, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if not _is_int(value):
        expected = "a positive integer or None" if allow_none else "a positive integer"
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")


def check_workers(
    max_workers: object, chunksize: object, executor: object, torch_threads: object
) -> int:
    """The number of worker processes of lagom's own pool; 0 means serial or ``executor``."""
    _positive("chunksize", chunksize, allow_none=False)
    _positive("torch_threads", torch_threads, allow_none=True)
    if executor is not None:
        if not isinstance(executor, Executor):
            raise TypeError(
                f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}"
            )
        if max_workers not in (None, 0):
            raise ValueError(
                f"pass either max_workers or executor, got max_workers={max_workers!r} and an "
                "executor (the executor decides how many jobs run at once)"
            )
        return 0
    if max_workers is None:
        return 0
    if not _is_int(max_workers):
        raise TypeError(f"max_workers must be an integer or None, got {max_workers!r}")
    if int(max_workers) < 0:
        raise ValueError(f"max_workers must be >= 0 (0 or None runs serially), got {max_workers}")
    return int(max_workers)
