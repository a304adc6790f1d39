"""Tests for ``lagom.utils.seeding``: Seeder and set_global_seeds."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.utils import Seeder, set_global_seeds


@pytest.fixture
def restore_global_rngs() -> Iterator[None]:
    """Leave Python's and numpy's global RNG states as the test found them."""
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)  # noqa: NPY002


def test_documented_example() -> None:
    seeder = Seeder(init_seed=0)
    assert seeder(size=5) == [209652396, 398764591, 924231285, 1478610112, 441365315]


def test_default_init_seed_is_zero() -> None:
    assert Seeder()(5) == Seeder(init_seed=0)(5)


@given(st.integers(0, 2**32 - 1), st.lists(st.integers(0, 4), min_size=1, max_size=4))
def test_calls_continue_one_stream(init_seed: int, sizes: list[int]) -> None:
    seeder = Seeder(init_seed)
    drawn = [seed for size in sizes for seed in seeder(size)]
    # The oracle: one draw of the whole length from the same documented generator.
    expected = np.random.RandomState(init_seed).randint(0, 2**31 - 1, size=sum(sizes))
    assert drawn == expected.tolist()
    assert all(type(seed) is int and 0 <= seed < 2**31 - 1 for seed in drawn)


def test_default_size_is_one_seed() -> None:
    assert Seeder(0)() == [209652396]


def test_size_as_shape_gives_nested_lists() -> None:
    flat = Seeder(3)(6)
    assert Seeder(3)(size=[2, 3]) == [flat[:3], flat[3:]]
    assert Seeder(3)(size=(3, 2)) == [flat[0:2], flat[2:4], flat[4:6]]
    assert Seeder(3)(size=np.int64(2)) == flat[:2]


def test_seeder_does_not_touch_the_global_rngs(restore_global_rngs: None) -> None:
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    expected = (np.random.rand(), random.random())  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    Seeder(1)(size=100)
    assert (np.random.rand(), random.random()) == expected  # noqa: NPY002


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (-1, ValueError, r"init_seed must be in \[0, 2\*\*32 - 1\], got -1"),
        (2**32, ValueError, "init_seed must be in"),
        (1.0, TypeError, "init_seed must be an int, got float"),
        (True, TypeError, "init_seed must be an int, got bool"),
        ("0", TypeError, "init_seed must be an int, got str"),
    ],
)
def test_bad_init_seed(seed: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Seeder(seed)


@pytest.mark.parametrize(
    ("size", "error", "match"),
    [
        (-1, ValueError, "size must not be negative, got -1"),
        ([2, -1], ValueError, "size must not be negative"),
        ([], ValueError, "size must hold at least one dimension"),
        ((), ValueError, "size must hold at least one dimension"),
        (2.0, TypeError, "size must be an int or a list/tuple of ints, got 2.0"),
        ([2.0], TypeError, "size must be an int or a list/tuple of ints"),
        (True, TypeError, "size must be an int or a list/tuple of ints"),
    ],
)
def test_bad_size(size: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Seeder(0)(size)


def test_set_global_seeds_makes_global_draws_reproducible(restore_global_rngs: None) -> None:
    set_global_seeds(7)
    first = (random.random(), np.random.rand(3).tolist())  # noqa: NPY002
    set_global_seeds(7)
    again = (random.random(), np.random.rand(3).tolist())  # noqa: NPY002
    set_global_seeds(8)
    other = (random.random(), np.random.rand(3).tolist())  # noqa: NPY002
    assert first == again
    assert first != other
    # The same seeds as seeding each library directly.
    random.seed(7)
    np.random.seed(7)  # noqa: NPY002
    assert first == (random.random(), np.random.rand(3).tolist())  # noqa: NPY002


@pytest.mark.parametrize(
    ("seed", "error"), [(-1, ValueError), (2**32, ValueError), (0.5, TypeError), (None, TypeError)]
)
def test_set_global_seeds_rejects_bad_seeds(seed: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="seed must be"):
        set_global_seeds(seed)


def test_one_seed_rule_for_seeder_and_global_seeds() -> None:
    assert Seeder(np.uint32(2**32 - 1)).init_seed == 2**32 - 1
    for seed, error, match in (
        (2**32, ValueError, r"must be in \[0, 2\*\*32 - 1\], got 4294967296"),
        (-1, ValueError, r"must be in \[0, 2\*\*32 - 1\], got -1"),
        (np.False_, TypeError, "must be an int, got bool"),
        (1.0, TypeError, "must be an int, got float"),
    ):
        with pytest.raises(error, match="init_seed " + match):
            Seeder(seed)  # type: ignore[arg-type]
        with pytest.raises(error, match="seed " + match):
            set_global_seeds(seed)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [10**30, [2**62], [2**31, 2**31]])
def test_a_size_beyond_memory_is_named(size: object) -> None:
    # Before: numpy's "array is too big" or a bounded-integers ValueError.
    named = "size" if isinstance(size, int) else re.escape(f"the number of seeds of size {size}")
    with pytest.raises(ValueError, match=rf"^{named} must be at most \d+"):
        Seeder(0)(size)  # type: ignore[arg-type]


def test_a_size_beyond_physical_memory_is_refused_before_drawing() -> None:
    # Before: 10**15 seeds passed the addressable-size check, then numpy's MemoryError.
    with pytest.raises(
        ValueError, match=r"^size must be at most \d+ seeds \(what fits in this machine's"
    ):
        Seeder(0)(10**15)
