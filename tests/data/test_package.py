"""Tests for ``lagom.data``'s public face."""

from __future__ import annotations

import lagom
import lagom.data


def test_all_lists_the_public_records() -> None:
    assert lagom.data.__all__ == ["Rollout", "StepType", "TimeStep", "Trajectory", "Transition"]
    for name in lagom.data.__all__:
        assert getattr(lagom.data, name).__module__.startswith("lagom.data.")


def test_top_level_names_are_the_data_records() -> None:
    for name in ("StepType", "TimeStep", "Trajectory", "Rollout"):
        assert getattr(lagom, name) is getattr(lagom.data, name)
