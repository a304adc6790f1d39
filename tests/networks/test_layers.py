"""Tests of `lagom.networks.layers`: make_fc, make_cnn, make_transposed_cnn."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from lagom.networks import (
    CategoricalHead,
    DiagGaussianHead,
    LayerNormLSTMCell,
    MDNHead,
    QEnsemble,
    make_cnn,
    make_fc,
    make_transposed_cnn,
)


def test_make_fc_documented_repr() -> None:
    assert repr(make_fc(3, [4, 5, 6])) == (
        "ModuleList(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): Linear(in_features=4, out_features=5, bias=True)\n"
        "  (2): Linear(in_features=5, out_features=6, bias=True)\n"
        ")"
    )


def test_make_cnn_documented_repr() -> None:
    layers = make_cnn(
        input_channel=3, channels=[16, 32], kernels=[4, 3], strides=[2, 1], paddings=[1, 0]
    )
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0): Conv2d(3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))\n"
        "  (1): Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1))\n"
        ")"
    )


def test_make_transposed_cnn_documented_repr() -> None:
    layers = make_transposed_cnn(
        input_channel=3,
        channels=[16, 32],
        kernels=[4, 3],
        strides=[2, 1],
        paddings=[1, 0],
        output_paddings=[1, 0],
    )
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0): ConvTranspose2d(3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1))\n"
        "  (1): ConvTranspose2d(16, 32, kernel_size=(3, 3), stride=(1, 1))\n"
        ")"
    )


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else v


def test_cnn_output_sizes_follow_the_formulas() -> None:
    kernels: list[int | tuple[int, int]] = [4, (3, 2)]
    strides: list[int | tuple[int, int]] = [2, (1, 2)]
    paddings: list[int | tuple[int, int]] = [1, (0, 1)]
    output_paddings: list[int | tuple[int, int]] = [1, (0, 1)]
    side = [9, 10]
    x = torch.zeros(2, 3, *side)
    for i, layer in enumerate(make_cnn(3, [5, 6], kernels, strides, paddings)):
        x = layer(x)
        k, s, p = _pair(kernels[i]), _pair(strides[i]), _pair(paddings[i])
        side = [(side[j] + 2 * p[j] - k[j]) // s[j] + 1 for j in range(2)]
    assert tuple(x.shape) == (2, 6, *side)
    layers = make_transposed_cnn(6, [4, 2], kernels, strides, paddings, output_paddings)
    for i, layer in enumerate(layers):
        x = layer(x)
        k, s, p = _pair(kernels[i]), _pair(strides[i]), _pair(paddings[i])
        q = _pair(output_paddings[i])
        side = [(side[j] - 1) * s[j] - 2 * p[j] + k[j] + q[j] for j in range(2)]
    assert tuple(x.shape) == (2, 2, *side)


def test_empty_lists_give_empty_module_lists() -> None:
    assert len(make_fc(3, [])) == 0
    assert len(make_cnn(3, [], [], [], [])) == 0


@pytest.mark.parametrize("builder", ["fc", "cnn", "tcnn"])
def test_layers_are_created_on_the_requested_device(builder: str) -> None:
    # the meta device holds no data: it proves that nothing is hard-wired to the CPU
    if builder == "fc":
        layers = make_fc(3, [4, 5], device="meta")
    elif builder == "cnn":
        layers = make_cnn(3, [4], [3], [1], [0], device="meta")
    else:
        layers = make_transposed_cnn(3, [4], [3], [2], [0], [1], device="meta")
    assert all(p.device.type == "meta" for p in layers.parameters())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_fc(0, [4]), "input_dim must be at least 1"),
        (lambda: make_fc(3, [4, -1]), r"hidden_sizes\[1\] must be at least 1"),
        (lambda: make_cnn(0, [4], [3], [1], [0]), "input_channel must be at least 1"),
        (lambda: make_cnn(3, [4, 8], [3], [1, 1], [0, 0]), "equal lengths"),
        (lambda: make_cnn(3, [4], [3], [1], [0, 0]), "equal lengths"),
        (lambda: make_cnn(3, [4], [0], [1], [0]), r"kernels\[0\] must be at least 1"),
        (lambda: make_cnn(3, [4], [3], [(1, 0)], [0]), r"strides\[0\] must be at least 1"),
        (lambda: make_cnn(3, [4], [3], [1], [-1]), r"paddings\[0\] must be at least 0"),
        (lambda: make_cnn(3, [4], [(3, 3, 3)], [1], [0]), "an int or a pair"),  # type: ignore[list-item]
        (lambda: make_transposed_cnn(3, [4], [3], [1], [0], [0, 0]), "equal lengths"),
        (lambda: make_transposed_cnn(3, [4], [3], [2], [0], [2]), "smaller than strides"),
        (
            lambda: make_transposed_cnn(3, [0], [3], [2], [0], [1]),
            r"channels\[0\] must be at least 1",
        ),
    ],
)
def test_bad_sizes_raise_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_non_int_sizes_raise_type_error() -> None:
    with pytest.raises(TypeError, match="input_dim must be an int"):
        make_fc(3.0, [4])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"hidden_sizes\[0\] must be an int, got bool"):
        make_fc(3, [True])


def test_make_fc_under_torch_compile_without_graph_breaks() -> None:
    torch.manual_seed(0)
    layers = make_fc(4, [8, 3])

    def forward(x: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            x = torch.tanh(layer(x))
        return x

    compiled = torch.compile(forward, backend="eager", fullgraph=True)
    x = torch.randn(5, 4)
    torch.testing.assert_close(compiled(x), forward(x), rtol=0, atol=0)
    assert isinstance(layers[0], nn.Linear)


@pytest.mark.parametrize(
    ("build", "what"),
    [
        (lambda: make_fc(10**6, [10**6]), "make_fc"),
        (lambda: make_cnn(10**5, [10**5], [3], [1], [0]), "make_cnn"),
        (lambda: make_transposed_cnn(10**5, [10**5], [3], [1], [0], [0]), "make_transposed_cnn"),
        (lambda: CategoricalHead(10**6, 10**6, "cpu"), "CategoricalHead"),
        (lambda: DiagGaussianHead(10**6, 10**6, "cpu", 1.0), "DiagGaussianHead"),
        (lambda: MDNHead(10**6, 10**6, 10, "cpu"), "MDNHead"),
        (lambda: QEnsemble(10**5, 1, [10**5], n=1000), "QEnsemble"),
        (lambda: LayerNormLSTMCell(10**6, 10**5), "LayerNormLSTMCell"),
    ],
)
def test_layers_too_large_for_the_machine_are_refused_before_allocating(
    build: Callable[[], object], what: str
) -> None:
    # torch's allocator raised "RuntimeError: [enforce fail at alloc_cpu.cpp:127] ... you
    # tried to allocate 4000000000000 bytes", naming no argument (or swapped first).
    with pytest.raises(
        ValueError,
        match=rf"the number of parameters of {what} must be at most \d+ \(what fits in this "
        rf"machine's .* GiB of memory\), got \d+: lower the sizes given to {what}$",
    ):
        build()


def test_layers_on_the_meta_device_are_not_limited_by_memory() -> None:
    layers = make_fc(10**6, [10**6], device="meta")
    assert layers[0].weight.shape == (10**6, 10**6)
