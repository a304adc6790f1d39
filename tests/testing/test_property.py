"""``lagom.testing.check_property``: runs a named property, reports a readable failure."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from lagom.testing import PropertyFailure, check_property, format_example, property_names


def _never_above_half(x: np.ndarray) -> None:
    assert np.all(x <= 0.5), "an element is above 0.5"


_arrays = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n).map(np.array)
)


def test_a_passing_property_returns_none_and_runs_the_budget() -> None:
    calls: list[int] = []
    assert check_property("runs", st.integers(), lambda x: calls.append(x), seed=0) is None
    assert len(calls) == 100  # Hypothesis's default budget
    calls.clear()
    check_property("runs", st.integers(), lambda x: calls.append(x), max_examples=7, seed=0)
    assert len(calls) == 7


def test_a_failure_names_the_property_and_shows_the_shrunk_array() -> None:
    with pytest.raises(PropertyFailure) as info:
        check_property("never above half", _arrays, _never_above_half, seed=3)
    failure = info.value
    assert isinstance(failure, AssertionError)
    message = str(failure)
    assert message.startswith("property 'never above half' failed\n")
    assert "counterexample (shrunk):" in message
    assert "[1.]  (float64, shape (1,))" in message  # shrunk to one element, printed by numpy
    assert "failure: AssertionError: an element is above 0.5" in message
    assert "replay: seed=3" in message
    assert failure.property_name == "never above half"
    np.testing.assert_array_equal(failure.counterexample, [1.0])
    assert failure.examples_run >= 1
    assert failure.seed == 3


def test_a_seed_replays_the_same_run() -> None:
    seen: list[list[Any]] = [[], []]
    for run in seen:
        check_property("replay", _arrays, lambda x, run=run: run.append(x.tolist()), seed=11)
    assert seen[0] == seen[1]


def test_without_a_seed_the_failure_names_one_that_replays_it() -> None:
    with pytest.raises(PropertyFailure) as first:
        check_property("never above half", _arrays, _never_above_half)
    with pytest.raises(PropertyFailure) as again:
        check_property("never above half", _arrays, _never_above_half, seed=first.value.seed)
    assert str(again.value) == str(first.value)


def test_any_exception_is_a_failure_with_its_type() -> None:
    def raises(x: int) -> None:
        raise ValueError(f"bad {x}")

    with pytest.raises(PropertyFailure, match="failure: ValueError: bad 0"):
        check_property("raises", st.integers(), raises, seed=0)


def test_a_flaky_test_is_reported_as_a_failure() -> None:
    calls = [0]

    def flaky(x: int) -> None:
        calls[0] += 1
        assert calls[0] % 2, "fails every other call"

    with pytest.raises(PropertyFailure, match="flaky"):
        check_property("flaky", st.integers(), flaky, seed=0)


def test_errors_in_the_setup_are_not_disguised_as_failures() -> None:
    with pytest.raises(InvalidArgument):
        check_property("bad strategy", st.integers(5, 1), lambda x: None, seed=0)
    with pytest.raises(ValueError, match="max_examples must be at least 1, got 0"):
        check_property("no budget", st.integers(), lambda x: None, max_examples=0)
    # Bad arguments are the caller's, not a failure of the property (PropertyFailure before).
    ok = st.integers()
    for args, kwargs, error, match in (
        (("p", 5, lambda x: None), {}, TypeError, "strategy must be a hypothesis strategy"),
        (("p", ok, 5), {}, TypeError, "test must be callable"),
        ((5, ok, lambda x: None), {}, TypeError, "name must be a str"),
        (("p", ok, lambda x: None), {"seed": -1}, ValueError, r"seed must be in \[0, 2\*\*32"),
        (("p", ok, lambda x: None), {"seed": [1]}, TypeError, "seed must be an int"),
        (("p", ok, lambda x: None), {"seed": True}, TypeError, "seed must be an int, got bool"),
        (("p", ok, lambda x: None), {"max_examples": 1.5}, TypeError, "max_examples must be an"),
    ):
        with pytest.raises(error, match=match):
            check_property(*args, **kwargs)
    with pytest.raises(ValueError, match="kind must be one of 'gae'"):
        property_names("foo")  # type: ignore[arg-type]


@attrs.frozen
class _Record:
    rewards: np.ndarray
    gamma: float
    unused: object = None


def test_format_example_prints_arrays_fields_and_leaves_out_none() -> None:
    text = format_example(_Record(np.array([[1 / 3, 2.0]]), 0.5))
    assert text == "rewards = [[0.3333 2.    ]]  (float64, shape (1, 2))\ngamma = 0.5"
    assert format_example({"a": 1, "b": [1, 2]}) == "a = 1\nb = [1, 2]"
    assert format_example((np.zeros(1), 2)) == "[0] = [0.]  (float64, shape (1,))\n[1] = 2"
    assert format_example(3) == "3"


def test_format_example_elides_long_arrays() -> None:
    text = format_example(np.arange(10_000.0))
    assert "..." in text
    assert len(text.splitlines()) == 1


def test_a_property_that_returns_instead_of_asserting_fails() -> None:
    with pytest.raises(PropertyFailure, match="returned False instead of None"):
        check_property("returns", st.integers(0, 5), lambda x: x < 0, seed=0)  # type: ignore[arg-type,return-value]
