"""``lagom.testing.strategies``: every strategy draws records lagom accepts, as documented."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import lagom.testing.strategies as lagom_strategies
from lagom.data import Rollout, StepType, TimeStep, Trajectory
from lagom.experiment import Condition, Config, Grid, Sample
from lagom.testing.strategies import (
    Episode,
    Objective,
    ValueBatch,
    config_items,
    configs,
    discounts,
    episodes,
    es_objectives,
    objective_values,
    rollouts,
    timesteps,
    trajectories,
    value_batches,
)


@given(value_batches())
def test_value_batches_are_consistent_time_major_batches(batch: ValueBatch) -> None:
    T, N = batch.rewards.shape
    assert 1 <= T <= 20
    assert 1 <= N <= 4
    assert batch.dtype in (np.float32, np.float64)
    for array in (batch.values, batch.next_values):
        assert array.shape == (T, N)
        assert array.dtype == batch.dtype
    assert batch.terminated.dtype == batch.truncated.dtype == np.bool_
    for array in (batch.rewards, batch.values, batch.next_values):
        assert np.isfinite(array).all()
        assert np.abs(array).max() <= 10
    inside = ~batch.done[:-1]
    np.testing.assert_array_equal(batch.next_values[:-1][inside], batch.values[1:][inside])


@given(
    value_batches(
        min_T=3, max_T=5, min_N=2, max_N=2, dtype=np.float32, min_value=0.0, max_value=1.0
    )
)
def test_value_batches_follow_their_controls(batch: ValueBatch) -> None:
    assert 3 <= batch.T <= 5
    assert batch.rewards.shape[1] == 2
    assert batch.dtype == np.float32
    assert 0.0 <= batch.rewards.min() <= batch.rewards.max() <= 1.0


@given(value_batches(end_kinds=("truncated",)))
def test_value_batches_end_only_as_told(batch: ValueBatch) -> None:
    assert not batch.terminated.any()


@given(value_batches(end_kinds=()))
def test_value_batches_without_end_kinds_have_no_ends(batch: ValueBatch) -> None:
    assert not batch.done.any()


def test_end_probability_sets_how_often_episodes_end() -> None:
    seen: list[float] = []

    @settings(max_examples=30, database=None)
    @given(value_batches(min_T=20, min_N=4, end_probability=0.25))
    def collect(batch: ValueBatch) -> None:
        seen.append(float(batch.done.mean()))

    collect()
    assert 0.1 < float(np.mean(seen)) < 0.4
    with pytest.raises(ValueError, match="end_probability must be in"):
        find(value_batches(end_probability=1.5), lambda batch: True)


@given(value_batches(batch_shapes=[(), (2, 3)]))
def test_value_batches_take_any_batch_shape(batch: ValueBatch) -> None:
    assert batch.rewards.shape[1:] in ((), (2, 3))


def test_all_end_kinds_and_edges_of_the_discounts_are_drawn() -> None:
    kinds: set[str] = set()
    gammas: set[float] = set()

    @settings(max_examples=200, database=None)
    @given(value_batches(), discounts())
    def collect(batch: ValueBatch, gamma: float) -> None:
        both = batch.terminated & batch.truncated
        kinds.update(
            name
            for name, mask in [
                ("terminated", batch.terminated & ~both),
                ("truncated", batch.truncated & ~both),
                ("both", both),
            ]
            if mask.any()
        )
        gammas.add(gamma)
        assert 0.0 <= gamma <= 1.0

    collect()
    assert kinds == {"terminated", "truncated", "both"}
    assert {0.0, 1.0} <= gammas
    assert len(gammas) > 2


@given(timesteps())
def test_timesteps_are_consistent(step: TimeStep) -> None:
    if step.first():
        assert step.reward is None
    else:
        assert step.reward is not None
    assert step.last() is step.done


@given(timesteps(StepType.LAST))
def test_timesteps_of_a_given_type(step: TimeStep) -> None:
    assert step.last()


@given(episodes(max_T=5))
def test_episodes_build_their_trajectory(episode: Episode) -> None:
    traj = episode.trajectory()
    assert traj.T == episode.T
    assert traj.finished is (episode.ending != "running")


@given(trajectories(), rollouts())
def test_trajectories_and_rollouts_are_records(traj: Trajectory, rollout: Rollout) -> None:
    # The defaults: trajectories of at most 12 steps; rollouts of T <= 6 and 1 <= N <= 4.
    assert isinstance(traj, Trajectory)
    assert 0 <= traj.T <= 12
    assert traj[0].first()
    assert isinstance(rollout, Rollout)
    assert 0 <= rollout.T <= 6
    assert 1 <= rollout.N <= 4
    assert rollout.observations.shape[:2] == rollout.next_observations.shape[:2]
    assert np.isfinite(rollout.rewards).all()
    assert ((rollout.actions >= 0) & (rollout.actions <= 3)).all()


@given(config_items())
def test_config_items_mix_the_kinds_config_takes(items: dict[str, object]) -> None:
    assert "ID" not in items
    for value in items.values():
        assert isinstance(value, (Grid, Sample, Condition, int, str, type(None)))
    Config(items, seed=0).make_configs()


@given(configs())
def test_configs_expand_reproducibly(config: Config) -> None:
    assert config.make_configs() == config.make_configs()


@given(es_objectives(), st.data())
def test_objectives_are_smallest_at_their_minimizer(f: Objective, data: st.DataObject) -> None:
    assert f(f.xopt) == f.fopt
    x = f.xopt + data.draw(st.floats(0.01, 1.0), label="step")
    assert f(x) > f.fopt
    np.testing.assert_allclose(f(np.stack([f.xopt, x])), [f(f.xopt), f(x)])


@given(objective_values(ties=True), objective_values(ties=False))
def test_objective_values(tied: float, wide: float) -> None:
    assert tied in (-2.0, -1.0, 0.0, 0.5, 3.0)
    assert np.isfinite(wide)


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "message"),
    [
        ("episodes", {"max_T": -1}, ValueError, "max_T must be at least min_T=0, got -1"),
        ("episodes", {"min_T": 5, "max_T": 2}, ValueError, "max_T must be at least min_T=5"),
        ("trajectories", {"min_T": -1}, ValueError, "min_T must be at least 0"),
        ("rollout_arrays", {"max_N": 0}, ValueError, "max_N must be at least 1, got 0"),
        ("rollouts", {"max_T": -1}, ValueError, "max_T must be at least 0, got -1"),
        ("config_items", {"max_items": "a"}, TypeError, "max_items must be an int"),
        ("configs", {"max_items": -1}, ValueError, "max_items must be at least 0"),
        ("configs", {"max_num_sample": 0}, ValueError, "max_num_sample must be at least 1"),
        ("es_objectives", {"max_dimension": 0}, ValueError, "max_dimension must be at least"),
        ("es_objectives", {"kind": "cube"}, ValueError, "kind must be one of"),
        ("discounts", {"edges": 1}, TypeError, "edges must be a bool, got int"),
        ("objective_values", {"ties": "yes"}, TypeError, "ties must be a bool, got str"),
        ("value_arrays", {"shape": (-1,)}, ValueError, "shape[0] must be at least 0, got -1"),
        ("value_arrays", {"shape": (2,), "dtype": np.int32}, TypeError, "np.float32 or"),
        ("value_arrays", {"shape": (2,), "max_value": 1e300}, ValueError, "max_value must be in"),
        ("value_arrays", {"shape": (2,), "min_value": 11.0}, ValueError, "min_value must be at"),
    ],
)
def test_bad_arguments_are_refused_when_the_strategy_is_made(
    name: str, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    # Before: accepted, then hypothesis's InvalidArgument (naming max_value) at the draw.
    with pytest.raises(error, match=re.escape(message)):
        getattr(lagom_strategies, name)(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        # An unknown kind ended episodes with neither flag set: a batch that lies.
        ({"end_kinds": ("terminated", "done")}, ValueError, "end_kinds must hold only"),
        ({"end_kinds": "terminated"}, TypeError, "end_kinds must be a sequence of"),
        ({"batch_shapes": []}, ValueError, "batch_shapes must hold at least one shape"),
        ({"batch_shapes": [(2, -1)]}, ValueError, "batch_shapes[0][1] must be at least 0"),
        ({"dtype": np.int64}, TypeError, "dtype must be np.float32 or np.float64"),
        ({"min_value": 3.0, "max_value": -3.0}, ValueError, "min_value must be at most"),
        ({"max_T": "20"}, TypeError, "max_T must be an int"),
    ],
)
def test_value_batches_refuse_bad_arguments_at_the_first_draw(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        find(value_batches(**kwargs), lambda batch: True)
