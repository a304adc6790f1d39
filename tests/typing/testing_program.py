"""A user's ``mypy --strict`` test file that uses ``lagom.testing``: the kit type-checks.

``tox -e typing`` runs ``mypy --strict tests/typing``: each ``assert_type`` pins a result's
type, and each ``# type: ignore[...]`` is a misuse mypy must reject (``--strict`` reports an
ignore that is not needed). It is also a runnable script (``tests/test_typing_program.py``
runs it), with tiny example budgets.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from numpy.typing import NDArray

from lagom.data import Rollout, TimeStep, Trajectory
from lagom.experiment import Config
from lagom.metric import batched_gae, batched_returns, batched_vtrace
from lagom.testing import (
    AdvantageFn,
    PropertyFailure,
    ReturnFn,
    batch_major,
    check_advantage_estimator,
    check_property,
    check_return_estimator,
    check_td_target,
    check_vtrace,
    from_dones,
    property_names,
    torch_tensors,
)
from lagom.testing.strategies import (
    Episode,
    Objective,
    RolloutArrays,
    ValueBatch,
    config_items,
    configs,
    discounts,
    episodes,
    es_objectives,
    objective_values,
    rollout_arrays,
    rollouts,
    timesteps,
    trajectories,
    value_arrays,
    value_batches,
)

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

Floats = NDArray[np.floating[Any]]
Flags = NDArray[np.bool_]


def my_gae(
    *,
    gamma: float,
    lam: float,
    rewards: Floats,
    values: Floats,
    next_values: Floats,
    terminated: Flags,
    truncated: Flags,
) -> Floats:
    """A user's GAE, typed as the kit calls it."""
    return batched_gae(
        gamma, lam, rewards, values, next_values, terminated=terminated, truncated=truncated
    )


def my_returns(
    gamma: float, rewards: Floats, next_values: Floats, terminated: Flags, truncated: Flags
) -> Floats:
    """Positional-or-keyword parameters in lagom's names fit the keyword-only protocol."""
    return batched_returns(gamma, rewards, next_values, terminated=terminated, truncated=truncated)


def my_td_target(*, gamma: float, rewards: Floats, next_values: Floats, dones: Flags) -> Floats:
    """A ``dones`` signature: it needs the from_dones adapter."""
    result: Floats = rewards + gamma * np.where(dones, 0.0, next_values)
    return result


def torch_gae_nt(
    *,
    gamma: float,
    lam: float,
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    dones: torch.Tensor,
) -> torch.Tensor:
    """Batch-major, dones, torch: three adapters away from lagom's signature."""
    out = batched_gae(
        gamma,
        lam,
        rewards.T.numpy(),
        values.T.numpy(),
        next_values.T.numpy(),
        terminated=dones.T.numpy(),
        truncated=np.zeros(tuple(dones.T.shape), dtype=bool),
    )
    return torch.from_numpy(np.array(out)).T


# The suites accept lagom's own functions and the user's, directly or through adapters.
gae_fn: AdvantageFn = my_gae
returns_fn: ReturnFn = my_returns
check_advantage_estimator(my_gae, max_examples=2, seed=0)
check_advantage_estimator(batched_gae, "gae", max_examples=2, seed=0)
check_return_estimator(my_returns, max_examples=2, seed=0)
check_td_target(my_td_target, adapter=from_dones, max_examples=2, seed=0)
check_advantage_estimator(
    torch_gae_nt,
    adapter=lambda fn: from_dones(batch_major(torch_tensors(fn))),
    max_examples=2,
    seed=0,
)
check_vtrace(batched_vtrace, clip_rho=1.0, max_examples=2, seed=0)

if TYPE_CHECKING:  # checked, not run: a return estimator is no advantage estimator, a
    # ``dones`` signature needs its adapter, and the kinds are literals.
    check_advantage_estimator(my_returns)  # type: ignore[call-overload]
    check_td_target(my_td_target)  # type: ignore[call-overload]
    check_advantage_estimator(my_gae, kind="gea")  # type: ignore[call-overload]
assert_type(property_names("vtrace"), list[str])

# check_property and its failure.
batches: SearchStrategy[ValueBatch] = value_batches(max_T=4, dtype=np.float64)


def finite_returns(batch: ValueBatch) -> None:
    assert np.isfinite(batched_returns(0.9, batch.rewards, batch.next_values, **batch.flags)).all()


check_property("finite returns", batches, finite_returns, max_examples=5, seed=0)


def negative(x: int) -> None:
    assert x < 0, f"{x} is not negative"


if TYPE_CHECKING:  # checked, not run: a test that returns instead of asserting is an error
    check_property("returns a bool", st.integers(), lambda x: x < 0)  # type: ignore[arg-type]
caught: PropertyFailure | None = None
try:
    check_property("negative", st.integers(), negative, seed=0)
except PropertyFailure as failure:
    caught = failure
    assert_type(failure.property_name, str)
    assert_type(failure.examples_run, int)
    assert_type(failure.counterexample, object)

# The strategies' types.
assert_type(discounts(), SearchStrategy[float])
assert_type(value_arrays((2, 3)), SearchStrategy[NDArray[np.floating[Any]]])
assert_type(value_batches(), SearchStrategy[ValueBatch])
assert_type(timesteps(), SearchStrategy[TimeStep])
assert_type(episodes(), SearchStrategy[Episode])
assert_type(trajectories(), SearchStrategy[Trajectory])
assert_type(rollouts(), SearchStrategy[Rollout])
assert_type(rollout_arrays(), SearchStrategy[RolloutArrays])
assert_type(rollout_arrays().map(lambda arrays: Rollout(**arrays)), SearchStrategy[Rollout])
assert_type(config_items(), SearchStrategy[dict[str, object]])
assert_type(configs(), SearchStrategy[Config])
assert_type(es_objectives(), SearchStrategy[Objective])
assert_type(objective_values(), SearchStrategy[float])
