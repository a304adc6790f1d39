"""Tests for ``lagom.data.transition``: the Transition record."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given

from lagom.data import Transition
from tests.data.frozen_checks import assert_deeply_frozen, mutate, payloads


def test_fields_and_done() -> None:
    tr = Transition(np.zeros(2), 1, 0.5, np.ones(2), terminated=True, truncated=False)
    assert (tr.reward, tr.terminated, tr.truncated, tr.done) == (0.5, True, False, True)
    assert tr == Transition(np.zeros(2), 1, 0.5, np.ones(2), True, False)
    assert tr != Transition(np.zeros(2), 2, 0.5, np.ones(2), True, False)


@given(payloads(), payloads(), payloads())
def test_transition_resists_every_route_to_mutate_it(
    observation: Any, action: Any, next_observation: Any
) -> None:
    originals = (observation, action, next_observation)
    expected = Transition(
        *copy.deepcopy(originals[:2]), 1.0, copy.deepcopy(next_observation), False, True
    )
    tr = Transition(observation, action, 1.0, next_observation, False, True)
    for field in attrs.fields(Transition):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(tr, field.name, getattr(tr, field.name))
    for value in (tr.observation, tr.action, tr.next_observation):
        assert_deeply_frozen(value)
    for original in originals:
        mutate(original)
    assert tr == expected


def test_array_fields_are_read_only_copies() -> None:
    obs = np.zeros(2)
    tr = Transition(obs, np.array([1]), 1.0, obs, False, False)
    obs[0] = 5.0
    assert tr.observation.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        tr.next_observation[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        tr.action += 1
    # Built from frozen values (as Trajectory.transitions does), nothing is copied.
    again = Transition(tr.observation, tr.action, 1.0, tr.next_observation, False, False)
    assert again.observation is tr.observation
    assert again.action is tr.action


def test_pickle_and_copy_round_trip_stay_frozen() -> None:
    tr = Transition({"pos": np.zeros(2)}, [1, 2], 1.0, {"pos": np.ones(2)}, True, False)
    for clone in (pickle.loads(pickle.dumps(tr)), copy.deepcopy(tr), copy.copy(tr)):
        assert clone == tr
        assert_deeply_frozen(clone.observation)
        assert_deeply_frozen(clone.next_observation)
        assert clone.action == (1, 2)
