"""Tests for ``lagom.data.timestep``: StepType and TimeStep."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given

from lagom.data import StepType, TimeStep
from tests.data.frozen_checks import assert_deeply_frozen, infos, mutate, payloads


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


def test_a_reward_beyond_floats_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"reward must fit in a float .* an int of 401 digits"):
        TimeStep(StepType.MID, 0, 10**400)


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


@given(payloads(), infos())
def test_timestep_resists_every_route_to_mutate_it(observation: Any, info: dict[str, Any]) -> None:
    expected = TimeStep(StepType.MID, copy.deepcopy(observation), 1.0, info=copy.deepcopy(info))
    step = TimeStep(StepType.MID, observation, 1.0, info=info)
    for field in attrs.fields(TimeStep):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(step, field.name, getattr(step, field.name))
    assert_deeply_frozen(step.observation)
    assert_deeply_frozen(step.info)
    with pytest.raises(TypeError, match="does not support item assignment"):
        step.info["mutated"] = 1  # type: ignore[index]
    mutate(observation)
    mutate(info)  # adds the key "mutated", which generated infos never hold
    assert step == expected
    assert "mutated" not in step.info


def test_array_observation_and_info_arrays_are_read_only_copies() -> None:
    obs, values = np.zeros(3), np.ones(2)
    step = TimeStep(StepType.MID, obs, 1.0, info={"V": values, "nested": {"a": [values]}})
    assert not np.shares_memory(step.observation, obs)
    assert not np.shares_memory(step["V"], values)
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        step.observation[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        step["V"] += 1
    with pytest.raises(TypeError):
        step["nested"]["a"] = 1
    assert step["nested"]["a"] == (step["nested"]["a"][0],)  # a list is stored as a tuple


def test_rebuilding_a_step_from_a_step_copies_nothing() -> None:
    step = TimeStep(StepType.MID, np.zeros(3), 1.0, info={"V": np.ones(2)})
    again = TimeStep(StepType.LAST, step.observation, 2.0, True, False, {**step.info, "x": 1})
    assert again.observation is step.observation
    assert again["V"] is step["V"]
    assert TimeStep(StepType.FIRST, 0).info is TimeStep(StepType.FIRST, 1, info={}).info


@given(payloads(), infos())
def test_pickle_and_copy_round_trip_stay_frozen(observation: Any, info: dict[str, Any]) -> None:
    step = TimeStep(StepType.LAST, observation, 1.0, False, True, info)
    for clone in (pickle.loads(pickle.dumps(step)), copy.deepcopy(step), copy.copy(step)):
        assert clone == step
        assert_deeply_frozen(clone.observation)
        assert_deeply_frozen(clone.info)


@pytest.mark.parametrize("info", [{}, {"TimeLimit.truncated": True}])
def test_the_0_0_3_signature_with_done_and_info_is_explained(info: dict[str, Any]) -> None:
    # lagom 0.0.3: TimeStep(step_type, observation, reward, done, info).
    with pytest.raises(TypeError) as raised:
        TimeStep(StepType.MID, np.zeros(2), 1.0, True, info)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "terminated and truncated" in message
    assert "0.0.3" in message
    assert "done" in message
    assert "Migrating from lagom 0.0.3" in message
    assert "docs/migration.rst" in message


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((StepType.FIRST, 0, None, None, None), "terminated"),  # 0.0.3's reset step
        ((StepType.FIRST, 0, None, False, None), "truncated"),
        ((StepType.FIRST, 0, None, False, False, None), "info"),
    ],
)
def test_the_0_0_3_first_step_with_nones_is_explained(args: tuple[Any, ...], name: str) -> None:
    with pytest.raises(TypeError, match=rf"^{name} must be .*got None.*0\.0\.3.*migration\.rst"):
        TimeStep(*args)


def test_the_page_the_error_names_exists_and_covers_timestep() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "migration.rst"
    title, underline, *_ = page.read_text(encoding="utf-8").splitlines()
    assert title == "Migrating from lagom 0.0.3"
    assert set(underline) == {"="}
    assert "TimeStep(step_type, observation, reward, terminated, truncated, info)" in (
        page.read_text(encoding="utf-8")
    )
