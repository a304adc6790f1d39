"""Tests for ``lagom.vis.grid_image``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from lagom.vis import GridImage
from tests.strategies.vis import grid_settings, image_batches


def _reference_grid(
    images: np.ndarray[Any, Any], ncol: int, padding: int, pad_value: float
) -> np.ndarray[Any, Any]:
    """Pixel by pixel: which image (if any) covers output pixel (i, j)?"""
    N, C, h, w = images.shape
    cols = min(N, ncol)
    rows = math.ceil(N / cols)
    H, W = rows * (h + padding) + padding, cols * (w + padding) + padding
    out = np.zeros([H, W, 3], dtype=np.uint8)
    for i in range(H):
        for j in range(W):
            r, a = divmod(i - padding, h + padding)
            c, b = divmod(j - padding, w + padding)
            n = r * cols + c
            inside = i >= padding and j >= padding and a < h and b < w and n < N
            for k in range(3):
                if inside:
                    out[i, j, k] = images[n, k if C == 3 else 0, a, b]
                else:
                    out[i, j, k] = round(pad_value)
    return out


def test_reference_example() -> None:
    grid = GridImage(ncol=8, padding=5, pad_value=0)
    a = np.random.default_rng(3).integers(0, 255 + 1, size=[10, 3, 64, 64])
    grid.add(a)
    image = grid()
    assert image.dtype == np.uint8
    # 2 rows of 8 columns: 2 * (64 + 5) + 5 by 8 * (64 + 5) + 5.
    assert image.shape == (143, 557, 3)
    np.testing.assert_array_equal(image[5:69, 5:69], a[0].transpose(1, 2, 0))
    np.testing.assert_array_equal(image[74:138, 74:138], a[9].transpose(1, 2, 0))
    assert (image[74:, 143:] == 0).all()  # the empty cells of the last row are padding


def test_exact_layout_of_a_small_grid() -> None:
    grid = GridImage(ncol=2, padding=1, pad_value=9)
    grid.add(np.array([[[[1, 2]]], [[[3, 4]]], [[[5, 6]]]], dtype=np.uint8))  # 3 gray 1x2
    expected = np.array(
        [
            [9, 9, 9, 9, 9, 9, 9],
            [9, 1, 2, 9, 3, 4, 9],
            [9, 9, 9, 9, 9, 9, 9],
            [9, 5, 6, 9, 9, 9, 9],
            [9, 9, 9, 9, 9, 9, 9],
        ],
        dtype=np.uint8,
    )
    image = grid()
    assert image.shape == (5, 7, 3)
    for k in range(3):  # gray is repeated on every channel
        np.testing.assert_array_equal(image[..., k], expected)


def test_rgb_channels_stay_in_place() -> None:
    rgb = np.array([[[10]], [[20]], [[30]]], dtype=np.uint8)  # one [3, 1, 1] image
    grid = GridImage(padding=0)
    grid.add(rgb)
    np.testing.assert_array_equal(grid(), [[[10, 20, 30]]])


@given(images=image_batches(), settings=grid_settings)
def test_matches_pixel_by_pixel_reference(
    images: np.ndarray[Any, Any], settings: tuple[int, int, int]
) -> None:
    ncol, padding, pad_value = settings
    grid = GridImage(ncol=ncol, padding=padding, pad_value=pad_value)
    grid.add(images)
    np.testing.assert_array_equal(grid(), _reference_grid(images, ncol, padding, pad_value))


@given(images=image_batches(float_01=True))
def test_floats_in_unit_range_are_scaled_to_255(images: np.ndarray[Any, Any]) -> None:
    grid = GridImage(ncol=3, padding=1, pad_value=0)
    grid.add(images)
    as_bytes = np.floor(images * 255 + 0.5).astype(np.uint8)  # round half up
    expected = _reference_grid(as_bytes, 3, 1, 0)
    # np.rint rounds halves to even: allow a difference of one on exact halves.
    assert np.abs(grid().astype(int) - expected.astype(int)).max() <= 1


def test_float_images_in_0_255_are_kept_and_rounded() -> None:
    grid = GridImage(padding=0)
    grid.add(np.array([[2.4, 100.6, 255.0]]))
    np.testing.assert_array_equal(grid()[..., 0], [[2, 101, 255]])


def test_batches_added_one_by_one_equal_one_batch() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=[5, 3, 2, 3]).astype(np.uint8)
    whole, parts = GridImage(ncol=2), GridImage(ncol=2)
    whole.add(images)
    parts.add(images[0])  # [C, H, W]
    parts.add(list(images[1:3]))  # a list of [C, H, W]
    parts.add(images[3:])
    assert len(parts) == 5
    np.testing.assert_array_equal(parts(), whole())


def test_single_gray_image_hw() -> None:
    grid = GridImage(padding=1, pad_value=255)
    grid.add([[0, 128]])
    np.testing.assert_array_equal(grid()[..., 1], [[255] * 4, [255, 0, 128, 255], [255] * 4])


def test_call_overrides_settings_for_that_call_only() -> None:
    grid = GridImage(ncol=1, padding=0, pad_value=0)
    grid.add(np.ones([2, 1, 1, 1], dtype=np.uint8))
    # Two one-pixel images side by side, a border of 7 around and between them.
    wide = [[7, 7, 7, 7, 7], [7, 1, 7, 1, 7], [7, 7, 7, 7, 7]]
    np.testing.assert_array_equal(grid(ncol=2, padding=1, pad_value=7), np.dstack([wide] * 3))
    np.testing.assert_array_equal(grid(), np.ones((2, 1, 3)))  # the settings given at init


def test_vec_env_usage() -> None:
    # What VecEnv.render does: [N, H, W, C] frames to [N, C, H, W], then an [H, W, C] grid.
    frames = np.arange(2 * 4 * 6 * 3, dtype=np.uint8).reshape(2, 4, 6, 3)
    grid = GridImage(ncol=5, padding=5, pad_value=0)
    grid.add(frames.transpose(0, 3, 1, 2))
    image = np.asarray(grid(), dtype=np.uint8)
    assert image.shape == (4 + 10, 2 * 6 + 15, 3)
    np.testing.assert_array_equal(image[5:9, 5:11], frames[0])
    np.testing.assert_array_equal(image[5:9, 16:22], frames[1])


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.zeros([2, 4, 4, 3]), r"channels last \[N, H, W, C\].*transpose\(0, 3, 1, 2\)"),
        (np.zeros([4, 4, 3]), r"one channels-last \[H, W, C\] image.*transpose\(2, 0, 1\)"),
        (np.zeros([5, 4, 4]), r"N gray images \[N, H, W\] pass x\[:, None\]"),
        (np.zeros([1, 1, 2, 2, 2]), r"got shape \(1, 1, 2, 2, 2\)"),
        (np.zeros([4]), r"got shape \(4,\)"),
        (np.zeros([0, 3, 2, 2]), "none of them empty"),
        (np.full([1, 2], 256), r"\[0, 255\].*got values in \[256, 256\]"),
        (np.full([1, 2], -1), r"\[0, 255\]"),
        (np.array([[0.5, 300.0]]), r"\[0, 255\]"),
        (np.array([[0.5, np.nan]]), "finite"),
    ],
)
def test_add_rejects_bad_images(x: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GridImage().add(x)


def test_add_rejects_other_types_and_sizes() -> None:
    with pytest.raises(TypeError, match="list or ndarray"):
        GridImage().add("image")
    with pytest.raises(TypeError, match="real numbers"):
        GridImage().add(np.array([["a", "b"]]))
    grid = GridImage()
    grid.add(np.zeros([1, 2, 2]))
    with pytest.raises(ValueError, match=r"same \[H, W\], got \[2, 3\] after \[2, 2\]"):
        grid.add(np.zeros([1, 2, 3]))


def test_bad_settings() -> None:
    with pytest.raises(ValueError, match="no images"):
        GridImage()()
    with pytest.raises(ValueError, match="ncol must be at least 1"):
        GridImage(ncol=0)
    with pytest.raises(ValueError, match="padding must be at least 0"):
        GridImage(padding=-1)
    with pytest.raises(ValueError, match=r"pad_value must be in \[0, 255\], got 256"):
        GridImage(pad_value=256)
    with pytest.raises(TypeError, match="pad_value must be a real number"):
        GridImage(pad_value="white")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ncol must be an int"):
        GridImage(ncol=2.0)  # type: ignore[arg-type]


def test_huge_padding_and_pad_value_are_refused_up_front() -> None:
    with pytest.raises(ValueError, match="pad_value must fit in a float"):
        GridImage(pad_value=10**400)
    with pytest.raises(ValueError, match="padding must be at most 4096, got"):
        GridImage(padding=10**30)
    grid = GridImage()
    grid.add(np.zeros([1, 1, 2, 2]))
    with pytest.raises(ValueError, match="padding must be at most 4096, got"):
        grid(padding=10**30)
    assert grid(padding=4096).shape == (2 * 4096 + 2, 2 * 4096 + 2, 3)


def test_a_ragged_list_names_the_shape_expected() -> None:
    with pytest.raises(ValueError, match=r"expected images of one shape \[N, C, H, W\]"):
        GridImage().add([np.zeros((1, 2, 2)), np.zeros((1, 3, 3))])


def test_bool_images_are_black_and_white() -> None:
    # Read as the integers 0 and 1, a mask would be drawn all but black.
    grid = GridImage(ncol=2, padding=0)
    grid.add(np.array([[[True, False]]]))
    np.testing.assert_array_equal(grid()[0, :, 0], [255, 0])
