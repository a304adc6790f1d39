"""A YAML dumper that writes numpy values as plain YAML (private; imports pyyaml)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import yaml

__all__ = ["plain_dumper"]


def _represent_numpy(dumper: yaml.SafeDumper, value: np.generic | np.ndarray) -> yaml.Node:
    return dumper.represent_data(value.tolist())


@functools.cache
def plain_dumper() -> type[yaml.SafeDumper]:
    """Return a ``SafeDumper`` subclass that also writes numpy scalars and arrays.

    Scalars become Python numbers (``np.float32(0.5)`` -> ``0.5``) and arrays nested lists,
    so the output stays readable by ``yaml.safe_load``.
    """

    class _PlainDumper(yaml.SafeDumper):
        pass

    # np.generic is abstract; mypy rejects an abstract class where a concrete type is expected.
    numpy_scalar: type[Any] = np.generic
    _PlainDumper.add_multi_representer(numpy_scalar, _represent_numpy)
    _PlainDumper.add_representer(np.ndarray, _represent_numpy)
    return _PlainDumper
