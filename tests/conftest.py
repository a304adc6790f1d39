"""Shared pytest configuration for the lagom test suite."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# One profile for the suite: no per-example deadline (2-core CI machines are noisy) and a
# fixed number of examples, so that a run's cost is predictable. LAGOM_HYPOTHESIS=thorough
# raises it for a deeper local search.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("LAGOM_HYPOTHESIS", "default"))
