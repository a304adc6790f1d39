"""`LayerNormLSTMCell`: one step of a layer-normalized LSTM.

`lagom.networks.lnlstm` runs it along time; the split between `LayerNormLSTMCell.input_gates`
(any number of steps at once) and `LayerNormLSTMCell.step` (one recurrent step) lets it
compute the input projections of a whole sequence in one matmul.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypeAlias

import torch
from torch import nn
from torch.nn import functional

from lagom._checks import check_device, check_float_tensor, check_int
from lagom.networks.layers import _check_parameter_memory

__all__ = ["LSTMState", "LayerNormLSTMCell"]

#: ``(h, c)``: hidden and cell state, each of shape ``[B, H]``.
LSTMState: TypeAlias = tuple[torch.Tensor, torch.Tensor]


def _layer_norm(norm: nn.LayerNorm, x: torch.Tensor) -> torch.Tensor:
    # the functional call skips nn.Module.__call__'s overhead, paid 2T times per sequence
    return functional.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)


def _check_state(state: object, B: int, H: int, like: torch.Tensor) -> LSTMState:
    """``state`` if it is a pair ``(h, c)`` of ``[B, H]`` tensors of ``like``'s dtype and
    device."""
    if not (isinstance(state, (tuple, list)) and len(state) == 2):
        raise TypeError(f"state must be a pair of tensors (h, c), got {type(state).__name__}")
    h, c = (
        check_float_tensor(f"state {name}", x, like=like)
        for name, x in zip("hc", state, strict=True)
    )
    if h.shape != (B, H) or c.shape != (B, H):
        raise ValueError(
            f"state (h, c) must have shapes [B, H]=[{B}, {H}], got "
            f"{tuple(h.shape)} and {tuple(c.shape)}"
        )
    return h, c


class LayerNormLSTMCell(nn.Module):
    r"""One step of an LSTM with layer normalization (Ba et al., 2016).

    With gates ordered ``(i, f, o, g)`` along the ``4H`` dimension::

        gates = LN_i(x W_ihᵀ) + LN_h(h W_hhᵀ)        # [B, 4H]
        i, f, o = σ(gates[:, :3H]).chunk(3)        # input, forget, output gates
        g = tanh(gates[:, 3H:])                    # candidate cell
        c' = LN_c(f ⊙ c + i ⊙ g)
        h' = o ⊙ tanh(c')

    ``LN_i``, ``LN_h`` (over ``4H``) and ``LN_c`` (over ``H``) are ``nn.LayerNorm`` modules
    ``layernorm_i``, ``layernorm_h``, ``layernorm_c``; their shifts are the biases, so the
    projections ``weight_ih [4H, I]`` and ``weight_hh [4H, H]`` have none. Weights start
    uniform in ``±1/sqrt(H)`` as in ``nn.LSTM``.

    Args:
        input_size: input features ``I``.
        hidden_size: hidden features ``H``.
        device: device to create the parameters on; default the torch default device.

    Raises:
        TypeError: if a size is not an int or ``device`` is not a device.
        ValueError: if a size is not positive, ``device`` names no device, or the
            parameters would not fit in its memory (checked before anything is allocated).

    Example:
        >>> import torch
        >>> from lagom.networks import LayerNormLSTMCell
        >>> cell = LayerNormLSTMCell(3, 5)
        >>> h, (h, c) = cell(torch.randn(2, 3))
        >>> h.shape, c.shape
        (torch.Size([2, 5]), torch.Size([2, 5]))
    """

    def __init__(
        self, input_size: int, hidden_size: int, device: torch.device | str | None = None
    ) -> None:
        super().__init__()
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = H = check_int("hidden_size", hidden_size)
        device = None if device is None else check_device("device", device)
        # Weights [4H, I] and [4H, H], and the layer norms' 2 * (4H + 4H + H).
        numel = 4 * H * (self.input_size + H) + 18 * H
        _check_parameter_memory("LayerNormLSTMCell", numel, device)
        bound = 1.0 / math.sqrt(H)
        self.weight_ih = nn.Parameter(
            torch.empty(4 * H, input_size, device=device).uniform_(-bound, bound)
        )
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H, device=device).uniform_(-bound, bound))
        self.layernorm_i = nn.LayerNorm(4 * H, device=device)
        self.layernorm_h = nn.LayerNorm(4 * H, device=device)
        self.layernorm_c = nn.LayerNorm(H, device=device)

    def input_gates(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``LN_i(x W_ihᵀ)``, the input's share of the gates, for any leading shape.

        Args:
            x: inputs, shape ``[*, I]`` (e.g. a whole sequence ``[T, B, I]``).

        Returns:
            Shape ``[*, 4H]``.
        """
        return _layer_norm(self.layernorm_i, functional.linear(x, self.weight_ih))

    def step(self, igates: torch.Tensor, state: LSTMState) -> LSTMState:
        """Advance one step from the precomputed input gates ``igates = input_gates(x_t)``.

        Args:
            igates: shape ``[B, 4H]``.
            state: ``(h, c)`` before the step, each ``[B, H]``.

        Returns:
            ``(h', c')`` after the step, each ``[B, H]``.
        """
        h, c = state
        H = self.hidden_size
        gates = igates + _layer_norm(self.layernorm_h, torch.mm(h, self.weight_hh.t()))
        i, f, o = gates[:, : 3 * H].sigmoid().chunk(3, dim=1)
        g = gates[:, 3 * H :].tanh()
        c = _layer_norm(self.layernorm_c, torch.addcmul(f * c, i, g))
        return o * c.tanh(), c

    def initial_state(self, x: torch.Tensor, batch_size: int) -> LSTMState:
        """Return zero states ``(h, c)`` of shape ``[B, H]`` with ``x``'s device and dtype."""
        zeros = x.new_zeros(batch_size, self.hidden_size)
        return zeros, zeros

    def forward(
        self, x: torch.Tensor, state: LSTMState | None = None
    ) -> tuple[torch.Tensor, LSTMState]:
        """Run one step on ``x [B, I]`` from ``state`` (zeros if ``None``).

        Returns:
            ``(h', (h', c'))``.

        Raises:
            TypeError: if ``x`` is not a floating-point tensor of the cell's dtype, or
                ``state`` is not a pair of such tensors.
            ValueError: if ``x`` is not ``[B, I]``, ``state`` not two ``[B, H]``, or a
                tensor is on another device than the cell.
        """
        check_float_tensor("x", x, min_ndim=0, like=self.weight_ih)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(
                f"x must have shape [B, I] with I={self.input_size}, got {tuple(x.shape)}"
            )
        if state is None:
            state = self.initial_state(x, x.shape[0])
        else:
            state = _check_state(state, x.shape[0], self.hidden_size, self.weight_ih)
        h, c = self.step(self.input_gates(x), state)
        return h, (h, c)

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward
