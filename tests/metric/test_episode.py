"""``lagom.metric._episode``: what the single-episode functions accept and refuse."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lagom.metric import bootstrapped_returns, gae, returns, td0_error, td0_target, vtrace

REWARDS = [0.1, 0.2, 0.3]
VS = [1.0, 2.0, 3.0]

#: name -> call taking (rewards, Vs, last_V, reach_terminal); the rewards are named "Rs" in vtrace.
EPISODE: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "bootstrapped_returns": lambda r, v, last, term: bootstrapped_returns(0.9, r, last, term),
    "td0_target": lambda r, v, last, term: td0_target(0.9, r, v, last, term),
    "td0_error": lambda r, v, last, term: td0_error(0.9, r, v, last, term),
    "gae": lambda r, v, last, term: gae(0.9, 0.95, r, v, last, term),
    # Log-probabilities of the rewards' dtype, so that they do not widen the output.
    "vtrace": lambda r, v, last, term: vtrace(
        np.zeros_like(np.asarray(r)), np.zeros_like(np.asarray(r)), 0.9, r, v, last, term
    ),
}
WITH_VS = [name for name in EPISODE if name != "bootstrapped_returns"]


def _rewards_name(name: str) -> str:
    return "Rs" if name == "vtrace" else "rewards"


@pytest.mark.parametrize("name", sorted(EPISODE))
def test_rewards_must_be_one_dimensional(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{_rewards_name(name)} must be 1-D \(\[T\] for one"):
        EPISODE[name]([REWARDS], [VS], 0.0, False)


@pytest.mark.parametrize("name", WITH_VS)
def test_values_must_match_the_rewards(name: str) -> None:
    with pytest.raises(
        ValueError, match=r"Vs must have the same shape as .*, got \(4,\) and \(3,\)"
    ):
        EPISODE[name](REWARDS, [*VS, 4.0], 0.0, False)


@pytest.mark.parametrize("name", ["behavior_logprobs", "target_logprobs"])
def test_logprobs_must_match_the_rewards(name: str) -> None:
    arguments: dict[str, Any] = {"behavior_logprobs": [0.0] * 3, "target_logprobs": [0.0] * 3}
    arguments[name] = [0.0] * 2
    with pytest.raises(ValueError, match=f"{name} must have the same shape as Rs"):
        vtrace(gamma=0.9, Rs=REWARDS, Vs=VS, last_V=0.0, reach_terminal=False, **arguments)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize("last_V", [[1.0, 2.0], np.zeros((2, 1)), []])
def test_last_V_must_be_a_single_number(name: str, last_V: object) -> None:
    with pytest.raises(ValueError, match="last_V must be a single number"):
        EPISODE[name](REWARDS, VS, last_V, False)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize("reach_terminal", [2, [True, False], 0.5])
def test_reach_terminal_must_be_a_single_bool(name: str, reach_terminal: object) -> None:
    with pytest.raises(ValueError, match="reach_terminal must be a single bool"):
        EPISODE[name](REWARDS, VS, 0.0, reach_terminal)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_rewards_are_refused_with_their_step(name: str, bad: float) -> None:
    message = rf"{_rewards_name(name)} holds {bad} at index \(1,\)"
    with pytest.raises(ValueError, match=message):
        EPISODE[name]([0.0, bad, 0.0], VS, 0.0, False)


def test_returns_refuses_non_finite_rewards_and_matrices() -> None:
    with pytest.raises(ValueError, match=r"rewards holds nan at index \(0,\)"):
        returns(0.9, [np.nan])
    with pytest.raises(ValueError, match=r"rewards holds inf at index \(0,\)"):
        returns(0.9, [np.inf, 1, 1])
    with pytest.raises(ValueError, match=r"rewards must be 1-D"):
        returns(0.9, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 2"):
        returns(2, [1.0])


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize(
    "last_V", [2.0, 2, np.float32(2.0), np.array(2.0), np.array([2.0]), [2.0], np.array([[2.0]])]
)
def test_last_V_may_be_any_single_number(name: str, last_V: object) -> None:
    expected = EPISODE[name](REWARDS, VS, 2.0, False)
    got = EPISODE[name](REWARDS, VS, last_V, False)
    for a, b in zip(np.atleast_2d(got), np.atleast_2d(expected), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(EPISODE))
def test_reach_terminal_masks_last_V_out(name: str) -> None:
    ended = EPISODE[name](REWARDS, VS, 123.0, True)
    zero = EPISODE[name](REWARDS, VS, 0.0, False)
    huge = EPISODE[name](REWARDS, VS, 1e308, np.bool_(True))
    for a, b, c in zip(np.atleast_2d(ended), np.atleast_2d(zero), np.atleast_2d(huge), strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(c, b)


@pytest.mark.parametrize("name", sorted(EPISODE))
def test_a_bool_last_V_is_refused(name: str) -> None:
    # True was taken as 1.0: a flag passed in last_V's place.
    for flag in (True, np.bool_(False), np.array([True])):
        with pytest.raises(TypeError, match="last_V must be a real number, got a bool"):
            EPISODE[name](REWARDS, VS, flag, False)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize("reach_terminal", [True, False])
def test_a_non_finite_last_V_is_refused_even_where_masked_out(
    name: str, reach_terminal: bool
) -> None:
    # A NaN last_V is a bug upstream (a value net that diverged), terminal or not.
    with pytest.raises(ValueError, match="last_V must be finite, got nan"):
        EPISODE[name](REWARDS, VS, np.nan, reach_terminal)
    with pytest.raises(ValueError, match="last_V must be finite, got -inf"):
        EPISODE[name](REWARDS, VS, np.array([-np.inf]), reach_terminal)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize(("dtype", "last_V"), [(np.float32, 1e39), (np.float16, -1e5)])
def test_a_last_V_beyond_the_episode_dtype_is_refused_by_name(
    name: str, dtype: Any, last_V: float
) -> None:
    # Written into the float32 (float16) next values it became ±inf with a numpy warning,
    # then was refused as "next_values holds inf", an argument the caller never passed.
    rewards, Vs = np.array(REWARDS, dtype=dtype), np.array(VS, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"^last_V must fit in {np.dtype(dtype)}, "):
            EPISODE[name](rewards, Vs, last_V, False)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize(
    ("dtype", "expected"), [(np.float32, np.float32), (np.float64, np.float64), (int, np.float64)]
)
def test_episode_outputs_are_1d_arrays_in_the_input_float_dtype(
    name: str, dtype: Any, expected: Any
) -> None:
    rewards, Vs = np.array([1, 2, 3], dtype=dtype), np.array([4, 5, 6], dtype=dtype)
    result = EPISODE[name](rewards, Vs, 1.0, False)
    for output in result if isinstance(result, tuple) else (result,):
        assert isinstance(output, np.ndarray)
        assert output.dtype == expected
        assert output.shape == (3,)
    assert returns(0.5, rewards).dtype == expected


@pytest.mark.parametrize("name", sorted(EPISODE))
def test_an_empty_episode_gives_empty_arrays(name: str) -> None:
    result = EPISODE[name]([], [], 1.0, False)
    for output in result if isinstance(result, tuple) else (result,):
        assert output.shape == (0,)
