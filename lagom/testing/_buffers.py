"""Property suite for replay buffers: :func:`check_replay_buffer`.

lagom's conventions (:class:`lagom.runner.ReplayBuffer`): a buffer of ``capacity`` rows keeps
the last ``capacity`` transitions added (first in, first out: the oldest is overwritten
first); each keeps its observation, action, reward, the *true* next observation (at an
episode end the final one, never the reset observation that follows it) and its
``terminated`` flag apart from ``truncated`` (a time limit is bootstrapped, a termination is
not); ``sample(B)`` draws ``B`` stored transitions uniformly with replacement from the
buffer's own seeded generator.

Every example feeds a fresh buffer a stream of N parallel episodes in which each
observation is unique (its first component is an id), so a sampled row tells which
transition it is and can be compared with what was added.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar, cast, overload

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom._types import ArrayLike, BoolArray, Float64Array, IntArray
from lagom.testing._property import check_property

__all__ = ["ReplayBatchLike", "ReplayBufferLike", "check_replay_buffer"]

BufferT = TypeVar("BufferT")

#: Kinds of episode end drawn for each transition: none, terminated, truncated, both.
_ENDS = ((False, False), (True, False), (False, True), (True, True))


class ReplayBatchLike(Protocol):
    """What ``sample(B)`` of a :class:`ReplayBufferLike` returns: ``B`` transitions as five arrays.

    :class:`lagom.runner.ReplayBatch` is one. ``observations`` and ``next_observations`` are
    ``[B, obs_dim]``, ``actions`` ``[B, action_dim]``, ``rewards`` and ``terminated``
    ``[B]`` (bools, or 0/1 numbers). A batch may also have ``truncated`` ``[B]``; it is then
    checked too.

    Example:
        >>> from lagom.runner import ReplayBatch
        >>> rows = np.zeros((2, 1), np.float32)
        >>> batch: ReplayBatchLike = ReplayBatch(rows, rows, rows[:, 0], rows, rows[:, 0])
        >>> np.shape(batch.terminated)
        (2,)
    """

    @property
    def observations(self) -> ArrayLike: ...

    @property
    def actions(self) -> ArrayLike: ...

    @property
    def rewards(self) -> ArrayLike: ...

    @property
    def next_observations(self) -> ArrayLike: ...

    @property
    def terminated(self) -> ArrayLike: ...


class ReplayBufferLike(Protocol):
    """The replay buffer that :func:`check_replay_buffer` checks, in lagom's signature.

    ``add`` stores ``N`` transitions, one per row, in order: ``observations [N, obs_dim]``,
    ``actions [N, action_dim]``, ``rewards [N]``, the true ``next_observations [N,
    obs_dim]``, ``terminated [N]`` and ``truncated [N]`` (bools). ``sample(B)`` returns
    ``B`` of the stored transitions; ``len`` is how many are stored.
    :class:`lagom.runner.ReplayBuffer` is one; an adapter turns any other buffer into one.

    Example:
        >>> from lagom.runner import ReplayBuffer
        >>> buffer: ReplayBufferLike = ReplayBuffer(4, obs_dim=1, action_dim=1, seed=0)
        >>> buffer.add(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1), np.ones((1, 1)),
        ...            np.zeros(1, bool), np.ones(1, bool))
        >>> len(buffer), np.shape(buffer.sample(3).next_observations)
        (1, (3, 1))
    """

    def add(
        self,
        observations: Float64Array,
        actions: Float64Array,
        rewards: Float64Array,
        next_observations: Float64Array,
        terminated: BoolArray,
        truncated: BoolArray,
        /,
    ) -> None: ...

    def sample(self, batch_size: int, /) -> ReplayBatchLike: ...

    def __len__(self) -> int: ...


@attrs.frozen(eq=False)
class _Stream:
    """One example: a buffer's seed and capacity, and the M transitions added to it.

    They are added ``rows_per_add`` (N) at a time, in order: transition ``g`` is row
    ``g % N`` of call ``g // N`` to ``add`` and continues the episode of transition
    ``g - N``. Every observation is unique: ``observations[:, 0]`` holds its id.
    """

    seed: int
    capacity: int
    rows_per_add: int
    observations: Float64Array  # [M, obs_dim]
    actions: Float64Array  # [M, action_dim]
    rewards: Float64Array  # [M]
    next_observations: Float64Array  # [M, obs_dim]
    terminated: BoolArray  # [M]
    truncated: BoolArray  # [M]

    def label(self, g: int) -> str:
        """How a failure names transition ``g``."""
        n, term, trunc = self.rows_per_add, bool(self.terminated[g]), bool(self.truncated[g])
        end = f", terminated={term}, truncated={trunc}" if term or trunc else ""
        return f"transition #{g} (add {g // n}, row {g % n}{end})"


@st.composite
def _streams(draw: st.DrawFn, max_adds: int = 12) -> _Stream:
    capacity = draw(st.integers(1, 6))
    n = draw(st.integers(1, min(3, capacity)))
    obs_dim, action_dim = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    M = n * draw(st.integers(1, max_adds))
    ends = draw(hnp.arrays(np.int8, M, elements=st.integers(0, len(_ENDS) - 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    # Ids in order of appearance: each stream's first observation, then per transition its
    # next observation and, after an end, the reset observation of the next episode.
    counter = iter(range(1, 2 * M + n + 1))
    ids, next_ids = np.zeros(M + n), np.zeros(M)
    ids[:n] = [next(counter) for _ in range(n)]
    for g in range(M):
        next_ids[g] = next(counter)
        ids[g + n] = next(counter) if any(_ENDS[ends[g]]) else next_ids[g]
    # Every value is distinct and exact in float32: id + 0.25 * component for observations,
    # id / 8 + component for actions, -id / 2 for rewards.
    return _Stream(
        seed=seed,
        capacity=capacity,
        rows_per_add=n,
        observations=ids[:M, None] + np.arange(obs_dim) / 4,
        actions=ids[:M, None] / 8 + np.arange(action_dim),
        rewards=-ids[:M] / 2,
        next_observations=next_ids[:, None] + np.arange(obs_dim) / 4,
        terminated=np.array([_ENDS[e][0] for e in ends], dtype=np.bool_),
        truncated=np.array([_ENDS[e][1] for e in ends], dtype=np.bool_),
    )


@attrs.frozen
class _Sampled:
    """A sample after one call to ``add``, as float64 arrays, with the transitions it shows."""

    k: int  # the call to add just made
    added: int  # transitions added so far
    size: int  # len(buffer) after it
    batch: ReplayBatchLike
    observations: Float64Array
    actions: Float64Array
    rewards: Float64Array
    next_observations: Float64Array
    terminated: BoolArray
    which: IntArray  # the transition each sampled row shows; -1: none added so far

    def first(self, bad: BoolArray) -> int | None:
        """The first sampled row of a known transition where ``bad`` holds."""
        rows = np.flatnonzero(bad & (self.which >= 0))
        return int(rows[0]) if rows.size else None


@attrs.frozen
class _Suite:
    make: Callable[[int, int, int, int], ReplayBufferLike]

    def run(self, s: _Stream) -> Iterator[_Sampled]:
        """Add the stream's rows call by call, sampling ``32 * capacity`` rows after each."""
        (M, obs_dim), n = s.observations.shape, s.rows_per_add
        buffer = self.make(s.capacity, obs_dim, s.actions.shape[1], s.seed)
        ids = s.observations[:, 0]  # increasing
        for k in range(M // n):
            rows = slice(k * n, (k + 1) * n)
            buffer.add(
                s.observations[rows].copy(),
                s.actions[rows].copy(),
                s.rewards[rows].copy(),
                s.next_observations[rows].copy(),
                s.terminated[rows].copy(),
                s.truncated[rows].copy(),
            )
            batch = buffer.sample(32 * s.capacity)
            observations = np.asarray(batch.observations, dtype=np.float64)
            sampled = observations[:, 0] if observations.ndim == 2 else np.zeros(0)
            at = np.minimum(np.searchsorted(ids, sampled), M - 1)
            added = (k + 1) * n
            which = np.where((ids[at] == sampled) & (at < added), at, -1)
            yield _Sampled(
                k,
                added,
                len(buffer),
                batch,
                observations,
                np.asarray(batch.actions, dtype=np.float64),
                np.asarray(batch.rewards, dtype=np.float64),
                np.asarray(batch.next_observations, dtype=np.float64),
                np.asarray(batch.terminated) != 0,
                which,
            )


def _rows_differ(got: Float64Array, want: Float64Array) -> BoolArray:
    differ: BoolArray = np.any(got.reshape(len(got), -1) != want.reshape(len(want), -1), axis=1)
    return differ


def _batch_shapes(suite: _Suite, s: _Stream) -> None:
    obs_dim, B = s.observations.shape[1], 32 * s.capacity
    expected = {
        "observations": (B, obs_dim),
        "actions": (B, s.actions.shape[1]),
        "rewards": (B,),
        "next_observations": (B, obs_dim),
        "terminated": (B,),
    }
    for x in suite.run(s):
        for field, shape in expected.items():
            got = np.shape(getattr(x.batch, field))
            if got != shape:
                raise AssertionError(
                    f"after add {x.k}: sample({B}).{field} has shape {got}, expected {shape}"
                )


def _samples_filled_rows(suite: _Suite, s: _Stream) -> None:
    for x in suite.run(s):
        context = f"after add {x.k} (transitions added: {x.added}, capacity {s.capacity})"
        if x.size != min(x.added, s.capacity):
            raise AssertionError(
                f"{context}: len(buffer) is {x.size}, expected {min(x.added, s.capacity)}"
            )
        unknown = np.flatnonzero(x.which < 0)
        if unknown.size:
            r = int(unknown[0])
            raise AssertionError(
                f"{context}: sampled row {r} has observation {x.observations[r]}, which no "
                "transition added so far has: the buffer sampled a row it never wrote"
            )


def _rows_intact(suite: _Suite, s: _Stream) -> None:
    for x in suite.run(s):
        for field, got, want in (
            ("observation", x.observations, s.observations[x.which]),
            ("action", x.actions, s.actions[x.which]),
            ("reward", x.rewards, s.rewards[x.which]),
        ):
            r = x.first(_rows_differ(got, want))
            if r is not None:
                raise AssertionError(
                    f"after add {x.k}: {s.label(int(x.which[r]))} was added with {field} "
                    f"{want[r]} but sampled with {got[r]}"
                )


def _true_next_observation(suite: _Suite, s: _Stream) -> None:
    n, M = s.rows_per_add, len(s.rewards)
    for x in suite.run(s):
        r = x.first(_rows_differ(x.next_observations, s.next_observations[x.which]))
        if r is None:
            continue
        g = int(x.which[r])
        got, want = x.next_observations[r], s.next_observations[g]
        ended = bool(s.terminated[g] or s.truncated[g])
        reset = g + n < M and np.array_equal(got, s.observations[g + n])
        raise AssertionError(
            f"after add {x.k}: {s.label(g)} has next observation {want}"
            + (" (the final observation of its episode)" if ended else "")
            + f" but was sampled with {got}"
            + (
                f", the reset observation of transition #{g + n} that starts the next "
                "episode: the buffer returns the reset observation as next observation at an "
                "episode end (is the next observation read from the following row?)"
                if ended and reset
                else ""
            )
        )


def _terminated_truncated_apart(suite: _Suite, s: _Stream) -> None:
    for x in suite.run(s):
        given = getattr(x.batch, "truncated", None)
        for name, got, want in (
            ("terminated", x.terminated, s.terminated[x.which]),
            ("truncated", None if given is None else np.asarray(given) != 0, s.truncated[x.which]),
        ):
            r = None if got is None else x.first(got != want)
            if got is None or r is None:
                continue
            g = int(x.which[r])
            hint = (
                ": a time-limit truncation became a termination (done = terminated or "
                "truncated?), so a TD target would drop its bootstrap"
                if name == "terminated" and s.truncated[g] and not s.terminated[g]
                else ""
            )
            raise AssertionError(
                f"after add {x.k}: {s.label(g)} was sampled with {name}={bool(got[r])}{hint}"
            )


def _fifo_wraparound(suite: _Suite, s: _Stream) -> None:
    for x in suite.run(s):
        oldest = max(0, x.added - s.capacity)
        context = (
            f"after add {x.k}, transitions #0..#{x.added - 1} were added to a buffer of "
            f"capacity {s.capacity}, so it must hold #{oldest}..#{x.added - 1}"
        )
        r = x.first(x.which < oldest)
        if r is not None:
            raise AssertionError(
                f"{context}, but it sampled {s.label(int(x.which[r]))}, which oldest-first "
                "overwriting has replaced: it overwrote a newer row instead"
            )
        missing = sorted(set(range(oldest, x.added)) - set(x.which.tolist()))
        if missing:
            raise AssertionError(
                f"{context}, but {s.label(missing[0])} was never sampled in "
                f"{len(x.which)} draws: it was overwritten out of order (or is never sampled)"
            )


def _seeded_sampling_reproducible(suite: _Suite, s: _Stream) -> None:
    for x, y in zip(suite.run(s), suite.run(s), strict=True):
        for field in ("observations", "actions", "rewards", "next_observations", "terminated"):
            a, b = (np.asarray(getattr(z.batch, field)) for z in (x, y))
            if not np.array_equal(a, b):
                r = int(np.flatnonzero((a != b).reshape(len(a), -1).any(axis=1))[0])
                raise AssertionError(
                    f"two buffers made with seed={s.seed} and given the same rows sampled "
                    f"different {field} after add {x.k} (row {r}: {a[r]} vs {b[r]}): sampling "
                    "must use the buffer's own generator, seeded by the seed"
                )


_Property = Callable[[_Suite, _Stream], None]

#: The properties in the order they run; the first that fails is reported.
_PROPERTIES: dict[str, _Property] = {
    "batch_shapes": _batch_shapes,
    "samples_filled_rows": _samples_filled_rows,
    "rows_intact": _rows_intact,
    "true_next_observation": _true_next_observation,
    "terminated_truncated_apart": _terminated_truncated_apart,
    "fifo_wraparound": _fifo_wraparound,
    "seeded_sampling_reproducible": _seeded_sampling_reproducible,
}


def _bind(prop: _Property, suite: _Suite) -> Callable[[_Stream], None]:
    return lambda stream: prop(suite, stream)


@overload
def check_replay_buffer(
    make_buffer: Callable[[int, int, int, int], ReplayBufferLike],
    *,
    adapter: None = None,
    max_examples: int | None = None,
    seed: int | None = None,
) -> None: ...


@overload
def check_replay_buffer(
    make_buffer: Callable[[int, int, int, int], BufferT],
    *,
    adapter: Callable[[BufferT], ReplayBufferLike],
    max_examples: int | None = None,
    seed: int | None = None,
) -> None: ...


def check_replay_buffer(
    make_buffer: Callable[[int, int, int, int], object],
    *,
    adapter: Callable[[BufferT], ReplayBufferLike] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a replay buffer against lagom's conventions, property by property.

    Each example makes a buffer with ``make_buffer(capacity, obs_dim, action_dim, seed)``
    (capacity 1..6, up to 3 rows per ``add``), adds up to 12 batches of transitions from N
    parallel episodes that end by termination, truncation or both, and samples
    ``32 * capacity`` rows after every ``add``. The properties, in the order they run:

    - ``batch_shapes``: ``sample(B)`` gives ``[B, obs_dim]``, ``[B, action_dim]``, ``[B]``,
      ``[B, obs_dim]`` and ``[B]`` arrays.
    - ``samples_filled_rows``: ``len(buffer)`` is ``min(added, capacity)`` and every sampled
      row is a transition that was added (never an unwritten row).
    - ``rows_intact``: a sampled transition has the observation, action and reward it was
      added with.
    - ``true_next_observation``: it has the next observation it was added with; at an episode
      end the final observation, not the reset observation that follows.
    - ``terminated_truncated_apart``: its ``terminated`` flag is the one added (a truncation
      stays non-terminal); a batch's ``truncated``, if it has one, too.
    - ``fifo_wraparound``: the sampled transitions are exactly the last ``capacity`` added
      (the oldest is overwritten first; with ``32 * capacity`` uniform draws, each is seen).
    - ``seeded_sampling_reproducible``: two buffers with the same seed and rows sample alike.

    Args:
        make_buffer: ``(capacity, obs_dim, action_dim, seed) -> buffer``, e.g.
            :class:`lagom.runner.ReplayBuffer` itself.
        adapter: turns what ``make_buffer`` returns into a :class:`ReplayBufferLike`
            (lagom's ``add``/``sample`` signature, ``len``); not needed if it is one.
        max_examples: examples per property; default Hypothesis's default, 100.
        seed: makes the run deterministic (see :func:`~lagom.testing.check_property`).

    Raises:
        PropertyFailure: (an ``AssertionError``) the first property that fails, with the
            shrunk stream of transitions and which sampled transition is wrong.
        TypeError: ``make_buffer`` or ``adapter`` is not callable.

    Example:
        >>> from lagom.runner import ReplayBuffer
        >>> check_replay_buffer(ReplayBuffer, max_examples=20, seed=0)
        >>> class Merged(ReplayBuffer):  # stores done = terminated or truncated
        ...     def add(self, o, a, r, o2, term, trunc):
        ...         super().add(o, a, r, o2, np.logical_or(term, trunc), trunc)
        >>> check_replay_buffer(Merged, seed=0)
        Traceback (most recent call last):
        ...
        lagom.testing._property.PropertyFailure: property 'terminated_truncated_apart' failed
        ...
    """
    if not callable(make_buffer):
        raise TypeError(f"make_buffer must be callable, got {make_buffer!r}")
    if adapter is not None and not callable(adapter):
        raise TypeError(f"adapter must be callable or None, got {adapter!r}")
    if adapter is None:
        make = cast(Callable[[int, int, int, int], ReplayBufferLike], make_buffer)
    else:
        adapt = adapter

        def make(capacity: int, obs_dim: int, action_dim: int, seed: int) -> ReplayBufferLike:
            return adapt(cast(BufferT, make_buffer(capacity, obs_dim, action_dim, seed)))

    suite = _Suite(make)
    # One seed for the whole suite, printed with a failure: every property sees the same
    # examples, and that seed replays the suite.
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    for name, prop in _PROPERTIES.items():
        check_property(name, _streams(), _bind(prop, suite), max_examples=max_examples, seed=seed)
