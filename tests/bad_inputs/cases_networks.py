"""Probe cases of ``lagom.networks`` and of the torch helpers of ``lagom.utils``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from lagom import networks
from tests.bad_inputs.probe import Fresh, Probe

#: Bad tensors for a forward pass, by label.
TENSORS: dict[str, Any] = {
    "None": lambda: None,
    "ndarray": lambda: np.zeros((2, 4), np.float32),
    "str": lambda: "x",
    "width": lambda: torch.zeros(2, 5),
    "0d": lambda: torch.tensor(1.0),
    "int": lambda: torch.zeros(2, 4, dtype=torch.int64),
}


def _tensor_case(probe: Probe, name: str, call: Any, labels: tuple[str, ...], *names: str) -> None:
    for label in labels:
        probe.case(f"{name}({label})", lambda make=TENSORS[label]: call(make()), *names)


class _Net(networks.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 3)


def probe_networks(probe: Probe) -> None:
    here = Path(os.getcwd())
    probe.sweep(
        "make_fc",
        lambda input_dim, hidden_sizes, device: networks.make_fc(
            input_dim, hidden_sizes, device=device
        ),
        {"input_dim": 3, "hidden_sizes": [4, 5], "device": None},
        {"input_dim": "count", "hidden_sizes": "ints", "device": "device"},
    )
    cnn = {
        "input_channel": 3,
        "channels": [4],
        "kernels": [3],
        "strides": [1],
        "paddings": [0],
        "device": None,
    }
    size2d = ("None", "str", "neg", "empty", "[neg]", "[frac]", "[bool]", "[str]", "obj")
    probe.sweep(
        "make_cnn",
        lambda **kwargs: networks.make_cnn(**kwargs),
        cnn,
        {
            "input_channel": "count",
            "channels": "ints",
            "kernels": size2d,
            "strides": size2d,
            "paddings": ("None", "str", "neg", "empty", "[neg]", "[frac]", "[bool]", "obj"),
            "device": "device",
        },
    )
    probe.sweep(
        "make_transposed_cnn",
        lambda **kwargs: networks.make_transposed_cnn(**kwargs),
        {**cnn, "strides": [2], "output_paddings": [1]},
        {
            "input_channel": "count",
            "channels": "ints",
            "kernels": size2d,
            "strides": size2d,
            "paddings": ("None", "str", "neg", "empty", "[neg]", "[frac]", "[bool]", "obj"),
            "output_paddings": ("None", "str", "neg", "empty", "[neg]", "[frac]", "obj"),
            "device": "device",
        },
    )
    probe.sweep(
        "CategoricalHead",
        networks.CategoricalHead,
        {"feature_dim": 4, "num_action": 2, "device": "cpu"},
        {"feature_dim": "count", "num_action": "count", "device": ("None", "neg", "str", "obj")},
    )
    probe.sweep(
        "DiagGaussianHead",
        networks.DiagGaussianHead,
        {"feature_dim": 4, "action_dim": 2, "device": "cpu", "std0": 0.5},
        {
            "feature_dim": "count",
            "action_dim": "count",
            "device": ("None", "neg", "str", "obj"),
            "std0": "pos",
        },
    )
    probe.sweep(
        "MDNHead",
        networks.MDNHead,
        {"in_features": 4, "out_features": 2, "num_density": 3, "device": "cpu"},
        {
            "in_features": "count",
            "out_features": "count",
            "num_density": "count",
            "device": ("None", "neg", "str", "obj"),
        },
    )
    probe.sweep(
        "QEnsemble",
        networks.QEnsemble,
        {"obs_dim": 3, "action_dim": 1, "hidden_sizes": [8], "n": 2, "device": None},
        {
            "obs_dim": "count",
            "action_dim": "count",
            "hidden_sizes": "ints",
            "n": "count",
            "device": "device",
        },
    )
    probe.sweep(
        "LayerNormLSTMCell",
        networks.LayerNormLSTMCell,
        {"input_size": 4, "hidden_size": 5, "device": None},
        {"input_size": "count", "hidden_size": "count", "device": "device"},
    )
    probe.sweep(
        "make_lnlstm",
        lambda input_size, hidden_size, num_layers, device: networks.make_lnlstm(
            input_size, hidden_size, num_layers, device=device
        ),
        {"input_size": 4, "hidden_size": 5, "num_layers": 2, "device": None},
        {"input_size": "count", "hidden_size": "count", "num_layers": "count", "device": "device"},
    )
    probe.sweep(
        "LSTMLayer",
        lambda cell, size: networks.LSTMLayer(cell, size, 5),
        {"cell": networks.LayerNormLSTMCell, "size": 4},
        {"cell": "callable", "size": "count"},
        names={"size": ("input_size",)},
    )
    probe.sweep(
        "StackedLSTM",
        networks.StackedLSTM,
        {
            "num_layers": 2,
            "layer": networks.LSTMLayer,
            "first_layer_args": [networks.LayerNormLSTMCell, 4, 5],
            "other_layer_args": [networks.LayerNormLSTMCell, 5, 5],
        },
        {
            "num_layers": "count",
            "layer": "callable",
            "first_layer_args": ("None", "neg", "obj"),
            "other_layer_args": ("None", "neg", "obj"),
        },
    )
    probe.sweep(
        "linear_lr_scheduler",
        networks.linear_lr_scheduler,
        {
            "optimizer": Fresh(
                lambda: torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            ),
            "N": 4,
            "min_lr": 0.1,
        },
        {"optimizer": "object", "N": "count", "min_lr": "nonneg"},
    )
    probe.sweep(
        "ortho_init",
        networks.ortho_init,
        {
            "module": Fresh(lambda: nn.Linear(2, 3)),
            "nonlinearity": None,
            "weight_scale": 1.0,
            "constant_bias": 0.0,
        },
        {
            "module": "object",
            "nonlinearity": ("neg", "str", "obj"),
            "weight_scale": "real",
            "constant_bias": "real",
        },
    )
    probe.sweep(
        "polyak_update_",
        networks.polyak_update_,
        {
            "targets": Fresh(lambda: [torch.zeros(2)]),
            "sources": Fresh(lambda: [torch.ones(2)]),
            "tau": 0.5,
        },
        {
            "targets": ("None", "str", "neg", "[zero]", "[None]", "obj"),
            "sources": ("None", "str", "neg", "[zero]", "[None]", "obj"),
            "tau": "unit",
        },
    )
    probe.sweep(
        "Module.from_vec",
        lambda x: _Net().from_vec(x),
        {"x": torch.zeros(9)},
        {"x": ("None", "str", "neg", "3d", "obj")},
    )
    probe.sweep("Module.save", lambda f: _Net().save(f), {"f": here / "net.pt"}, {"f": "path"})
    probe.sweep(
        "Module.load",
        lambda f, map_location: _Net().load(f, map_location),
        {"f": here / "net.pt", "map_location": None},
        {"f": "path", "map_location": ("neg", "str", "obj")},
    )

    # ------------------------------------------------------------------ forward passes
    tensors = ("None", "ndarray", "str", "width", "0d", "int")
    _tensor_case(
        probe, "CategoricalHead.forward", networks.CategoricalHead(4, 2, "cpu"), tensors, "x"
    )
    _tensor_case(
        probe, "DiagGaussianHead.forward", networks.DiagGaussianHead(4, 2, "cpu", 0.5), tensors, "x"
    )
    _tensor_case(probe, "MDNHead.forward", networks.MDNHead(4, 2, 3, "cpu"), tensors, "x")
    _tensor_case(probe, "LayerNormLSTMCell.forward", networks.LayerNormLSTMCell(4, 5), tensors, "x")
    sequences = ("None", "ndarray", "str", "width", "int")
    _tensor_case(
        probe,
        "LSTMLayer.forward",
        networks.LSTMLayer(networks.LayerNormLSTMCell, 4, 5),
        sequences,
        "input",
    )
    _tensor_case(probe, "StackedLSTM.forward", networks.make_lnlstm(4, 5, 2), sequences, "input")
    critic = networks.QEnsemble(3, 1, [8], n=2)
    _tensor_case(
        probe,
        "QEnsemble.forward(observations)",
        lambda x: critic(x, torch.zeros(2, 1)),
        ("None", "ndarray", "str", "width", "0d"),
        "observations",
    )
    _tensor_case(
        probe,
        "QEnsemble.forward(actions)",
        lambda x: critic(torch.zeros(2, 3), x),
        ("None", "ndarray", "str", "width", "0d"),
        "actions",
    )
    probe.each(
        "QEnsemble.forward(members={label})",
        lambda b: critic(torch.zeros(2, 3), torch.zeros(2, 1), members=b),
        ("None", "str", "bool", "neg", "zero", "big", "frac", "obj"),
        "members",
    )
    head = networks.MDNHead(4, 2, 3, "cpu")
    logit_pi, mean, std = head(torch.zeros(5, 4))
    probe.sweep(
        "MDNHead.loss",
        head.loss,
        {"logit_pi": logit_pi, "mean": mean, "std": std, "target": torch.zeros(5, 2)},
        {
            "logit_pi": ("None", "str", "neg", "obj"),
            "mean": ("None", "str", "neg", "obj"),
            "std": ("None", "str", "neg", "obj"),
            "target": ("None", "str", "neg", "3d", "obj"),
        },
    )
    probe.sweep(
        "MDNHead.sample",
        head.sample,
        {"logit_pi": logit_pi, "mean": mean, "std": std, "tau": 1.0},
        {
            "logit_pi": ("None", "str", "neg", "obj"),
            "mean": ("None", "str", "neg", "obj"),
            "std": ("None", "str", "neg", "obj"),
            "tau": "pos",
        },
    )
