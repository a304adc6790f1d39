"""Tests of `lagom.networks.init.ortho_init`."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lagom.networks import LayerNormLSTMCell, ortho_init


def _assert_orthogonal(weight: torch.Tensor, gain: float) -> None:
    """``W Wᵀ = gain² I`` (rows <= cols) or ``Wᵀ W = gain² I``, with W flattened to 2-D."""
    w = weight.detach().reshape(weight.shape[0], -1).double()
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    eye = torch.eye(min(rows, cols), dtype=torch.float64)
    torch.testing.assert_close(gram, gain**2 * eye, atol=1e-5, rtol=1e-5)


def test_documented_example_returns_none() -> None:
    a = nn.Linear(2, 3)
    assert ortho_init(a) is None  # type: ignore[func-returns-value]
    _assert_orthogonal(a.weight, 1.0)
    assert torch.equal(a.bias, torch.zeros(3))


@pytest.mark.parametrize(
    "module",
    [(3, 7, None), (7, 3, None), (5, 5, None), (3, 8, 3), (4, 2, 2)],
    ids=["wide", "tall", "square", "conv", "conv-narrow"],
)
@pytest.mark.parametrize("weight_scale", [1.0, 0.01, 2.5])
def test_weight_scale_is_the_gain(module: tuple[int, int, int | None], weight_scale: float) -> None:
    n_in, n_out, kernel = module
    layer = nn.Linear(n_in, n_out) if kernel is None else nn.Conv2d(n_in, n_out, kernel)
    ortho_init(layer, weight_scale=weight_scale, constant_bias=0.3)
    _assert_orthogonal(layer.weight, weight_scale)
    assert layer.bias is not None
    assert torch.equal(layer.bias, torch.full_like(layer.bias, 0.3))


@pytest.mark.parametrize("nonlinearity", ["relu", "tanh", "sigmoid", "linear", "leaky_relu"])
def test_nonlinearity_gain_overrides_weight_scale(nonlinearity: str) -> None:
    layer = nn.Linear(6, 4)
    ortho_init(layer, nonlinearity=nonlinearity, weight_scale=100.0, constant_bias=-1.0)
    _assert_orthogonal(layer.weight, nn.init.calculate_gain(nonlinearity))  # type: ignore[arg-type]
    assert torch.equal(layer.bias, torch.full((4,), -1.0))


def test_lstm_all_weight_matrices_and_biases() -> None:
    lstm = nn.LSTM(3, 5, num_layers=2)
    ortho_init(lstm, nonlinearity="tanh", constant_bias=0.5)
    gain = nn.init.calculate_gain("tanh")
    for name, p in lstm.named_parameters():
        if name.startswith("weight"):
            _assert_orthogonal(p, gain)
        else:
            assert torch.equal(p, torch.full_like(p, 0.5)), name


def test_layer_norm_lstm_cell_leaves_layer_norms_alone() -> None:
    cell = LayerNormLSTMCell(3, 4)
    ortho_init(cell, weight_scale=0.5)
    _assert_orthogonal(cell.weight_ih, 0.5)
    _assert_orthogonal(cell.weight_hh, 0.5)
    assert torch.equal(cell.layernorm_i.weight, torch.ones(16))
    assert torch.equal(cell.layernorm_c.bias, torch.zeros(4))


def test_layer_without_bias() -> None:
    layer = nn.Linear(4, 4, bias=False)
    ortho_init(layer, weight_scale=2.0)
    _assert_orthogonal(layer.weight, 2.0)


def test_containers_are_rejected() -> None:
    with pytest.raises(ValueError, match="elementary layers"):
        ortho_init(nn.Sequential(nn.Linear(2, 2)))


def test_unknown_nonlinearity_is_rejected() -> None:
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        ortho_init(nn.Linear(2, 2), nonlinearity="swish")


def test_non_module_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        ortho_init(torch.zeros(2, 2))  # type: ignore[arg-type]
