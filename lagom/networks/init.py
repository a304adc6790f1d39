"""Orthogonal initialization of elementary layers (`ortho_init`)."""

from __future__ import annotations

from torch import nn

from lagom._checks import check_real

__all__ = ["ortho_init"]

_NONLINEARITIES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
)


def ortho_init(
    module: nn.Module,
    nonlinearity: str | None = None,
    weight_scale: float = 1.0,
    constant_bias: float = 0.0,
) -> None:
    """Apply orthogonal initialization to the parameters of one elementary layer, in place.

    Every weight matrix ``W`` of the layer itself (its own parameters whose name starts with
    ``weight`` and that have at least 2 dimensions, e.g. ``weight`` of ``nn.Linear`` and
    ``nn.Conv2d``, ``weight_ih_l0``/``weight_hh_l0`` of ``nn.LSTM``) is set by
    ``nn.init.orthogonal_(W, gain)``: viewed as a matrix ``[rows, cols]`` (``rows =
    W.shape[0]``), it satisfies ``W Wᵀ = gain² I`` when ``rows <= cols`` and
    ``Wᵀ W = gain² I`` otherwise. Every own parameter named ``bias*`` is set to
    ``constant_bias``. The gain is ``nn.init.calculate_gain(nonlinearity)`` when a
    nonlinearity is given, else ``weight_scale``.

    Only elementary layers are supported (``nn.Linear``, ``nn.Conv2d``, ``nn.LSTM``,
    `LayerNormLSTMCell`, ...): parameters of submodules are left untouched.

    Args:
        module: the layer to initialize.
        nonlinearity: nonlinearity that follows the layer (``'relu'``, ``'tanh'``, ...); when
            given, its gain is used and ``weight_scale`` is ignored. Default: ``None``.
        weight_scale: gain of the orthogonal weights when ``nonlinearity`` is ``None``.
            Default: ``1.0``.
        constant_bias: value of every bias. Default: ``0.0``.

    Raises:
        TypeError: if ``module`` is not an ``nn.Module``, or ``weight_scale`` or
            ``constant_bias`` is not a real number.
        ValueError: if ``nonlinearity`` is unknown, ``weight_scale`` or ``constant_bias`` is
            NaN or infinite, or the module has no weight matrix of its own (a container such
            as ``nn.Sequential``).

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from lagom.networks import ortho_init
        >>> a = nn.Linear(2, 3)
        >>> ortho_init(a)
        >>> a.bias
        Parameter containing:
        tensor([0., 0., 0.], requires_grad=True)
        >>> torch.allclose(a.weight.T @ a.weight, torch.eye(2), atol=1e-6)
        True
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    weight_scale = check_real("weight_scale", weight_scale, finite=True)
    constant_bias = check_real("constant_bias", constant_bias, finite=True)
    if nonlinearity is not None:
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(
                f"nonlinearity must be one of {_NONLINEARITIES} or None, got {nonlinearity!r}"
            )
        gain = nn.init.calculate_gain(nonlinearity)  # type: ignore[arg-type]
    else:
        gain = weight_scale
    params = list(module.named_parameters(recurse=False))
    weights = [p for name, p in params if name.startswith("weight") and p.ndim >= 2]
    if not weights:
        raise ValueError(
            f"ortho_init supports elementary layers with a weight matrix of their own, "
            f"got {type(module).__name__} with own parameters {[name for name, _ in params]}"
        )
    for weight in weights:
        nn.init.orthogonal_(weight, gain=gain)
    for name, p in params:
        if name.startswith("bias"):
            nn.init.constant_(p, constant_bias)
