"""Tests for ``lagom.utils.torch_utils`` (collected only where torch is installed)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from lagom.utils import numpify, set_global_seeds, tensorify


@pytest.fixture
def restore_torch_rng() -> Iterator[None]:
    state = torch.get_rng_state()
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    yield
    torch.set_rng_state(state)
    random.setstate(python_state)
    np.random.set_state(numpy_state)  # noqa: NPY002


def test_tensorify_array_becomes_float32_tensor() -> None:
    for x in (np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]), [1, 2, 3], (1.0, 2.0, 3.0)):
        tensor = tensorify(x, "cpu")
        assert isinstance(tensor, torch.Tensor)
        assert tensor.dtype == torch.float32
        assert tensor.device == torch.device("cpu")
        assert tensor.tolist() == [1.0, 2.0, 3.0]
    assert tensorify(2.5, torch.device("cpu")).item() == 2.5


def test_tensorify_shares_memory_of_float32_arrays() -> None:
    x = np.zeros(3, dtype=np.float32)
    tensorify(x, "cpu")[0] = 1.0
    assert x[0] == 1.0


def test_tensorify_keeps_a_tensor_on_its_device_as_is() -> None:
    x = torch.tensor([1, 2], dtype=torch.int64)
    assert tensorify(x, "cpu") is x
    assert tensorify(x, torch.device("cpu")).dtype == torch.int64


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_tensorify_moves_tensors_and_arrays_to_cuda() -> None:
    assert tensorify(np.ones(2), "cuda").is_cuda
    moved = tensorify(torch.ones(2), "cuda:0")
    assert moved.is_cuda
    assert numpify(moved, np.float64).tolist() == [1.0, 1.0]


def test_numpify() -> None:
    tensor = torch.tensor([1.5, 2.5], requires_grad=True)
    out = numpify(tensor * 2, np.float64)
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float64
    assert out.tolist() == [3.0, 5.0]
    assert numpify(np.array([1.7, 2.2]), np.int64).tolist() == [1, 2]
    assert numpify([1, 2], np.float32).dtype == np.float32
    assert numpify(3, np.float32).shape == ()


def test_set_global_seeds_seeds_torch(restore_torch_rng: None) -> None:
    set_global_seeds(11)
    first = torch.rand(3)
    set_global_seeds(11)
    assert torch.equal(torch.rand(3), first)
    torch.manual_seed(11)
    assert torch.equal(torch.rand(3), first)


@pytest.mark.parametrize(
    ("x", "dtype", "error", "match"),
    [
        (None, np.float32, TypeError, "x must be a tensor, an array or numbers, got NoneType"),
        ("1.5", np.float32, TypeError, "x must be a tensor, an array or numbers, got str"),
        ([[1.0], [1.0, 2.0]], np.float32, ValueError, "x must be a rectangular array"),
        ([1.0], None, TypeError, "dtype must be a numeric numpy dtype .*got None"),
        ([1.0], "not a dtype", TypeError, "dtype must be a numeric numpy dtype"),
        ([1.0], object, TypeError, "dtype must be a numeric numpy dtype .*got object"),
        ([1.0, np.nan], np.int64, ValueError, "x must be finite, got nan at index 1"),
        (torch.tensor([np.inf]), np.int32, ValueError, "x must be finite, got inf at index 0"),
    ],
)
def test_numpify_refuses_what_is_not_numbers(
    x: object, dtype: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        numpify(x, dtype)  # type: ignore[arg-type]


def test_numpify_keeps_nan_in_floats_and_reads_bfloat16() -> None:
    assert np.isnan(numpify([np.nan], np.float32)).all()
    assert numpify(torch.ones(2, dtype=torch.bfloat16), np.float32).tolist() == [1.0, 1.0]


def test_tensorify_refuses_non_numbers_and_unknown_devices() -> None:
    with pytest.raises(TypeError, match="x must be a tensor, an array or numbers, got NoneType"):
        tensorify(None, "cpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="device must name a device such as 'cpu'"):
        tensorify([1.0], "gpu0")
    with pytest.raises(TypeError, match=r"device must be a str .*got NoneType"):
        tensorify([1.0], None)  # type: ignore[arg-type]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda", 0)])
def test_tensorify_names_a_device_this_machine_lacks(device: object) -> None:
    # Before: torch's AssertionError "Torch not compiled with CUDA enabled".
    with pytest.raises(ValueError, match="is not available here"):
        tensorify([1.0], device)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "dtype", "shown"),
    [
        ([1e10], np.int8, "1e10|10000000000"),
        ([300], np.uint8, "300"),
        ([-1], np.uint8, "-1"),
        (torch.tensor([1e10]), np.int32, "1e10|10000000000"),
        (np.array([2**64 - 1], np.uint64), np.int64, "18446744073709551615"),
        # 2.0**63 equals 2**63 - 1 as a float: numpy's own comparison let it through.
        ([2.0**63], np.int64, "9.223372036854776e\\+18"),
    ],
)
def test_numpify_refuses_numbers_outside_an_integer_dtype(
    x: object, dtype: type, shown: str
) -> None:
    # Before: numpy wrapped them around (300 as uint8 is 44) without a word.
    with pytest.raises(ValueError, match=f"x holds ({shown}).*range"):
        numpify(x, dtype)  # type: ignore[arg-type]
    inside = numpify([0, 127], np.int8)
    assert inside.tolist() == [0, 127]
    assert inside.dtype == np.int8


@pytest.mark.filterwarnings("error")
def test_tensorify_copies_arrays_torch_cannot_share() -> None:
    # Negative strides: torch.from_numpy raised; read-only: it warned and shared the memory.
    np.testing.assert_array_equal(tensorify(np.arange(3.0)[::-1], "cpu").numpy(), [2, 1, 0])
    frozen = np.zeros(2, np.float32)
    frozen.setflags(write=False)
    tensor = tensorify(frozen, "cpu")
    tensor += 1
    assert frozen.tolist() == [0.0, 0.0]
    broadcast = tensorify(np.broadcast_to(np.float32(1), (2, 2)), "cpu")
    assert broadcast.tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.parametrize(
    ("convert", "value", "dtype"),
    [
        (lambda x: tensorify(x, "cpu"), np.array([1.0, -1e300]), "float32"),
        (lambda x: numpify(x, np.float32), np.array([1e39]), "float32"),
        (lambda x: numpify(x, np.float32), torch.tensor([1e300], dtype=torch.float64), "float32"),
        (lambda x: numpify(x, np.float16), np.array([70000]), "float16"),
    ],
)
def test_a_finite_number_beyond_a_float_dtype_is_refused(
    convert: Any, value: object, dtype: str
) -> None:
    # Before: silently an infinity, which the metrics then refuse far from its cause.
    with pytest.raises(ValueError, match=rf"x holds .*, outside {dtype}'s range .* infinity"):
        convert(value)


def test_infinities_and_nan_stay_as_they_are() -> None:
    given = np.array([np.inf, -np.inf, np.nan, 3.0])
    assert tensorify(given, "cpu").numpy().tobytes() == given.astype(np.float32).tobytes()
    assert numpify(given, np.float32).tobytes() == given.astype(np.float32).tobytes()
