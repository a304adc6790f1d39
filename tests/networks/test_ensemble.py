"""Tests of ``lagom.networks.QEnsemble``: fused critics equal independent MLPs."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional

from lagom.networks import QEnsemble


def test_members_are_independent_mlps() -> None:
    critic = QEnsemble(3, 2, [5, 4], n=3)
    obs, actions = torch.randn(7, 3), torch.randn(7, 2)
    out = critic(obs, actions)
    assert out.shape == (7, 3)
    for i in range(3):  # oracle: member i as a plain MLP from its slices
        x = torch.cat([obs, actions], dim=1)
        for layer, (w, b) in enumerate(zip(critic.weights, critic.biases, strict=True)):
            x = functional.linear(x, w[i].T, b[i, 0])
            x = torch.relu(x) if layer < 2 else x
        torch.testing.assert_close(out[:, i], x[:, 0])
    assert not torch.equal(critic.weights[0][0], critic.weights[0][1])  # separate inits


def test_members_argument_evaluates_the_first_members_only() -> None:
    critic = QEnsemble(2, 1, [8], n=2)
    obs, actions = torch.randn(4, 2), torch.randn(4, 1)
    first = critic(obs, actions, members=1)
    assert first.shape == (4, 1)
    torch.testing.assert_close(first[:, 0], critic(obs, actions)[:, 0])
    first.sum().backward()
    grad = critic.weights[0].grad
    assert grad is not None
    assert torch.count_nonzero(grad[1]) == 0  # the second member took no part


def test_bad_sizes_raise() -> None:
    with pytest.raises(ValueError, match="n must be at least 1"):
        QEnsemble(3, 1, [4], n=0)
    with pytest.raises(TypeError, match="obs_dim must be an int"):
        QEnsemble(3.0, 1, [4])  # type: ignore[arg-type]


def test_inputs_of_another_dtype_or_rank_are_refused_by_name() -> None:
    # Before: torch's "batch1 must be a 3D tensor" and "expected scalar type" from bmm.
    q = QEnsemble(3, 1, [8])
    with pytest.raises(ValueError, match=r"observations must have shape \[B, 3\], got \[3\]"):
        q(torch.randn(3), torch.randn(1))
    with pytest.raises(ValueError, match=r"observations must have shape \[B, 3\], got \[2, 5, 3\]"):
        q(torch.randn(2, 5, 3), torch.randn(2, 5, 1))
    with pytest.raises(TypeError, match=r"observations must be torch.float32, the network's"):
        q(torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 1))
    with pytest.raises(TypeError, match=r"actions must be torch.float32, the network's"):
        q(torch.randn(5, 3), torch.randn(5, 1, dtype=torch.float64))
    assert q(torch.randn(5, 3), torch.randn(5, 1)).shape == (5, 2)
