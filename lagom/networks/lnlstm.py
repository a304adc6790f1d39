"""Layer-normalized LSTM along time: `LSTMLayer`, `StackedLSTM`, `make_lnlstm`.

Tensors are time-major: inputs ``[T, B, I]``, outputs ``[T, B, H]``, states ``(h, c)`` with
``h, c`` of shape ``[B, H]``. Sequences of different lengths are given either as a
``torch.nn.utils.rnn.PackedSequence`` or as a padded tensor with a ``lengths`` tensor
``[B]``. Either way, a sequence's outputs past its length are zero, and the returned final
state of each sequence is the one after its own last step.

Speed: the input projections (and their layer norm) of all ``T`` steps are one matmul
before the time loop; the loop does one ``[B, H] x [H, 4H]`` matmul per step and applies
the gate nonlinearities to all gates at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, overload

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from lagom._checks import check_float_tensor, check_int
from lagom.networks.lnlstm_cell import LayerNormLSTMCell, LSTMState, _check_state

__all__ = ["LSTMLayer", "StackedLSTM", "make_lnlstm"]


def _is_compiling() -> bool:
    return bool(torch.compiler.is_compiling())


def _check_input(x: torch.Tensor, input_size: int, like: torch.Tensor) -> None:
    check_float_tensor("input", x, min_ndim=0, like=like)
    if x.ndim != 3 or x.shape[-1] != input_size or x.shape[0] == 0:
        raise ValueError(
            f"input must have shape [T, B, I] with T >= 1 and I={input_size}, got {tuple(x.shape)}"
        )


def _check_lengths(lengths: torch.Tensor, T: int, B: int) -> None:
    if not isinstance(lengths, torch.Tensor):
        raise TypeError(f"lengths must be an integer tensor or None, got {type(lengths).__name__}")
    if lengths.shape != (B,) or lengths.is_floating_point() or lengths.is_complex():
        raise ValueError(
            f"lengths must be an integer tensor of shape [B]=[{B}], got "
            f"{lengths.dtype} of shape {tuple(lengths.shape)}"
        )
    # value checks read the data; skip them while tracing so torch.compile keeps one graph
    if not _is_compiling() and bool(((lengths < 0) | (lengths > T)).any()):
        raise ValueError(f"lengths must lie in [0, T={T}], got {lengths.tolist()}")


def _step_mask(lengths: torch.Tensor, T: int, device: torch.device) -> torch.Tensor:
    """``mask[t, b, 0] = t < lengths[b]``: whether step ``t`` belongs to sequence ``b``."""
    steps = torch.arange(T, device=device)
    return (steps[:, None] < lengths.to(device)[None, :]).unsqueeze(-1)


def _repack(padded: torch.Tensor, like: PackedSequence) -> PackedSequence:
    """Pack ``padded [T, B, H]`` (original batch order) with ``like``'s layout."""
    batch_sizes = like.batch_sizes
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices.to(padded.device))
    T, B = padded.shape[:2]
    # packed rows are time-major over the length-sorted batch: step t holds its first
    # batch_sizes[t] sequences
    valid = torch.arange(B)[None, :] < batch_sizes[:T, None]
    data = padded[valid.to(padded.device)]
    return PackedSequence(data, batch_sizes, like.sorted_indices, like.unsorted_indices)


class LSTMLayer(nn.Module):
    """One recurrent layer: a cell applied along time.

    ``output[t], state_{t+1} = cell(input[t], state_t)`` for ``t = 0 .. T-1``. With
    ``lengths`` (or a ``PackedSequence``), steps ``t >= lengths[b]`` leave sequence ``b``'s
    state unchanged and output zeros.

    Args:
        cell: the cell class (e.g. `LayerNormLSTMCell`), called as ``cell(*cell_args)``.
        *cell_args: arguments of the cell.

    Raises:
        TypeError: ``cell`` is not callable (the cell checks its own arguments).

    Example:
        >>> import torch
        >>> from lagom.networks import LayerNormLSTMCell, LSTMLayer
        >>> layer = LSTMLayer(LayerNormLSTMCell, 3, 5)
        >>> output, (h, c) = layer(torch.randn(7, 2, 3), lengths=torch.tensor([7, 4]))
        >>> output.shape, h.shape
        (torch.Size([7, 2, 5]), torch.Size([2, 5]))
        >>> bool((output[4:, 1] == 0).all())
        True
    """

    def __init__(self, cell: Callable[..., LayerNormLSTMCell], *cell_args: object) -> None:
        super().__init__()
        if not callable(cell):
            raise TypeError(
                f"cell must be a cell class such as LayerNormLSTMCell, got {cell!r:.60}"
            )
        self.cell = cell(*cell_args)

    @overload
    def forward(
        self,
        input: torch.Tensor,
        state: LSTMState | None = None,
        lengths: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, LSTMState]: ...

    @overload
    def forward(
        self, input: PackedSequence, state: LSTMState | None = None, lengths: None = None
    ) -> tuple[PackedSequence, LSTMState]: ...

    def forward(
        self,
        input: torch.Tensor | PackedSequence,
        state: LSTMState | None = None,
        lengths: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor | PackedSequence, LSTMState]:
        """Run the layer over a sequence.

        Args:
            input: ``[T, B, I]`` tensor, or a ``PackedSequence`` of such sequences.
            state: initial ``(h, c)``, each ``[B, H]`` in the input's batch order; zeros if
                ``None``.
            lengths: valid steps of each sequence, integer tensor ``[B]`` with values in
                ``[0, T]``; only with a tensor input. ``None`` means all ``T`` steps.

        Returns:
            ``(output, (h, c))``: ``output`` has the input's kind (``[T, B, H]`` tensor or
            ``PackedSequence``), ``(h, c)`` is each sequence's state after its last step.

        Raises:
            TypeError: ``input`` is neither a floating-point tensor nor a
                ``PackedSequence``, ``state`` is not a pair of tensors, or ``lengths`` is
                not a tensor.
            ValueError: on a shape mismatch, bad ``lengths``, or ``lengths`` given with a
                ``PackedSequence``.
        """
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError("lengths must be None for a PackedSequence input")
            padded, lengths = pad_packed_sequence(input)
            padded_output, final = self(padded, state, lengths)
            return _repack(padded_output, input), final
        _check_input(input, self.cell.input_size, self.cell.weight_ih)
        T, B = input.shape[:2]
        if state is None:
            state = self.cell.initial_state(input, B)
        _check_state(state, B, self.cell.hidden_size, self.cell.weight_ih)
        mask = None
        if lengths is not None:
            _check_lengths(lengths, T, B)
            mask = _step_mask(lengths, T, input.device)
        return self._run(input, state, mask)

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward

    def _run(
        self, x: torch.Tensor, state: LSTMState, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, LSTMState]:
        igates = self.cell.input_gates(x)
        h, c = state
        outputs = []
        if mask is None:
            for igates_t in igates.unbind(0):
                h, c = self.cell.step(igates_t, (h, c))
                outputs.append(h)
            return torch.stack(outputs), (h, c)
        for igates_t, mask_t in zip(igates.unbind(0), mask.unbind(0), strict=True):
            h_t, c_t = self.cell.step(igates_t, (h, c))
            outputs.append(h_t)
            h = torch.where(mask_t, h_t, h)
            c = torch.where(mask_t, c_t, c)
        return torch.stack(outputs) * mask, (h, c)


class StackedLSTM(nn.Module):
    """Recurrent layers stacked in depth: layer ``l`` reads layer ``l-1``'s outputs.

    Args:
        num_layers: number of layers ``L``.
        layer: the layer class (e.g. `LSTMLayer`), called as ``layer(*first_layer_args)``
            for the first layer and ``layer(*other_layer_args)`` for the others.
        first_layer_args: arguments of the first layer.
        other_layer_args: arguments of the other layers.

    Raises:
        TypeError: if ``num_layers`` is not an int, ``layer`` is not callable, or the
            argument lists are not lists.
        ValueError: if ``num_layers`` is not positive.

    Example:
        >>> import torch
        >>> from lagom.networks import LayerNormLSTMCell, LSTMLayer, StackedLSTM
        >>> lstm = StackedLSTM(2, LSTMLayer, [LayerNormLSTMCell, 3, 5], [LayerNormLSTMCell, 5, 5])
        >>> output, states = lstm(torch.randn(7, 2, 3))
        >>> output.shape, len(states), states[1][0].shape
        (torch.Size([7, 2, 5]), 2, torch.Size([2, 5]))
    """

    def __init__(
        self,
        num_layers: int,
        layer: Callable[..., LSTMLayer],
        first_layer_args: Sequence[object],
        other_layer_args: Sequence[object],
    ) -> None:
        super().__init__()
        check_int("num_layers", num_layers)
        if not callable(layer):
            raise TypeError(f"layer must be a layer class such as LSTMLayer, got {layer!r:.60}")
        for name, args in (
            ("first_layer_args", first_layer_args),
            ("other_layer_args", other_layer_args),
        ):
            if isinstance(args, (str, bytes)) or not isinstance(args, Sequence):
                raise TypeError(f"{name} must be a list of arguments, got {type(args).__name__}")
        self.layers = nn.ModuleList(
            [layer(*first_layer_args)] + [layer(*other_layer_args) for _ in range(num_layers - 1)]
        )

    @overload
    def forward(
        self,
        input: torch.Tensor,
        states: Sequence[LSTMState] | None = None,
        lengths: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, list[LSTMState]]: ...

    @overload
    def forward(
        self,
        input: PackedSequence,
        states: Sequence[LSTMState] | None = None,
        lengths: None = None,
    ) -> tuple[PackedSequence, list[LSTMState]]: ...

    def forward(
        self,
        input: torch.Tensor | PackedSequence,
        states: Sequence[LSTMState] | None = None,
        lengths: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor | PackedSequence, list[LSTMState]]:
        """Run all layers over a sequence.

        Args:
            input: ``[T, B, I]`` tensor, or a ``PackedSequence`` of such sequences.
            states: initial ``(h, c)`` of each layer, each ``[B, H]`` in the input's batch
                order; zeros if ``None``.
            lengths: valid steps of each sequence, integer tensor ``[B]`` with values in
                ``[0, T]``; only with a tensor input. ``None`` means all ``T`` steps.

        Returns:
            ``(output, states)``: the last layer's output (the input's kind, ``[T, B, H]``
            when a tensor) and each layer's state after each sequence's last step.

        Raises:
            TypeError: ``input`` is neither a floating-point tensor nor a
                ``PackedSequence``, a state is not a pair of tensors, or ``lengths`` is not
                a tensor.
            ValueError: on a shape mismatch, a wrong number of states, bad ``lengths``, or
                ``lengths`` given with a ``PackedSequence``.
        """
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError("lengths must be None for a PackedSequence input")
            padded, lengths = pad_packed_sequence(input)
            padded_output, packed_final = self(padded, states, lengths)
            return _repack(padded_output, input), packed_final
        if states is not None and len(states) != len(self.layers):
            raise ValueError(
                f"states must hold one (h, c) per layer ({len(self.layers)}), got {len(states)}"
            )
        final: list[LSTMState] = []
        output = input
        for i, rnn_layer in enumerate(self.layers):
            output, state = rnn_layer(output, None if states is None else states[i], lengths)
            final.append(state)
        return output, final

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


def make_lnlstm(
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    *,
    device: torch.device | str | None = None,
) -> StackedLSTM:
    """Return a `StackedLSTM` of ``num_layers`` `LayerNormLSTMCell` layers.

    Args:
        input_size: input features ``I`` of the first layer.
        hidden_size: hidden features ``H`` of every layer.
        num_layers: number of layers. Default: ``1``.
        device: device to create the parameters on; default the torch default device.

    Raises:
        ValueError: if a size is not positive.

    Example:
        >>> import torch
        >>> from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> from lagom.networks import make_lnlstm
        >>> lstm = make_lnlstm(3, 5, num_layers=2)
        >>> packed = pack_sequence([torch.randn(4, 3), torch.randn(6, 3)], enforce_sorted=False)
        >>> output, states = lstm(packed)
        >>> padded, lengths = pad_packed_sequence(output)
        >>> padded.shape, lengths
        (torch.Size([6, 2, 5]), tensor([4, 6]))
    """
    return StackedLSTM(
        num_layers,
        LSTMLayer,
        first_layer_args=[LayerNormLSTMCell, input_size, hidden_size, device],
        other_layer_args=[LayerNormLSTMCell, hidden_size, hidden_size, device],
    )
