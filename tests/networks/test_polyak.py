"""Tests of ``lagom.networks.polyak_update_``: the in-place torch face of Polyak averaging."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lagom.networks import polyak_update_
from lagom.transform import polyak_update


@given(
    tau=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
    shapes=st.lists(st.sampled_from([(), (3,), (2, 4)]), min_size=1, max_size=4),
)
def test_equals_the_core_polyak_update_with_alpha_one_minus_tau(
    tau: float, seed: int, shapes: list[tuple[int, ...]]
) -> None:
    rng = np.random.default_rng(seed)
    averages = [rng.normal(size=shape) for shape in shapes]
    news = [rng.normal(size=shape) for shape in shapes]
    targets = [torch.tensor(a) for a in averages]
    sources = [torch.tensor(x) for x in news]
    polyak_update_(targets, sources, tau)
    for target, average, new, source in zip(targets, averages, news, sources, strict=True):
        expected = polyak_update(1.0 - tau, average, new)
        np.testing.assert_allclose(target.numpy(), expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(source.numpy(), new)  # sources are not modified


def test_moves_parameters_in_place_outside_autograd() -> None:
    target, online = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    weight = target.weight
    before = [p.detach().clone() for p in target.parameters()]
    polyak_update_(list(target.parameters()), list(online.parameters()), 0.1)
    assert target.weight is weight  # the same tensor, changed in place
    assert weight.grad_fn is None
    assert weight.requires_grad
    for old, new, src in zip(before, target.parameters(), online.parameters(), strict=True):
        torch.testing.assert_close(new.detach(), 0.9 * old + 0.1 * src.detach())


def test_tau_one_copies_and_tau_zero_keeps() -> None:
    targets, sources = [torch.zeros(3)], [torch.arange(3.0)]
    polyak_update_(targets, sources, 0.0)
    assert torch.equal(targets[0], torch.zeros(3))
    polyak_update_(targets, sources, 1.0)
    assert torch.equal(targets[0], sources[0])


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match=r"tau must be in \[0, 1\]"):
        polyak_update_([torch.zeros(1)], [torch.zeros(1)], 1.5)
    with pytest.raises(ValueError, match="must pair up, got 1 and 2"):
        polyak_update_([torch.zeros(1)], [torch.zeros(1), torch.zeros(1)], 0.5)
    with pytest.raises(ValueError, match=r"target 0 has shape \(2,\) but its source \(3,\)"):
        polyak_update_([torch.zeros(2)], [torch.zeros(3)], 0.5)
    # Before: torch's "expected dtype float for 'end'", "lerp_kernel_scalar not implemented
    # for 'Long'", and "Tensor list must have at least one tensor".
    with pytest.raises(TypeError, match=r"of one dtype, got torch\.float32 and torch\.float64"):
        polyak_update_([torch.zeros(2)], [torch.zeros(2, dtype=torch.float64)], 0.5)
    with pytest.raises(TypeError, match=r"floating-point tensors of one dtype, got torch\.int64"):
        polyak_update_([torch.zeros(2, dtype=torch.long)], [torch.zeros(2, dtype=torch.long)], 0.5)
    with pytest.raises(ValueError, match="must be on one device, got cpu and meta"):
        polyak_update_([torch.zeros(2)], [torch.zeros(2, device="meta")], 0.5)
    polyak_update_([], [], 0.5)  # nothing to average
