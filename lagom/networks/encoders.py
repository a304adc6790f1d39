"""Observation encoders: a gymnasium observation space to a feature vector, :func:`make_encoder`.

Every encoder is an ``nn.Module`` with an ``out_features`` attribute that maps a batch of raw
observations, as the environment gives them (``[B, *space.shape]`` of the space's dtype, or a
dict of such batches), to float32 features ``[B, out_features]``:

- a flat ``Box`` (or any ``Box`` with ``kind="mlp"``): flattened, cast to float32, then an
  MLP (:class:`MLPEncoder`; no hidden layer: the flattened observation itself);
- an image ``Box`` (``[H, W]``, ``[H, W, C]`` or ``[C, H, W]``; uint8, bool or float): the
  convolutions of :func:`lagom.networks.make_cnn` (:class:`CNNEncoder`), uint8 scaled by
  1/255 and HWC turned into CHW inside the network, so frames travel and are stored as uint8;
- a ``Dict``: one encoder per key, in sorted key order, their features concatenated
  (:class:`DictEncoder`, Stable-Baselines3's ``CombinedExtractor``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast, overload

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from lagom._checks import check_device, check_int, check_str
from lagom.networks.layers import _check_parameter_memory, make_cnn, make_fc
from lagom.networks.module import Module

__all__ = [
    "CNNEncoder",
    "DictEncoder",
    "EncoderKind",
    "MLPEncoder",
    "TensorMap",
    "is_image_space",
    "make_encoder",
]

#: Which encoder :func:`make_encoder` builds: from the space, or forced.
EncoderKind: TypeAlias = Literal["auto", "mlp", "cnn"]
#: A batch of observations: one tensor, or one per key of a ``Dict`` space.
Observations: TypeAlias = "torch.Tensor | Mapping[str, torch.Tensor]"

_KINDS = ("auto", "mlp", "cnn")
#: The smallest side the Nature CNN (kernels 8, 4, 3; strides 4, 2, 1) takes.
_NATURE_MIN_SIDE = 36


def _check_observations(
    owner: str, x: object, shape: tuple[int, ...] | None, size: int, like: torch.Tensor | None
) -> torch.Tensor:
    """``x``, checked to be a batch ``[B, *shape]`` of real numbers (any ``[B, ...]`` of
    ``size`` numbers a row when ``shape`` is ``None``) on the device of ``like``.

    Raises:
        TypeError: ``x`` is not a tensor of bools, integers or floats.
        ValueError: ``x`` has another shape, or lies on another device: torch would raise
            a message that names no argument, or (a ``[C, H, W]`` frame without its batch
            axis) compute features of the wrong shape silently.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{owner} encodes a torch.Tensor of observations, got {type(x).__name__}")
    if x.is_complex():
        raise TypeError(f"{owner} encodes real observations, got {x.dtype}")
    if shape is not None:
        ok = tuple(x.shape[1:]) == shape and x.dim() == len(shape) + 1
        want = f"[B, {', '.join(map(str, shape))}]"
    else:
        ok = x.dim() >= 1 and math.prod(x.shape[1:]) == size
        want = f"[B, ...] with {size} numbers a row"
    if not ok:
        raise ValueError(f"{owner} needs observations of shape {want}, got {list(x.shape)}")
    if like is not None and x.device != like.device:
        raise ValueError(f"{owner} needs observations on its device {like.device}, got {x.device}")
    return x


def _as_float(x: torch.Tensor, scale: bool) -> torch.Tensor:
    if scale:
        return x.to(torch.float32) * (1.0 / 255.0)
    return x.to(torch.float32)


class TensorMap(Mapping[str, torch.Tensor]):
    """A batch of ``Dict`` observations: one tensor ``[B, ...]`` per key (sorted), which
    indexes like one tensor: ``batch[rows]`` (an index tensor or a slice) selects the rows of
    every key, ``batch["key"]`` gives one key's tensor.

    Example:
        >>> batch = TensorMap({"b": torch.zeros(4, 2), "a": torch.arange(4)})
        >>> list(batch), batch[1:3]["a"].tolist(), len(batch[torch.tensor([0, 0, 3])]["b"])
        (['a', 'b'], [1, 2], 3)
    """

    def __init__(self, tensors: Mapping[str, torch.Tensor]) -> None:
        if not isinstance(tensors, Mapping) or not tensors:
            raise TypeError(f"tensors must be a non-empty dict of tensors, got {tensors!r:.60}")
        self._tensors = {key: tensors[key] for key in sorted(tensors)}

    @overload
    def __getitem__(self, key: str) -> torch.Tensor: ...

    @overload
    def __getitem__(self, key: slice | torch.Tensor) -> TensorMap: ...

    def __getitem__(self, key: str | slice | torch.Tensor) -> torch.Tensor | TensorMap:
        if isinstance(key, str):
            return self._tensors[key]
        return TensorMap({name: x[key] for name, x in self._tensors.items()})

    def __iter__(self) -> Iterator[str]:
        return iter(self._tensors)

    def __len__(self) -> int:
        return len(self._tensors)

    def __repr__(self) -> str:
        shapes = {key: tuple(x.shape) for key, x in self._tensors.items()}
        return f"TensorMap({shapes})"


def is_image_space(space: object) -> bool:
    """Whether ``space`` is a ``Box`` that :func:`make_encoder` treats as an image: 3-D
    (``[H, W, C]`` or ``[C, H, W]``), or 2-D uint8 (one grayscale frame ``[H, W]``).

    Example:
        >>> import numpy as np
        >>> is_image_space(spaces.Box(0, 255, (84, 84), np.uint8))
        True
        >>> is_image_space(spaces.Box(-1, 1, (4,)))
        False
    """
    if not isinstance(space, spaces.Box):
        return False
    ndim = len(space.shape)
    return ndim == 3 or (ndim == 2 and space.dtype == np.uint8)


def _image_layout(shape: tuple[int, ...]) -> tuple[bool, int, int, int]:
    """``(channels_last, C, H, W)`` of an image shape: the channels are its smallest side
    (Stable-Baselines3's rule), a 2-D frame has one."""
    if len(shape) == 2:
        return False, 1, shape[0], shape[1]
    if int(np.argmin(shape)) == 0:
        return False, shape[0], shape[1], shape[2]
    return True, shape[2], shape[0], shape[1]


class MLPEncoder(Module):
    """Flatten ``[B, *shape]`` observations, cast them to float32 and apply an MLP
    (``hidden_sizes``, each layer followed by ``activation``); no layer: the flat input.

    Attributes:
        out_features: the last hidden size, or the flat input size without layers.

    Example:
        >>> encoder = MLPEncoder(6, [8], "tanh")
        >>> encoder(torch.zeros(5, 2, 3)).shape, encoder.out_features
        (torch.Size([5, 8]), 8)
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int] = (),
        activation: Literal["relu", "tanh"] = "relu",
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        in_features = check_int("in_features", in_features)
        check_str("activation", activation, ("relu", "tanh"))
        self.activation = torch.tanh if activation == "tanh" else torch.relu
        self.in_features = in_features
        self.layers = make_fc(in_features, hidden_sizes, device=device)
        self.out_features = int(hidden_sizes[-1]) if len(hidden_sizes) else in_features

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Features ``[B, out_features]``.

        Raises:
            TypeError: ``observations`` is not a tensor of real numbers.
            ValueError: its rows do not hold ``in_features`` numbers each, or it is on
                another device than the layers.
        """
        like = cast(nn.Linear, self.layers[0]).weight if len(self.layers) else None
        observations = _check_observations("MLPEncoder", observations, None, self.in_features, like)
        x = _as_float(observations.reshape(len(observations), self.in_features), scale=False)
        for layer in self.layers:
            x = self.activation(layer(x))
        return x

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


class CNNEncoder(Module):
    r"""Convolutions over image observations ``[B, H, W, C]``, ``[B, C, H, W]`` or
    ``[B, H, W]`` (see :func:`is_image_space`), then ReLU after each and a flatten.

    uint8 images are scaled by 1/255 and channels-last images permuted to ``[B, C, H, W]``
    inside the network. Two architectures, picked by the image's smaller side ``s``:

    - ``s >= 36``: the Nature CNN (Mnih et al., 2015): 32 8x8 stride 4, 64 4x4 stride 2,
      64 3x3 stride 1, then a linear layer to 512 features and ReLU (as Stable-Baselines3's
      ``NatureCNN``);
    - smaller (MinAtar's 10x10): one convolution of 16 3x3 stride 1, as in MinAtar's DQN
      (Young & Tian, 2019): ``16 (H - 2) (W - 2)`` features.

    Raises:
        TypeError: ``space`` is not a Box.
        ValueError: ``space`` is not an image, or a side is smaller than 3.

    Example:
        >>> minatar = CNNEncoder(spaces.Box(0, 1, (10, 10, 4), bool))
        >>> minatar(torch.zeros(2, 10, 10, 4, dtype=torch.bool)).shape, minatar.out_features
        (torch.Size([2, 1024]), 1024)
        >>> atari = CNNEncoder(spaces.Box(0, 255, (4, 84, 84), np.uint8))
        >>> atari(torch.zeros(2, 4, 84, 84, dtype=torch.uint8)).shape
        torch.Size([2, 512])
    """

    def __init__(self, space: spaces.Box, device: torch.device | str | None = None) -> None:
        super().__init__()
        if not isinstance(space, spaces.Box):
            raise TypeError(f"space must be a gymnasium Box, got {space!r:.60}")
        if not is_image_space(space):
            raise ValueError(
                f"CNNEncoder needs an image Box ([H, W, C], [C, H, W] or uint8 [H, W]), got {space}"
            )
        shape = tuple(int(n) for n in space.shape)
        self.channels_last, channels, height, width = _image_layout(shape)
        if min(height, width) < 3:
            raise ValueError(f"CNNEncoder needs images of at least 3x3, got {space}")
        self.obs_shape, self.scale = shape, space.dtype == np.uint8
        dev = None if device is None else check_device("device", device)
        nature = min(height, width) >= _NATURE_MIN_SIDE
        chans, kernels, strides = (
            ([32, 64, 64], [8, 4, 3], [4, 2, 1]) if nature else ([16], [3], [1])
        )
        self.convs = make_cnn(channels, chans, kernels, strides, [0] * len(chans), device=dev)
        # The flat size by the convolutions' formula (no dummy forward over a large image).
        for kernel, stride in zip(kernels, strides, strict=True):
            height, width = (height - kernel) // stride + 1, (width - kernel) // stride + 1
        n_flat = chans[-1] * height * width
        if len(self.convs) == 3:
            _check_parameter_memory("CNNEncoder", (n_flat + 1) * 512, dev)
        self.linear = nn.Linear(n_flat, 512, device=dev) if len(self.convs) == 3 else None
        self.out_features = int(n_flat) if self.linear is None else 512

    def _conv(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = torch.relu(conv(x))
        return x.flatten(1)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Features ``[B, out_features]`` of images ``[B, *space.shape]``.

        Raises:
            TypeError: ``observations`` is not a tensor of real numbers.
            ValueError: it is not ``[B, *space.shape]`` (a frame without its batch axis
                included), or it is on another device than the convolutions.
        """
        like = cast(nn.Conv2d, self.convs[0]).weight
        observations = _check_observations("CNNEncoder", observations, self.obs_shape, 0, like)
        x = _as_float(observations, self.scale)
        if len(self.obs_shape) == 2:
            x = x[:, None]
        elif self.channels_last:
            x = x.permute(0, 3, 1, 2)
        x = self._conv(x)
        return x if self.linear is None else torch.relu(self.linear(x))

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


class DictEncoder(Module):
    """One encoder per key of a ``Dict`` observation, their features concatenated in sorted
    key order: ``[B, sum of out_features]``.

    Raises:
        TypeError: ``encoders`` is not a non-empty dict of encoders (modules with an int
            ``out_features``).

    Example:
        >>> encoder = DictEncoder({"goal": MLPEncoder(2), "obs": MLPEncoder(3)})
        >>> batch = {"obs": torch.ones(4, 3), "goal": torch.zeros(4, 2)}
        >>> encoder(batch).shape, encoder(batch)[0].tolist()
        (torch.Size([4, 5]), [0.0, 0.0, 1.0, 1.0, 1.0])
    """

    def __init__(self, encoders: Mapping[str, nn.Module]) -> None:
        super().__init__()
        if not isinstance(encoders, Mapping) or not encoders:
            raise TypeError(f"encoders must be a non-empty dict of modules, got {encoders!r:.60}")
        for key, encoder in encoders.items():
            if not isinstance(encoder, nn.Module) or not isinstance(
                getattr(encoder, "out_features", None), int
            ):
                raise TypeError(
                    f"encoders[{key!r}] must be a module with an int out_features, got "
                    f"{type(encoder).__name__}"
                )
        self.keys = sorted(encoders)
        self.encoders = nn.ModuleDict({key: encoders[key] for key in self.keys})
        self.out_features: int = sum(_out_features(encoders[key]) for key in self.keys)

    def forward(self, observations: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Features ``[B, out_features]`` of a dict of ``[B, ...]`` batches (one per key)."""
        if not isinstance(observations, Mapping):
            raise TypeError(
                f"DictEncoder encodes a dict of tensors (keys {self.keys}), got "
                f"{type(observations).__name__}"
            )
        missing = [key for key in self.keys if key not in observations]
        if missing:
            raise ValueError(f"observations lack the keys {missing} (expected {self.keys})")
        features = [self.encoders[key](observations[key]) for key in self.keys]
        sizes = {key: len(x) for key, x in zip(self.keys, features, strict=True)}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"observations must have one batch size B for every key, got {sizes}")
        return torch.cat(features, dim=1)

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


def _out_features(module: nn.Module) -> int:
    out = getattr(module, "out_features", None)
    if not isinstance(out, int):
        raise TypeError(f"an encoder must have an int out_features, got {type(module).__name__}")
    return out


def _check_sizes(hidden_sizes: object) -> None:
    """Raise unless ``hidden_sizes`` is a list of ints ``>= 1`` (empty: no layer)."""
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise TypeError(f"hidden_sizes must be a list of ints, got {type(hidden_sizes).__name__}")
    for i, size in enumerate(hidden_sizes):
        check_int(f"hidden_sizes[{i}]", size)


@overload
def make_encoder(
    space: spaces.Box,
    kind: Literal["mlp"],
    *,
    hidden_sizes: Sequence[int] = (),
    activation: Literal["relu", "tanh"] = "relu",
    device: torch.device | str | None = None,
) -> MLPEncoder: ...


@overload
def make_encoder(
    space: spaces.Box,
    kind: Literal["cnn"],
    *,
    hidden_sizes: Sequence[int] = (),
    activation: Literal["relu", "tanh"] = "relu",
    device: torch.device | str | None = None,
) -> CNNEncoder: ...


@overload
def make_encoder(
    space: spaces.Box,
    kind: EncoderKind = "auto",
    *,
    hidden_sizes: Sequence[int] = (),
    activation: Literal["relu", "tanh"] = "relu",
    device: torch.device | str | None = None,
) -> MLPEncoder | CNNEncoder: ...


@overload
def make_encoder(
    space: spaces.Space[Any],
    kind: EncoderKind = "auto",
    *,
    hidden_sizes: Sequence[int] = (),
    activation: Literal["relu", "tanh"] = "relu",
    device: torch.device | str | None = None,
) -> MLPEncoder | CNNEncoder | DictEncoder: ...


def make_encoder(
    space: spaces.Space[Any],
    kind: EncoderKind = "auto",
    *,
    hidden_sizes: Sequence[int] = (),
    activation: Literal["relu", "tanh"] = "relu",
    device: torch.device | str | None = None,
) -> MLPEncoder | CNNEncoder | DictEncoder:
    """The encoder of observations of ``space``; its ``out_features`` says how many features.

    ``kind="auto"`` picks from the space: a :class:`CNNEncoder` for an image Box
    (:func:`is_image_space`), an :class:`MLPEncoder` with ``hidden_sizes`` for any other Box,
    and for a ``Dict`` a :class:`DictEncoder` of the keys' own ``"auto"`` encoders (images
    through a CNN, the other keys flattened: the layers on top are the caller's).
    ``"mlp"`` flattens everything (a Dict's keys too); ``"cnn"`` insists on an image Box (a
    ``Dict``: as ``"auto"``, with at least one image key).

    Raises:
        TypeError: ``space`` is not a Box or a Dict of Boxes (the message names the space),
            or ``hidden_sizes`` is not a list of ints.
        ValueError: a hidden size is below 1, ``kind`` is not one of ``"auto"``, ``"mlp"``,
            ``"cnn"``, or ``"cnn"`` is asked of a space without images.

    Example:
        >>> make_encoder(spaces.Box(-1, 1, (3,)), hidden_sizes=[16]).out_features
        16
        >>> make_encoder(spaces.Box(0, 1, (10, 10, 4), bool)).out_features
        1024
        >>> goal = spaces.Dict({"observation": spaces.Box(-1, 1, (2,)),
        ...                     "desired_goal": spaces.Box(-1, 1, (2,))})
        >>> make_encoder(goal).out_features
        4
        >>> make_encoder(spaces.Discrete(3))
        Traceback (most recent call last):
        ...
        TypeError: make_encoder encodes a Box or a Dict of Boxes, got Discrete(3)
    """
    check_str("kind", kind, _KINDS)
    _check_sizes(hidden_sizes)
    if isinstance(space, spaces.Dict):
        encoders: dict[str, nn.Module] = {}
        for key, sub in space.spaces.items():
            if not isinstance(sub, spaces.Box):
                raise TypeError(
                    f"make_encoder encodes a Dict of Boxes, but key {key!r} holds {sub}"
                )
            sub_kind: EncoderKind = "mlp" if kind == "mlp" else "auto"
            encoders[key] = make_encoder(sub, sub_kind, activation=activation, device=device)
        if kind == "cnn" and not any(isinstance(e, CNNEncoder) for e in encoders.values()):
            raise ValueError(f"encoder 'cnn' needs an image key, but the Dict has none: {space}")
        return DictEncoder(encoders)
    if not isinstance(space, spaces.Box):
        raise TypeError(f"make_encoder encodes a Box or a Dict of Boxes, got {space}")
    if kind == "cnn" or (kind == "auto" and is_image_space(space)):
        return CNNEncoder(space, device=device)
    in_features = int(np.prod(space.shape))
    return MLPEncoder(in_features, hidden_sizes, activation, device=device)
