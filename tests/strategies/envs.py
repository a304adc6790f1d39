"""Hypothesis strategies for ``lagom.envs``: configurations of counting environments."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["counting_env_kwargs", "vec_counting_kwargs"]

_rewards = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, width=32)


@st.composite
def counting_env_kwargs(draw: st.DrawFn, max_length: int = 4) -> dict[str, Any]:
    """Keyword arguments of ``tests.envs.fakes.CountingEnv``: length, end kind, rewards, start."""
    length = draw(st.integers(min_value=1, max_value=max_length))
    return {
        "episode_length": length,
        "end": draw(st.sampled_from(["terminated", "truncated", "both"])),
        "rewards": draw(st.lists(_rewards, min_size=length, max_size=length)),
        "start": draw(st.integers(min_value=0, max_value=50)),
    }


def vec_counting_kwargs(max_num_env: int = 3, max_length: int = 4) -> st.SearchStrategy[Any]:
    """A list of 1..``max_num_env`` CountingEnv configurations, one per sub-environment."""
    return st.lists(counting_env_kwargs(max_length), min_size=1, max_size=max_num_env)
