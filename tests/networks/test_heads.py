"""Tests of `lagom.networks.heads`: CategoricalHead and DiagGaussianHead."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Categorical, Independent

from lagom.networks import CategoricalHead, DiagGaussianHead

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_categorical_documented_example() -> None:
    action_head = CategoricalHead(30, 4, "cpu")
    dist = action_head(torch.randn(2, 30))
    assert repr(dist) == "Categorical(probs: torch.Size([2, 4]))"


def test_diag_gaussian_documented_example() -> None:
    action_head = DiagGaussianHead(10, 4, "cpu", 0.45)
    action_dist = action_head(torch.randn(2, 10))
    assert (
        repr(action_dist.base_dist) == "Normal(loc: torch.Size([2, 4]), scale: torch.Size([2, 4]))"
    )
    stddev = action_dist.base_dist.stddev
    torch.testing.assert_close(stddev, torch.full((2, 4), 0.45), atol=1e-6, rtol=0)
    assert "tensor([[0.4500, 0.4500, 0.4500, 0.4500]," in repr(stddev)
    assert stddev.grad_fn is not None
    assert type(stddev.grad_fn).__name__.startswith("ExpBackward")


def test_categorical_probs_are_softmax_of_the_linear_layer() -> None:
    torch.manual_seed(0)
    head = CategoricalHead(5, 3, "cpu", name="pi")
    assert head.name == "pi"
    x = torch.randn(7, 5)
    logits = x @ head.action_head.weight.T + head.action_head.bias
    expected = torch.exp(logits) / torch.exp(logits).sum(-1, keepdim=True)
    dist = head(x)
    assert isinstance(dist, Categorical)
    torch.testing.assert_close(dist.probs, expected)
    # gain 0.01 and zero bias: the initial policy is close to uniform
    torch.testing.assert_close(dist.probs, torch.full((7, 3), 1 / 3), atol=0.05, rtol=0)


def test_diag_gaussian_log_prob_is_a_sum_of_normal_log_densities() -> None:
    torch.manual_seed(1)
    head = DiagGaussianHead(6, 3, "cpu", std0=0.7)
    with torch.no_grad():
        head.logstd_head.copy_(torch.tensor([-1.0, 0.0, 0.5]))
    x = torch.randn(4, 6)
    dist = head(x)
    assert isinstance(head(x), Independent)
    mean = x @ head.mean_head.weight.T + head.mean_head.bias
    std = torch.tensor([-1.0, 0.0, 0.5]).exp()
    action = torch.randn(4, 3)
    log_density = -0.5 * ((action - mean) / std) ** 2 - std.log() - 0.5 * math.log(2 * math.pi)
    torch.testing.assert_close(dist.log_prob(action), log_density.sum(-1))
    assert dist.log_prob(action).shape == (4,)
    assert dist.sample().shape == (4, 3)


def test_diag_gaussian_log_std_is_a_learnable_state_independent_parameter() -> None:
    head = DiagGaussianHead(6, 3, "cpu", std0=2.0)
    torch.testing.assert_close(head.logstd_head.detach(), torch.full((3,), math.log(2.0)))
    dist_a = head(torch.randn(2, 6))
    dist_b = head(torch.randn(2, 6) * 100)
    assert torch.equal(dist_a.base_dist.scale, dist_b.base_dist.scale)
    torch.autograd.backward(dist_a.log_prob(torch.zeros(2, 3)).sum())
    assert head.logstd_head.grad is not None
    assert head.logstd_head.grad.abs().sum() > 0
    assert head.num_trainable_params == 6 * 3 + 3 + 3


@pytest.mark.parametrize("std0", [0.0, -0.5, math.nan, math.inf])
def test_diag_gaussian_rejects_non_positive_std0(std0: float) -> None:
    with pytest.raises(ValueError, match="std0 must be a positive finite number"):
        DiagGaussianHead(6, 3, "cpu", std0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CategoricalHead(0, 3, "cpu"), "feature_dim must be at least 1"),
        (lambda: CategoricalHead(4, -1, "cpu"), "num_action must be at least 1"),
        (lambda: DiagGaussianHead(0, 3, "cpu", 1.0), "feature_dim must be at least 1"),
        (lambda: DiagGaussianHead(4, 0, "cpu", 1.0), "action_dim must be at least 1"),
    ],
)
def test_non_positive_sizes_raise(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_heads_are_built_on_the_requested_device() -> None:
    # the meta device holds no data: nothing may be hard-wired to the CPU
    for head in (CategoricalHead(4, 3, "meta"), DiagGaussianHead(4, 3, "meta", 0.5)):
        assert head.device == torch.device("meta")
        assert all(p.device.type == "meta" for p in head.parameters())


def test_heads_under_torch_compile_without_graph_breaks() -> None:
    torch.manual_seed(2)
    cat_head = CategoricalHead(4, 3, "cpu")
    gauss_head = DiagGaussianHead(4, 2, "cpu", 0.5)

    def forward(x: torch.Tensor, a: torch.Tensor, u: torch.Tensor) -> tuple[torch.Tensor, ...]:
        cat, gauss = cat_head(x), gauss_head(x)
        return cat.log_prob(a), cat.entropy(), gauss.log_prob(u), gauss.entropy()

    compiled = torch.compile(forward, backend="eager", fullgraph=True)
    args = (torch.randn(5, 4), torch.randint(0, 3, (5,)), torch.randn(5, 2))
    for got, expected in zip(compiled(*args), forward(*args), strict=True):
        torch.testing.assert_close(got, expected)


@pytest.mark.gpu
@needs_cuda
def test_heads_forward_and_backward_on_cuda() -> None:
    torch.manual_seed(3)
    x = torch.randn(5, 4, device="cuda")
    cat_head = CategoricalHead(4, 3, "cuda")
    gauss_head = DiagGaussianHead(4, 2, torch.device("cuda"), 0.5)
    for head in (cat_head, gauss_head):
        assert all(p.device.type == "cuda" for p in head.parameters())
    cat, gauss = cat_head(x), gauss_head(x)
    loss = -cat.log_prob(cat.sample()).sum() - gauss.log_prob(gauss.sample()).sum()
    torch.autograd.backward(loss)
    for head in (cat_head, gauss_head):
        assert all(p.grad is not None and p.grad.device.type == "cuda" for p in head.parameters())
    cpu_head = CategoricalHead(4, 3, "cpu")
    cpu_head.from_vec(cat_head.to_vec())
    torch.testing.assert_close(cpu_head(x.cpu()).probs, cat.probs.cpu())
    moved = DiagGaussianHead(4, 2, "cpu", 0.5).to("cuda")
    assert moved(x).base_dist.scale.device.type == "cuda"


@pytest.mark.parametrize(
    "make", [lambda: CategoricalHead(4, 2, "cpu"), lambda: DiagGaussianHead(4, 2, "cpu", 0.5)]
)
def test_features_of_another_dtype_are_refused_by_name(make: object) -> None:
    # Before: torch's "mat1 and mat2 must have the same dtype" from inside the linear layer.
    head = make()  # type: ignore[operator]
    with pytest.raises(
        TypeError,
        match=r"x must be torch.float32, the network's dtype, got "
        r"torch.float64 \(convert it with .to\(torch.float32\)\)",
    ):
        head(torch.zeros(3, 4, dtype=torch.float64))
    head.double()
    assert head(torch.zeros(3, 4, dtype=torch.float64)).sample().shape[0] == 3
