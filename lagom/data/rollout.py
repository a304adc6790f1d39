"""A fixed-length, time-major run of a vectorized environment: :class:`Rollout`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from lagom._types import ArrayLike, BoolArray, NDArray
from lagom.data._freeze import freeze_array, freeze_info, seal, thaw
from lagom.data._values import values_equal

__all__ = ["Rollout"]

_array_eq = attrs.cmp_using(eq=values_equal)


def _to_array(value: ArrayLike) -> NDArray[Any]:
    return freeze_array(value)


def _to_infos(value: Sequence[Mapping[str, Any]] | None) -> tuple[Mapping[str, Any], ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"infos must be a sequence of mappings or None, got {type(value).__name__}")
    infos = []
    for info in value:
        if not isinstance(info, Mapping):
            raise TypeError(f"each info must be a mapping, got {type(info).__name__}")
        infos.append(freeze_info(info))
    return tuple(infos)


@attrs.frozen
class Rollout:
    """T steps of N environments, stored time-major as ``[T, N, ...]`` arrays.

    Row ``t`` holds, for each environment ``n``, the observation ``s_t`` the action was taken
    at, the action ``a_t``, the reward ``r_t``, the flags of the transition, and the true next
    observation ``s_{t+1}``: when ``terminated[t, n] or truncated[t, n]`` it is the final
    observation of the ended episode, never the reset observation that
    ``observations[t + 1, n]`` holds. So ``V(next_observations)`` gives the ``next_values``
    of the batched metrics, including the bootstrap of a truncated step.

    A rollout is deeply immutable: its arrays are read-only (``rollout.rewards[0, 0] = 5``
    raises ``ValueError``) and are not the caller's. An array argument is copied once and
    made read-only, unless it already is read-only down to its memory (an array of another
    lagom record, or a slice of one), which is kept without a copy; a list is converted into
    a new array, which is only made read-only. Each info becomes a read-only mapping proxy
    over a copy whose arrays are frozen the same way (see :class:`~lagom.data.TimeStep`).

    Args:
        observations: ``[T, N, *obs_shape]`` observations ``s_t``.
        actions: ``[T, N, *action_shape]`` actions ``a_t``.
        rewards: ``[T, N]`` real rewards ``r_t`` (any int or float dtype).
        terminated: ``[T, N]`` bool: ``s_{t+1}`` is terminal.
        truncated: ``[T, N]`` bool: the episode was cut at ``s_{t+1}``.
        next_observations: ``[T, N, *obs_shape]`` true next observations ``s_{t+1}``.
        infos: ``None`` or T infos, one per step (e.g. gymnasium's vector info dicts).

    Raises:
        ValueError: a shape does not match ``[T, N, ...]`` of ``observations``, or the
            number of infos is not T.
        TypeError: ``rewards`` is not real-valued, a flag array is not bool, or ``infos``
            is not a sequence of mappings.

    Example:
        >>> T, N = 3, 2
        >>> rollout = Rollout(
        ...     observations=np.zeros((T, N, 4)),
        ...     actions=np.zeros((T, N), dtype=np.int64),
        ...     rewards=np.ones((T, N)),
        ...     terminated=np.array([[False, False], [True, False], [False, False]]),
        ...     truncated=np.array([[False, False], [False, False], [False, True]]),
        ...     next_observations=np.ones((T, N, 4)),
        ... )
        >>> rollout.T, rollout.N
        (3, 2)
        >>> rollout.dones
        array([[False, False], [ True, False], [False,  True]])
        >>> rollout.rewards[0, 0] = 5.0
        Traceback (most recent call last):
        ValueError: assignment destination is read-only
    """

    observations: NDArray[Any] = attrs.field(converter=_to_array, eq=_array_eq, hash=False)
    actions: NDArray[Any] = attrs.field(converter=_to_array, eq=_array_eq, hash=False)
    rewards: NDArray[Any] = attrs.field(converter=_to_array, eq=_array_eq, hash=False)
    terminated: BoolArray = attrs.field(converter=_to_array, eq=_array_eq, hash=False)
    truncated: BoolArray = attrs.field(converter=_to_array, eq=_array_eq, hash=False)
    next_observations: NDArray[Any] = attrs.field(converter=_to_array, eq=_array_eq, hash=False)
    infos: tuple[Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_to_infos, eq=_array_eq, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if self.observations.ndim < 2:
            raise ValueError(
                f"observations must be [T, N, ...], got shape {self.observations.shape}"
            )
        T, N = self.observations.shape[:2]
        for name in ("actions", "next_observations", "rewards", "terminated", "truncated"):
            shape = getattr(self, name).shape
            if name == "next_observations":
                expected = self.observations.shape
            elif name == "actions":
                expected = (T, N, *shape[2:])
            else:
                expected = (T, N)
            if shape != expected:
                raise ValueError(
                    f"{name} must have shape {_fmt(expected, name == 'actions')} to match "
                    f"observations {self.observations.shape}, got {shape}"
                )
        if self.rewards.dtype == np.bool_ or self.rewards.dtype.kind not in "iuf":
            raise TypeError(f"rewards must be real numbers, got dtype {self.rewards.dtype}")
        for name in ("terminated", "truncated"):
            dtype = getattr(self, name).dtype
            if dtype != np.bool_:
                raise TypeError(f"{name} must be a bool array, got dtype {dtype}")
        if self.infos is not None and len(self.infos) != T:
            raise ValueError(f"infos must hold one entry per step (T={T}), got {len(self.infos)}")

    @property
    def T(self) -> int:
        """Number of time steps."""
        return int(self.observations.shape[0])

    @property
    def N(self) -> int:
        """Number of environments."""
        return int(self.observations.shape[1])

    @property
    def dones(self) -> BoolArray:
        """``[T, N]`` flags ``terminated | truncated``: an episode ended at step ``t``."""
        return seal(self.terminated | self.truncated)

    def __reduce__(self) -> tuple[Any, ...]:
        # A mapping proxy cannot be pickled: pass plain dicts, which the constructor freezes.
        arrays = (self.observations, self.actions, self.rewards, self.terminated, self.truncated)
        return (Rollout, (*arrays, self.next_observations, thaw(self.infos)))


def _fmt(shape: tuple[int, ...], trailing: bool) -> str:
    return f"[{shape[0]}, {shape[1]}, ...]" if trailing else str(tuple(shape))
