"""Tests of `lagom.networks.lnlstm`: the stacked layer-norm LSTM against a hand-written loop."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence

from lagom.networks import LayerNormLSTMCell, LSTMLayer, StackedLSTM, make_lnlstm
from tests.networks.test_lnlstm_cell import State, reference_cell

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _cells(lstm: StackedLSTM) -> list[LayerNormLSTMCell]:
    cells = [layer.cell for layer in lstm.layers]
    assert all(isinstance(cell, LayerNormLSTMCell) for cell in cells)
    return cells  # type: ignore[return-value]


def _reference_stack(
    lstm: StackedLSTM, x: torch.Tensor, states: list[State]
) -> tuple[torch.Tensor, list[State]]:
    """The stack on one full-length batch, step by step and layer by layer."""
    final = []
    for cell, state in zip(_cells(lstm), states, strict=True):
        outputs = []
        for t in range(x.shape[0]):
            state = reference_cell(cell, x[t], state)
            outputs.append(state[0])
        x = torch.stack(outputs)
        final.append(state)
    return x, final


def _random_lstm(seed: int, D: int, H: int, L: int) -> StackedLSTM:
    torch.manual_seed(seed)
    lstm = make_lnlstm(D, H, num_layers=L).double()
    # non-trivial layer-norm gains and shifts, so that a mix-up of parameters shows
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if "layernorm" in name:
                p.uniform_(-1.5, 1.5)
    return lstm


def _random_states(seed: int, L: int, B: int, H: int) -> list[State]:
    g = torch.Generator().manual_seed(seed)
    return [
        (
            torch.randn(B, H, generator=g, dtype=torch.float64),
            torch.randn(B, H, generator=g, dtype=torch.float64),
        )
        for _ in range(L)
    ]


sizes = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**31 - 1),
        "T": st.integers(1, 6),
        "B": st.integers(1, 4),
        "D": st.integers(1, 4),
        "H": st.integers(1, 4),
        "L": st.integers(1, 3),
    }
)


@given(sizes=sizes, zero_state=st.booleans())
def test_stack_matches_the_reference_loop(sizes: dict[str, int], zero_state: bool) -> None:
    seed, T, B, D, H, L = (sizes[k] for k in ("seed", "T", "B", "D", "H", "L"))
    lstm = _random_lstm(seed, D, H, L)
    x = torch.randn(T, B, D, dtype=torch.float64)
    states = _random_states(seed, L, B, H)
    if zero_state:
        states = [(torch.zeros_like(h), torch.zeros_like(c)) for h, c in states]
        output, final = lstm(x)
    else:
        output, final = lstm(x, states)
    expected, expected_final = _reference_stack(lstm, x, states)
    torch.testing.assert_close(output, expected)
    for (h, c), (h_ref, c_ref) in zip(final, expected_final, strict=True):
        torch.testing.assert_close(h, h_ref)
        torch.testing.assert_close(c, c_ref)


@given(sizes=sizes, data=st.data())
def test_variable_lengths_match_running_each_sequence_alone(
    sizes: dict[str, int], data: st.DataObject
) -> None:
    seed, T, B, D, H, L = (sizes[k] for k in ("seed", "T", "B", "D", "H", "L"))
    lengths = data.draw(st.lists(st.integers(1, T), min_size=B, max_size=B))
    lstm = _random_lstm(seed, D, H, L)
    states = _random_states(seed, L, B, H)
    seqs = [torch.randn(n, D, dtype=torch.float64) for n in lengths]
    padded = torch.zeros(max(lengths), B, D, dtype=torch.float64)
    for b, seq in enumerate(seqs):
        padded[: len(seq), b] = seq
    packed = pack_sequence(seqs, enforce_sorted=False)

    packed_out, packed_final = lstm(packed, states)
    assert torch.equal(packed_out.batch_sizes, packed.batch_sizes)
    unpacked, unpacked_lengths = pad_packed_sequence(packed_out)
    assert unpacked_lengths.tolist() == lengths
    masked_out, masked_final = lstm(padded, states, lengths=torch.tensor(lengths))

    for b, seq in enumerate(seqs):
        alone_states = [(h[b : b + 1], c[b : b + 1]) for h, c in states]
        expected, expected_final = _reference_stack(lstm, seq[:, None], alone_states)
        n = lengths[b]
        for out in (unpacked, masked_out):
            torch.testing.assert_close(out[:n, b], expected[:, 0])
            assert bool((out[n:, b] == 0).all())
        for final in (packed_final, masked_final):
            for (h, c), (h_ref, c_ref) in zip(final, expected_final, strict=True):
                torch.testing.assert_close(h[b], h_ref[0])
                torch.testing.assert_close(c[b], c_ref[0])


def test_sorted_packed_input_keeps_its_layout() -> None:
    lstm = _random_lstm(0, 2, 3, 2)
    seqs = [torch.randn(n, 2, dtype=torch.float64) for n in (5, 3, 3, 1)]
    packed = pack_sequence(seqs)  # already sorted: no sorted_indices
    output, _ = lstm(packed)
    assert output.sorted_indices is None
    assert torch.equal(output.batch_sizes, packed.batch_sizes)
    layer_out, (h, _) = lstm.layers[0](packed)
    assert torch.equal(layer_out.batch_sizes, packed.batch_sizes)
    assert h.shape == (4, 3)


def test_zero_length_sequence_keeps_its_initial_state() -> None:
    lstm = _random_lstm(1, 2, 3, 1)
    states = _random_states(1, 1, 2, 3)
    x = torch.randn(4, 2, 2, dtype=torch.float64)
    output, [(h, c)] = lstm(x, states, lengths=torch.tensor([4, 0]))
    assert bool((output[:, 1] == 0).all())
    assert torch.equal(h[1], states[0][0][1])
    assert torch.equal(c[1], states[0][1][1])


def test_layer_and_stack_structure() -> None:
    layer = LSTMLayer(LayerNormLSTMCell, 3, 5)
    assert isinstance(layer.cell, LayerNormLSTMCell)
    lstm = StackedLSTM(3, LSTMLayer, [LayerNormLSTMCell, 3, 5], [LayerNormLSTMCell, 5, 5])
    assert len(lstm.layers) == 3
    assert [cell.input_size for cell in _cells(lstm)] == [3, 5, 5]
    H = 5
    per_layer = [4 * H * i + 4 * H * H + 2 * (4 * H) * 2 + 2 * H for i in (3, 5, 5)]
    assert sum(p.numel() for p in lstm.parameters()) == sum(per_layer)


def test_gradients_reach_every_parameter() -> None:
    torch.manual_seed(3)
    lstm = make_lnlstm(3, 4, num_layers=2)
    output, states = lstm(torch.randn(5, 2, 3), lengths=torch.tensor([5, 2]))
    torch.autograd.backward(output.sum() + states[-1][1].sum())
    for name, p in lstm.named_parameters():
        assert p.grad is not None, name
        assert bool(p.grad.abs().sum() > 0), name


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m(torch.randn(4, 2)), r"shape \[T, B, I\] with T >= 1 and I=3"),
        (lambda m: m(torch.randn(4, 2, 5)), r"shape \[T, B, I\] with T >= 1 and I=3"),
        (lambda m: m(torch.randn(4, 2, 3), lengths=torch.tensor([4, 5])), r"lengths must lie"),
        (lambda m: m(torch.randn(4, 2, 3), lengths=torch.tensor([4, -1])), r"lengths must lie"),
        (lambda m: m(torch.randn(4, 2, 3), lengths=torch.tensor([4])), r"shape \[B\]=\[2\]"),
        (lambda m: m(torch.randn(4, 2, 3), lengths=torch.tensor([4.0, 2.0])), "integer tensor"),
        (
            lambda m: m(pack_sequence([torch.randn(2, 3)]), lengths=torch.tensor([2])),
            "lengths must be None for a PackedSequence",
        ),
        (lambda m: m(torch.randn(4, 2, 3), [(torch.zeros(2, 4), torch.zeros(2, 4))]), "one"),
        (
            lambda m: m(torch.randn(4, 2, 3), [(torch.zeros(3, 4), torch.zeros(3, 4))] * 2),
            r"shapes \[B, H\]=\[2, 4\]",
        ),
        (lambda m: m(torch.randn(0, 2, 3)), r"with T >= 1 and I=3, got \(0, 2, 3\)"),
    ],
)
def test_bad_input_raises(call: object, message: str) -> None:
    lstm = make_lnlstm(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=message):
        call(lstm)  # type: ignore[operator]


def test_inputs_and_states_of_another_dtype_are_refused_by_name() -> None:
    # Before: torch's "mat1 and mat2 must have the same dtype" from inside the cell.
    lstm = make_lnlstm(3, 4, num_layers=2)
    with pytest.raises(TypeError, match=r"input must be torch.float32, the network's dtype"):
        lstm(torch.randn(4, 2, 3, dtype=torch.float64))
    state64 = (torch.zeros(2, 4, dtype=torch.float64),) * 2
    with pytest.raises(TypeError, match=r"state h must be torch\.float32"):
        lstm(torch.randn(4, 2, 3), [state64] * 2)
    cell = lstm.layers[0].cell  # type: ignore[union-attr]
    with pytest.raises(TypeError, match=r"x must be torch\.float32"):
        cell(torch.randn(2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"state \(h, c\) must have shapes \[B, H\]=\[2, 4\]"):
        cell(torch.randn(2, 3), (torch.zeros(5, 4), torch.zeros(5, 4)))
    with pytest.raises(TypeError, match="state must be a pair of tensors"):
        cell(torch.randn(2, 3), (torch.zeros(2, 4),) * 3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: make_lnlstm(0, 4), "input_size must be at least 1"),
        (lambda: make_lnlstm(3, 0), "hidden_size must be at least 1"),
        (lambda: make_lnlstm(3, 4, num_layers=0), "num_layers must be at least 1"),
    ],
)
def test_bad_sizes_raise(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_built_on_the_requested_device() -> None:
    lstm = make_lnlstm(3, 4, num_layers=2, device="meta")
    assert all(p.device.type == "meta" for p in lstm.parameters())
    output, states = lstm(torch.zeros(5, 2, 3, device="meta"))
    assert output.device.type == "meta"
    assert states[0][0].device.type == "meta"


def test_under_torch_compile_without_graph_breaks() -> None:
    torch.manual_seed(4)
    lstm = make_lnlstm(3, 4, num_layers=2)
    compiled = torch.compile(lstm, backend="eager", fullgraph=True)
    x = torch.randn(4, 2, 3)
    lengths = torch.tensor([4, 2])
    for kwargs in ({}, {"lengths": lengths}):
        output, states = compiled(x, **kwargs)
        expected, expected_states = lstm(x, **kwargs)
        torch.testing.assert_close(output, expected)
        torch.testing.assert_close(states, expected_states)


@pytest.mark.gpu
@needs_cuda
def test_cuda_forward_backward_packed_and_checkpoints(tmp_path: object) -> None:
    torch.manual_seed(5)
    cpu_lstm = make_lnlstm(3, 4, num_layers=2)
    lstm = make_lnlstm(3, 4, num_layers=2, device="cuda")
    assert all(p.device.type == "cuda" for p in lstm.parameters())
    lstm.load_state_dict(cpu_lstm.state_dict())
    seqs = [torch.randn(n, 3) for n in (2, 5, 3)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    out_cpu, states_cpu = cpu_lstm(packed)
    out_gpu, states_gpu = lstm(packed.cuda())
    assert out_gpu.data.device.type == "cuda"
    torch.testing.assert_close(out_gpu.data.cpu(), out_cpu.data, atol=1e-5, rtol=1e-5)
    for (h, c), (h_ref, c_ref) in zip(states_gpu, states_cpu, strict=True):
        torch.testing.assert_close(h.cpu(), h_ref, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(c.cpu(), c_ref, atol=1e-5, rtol=1e-5)
    x = torch.randn(6, 3, 3, device="cuda")
    output, _ = lstm(x, lengths=torch.tensor([6, 1, 4], device="cuda"))
    torch.autograd.backward(output.sum())
    assert all(p.grad is not None and p.grad.device.type == "cuda" for p in lstm.parameters())
