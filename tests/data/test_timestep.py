"""Tests for ``lagom.data.timestep``: StepType and TimeStep."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from lagom.data import StepType, TimeStep


def test_step_type_values_follow_the_reference() -> None:
    assert [StepType.FIRST, StepType.MID, StepType.LAST] == [0, 1, 2]
    assert [s.name for s in StepType] == ["FIRST", "MID", "LAST"]


def test_first_step_defaults() -> None:
    step = TimeStep(StepType.FIRST, np.zeros(3))
    assert step.reward is None
    assert (step.terminated, step.truncated, step.done) == (False, False, False)
    assert step.info == {}
    assert (step.first(), step.mid(), step.last()) == (True, False, False)
    assert (step.terminal(), step.time_limit()) == (False, False)


def test_mid_step() -> None:
    step = TimeStep(StepType.MID, 1, reward=0.5, info={"V": 2.0})
    assert (step.first(), step.mid(), step.last(), step.done) == (False, True, False, False)
    assert step["V"] == 2.0
    with pytest.raises(KeyError):
        step["missing"]


@pytest.mark.parametrize(
    ("terminated", "truncated", "terminal", "time_limit"),
    [(True, False, True, False), (False, True, False, True), (True, True, True, False)],
)
def test_last_step_flags(
    terminated: bool, truncated: bool, terminal: bool, time_limit: bool
) -> None:
    # Both flags set counts as terminal: a terminal state needs no bootstrap, whatever the clock.
    step = TimeStep(StepType.LAST, 0, 1.0, terminated, truncated)
    assert step.last()
    assert step.done
    assert step.terminal() is terminal
    assert step.time_limit() is time_limit


def test_int_step_type_is_converted() -> None:
    assert TimeStep(2, 0, 1.0, True).step_type is StepType.LAST
    assert TimeStep(np.int64(0), 0).step_type is StepType.FIRST


def test_reward_is_stored_as_python_float() -> None:
    for reward in (np.float32(0.5), np.float64(0.5), np.array(0.5), 1, np.int8(1)):
        step = TimeStep(StepType.MID, 0, reward)
        assert type(step.reward) is float
        assert step.reward == float(reward)


def test_numpy_bool_flags_are_accepted() -> None:
    step = TimeStep(StepType.LAST, 0, 1.0, np.bool_(False), np.bool_(True))
    assert step.truncated is True
    assert step.terminated is False


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"step_type": StepType.FIRST, "reward": 1.0}, "FIRST step has no reward"),
        ({"step_type": StepType.FIRST, "terminated": True}, "FIRST step cannot be terminated"),
        ({"step_type": StepType.FIRST, "truncated": True}, "FIRST step cannot be terminated"),
        ({"step_type": StepType.MID}, "MID step needs the reward"),
        ({"step_type": StepType.MID, "reward": 1.0, "terminated": True}, "MID step cannot"),
        ({"step_type": StepType.MID, "reward": 1.0, "truncated": True}, "MID step cannot"),
        ({"step_type": StepType.LAST, "reward": 1.0}, "LAST step must be terminated or truncated"),
        ({"step_type": StepType.LAST, "terminated": True}, "LAST step needs the reward"),
        ({"step_type": 3}, "step_type must be one of"),
    ],
)
def test_inconsistent_steps_raise_value_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TimeStep(observation=0, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"step_type": "FIRST"}, "step_type must be a StepType"),
        ({"step_type": True}, "step_type must be a StepType"),
        ({"step_type": StepType.MID, "reward": "1"}, "reward must be a real number"),
        ({"step_type": StepType.MID, "reward": True}, "reward must be a real number"),
        ({"step_type": StepType.MID, "reward": [1.0]}, "reward must be a real number"),
        ({"step_type": StepType.LAST, "reward": 1.0, "terminated": 1}, "terminated must be a bool"),
        ({"step_type": StepType.LAST, "reward": 1.0, "truncated": "y"}, "truncated must be a bool"),
        ({"step_type": StepType.FIRST, "info": [("V", 1)]}, "info must be a mapping"),
    ],
)
def test_wrong_types_raise_type_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        TimeStep(observation=0, **kwargs)  # type: ignore[arg-type]


def test_timestep_is_frozen() -> None:
    step = TimeStep(StepType.FIRST, 0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        step.reward = 1.0  # type: ignore[misc]


def test_equality_compares_array_observations_and_infos_by_value() -> None:
    a = TimeStep(StepType.MID, np.arange(3.0), 1.0, info={"V": np.ones(2)})
    b = TimeStep(StepType.MID, np.arange(3.0), 1.0, info={"V": np.ones(2)})
    assert a == b
    assert hash(a) == hash(b)
    assert a != TimeStep(StepType.MID, np.arange(3.0) + 1, 1.0, info={"V": np.ones(2)})
    assert a != TimeStep(StepType.MID, np.arange(3.0), 1.0, info={"V": np.zeros(2)})
    assert a != TimeStep(StepType.MID, np.arange(3.0), 2.0, info={"V": np.ones(2)})
    assert a != TimeStep(StepType.MID, np.arange(4.0), 1.0, info={"V": np.ones(2)})
