"""Neural-network building blocks: `Module`, initialization, layer builders, observation
encoders (`make_encoder`: MLP, CNN, Dict), heads, LSTMs,
fused critic ensembles (`QEnsemble`) and in-place Polyak averaging (`polyak_update_`).

Everything here is a plain ``torch.nn.Module`` (no TorchScript) that runs on any device and
under ``torch.compile``.

Example:
    >>> import torch
    >>> from lagom.networks import CategoricalHead, make_fc
    >>> layers = make_fc(4, [8, 8])
    >>> head = CategoricalHead(8, 2, 'cpu')
    >>> x = torch.randn(3, 4)
    >>> for layer in layers:
    ...     x = torch.relu(layer(x))
    >>> head(x).sample().shape
    torch.Size([3])
"""

from __future__ import annotations

from lagom.networks.encoders import (
    CNNEncoder,
    DictEncoder,
    EncoderKind,
    MLPEncoder,
    TensorMap,
    is_image_space,
    make_encoder,
)
from lagom.networks.ensemble import QEnsemble
from lagom.networks.heads import CategoricalHead, DiagGaussianHead
from lagom.networks.init import ortho_init
from lagom.networks.layers import make_cnn, make_fc, make_transposed_cnn
from lagom.networks.lnlstm import LSTMLayer, StackedLSTM, make_lnlstm
from lagom.networks.lnlstm_cell import LayerNormLSTMCell, LSTMState
from lagom.networks.lr_scheduler import linear_lr_scheduler
from lagom.networks.mdn import MDNHead
from lagom.networks.module import Module
from lagom.networks.polyak import polyak_update_

__all__ = [
    "CNNEncoder",
    "CategoricalHead",
    "DiagGaussianHead",
    "DictEncoder",
    "EncoderKind",
    "LSTMLayer",
    "LSTMState",
    "LayerNormLSTMCell",
    "MDNHead",
    "MLPEncoder",
    "Module",
    "QEnsemble",
    "StackedLSTM",
    "TensorMap",
    "is_image_space",
    "linear_lr_scheduler",
    "make_cnn",
    "make_encoder",
    "make_fc",
    "make_lnlstm",
    "make_transposed_cnn",
    "ortho_init",
    "polyak_update_",
]
