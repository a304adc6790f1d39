r"""Preallocated replay buffers of single-step transitions (numpy only): uniform and
prioritized.

Every transition is one row of a single float32 table ``[capacity, D]`` holding, side by side,
the observation ``s_t``, the action ``a_t``, the reward ``r_{t+1}``, the *true* next
observation ``s_{t+1}`` (for the step that ended an episode, its final observation, never the
reset one) and the ``terminated`` flag of that step. A minibatch is therefore one fancy index
of one array, and its fields are views of that minibatch (no further copy): a torch user
turns each into a tensor with ``torch.from_numpy`` for free. ``truncated`` is kept in its own
boolean array: a one-step TD target never reads it, because a time-limit end is bootstrapped
like any other step (:func:`lagom.metric.batched_td0_target`). Discrete actions
(``discrete=True``) are int64 indices, kept in an array of their own rather than in the
float32 table.

Observations that are not flat float32 vectors (``observation_space=``: images, kept in their
own dtype, e.g. uint8 frames at one byte a pixel, or a ``Dict`` space, one array per key)
are kept out of the table, in arrays ``[capacity, *shape]`` of their own dtype for ``s_t``
and for ``s_{t+1}``; a minibatch then holds them as arrays of that dtype (a dict of them for
a ``Dict``, keys sorted).

:meth:`ReplayBuffer.n_step` reads the rows that follow a transition as the next steps of its
episode, for the n-step returns of value-based learners (computed by
:func:`lagom.metric.batched_returns`). :class:`PrioritizedReplayBuffer` is a
:class:`ReplayBuffer` (the same storage) that draws its rows in proportion to their
priorities and gives their importance weights (Schaul et al., 2016).

Sampling uses the buffer's own ``numpy.random.Generator``, so the minibatches are reproducible
and are saved with the buffer (:meth:`ReplayBuffer.state_dict`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple, SupportsFloat, TypeAlias, cast

import numpy as np
from gymnasium import spaces

from lagom._checks import (
    check_bool,
    check_discount,
    check_finite,
    check_fits,
    check_int,
    check_real,
    check_seed,
)
from lagom._types import ArrayLike, BoolArray, Float32Array, Float64Array, NDArray
from lagom.transform import MinTree, SumTree

__all__ = [
    "NStepBatch",
    "PrioritizedReplayBuffer",
    "ReplayBatch",
    "ReplayBuffer",
]

#: Observations of a minibatch: ``[B, obs_dim]`` float32, ``[B, *shape]`` of the
#: observation space's dtype, or one such array per key of a ``Dict`` space.
ObservationBatch: TypeAlias = "NDArray[Any] | dict[str, NDArray[Any]]"

_STATE_KEYS = ("table", "truncated", "pos", "size", "rng")
#: The arguments of ``add`` stored in the table, in column order.
_COLUMNS = ("observations", "actions", "rewards", "next_observations")
_ONE_COLUMNS = ("observation", "action", "reward", "next_observation")


class ReplayBatch(NamedTuple):
    """A minibatch of ``B`` transitions: float32 views of one gathered ``[B, D]`` array.

    Attributes:
        observations: ``[B, obs_dim]``, :math:`s_t`.
        actions: ``[B, action_dim]`` float32, :math:`a_t`; a discrete buffer's ``[B]`` int64
            indices.
        rewards: ``[B]``, :math:`r_{t+1}`.
        next_observations: ``[B, obs_dim]``, the true :math:`s_{t+1}`.
        terminated: ``[B]``, 1.0 where :math:`s_{t+1}` is terminal (no bootstrap), else 0.0.

    Example:
        >>> obs, flags = np.zeros((2, 3), np.float32), np.zeros(2, np.float32)
        >>> batch = ReplayBatch(obs, np.ones((2, 1), np.float32), flags, obs + 1, flags)
        >>> batch.next_observations.shape, batch.terminated.shape
        ((2, 3), (2,))
    """

    observations: ObservationBatch
    actions: Float32Array | NDArray[np.int64]
    rewards: Float32Array
    next_observations: ObservationBatch
    terminated: Float32Array


class NStepBatch(NamedTuple):
    r"""A minibatch of ``B`` n-step transitions, from :meth:`ReplayBuffer.n_step`.

    The window of a transition at time ``t`` runs over its steps ``t, ..., t + k``: ``n``
    steps, or fewer where its episode ended (terminated or truncated) or the stored data
    does. Its n-step target is, for a state value :math:`V`,

    .. math::
        G_t = \sum_{j=0}^{k} \gamma^j r_{t+j+1}
            + \gamma^{k+1} (1 - \text{terminated}_{t+k})\, V(s_{t+k+1})
            = \text{returns} + \text{discounts} \cdot V(\text{next\_observations}).

    Attributes:
        observations: ``[B, obs_dim]``, :math:`s_t`.
        actions: ``[B, action_dim]`` float32 or ``[B]`` int64 (discrete), :math:`a_t`.
        returns: ``[B]``, the discounted rewards of the window.
        next_observations: ``[B, obs_dim]``, the true :math:`s_{t+k+1}` after the window.
        discounts: ``[B]``, :math:`\gamma^{k+1}`, or 0 where the window ends in a
            termination.

    Example:
        >>> obs, ones = np.zeros((2, 3), np.float32), np.ones(2, np.float32)
        >>> batch = NStepBatch(obs, np.zeros(2, np.int64), ones, obs, 0.9 * ones)
        >>> batch.returns + batch.discounts * 10.0  # targets with V = 10 after the window
        array([10., 10.], dtype=float32)
    """

    observations: ObservationBatch
    actions: Float32Array | NDArray[np.int64]
    returns: Float32Array
    next_observations: ObservationBatch
    discounts: Float32Array


def _check_memory(capacity: int, row_bytes: int) -> None:
    """Raise before allocating a buffer that cannot fit in this machine's memory.

    The arrays are allocated lazily (their pages are only taken when written), so a buffer
    too large would fail hours into a run, when it fills; better to say so at once."""
    check_fits(
        "capacity",
        capacity,
        row_bytes,
        context=f" transitions of {row_bytes} bytes",
        hint="lower the capacity (agent.buffer_size)",
    )


class ReplayBuffer:
    """A ring buffer of the last ``capacity`` transitions, sampled uniformly with replacement.

    The shell's stateful face of off-policy data: written in place (a copy per step would cost
    ``O(capacity)``), read as :class:`ReplayBatch` minibatches, or as :class:`NStepBatch`
    minibatches of n-step transitions.

    Args:
        capacity: the most transitions kept; the oldest is overwritten first.
        obs_dim: size of a (flattened) observation.
        action_dim: size of an action; for discrete actions their number ``n`` (as
            ``gymnasium.spaces.flatdim`` counts a ``Discrete(n)``).
        seed: seed of the sampling generator ``numpy.random.default_rng(seed)``.
        discrete: actions are indices in ``[0, action_dim)``, stored as int64.
        observation_space: a ``Box`` or a ``Dict`` of Boxes whose observations are kept in
            their own shape and dtype, outside the float32 table (``obs_dim`` must then be
            its ``gymnasium.spaces.flatdim``); ``None``: flat float32 rows of ``obs_dim``.

    Raises:
        TypeError: a size or the seed is not an int, ``discrete`` is not a bool, or
            ``observation_space`` is not a Box or a Dict of Boxes.
        ValueError: a size is below 1, the seed is negative, ``obs_dim`` is not the
            flat size of ``observation_space``, or the buffer would take more than this
            machine's physical memory (checked before anything is allocated: its pages are
            only taken as it fills, so it would fail hours into a run).

    Example:
        >>> buffer = ReplayBuffer(capacity=2, obs_dim=1, action_dim=1, seed=0)
        >>> for t in range(3):
        ...     buffer.add([[t]], [[0.5]], [1.0], [[t + 1]], [t == 2], [False])
        >>> len(buffer), buffer.observations[:, 0].tolist()
        (2, [2.0, 1.0])
        >>> batch = buffer.sample(4)
        >>> batch.observations.shape, batch.terminated.shape, batch.rewards.dtype
        ((4, 1), (4,), dtype('float32'))
        >>> bool(np.all((batch.next_observations[:, 0] == 3) == (batch.terminated == 1)))
        True
        >>> cartpole = ReplayBuffer(8, obs_dim=4, action_dim=2, seed=0, discrete=True)
        >>> cartpole.add(np.zeros((1, 4)), [1], [1.0], np.ones((1, 4)), [False], [False])
        >>> cartpole.sample(3).actions
        array([1, 1, 1])
        >>> from gymnasium import spaces
        >>> frames = spaces.Box(0, 255, (2, 3), np.uint8)
        >>> images = ReplayBuffer(8, 6, 2, seed=0, discrete=True, observation_space=frames)
        >>> frame = np.full((1, 2, 3), 7, np.uint8)
        >>> images.add(frame, [0], [1.0], frame + 1, [False], [False])
        >>> images.sample(2).observations.dtype, images.sample(2).next_observations.shape
        (dtype('uint8'), (2, 2, 3))
    """

    def __init__(
        self,
        capacity: int,
        obs_dim: int,
        action_dim: int,
        seed: int,
        *,
        discrete: bool = False,
        observation_space: spaces.Box | spaces.Dict | None = None,
    ) -> None:
        self.capacity = check_int("capacity", capacity, minimum=1)
        self.obs_dim = check_int("obs_dim", obs_dim, minimum=1)
        self.action_dim = check_int("action_dim", action_dim, minimum=1)
        seed = check_seed("seed", seed)
        self.discrete = check_bool("discrete", discrete)
        #: Shape and dtype of each observation array kept outside the table ("" for a Box).
        self.obs_specs = _obs_specs(observation_space, self.obs_dim)
        # Column layout of the table: [s | a | r | s' | terminated]; no a for discrete actions
        # and no s, s' for observations kept in their own arrays.
        o = 0 if self.obs_specs else self.obs_dim
        a = 0 if self.discrete else self.action_dim
        self._cols = (0, o, o + a, o + a + 1, 2 * o + a + 1, 2 * o + a + 2)
        outside = sum(
            2 * math.prod(shape) * np.dtype(dtype).itemsize
            for shape, dtype in self.obs_specs.values()
        )
        _check_memory(self.capacity, 4 * self._cols[-1] + 1 + 8 * self.discrete + outside)
        self._obs: dict[str, NDArray[Any]] = {}
        self._next_obs: dict[str, NDArray[Any]] = {}
        for key, (shape, dtype) in self.obs_specs.items():
            self._obs[key] = np.zeros((self.capacity, *shape), dtype=dtype)
            self._next_obs[key] = np.zeros((self.capacity, *shape), dtype=dtype)
        self._dict_obs = isinstance(observation_space, spaces.Dict)
        self.table: Float32Array = np.zeros((self.capacity, self._cols[-1]), dtype=np.float32)
        self.truncated: BoolArray = np.zeros(self.capacity, dtype=np.bool_)
        #: The discrete actions (``[capacity]`` int64; empty for continuous actions).
        self.action_indices: NDArray[np.int64] = np.zeros(
            self.capacity if self.discrete else 0, dtype=np.int64
        )
        self.rng = np.random.default_rng(seed)
        self.pos = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @property
    def observations(self) -> ObservationBatch:
        """The stored observations ``[size, obs_dim]`` (a view, in storage order); with an
        ``observation_space``, ``[size, *shape]`` arrays of its dtype (a dict for a Dict).

        Example:
            >>> ReplayBuffer(3, 2, 1, seed=0).observations.shape
            (0, 2)
        """
        if self.obs_specs:
            return self._pack({key: x[: self.size] for key, x in self._obs.items()})
        return self.table[: self.size, self._cols[0] : self._cols[1]]

    def _pack(self, arrays: dict[str, NDArray[Any]]) -> ObservationBatch:
        return arrays if self._dict_obs else arrays[""]

    def _obs_rows(self, which: dict[str, NDArray[Any]], rows: NDArray[Any]) -> ObservationBatch:
        return self._pack({key: x[rows] for key, x in which.items()})

    def add(
        self,
        observations: ArrayLike | Mapping[str, ArrayLike],
        actions: ArrayLike,
        rewards: ArrayLike,
        next_observations: ArrayLike | Mapping[str, ArrayLike],
        terminated: ArrayLike,
        truncated: ArrayLike,
    ) -> None:
        """Store ``N`` transitions (one per row; a single environment gives ``N = 1``).

        Args:
            observations: ``[N, obs_dim]``, :math:`s_t`; with an ``observation_space``,
                ``[N, *shape]`` (a dict of them, one per key, for a ``Dict``).
            actions: ``[N, action_dim]``, :math:`a_t`; discrete: ``[N]`` (or ``[N, 1]``)
                integer indices in ``[0, action_dim)``.
            rewards: ``[N]``, :math:`r_{t+1}`.
            next_observations: the true :math:`s_{t+1}`, as ``observations``.
            terminated: ``[N]``, whether :math:`s_{t+1}` is terminal.
            truncated: ``[N]``, whether the episode was cut by a time limit at :math:`t + 1`.

        Raises:
            TypeError: an argument does not hold real numbers (``None``, strings, complex
                numbers...), or discrete actions are not integers.
            ValueError: the shapes do not agree with each other or with the buffer (a shape
                that differs only by axes of length 1 is read as its rows; axes in another
                order are refused), a value is NaN or infinite, an observation of an integer
                dtype is not a whole number in its range, a flag is not a bool or 0/1, or a
                discrete action is out of range.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[0], [1]], [[0], [0]], [0, 1], [[1], [2]], [0, 1], [0, 0])
            >>> len(buffer), buffer.truncated[:2].tolist()
            (2, [False, False])
        """
        if self.obs_specs:
            obs_arrays, n = self._obs_arrays("observations", observations, None)
            next_arrays, _ = self._obs_arrays("next_observations", next_observations, n)
            obs = np.zeros((n, 0), np.float32)
            next_observations = obs
        else:
            pairs = (("observations", observations), ("next_observations", next_observations))
            for name, value in pairs:
                if isinstance(value, Mapping):
                    raise TypeError(
                        f"{name} must be an array: a dict needs a buffer made with a Dict "
                        "observation_space"
                    )
            obs = _real_rows("observations", cast(ArrayLike, observations))
            n = obs.shape[0] if obs.ndim == 2 else -1
        width = 0 if self.obs_specs else self.obs_dim
        if n < 1 or n > self.capacity or obs.shape[1] != width:
            raise ValueError(
                f"observations must have shape [N, {self.obs_dim}] with 1 <= N <= "
                f"{self.capacity}, got {obs.shape}"
            )
        index = (self.pos + np.arange(n)) % self.capacity if n > 1 else self.pos
        c = self._cols
        row = np.empty((n, c[-1]), dtype=np.float32)
        row[:, c[0] : c[1]] = obs
        if self.discrete:
            action_indices = _action_indices(actions, n, self.action_dim)
        else:
            row[:, c[1] : c[2]] = _reshaped("actions", actions, (n, self.action_dim))
        row[:, c[2]] = _reshaped("rewards", rewards, (n,))
        row[:, c[3] : c[4]] = _reshaped(
            "next_observations", cast(ArrayLike, next_observations), (n, width)
        )
        row[:, c[4]] = _flags("terminated", terminated, n)
        trunc = _flags("truncated", truncated, n)
        if not np.isfinite(row.sum()):
            self._raise_not_finite(row)
        self.table[index] = row
        if self.obs_specs:
            for key in self.obs_specs:
                self._obs[key][index] = obs_arrays[key][0] if n == 1 else obs_arrays[key]
                self._next_obs[key][index] = next_arrays[key][0] if n == 1 else next_arrays[key]
        self.truncated[index] = trunc
        if self.discrete:
            self.action_indices[index] = action_indices.reshape(np.shape(index))
        self._advance(index, n)

    def add_one(
        self,
        observation: ArrayLike | Mapping[str, ArrayLike],
        action: ArrayLike,
        reward: SupportsFloat,
        next_observation: ArrayLike | Mapping[str, ArrayLike],
        terminated: bool,
        truncated: bool,
    ) -> None:
        """Store one transition, unbatched: what an off-policy learner on one environment
        does every step. The same checks and the same stored row as :meth:`add` of a batch
        of one (``add([observation], [action], ...)``), at a fraction of its cost.

        Args:
            observation: :math:`s_t`: ``[obs_dim]`` (any shape of that size), or an array
                of the ``observation_space``'s shape (a dict of them for a ``Dict``).
            action: :math:`a_t`: ``[action_dim]``; discrete: an integer index in
                ``[0, action_dim)``.
            reward: :math:`r_{t+1}`, a finite number.
            next_observation: the true :math:`s_{t+1}`, as ``observation``.
            terminated: whether :math:`s_{t+1}` is terminal (a bool, or 0/1).
            truncated: whether a time limit cut the episode at :math:`t + 1` (a bool, or 0/1).

        Raises:
            TypeError: an argument does not hold real numbers, or a discrete action is not
                an integer.
            ValueError: a shape does not fit the buffer, a value is NaN or infinite, an
                observation of an integer dtype is not a whole number in its range, a flag
                is not a bool or 0/1, or a discrete action is out of range. Nothing is
                stored then.

        Example:
            >>> buffer = ReplayBuffer(4, obs_dim=2, action_dim=3, seed=0, discrete=True)
            >>> buffer.add_one([0.0, 1.0], 2, 1.0, [1.0, 2.0], False, True)
            >>> len(buffer), buffer.action_indices[0], bool(buffer.truncated[0])
            (1, np.int64(2), True)
        """
        if self._dict_obs:
            self.add(
                _batch_of_one("observation", observation),
                np.asarray(action)[None],
                np.asarray(reward)[None],
                _batch_of_one("next_observation", next_observation),
                np.asarray(terminated)[None],
                np.asarray(truncated)[None],
            )
            return
        obs = self._one_observation("observation", observation)
        next_obs = self._one_observation("next_observation", next_observation)
        value = _one_real("reward", reward)
        term, trunc = _one_flag("terminated", terminated), _one_flag("truncated", truncated)
        c, i = self._cols, self.pos
        row: Float32Array | None = None
        if self.obs_specs and self.discrete:
            # Images (or other Box arrays) and an action index: the table's row holds only
            # the reward and the flag, both checked already; no row to build and sum.
            index = _one_index(action, self.action_dim)
        else:
            # The table's row, made in float32 first (as add does) and checked finite
            # there: a float64 beyond float32's range becomes an infinity, refused with
            # the others.
            row = np.empty(c[-1], dtype=np.float32)
            with np.errstate(over="ignore"):
                if not self.obs_specs:
                    row[c[0] : c[1]] = obs
                    row[c[3] : c[4]] = next_obs
                if self.discrete:
                    index = _one_index(action, self.action_dim)
                else:
                    row[c[1] : c[2]] = _one_vector("action", action, self.action_dim)
            row[c[2]] = value
            row[c[4]] = term
            if not math.isfinite(float(row.sum())):
                self._raise_not_finite(row[None], _ONE_COLUMNS)
        # Every check passed: only now is anything written.
        if self.obs_specs:
            self._obs[""][i] = obs
            self._next_obs[""][i] = next_obs
        if self.discrete:
            self.action_indices[i] = index
        if row is None:
            stored = self.table[i]
            stored[c[2]] = value
            stored[c[4]] = term
        else:
            self.table[i] = row
        self.truncated[i] = trunc
        self._advance(i, 1)

    def _advance(self, index: int | NDArray[Any], n: int) -> None:
        """After ``n`` rows were written at ``index``: let a subclass keep what it needs of
        them, then move the write position and the size."""
        self._stored(index)
        self.pos = (self.pos + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def _one_observation(self, name: str, value: Any) -> NDArray[Any]:
        """One observation of a Box (its shape, finite if of floats) or of the flat table
        (``obs_dim`` real numbers, flattened: :meth:`add_one` checks them in its row)."""
        array = value if type(value) is np.ndarray else _real_rows(name, value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
        if not self.obs_specs:
            if array.size != self.obs_dim:
                raise ValueError(
                    f"{name} must hold {self.obs_dim} numbers, got shape {array.shape}"
                )
            return array.reshape(self.obs_dim)
        shape, dtype = self.obs_specs[""]
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {list(shape)}, got {array.shape}")
        return _stored_as(name, array, dtype)

    def _obs_arrays(
        self, name: str, value: Any, n: int | None
    ) -> tuple[dict[str, NDArray[Any]], int]:
        """The observation arrays ``[n, *shape]`` of ``value`` (a dict for a Dict space),
        checked against :attr:`obs_specs` and cast to their dtypes; and ``n``."""
        if self._dict_obs:
            if not isinstance(value, Mapping) or set(value) != set(self.obs_specs):
                got = sorted(value) if isinstance(value, Mapping) else type(value).__name__
                raise ValueError(
                    f"{name} must be a dict with the keys {sorted(self.obs_specs)}, got {got}"
                )
            items = {key: value[key] for key in self.obs_specs}
        else:
            items = {"": value}
        out: dict[str, NDArray[Any]] = {}
        rows = -1
        for key, x in items.items():
            label = f"{name}[{key!r}]" if key else name
            array = _real_rows(label, x)
            shape, dtype = self.obs_specs[key]
            rows = array.shape[0] if array.ndim == len(shape) + 1 else -1
            if array.shape[1:] != shape or not 1 <= rows <= self.capacity or n not in (None, rows):
                want = f"[{'N' if n is None else n}, {', '.join(map(str, shape))}]"
                raise ValueError(
                    f"{label} must have shape {want} with 1 <= N <= {self.capacity}, got "
                    f"{array.shape}"
                )
            n = rows
            out[key] = _stored_as(label, array, dtype)
        return out, rows

    def _stored(self, index: int | NDArray[Any]) -> None:
        """What a subclass keeps of the rows ``index`` that :meth:`add` has just written."""

    def _raise_not_finite(self, row: Float32Array, names: tuple[str, ...] = _COLUMNS) -> None:
        """Name the argument (of ``add``, or ``names``) that put a NaN or an infinity into
        ``row``."""
        c = self._cols
        for name, low, high in zip(names, c[:-1], c[1:], strict=False):
            check_finite(name, row[:, low:high])

    def sample_indices(self, batch_size: int) -> NDArray[np.int64]:
        """``batch_size`` storage rows drawn uniformly with replacement from the stored ones.

        Raises:
            TypeError: ``batch_size`` is not an int.
            ValueError: the buffer is empty or ``batch_size < 1``.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[0], [1]], [[0], [0]], [0, 0], [[1], [2]], [0, 0], [0, 0])
            >>> set(buffer.sample_indices(20).tolist())
            {0, 1}
        """
        return self.rng.integers(0, self.size, size=self._batch_size(batch_size))

    def _batch_size(self, batch_size: int) -> int:
        """``batch_size``, checked to be an int >= 1 for a buffer that holds transitions."""
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        return batch_size

    def sample(self, batch_size: int) -> ReplayBatch:
        """``batch_size`` transitions at :meth:`sample_indices` (:meth:`gather`).

        Raises:
            TypeError: ``batch_size`` is not an int.
            ValueError: the buffer is empty or ``batch_size < 1``.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[7]], [[0.5]], [1.0], [[8]], [False], [True])
            >>> buffer.sample(3).observations[:, 0].tolist()
            [7.0, 7.0, 7.0]
        """
        return self._gather(self.sample_indices(batch_size))

    def gather(self, indices: ArrayLike) -> ReplayBatch:
        """The transitions stored at rows ``indices`` ``[B]``.

        One fancy index gathers the rows; the fields of the result are views of them.

        Raises:
            TypeError: ``indices`` are not integers.
            ValueError: ``indices`` is not 1-D or names a row not stored.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[5], [6]], [[0], [0]], [0, 0], [[6], [7]], [0, 1], [0, 0])
            >>> buffer.gather([1, 0, 1]).terminated.tolist()
            [1.0, 0.0, 1.0]
        """
        return self._gather(self._stored_rows(indices))

    def _gather(self, rows: NDArray[np.int64]) -> ReplayBatch:
        batch = self.table[rows]
        c = self._cols
        actions = self.action_indices[rows] if self.discrete else batch[:, c[1] : c[2]]
        if self.obs_specs:
            obs = self._obs_rows(self._obs, rows)
            next_obs = self._obs_rows(self._next_obs, rows)
            return ReplayBatch(obs, actions, batch[:, c[2]], next_obs, batch[:, c[4]])
        return ReplayBatch(
            batch[:, c[0] : c[1]], actions, batch[:, c[2]], batch[:, c[3] : c[4]], batch[:, c[4]]
        )

    def n_step(self, indices: ArrayLike, n_steps: int, gamma: float) -> NStepBatch:
        r"""The n-step transitions that start at rows ``indices`` ``[B]`` (see
        :class:`NStepBatch`).

        The rows after a transition are read as the next steps of its episode, so the buffer
        must have been filled one environment step at a time (``N = 1`` in :meth:`add`). The
        window of the transition at row ``i`` holds rows ``i, i + 1, ...`` (modulo
        ``capacity``): ``n_steps`` of them, fewer where a step terminated or was truncated (its
        last step then) or where the newest transition (row ``pos - 1``) comes first: the
        window is cut there, bootstrapped from that step's true next observation.
        ``returns`` and ``discounts`` are the returns of
        :func:`lagom.metric.batched_returns` over the windows (time-major ``[n_steps, B]``),
        with the next values 0 and 1: the return is linear in the next values, so
        ``returns + discounts * V`` is its return with the next value ``V``. For
        ``n_steps = 1`` that is the transition itself, ``returns`` its reward and
        ``discounts`` :math:`\gamma (1 - \text{terminated})`, written out without the call.

        Raises:
            TypeError: ``indices`` are not integers, or ``n_steps`` or ``gamma`` is not a
                number.
            ValueError: ``indices`` is not 1-D or names a row not stored, ``n_steps < 1``, or
                ``gamma`` is outside ``[0, 1]``.

        Example:
            Three steps of one episode that terminates, and the start of the next one:

            >>> buffer = ReplayBuffer(8, 1, 2, seed=0, discrete=True)
            >>> for t, end in enumerate([False, False, True, False]):
            ...     buffer.add([[t]], [0], [1.0], [[t + 1]], [end], [False])
            >>> batch = buffer.n_step([0, 1, 2, 3], n_steps=2, gamma=0.5)
            >>> batch.returns.tolist(), batch.discounts.tolist()
            ([1.5, 1.5, 1.0, 1.0], [0.25, 0.0, 0.0, 0.5])
            >>> batch.next_observations[:, 0].tolist()  # the newest step cuts the last window
            [2.0, 3.0, 3.0, 4.0]
        """
        rows = self._stored_rows(indices)
        n_steps = check_int("n_steps", n_steps, minimum=1)
        return self._n_step(rows, n_steps, check_discount("gamma", gamma))

    def sample_n_step(
        self, batch_size: int, n_steps: int, gamma: float
    ) -> tuple[NDArray[np.int64], NStepBatch]:
        """``batch_size`` rows drawn by :meth:`sample_indices` and their :meth:`n_step`
        transitions, in one call: what a learner does every gradient step. The rows just
        drawn are not checked again, and a bad argument draws nothing.

        Returns:
            The rows ``[B]`` (to update priorities by) and their :class:`NStepBatch`: the
            same as ``rows = sample_indices(batch_size)``, then ``n_step(rows, n_steps,
            gamma)``.

        Raises:
            TypeError: an argument is not a number (``batch_size`` and ``n_steps``: ints).
            ValueError: the buffer is empty, ``batch_size`` or ``n_steps`` is below 1, or
                ``gamma`` is outside ``[0, 1]``.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 2, seed=0, discrete=True)
            >>> buffer.add([[0], [1]], [0, 1], [1.0, 4.0], [[1], [2]], [False, True], [False] * 2)
            >>> rows, batch = buffer.sample_n_step(4, n_steps=2, gamma=0.5)  # row 0: 1 + 4 / 2
            >>> rows.tolist(), batch.returns.tolist(), batch.discounts.tolist()
            ([1, 1, 1, 0], [4.0, 4.0, 4.0, 3.0], [0.0, 0.0, 0.0, 0.0])
        """
        n_steps = check_int("n_steps", n_steps, minimum=1)
        gamma = check_discount("gamma", gamma)
        rows = self.sample_indices(batch_size)
        return rows, self._n_step(rows, n_steps, gamma)

    def _n_step(self, rows: NDArray[np.int64], n_steps: int, gamma: float) -> NStepBatch:
        first = self._gather(rows)
        if n_steps == 1:  # batched_returns of one step, written out: r + gamma (1 - d) V
            discounts = gamma * (1.0 - first.terminated)
            return NStepBatch(*first[:4], discounts)
        B, c = len(rows), self._cols
        window = (rows + np.arange(n_steps)[:, None]) % self.capacity  # [n_steps, B]
        steps = self.table[window]
        terminated = steps[..., c[4]] == 1.0
        # A window reaching the newest transition is cut after it: its successor is unknown.
        newest = (self.pos - 1 - rows) % self.capacity
        truncated = self.truncated[window] | (np.arange(n_steps)[:, None] == newest)
        ends = terminated | truncated
        last = np.where(ends.any(axis=0), ends.argmax(axis=0), n_steps - 1)
        returns, discounts = _window_returns(steps[..., c[2]], terminated, truncated, gamma)
        after: ObservationBatch
        if self.obs_specs:
            after = self._obs_rows(self._next_obs, window[last, np.arange(B)])
        else:
            after = steps[last, np.arange(B), c[3] : c[4]]
        return NStepBatch(first.observations, first.actions, returns, after, discounts)

    def _stored_rows(self, indices: ArrayLike) -> NDArray[np.int64]:
        """``indices`` as int64 rows ``[B]``, checked to be stored."""
        array = np.asarray(indices)
        if array.size == 0 and array.dtype == np.float64 and not isinstance(indices, np.ndarray):
            array = array.astype(np.int64)  # [] reads as float64: an empty list of rows
        if array.dtype.kind not in "iu":
            raise TypeError(f"indices must be integers, got dtype {array.dtype}")
        if array.ndim != 1:
            raise ValueError(f"indices must be 1-D, got shape {array.shape}")
        if array.size and (array.min() < 0 or array.max() >= self.size):
            raise ValueError(
                f"indices must name stored rows in [0, {self.size}), got min {array.min()} "
                f"max {array.max()}"
            )
        rows: NDArray[np.int64] = array.astype(np.int64, copy=False)
        return rows

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue identically: the filled rows, position and generator.

        Example:
            >>> sorted(ReplayBuffer(3, 1, 1, seed=0).state_dict())
            ['pos', 'rng', 'size', 'table', 'truncated']
            >>> sorted(ReplayBuffer(3, 1, 2, seed=0, discrete=True).state_dict())[0]
            'actions'
        """
        state = {
            "table": self.table[: self.size].copy(),
            "truncated": self.truncated[: self.size].copy(),
            "pos": self.pos,
            "size": self.size,
            "rng": self.rng.bit_generator.state,
        }
        if self.discrete:
            state["actions"] = self.action_indices[: self.size].copy()
        if self.obs_specs:
            state["observations"] = {k: x[: self.size].copy() for k, x in self._obs.items()}
            state["next_observations"] = {
                k: x[: self.size].copy() for k, x in self._next_obs.items()
            }
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (into a buffer of the same dimensions).

        Raises:
            TypeError: ``state`` is not a dict of :meth:`state_dict`'s keys.
            ValueError: the saved rows do not fit this buffer.

        Example:
            >>> buffer = ReplayBuffer(3, 1, 1, seed=0)
            >>> buffer.add([[1]], [[0]], [0], [[2]], [0], [0])
            >>> copy = ReplayBuffer(3, 1, 1, seed=9)
            >>> copy.load_state_dict(buffer.state_dict())
            >>> a, b = buffer.sample(2), copy.sample(2)
            >>> len(copy), all(np.array_equal(x, y) for x, y in zip(a, b))
            (1, True)
        """
        keys = (*_STATE_KEYS, "actions") if self.discrete else _STATE_KEYS
        if self.obs_specs:
            keys = (*keys, "observations", "next_observations")
        missing = [key for key in keys if not isinstance(state, Mapping) or key not in state]
        if missing:
            got = f"a {type(state).__name__}" if not isinstance(state, Mapping) else f"no {missing}"
            raise TypeError(f"state must be a dict with the keys {list(keys)}, got {got}")
        # Everything is checked before anything is written: a refused state leaves the
        # buffer as it was.
        table = _real_rows("state['table']", state["table"]).astype(np.float32)
        size = check_int("state['size']", state["size"], minimum=0)
        if table.shape != (size, self.table.shape[1]) or size > self.capacity:
            raise ValueError(
                f"saved replay rows of shape {table.shape} do not fit a buffer of "
                f"{self.capacity} rows of width {self.table.shape[1]}"
            )
        if not np.isfinite(table).all():
            raise ValueError("state['table'] must hold finite numbers, as add() stores them")
        flags = table[:, self._cols[4]]
        if np.any((flags != 0.0) & (flags != 1.0)):
            raise ValueError(
                "state['table'] must hold 0 or 1 in its terminated column, as add() stores "
                f"them, got {np.unique(flags[(flags != 0.0) & (flags != 1.0)])[:4].tolist()}"
            )
        truncated = np.asarray(state["truncated"])
        if truncated.dtype != np.bool_ or truncated.shape != (size,):
            raise ValueError(
                f"state['truncated'] must be a bool array of shape ({size},), got dtype "
                f"{truncated.dtype} and shape {truncated.shape}"
            )
        pos = check_int("state['pos']", state["pos"], minimum=0)
        # The next row written: after the filled rows until the buffer is full, then anywhere.
        if (size < self.capacity and pos != size) or pos >= self.capacity:
            raise ValueError(
                f"state['pos'] must be the next row to write ({size} for {size} of "
                f"{self.capacity} rows filled, below {self.capacity} once full), got {pos}"
            )
        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = state["rng"]
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(
                f"state['rng'] must be a {type(self.rng.bit_generator).__name__} state, as "
                f"state_dict() saves it: {error}"
            ) from None
        actions = (
            _action_indices(state["actions"], size, self.action_dim) if self.discrete else None
        )
        observations = {}
        for name, target in (("observations", self._obs), ("next_observations", self._next_obs)):
            saved = state.get(name) if self.obs_specs else {}
            if not isinstance(saved, Mapping) or set(saved) != set(target):
                raise ValueError(f"saved {name} do not fit this buffer's observation arrays")
            for key, x in target.items():
                array = np.asarray(saved[key])
                if array.shape != (size, *x.shape[1:]):
                    raise ValueError(
                        f"saved {name} of shape {array.shape} do not fit [{size}, "
                        f"{', '.join(map(str, x.shape[1:]))}]"
                    )
                if not np.can_cast(array.dtype, x.dtype, casting="same_kind"):
                    raise ValueError(
                        f"saved {name}[{key!r}] of dtype {array.dtype} do not fit this "
                        f"buffer's {x.dtype}"
                    )
                array = _stored_as(f"saved {name}[{key!r}]", array, x.dtype)
                observations[name, key] = array
        if actions is not None:
            self.action_indices[:size] = actions
        for (name, key), array in observations.items():
            (self._obs if name == "observations" else self._next_obs)[key][:size] = array
        self.table[:size] = table
        self.truncated[:size] = truncated
        self.pos = pos
        self.size = size
        self.rng.bit_generator.state = rng.bit_generator.state


class PrioritizedReplayBuffer(ReplayBuffer):
    r"""A :class:`ReplayBuffer` sampled in proportion to priorities (Schaul et al., 2016,
    proportional variant).

    A transition whose TD error was last :math:`\delta_i` has the priority
    :math:`p_i = (|\delta_i| + \epsilon)^\alpha`; a new one gets the largest priority given
    so far (1 at first), so that it is replayed at least once soon. With :math:`N` stored
    transitions,

    .. math::
        P(i) = \frac{p_i}{\sum_k p_k}, \qquad
        w_i = \frac{(N P(i))^{-\beta}}{\max_j (N P(j))^{-\beta}}
            = \Big(\frac{\min_j p_j}{p_i}\Big)^{\beta},

    the maximum over every stored transition. The priorities live in a
    :class:`~lagom.transform.SumTree` (drawing and :math:`\sum_k p_k` in
    :math:`O(\log N)`) and a :class:`~lagom.transform.MinTree` (:math:`\min_j p_j`).
    :meth:`sample_indices` draws a minibatch of ``B`` stratified over ``B`` equal parts of
    :math:`[0, \sum_k p_k)`, as in the paper: each row is drawn with probability
    :math:`P(i)` (a part's draw is uniform within it), with less variance than ``B``
    independent draws. ``alpha = 0`` gives uniform sampling with weights 1.

    Args:
        capacity, obs_dim, action_dim, seed, discrete, observation_space: as for
            :class:`ReplayBuffer`.
        alpha: :math:`\alpha \ge 0`, how much the priorities count.
        eps: :math:`\epsilon > 0`, the priority floor: no transition is never replayed.

    Raises:
        TypeError: an argument is not of its type.
        ValueError: an argument is out of range.

    Example:
        >>> buffer = PrioritizedReplayBuffer(4, 1, 2, seed=0, alpha=1.0, discrete=True)
        >>> buffer.add([[0], [1]], [0, 1], [0, 0], [[1], [2]], [0, 0], [0, 0])
        >>> buffer.update_priorities([0, 1], [3.0, 1.0])  # p = |delta| + eps (alpha 1)
        >>> np.round(buffer.priorities, 3).tolist()
        [3.0, 1.0]
        >>> np.round(buffer.weights([0, 1], beta=1.0), 3).tolist()  # (min p / p_i)^beta
        [0.333, 1.0]
        >>> rows = buffer.sample_indices(4000)
        >>> round(float(np.mean(rows == 0)), 2)  # P(0) = 3 / 4
        0.75
    """

    def __init__(
        self,
        capacity: int,
        obs_dim: int,
        action_dim: int,
        seed: int,
        *,
        alpha: float = 0.6,
        eps: float = 1e-6,
        discrete: bool = False,
        observation_space: spaces.Box | spaces.Dict | None = None,
    ) -> None:
        super().__init__(
            capacity,
            obs_dim,
            action_dim,
            seed,
            discrete=discrete,
            observation_space=observation_space,
        )
        self.alpha = check_real("alpha", alpha, low=0.0, finite=True)
        self.eps = check_real("eps", eps, low=0.0, finite=True)
        if self.eps == 0.0:
            raise ValueError("eps must be > 0, got 0.0: a transition of priority 0 is never drawn")
        leaves = 1 << (self.capacity - 1).bit_length()  # the trees want a power of two
        self._sums, self._mins = SumTree(leaves), MinTree(leaves)
        #: The largest priority given so far, that of every new transition.
        self.max_priority = 1.0

    @property
    def priorities(self) -> Float64Array:
        r"""The priorities :math:`p_i` of the stored rows ``[size]`` (a new array).

        Example:
            >>> buffer = PrioritizedReplayBuffer(2, 1, 1, seed=0, alpha=1.0)
            >>> buffer.add([[0]], [[0]], [0], [[1]], [0], [0])
            >>> buffer.priorities  # a new transition: the largest priority so far, 1 at first
            array([1.])
            >>> buffer.update_priorities([0], [4.0])
            >>> buffer.add([[1], [2]], [[0], [0]], [0, 0], [[2], [3]], [0, 0], [0, 0])
            >>> buffer.priorities.round(3).tolist()  # row 0 overwritten by the third
            [4.0, 4.0]
        """
        return self._sums[np.arange(self.size)]

    def _stored(self, index: int | NDArray[Any]) -> None:
        """New rows get the largest priority so far (one row, an environment step, takes the
        trees' cheaper single-leaf write)."""
        self._sums[index] = self.max_priority
        self._mins[index] = self.max_priority

    def sample_indices(self, batch_size: int) -> NDArray[np.int64]:
        r"""``batch_size`` storage rows, each drawn with probability :math:`P(i)`: row
        ``j`` of the result is the row whose priority interval holds
        :math:`u_j = (j + U_j) \sum_k p_k / B`, :math:`U_j \sim U[0, 1)` (stratified).

        Raises:
            TypeError, ValueError: as :meth:`ReplayBuffer.sample_indices`.

        Example:
            >>> buffer = PrioritizedReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[0], [1]], [[0], [0]], [0, 0], [[1], [2]], [0, 0], [0, 0])
            >>> buffer.sample_indices(4).tolist()  # equal priorities: half and half, in order
            [0, 0, 1, 1]
        """
        batch_size = self._batch_size(batch_size)
        total = self._sums.sum()
        u = (np.arange(batch_size) + self.rng.random(batch_size)) * (total / batch_size)
        return self._sums.find_prefixsum_index(np.minimum(u, total)).astype(np.int64, copy=False)

    def weights(self, indices: ArrayLike, beta: float) -> Float32Array:
        r"""The importance weights :math:`w_i = (\min_j p_j / p_i)^\beta` ``[B]`` (float32)
        of the stored rows ``indices``: 1 for the least likely row, less for the others.

        Raises:
            TypeError: ``indices`` are not integers, or ``beta`` is not a real number.
            ValueError: ``indices`` names a row not stored, or ``beta`` is outside
                ``[0, 1]``.

        Example:
            >>> buffer = PrioritizedReplayBuffer(4, 1, 1, seed=0, alpha=0.5)
            >>> buffer.add([[0], [1]], [[0], [0]], [0, 0], [[1], [2]], [0, 0], [0, 0])
            >>> buffer.update_priorities([0, 1], [16.0, 4.0])
            >>> buffer.weights([0, 1], beta=1.0).round(3)  # p = (|delta| + eps)^0.5
            array([0.5, 1. ], dtype=float32)
        """
        rows = self._stored_rows(indices)
        beta = check_real("beta", beta, low=0.0, high=1.0)
        weights: Float32Array = ((self._mins.min() / self._sums[rows]) ** beta).astype(np.float32)
        return weights

    def update_priorities(self, indices: ArrayLike, td_errors: ArrayLike) -> None:
        r"""Set :math:`p_i = (|\delta_i| + \epsilon)^\alpha` for the stored rows ``indices``
        ``[B]`` from their TD errors ``td_errors`` ``[B]``; a row given twice keeps its last
        value.

        Raises:
            TypeError: ``indices`` are not integers or ``td_errors`` are not numbers.
            ValueError: the shapes differ, a row is not stored, or an error is NaN,
                infinite, or so large that the sum of the priorities would overflow.

        Example:
            >>> buffer = PrioritizedReplayBuffer(4, 1, 1, seed=0, alpha=1.0, eps=0.5)
            >>> buffer.add([[0]], [[0]], [0], [[1]], [0], [0])
            >>> buffer.update_priorities([0], [-2.0])
            >>> buffer.priorities.tolist(), buffer.max_priority
            ([2.5], 2.5)
        """
        rows = self._stored_rows(indices)
        errors = check_finite("td_errors", _real_rows("td_errors", td_errors).astype(np.float64))
        if errors.shape != rows.shape:
            raise ValueError(
                f"td_errors must have the shape of indices {rows.shape}, got {errors.shape}"
            )
        with np.errstate(over="ignore"):
            priorities = (np.abs(errors) + self.eps) ** self.alpha
        # The sum tree adds up to `leaves` priorities: each must stay below float64's range
        # over that many, or the total overflows to inf and sampling goes wrong silently.
        bound = float(np.finfo(np.float64).max) / len(self._sums)
        if priorities.size and not priorities.max() <= bound:
            raise ValueError(
                f"td_errors give priorities (|td_errors| + eps)^alpha up to "
                f"{priorities.max()}, too large to sum: they must stay below {bound:.3g}"
            )
        self._sums[rows] = priorities
        self._mins[rows] = priorities
        if priorities.size:
            self.max_priority = max(self.max_priority, float(priorities.max()))

    def state_dict(self) -> dict[str, Any]:
        """:meth:`ReplayBuffer.state_dict` with the priorities (an array) and
        :attr:`max_priority`.

        Example:
            >>> sorted(PrioritizedReplayBuffer(3, 1, 1, seed=0).state_dict())[:3]
            ['max_priority', 'pos', 'priorities']
        """
        return {
            **super().state_dict(),
            "priorities": self.priorities,
            "max_priority": self.max_priority,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; the trees are rebuilt from the
        priorities, node for node as they were.

        Raises:
            TypeError: ``state`` is not a dict of :meth:`state_dict`'s keys.
            ValueError: the saved rows or priorities do not fit this buffer.

        Example:
            >>> buffer = PrioritizedReplayBuffer(3, 1, 1, seed=0, alpha=1.0)
            >>> buffer.add([[1], [2]], [[0], [0]], [0, 0], [[2], [3]], [0, 0], [0, 0])
            >>> buffer.update_priorities([1], [5.0])
            >>> copy = PrioritizedReplayBuffer(3, 1, 1, seed=9, alpha=1.0)
            >>> copy.load_state_dict(buffer.state_dict())
            >>> copy.sample_indices(6).tolist() == buffer.sample_indices(6).tolist()
            True
        """
        missing = [
            key
            for key in ("priorities", "max_priority")
            if not isinstance(state, Mapping) or key not in state
        ]
        if missing:
            raise TypeError(
                "state must be a dict of PrioritizedReplayBuffer.state_dict()'s keys, got "
                f"{'no ' + str(missing) if isinstance(state, Mapping) else type(state).__name__}"
            )
        # The priorities and max_priority are checked before the rows are loaded.
        priorities = _real_rows("state['priorities']", state["priorities"])
        size = state.get("size")
        if priorities.shape != (size,):
            raise ValueError(f"saved priorities of shape {priorities.shape} do not fit {size} rows")
        if not (np.isfinite(priorities).all() and (priorities > 0).all()):
            raise ValueError("saved priorities must be positive and finite")
        max_priority = check_real("state['max_priority']", state["max_priority"], low=0.0)
        largest = float(priorities.max()) if priorities.size else 0.0
        if not (max_priority > 0.0 and max_priority >= largest):
            raise ValueError(
                "state['max_priority'] must be positive and at least the largest saved "
                f"priority {largest}, got {max_priority}"
            )
        super().load_state_dict(state)
        stale = np.arange(self.size, len(self._sums))
        self._sums[stale], self._mins[stale] = 0.0, np.inf
        self._sums[np.arange(self.size)] = priorities
        self._mins[np.arange(self.size)] = priorities
        self.max_priority = max_priority


def _window_returns(
    rewards: Float32Array, terminated: BoolArray, truncated: BoolArray, gamma: float
) -> tuple[Float32Array, Float32Array]:
    """Row 0 of :func:`lagom.metric.batched_returns` over ``[n, B]`` windows with the next
    values 0 (the rewards' part) and 1 (the bootstrap's discount), the last row cut.

    The same recursion in the same float32 order, written out for the few rows of a
    window: the metric's checks and scan cost more than the arithmetic at this size.
    """
    g = np.float32(gamma)
    zero = np.float32(0.0)
    returns = rewards[-1].copy()
    discounts = np.where(terminated[-1], zero, g)
    for k in range(len(rewards) - 2, -1, -1):
        end = terminated[k] | truncated[k]
        returns = np.where(end, zero, g * returns) + rewards[k]
        discounts = np.where(terminated[k], zero, np.where(truncated[k], g, g * discounts))
    return returns, discounts


def _obs_specs(space: object, obs_dim: int) -> dict[str, tuple[tuple[int, ...], np.dtype[Any]]]:
    """``{key: (shape, dtype)}`` of the observation arrays of ``space`` ("" for a Box); empty
    for ``None`` (flat float32 rows in the table)."""
    if space is None:
        return {}
    if isinstance(space, spaces.Dict):
        items = dict(space.spaces.items())
    elif isinstance(space, spaces.Box):
        items = {"": space}
    else:
        raise TypeError(
            f"observation_space must be a gymnasium Box, a Dict of Boxes or None, got {space!r:.60}"
        )
    specs = {}
    for key in sorted(items):
        sub = items[key]
        if not isinstance(sub, spaces.Box):
            raise TypeError(f"observation_space must be a Dict of Boxes, but {key!r} holds {sub}")
        specs[key] = (tuple(int(n) for n in sub.shape), np.dtype(sub.dtype))
    flat = int(spaces.flatdim(space))
    if flat != obs_dim:
        raise ValueError(f"obs_dim must be {flat}, the flat size of {space}, got {obs_dim}")
    return specs


def _batch_of_one(name: str, value: Any) -> dict[str, NDArray[Any]]:
    """A ``Dict`` observation as a batch of one (``add`` checks its keys and arrays)."""
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a dict of arrays (a Dict space), got {type(value).__name__}"
        )
    return {key: np.asarray(x)[None] for key, x in value.items()}


_REAL_SCALARS = (bool, int, float, np.bool_, np.integer, np.floating)
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _one_real(name: str, x: Any) -> float:
    """One real number finite in float32 (a Python or numpy scalar, or an array of one
    element)."""
    if isinstance(x, _REAL_SCALARS):
        value = float(x)
    else:
        array = _real_rows(name, x)
        if array.size != 1:
            raise ValueError(f"{name} must be one number, got shape {array.shape}")
        value = float(array.reshape(()))
    if not math.isfinite(value) or abs(value) > _FLOAT32_MAX:
        raise ValueError(f"{name} must be finite (in float32), got {value}")
    return value


def _one_flag(name: str, x: Any) -> bool:
    """A bool, or a number that is 0 or 1."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    value = _one_real(name, x)
    if value not in (0.0, 1.0):
        raise ValueError(f"{name} must be a bool or 0/1, got {x!r}")
    return value == 1.0


def _one_index(x: Any, n: int) -> int:
    """One discrete action: an integer in ``[0, n)``."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        index = int(x)
    else:
        array = _real_rows("action", x)
        if array.dtype.kind not in "iu":
            raise TypeError(f"a discrete action must be an integer index, got {x!r:.40}")
        if array.size != 1:
            raise ValueError(f"a discrete action must be one index, got shape {array.shape}")
        index = int(array.reshape(()))
    if not 0 <= index < n:
        raise ValueError(f"a discrete action must be in [0, {n}), got {index}")
    return index


def _one_vector(name: str, x: Any, size: int) -> NDArray[Any]:
    """``size`` real numbers, flattened."""
    array = _real_rows(name, x)
    if array.size != size:
        raise ValueError(f"{name} must hold {size} numbers, got shape {array.shape}")
    return array.reshape(size)


def _real_rows(name: str, x: ArrayLike) -> NDArray[Any]:
    """``x`` as an array of real numbers (bools, ints or floats), without a copy."""
    try:
        array = np.asarray(x)
    except ValueError as error:  # ragged
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers, got {type(x).__name__} (dtype {array.dtype})"
        )
    return array


def _reshaped(name: str, x: ArrayLike, shape: tuple[int, ...]) -> NDArray[Any]:
    """``x`` reshaped to ``shape``: any shape that differs from it only by axes of length 1
    (``[N, 1]`` or ``[1, N]`` for ``[N]``), never one whose axes are in another order (a
    transposed ``[action_dim, N]`` would scramble the actions silently)."""
    array = _real_rows(name, x)
    if array.shape != shape and _squeezed(array.shape) != _squeezed(shape):
        raise ValueError(
            f"transitions of {shape[0]} rows do not fit the buffer: {name} must have shape "
            f"{list(shape)}, got {array.shape}"
        )
    return array.reshape(shape)


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def _stored_as(name: str, array: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
    """``array`` cast to an observation array's ``dtype``, refusing what the cast would
    change silently: a float NaN, infinite or beyond the range of a float ``dtype``, or for
    an integer (or bool) ``dtype`` a number that is not a whole one in its range
    (``300`` or ``-1`` in uint8, ``0.5`` in an integer array)."""
    if array.dtype == dtype:
        return check_finite(name, array)
    if dtype.kind in "biu" and not np.can_cast(array.dtype, dtype, casting="safe"):
        low, high = (0, 1) if dtype.kind == "b" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        if array.size and (
            (array.dtype.kind == "f" and not np.array_equal(array, np.trunc(array)))
            or array.min() < low
            or array.max() > high
        ):
            check_finite(name, array)
            raise ValueError(
                f"{name} must hold whole numbers in [{low}, {high}] for the observation "
                f"dtype {dtype}, got values from {array.min()} to {array.max()}"
            )
    with np.errstate(over="ignore"):
        out = array.astype(dtype, copy=False)
    return check_finite(name, out)


def _flags(name: str, x: ArrayLike, n: int) -> BoolArray:
    array = _reshaped(name, x, (n,))
    if array.dtype.kind == "b":
        return array
    if np.any((array != 0) & (array != 1)):
        raise ValueError(f"{name} must hold bools or 0/1, got {array.tolist()}")
    flags: BoolArray = array.astype(np.bool_, copy=False)
    return flags


def _action_indices(x: ArrayLike, n: int, action_dim: int) -> NDArray[Any]:
    """Discrete actions ``[n]``: integers in ``[0, action_dim)``."""
    array = _reshaped("actions", x, (n,))
    if array.dtype.kind not in "iu":
        raise TypeError(f"discrete actions must be integer indices, got dtype {array.dtype}")
    if n and (array.min() < 0 or array.max() >= action_dim):
        raise ValueError(
            f"discrete actions must be in [0, {action_dim}), got {array.min()} .. {array.max()}"
        )
    return array
