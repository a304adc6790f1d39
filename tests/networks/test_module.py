"""Tests of `lagom.networks.module.Module`: counts, flat vectors, checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector

from lagom.networks import Module

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


class _Net(Module):
    """Linear + conv + batch norm (a buffer) + a frozen linear part."""

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__(name="net")
        self.fc = nn.Linear(3, 4, device=device)
        self.conv = nn.Conv2d(2, 3, 2, device=device)
        self.norm = nn.BatchNorm1d(4, device=device)
        self.frozen = nn.Linear(4, 2, device=device)
        self.frozen.requires_grad_(False)


def _params(net: nn.Module) -> list[torch.Tensor]:
    return list(net.parameters())


def test_kwargs_become_attributes() -> None:
    net = Module(device="cpu", hidden=3)
    assert net.device == "cpu"
    assert net.hidden == 3


def test_counts_match_numel_sums() -> None:
    net = _Net()
    expected_total = 3 * 4 + 4 + 2 * 3 * 2 * 2 + 3 + 4 + 4 + 4 * 2 + 2
    assert net.num_params == expected_total == sum(p.numel() for p in net.parameters())
    assert net.num_untrainable_params == 4 * 2 + 2
    assert net.num_trainable_params == expected_total - (4 * 2 + 2)


def test_module_without_parameters() -> None:
    net = Module()
    assert (net.num_params, net.num_trainable_params, net.num_untrainable_params) == (0, 0, 0)
    assert net.to_vec().shape == (0,)
    net.from_vec(torch.empty(0))


def test_to_vec_is_the_concatenation_of_flattened_parameters() -> None:
    torch.manual_seed(0)
    net = _Net()
    expected = torch.cat([p.detach().flatten() for p in _params(net)])
    vec = net.to_vec()
    assert torch.equal(vec, expected)
    assert torch.equal(vec, parameters_to_vector(net.parameters()))
    assert not vec.requires_grad
    vec.add_(1.0)  # a copy: the network is untouched
    assert torch.equal(net.to_vec(), expected)


def test_from_vec_to_vec_round_trip_is_bitwise() -> None:
    torch.manual_seed(1)
    net = _Net()
    x = torch.randn(net.num_params) * 1e3
    identities = [id(p) for p in net.parameters()]
    net.from_vec(x)
    assert torch.equal(net.to_vec(), x)
    assert [id(p) for p in net.parameters()] == identities
    pointer = 0
    for p in _params(net):
        assert torch.equal(p.detach().flatten(), x[pointer : pointer + p.numel()])
        pointer += p.numel()


def test_from_vec_copies_instead_of_aliasing() -> None:
    net = _Net()
    x = torch.zeros(net.num_params)
    net.from_vec(x)
    x.fill_(5.0)
    assert torch.equal(net.to_vec(), torch.zeros(net.num_params))


def test_from_vec_keeps_requires_grad_and_dtype() -> None:
    net = _Net()
    net.from_vec(torch.arange(net.num_params, dtype=torch.float64))
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert not net.frozen.weight.requires_grad
    assert net.fc.weight.requires_grad


@pytest.mark.parametrize("offset", [-1, 1])
def test_from_vec_wrong_length_raises(offset: int) -> None:
    net = _Net()
    with pytest.raises(ValueError, match="1-D tensor with num_params"):
        net.from_vec(torch.zeros(net.num_params + offset))


def test_from_vec_matrix_raises() -> None:
    net = _Net()
    with pytest.raises(ValueError, match="1-D tensor with num_params"):
        net.from_vec(torch.zeros(1, net.num_params))


def test_from_vec_rejects_non_tensor() -> None:
    net = _Net()
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        net.from_vec([0.0] * net.num_params)  # type: ignore[arg-type]


def test_save_load_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(2)
    net = _Net()
    assert net.norm.running_mean is not None
    net.norm.running_mean.fill_(3.0)
    path = tmp_path / "net.pt"
    net.save(path)
    other = _Net()
    assert not torch.equal(other.to_vec(), net.to_vec())
    other.load(path)
    saved, loaded = net.state_dict(), other.state_dict()
    assert saved.keys() == loaded.keys()
    assert all(torch.equal(saved[k], loaded[k]) for k in saved)
    assert os.listdir(tmp_path) == ["net.pt"]
    assert isinstance(torch.load(path, weights_only=True), dict)


def test_save_overwrites_atomically_and_cleans_up_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = _Net()
    path = tmp_path / "net.pt"
    net.save(path)
    before = path.read_bytes()

    def broken_save(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    net.from_vec(torch.zeros(net.num_params))
    with pytest.raises(OSError, match="disk full"):
        net.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.pt"]


def test_load_into_other_architecture_fails(tmp_path: Path) -> None:
    path = tmp_path / "net.pt"
    _Net().save(path)

    class Other(Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 5)

    other = Other()
    before = other.to_vec()
    # A ValueError naming what differs (torch's load_state_dict raised a RuntimeError), and
    # the module left as it was.
    with pytest.raises(
        ValueError, match=r"another architecture.*unexpected \['conv\.weight'"
    ) as error:
        other.load(path)
    assert "fc.weight: (4, 3) in the file, (5, 3) here" in str(error.value)
    assert torch.equal(other.to_vec(), before)


def test_load_names_the_entries_a_checkpoint_lacks(tmp_path: Path) -> None:
    class Small(Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 4)

    path = tmp_path / "small.pt"
    Small().save(path)
    with pytest.raises(ValueError, match=r"missing \['conv\.weight', 'conv\.bias', 'norm\.weight'"):
        _Net().load(path)


@pytest.mark.gpu
@needs_cuda
def test_cuda_vectors_and_checkpoints_across_devices(tmp_path: Path) -> None:
    torch.manual_seed(3)
    net = _Net().to("cuda")
    vec = net.to_vec()
    assert vec.device.type == "cuda"
    cpu_vec = torch.randn(net.num_params)
    net.from_vec(cpu_vec)
    assert all(p.device.type == "cuda" for p in net.parameters())
    assert torch.equal(net.to_vec().cpu(), cpu_vec)
    out = net.fc(torch.randn(5, 3, device="cuda")).sum()
    torch.autograd.backward(out)
    assert net.fc.weight.grad is not None
    assert net.fc.weight.grad.device.type == "cuda"
    path = tmp_path / "net.pt"
    net.save(path)
    on_cpu = _Net()
    on_cpu.load(path, map_location="cpu")
    assert torch.equal(on_cpu.to_vec(), cpu_vec)
    default = _Net()
    default.load(path)
    assert torch.equal(default.to_vec(), cpu_vec)
    back = _Net("cuda")
    back.load(path)
    assert torch.equal(back.to_vec().cpu(), cpu_vec)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a checkpoint",
        b"\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.",
    ],
    ids=["empty", "text", "pickle-naming-os.system"],
)
def test_loading_a_file_that_is_no_checkpoint_is_refused_by_name(
    tmp_path: Path, content: bytes
) -> None:
    # torch's RuntimeError ("PytorchStreamReader failed..."), EOFError or UnpicklingError
    # came out; the pickle naming os.system must never run (weights_only), only be refused.
    net = nn.Linear(2, 2)
    module = Module(net=net)
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    before = [p.clone() for p in module.parameters()]
    assert module.num_params == 6
    with pytest.raises(ValueError, match=r"is not a checkpoint that Module\.save wrote"):
        module.load(path)
    assert all(torch.equal(a, b) for a, b in zip(before, module.parameters(), strict=True))


def test_a_truncated_checkpoint_is_refused_by_name(tmp_path: Path) -> None:
    module = Module(net=nn.Linear(2, 2))
    path = tmp_path / "net.pt"
    module.save(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"net\.pt' is not a checkpoint .* \(truncated"):
        module.load(path)


def test_from_vec_refuses_a_meta_tensor() -> None:
    # NotImplementedError "Cannot copy out of meta tensor; no data!" came out.
    module = Module(net=nn.Linear(2, 2))
    with pytest.raises(ValueError, match="x must hold data, got a tensor on the 'meta' device"):
        module.from_vec(torch.zeros(6, device="meta"))
