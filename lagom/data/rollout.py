"""A fixed-length, time-major run of a vectorized environment: :class:`Rollout`."""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import attrs
import numpy as np

from lagom._types import ArrayLike, BoolArray, NDArray, RealArray
from lagom.data._freeze import EMPTY_INFO, freeze_array, freeze_info, seal, thaw
from lagom.data._values import values_equal

__all__ = ["Rollout"]

#: The observations of a :class:`Rollout`: one ``[T, N, *obs_shape]`` array, or, for a
#: gymnasium ``Dict`` space, a read-only mapping of one such array per key (keys sorted,
#: each array in its own dtype).
RolloutObservations: TypeAlias = "NDArray[Any] | Mapping[str, NDArray[Any]]"

_array_eq = attrs.cmp_using(eq=values_equal)


def _named_array(name: str, value: ArrayLike) -> NDArray[Any]:
    if isinstance(value, np.ma.MaskedArray):
        # Stored as a plain array, its masked entries would read as valid data.
        raise TypeError(
            f"{name} is a masked array, whose mask a Rollout cannot keep; pass "
            f"{name}.filled(value) or leave the masked steps out"
        )
    try:
        return freeze_array(value)
    except ValueError as error:  # a ragged list: numpy's message names no argument
        raise ValueError(f"{name} must be a rectangular array: {error}") from None


def _to_actions(value: ArrayLike) -> NDArray[Any]:
    return _named_array("actions", value)


def _to_rewards(value: ArrayLike) -> RealArray:
    return _named_array("rewards", value)


def _to_terminated(value: ArrayLike) -> BoolArray:
    return _named_array("terminated", value)


def _to_truncated(value: ArrayLike) -> BoolArray:
    return _named_array("truncated", value)


def _to_observations(value: ArrayLike | Mapping[str, ArrayLike]) -> RolloutObservations:
    return _freeze_observations("observations", value)


def _to_next_observations(value: ArrayLike | Mapping[str, ArrayLike]) -> RolloutObservations:
    return _freeze_observations("next_observations", value)


def _freeze_observations(
    name: str, value: ArrayLike | Mapping[str, ArrayLike]
) -> RolloutObservations:
    """An array frozen as any other; a mapping as a read-only mapping (keys sorted) of
    frozen arrays."""
    if not isinstance(value, Mapping):
        return _named_array(name, value)
    if not value:
        raise ValueError(f"{name} must hold at least one key when it is a dict")
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"{name} must have str keys (a Dict space's), got {key!r}")
    return types.MappingProxyType(
        {key: _named_array(f"{name}[{key!r}]", value[key]) for key in sorted(value)}
    )


def _to_infos(value: Sequence[Mapping[str, Any]] | None) -> tuple[Mapping[str, Any], ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"infos must be a sequence of mappings or None, got {type(value).__name__}")
    infos = []
    for info in value:
        if type(info) is dict and not info:  # most steps of a rollout report nothing
            infos.append(EMPTY_INFO)
            continue
        if type(info) is not dict and not isinstance(info, Mapping):
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
    a new array, which is only made read-only; a torch tensor is copied detached and on the
    CPU (bfloat16 as float32). Each info becomes a read-only mapping proxy over a copy whose
    arrays are frozen the same way (see :class:`~lagom.data.TimeStep`).

    Observations of a gymnasium ``Dict`` space are a dict of such arrays, one per key, each
    in its own dtype (uint8 frames stay uint8); the rollout holds them as a read-only
    mapping, keys sorted, and ``next_observations`` must have the same keys and shapes.

    Args:
        observations: ``[T, N, *obs_shape]`` observations ``s_t`` (or a dict of them).
        actions: ``[T, N, *action_shape]`` actions ``a_t``.
        rewards: ``[T, N]`` real rewards ``r_t`` (any int or float dtype).
        terminated: ``[T, N]`` bool: ``s_{t+1}`` is terminal.
        truncated: ``[T, N]`` bool: the episode was cut at ``s_{t+1}``.
        next_observations: ``[T, N, *obs_shape]`` true next observations ``s_{t+1}`` (a
            dict of them when ``observations`` is one).
        infos: ``None`` or T infos, one per step (e.g. gymnasium's vector info dicts).

    Raises:
        ValueError: a shape does not match ``[T, N, ...]`` of ``observations``, the keys
            of dict observations differ, the number of infos is not T, a reward is NaN or
            infinite, or an argument is a ragged list.
        TypeError: ``rewards`` is not real-valued, a flag array is not bool, ``infos``
            is not a sequence of mappings, only one of the observations is a dict, or an
            array is a masked array (its mask would be lost).

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
        >>> goals = {"observation": np.zeros((T, N, 2), np.float32),
        ...          "desired_goal": np.ones((T, N, 2), np.float32)}
        >>> dict_rollout = attrs.evolve(rollout, observations=goals, next_observations=goals)
        >>> list(dict_rollout.observations), dict_rollout.observations["observation"].shape
        (['desired_goal', 'observation'], (3, 2, 2))
    """

    observations: RolloutObservations = attrs.field(
        converter=_to_observations, eq=_array_eq, hash=False
    )
    actions: NDArray[Any] = attrs.field(converter=_to_actions, eq=_array_eq, hash=False)
    rewards: RealArray = attrs.field(converter=_to_rewards, eq=_array_eq, hash=False)
    terminated: BoolArray = attrs.field(converter=_to_terminated, eq=_array_eq, hash=False)
    truncated: BoolArray = attrs.field(converter=_to_truncated, eq=_array_eq, hash=False)
    next_observations: RolloutObservations = attrs.field(
        converter=_to_next_observations, eq=_array_eq, hash=False
    )
    infos: tuple[Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_to_infos, eq=_array_eq, hash=False
    )

    def __attrs_post_init__(self) -> None:
        lead = _lead_shape(self.observations)
        T, N = lead
        _check_next_observations(self.observations, self.next_observations)
        for name in ("actions", "rewards", "terminated", "truncated"):
            shape = getattr(self, name).shape
            expected = (T, N, *shape[2:]) if name == "actions" else (T, N)
            if shape != expected:
                raise ValueError(
                    f"{name} must have shape {_fmt(expected, name == 'actions')} to match "
                    f"observations [T, N] = {list(lead)}, got {shape}"
                )
        if self.rewards.dtype == np.bool_ or self.rewards.dtype.kind not in "iuf":
            raise TypeError(f"rewards must be real numbers, got dtype {self.rewards.dtype}")
        if self.rewards.dtype.kind == "f" and not np.isfinite(self.rewards).all():
            t, n = np.argwhere(~np.isfinite(self.rewards))[0].tolist()
            raise ValueError(
                f"rewards must be finite (as a TimeStep's), got {self.rewards[t, n]} at [{t}, {n}]"
            )
        for name in ("terminated", "truncated"):
            dtype = getattr(self, name).dtype
            if dtype != np.bool_:
                raise TypeError(f"{name} must be a bool array, got dtype {dtype}")
        if self.infos is not None and len(self.infos) != T:
            raise ValueError(f"infos must hold one entry per step (T={T}), got {len(self.infos)}")

    @property
    def T(self) -> int:
        """Number of time steps."""
        return _lead_shape(self.observations)[0]

    @property
    def N(self) -> int:
        """Number of environments."""
        return _lead_shape(self.observations)[1]

    @property
    def dones(self) -> BoolArray:
        """``[T, N]`` flags ``terminated | truncated``: an episode ended at step ``t``."""
        return seal(self.terminated | self.truncated)

    def __reduce__(self) -> tuple[Any, ...]:
        # A mapping proxy cannot be pickled: pass plain dicts, which the constructor freezes.
        observations, next_observations = thaw(self.observations), thaw(self.next_observations)
        arrays = (observations, self.actions, self.rewards, self.terminated, self.truncated)
        return (Rollout, (*arrays, next_observations, thaw(self.infos)))


def _fmt(shape: tuple[int, ...], trailing: bool) -> str:
    return f"[{shape[0]}, {shape[1]}, ...]" if trailing else str(tuple(shape))


def _lead_shape(observations: RolloutObservations) -> tuple[int, int]:
    """``(T, N)`` of observations ``[T, N, ...]`` (every key's, for a dict)."""
    if isinstance(observations, Mapping):
        items = [(f"observations[{key!r}]", x) for key, x in observations.items()]
    else:
        items = [("observations", observations)]
    leads = []
    for name, array in items:
        if array.ndim < 2:
            raise ValueError(f"{name} must be [T, N, ...], got shape {array.shape}")
        leads.append((int(array.shape[0]), int(array.shape[1])))
        if leads[-1] != leads[0]:
            raise ValueError(
                f"every key of observations must share [T, N] = {list(leads[0])}, got "
                f"{list(leads[-1])} for {name}"
            )
    return leads[0]


def _check_next_observations(
    observations: RolloutObservations, next_observations: RolloutObservations
) -> None:
    """Raise unless ``next_observations`` has the kind, keys and shapes of ``observations``."""
    pairs: list[tuple[str, NDArray[Any], NDArray[Any]]]
    if isinstance(observations, Mapping) and isinstance(next_observations, Mapping):
        if list(observations) != list(next_observations):
            raise ValueError(
                "next_observations must have the keys of observations "
                f"{list(observations)}, got {list(next_observations)}"
            )
        pairs = [(f"[{key!r}]", observations[key], next_observations[key]) for key in observations]
    elif isinstance(observations, np.ndarray) and isinstance(next_observations, np.ndarray):
        pairs = [("", observations, next_observations)]
    else:
        kinds = ["a dict" if isinstance(x, Mapping) else "an array"
                 for x in (observations, next_observations)]  # fmt: skip
        raise TypeError(
            "observations and next_observations must both be arrays or both dicts, got "
            f"{kinds[0]} and {kinds[1]}"
        )
    for where, obs, nxt in pairs:
        if nxt.shape != obs.shape:
            raise ValueError(
                f"next_observations{where} must have shape {obs.shape} to match "
                f"observations{where} {obs.shape}, got {nxt.shape}"
            )
