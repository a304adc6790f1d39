"""check_replay_buffer: it passes correct buffers and names the property each classic bug breaks.

The buggy buffers are small variations of one plain, correct buffer (a preallocated ring of
Python rows, one transition per call, batches as dicts), which a user plugs in with an
adapter; lagom's own ReplayBuffer needs none.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from lagom.runner import ReplayBuffer
from lagom.testing import PropertyFailure, check_replay_buffer

Row = tuple[Any, Any, float, Any, bool, bool]  # obs, action, reward, next_obs, term, trunc
FIELDS = ("obs", "action", "reward", "next_obs", "terminated", "truncated")


class PlainBuffer:
    """A correct FIFO ring buffer in a user's own signature: push one transition at a time."""

    def __init__(self, capacity: int, seed: int) -> None:
        self.capacity = capacity
        self.rows: list[Row | None] = [None] * capacity
        self.pos = self.size = 0
        self.rng = np.random.default_rng(seed)

    def push(self, *row: Any) -> None:
        self.rows[self.pos] = row  # type: ignore[assignment]
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def indices(self, batch_size: int) -> Any:
        return self.rng.integers(0, self.size, size=batch_size)

    def row(self, i: int) -> Row:
        row = self.rows[i]
        assert row is not None
        return row

    def sample(self, batch_size: int) -> dict[str, Any]:
        rows = [self.row(int(i)) for i in self.indices(batch_size)]
        return {name: np.array([r[f] for r in rows]) for f, name in enumerate(FIELDS)}


class PlainAdapter:
    """Maps PlainBuffer onto lagom's add/sample signature (the ReplayBufferLike protocol)."""

    def __init__(self, buffer: PlainBuffer) -> None:
        self.buffer = buffer

    def add(self, *rows: Any) -> None:
        for row in zip(*rows, strict=True):
            self.buffer.push(*row)

    def sample(self, batch_size: int) -> SimpleNamespace:
        d = self.buffer.sample(batch_size)
        return SimpleNamespace(
            observations=d["obs"],
            actions=d["action"],
            rewards=d["reward"],
            next_observations=d["next_obs"],
            terminated=d["terminated"],
            truncated=d["truncated"],
        )

    def __len__(self) -> int:
        return self.buffer.size


def plain(cls: type[PlainBuffer]) -> Any:
    return lambda capacity, obs_dim, action_dim, seed: cls(capacity, seed)


class NextObsFromNextRow(PlainBuffer):
    """Stores next_obs only for the newest rows; otherwise reads the next observation of the same
    environment's following transition (SB3's memory-saving trick): at an episode end that is
    the reset observation. Rows are pushed N at a time, so the same env's next row is N on."""

    n = 0

    def sample(self, batch_size: int) -> dict[str, Any]:
        out = super().sample(batch_size)
        oldest = (self.pos - self.size) % self.capacity
        for b, i in enumerate(self._last):
            age = (int(i) - oldest) % self.capacity
            if age + self.n < self.size:
                out["next_obs"][b] = self.row((oldest + age + self.n) % self.capacity)[0]
        return out

    def indices(self, batch_size: int) -> Any:
        self._last = super().indices(batch_size)
        return self._last


class NextObsAdapter(PlainAdapter):
    def add(self, *rows: Any) -> None:
        self.buffer.n = len(rows[0])  # type: ignore[attr-defined]
        super().add(*rows)


class DoneForTerminated(PlainBuffer):
    """Merges truncated into terminated: stores done = terminated or truncated."""

    def push(self, *row: Any) -> None:
        obs, action, reward, next_obs, term, trunc = row
        super().push(obs, action, reward, next_obs, term or trunc, trunc)


class OverwritesNewest(PlainBuffer):
    """When full, overwrites the newest row instead of the oldest."""

    def push(self, *row: Any) -> None:
        if self.size == self.capacity:
            self.pos = (self.pos - 1) % self.capacity
        super().push(*row)


class SamplesUnfilled(PlainBuffer):
    """Samples over the whole capacity: rows never written come back as zeros."""

    def indices(self, batch_size: int) -> Any:
        return self.rng.integers(0, self.capacity, size=batch_size)

    def row(self, i: int) -> Row:
        row = self.rows[i]
        if row is None:
            first = self.row(0)
            return tuple(np.zeros_like(x) for x in first)  # type: ignore[return-value]
        return row


CORRECT = {
    "lagom": (ReplayBuffer, None),
    "plain": (plain(PlainBuffer), PlainAdapter),
}

#: name: (make_buffer, adapter, the property that must catch it, a phrase of its message)
BUGS = {
    "next_obs_from_next_row": (
        plain(NextObsFromNextRow),
        NextObsAdapter,
        "true_next_observation",
        "returns the reset observation as next observation at an episode end",
    ),
    "done_for_terminated": (
        plain(DoneForTerminated),
        PlainAdapter,
        "terminated_truncated_apart",
        "a time-limit truncation became a termination",
    ),
    "overwrites_newest": (
        plain(OverwritesNewest),
        PlainAdapter,
        "fifo_wraparound",
        "which oldest-first overwriting has replaced",
    ),
    "samples_unfilled": (
        plain(SamplesUnfilled),
        PlainAdapter,
        "samples_filled_rows",
        "the buffer sampled a row it never wrote",
    ),
}


def check(make: Any, adapter: Any, **kwargs: Any) -> None:
    if adapter is None:
        check_replay_buffer(make, **kwargs)
    else:
        check_replay_buffer(make, adapter=adapter, **kwargs)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_buffers_pass(name: str, seed: int) -> None:
    make, adapter = CORRECT[name]
    check(make, adapter, max_examples=25, seed=seed)


@pytest.mark.parametrize("name", sorted(BUGS))
def test_each_classic_bug_is_caught_by_its_property(name: str) -> None:
    make, adapter, expected, phrase = BUGS[name]
    with pytest.raises(PropertyFailure) as info:
        check(make, adapter, seed=0)  # Hypothesis's default budget of 100 examples
    failure, message = info.value, str(info.value)
    assert failure.property_name == expected
    assert message.startswith(f"property '{expected}' failed\n  counterexample (shrunk):")
    assert phrase in message
    assert 1 <= failure.examples_run <= 100


def test_unseeded_sampling_is_caught() -> None:
    class GlobalRandom(PlainBuffer):
        def indices(self, batch_size: int) -> Any:
            return np.random.randint(0, self.size, size=batch_size)  # noqa: NPY002

    with pytest.raises(PropertyFailure) as info:
        check(plain(GlobalRandom), PlainAdapter, seed=0)
    assert info.value.property_name == "seeded_sampling_reproducible"


def test_wrong_batch_shapes_are_caught() -> None:
    class FlatActions(PlainAdapter):
        def sample(self, batch_size: int) -> SimpleNamespace:
            batch = super().sample(batch_size)
            batch.actions = batch.actions.reshape(-1)
            return batch

    with pytest.raises(PropertyFailure) as info:
        check(plain(PlainBuffer), FlatActions, seed=0)
    assert info.value.property_name == "batch_shapes"


def test_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="make_buffer must be callable"):
        check_replay_buffer(3)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="adapter must be callable"):
        check_replay_buffer(plain(PlainBuffer), adapter=3)  # type: ignore[call-overload]
