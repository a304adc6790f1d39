"""Builders of layer stacks: `make_fc`, `make_cnn`, `make_transposed_cnn`.

Each returns an ``nn.ModuleList`` (so a parent module tracks every layer's parameters) and
leaves the nonlinearities to the caller's ``forward``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TypeAlias

import torch
from torch import nn

from lagom._checks import check_device, check_fits, check_int, physical_memory

__all__ = ["make_cnn", "make_fc", "make_transposed_cnn"]

#: A 2-D convolution size: one int for both sides, or ``(height, width)``.
Size2d: TypeAlias = int | tuple[int, int]


def _check_size2d(name: str, value: object, minimum: int) -> tuple[int, int]:
    if isinstance(value, tuple) and len(value) == 2:
        return (check_int(name, value[0], minimum), check_int(name, value[1], minimum))
    if isinstance(value, tuple):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    v = check_int(name, value, minimum)
    return (v, v)


def _check_lengths(**lists: Sequence[object]) -> int:
    for name, values in lists.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(
                f"{name} must be a list, one entry per layer, got {type(values).__name__}"
            )
    lengths = {name: len(values) for name, values in lists.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"the lists must have one entry per layer (equal lengths), got {lengths}")
    return next(iter(lengths.values()))


def _check_sizes(name: str, values: object) -> list[int]:
    """``values``, a list of positive ints (possibly empty: no layer)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of ints, got {type(values).__name__}")
    return [check_int(f"{name}[{i}]", h, 1) for i, h in enumerate(values)]


def _check_device(device: object) -> torch.device | None:
    return None if device is None else check_device("device", device)


def _memory_of(device: torch.device) -> int | None:
    """The bytes of memory of ``device`` where they are known: the machine's physical memory
    for the CPU, the GPU's own for CUDA; ``None`` elsewhere ('meta' allocates nothing)."""
    if device.type == "cpu":
        return physical_memory()
    if device.type == "cuda" and torch.cuda.is_available():
        return int(torch.cuda.get_device_properties(device).total_memory)
    return None


def _check_parameter_memory(what: str, numel: int, device: torch.device | None) -> None:
    """Raise ``ValueError`` before allocating ``numel`` parameters (of the default dtype)
    that cannot fit in the memory of ``device`` (default: the torch default device): torch
    would fail with its allocator's ``RuntimeError``, or take the machine's swap first."""
    where = torch.get_default_device() if device is None else device
    memory = _memory_of(where)
    if memory is not None:
        element = torch.empty((), dtype=torch.get_default_dtype(), device="meta").element_size()
        check_fits(
            f"the number of parameters of {what}",
            numel,
            element,
            hint=f"lower the sizes given to {what}",
            memory=memory,
            where="this machine" if where.type == "cpu" else str(where),
        )


def make_fc(
    input_dim: int, hidden_sizes: Sequence[int], *, device: torch.device | str | None = None
) -> nn.ModuleList:
    """Return a ``ModuleList`` of fully connected layers ``input_dim -> h_1 -> ... -> h_L``.

    Layer ``l`` is ``nn.Linear(h_{l-1}, h_l)`` with ``h_0 = input_dim``.

    Args:
        input_dim: input features of the first layer.
        hidden_sizes: output features of each layer, one entry per layer.
        device: device to create the layers on; default the torch default device.

    Returns:
        ``nn.ModuleList`` of ``len(hidden_sizes)`` ``nn.Linear`` layers.

    Raises:
        TypeError: if a size is not an int, ``hidden_sizes`` is not a list, or ``device``
            is not a device.
        ValueError: if a size is not positive, ``device`` names no device, or the layers
            would not fit in its memory (checked before anything is allocated).

    Example:
        >>> from lagom.networks import make_fc
        >>> make_fc(3, [4, 5, 6])
        ModuleList(
          (0): Linear(in_features=3, out_features=4, bias=True)
          (1): Linear(in_features=4, out_features=5, bias=True)
          (2): Linear(in_features=5, out_features=6, bias=True)
        )
    """
    sizes = [check_int("input_dim", input_dim, 1), *_check_sizes("hidden_sizes", hidden_sizes)]
    device = _check_device(device)
    numel = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))
    _check_parameter_memory("make_fc", numel, device)
    return nn.ModuleList(
        nn.Linear(n_in, n_out, device=device) for n_in, n_out in itertools.pairwise(sizes)
    )


def make_cnn(
    input_channel: int,
    channels: Sequence[int],
    kernels: Sequence[Size2d],
    strides: Sequence[Size2d],
    paddings: Sequence[Size2d],
    *,
    device: torch.device | str | None = None,
) -> nn.ModuleList:
    """Return a ``ModuleList`` of 2D convolutions, one per entry of the lists.

    Layer ``l`` is ``nn.Conv2d(c_{l-1}, channels[l], kernels[l], strides[l], paddings[l])``
    with ``c_{-1} = input_channel``; on an input ``[N, C, H, W]`` each layer maps a side of
    length ``s`` to ``(s + 2 * padding - kernel) // stride + 1``.

    Args:
        input_channel: channels of the input to the first layer.
        channels: output channels of each layer.
        kernels: kernel size of each layer (int or ``(h, w)``), positive.
        strides: stride of each layer (int or ``(h, w)``), positive.
        paddings: zero padding of each layer (int or ``(h, w)``), non-negative.
        device: device to create the layers on; default the torch default device.

    Returns:
        ``nn.ModuleList`` of ``len(channels)`` ``nn.Conv2d`` layers.

    Raises:
        TypeError: if a list is not a list, a size is not an int (or a pair of ints), or
            ``device`` is not a device.
        ValueError: if the lists differ in length, a size is out of range, ``device``
            names no device, or the layers would not fit in its memory (checked before
            anything is allocated).

    Example:
        >>> from lagom.networks import make_cnn
        >>> make_cnn(input_channel=3, channels=[16, 32], kernels=[4, 3], strides=[2, 1],
        ...          paddings=[1, 0])
        ModuleList(
          (0): Conv2d(3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
          (1): Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1))
        )
    """
    _check_lengths(channels=channels, kernels=kernels, strides=strides, paddings=paddings)
    chans = [check_int("input_channel", input_channel, 1), *_check_sizes("channels", channels)]
    device = _check_device(device)
    sizes = [_check_size2d(f"kernels[{i}]", kernel, 1) for i, kernel in enumerate(kernels)]
    _check_conv_memory("make_cnn", chans, sizes, device)
    return nn.ModuleList(
        nn.Conv2d(
            chans[i],
            chans[i + 1],
            kernel_size=sizes[i],
            stride=_check_size2d(f"strides[{i}]", strides[i], 1),
            padding=_check_size2d(f"paddings[{i}]", paddings[i], 0),
            device=device,
        )
        for i in range(len(channels))
    )


def _check_conv_memory(
    what: str, chans: list[int], kernels: list[tuple[int, int]], device: torch.device | None
) -> None:
    """:func:`_check_parameter_memory` of convolutions ``chans[i] -> chans[i + 1]``."""
    numel = sum(
        (c_in * math.prod(kernel) + 1) * c_out
        for c_in, c_out, kernel in zip(chans[:-1], chans[1:], kernels, strict=True)
    )
    _check_parameter_memory(what, numel, device)


def make_transposed_cnn(
    input_channel: int,
    channels: Sequence[int],
    kernels: Sequence[Size2d],
    strides: Sequence[Size2d],
    paddings: Sequence[Size2d],
    output_paddings: Sequence[Size2d],
    *,
    device: torch.device | str | None = None,
) -> nn.ModuleList:
    """Return a ``ModuleList`` of 2D transposed convolutions, one per entry of the lists.

    Layer ``l`` is ``nn.ConvTranspose2d(c_{l-1}, channels[l], kernels[l], strides[l],
    paddings[l], output_paddings[l])`` with ``c_{-1} = input_channel``; each layer maps a
    side of length ``s`` to ``(s - 1) * stride - 2 * padding + kernel + output_padding``.

    Args:
        input_channel: channels of the input to the first layer.
        channels: output channels of each layer.
        kernels: kernel size of each layer (int or ``(h, w)``), positive.
        strides: stride of each layer (int or ``(h, w)``), positive.
        paddings: zero padding of each layer (int or ``(h, w)``), non-negative.
        output_paddings: extra size added to one side of each layer's output (int or
            ``(h, w)``), non-negative and smaller than the stride.
        device: device to create the layers on; default the torch default device.

    Returns:
        ``nn.ModuleList`` of ``len(channels)`` ``nn.ConvTranspose2d`` layers.

    Raises:
        TypeError: if a list is not a list, a size is not an int (or a pair of ints), or
            ``device`` is not a device.
        ValueError: if the lists differ in length, a size is out of range, ``device``
            names no device, or the layers would not fit in its memory (checked before
            anything is allocated).

    Example:
        >>> from lagom.networks import make_transposed_cnn
        >>> make_transposed_cnn(input_channel=3, channels=[16, 32], kernels=[4, 3],
        ...                     strides=[2, 1], paddings=[1, 0], output_paddings=[1, 0])
        ModuleList(
          (0): ConvTranspose2d(3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
          (1): ConvTranspose2d(16, 32, kernel_size=(3, 3), stride=(1, 1))
        )
    """  # noqa: E501 (the module repr is one line)
    n = _check_lengths(
        channels=channels,
        kernels=kernels,
        strides=strides,
        paddings=paddings,
        output_paddings=output_paddings,
    )
    chans = [check_int("input_channel", input_channel, 1), *_check_sizes("channels", channels)]
    device = _check_device(device)
    sizes = [_check_size2d(f"kernels[{i}]", kernel, 1) for i, kernel in enumerate(kernels)]
    _check_conv_memory("make_transposed_cnn", chans, sizes, device)
    layers = []
    for i in range(n):
        stride = _check_size2d(f"strides[{i}]", strides[i], 1)
        output_padding = _check_size2d(f"output_paddings[{i}]", output_paddings[i], 0)
        if output_padding[0] >= stride[0] or output_padding[1] >= stride[1]:
            raise ValueError(
                f"output_paddings[{i}] must be smaller than strides[{i}], "
                f"got {output_paddings[i]!r} and {strides[i]!r}"
            )
        layers.append(
            nn.ConvTranspose2d(
                chans[i],
                chans[i + 1],
                kernel_size=sizes[i],
                stride=stride,
                padding=_check_size2d(f"paddings[{i}]", paddings[i], 0),
                output_padding=output_padding,
                device=device,
            )
        )
    return nn.ModuleList(layers)
