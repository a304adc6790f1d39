"""One step of an episode as an agent sees it: :class:`StepType` and :class:`TimeStep`."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, TypeAlias

import attrs
import numpy as np

from lagom._types import NDArray
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


def _to_step_type(value: StepType | int) -> StepType:
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
    raw: object = value
    if raw is None:
        return None
    if isinstance(raw, np.ndarray) and raw.ndim == 0:
        raw = raw.item()
    if isinstance(raw, (bool, np.bool_)) or not isinstance(raw, numbers.Real):
        raise TypeError(f"reward must be a real number or None, got {type(raw).__name__}")
    return float(raw)


def _to_flag(name: str, value: bool | np.bool_) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def _to_terminated(value: bool | np.bool_) -> bool:
    return _to_flag("terminated", value)


def _to_truncated(value: bool | np.bool_) -> bool:
    return _to_flag("truncated", value)


def _check_info(instance: TimeStep, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"info must be a mapping (e.g. a dict), got {type(value).__name__}")


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

    Args:
        step_type: FIRST, MID or LAST (an int 0, 1, 2 is converted).
        observation: the observation (any object; usually an array).
        reward: reward of the transition into this step; ``None`` for FIRST.
        terminated: the transition reached a terminal state of the MDP.
        truncated: the episode was cut here without reaching a terminal state.
        info: environment info, plus whatever the agent stored (e.g. ``V``, ``action_logprob``).

    Raises:
        TypeError: a field has the wrong type.
        ValueError: the step type, reward and flags are inconsistent (see above).

    Example:
        >>> first = TimeStep(StepType.FIRST, np.zeros(2))
        >>> first.first(), first.reward, first.done
        (True, None, False)
        >>> last = TimeStep(StepType.LAST, np.ones(2), 1.0, False, True, {"V": 0.5})
        >>> last.last(), last.done, last.time_limit(), last.terminal(), last["V"]
        (True, True, True, False, 0.5)
    """

    step_type: StepType = attrs.field(converter=_to_step_type)
    observation: Any = attrs.field(eq=_value_eq, hash=False)
    reward: float | None = attrs.field(default=None, converter=_to_reward)
    terminated: bool = attrs.field(default=False, converter=_to_terminated)
    truncated: bool = attrs.field(default=False, converter=_to_truncated)
    info: Mapping[str, Any] = attrs.field(
        factory=dict, validator=_check_info, eq=_value_eq, hash=False
    )

    def __attrs_post_init__(self) -> None:
        name = self.step_type.name
        flags = f"terminated={self.terminated}, truncated={self.truncated}"
        if self.step_type == StepType.FIRST:
            if self.reward is not None:
                raise ValueError(
                    f"a FIRST step has no reward (no transition led to it), got {self.reward}"
                )
            if self.done:
                raise ValueError(f"a FIRST step cannot be terminated or truncated, got {flags}")
            return
        if self.reward is None:
            raise ValueError(f"a {name} step needs the reward of the transition into it, got None")
        if self.step_type == StepType.MID and self.done:
            raise ValueError(
                f"a MID step cannot be terminated or truncated (use LAST), got {flags}"
            )
        if self.step_type == StepType.LAST and not self.done:
            raise ValueError(f"a LAST step must be terminated or truncated, got {flags}")

    def __getitem__(self, key: str) -> Any:
        """Return ``info[key]``."""
        return self.info[key]

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
