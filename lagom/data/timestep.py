"""One step of an episode as an agent sees it: :class:`StepType` and :class:`TimeStep`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, TypeAlias

import attrs
import numpy as np

from lagom._checks import to_float
from lagom._types import NDArray
from lagom.data._freeze import EMPTY_INFO, freeze_info, freeze_value, thaw
from lagom.data._values import values_equal

__all__ = ["StepType", "TimeStep"]


class StepType(IntEnum):
    """Where a :class:`TimeStep` lies in its episode.

    ``FIRST`` is the observation returned by ``reset`` (no action led to it), ``MID`` a step
    inside the episode, ``LAST`` the step that ended it (terminated, truncated or both).

    Example:
        >>> StepType.FIRST, StepType(2)
        (<StepType.FIRST: 0>, <StepType.LAST: 2>)
    """

    FIRST = 0
    MID = 1
    LAST = 2

    @classmethod
    def _missing_(cls, value: object) -> StepType:
        # Called by ``StepType(value)`` for a value that is not 0, 1 or 2: say what is.
        raise ValueError(f"StepType must be one of FIRST=0, MID=1, LAST=2, got {value!r}")


#: Where a 0.0.3-style call is explained (named in the error it raises).
_MIGRATION = "see 'Migrating from lagom 0.0.3' (docs/migration.rst)"


def _to_step_type(value: StepType | int) -> StepType:
    if type(value) is StepType:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"step_type must be a StepType, got {type(value).__name__} {value!r}")
    try:
        return StepType(int(value))
    except ValueError:
        raise ValueError(
            f"step_type must be one of FIRST=0, MID=1, LAST=2, got {value!r}"
        ) from None


#: What a reward may be given as: a real number, a numpy scalar or a 0-d array, or None.
_RewardLike: TypeAlias = "float | np.floating[Any] | np.integer[Any] | NDArray[Any] | None"


def _to_reward(value: _RewardLike) -> float | None:
    if value is None:
        return value
    if type(value) is float:
        return _finite_reward(value)
    raw: object = value
    if isinstance(raw, np.ndarray) and raw.ndim == 0:
        raw = raw.item()
    if isinstance(raw, (bool, np.bool_)) or not isinstance(raw, numbers.Real):
        raise TypeError(f"reward must be a real number or None, got {type(raw).__name__}")
    return _finite_reward(to_float("reward", raw))


def _finite_reward(reward: float) -> float:
    if not math.isfinite(reward):
        raise ValueError(f"reward must be finite, got {reward}")
    return reward


def _to_flag(name: str, value: bool | np.bool_) -> bool:
    if type(value) is bool:
        return value
    if value is None:
        # TimeStep(FIRST, observation, None, None, None): lagom 0.0.3's reset step.
        raise TypeError(
            f"{name} must be a bool, got None, as lagom 0.0.3's done of a FIRST step; TimeStep "
            "takes terminated and truncated instead of done, both False for a FIRST step "
            f"(the defaults: write TimeStep(StepType.FIRST, observation)) ({_MIGRATION})"
        )
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def _to_terminated(value: bool | np.bool_) -> bool:
    return _to_flag("terminated", value)


def _to_truncated(value: bool | np.bool_) -> bool:
    if type(value) is bool:
        return value
    if isinstance(value, Mapping):
        # TimeStep(step_type, observation, reward, done, info): lagom 0.0.3's signature.
        raise TypeError(
            "TimeStep takes terminated and truncated where lagom 0.0.3 took one done flag, "
            f"got a {type(value).__name__} for truncated, as in 0.0.3's TimeStep(step_type, "
            "observation, reward, done, info); write TimeStep(step_type, observation, reward, "
            f"terminated, truncated, info) instead ({_MIGRATION})"
        )
    return _to_flag("truncated", value)


def _to_info(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if value is None:
        raise TypeError(
            "info must be a mapping (e.g. a dict), got None, as lagom 0.0.3's info of a FIRST "
            f"step; leave it out for an empty info ({_MIGRATION})"
        )
    return freeze_info(value)


_value_eq = attrs.cmp_using(eq=values_equal)


@attrs.frozen
class TimeStep:
    """An observation with the reward and flags of the transition that led to it.

    Gymnasium reports ``terminated`` (the MDP reached a terminal state: do not bootstrap) and
    ``truncated`` (the episode was cut, e.g. by a time limit: bootstrap from the value of
    this observation) separately, and so does a time step. A step is consistent when:

    - ``FIRST``: ``reward is None`` (no transition led to a reset observation) and neither
      flag is set;
    - ``MID``: a reward and neither flag set;
    - ``LAST``: a reward and at least one flag set. Both set counts as terminal.

    Anything else raises ``ValueError``. ``reward`` is stored as a Python ``float``.

    A step is deeply immutable. ``observation`` and ``info`` are stored as read-only copies:
    a numpy array is copied once and made read-only (one that is already read-only down to
    its memory, such as another record's array, is kept without a copy); a mapping becomes a
    read-only :class:`types.MappingProxyType` over a new dict, recursively; a list becomes a
    tuple. Objects lagom cannot freeze (e.g. torch tensors an agent stores in ``info``) are
    kept as given. So changing the caller's objects afterwards does not change the step,
    and ``step.info["x"] = 1`` raises ``TypeError``; ``dict(step.info)`` is a mutable
    (shallow) copy.

    Args:
        step_type: FIRST, MID or LAST (an int 0, 1, 2 is converted).
        observation: the observation (any object; usually an array).
        reward: reward of the transition into this step, a finite real number; ``None``
            for FIRST.
        terminated: the transition reached a terminal state of the MDP.
        truncated: the episode was cut here without reaching a terminal state.
        info: environment info, plus whatever the agent stored (e.g. ``V``, ``action_logprob``).

    Raises:
        TypeError: a field has the wrong type, e.g. a dict for ``truncated`` as in lagom
            0.0.3's ``TimeStep(step_type, observation, reward, done, info)``.
        ValueError: the step type, reward and flags are inconsistent (see above), the step
            type is not 0, 1 or 2, or the reward is NaN or infinite.

    Example:
        >>> first = TimeStep(StepType.FIRST, np.zeros(2))
        >>> first.first(), first.reward, first.done
        (True, None, False)
        >>> last = TimeStep(StepType.LAST, np.ones(2), 1.0, False, True, {"V": 0.5})
        >>> last.last(), last.done, last.time_limit(), last.terminal(), last["V"]
        (True, True, True, False, 0.5)

        The step keeps its own read-only copies:

        >>> obs, info = np.zeros(2), {"V": 0.5}
        >>> step = TimeStep(StepType.MID, obs, 1.0, info=info)
        >>> obs[0], info["V"] = 9.0, 0.0
        >>> step.observation, step.info
        (array([0., 0.]), mappingproxy({'V': 0.5}))
        >>> step.info["V"] = 1.0
        Traceback (most recent call last):
        TypeError: 'mappingproxy' object does not support item assignment
        >>> step.observation[0] = 1.0
        Traceback (most recent call last):
        ValueError: assignment destination is read-only
    """

    step_type: StepType = attrs.field(converter=_to_step_type)
    # Any: whatever the environment observes (arrays, dicts, tuples...), frozen as given.
    observation: Any = attrs.field(converter=freeze_value, eq=_value_eq, hash=False)
    reward: float | None = attrs.field(default=None, converter=_to_reward)
    terminated: bool = attrs.field(default=False, converter=_to_terminated)
    truncated: bool = attrs.field(default=False, converter=_to_truncated)
    info: Mapping[str, Any] = attrs.field(
        default=EMPTY_INFO, converter=_to_info, eq=_value_eq, hash=False
    )

    def __attrs_post_init__(self) -> None:
        done = self.terminated or self.truncated
        if self.step_type is StepType.FIRST:
            consistent = self.reward is None and not done
        else:
            consistent = self.reward is not None and done is (self.step_type is StepType.LAST)
        if not consistent:
            self._raise_inconsistent()

    def _raise_inconsistent(self) -> None:
        name = self.step_type.name
        flags = f"terminated={self.terminated}, truncated={self.truncated}"
        if self.step_type == StepType.FIRST:
            if self.reward is not None:
                raise ValueError(
                    f"a FIRST step has no reward (no transition led to it), got {self.reward}"
                )
            raise ValueError(f"a FIRST step cannot be terminated or truncated, got {flags}")
        if self.reward is None:
            raise ValueError(f"a {name} step needs the reward of the transition into it, got None")
        if self.step_type == StepType.MID:
            raise ValueError(
                f"a MID step cannot be terminated or truncated (use LAST), got {flags}"
            )
        raise ValueError(f"a LAST step must be terminated or truncated, got {flags}")

    def __getitem__(self, key: str) -> Any:
        """Return ``info[key]``."""
        return self.info[key]

    def __reduce__(self) -> tuple[Any, ...]:
        # A mapping proxy cannot be pickled: pass plain dicts, which the constructor freezes.
        return (
            TimeStep,
            (
                self.step_type,
                thaw(self.observation),
                self.reward,
                self.terminated,
                self.truncated,
                thaw(self.info),
            ),
        )

    @property
    def done(self) -> bool:
        """``terminated or truncated``: the episode ended at this step."""
        return self.terminated or self.truncated

    def first(self) -> bool:
        """Whether this is the reset observation of an episode."""
        return self.step_type == StepType.FIRST

    def mid(self) -> bool:
        """Whether this step lies strictly inside an episode."""
        return self.step_type == StepType.MID

    def last(self) -> bool:
        """Whether the episode ended at this step (equivalently, :attr:`done`)."""
        return self.step_type == StepType.LAST

    def terminal(self) -> bool:
        """Whether the episode reached a terminal state here (no bootstrap): ``terminated``."""
        return self.terminated

    def time_limit(self) -> bool:
        """Whether the episode was only cut here: ``truncated and not terminated``."""
        return self.truncated and not self.terminated
