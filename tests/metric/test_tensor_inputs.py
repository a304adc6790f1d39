"""Torch tensors as inputs of ``lagom.metric`` (the metrics themselves never import torch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lagom.metric import (  # noqa: E402  (after the importorskip on purpose)
    batched_gae,
    batched_returns,
    batched_td0_error,
    batched_td0_target,
    batched_vtrace,
    bootstrapped_returns,
    gae,
    returns,
    td0_error,
    td0_target,
    vtrace,
)

REWARDS = [0.1, 0.2, 0.3, 0.4]
VS = [1.0, 2.0, 3.0, 4.0]
LOGP = [-0.5, -1.0, -0.2, -2.0]
TARGET_LOGP = [-0.4, -1.5, -0.2, -1.0]

EPISODE: dict[str, Callable[[Callable[[Any], Any], Any], Any]] = {
    # name -> (how to wrap an input, last_V) -> result
    "returns": lambda wrap, last: returns(0.9, wrap(REWARDS)),
    "bootstrapped_returns": lambda wrap, last: bootstrapped_returns(
        0.9, wrap(REWARDS), last, False
    ),
    "td0_target": lambda wrap, last: td0_target(0.9, wrap(REWARDS), wrap(VS), last, False),
    "td0_error": lambda wrap, last: td0_error(0.9, wrap(REWARDS), wrap(VS), last, False),
    "gae": lambda wrap, last: gae(0.9, 0.95, wrap(REWARDS), wrap(VS), last, False),
    "vtrace": lambda wrap, last: vtrace(
        wrap(LOGP), wrap(TARGET_LOGP), 0.9, wrap(REWARDS), wrap(VS), last, False, 1.0, 1.0
    ),
}


def _outputs(result: Any) -> tuple[Any, ...]:
    return tuple(result) if isinstance(result, tuple) else (result,)


def _check_same(got: Any, expected: Any, dtype: Any) -> None:
    for a, b in zip(_outputs(got), _outputs(expected), strict=True):
        assert isinstance(a, np.ndarray)
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(EPISODE))
@pytest.mark.parametrize(
    ("torch_dtype", "dtype"), [("float32", np.float32), ("float64", np.float64)]
)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_episode_functions_take_tensors(
    name: str, torch_dtype: str, dtype: Any, requires_grad: bool
) -> None:
    def wrap(x: list[float]) -> Any:
        return torch.tensor(x, dtype=getattr(torch, torch_dtype), requires_grad=requires_grad)

    def as_numpy(x: list[float]) -> Any:
        return np.asarray(x, dtype=dtype)

    expected = EPISODE[name](as_numpy, 5.0)
    _check_same(EPISODE[name](wrap, torch.tensor(5.0)), expected, dtype)
    _check_same(EPISODE[name](wrap, torch.tensor([5.0], requires_grad=True)), expected, dtype)
    _check_same(EPISODE[name](wrap, 5.0), expected, dtype)


@pytest.mark.parametrize("name", sorted(EPISODE))
def test_bfloat16_tensors_are_widened_to_float32(name: str) -> None:
    def wrap(x: list[float]) -> Any:
        return torch.tensor(x, dtype=torch.bfloat16)

    def rounded(x: list[float]) -> Any:
        return torch.tensor(x, dtype=torch.bfloat16).float().numpy()

    _check_same(EPISODE[name](wrap, 5.0), EPISODE[name](rounded, 5.0), np.float32)


def test_tensors_are_not_modified_and_keep_their_graph() -> None:
    rewards = torch.tensor(REWARDS, requires_grad=True)
    values = torch.tensor(VS, requires_grad=True)
    before = rewards.detach().clone()
    out = gae(0.9, 0.95, rewards, values * 2, torch.tensor(1.0), False)
    assert isinstance(out, np.ndarray)
    assert torch.equal(rewards.detach(), before)
    assert rewards.requires_grad


def _batched_inputs(wrap: Callable[[Any], Any]) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    shape = (6, 3)
    return {
        "rewards": wrap(rng.standard_normal(shape).astype(np.float32)),
        "values": wrap(rng.standard_normal(shape).astype(np.float32)),
        "next_values": wrap(rng.standard_normal(shape).astype(np.float32)),
        "terminated": wrap(rng.random(shape) < 0.3),
        "truncated": wrap(rng.random(shape) < 0.3),
        "behavior_logprobs": wrap(-rng.random(shape).astype(np.float32)),
        "target_logprobs": wrap(-rng.random(shape).astype(np.float32)),
    }


BATCHED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "batched_returns": lambda d: batched_returns(
        0.9, d["rewards"], d["next_values"], terminated=d["terminated"], truncated=d["truncated"]
    ),
    "batched_td0_target": lambda d: batched_td0_target(
        0.9, d["rewards"], d["next_values"], terminated=d["terminated"]
    ),
    "batched_td0_error": lambda d: batched_td0_error(
        0.9, d["rewards"], d["values"], d["next_values"], terminated=d["terminated"]
    ),
    "batched_gae": lambda d: batched_gae(
        0.9,
        0.95,
        d["rewards"],
        d["values"],
        d["next_values"],
        terminated=d["terminated"],
        truncated=d["truncated"],
    ),
    "batched_vtrace": lambda d: batched_vtrace(
        d["behavior_logprobs"],
        d["target_logprobs"],
        0.9,
        d["rewards"],
        d["values"],
        d["next_values"],
        terminated=d["terminated"],
        truncated=d["truncated"],
    ),
}


@pytest.mark.parametrize("name", sorted(BATCHED))
def test_batched_functions_take_tensors(name: str) -> None:
    expected = BATCHED[name](_batched_inputs(np.asarray))
    got = BATCHED[name](
        _batched_inputs(lambda x: torch.from_numpy(x).requires_grad_(x.dtype != bool))
    )
    _check_same(got, expected, np.float32)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", sorted(BATCHED))
def test_cuda_tensors_are_moved_to_the_cpu(name: str) -> None:
    expected = BATCHED[name](_batched_inputs(np.asarray))
    got = BATCHED[name](
        _batched_inputs(lambda x: torch.from_numpy(x).cuda().requires_grad_(x.dtype != bool))
    )
    _check_same(got, expected, np.float32)
    episode = EPISODE["gae"](
        lambda x: torch.tensor(x, device="cuda"), torch.tensor(5.0, device="cuda")
    )
    _check_same(episode, EPISODE["gae"](lambda x: np.asarray(x, np.float32), 5.0), np.float32)


@pytest.mark.parametrize("name", sorted(BATCHED))
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_tensors_are_refused_with_the_index(name: str, bad: float) -> None:
    def wrap(x: Any) -> Any:
        tensor = torch.from_numpy(x.copy())
        if x.dtype != bool:
            tensor[4, 2] = bad
        return tensor

    with pytest.raises(ValueError, match=rf"^rewards holds {bad} at index \(4, 2\);"):
        BATCHED[name](_batched_inputs(wrap))
