"""Tests for ``lagom.data.trajectory``: building, reading and the O(T) growth of Trajectory."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lagom.data.trajectory as trajectory_module
from lagom.data import StepType, TimeStep, Trajectory, Transition
from lagom.testing.strategies import Episode, episodes
from tests.data.frozen_checks import assert_deeply_frozen, infos, mutate, payloads


def _first(obs: Any = 0) -> TimeStep:
    return TimeStep(StepType.FIRST, obs)


def _mid(obs: Any = 0, reward: float = 1.0) -> TimeStep:
    return TimeStep(StepType.MID, obs, reward)


def _last(obs: Any = 0, *, terminated: bool = True, truncated: bool = False) -> TimeStep:
    return TimeStep(StepType.LAST, obs, 1.0, terminated, truncated)


def _build(episode: Episode) -> Trajectory:
    traj = Trajectory()
    for t, step in enumerate(episode.timesteps()):
        traj = traj.add(step, episode.actions[t - 1] if t else None)
    return traj


@given(episodes())
def test_added_steps_read_back(episode: Episode) -> None:
    traj = _build(episode)
    T = episode.T
    assert len(traj) == T + 1
    assert traj.T == T
    np.testing.assert_array_equal(traj.observations, np.stack(episode.observations))
    assert traj.observations.shape == (T + 1, *episode.observations[0].shape)
    np.testing.assert_array_equal(traj.actions, np.array(episode.actions).reshape(T))
    assert traj.rewards.dtype == np.float64
    np.testing.assert_array_equal(traj.rewards, np.array(episode.rewards).reshape(T))
    np.testing.assert_array_equal(traj.terminated, episode.terminated)
    np.testing.assert_array_equal(traj.truncated, episode.truncated)
    dones = [a or b for a, b in zip(episode.terminated, episode.truncated, strict=True)]
    np.testing.assert_array_equal(traj.dones, dones)
    assert traj.infos == episode.infos
    assert traj.get_infos("V") == [info["V"] for info in episode.infos if "V" in info]
    assert traj[0].info == episode.reset_info
    assert traj.last_info is None


@given(episodes())
def test_flags_follow_the_ending(episode: Episode) -> None:
    traj = _build(episode)
    assert traj.finished is (episode.ending != "running")
    assert traj.reach_terminal is (episode.ending in ("terminated", "both"))
    assert traj.reach_time_limit is (episode.ending == "truncated")


@given(episodes())
def test_transitions_match_a_reference_loop(episode: Episode) -> None:
    expected = []
    for t in range(episode.T):
        expected.append(
            Transition(
                observation=episode.observations[t],
                action=episode.actions[t],
                reward=episode.rewards[t],
                next_observation=episode.observations[t + 1],
                terminated=episode.terminated[t],
                truncated=episode.truncated[t],
            )
        )
    assert _build(episode).transitions == expected


@given(episodes())
def test_from_steps_equals_adding_one_by_one(episode: Episode) -> None:
    built = Trajectory.from_steps(episode.timesteps(), episode.actions)
    assert built == _build(episode)
    assert built.timesteps == tuple(episode.timesteps())


@given(episodes(), st.dictionaries(st.sampled_from("Vab"), st.floats(allow_nan=False)))
def test_pickle_and_copy_round_trip(episode: Episode, last_info: dict[str, float]) -> None:
    traj = _build(episode).with_last_info(last_info)
    for clone in (pickle.loads(pickle.dumps(traj)), copy.deepcopy(traj), copy.copy(traj)):
        assert clone == traj
        assert clone.last_info == last_info


@given(episodes(min_T=1), st.data())
def test_extending_an_older_version_leaves_newer_ones_intact(
    episode: Episode, data: st.DataObject
) -> None:
    versions = [Trajectory()]
    for t, step in enumerate(episode.timesteps()):
        versions.append(versions[-1].add(step, episode.actions[t - 1] if t else None))
    branch_at = data.draw(st.integers(1, episode.T))  # a version that is not the newest
    old = versions[branch_at]
    branch = old.add(_mid(obs=np.full_like(episode.observations[0], 7.0), reward=-3.0), 99)
    # Every version still reads its own steps; the branch is the old prefix plus its step.
    for length, version in enumerate(versions):
        assert version.timesteps == tuple(episode.timesteps()[:length])
    assert branch.timesteps == (*old.timesteps, branch[-1])
    assert branch.rewards[-1] == -3.0
    assert branch.actions[-1] == 99
    # The newest version can still grow, and so can the branch, independently.
    np.testing.assert_array_equal(branch.add(_last(), 5).actions[-2:], [99, 5])


def test_adding_T_steps_copies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Structural proof of O(T): every store the trajectory code creates is counted, with the
    # number of steps it was created holding. Adding to the newest version must create none.
    created: list[int] = []
    original = trajectory_module._Store

    class CountingStore(original):  # type: ignore[misc, valid-type]
        def __init__(self, timesteps: list[TimeStep], actions: list[Any]) -> None:
            created.append(len(timesteps))
            super().__init__(timesteps, actions)

    monkeypatch.setattr(trajectory_module, "_Store", CountingStore)
    traj = Trajectory().add(_first(), None)
    for t in range(1000):
        traj = traj.add(_mid(t), t)
    assert created == [0]  # only the empty trajectory's store
    traj.add(_mid(), 0)
    traj[:-1]  # reading does not copy either
    shorter = Trajectory.from_steps(traj.timesteps[:10], traj._actions[:9])
    assert created == [0, 10]
    shorter.add(_mid(), 0)
    traj.with_last_info({"V": 1.0})
    assert created == [0, 10]
    older = Trajectory.from_steps(traj.timesteps[:3], traj._actions[:2])
    older.add(_mid(), 1)
    older.add(_mid(), 1)  # a sibling of the step just added: it branches off with a copy
    assert created == [0, 10, 3, 3 + 1]  # of the 3 steps of `older`, plus its own


def test_empty_trajectory() -> None:
    traj = Trajectory()
    assert (len(traj), traj.T, traj.finished, traj.reach_terminal, traj.reach_time_limit) == (
        0,
        0,
        False,
        False,
        False,
    )
    assert traj.observations.shape == (0,)
    assert traj.actions.shape == (0,)
    assert traj.rewards.shape == (0,)
    assert traj.dones.shape == (0,)
    assert traj.infos == []
    assert traj.transitions == []
    assert list(traj) == []
    assert traj == Trajectory()


def test_indexing_and_iteration() -> None:
    steps = [_first(0), _mid(1), _last(2)]
    traj = Trajectory.from_steps(steps, ["a", "b"])
    assert traj[0] is steps[0]
    assert traj[-1] is steps[2]
    assert traj[-3] is steps[0]
    assert traj[1:] == (steps[1], steps[2])
    assert list(traj) == steps
    for index in (3, -4):
        with pytest.raises(IndexError, match="out of range"):
            traj[index]
    # A version never shows steps a longer version appended to the shared storage.
    shorter = Trajectory.from_steps(steps[:2], ["a"])
    longer = shorter.add(_last(5), "c")
    assert list(shorter) == steps[:2]
    assert len(list(longer)) == 3


def test_last_info_is_set_by_with_last_info_and_reset_by_add() -> None:
    traj = Trajectory.from_steps([_first(), _mid()], [0])
    with_info = traj.with_last_info({"V": 0.5})
    assert traj.last_info is None
    assert with_info.last_info == {"V": 0.5}
    assert with_info.add(_mid(), 1).last_info is None
    assert Trajectory.from_steps([_first()], [], last_info={"V": 1}).last_info == {"V": 1}
    with pytest.raises(TypeError, match="last_info must be a mapping"):
        traj.with_last_info(0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="last_info must be a mapping or None, got list"):
        Trajectory.from_steps([_first()], [], last_info=[("V", 1)])  # type: ignore[arg-type]


def test_unstackable_observations_become_an_object_array() -> None:
    dict_obs = [{"pos": 0}, {"pos": 1}]
    traj = Trajectory.from_steps([_first(dict_obs[0]), _last(dict_obs[1])], [np.zeros(2)])
    assert traj.observations.dtype == object
    assert list(traj.observations) == dict_obs
    ragged = Trajectory.from_steps([_first([0, 1]), _last([0, 1, 2])], [0])
    assert ragged.observations.shape == (2,)
    assert ragged.observations[1] == (0, 1, 2)  # a list observation is stored as a tuple
    assert traj.actions.shape == (1, 2)


@pytest.mark.parametrize(
    "actions",
    [["left", 1], [True, 2], [np.uint64(2**63 + 1), np.int64(1)]],
    ids=["text-and-int", "bool-and-int", "uint64-and-int64"],
)
def test_actions_stacking_would_change_are_kept_as_given(actions: list[Any]) -> None:
    # Stacked, "left" and 1 became the text "1", True became 1 and 2**63 + 1 a rounded float.
    steps = [_first(0.0), _mid(1.0), _last(2.0)]
    traj = Trajectory.from_steps(steps, actions)
    assert traj.actions.dtype == object
    assert [type(a) for a in traj.actions] == [type(a) for a in actions]
    assert list(traj.actions) == actions
    same_kind = Trajectory.from_steps(steps, [np.int32(1), np.int64(2)])
    assert same_kind.actions.dtype == np.int64  # numbers of one kind still stack


def test_equality() -> None:
    steps = [_first(np.zeros(2)), _mid(np.ones(2))]
    traj = Trajectory.from_steps(steps, [np.array([1, 2])])
    assert traj == Trajectory.from_steps(steps, [np.array([1, 2])])
    assert traj != Trajectory.from_steps(steps, [np.array([1, 3])])
    assert traj != traj.with_last_info({"V": 0})
    assert traj != Trajectory.from_steps(steps[:1], [])
    assert traj != "trajectory"


def test_repr() -> None:
    traj = Trajectory.from_steps([_first(), _last(truncated=True, terminated=False)], [0])
    assert repr(traj) == (
        "Trajectory(T=1, finished=True, reach_terminal=False, reach_time_limit=True)"
    )


@pytest.mark.parametrize(
    ("steps", "actions", "match"),
    [
        ([_mid()], [None], "starts with a FIRST step, got MID at step 0"),
        ([_last()], [None], "starts with a FIRST step, got LAST at step 0"),
        ([_first(), _last(), _mid()], [None, 0, 1], "after the LAST step 1"),
        ([_first(), _mid(), _first()], [None, 0, 1], "FIRST step can only start .* at step 2"),
        ([_first(), _mid()], [None, None], "missing action: step 1 needs the action"),
    ],
)
def test_invalid_sequences_raise_value_error(
    steps: list[TimeStep], actions: list[Any], match: str
) -> None:
    traj = Trajectory()
    with pytest.raises(ValueError, match=match):  # noqa: PT012 - the bad step is the last
        for step, action in zip(steps, actions, strict=True):
            traj = traj.add(step, action)
    with pytest.raises(ValueError, match=match):
        Trajectory.from_steps(steps, actions[1:])


def test_first_step_takes_no_action() -> None:
    with pytest.raises(ValueError, match=r"the FIRST step takes no action .*got 0"):
        Trajectory().add(_first(), 0)


def test_from_steps_checks_the_number_of_actions() -> None:
    with pytest.raises(ValueError, match="2 timesteps need 1 actions, got 0"):
        Trajectory.from_steps([_first(), _mid()], [])
    with pytest.raises(ValueError, match="1 timesteps need 0 actions, got 1"):
        Trajectory.from_steps([_first()], [0])
    with pytest.raises(ValueError, match="0 timesteps need 0 actions, got 1"):
        Trajectory.from_steps([], [0])


def test_non_timestep_raises_type_error() -> None:
    with pytest.raises(TypeError, match="step 0 must be a TimeStep, got dict"):
        Trajectory().add({"observation": 0}, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step 1 must be a TimeStep, got int"):
        Trajectory.from_steps([_first(), 5], [0])  # type: ignore[list-item]


_ARRAYS = ("observations", "actions", "rewards", "terminated", "truncated", "dones")


@given(episodes(), infos())
def test_trajectory_resists_every_route_to_mutate_it(
    episode: Episode, last_info: dict[str, Any]
) -> None:
    actions = [np.array([action]) for action in episode.actions]
    originals = (actions, last_info)
    expected = Trajectory.from_steps(
        episode.timesteps(), copy.deepcopy(actions), copy.deepcopy(last_info)
    )
    built = _build_with(episode, actions).with_last_info(last_info)
    for traj in (built, Trajectory.from_steps(episode.timesteps(), actions, last_info)):
        for name in ("last_info", "_store", "_length"):
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                setattr(traj, name, getattr(traj, name))
        for name in _ARRAYS:
            assert_deeply_frozen(getattr(traj, name))
        assert_deeply_frozen(traj.last_info)
        for step in traj:
            assert_deeply_frozen(step.observation)
            assert_deeply_frozen(step.info)
        for transition in traj.transitions:
            assert_deeply_frozen(transition.action)
        # Lists handed out are new each time: changing one changes nothing stored.
        traj.infos.clear()
        traj.get_infos("V").clear()
        traj.transitions.clear()
    for original in originals:
        mutate(original)
    assert built == expected


_actions = payloads().filter(lambda action: action is not None)


@given(episodes(), st.lists(_actions, min_size=12, max_size=12))
def test_any_action_payload_is_stored_frozen(episode: Episode, actions: list[Any]) -> None:
    chosen = actions[: episode.T]
    snapshot = copy.deepcopy(chosen)
    traj = Trajectory.from_steps(episode.timesteps(), chosen)
    for action in traj._actions:
        assert_deeply_frozen(action)
    mutate(chosen)
    assert traj == Trajectory.from_steps(episode.timesteps(), snapshot)
    clone = pickle.loads(pickle.dumps(traj))  # dict actions are stored as mapping proxies
    assert clone == traj
    for action in clone._actions:
        assert_deeply_frozen(action)


def _build_with(episode: Episode, actions: list[Any]) -> Trajectory:
    traj = Trajectory()
    for t, step in enumerate(episode.timesteps()):
        traj = traj.add(step, actions[t - 1] if t else None)
    return traj


def test_read_only_arrays_and_no_copy_of_frozen_payloads() -> None:
    action = np.array([1.0, 2.0])
    steps = [_first(np.zeros(2)), _last(np.ones(2))]
    traj = Trajectory.from_steps(steps, [action])
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        traj.rewards[0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        traj.observations[0] += 1
    action[0] = 9.0
    assert traj.actions.tolist() == [[1.0, 2.0]]
    # The stored (frozen) action and observations pass on to transitions without a copy.
    transition = traj.transitions[0]
    assert transition.action is traj._actions[0]
    assert transition.observation is steps[0].observation
    assert transition.next_observation is steps[1].observation
    # Adding a stored action to another trajectory copies nothing either.
    assert Trajectory.from_steps(steps, [transition.action])._actions[0] is transition.action


def test_actions_and_observations_that_are_tensors_stack_detached() -> None:
    torch = pytest.importorskip("torch")
    # A torch policy's sampled actions require grad: np.asarray raised torch's RuntimeError
    # ("Can't call numpy() on Tensor that requires grad") when the actions were read.
    action = torch.tensor([0.5, -0.5], requires_grad=True)
    traj = Trajectory().add(_first(torch.zeros(2)), None)
    traj = traj.add(TimeStep(StepType.MID, torch.ones(2), 1.0), action * 2)
    assert traj.actions.tolist() == [[1.0, -1.0]]
    assert traj.actions.dtype == np.float32
    assert traj.observations.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert not traj.actions.flags.writeable
