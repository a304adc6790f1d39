"""Tests for ``lagom.vis.labels``: axis labels and legend entries."""

from __future__ import annotations

import pytest

from lagom.vis import AXIS_LABELS, axis_label, config_labels


def test_axis_labels() -> None:
    assert axis_label("timesteps") == "Environment steps"
    assert axis_label("train_return") == axis_label("eval_return") == "Episode return"
    assert axis_label("success_rate") == "Success rate"
    assert axis_label("timesteps", {"timesteps": "Frames", "x": "y"}) == "Frames"
    assert AXIS_LABELS["iteration"] == "Iteration"
    with pytest.raises(TypeError):
        AXIS_LABELS["new"] = "x"  # type: ignore[index]  # read-only: extend with names=


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3e-4, "3e-4"),
        (2.5e-5, "2.5e-5"),
        (0.001, "0.001"),
        (0.98, "0.98"),
        (0.05, "0.05"),
        (1e6, "1e6"),
        (64, "64"),
        ([64, 64], "[64, 64]"),
        ("adam", "adam"),
        (0.0, "0.0"),
    ],
)
def test_values_are_written_short(value: object, text: str) -> None:
    assert config_labels([{"a": value}, {"a": "other"}], [0, 1])[0] == f"a={text}"


def test_only_what_differs_and_the_id_fallback() -> None:
    configs = [{"ID": 0, "lr": 0.1, "env": "A"}, {"ID": 1, "lr": 0.1, "env": "B", "extra": 1}]
    assert config_labels(configs, [0, 1]) == ["env=A, extra=None", "env=B, extra=1"]
    assert config_labels([{"ID": 3}, {"ID": 4}], [3, 4]) == ["ID 3", "ID 4"]
    with pytest.raises(ValueError, match="one ID per configuration"):
        config_labels([{}], [1, 2])
