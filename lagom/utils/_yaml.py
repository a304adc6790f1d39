"""A YAML dumper that writes numpy values as plain YAML, and a loader that refuses a key
given twice (private; imports pyyaml)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import yaml

__all__ = ["plain_dumper", "unique_key_loader"]


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


@functools.cache
def unique_key_loader() -> type[yaml.SafeLoader]:
    """Return a ``SafeLoader`` subclass that refuses a mapping holding a key twice.

    ``yaml.safe_load`` keeps the last value of a repeated key silently; this loader raises
    ``yaml.constructor.ConstructorError`` naming the key and its line. Keys that a merge
    (``<<: *base``) brings in may still be overridden.
    """

    class _UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[object] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                except TypeError:  # unhashable: yaml's own check below names it
                    continue
                if repeated:
                    line = key_node.start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found the key {key!r:.60} twice in one mapping (line {line})"
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return _UniqueKeyLoader
