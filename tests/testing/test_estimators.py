"""The estimator suites pass correct estimators and catch each classic bug by name.

Correct estimators (lagom's own, and plain loops a user would write) must pass over
several seeds; each wrong one in :mod:`tests.testing.implementations` must fail with the
property named there, within Hypothesis's default budget of 100 examples per property.
``tests/benchmarks/testing_false_alarms.py`` runs the same over 200 runs.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from lagom.metric import (
    batched_gae,
    batched_returns,
    batched_td0_target,
    batched_vtrace,
)
from lagom.testing import (
    PropertyFailure,
    batch_major,
    check_advantage_estimator,
    check_return_estimator,
    check_td_target,
    check_vtrace,
    from_dones,
    property_names,
)
from tests.testing.implementations import (
    ADAPTED,
    BUGS,
    CORRECT,
    LAGOM,
    float32_gae,
    loop_gae,
    loop_returns,
)

#: Seeds of the CI runs against correct estimators, and the examples per property there.
SEEDS = range(5)
CI_EXAMPLES = 5


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("correct", LAGOM + CORRECT + ADAPTED, ids=lambda c: c.name)
def test_correct_estimators_pass(correct: Any, seed: int) -> None:
    correct.run(CI_EXAMPLES, seed)


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.name)
def test_each_classic_bug_is_caught_by_its_property(bug: Any) -> None:
    with pytest.raises(PropertyFailure) as info:
        bug.run(None, 0)
    failure = info.value
    assert failure.property_name == bug.property_name, str(failure)
    assert 1 <= failure.examples_run <= 100
    assert str(failure).startswith(f"property '{bug.property_name}' failed\n")


def test_the_failure_shows_the_shrunk_batch_and_what_was_expected() -> None:
    bug = next(b for b in BUGS if "CleanRL" in b.name)
    with pytest.raises(PropertyFailure) as info:
        bug.run(None, 0)
    message = str(info.value)
    assert "truncated = [[ True]]  (bool, shape (1, 1))" in message
    assert "must move the output by gamma * 4.0" in message
    assert "got 0, expected 4" in message
    assert "replay: seed=0" in message


VTRACE_SETTINGS = [
    {"clip_rho": 2.0, "clip_pg_rho": 1.0, "clip_c": 0.5, "lam": 1.0},
    {"clip_rho": 1.0, "clip_pg_rho": 3.0, "clip_c": 1.0, "lam": 0.5},
    {"clip_rho": np.inf, "clip_pg_rho": np.inf, "clip_c": np.inf, "lam": 1.0},
]


@pytest.mark.parametrize("settings", VTRACE_SETTINGS, ids=str)
def test_vtrace_suite_follows_the_clips_it_is_told(settings: dict[str, float]) -> None:
    fn = functools.partial(batched_vtrace, **settings)
    check_vtrace(fn, **settings, max_examples=CI_EXAMPLES, seed=0)
    other = {**settings, "clip_rho": 1.5 if settings["clip_rho"] != 1.5 else 2.5}
    with pytest.raises(PropertyFailure):  # told the wrong clip: caught within the default budget
        check_vtrace(fn, **other, seed=0)


def test_property_names_list_each_suites_properties_in_order() -> None:
    gae_names = property_names("gae")
    assert gae_names[0] == "output shape and dtype"
    assert gae_names[-1] == "agrees with lagom"
    assert {"lambda = 0", "lambda = 1", "float32 over a long horizon"} <= set(gae_names)
    assert "lambda = 0" not in property_names("returns")
    assert "float32 over a long horizon" not in property_names("td0")
    assert {"ratios clipped", "on-policy V-trace"} <= set(property_names("vtrace"))


def test_skip_leaves_out_named_properties_and_refuses_unknown_names() -> None:
    # 20 examples: enough for this seed to find the float32 bug, which skip then leaves out.
    with pytest.raises(PropertyFailure) as info:
        check_advantage_estimator(float32_gae, max_examples=20, seed=0)
    assert info.value.property_name == "float32 over a long horizon"
    check_advantage_estimator(
        float32_gae, skip=["float32 over a long horizon"], max_examples=20, seed=0
    )
    with pytest.raises(ValueError, match="skip names no property of this suite"):
        check_return_estimator(batched_returns, skip=["lambda = 0"])


# --- what every call checks ------------------------------------------------------------------


def test_a_wrong_shape_is_reported() -> None:
    def transposed(**arguments: Any) -> Any:
        return loop_gae(**arguments).T

    with pytest.raises(PropertyFailure, match=r"(?s)advantages has shape .* use the batch_major"):
        check_advantage_estimator(transposed, seed=0)


def test_a_float64_result_for_float32_inputs_is_reported() -> None:
    def widening(**arguments: Any) -> Any:
        return loop_gae(**arguments).astype(np.float64)

    with pytest.raises(PropertyFailure, match="dtype float64 for float32 inputs"):
        check_advantage_estimator(widening, seed=0)


def test_changing_an_input_in_place_is_reported() -> None:
    def in_place(*, gamma: float, rewards: Any, next_values: Any, terminated: Any) -> Any:
        rewards += gamma * np.where(terminated, 0.0, next_values)
        return rewards

    with pytest.raises(PropertyFailure, match="changed its input 'rewards' in place"):
        check_td_target(in_place, seed=0)


def test_vtrace_must_return_a_pair() -> None:
    def only_vs(**arguments: Any) -> Any:
        return batched_vtrace(**arguments).vs

    with pytest.raises(PropertyFailure, match=r"expected a pair \('vs', 'pg_advantages'\)"):
        check_vtrace(only_vs, seed=0)


# --- adapters ----------------------------------------------------------------------------------


def test_batch_major_adapter() -> None:
    def gae_nt(**arguments: Any) -> Any:
        assert arguments["rewards"].shape[1] == arguments["terminated"].shape[1]
        return loop_gae(**{k: v.T if np.ndim(v) == 2 else v for k, v in arguments.items()}).T

    check_advantage_estimator(gae_nt, adapter=batch_major, max_examples=CI_EXAMPLES, seed=0)


def test_from_dones_adapter_composes_with_batch_major() -> None:
    def returns_nt_dones(
        *, gamma: float, rewards: Any, next_values: Any, dones: Any
    ) -> Any:  # [N, T] arrays
        no_flag = np.zeros(dones.shape, bool)
        return loop_returns(
            gamma=gamma,
            rewards=rewards.T,
            next_values=next_values.T,
            terminated=dones.T,
            truncated=no_flag.T,
        ).T

    check_return_estimator(
        returns_nt_dones,
        adapter=lambda fn: from_dones(batch_major(fn)),
        max_examples=CI_EXAMPLES,
        seed=0,
    )


def test_from_dones_for_td_targets_uses_terminated_alone() -> None:
    def target(*, gamma: float, rewards: Any, next_values: Any, dones: Any) -> Any:
        return rewards + gamma * np.where(dones, 0.0, next_values)

    check_td_target(target, adapter=from_dones, max_examples=CI_EXAMPLES, seed=0)


# --- argument checks ---------------------------------------------------------------------------


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="kind must be 'gae' or 'td0'"):
        check_advantage_estimator(batched_gae, kind="lambda")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="max_examples must be at least 1"):
        check_td_target(batched_td0_target, max_examples=0)
    with pytest.raises(ValueError, match="rtol must be a float in"):
        check_td_target(batched_td0_target, rtol=0.0)
    with pytest.raises(ValueError, match="clip_c must be positive"):
        check_vtrace(batched_vtrace, clip_c=0.0)
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\]"):
        check_vtrace(batched_vtrace, lam=2.0)
    with pytest.raises(TypeError, match="the adapter must return a callable"):
        check_td_target(batched_td0_target, adapter=lambda fn: None)  # type: ignore[arg-type]
