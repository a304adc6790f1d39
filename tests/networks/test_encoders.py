"""Tests of ``lagom.networks.encoders``: which encoder a space gets, shapes, scaling, layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium import spaces

from lagom.networks import (
    CNNEncoder,
    DictEncoder,
    MLPEncoder,
    TensorMap,
    is_image_space,
    make_encoder,
)

MINATAR = spaces.Box(0, 1, (10, 10, 4), bool)
ATARI = spaces.Box(0, 255, (4, 84, 84), np.uint8)


def test_each_space_gets_its_encoder() -> None:
    assert isinstance(make_encoder(spaces.Box(-1, 1, (3,))), MLPEncoder)
    assert isinstance(make_encoder(MINATAR), CNNEncoder)
    assert isinstance(make_encoder(MINATAR, "mlp"), MLPEncoder)
    assert make_encoder(MINATAR, "mlp").out_features == 400
    assert isinstance(make_encoder(spaces.Box(0, 255, (84, 84), np.uint8)), CNNEncoder)
    assert not is_image_space(spaces.Box(-1, 1, (3, 2)))  # a float matrix is no image
    goal = spaces.Dict({"pixels": MINATAR, "goal": spaces.Box(-1, 1, (2,))})
    encoder = make_encoder(goal)
    assert isinstance(encoder, DictEncoder)
    assert encoder.out_features == 1024 + 2


def test_nature_cnn_shapes_and_channel_layouts_agree() -> None:
    """The same pixels given HWC or CHW give the same features with the same weights."""
    chw = make_encoder(ATARI)
    assert chw.out_features == 512
    hwc = make_encoder(spaces.Box(0, 255, (84, 84, 4), np.uint8))
    hwc.load_state_dict(chw.state_dict())
    frames = torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8)
    torch.testing.assert_close(hwc(frames.permute(0, 2, 3, 1)), chw(frames))


def test_uint8_is_scaled_by_1_over_255_inside_the_network() -> None:
    uint8 = make_encoder(spaces.Box(0, 255, (5, 5, 2), np.uint8))
    floats = make_encoder(spaces.Box(0.0, 1.0, (5, 5, 2), np.float32))
    floats.load_state_dict(uint8.state_dict())
    pixels = torch.randint(0, 256, (3, 5, 5, 2), dtype=torch.uint8)
    torch.testing.assert_close(uint8(pixels), floats(pixels.float() / 255.0))
    # MinAtar's small convolution: 16 channels of 3x3 over a 5x5 image -> 16 * 3 * 3.
    assert uint8.out_features == 144


def test_dict_encoder_concatenates_in_sorted_key_order() -> None:
    space = spaces.Dict({"b": spaces.Box(-1, 1, (2,)), "a": spaces.Box(-1, 1, (1,))})
    out = make_encoder(space)({"b": torch.tensor([[2.0, 3.0]]), "a": torch.tensor([[1.0]])})
    assert out.tolist() == [[1.0, 2.0, 3.0]]
    batch = TensorMap({"b": torch.zeros(4, 2), "a": torch.zeros(4, 1)})
    assert make_encoder(space)(batch[torch.tensor([0, 2])]).shape == (2, 3)


def test_unsupported_spaces_are_refused_with_a_message() -> None:
    with pytest.raises(TypeError, match="Box or a Dict of Boxes, got Discrete"):
        make_encoder(spaces.Discrete(3))
    with pytest.raises(TypeError, match="key 'k' holds Discrete"):
        make_encoder(spaces.Dict({"k": spaces.Discrete(2)}))
    with pytest.raises(ValueError, match="image"):
        make_encoder(spaces.Box(-1, 1, (3,)), "cnn")
    with pytest.raises(ValueError, match="kind"):
        make_encoder(MINATAR, "resnet")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 3x3"):
        make_encoder(spaces.Box(0, 255, (2, 2, 1), np.uint8))
