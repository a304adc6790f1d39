"""``lagom.testing.torch_tensors``: estimators written in torch, checked by the same suites."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from lagom.testing import (
    PropertyFailure,
    batch_major,
    check_advantage_estimator,
    check_vtrace,
    from_dones,
    property_names,
    torch_tensors,
)


def torch_gae(
    *,
    gamma: float,
    lam: float,
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
) -> torch.Tensor:
    dtype = rewards.dtype
    r, v, nv = (x.double() for x in (rewards, values, next_values))
    not_terminated, not_done = (~terminated).double(), (~(terminated | truncated)).double()
    advantages, last = torch.zeros_like(r), torch.zeros_like(r[0])
    for t in reversed(range(len(r))):
        delta = r[t] + gamma * not_terminated[t] * nv[t] - v[t]
        last = delta + gamma * lam * not_done[t] * last
        advantages[t] = last
    return advantages.to(dtype)


def test_a_torch_gae_passes_through_the_adapter() -> None:
    check_advantage_estimator(torch_gae, adapter=torch_tensors, max_examples=10, seed=0)


def test_a_batch_major_dones_torch_gae_passes_through_three_adapters() -> None:
    def gae_nt(
        *,
        gamma: float,
        lam: float,
        rewards: torch.Tensor,
        values: torch.Tensor,
        next_values: torch.Tensor,
        dones: torch.Tensor,
    ) -> torch.Tensor:
        assert isinstance(rewards, torch.Tensor)
        no_flag = torch.zeros_like(dones)
        return torch_gae(
            gamma=gamma,
            lam=lam,
            rewards=rewards.T,
            values=values.T,
            next_values=next_values.T,
            terminated=dones.T,
            truncated=no_flag.T,
        ).T

    check_advantage_estimator(
        gae_nt,
        adapter=lambda fn: from_dones(batch_major(torch_tensors(fn))),
        max_examples=10,
        seed=0,
    )


def test_a_float32_torch_running_sum_is_caught() -> None:
    def float32_gae(**arguments: Any) -> torch.Tensor:
        r = arguments["rewards"]
        done = arguments["terminated"] | arguments["truncated"]
        g, lam = arguments["gamma"], arguments["lam"]
        advantages, last = torch.zeros_like(r), torch.zeros_like(r[0])
        for t in reversed(range(len(r))):
            # torch.where keeps the input dtype: a float32 running sum for float32 inputs.
            bootstrap = torch.where(arguments["terminated"][t], 0.0, arguments["next_values"][t])
            delta = r[t] + g * bootstrap - arguments["values"][t]
            last = delta + g * lam * torch.where(done[t], 0.0, last)
            advantages[t] = last
        return advantages

    others = [name for name in property_names("gae") if name != "float32 over a long horizon"]
    with pytest.raises(PropertyFailure) as info:
        check_advantage_estimator(float32_gae, adapter=torch_tensors, seed=0, skip=others)
    assert info.value.property_name == "float32 over a long horizon"


def test_a_torch_vtrace_returning_a_pair_of_tensors() -> None:
    from lagom.metric import batched_vtrace

    def vtrace(**arguments: Any) -> tuple[torch.Tensor, torch.Tensor]:
        numpy_arguments = {k: v.numpy() if torch.is_tensor(v) else v for k, v in arguments.items()}
        vs, pg = batched_vtrace(**numpy_arguments)
        return torch.from_numpy(np.array(vs)), torch.from_numpy(np.array(pg))

    check_vtrace(vtrace, adapter=torch_tensors, max_examples=10, seed=0)


@pytest.mark.parametrize("adapter", [torch_tensors, batch_major, from_dones])
def test_an_adapter_refuses_what_is_no_estimator(adapter: Any) -> None:
    # Before: accepted; the check then blamed the "estimator" for a failed property.
    with pytest.raises(TypeError, match="fn must be the estimator"):
        adapter(None)


def test_torch_tensors_checks_the_device() -> None:
    with pytest.raises(TypeError, match="device must be a str"):
        torch_tensors(lambda **kw: kw["rewards"], device=5)  # type: ignore[arg-type]
