"""A preallocated replay buffer of single-step transitions (numpy only).

Every transition is one row of a single float32 table ``[capacity, D]`` holding, side by side,
the observation ``s_t``, the action ``a_t``, the reward ``r_{t+1}``, the *true* next
observation ``s_{t+1}`` (for the step that ended an episode, its final observation, never the
reset one) and the ``terminated`` flag of that step. A minibatch is therefore one fancy index
of one array, and its five fields are views of that minibatch (no further copy): a torch user
turns each into a tensor with ``torch.from_numpy`` for free. ``truncated`` is kept in its own
boolean array: a TD target never reads it, because a time-limit end is bootstrapped like any
other step (:func:`lagom.metric.batched_td0_target`).

Sampling uses the buffer's own ``numpy.random.Generator``, so the minibatches are reproducible
and are saved with the buffer (:meth:`ReplayBuffer.state_dict`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from lagom._checks import check_int, check_seed
from lagom._types import ArrayLike, BoolArray, Float32Array

__all__ = ["ReplayBatch", "ReplayBuffer"]


class ReplayBatch(NamedTuple):
    """A minibatch of ``B`` transitions: float32 views of one gathered ``[B, D]`` array.

    Attributes:
        observations: ``[B, obs_dim]``, :math:`s_t`.
        actions: ``[B, action_dim]``, :math:`a_t`.
        rewards: ``[B]``, :math:`r_{t+1}`.
        next_observations: ``[B, obs_dim]``, the true :math:`s_{t+1}`.
        terminated: ``[B]``, 1.0 where :math:`s_{t+1}` is terminal (no bootstrap), else 0.0.

    Example:
        >>> obs, flags = np.zeros((2, 3), np.float32), np.zeros(2, np.float32)
        >>> batch = ReplayBatch(obs, np.ones((2, 1), np.float32), flags, obs + 1, flags)
        >>> batch.next_observations.shape, batch.terminated.shape
        ((2, 3), (2,))
    """

    observations: Float32Array
    actions: Float32Array
    rewards: Float32Array
    next_observations: Float32Array
    terminated: Float32Array


class ReplayBuffer:
    """A ring buffer of the last ``capacity`` transitions, sampled uniformly with replacement.

    The shell's stateful face of off-policy data: written in place (a copy per step would cost
    ``O(capacity)``), read as :class:`ReplayBatch` minibatches.

    Args:
        capacity: the most transitions kept; the oldest is overwritten first.
        obs_dim: size of a (flattened) observation.
        action_dim: size of an action.
        seed: seed of the sampling generator ``numpy.random.default_rng(seed)``.

    Raises:
        TypeError: a size or the seed is not an int.
        ValueError: a size is below 1 or the seed is negative.

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
    """

    def __init__(self, capacity: int, obs_dim: int, action_dim: int, seed: int) -> None:
        self.capacity = check_int("capacity", capacity, minimum=1)
        self.obs_dim = check_int("obs_dim", obs_dim, minimum=1)
        self.action_dim = check_int("action_dim", action_dim, minimum=1)
        seed = check_seed("seed", seed)
        o, a = self.obs_dim, self.action_dim
        # Column layout of the table: [s | a | r | s' | terminated].
        self._cols = (0, o, o + a, o + a + 1, 2 * o + a + 1, 2 * o + a + 2)
        self.table: Float32Array = np.zeros((self.capacity, self._cols[-1]), dtype=np.float32)
        self.truncated: BoolArray = np.zeros(self.capacity, dtype=np.bool_)
        self.rng = np.random.default_rng(seed)
        self.pos = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @property
    def observations(self) -> Float32Array:
        """The stored observations ``[size, obs_dim]`` (a view, in storage order).

        Example:
            >>> ReplayBuffer(3, 2, 1, seed=0).observations.shape
            (0, 2)
        """
        return self.table[: self.size, self._cols[0] : self._cols[1]]

    def add(
        self,
        observations: ArrayLike,
        actions: ArrayLike,
        rewards: ArrayLike,
        next_observations: ArrayLike,
        terminated: ArrayLike,
        truncated: ArrayLike,
    ) -> None:
        """Store ``N`` transitions (one per row; a single environment gives ``N = 1``).

        Args:
            observations: ``[N, obs_dim]``, :math:`s_t`.
            actions: ``[N, action_dim]``, :math:`a_t`.
            rewards: ``[N]``, :math:`r_{t+1}`.
            next_observations: ``[N, obs_dim]``, the true :math:`s_{t+1}`.
            terminated: ``[N]``, whether :math:`s_{t+1}` is terminal.
            truncated: ``[N]``, whether the episode was cut by a time limit at :math:`t + 1`.

        Raises:
            ValueError: the shapes do not agree with each other or with the buffer.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[0], [1]], [[0], [0]], [0, 1], [[1], [2]], [0, 1], [0, 0])
            >>> len(buffer), buffer.truncated[:2].tolist()
            (2, [False, False])
        """
        obs = np.asarray(observations, dtype=np.float32)
        n = obs.shape[0] if obs.ndim == 2 else -1
        if n < 1 or n > self.capacity or obs.shape[1] != self.obs_dim:
            raise ValueError(
                f"observations must have shape [N, {self.obs_dim}] with 1 <= N <= "
                f"{self.capacity}, got {obs.shape}"
            )
        index = (self.pos + np.arange(n)) % self.capacity if n > 1 else self.pos
        c = self._cols
        try:
            row = np.empty((n, c[-1]), dtype=np.float32)
            row[:, c[0] : c[1]] = obs
            row[:, c[1] : c[2]] = np.reshape(actions, (n, self.action_dim))
            row[:, c[2]] = np.reshape(rewards, (n,))
            row[:, c[3] : c[4]] = np.reshape(next_observations, (n, self.obs_dim))
            row[:, c[4]] = np.reshape(terminated, (n,))
            trunc = np.reshape(truncated, (n,))
        except ValueError as error:
            raise ValueError(f"transitions of {n} rows do not fit the buffer: {error}") from error
        self.table[index] = row
        self.truncated[index] = trunc
        self.pos = (self.pos + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int) -> ReplayBatch:
        """``batch_size`` transitions drawn uniformly with replacement.

        One fancy index gathers the rows; the fields of the result are views of them.

        Raises:
            TypeError: ``batch_size`` is not an int.
            ValueError: the buffer is empty or ``batch_size < 1``.

        Example:
            >>> buffer = ReplayBuffer(4, 1, 1, seed=0)
            >>> buffer.add([[7]], [[0.5]], [1.0], [[8]], [False], [True])
            >>> buffer.sample(3).observations[:, 0].tolist()
            [7.0, 7.0, 7.0]
        """
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        batch = self.table[self.rng.integers(0, self.size, size=batch_size)]
        c = self._cols
        return ReplayBatch(
            batch[:, c[0] : c[1]],
            batch[:, c[1] : c[2]],
            batch[:, c[2]],
            batch[:, c[3] : c[4]],
            batch[:, c[4]],
        )

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue identically: the filled rows, position and generator.

        Example:
            >>> sorted(ReplayBuffer(3, 1, 1, seed=0).state_dict())
            ['pos', 'rng', 'size', 'table', 'truncated']
        """
        return {
            "table": self.table[: self.size].copy(),
            "truncated": self.truncated[: self.size].copy(),
            "pos": self.pos,
            "size": self.size,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (into a buffer of the same dimensions).

        Raises:
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
        table = np.asarray(state["table"], dtype=np.float32)
        size = int(state["size"])
        if table.shape != (size, self.table.shape[1]) or size > self.capacity:
            raise ValueError(
                f"saved replay rows of shape {table.shape} do not fit a buffer of "
                f"{self.capacity} rows of width {self.table.shape[1]}"
            )
        self.table[:size] = table
        self.truncated[:size] = state["truncated"]
        self.pos = int(state["pos"])
        self.size = size
        self.rng.bit_generator.state = state["rng"]
