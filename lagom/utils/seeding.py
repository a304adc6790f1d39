"""Reproducible random seeds: :class:`Seeder` and :func:`set_global_seeds`."""

from __future__ import annotations

import importlib
import importlib.util
import math
import random
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from lagom._checks import check_fits, check_seed, is_int

__all__ = ["Seeder", "set_global_seeds"]

#: The bytes a seed takes while drawn: 8 in numpy's array, about 40 in the list returned.
_SEED_BYTES = 48


def set_global_seeds(seed: int) -> None:
    """Seed the global random number generators of PyTorch, numpy and Python's ``random``.

    PyTorch is seeded only when it is installed (CUDA included when available); it is
    imported here, not when this module is imported. Library code never calls this: it is
    for the top of an experiment script.

    Args:
        seed: a seed: an int (Python or numpy) in ``[0, 2**32 - 1]``, lagom's one rule for
            seeds.

    Raises:
        TypeError: ``seed`` is not an int, or is a bool.
        ValueError: ``seed`` is out of range.

    Example:
        >>> set_global_seeds(0)
        >>> a = (random.random(), np.random.rand())
        >>> set_global_seeds(0)
        >>> a == (random.random(), np.random.rand())
        True
    """
    seed = check_seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeding the global RNG is this function's purpose
    if importlib.util.find_spec("torch") is not None:
        torch = importlib.import_module("torch")
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)


class Seeder:
    """A generator of random seeds, reproducible from one initial seed.

    Each call draws seeds uniformly from ``[0, 2**31 - 1)`` with the seeder's own
    ``numpy.random.RandomState(init_seed)``; successive calls continue the same stream.
    The global ``np.random`` state is neither used nor changed.

    Args:
        init_seed: initial seed, an int (Python or numpy) in ``[0, 2**32 - 1]``. Default:
            ``0``.

    Raises:
        TypeError: ``init_seed`` is not an int, or is a bool.
        ValueError: ``init_seed`` is out of range.

    Example:
        >>> seeder = Seeder(init_seed=0)
        >>> seeder(size=5)
        [209652396, 398764591, 924231285, 1478610112, 441365315]
        >>> seeder(size=[2, 1])
        [[1537364731], [192771779]]
    """

    def __init__(self, init_seed: int = 0) -> None:
        self.init_seed = check_seed("init_seed", init_seed)
        self.rng = np.random.RandomState(seed=self.init_seed)
        self.max = int(np.iinfo(np.int32).max)

    @overload
    def __call__(self, size: int = 1) -> list[int]: ...
    @overload
    def __call__(self, size: Sequence[int]) -> list[Any]: ...
    def __call__(self, size: int | Sequence[int] = 1) -> list[Any]:
        """Return the next random seeds: a list of ``size`` ints, or nested lists of shape ``size``.

        Args:
            size: the number of seeds (an int), or the shape of the nested list (a list or
                tuple of ints).

        Raises:
            TypeError: ``size`` is neither an int nor a list or tuple of ints.
            ValueError: a size is negative, ``size`` is an empty list or tuple, or it asks
                for more seeds than can be held in memory.
        """
        shape = (size,) if is_int(size) else size
        if not isinstance(shape, (list, tuple)) or not all(is_int(n) for n in shape):
            raise TypeError(f"size must be an int or a list/tuple of ints, got {size!r}")
        if not shape:  # numpy's shape () would give one bare int, not a list
            raise ValueError("size must hold at least one dimension, got an empty shape")
        if any(n < 0 for n in shape):
            raise ValueError(f"size must not be negative, got {size!r}")
        count = math.prod(int(n) for n in shape)
        if is_int(size):
            check_fits("size", count, _SEED_BYTES, context=" seeds")
        else:
            check_fits(f"the number of seeds of size {size!r}", count, _SEED_BYTES)
        seeds: list[Any] = self.rng.randint(low=0, high=self.max, size=shape).tolist()
        return seeds
