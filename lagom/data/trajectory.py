"""One episode (or a piece of one) as an immutable sequence: :class:`Trajectory`."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast, overload

import attrs
import numpy as np

from lagom._checks import is_int
from lagom._types import BoolArray, Float64Array, NDArray
from lagom.data._freeze import SpaceValue, freeze, freeze_info, seal, thaw
from lagom.data._values import stack_values, values_equal
from lagom.data.timestep import TimeStep
from lagom.data.transition import Transition

__all__ = ["Trajectory"]


class _Store:
    """Append-only lists shared by the versions of a trajectory built with ``add``.

    A version is a prefix ``timesteps[:length]``. Extending the newest version appends in
    place (amortised O(1)); extending an older one copies its prefix into a new store.
    """

    __slots__ = ("actions", "lock", "timesteps")

    def __init__(self, timesteps: list[TimeStep], actions: list[Any]) -> None:
        self.timesteps = timesteps
        self.actions = actions
        self.lock = threading.Lock()


def _check_next(previous: TimeStep | None, index: int, timestep: object, action: Any) -> None:
    """Raise unless ``timestep`` reached by ``action`` may follow ``previous`` at ``index``."""
    if not isinstance(timestep, TimeStep):
        raise TypeError(f"step {index} must be a TimeStep, got {type(timestep).__name__}")
    if previous is None:
        if not timestep.first():
            raise ValueError(
                f"a trajectory starts with a FIRST step, got {timestep.step_type.name} at step 0"
            )
        if action is not None:
            raise ValueError(f"the FIRST step takes no action (pass None), got {action!r}")
        return
    if previous.last():
        raise ValueError(
            f"cannot add step {index} after the LAST step {index - 1}: the episode has ended"
        )
    if timestep.first():
        raise ValueError(f"a FIRST step can only start a trajectory, got one at step {index}")
    if action is None:
        raise ValueError(f"missing action: step {index} needs the action taken at step {index - 1}")


def _as_list(name: str, values: object) -> list[Any]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a sequence, got {type(values).__name__}")
    return list(values)


def _to_last_info(last_info: object) -> Mapping[str, Any] | None:
    if last_info is None:
        return None
    if not isinstance(last_info, Mapping):
        raise TypeError(f"last_info must be a mapping or None, got {type(last_info).__name__}")
    return freeze_info(last_info, "last_info")


@attrs.frozen(init=False, eq=False, repr=False)
class Trajectory:
    """An immutable sequence of T+1 time steps and the T actions between them.

    Step 0 is ``FIRST``; step ``t + 1`` is reached from step ``t`` by ``actions[t]``, so its
    reward, flags and info describe transition ``t``. Only the final step may be ``LAST``.
    Runners store the agent's output on observation ``t`` (e.g. ``V``) in the info of step
    ``t + 1``, and its output on the final observation in :attr:`last_info`, which supplies
    ``last_V``.

    ``add`` returns a new trajectory sharing storage with the old one, so adding T steps one
    by one costs O(T) in total; :meth:`from_steps` builds one from whole lists.

    A trajectory is deeply immutable. Its steps are :class:`TimeStep` records (immutable
    themselves); actions and :attr:`last_info` are stored as read-only copies made once, when
    they are added (a numpy array is copied and made read-only unless it already is down to
    its memory; a mapping becomes a read-only mapping proxy; a list becomes a tuple; see
    :class:`TimeStep`). The arrays it returns (``observations``, ``actions``, ``rewards``,
    ``terminated``, ``truncated``, ``dones``) are new on every access, built by stacking, and
    read-only as well: nothing is copied for that.

    Example:
        >>> from lagom.data import StepType
        >>> traj = Trajectory().add(TimeStep(StepType.FIRST, np.array([0.0])), None)
        >>> traj = traj.add(TimeStep(StepType.MID, np.array([1.0]), 1.0, info={"V": 0.0}), 0)
        >>> ts = TimeStep(StepType.LAST, np.array([2.0]), 2.0, truncated=True, info={"V": 0.5})
        >>> traj = traj.add(ts, 1).with_last_info({"V": 0.7})
        >>> len(traj), traj.T, traj.finished, traj.reach_time_limit, traj.reach_terminal
        (3, 2, True, True, False)
        >>> traj.observations
        array([[0.], [1.], [2.]])
        >>> traj.actions, traj.rewards, traj.get_infos("V"), traj.last_info["V"]
        (array([0, 1]), array([1., 2.]), [0.0, 0.5], 0.7)
        >>> traj.rewards[0] = 5.0
        Traceback (most recent call last):
        ValueError: assignment destination is read-only
    """

    _store: _Store
    _length: int
    #: The agent's output on the final observation (``None`` until set with
    #: :meth:`with_last_info`; ``add`` resets it).
    last_info: Mapping[str, Any] | None

    def __init__(self) -> None:
        """Create an empty trajectory; its first step must be added with ``action=None``."""
        self.__attrs_init__(_Store([], []), 0, None)

    @classmethod
    def _view(cls, store: _Store, length: int, last_info: Mapping[str, Any] | None) -> Trajectory:
        traj = cls.__new__(cls)
        traj.__attrs_init__(store, length, last_info)
        return traj

    @classmethod
    def from_steps(
        cls,
        timesteps: Sequence[TimeStep],
        actions: Sequence[Any],
        last_info: Mapping[str, Any] | None = None,
    ) -> Trajectory:
        """Build a trajectory from all its steps at once, in O(T).

        The steps are kept as they are (they are immutable); each action and ``last_info``
        are stored as read-only copies (see the class docstring).

        Args:
            timesteps: the T+1 steps, FIRST first.
            actions: the T actions; ``actions[t]`` leads from step ``t`` to step ``t + 1``.
            last_info: agent output on the final observation, or ``None``.

        Raises:
            TypeError: ``timesteps`` or ``actions`` is not a sequence, a step is not a
                :class:`TimeStep`, or ``last_info`` is not a mapping.
            ValueError: the counts do not match or the sequence is invalid (see ``add``).

        Example:
            >>> from lagom.data import StepType
            >>> steps = [TimeStep(StepType.FIRST, 0), TimeStep(StepType.LAST, 1, 1.0, True)]
            >>> Trajectory.from_steps(steps, ["left"])
            Trajectory(T=1, finished=True, reach_terminal=True, reach_time_limit=False)
        """
        timesteps, actions = _as_list("timesteps", timesteps), _as_list("actions", actions)
        if len(actions) != max(0, len(timesteps) - 1):
            raise ValueError(
                f"{len(timesteps)} timesteps need {max(0, len(timesteps) - 1)} actions, "
                f"got {len(actions)}"
            )
        previous: TimeStep | None = None
        for index, timestep in enumerate(timesteps):
            _check_next(previous, index, timestep, actions[index - 1] if index else None)
            previous = timestep
        frozen_actions = [freeze(action) for action in actions]
        return cls._view(
            _Store(timesteps, frozen_actions), len(timesteps), _to_last_info(last_info)
        )

    # Any: an action of whatever action space the environment has.
    def add(self, timestep: TimeStep, action: SpaceValue | None) -> Trajectory:
        """Return a new trajectory with ``timestep`` appended, reached by ``action``.

        Amortised O(1): the result shares storage with this trajectory; its ``last_info`` is
        ``None``, since the final observation changed. ``timestep`` is kept as it is;
        ``action`` is stored as a read-only copy (a numpy array is copied once, unless it is
        already read-only down to its memory; a Python or numpy scalar is kept).

        Args:
            timestep: the next step (FIRST only for an empty trajectory).
            action: the action taken at the current final step; ``None`` for the FIRST step.

        Raises:
            TypeError: ``timestep`` is not a :class:`TimeStep`.
            ValueError: a MID/LAST step first, a FIRST step later, a step after LAST, or a
                missing action.
        """
        previous = self._store.timesteps[self._length - 1] if self._length else None
        _check_next(previous, self._length, timestep, action)
        action = freeze(action)
        store = self._store
        with store.lock:
            shared = len(store.timesteps) == self._length
            if shared:
                store.timesteps.append(timestep)
                if self._length:
                    store.actions.append(action)
        if not shared:
            # An older version is extended: branch off with a copy of its prefix.
            actions = store.actions[: self.T] + ([action] if self._length else [])
            store = _Store([*store.timesteps[: self._length], timestep], actions)
        return self._view(store, self._length + 1, None)

    def with_last_info(self, last_info: Mapping[str, Any] | None) -> Trajectory:
        """Return this trajectory with :attr:`last_info` replaced (O(1), storage shared).

        ``last_info`` is stored as a read-only copy, like a step's ``info``.

        Raises:
            TypeError: ``last_info`` is neither a mapping nor ``None``.
        """
        return self._view(self._store, self._length, _to_last_info(last_info))

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> TimeStep: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[TimeStep, ...]: ...
    def __getitem__(self, index: int | slice) -> TimeStep | tuple[TimeStep, ...]:
        """Step ``index`` (negative counts from the end), or a tuple of steps for a slice.

        Raises:
            TypeError: ``index`` is neither an int nor a slice.
            IndexError: ``index`` is out of range (the sequence protocol's error).
        """
        if isinstance(index, slice):
            return self.timesteps[index]
        if not is_int(index):
            raise TypeError(f"index must be an int or a slice, got {type(index).__name__}")
        step = int(index)
        position = step + self._length if step < 0 else step
        if not 0 <= position < self._length:
            raise IndexError(f"step {index} out of range for a trajectory of length {len(self)}")
        return self._store.timesteps[position]

    def __iter__(self) -> Iterator[TimeStep]:
        return itertools.islice(self._store.timesteps, self._length)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trajectory):
            return NotImplemented
        return (
            len(self) == len(other)
            and all(a == b for a, b in zip(self, other, strict=True))
            and values_equal(self._actions, other._actions)
            and values_equal(self.last_info, other.last_info)
        )

    def __repr__(self) -> str:
        return (
            f"Trajectory(T={self.T}, finished={self.finished}, "
            f"reach_terminal={self.reach_terminal}, reach_time_limit={self.reach_time_limit})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle only this version's steps, never a longer sibling's share of the store.
        return (
            Trajectory.from_steps,
            (self.timesteps, [thaw(action) for action in self._actions], thaw(self.last_info)),
        )

    @property
    def _actions(self) -> list[Any]:
        return self._store.actions[: self.T]

    @property
    def _next_steps(self) -> list[TimeStep]:
        return self._store.timesteps[1 : self._length]

    @property
    def T(self) -> int:
        """Number of transitions, ``len(self) - 1`` (0 when empty)."""
        return max(0, self._length - 1)

    @property
    def timesteps(self) -> tuple[TimeStep, ...]:
        """The T+1 time steps."""
        return tuple(self._store.timesteps[: self._length])

    @property
    def observations(self) -> NDArray[Any]:
        """Observations ``[T+1, ...]``, stacked; an object array ``[T+1]`` if they differ."""
        return seal(stack_values([timestep.observation for timestep in self]))

    @property
    def actions(self) -> NDArray[Any]:
        """Actions ``[T, ...]``: ``actions[t]`` was taken at step ``t`` (stacked like obs)."""
        return seal(stack_values(self._actions))

    @property
    def rewards(self) -> Float64Array:
        """Rewards ``[T]``: ``rewards[t]`` was received for transition ``t`` (float64)."""
        return seal(np.array([timestep.reward for timestep in self._next_steps], dtype=np.float64))

    @property
    def terminated(self) -> BoolArray:
        """``[T]`` flags: transition ``t`` reached a terminal state."""
        return seal(
            np.array([timestep.terminated for timestep in self._next_steps], dtype=np.bool_)
        )

    @property
    def truncated(self) -> BoolArray:
        """``[T]`` flags: the episode was cut after transition ``t``."""
        return seal(np.array([timestep.truncated for timestep in self._next_steps], dtype=np.bool_))

    @property
    def dones(self) -> BoolArray:
        """``[T]`` flags: ``terminated | truncated``."""
        return seal(self.terminated | self.truncated)

    @property
    def infos(self) -> list[Mapping[str, Any]]:
        """The T infos (``infos[t]`` is the info of step ``t + 1``)."""
        return [timestep.info for timestep in self._next_steps]

    def get_infos(self, key: str) -> list[Any]:
        """``info[key]`` of steps 1..T in order, skipping the steps whose info lacks ``key``.

        Raises:
            TypeError: ``key`` is not a string.
        """
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, got {type(key).__name__} {key!r}")
        return [timestep.info[key] for timestep in self._next_steps if key in timestep.info]

    @property
    def finished(self) -> bool:
        """Whether the final step is LAST (the episode ended)."""
        return self._length > 0 and self[-1].last()

    @property
    def reach_terminal(self) -> bool:
        """Whether the episode ended in a terminal state (the final step is terminated)."""
        return self._length > 0 and self[-1].terminal()

    @property
    def reach_time_limit(self) -> bool:
        """Whether the episode was cut without a terminal state (truncated, not terminated)."""
        return self._length > 0 and self[-1].time_limit()

    @property
    def transitions(self) -> list[Transition]:
        """The T transitions ``(s_t, a_t, r_t, s_{t+1}, terminated_t, truncated_t)``."""
        steps = self.timesteps
        return [
            Transition(
                observation=steps[t].observation,
                action=action,
                reward=cast(float, steps[t + 1].reward),
                next_observation=steps[t + 1].observation,
                terminated=steps[t + 1].terminated,
                truncated=steps[t + 1].truncated,
            )
            for t, action in enumerate(self._actions)
        ]
