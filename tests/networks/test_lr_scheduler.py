"""Tests of `lagom.networks.lr_scheduler.linear_lr_scheduler`."""

from __future__ import annotations

import pickle

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lagom.networks import linear_lr_scheduler
from lagom.transform import LinearSchedule


def _lrs(optimizer: torch.optim.Optimizer, scheduler: object, steps: int) -> list[list[float]]:
    out = []
    for _ in range(steps):
        out.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()  # type: ignore[attr-defined]
    return out


def _sgd(*lrs: float) -> torch.optim.Optimizer:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


@given(
    N=st.integers(1, 50),
    lr_0=st.floats(1e-5, 10.0),
    fraction=st.floats(0.0, 1.0),
    steps=st.integers(1, 80),
)
def test_learning_rate_is_linear_with_a_floor(
    N: int, lr_0: float, fraction: float, steps: int
) -> None:
    min_lr = fraction * lr_0
    optimizer = _sgd(lr_0)
    got = _lrs(optimizer, linear_lr_scheduler(optimizer, N, min_lr), steps)
    for n, (lr,) in enumerate(got):
        assert lr == pytest.approx(max(min_lr, lr_0 * (1 - n / N)), rel=1e-12, abs=1e-15)


def test_each_param_group_decays_from_its_own_rate() -> None:
    optimizer = _sgd(1.0, 0.5)
    got = _lrs(optimizer, linear_lr_scheduler(optimizer, N=2, min_lr=0.1), 3)
    assert got == [[1.0, 0.5], [0.5, 0.25], [0.1, 0.1]]


def test_scheduler_state_dict_and_pickle_round_trip() -> None:
    optimizer = _sgd(1.0)
    scheduler = linear_lr_scheduler(optimizer, N=10, min_lr=0.0)
    _lrs(optimizer, scheduler, 3)
    state = scheduler.state_dict()
    fresh_optimizer = _sgd(1.0)
    fresh = linear_lr_scheduler(fresh_optimizer, N=10, min_lr=0.0)
    fresh.load_state_dict(state)
    assert fresh.last_epoch == 3
    assert fresh.get_last_lr() == pytest.approx([0.7])
    assert pickle.loads(pickle.dumps(scheduler)).last_epoch == 3


@pytest.mark.parametrize(
    ("N", "min_lr", "message"),
    [
        (0, 0.1, "N must be a positive int"),
        (2.5, 0.1, "N must be a positive int"),
        (10, -0.1, "min_lr must be non-negative"),
        (10, 2.0, "must not exceed the initial learning rate"),
    ],
)
def test_bad_arguments_raise(N: int, min_lr: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        linear_lr_scheduler(_sgd(1.0), N, min_lr)


@given(N=st.integers(1, 50), lr_0=st.floats(1e-5, 10.0), steps=st.integers(1, 80))
def test_is_a_view_of_linear_schedule(N: int, lr_0: float, steps: int) -> None:
    """Without a floor the learning rate is ``LinearSchedule(lr_0, 0, N)`` at the step count."""
    optimizer = _sgd(lr_0)
    got = _lrs(optimizer, linear_lr_scheduler(optimizer, N, 0.0), steps)
    schedule = LinearSchedule(lr_0, 0.0, N)
    for n, (lr,) in enumerate(got):
        assert lr == pytest.approx(schedule(n), rel=1e-12, abs=1e-15)
