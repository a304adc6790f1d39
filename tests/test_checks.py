"""Tests of lagom/_checks.py: :func:`check_fits`, the one memory-limit check."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lagom._checks as checks
from lagom._checks import check_fits


def test_the_largest_count_that_fits_passes_and_one_more_is_refused() -> None:
    check_fits("T", 1000, 64, memory=64_000)  # 1000 * 64 bytes: exactly the memory
    message = "T must be at most 1000 (what fits in this machine's 0.0 GiB of memory), got 1001"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_fits("T", 1001, 64, memory=64_000)


def test_the_message_carries_the_context_the_hint_and_whose_memory() -> None:
    message = (
        "capacity must be at most 134217728 transitions of 8 bytes (what fits in cuda:0's "
        "1.0 GiB of memory), got 805306368: lower agent.buffer_size"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_fits(
            "capacity",
            3 * 2**28,
            8,
            context=" transitions of 8 bytes",
            hint="lower agent.buffer_size",
            memory=2**30,
            where="cuda:0",
        )


def test_the_memory_defaults_to_the_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "physical_memory", lambda: 1000)
    check_fits("n_boot", 100, 10)
    with pytest.raises(ValueError, match=r"^n_boot must be at most 100 \(what fits .*got 101$"):
        check_fits("n_boot", 101, 10)
    # A fake memory passed in wins over the machine's.
    check_fits("n_boot", 101, 10, memory=1010)


def test_without_the_machines_memory_only_the_address_space_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checks, "physical_memory", lambda: None)  # the OS did not say
    largest = 1_152_921_504_606_846_975  # (2**63 - 1) // 8: 8-byte items in a 64-bit ssize_t
    check_fits("size", largest, 8)
    message = f"size must be at most {largest} (what a process can address), got {largest + 1}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_fits("size", largest + 1, 8)


def test_a_memory_beyond_the_address_space_is_bounded_by_it() -> None:
    with pytest.raises(ValueError, match=r"\(what a process can address\), got"):
        check_fits("size", sys.maxsize, 2, memory=2**80)


def test_numpy_integers_are_accepted_and_a_count_of_zero_always_fits() -> None:
    check_fits("num_point", np.int64(10), np.int64(8), memory=np.int64(80))
    check_fits("shape", 0, 32, memory=0)


@pytest.mark.parametrize(
    ("count", "item_bytes", "memory", "error", "match"),
    [
        (-1, 8, 100, ValueError, r"^T must be at least 0, got -1$"),
        (True, 8, 100, TypeError, r"^T must be an int, got bool True$"),
        (1.0, 8, 100, TypeError, r"^T must be an int, got float 1.0$"),
        (1, 0, 100, ValueError, r"^item_bytes must be at least 1, got 0$"),
        (1, 8, -1, ValueError, r"^memory must be at least 0, got -1$"),
    ],
)
def test_bad_arguments_are_named(
    count: object, item_bytes: object, memory: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        check_fits("T", count, item_bytes, memory=memory)  # type: ignore[arg-type]


@given(
    count=st.integers(0, 10**6),
    item_bytes=st.integers(1, 10**3),
    memory=st.integers(0, 10**9),
)
def test_refused_exactly_when_the_bytes_exceed_the_memory(
    count: int, item_bytes: int, memory: int
) -> None:
    if count * item_bytes <= memory:  # the oracle: multiplied, not divided
        check_fits("n", count, item_bytes, memory=memory)
    else:
        with pytest.raises(ValueError, match=rf"^n must be at most \d+ .*, got {count}$"):
            check_fits("n", count, item_bytes, memory=memory)
