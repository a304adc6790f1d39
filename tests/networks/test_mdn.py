"""Tests of `lagom.networks.mdn.MDNHead`: shapes, loss, sampling."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lagom.networks import MDNHead

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _mixture(
    seed: int, N: int, K: int, D: int, scale: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    logit_pi = torch.randn(N, K, D, generator=g, dtype=torch.float64)
    mean = torch.randn(N, K, D, generator=g, dtype=torch.float64)
    std = torch.rand(N, K, D, generator=g, dtype=torch.float64) + 0.5
    target = scale * torch.randn(N, D, generator=g, dtype=torch.float64)
    return logit_pi, mean, std, target


def _direct_loss(
    logit_pi: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, target: torch.Tensor
) -> float:
    """The documented formula, term by term: -mean_n log Σ_k Π_d π_{k,d} N(y_d; μ, σ)."""
    N, K, D = logit_pi.shape
    total = 0.0
    for n in range(N):
        mixture = 0.0
        for k in range(K):
            product = 1.0
            for d in range(D):
                pi = math.exp(logit_pi[n, k, d]) / sum(
                    math.exp(logit_pi[n, j, d]) for j in range(K)
                )
                z = (float(target[n, d]) - float(mean[n, k, d])) / float(std[n, k, d])
                density = math.exp(-0.5 * z * z) / (float(std[n, k, d]) * math.sqrt(2 * math.pi))
                product *= pi * density
            mixture += product
        total += math.log(mixture) if mixture > 0 else -math.inf
    return -total / N


def test_forward_shapes_and_positive_std() -> None:
    head = MDNHead(5, 2, 3, "cpu", name="mdn")
    assert head.name == "mdn"
    logit_pi, mean, std = head(torch.randn(4, 5))
    assert logit_pi.shape == mean.shape == std.shape == (4, 3, 2)
    assert bool((std > 0).all())
    logvar = head.logvar_head(torch.ones(1, 5)).reshape(1, 3, 2)
    torch.testing.assert_close(head(torch.ones(1, 5))[2], torch.exp(0.5 * logvar))


@given(
    seed=st.integers(0, 2**31 - 1),
    N=st.integers(1, 4),
    K=st.integers(1, 4),
    D=st.integers(1, 3),
)
def test_loss_equals_the_direct_formula(seed: int, N: int, K: int, D: int) -> None:
    head = MDNHead(1, D, K, "cpu")
    logit_pi, mean, std, target = _mixture(seed, N, K, D)
    got = head.loss(logit_pi, mean, std, target)
    assert got.shape == ()
    assert float(got) == pytest.approx(_direct_loss(logit_pi, mean, std, target), rel=1e-9)


def test_loss_stays_finite_where_the_direct_formula_underflows() -> None:
    head = MDNHead(1, 2, 3, "cpu")
    logit_pi, mean, std, target = _mixture(0, 3, 3, 2, scale=1e3)
    assert _direct_loss(logit_pi, mean, std, target) == math.inf
    got = float(head.loss(logit_pi, mean, std, target))
    assert math.isfinite(got)
    # The same formula in log space: log pi_{k,d} + log N(y_d; mu, sigma), summed over d.
    log_pi = torch.log_softmax(logit_pi, dim=1)
    z = (target[:, None, :] - mean) / std
    log_density = -0.5 * z**2 - std.log() - 0.5 * math.log(2 * math.pi)
    expected = -torch.logsumexp((log_pi + log_density).sum(-1), dim=1).mean()
    assert got == pytest.approx(float(expected), rel=1e-9)


def test_single_density_loss_is_the_gaussian_negative_log_likelihood_far_away() -> None:
    # with K = 1 the loss has a closed form that stays exact for far targets
    head = MDNHead(1, 2, 1, "cpu")
    logit_pi, mean, std, _ = _mixture(1, 3, 1, 2)
    target = torch.full((3, 2), 500.0, dtype=torch.float64)
    z = (target.unsqueeze(1) - mean) / std
    nll = (0.5 * z**2 + std.log() + 0.5 * math.log(2 * math.pi)).sum(dim=(1, 2)).mean()
    torch.testing.assert_close(head.loss(logit_pi, mean, std, target), nll)


def test_small_temperature_concentrates_on_the_most_likely_mean() -> None:
    head = MDNHead(1, 3, 4, "cpu")
    logit_pi, mean, std, _ = _mixture(2, 50, 4, 3)
    best = logit_pi.argmax(dim=1, keepdim=True)
    expected = mean.gather(1, best).squeeze(1)
    sample = head.sample(logit_pi, mean, std, tau=1e-6, generator=torch.Generator().manual_seed(0))
    assert sample.shape == (50, 3)
    torch.testing.assert_close(sample, expected, atol=1e-2, rtol=0)


def test_sampling_follows_the_mixture_weights() -> None:
    head = MDNHead(1, 1, 2, "cpu")
    N = 4000
    logit_pi = torch.log(torch.tensor([0.25, 0.75])).reshape(1, 2, 1).expand(N, 2, 1)
    mean = torch.tensor([-10.0, 10.0]).reshape(1, 2, 1).expand(N, 2, 1)
    std = torch.tensor([1.0, 2.0]).reshape(1, 2, 1).expand(N, 2, 1)
    sample = head.sample(logit_pi, mean, std, generator=torch.Generator().manual_seed(1))[:, 0]
    right = sample > 0
    assert float(right.float().mean()) == pytest.approx(0.75, abs=0.03)
    assert float(sample[right].std()) == pytest.approx(2.0, rel=0.1)
    assert float(sample[~right].mean()) == pytest.approx(-10.0, abs=0.15)
    hot = head.sample(logit_pi, mean, std, tau=4.0, generator=torch.Generator().manual_seed(1))
    # tau = 4 flattens the weights to softmax(log([0.25, 0.75]) / 4) and doubles the std
    p_right = 0.75**0.25 / (0.75**0.25 + 0.25**0.25)
    assert float((hot > 0).float().mean()) == pytest.approx(p_right, abs=0.03)
    assert float(hot[hot > 0].std()) == pytest.approx(4.0, rel=0.1)


def test_sampling_is_reproducible_and_reparameterized() -> None:
    head = MDNHead(1, 2, 3, "cpu")
    logit_pi, mean, std, _ = _mixture(3, 5, 3, 2)
    mean.requires_grad_(True)
    std.requires_grad_(True)
    a = head.sample(logit_pi, mean, std, generator=torch.Generator().manual_seed(7))
    b = head.sample(logit_pi, mean, std, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    torch.autograd.backward(a.sum())
    assert mean.grad is not None
    assert std.grad is not None
    # each sample depends on exactly one density per (n, d)
    assert torch.equal(mean.grad.sum(dim=1), torch.ones(5, 2, dtype=torch.float64))


def test_loss_gradients_are_the_finite_differences_of_the_direct_formula() -> None:
    torch.manual_seed(4)
    head = MDNHead(3, 2, 2, "cpu").double()
    x, target = torch.randn(6, 3, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    torch.autograd.backward(head.loss(*head(x), target))
    h = 1e-6
    for name, p in head.named_parameters():
        assert p.grad is not None, name
        expected = torch.zeros_like(p)
        with torch.no_grad():
            for i in range(p.numel()):
                flat = p.view(-1)
                flat[i] += h
                up = _direct_loss(*head(x), target)
                flat[i] -= 2 * h
                down = _direct_loss(*head(x), target)
                flat[i] += h
                expected.view(-1)[i] = (up - down) / (2 * h)
        assert bool(expected.abs().max() > 1e-3), name  # every head moves the loss
        torch.testing.assert_close(p.grad, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (((2, 3, 1), (2, 3, 1), (2, 3, 1), (2, 2)), r"target must have shape \[N, D\]"),
        (((2, 3, 1), (2, 2, 1), (2, 3, 1), (2, 1)), r"must all have shape \[N, K, D\]"),
        (((2, 3), (2, 3), (2, 3), (2, 1)), r"must all have shape \[N, K, D\]"),
    ],
)
def test_loss_rejects_mismatched_shapes(args: tuple[tuple[int, ...], ...], message: str) -> None:
    head = MDNHead(1, 1, 3, "cpu")
    with pytest.raises(ValueError, match=message):
        head.loss(*(torch.ones(shape) for shape in args))


@pytest.mark.parametrize("tau", [0.0, -1.0, math.nan])
def test_sample_rejects_non_positive_temperature(tau: float) -> None:
    head = MDNHead(1, 1, 2, "cpu")
    ones = torch.ones(2, 2, 1)
    with pytest.raises(ValueError, match="tau must be positive"):
        head.sample(ones, ones, ones, tau=tau)


@pytest.mark.parametrize("sizes", [(0, 2, 3), (4, 0, 3), (4, 2, 0)])
def test_non_positive_sizes_raise(sizes: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        MDNHead(*sizes, device="cpu")


def test_head_is_built_on_the_requested_device() -> None:
    head = MDNHead(4, 2, 3, "meta")
    assert all(p.device.type == "meta" for p in head.parameters())


@pytest.mark.gpu
@needs_cuda
def test_forward_loss_sample_backward_on_cuda() -> None:
    torch.manual_seed(5)
    head = MDNHead(4, 2, 3, "cuda")
    assert all(p.device.type == "cuda" for p in head.parameters())
    logit_pi, mean, std = head(torch.randn(6, 4, device="cuda"))
    loss = head.loss(logit_pi, mean, std, torch.randn(6, 2, device="cuda"))
    torch.autograd.backward(loss)
    assert all(p.grad is not None and p.grad.device.type == "cuda" for p in head.parameters())
    generator = torch.Generator(device="cuda").manual_seed(0)
    sample = head.sample(logit_pi, mean, std, tau=0.5, generator=generator)
    assert sample.device.type == "cuda"
    assert sample.shape == (6, 2)
