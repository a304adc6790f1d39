"""Tests for ``lagom.utils``'s public face and its lazily loaded torch helpers."""

from __future__ import annotations

import importlib.util
import sys

import pytest

import lagom.utils

_TORCH_NAMES = {"numpify", "tensorify"}


def test_all_names_resolve_from_the_package() -> None:
    assert lagom.utils.__all__ == sorted(lagom.utils.__all__)
    available = set(lagom.utils.__all__)
    if importlib.util.find_spec("torch") is None:
        available -= _TORCH_NAMES
    for name in available:
        assert getattr(lagom.utils, name).__module__.startswith("lagom.utils.")


def test_lazy_torch_helpers_are_listed() -> None:
    assert set(lagom.utils.__all__) >= _TORCH_NAMES
    assert set(dir(lagom.utils)) >= _TORCH_NAMES


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"module 'lagom\.utils' has no attribute 'nope'"):
        lagom.utils.nope  # noqa: B018 - the lookup is the test


def test_torch_helpers_without_torch_raise_a_clear_import_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A None entry in sys.modules makes `import torch` fail, as if it were not installed.
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "lagom.utils.torch_utils", raising=False)
    monkeypatch.delitem(vars(lagom.utils), "tensorify", raising=False)  # a cached lookup
    with pytest.raises(ImportError, match=r"lagom\.utils\.tensorify needs PyTorch"):
        lagom.utils.tensorify  # noqa: B018 - the lookup is the test
    assert lagom.utils.Seeder(0)(1) == [209652396]
