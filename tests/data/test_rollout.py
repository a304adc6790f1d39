"""Tests for ``lagom.data.rollout``: the batched, time-major Rollout record."""

from __future__ import annotations

import copy
import pickle
import warnings
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.data import Rollout
from lagom.testing.strategies import rollout_arrays
from tests.data.frozen_checks import assert_deeply_frozen, infos, mutate


def _arrays(T: int = 3, N: int = 2, obs: tuple[int, ...] = (4,)) -> dict[str, Any]:
    return {
        "observations": np.zeros((T, N, *obs)),
        "actions": np.zeros((T, N), dtype=np.int64),
        "rewards": np.ones((T, N)),
        "terminated": np.zeros((T, N), dtype=bool),
        "truncated": np.zeros((T, N), dtype=bool),
        "next_observations": np.ones((T, N, *obs)),
    }


@given(rollout_arrays())
def test_fields_read_back_and_dones_is_the_union(arrays: dict[str, Any]) -> None:
    rollout = Rollout(**arrays)
    T, N = arrays["rewards"].shape
    assert (rollout.T, rollout.N) == (T, N)
    for name, value in arrays.items():
        np.testing.assert_array_equal(getattr(rollout, name), value)
        assert getattr(rollout, name).dtype == value.dtype
    expected = [
        [bool(arrays["terminated"][t, n] or arrays["truncated"][t, n]) for n in range(N)]
        for t in range(T)
    ]
    assert rollout.dones.tolist() == expected
    assert rollout.infos is None


def test_lists_are_converted_and_infos_kept() -> None:
    infos = [{"x": 1}, {"x": 2}]
    rollout = Rollout(
        observations=[[0.0], [1.0]],
        actions=[[1], [0]],
        rewards=[[1], [2]],
        terminated=[[False], [True]],
        truncated=[[False], [False]],
        next_observations=[[1.0], [9.0]],
        infos=infos,
    )
    assert rollout.observations.shape == (2, 1)
    assert rollout.observations.tolist() == [[0.0], [1.0]]
    assert rollout.next_observations.tolist() == [[1.0], [9.0]]
    assert rollout.actions.tolist() == [[1], [0]]
    assert rollout.rewards.tolist() == [[1], [2]]
    assert rollout.dones.tolist() == [[False], [True]]
    assert rollout.rewards.dtype.kind == "i"
    assert rollout.infos == tuple(infos)
    # Arrays converted from lists belong to the rollout alone: made read-only, not copied.
    assert rollout.rewards.base.flags.owndata
    assert not rollout.rewards.flags.writeable


def test_torch_tensors_are_copied_detached_and_without_warnings() -> None:
    torch = pytest.importorskip("torch")
    T, N = 3, 2
    # Sampled actions that require grad, bfloat16 rewards: np.array failed on both (a torch
    # RuntimeError or TypeError naming no argument) and warned for a plain tensor.
    actions = torch.zeros((T, N), requires_grad=True)
    rewards = torch.ones((T, N), dtype=torch.bfloat16)
    observations = torch.zeros((T, N, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rollout = Rollout(
            **{
                **_arrays(T, N),
                "actions": actions,
                "rewards": rewards,
                "observations": observations,
            }
        )
    assert rollout.actions.dtype == np.float32
    assert rollout.rewards.dtype == np.float32
    assert rollout.rewards.tolist() == [[1.0, 1.0]] * T
    with torch.no_grad():
        observations += 5.0
    assert not rollout.observations.any()  # a copy, not the tensor's memory
    assert not rollout.observations.flags.writeable


@pytest.mark.parametrize("name", sorted(_arrays()))
def test_a_masked_array_is_refused_not_unmasked(name: str) -> None:
    # Stored as a plain array, the masked entries read as valid data (as lagom.metric,
    # which refuses masked arrays for the same reason, would then compute with them).
    arrays = _arrays()
    arrays[name] = np.ma.masked_array(arrays[name], mask=np.ones(arrays[name].shape, bool))
    with pytest.raises(TypeError, match=rf"^{name} is a masked array, whose mask"):
        Rollout(**arrays)
    goals = {"observation": arrays["observations"]}
    if name == "observations":
        with pytest.raises(TypeError, match=r"^observations\['observation'\] is a masked"):
            Rollout(**{**_arrays(), "observations": goals, "next_observations": goals})


def test_actions_may_have_trailing_dimensions() -> None:
    actions = np.arange(30.0).reshape(3, 2, 5)
    rollout = Rollout(**{**_arrays(), "actions": actions})
    assert rollout.actions.shape == (3, 2, 5)
    np.testing.assert_array_equal(rollout.actions, actions)


def test_rollout_is_frozen_and_compares_by_value() -> None:
    rollout = Rollout(**_arrays())
    assert rollout == Rollout(**_arrays())
    assert rollout != Rollout(**{**_arrays(), "rewards": np.zeros((3, 2))})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rollout.rewards = np.zeros((3, 2))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("observations", np.zeros(3), r"observations must be \[T, N, ...\], got shape \(3,\)"),
        ("actions", np.zeros((3,)), r"actions must have shape \[3, 2, ...\]"),
        ("actions", np.zeros((2, 3)), r"actions must have shape \[3, 2, ...\]"),
        ("rewards", np.zeros((3, 2, 1)), r"rewards must have shape \(3, 2\)"),
        ("rewards", np.zeros((2, 3)), r"rewards must have shape \(3, 2\).*got \(2, 3\)"),
        ("terminated", np.zeros((3,), bool), r"terminated must have shape \(3, 2\)"),
        ("truncated", np.zeros((3, 3), bool), r"truncated must have shape \(3, 2\)"),
        ("next_observations", np.zeros((3, 2, 5)), r"next_observations must have shape"),
        ("next_observations", np.zeros((3, 2)), r"next_observations must have shape"),
        ("infos", [{}, {}], r"infos must hold one entry per step \(T=3\), got 2"),
        ("rewards", np.array([[0.0, 1.0], [0.0, np.nan], [0.0, 0.0]]), r"finite .* at \[1, 1\]"),
        ("rewards", np.full((3, 2), -np.inf), r"rewards must be finite .*got -inf at \[0, 0\]"),
        ("observations", [[[1.0], [2.0]], [[3.0]], [[4.0], [5.0]]], "observations must be a rect"),
        ("actions", [[0, 1], [0], [1, 1]], "actions must be a rectangular array"),
    ],
)
def test_shape_mismatch_raises_value_error(name: str, value: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Rollout(**{**_arrays(), name: value})


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("rewards", np.zeros((3, 2), bool), "rewards must be real numbers, got dtype bool"),
        ("rewards", np.full((3, 2), "a"), "rewards must be real numbers"),
        ("rewards", np.zeros((3, 2), complex), "rewards must be real numbers"),
        ("terminated", np.zeros((3, 2)), "terminated must be a bool array, got dtype float64"),
        ("truncated", np.zeros((3, 2), int), "truncated must be a bool array"),
        ("infos", [{}, {}, 5], "each info must be a mapping, got int"),
    ],
)
def test_wrong_dtype_raises_type_error(name: str, value: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        Rollout(**{**_arrays(), name: value})


_FIELDS = ("observations", "actions", "rewards", "terminated", "truncated", "next_observations")


@given(rollout_arrays(), st.data())
def test_rollout_resists_every_route_to_mutate_it(
    arrays: dict[str, Any], data: st.DataObject
) -> None:
    T = arrays["rewards"].shape[0]
    step_infos = data.draw(st.lists(infos(), min_size=T, max_size=T))
    expected = Rollout(**copy.deepcopy(arrays), infos=copy.deepcopy(step_infos))
    rollout = Rollout(**arrays, infos=step_infos)
    for field in attrs.fields(Rollout):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(rollout, field.name, getattr(rollout, field.name))
    for name in (*_FIELDS, "dones"):
        assert_deeply_frozen(getattr(rollout, name))
    assert isinstance(rollout.infos, tuple)
    assert_deeply_frozen(rollout.infos)
    for name in _FIELDS:
        assert not np.shares_memory(getattr(rollout, name), arrays[name])
    mutate(arrays)
    mutate(step_infos)
    assert rollout == expected


def test_item_assignment_and_in_place_ops_raise() -> None:
    rollout = Rollout(**_arrays(), infos=[{"x": np.zeros(2), "d": {"y": [1]}}] * 3)
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        rollout.rewards[0, 0] = 5
    with pytest.raises(ValueError, match="read-only"):
        rollout.observations += 1
    with pytest.raises(ValueError, match="read-only"):
        np.copyto(rollout.terminated, True)
    with pytest.raises(TypeError):
        rollout.infos[0]["x"] = 1  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        rollout.infos[0]["x"][0] = 1
    with pytest.raises(TypeError):
        rollout.infos[0]["d"]["y"] = 1


def test_arrays_of_another_rollout_are_not_copied() -> None:
    first = Rollout(**_arrays())
    second = Rollout(
        observations=first.observations,
        actions=first.actions,
        rewards=first.rewards[:, :],  # a read-only view of read-only memory
        terminated=first.terminated,
        truncated=first.truncated,
        next_observations=first.next_observations,
    )
    assert second.observations is first.observations
    assert second.rewards.base is first.rewards.base


def test_pickle_and_copy_round_trip_stay_frozen() -> None:
    rollout = Rollout(**_arrays(), infos=[{"x": np.zeros(2), "d": {"y": [1]}}, {}, {}])
    for clone in (pickle.loads(pickle.dumps(rollout)), copy.deepcopy(rollout), copy.copy(rollout)):
        assert clone == rollout
        for name in _FIELDS:
            assert_deeply_frozen(getattr(clone, name))
        assert_deeply_frozen(clone.infos)


def _goal(T: int = 3, N: int = 2) -> dict[str, Any]:
    """Dict observations of a goal space, keys out of order, one uint8 key."""
    return {
        "observation": np.arange(T * N * 2, dtype=np.float32).reshape(T, N, 2),
        "desired_goal": np.full((T, N, 3), 7, dtype=np.uint8),
    }


def test_dict_observations_are_sorted_frozen_and_keep_their_dtypes() -> None:
    goal, next_goal = _goal(), _goal()
    rollout = Rollout(**{**_arrays(), "observations": goal, "next_observations": next_goal})
    assert (rollout.T, rollout.N) == (3, 2)
    for obs in (rollout.observations, rollout.next_observations):
        assert isinstance(obs, Mapping)
        assert list(obs) == ["desired_goal", "observation"]
        assert obs["desired_goal"].dtype == np.uint8
        assert obs["observation"].dtype == np.float32
        np.testing.assert_array_equal(obs["observation"], np.arange(12).reshape(3, 2, 2))
    goal["observation"][0, 0, 0] = 99.0  # the caller's arrays are copied
    assert rollout.observations["observation"][0, 0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        rollout.observations["desired_goal"][0, 0, 0] = 1
    with pytest.raises(TypeError):
        rollout.observations["extra"] = np.zeros((3, 2))  # type: ignore[index]
    same = Rollout(**{**_arrays(), "observations": _goal(), "next_observations": _goal()})
    assert same == rollout
    other = _goal()
    other["observation"][2, 1, 1] = -1.0
    assert Rollout(**{**_arrays(), "observations": other, "next_observations": _goal()}) != same
    for back in (pickle.loads(pickle.dumps(rollout)), copy.deepcopy(rollout)):
        assert back == rollout
        assert isinstance(back.observations, Mapping)
        assert not back.observations["observation"].flags.writeable


@pytest.mark.parametrize(
    ("observations", "next_observations", "error", "match"),
    [
        (_goal(), np.zeros((3, 2, 2)), TypeError, "both be arrays or both dicts"),
        (np.zeros((3, 2, 2)), _goal(), TypeError, "both be arrays or both dicts"),
        (_goal(), {"observation": np.zeros((3, 2, 2))}, ValueError, "keys of observations"),
        (
            _goal(),
            {**_goal(), "observation": np.zeros((3, 2, 5))},
            ValueError,
            r"next_observations\['observation'\] must have shape \(3, 2, 2\)",
        ),
        (
            {**_goal(), "observation": np.zeros((3, 1, 2))},
            _goal(),
            ValueError,
            r"share \[T, N\] = \[3, 2\], got \[3, 1\]",
        ),
        ({**_goal(), "observation": np.zeros(3)}, _goal(), ValueError, r"\[T, N, \.\.\.\]"),
        ({}, {}, ValueError, "at least one key"),
        ({1: np.zeros((3, 2))}, {1: np.zeros((3, 2))}, TypeError, "str keys"),
    ],
)
def test_bad_dict_observations_raise(
    observations: Any, next_observations: Any, error: type[Exception], match: str
) -> None:
    arrays = {**_arrays(), "observations": observations, "next_observations": next_observations}
    with pytest.raises(error, match=match):
        Rollout(**arrays)
