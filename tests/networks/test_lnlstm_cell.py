"""Tests of `lagom.networks.lnlstm_cell.LayerNormLSTMCell` against the written-out equations."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lagom.networks import LayerNormLSTMCell

State = tuple[torch.Tensor, torch.Tensor]


def _layer_norm(x: torch.Tensor, norm: nn.LayerNorm) -> torch.Tensor:
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias


def reference_cell(cell: LayerNormLSTMCell, x: torch.Tensor, state: State) -> State:
    """One step of the equations, written out with the cell's own parameters."""
    h, c = state
    H = cell.hidden_size
    gates = _layer_norm(x @ cell.weight_ih.T, cell.layernorm_i) + _layer_norm(
        h @ cell.weight_hh.T, cell.layernorm_h
    )
    i = torch.sigmoid(gates[:, 0:H])
    f = torch.sigmoid(gates[:, H : 2 * H])
    o = torch.sigmoid(gates[:, 2 * H : 3 * H])
    g = torch.tanh(gates[:, 3 * H : 4 * H])
    c = _layer_norm(f * c + i * g, cell.layernorm_c)
    return o * torch.tanh(c), c


def test_cell_forward_is_one_reference_step() -> None:
    torch.manual_seed(2)
    cell = LayerNormLSTMCell(3, 4).double()
    with torch.no_grad():
        for name, p in cell.named_parameters():
            if "layernorm" in name:  # gains and shifts away from 1 and 0
                p.uniform_(-1.5, 1.5)
    x = torch.randn(5, 3, dtype=torch.float64)
    state = (torch.randn(5, 4, dtype=torch.float64), torch.randn(5, 4, dtype=torch.float64))
    h, (h_again, c) = cell(x, state)
    h_ref, c_ref = reference_cell(cell, x, state)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)
    assert h is h_again
    h0, _ = cell(x)
    zeros = torch.zeros(5, 4, dtype=torch.float64)
    torch.testing.assert_close(h0, reference_cell(cell, x, (zeros, zeros))[0])


def test_parameters_and_their_shapes() -> None:
    cell = LayerNormLSTMCell(3, 4)
    shapes = {name: tuple(p.shape) for name, p in cell.named_parameters()}
    assert shapes == {
        "weight_ih": (16, 3),
        "weight_hh": (16, 4),
        "layernorm_i.weight": (16,),
        "layernorm_i.bias": (16,),
        "layernorm_h.weight": (16,),
        "layernorm_h.bias": (16,),
        "layernorm_c.weight": (4,),
        "layernorm_c.bias": (4,),
    }
    bound = 1 / 4**0.5
    assert bool((cell.weight_hh.abs() <= bound).all())


def test_input_gates_accept_any_leading_shape() -> None:
    cell = LayerNormLSTMCell(3, 4)
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(cell.input_gates(x)[1], cell.input_gates(x[1]))


@pytest.mark.parametrize("shape", [(2, 4), (3,), (1, 2, 3)])
def test_bad_input_shape_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"shape \[B, I\] with I=3"):
        LayerNormLSTMCell(3, 4)(torch.randn(shape))


@pytest.mark.parametrize(("sizes", "name"), [((0, 4), "input_size"), ((3, 0), "hidden_size")])
def test_non_positive_sizes_raise(sizes: tuple[int, int], name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be at least 1"):
        LayerNormLSTMCell(*sizes)


def test_built_on_the_requested_device() -> None:
    cell = LayerNormLSTMCell(3, 4, device="meta")
    assert all(p.device.type == "meta" for p in cell.parameters())
