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
    layers,
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


def test_a_frame_without_its_batch_axis_is_refused_not_encoded_wrongly() -> None:
    # [3, 16, 16] was read as 3 frames [16, 16] of one channel... and gave [16, 196].
    encoder = make_encoder(spaces.Box(0, 255, (3, 16, 16), np.uint8))
    frames = torch.zeros(2, 3, 16, 16, dtype=torch.uint8)
    with pytest.raises(
        ValueError, match=r"CNNEncoder needs observations of shape \[B, 3, 16, 16\]"
    ):
        encoder(frames[0])
    with pytest.raises(ValueError, match=r"got \[2, 16, 16, 3\]"):
        encoder(frames.permute(0, 2, 3, 1))
    with pytest.raises(ValueError, match="on its device cpu, got meta"):
        encoder(torch.zeros(2, 3, 16, 16, device="meta"))
    with pytest.raises(TypeError, match=r"encodes a torch.Tensor of observations, got ndarray"):
        encoder(np.zeros((2, 3, 16, 16), np.uint8))  # type: ignore[arg-type]
    assert encoder(frames[:0]).shape == (0, encoder.out_features)


def test_mlp_encoder_checks_its_rows_and_takes_an_empty_batch() -> None:
    # B = 0 raised "cannot reshape tensor of 0 elements into shape [0, -1]"; a [3] batch
    # raised "mat1 and mat2 shapes cannot be multiplied (3x1 and 3x8)".
    encoder = make_encoder(spaces.Box(-1, 1, (3,)), hidden_sizes=[8])
    assert encoder(torch.zeros(0, 3)).shape == (0, 8)
    for bad in (torch.zeros(3), torch.zeros(4, 2, 3)):
        with pytest.raises(
            ValueError, match=r"MLPEncoder needs observations of shape \[B, \.\.\.\]"
        ):
            encoder(bad)
    scalar = make_encoder(spaces.Box(-1, 1, ()), hidden_sizes=[4])  # a Box of shape (): [B]
    assert scalar(torch.zeros(5)).shape == (5, 4)


def test_dict_encoder_refuses_keys_of_different_batch_sizes() -> None:
    space = spaces.Dict({"a": spaces.Box(-1, 1, (2,)), "b": spaces.Box(-1, 1, (3,))})
    encoder = make_encoder(space)
    with pytest.raises(ValueError, match=r"one batch size B for every key, got \{'a': 2, 'b': 3\}"):
        encoder({"a": torch.zeros(2, 2), "b": torch.zeros(3, 3)})
    assert encoder({"a": torch.zeros(0, 2), "b": torch.zeros(0, 3)}).shape == (0, 5)


@pytest.mark.parametrize("side", [3, 10, 35, 36, 37, 84, 97])
def test_cnn_out_features_match_the_convolutions(side: int) -> None:
    encoder = make_encoder(spaces.Box(0, 255, (side, side + 5, 2), np.uint8))
    features = encoder(torch.zeros(1, side, side + 5, 2, dtype=torch.uint8))
    assert features.shape == (1, encoder.out_features)


def test_a_cnn_too_large_for_the_machine_is_refused_before_allocating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A machine of 1 GiB: a 1000x1000 frame gives the Nature CNN's linear layer 1.8 GiB.
    monkeypatch.setattr(layers, "_memory_of", lambda device: 2**30)
    # 2**30 bytes hold 2**28 float32 parameters.
    with pytest.raises(
        ValueError,
        match=r"the number of parameters of CNNEncoder must be at most 268435456 \(what fits "
        r"in this machine's 1\.0 GiB of memory\)",
    ):
        make_encoder(spaces.Box(0, 255, (3, 1000, 1000), np.uint8))
    assert make_encoder(spaces.Box(0, 255, (3, 84, 84), np.uint8)).out_features == 512
