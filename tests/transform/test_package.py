"""Tests for ``lagom.transform``'s public face."""

from __future__ import annotations

import lagom.transform


def test_all_names_resolve_to_transform_modules() -> None:
    assert lagom.transform.__all__ == sorted(lagom.transform.__all__)
    for name in lagom.transform.__all__:
        obj = getattr(lagom.transform, name)
        assert obj.__module__.startswith("lagom.transform.")
        assert obj.__doc__


def test_every_documented_name_is_exported() -> None:
    documented = {
        "Describe",
        "describe",
        "interp_curves",
        "geometric_cumsum",
        "explained_variance",
        "LinearSchedule",
        "rank_transform",
        "PolyakAverage",
        "RunningMeanVar",
        "smooth_filter",
        "SegmentTree",
        "SumTree",
        "MinTree",
    }
    assert documented <= set(lagom.transform.__all__)
