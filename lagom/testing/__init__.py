"""Property-based verification kit for RL code: strategies and ready-made property suites.

``lagom.testing`` checks *your* implementation against lagom's conventions and reference
math, with Hypothesis drawing the inputs and shrinking a failure to a small counterexample:

* estimator suites: :func:`check_advantage_estimator` (GAE or TD(0)),
  :func:`check_return_estimator`, :func:`check_td_target`, :func:`check_vtrace`; each runs
  named properties (:func:`property_names`) such as ``terminations cut``, ``truncations
  bootstrap from next_values``, ``float32 over a long horizon`` and ``agrees with lagom``;
* adapters for other signatures: :func:`batch_major`, :func:`from_dones`,
  :func:`torch_tensors`; protocols of the signatures the suites call
  (:class:`AdvantageFn`, :class:`ReturnFn`, :class:`TDErrorFn`, :class:`TDTargetFn`,
  :class:`VTraceFn`);
* :func:`check_replay_buffer` and :func:`check_vec_env` for buffers and vector environments;
* :func:`check_property` to run any property with the same report, and
  :mod:`lagom.testing.strategies` for the data.

A failure is a :class:`PropertyFailure` (an ``AssertionError``) whose message names the
property, prints the shrunk counterexample and the seed that replays it. It needs the
``testing`` extra (``pip install 'lagom[testing]'``, which installs Hypothesis); ``import
lagom`` never imports it. Names resolve lazily: importing this package costs only
Hypothesis, and only :func:`torch_tensors` (when called) and :func:`check_vec_env` need
torch or gymnasium. See :doc:`testing` for a walk-through.

Example:
    >>> from lagom.testing import check_advantage_estimator
    >>> from lagom.metric import batched_gae
    >>> check_advantage_estimator(batched_gae, kind="gae", max_examples=10, seed=0)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lagom._lazy import lazy_attribute

try:
    import hypothesis as _hypothesis  # noqa: F401  (fail here, with the fix, not deeper)
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "lagom.testing needs Hypothesis: pip install 'lagom[testing]'", name=exc.name
    ) from exc

# name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "PropertyFailure": "lagom.testing._property",
    "check_property": "lagom.testing._property",
    "format_example": "lagom.testing._property",
    "AdvantageFn": "lagom.testing._protocols",
    "ReturnFn": "lagom.testing._protocols",
    "TDErrorFn": "lagom.testing._protocols",
    "TDTargetFn": "lagom.testing._protocols",
    "VTraceFn": "lagom.testing._protocols",
    "check_advantage_estimator": "lagom.testing._estimators",
    "check_return_estimator": "lagom.testing._estimators",
    "check_td_target": "lagom.testing._estimators",
    "check_vtrace": "lagom.testing._estimators",
    "property_names": "lagom.testing._estimators",
    "batch_major": "lagom.testing._adapters",
    "from_dones": "lagom.testing._adapters",
    "torch_tensors": "lagom.testing._torch_adapter",
    "ReplayBatchLike": "lagom.testing._buffers",
    "ReplayBufferLike": "lagom.testing._buffers",
    "check_replay_buffer": "lagom.testing._buffers",
    "check_vec_env": "lagom.testing._envs",
}

__all__ = [
    "AdvantageFn",
    "PropertyFailure",
    "ReplayBatchLike",
    "ReplayBufferLike",
    "ReturnFn",
    "TDErrorFn",
    "TDTargetFn",
    "VTraceFn",
    "batch_major",
    "check_advantage_estimator",
    "check_property",
    "check_replay_buffer",
    "check_return_estimator",
    "check_td_target",
    "check_vec_env",
    "check_vtrace",
    "format_example",
    "from_dones",
    "property_names",
    "strategies",
    "torch_tensors",
]

if TYPE_CHECKING:
    from lagom.testing import strategies
    from lagom.testing._adapters import batch_major, from_dones
    from lagom.testing._buffers import ReplayBatchLike, ReplayBufferLike, check_replay_buffer
    from lagom.testing._envs import check_vec_env
    from lagom.testing._estimators import (
        check_advantage_estimator,
        check_return_estimator,
        check_td_target,
        check_vtrace,
        property_names,
    )
    from lagom.testing._property import PropertyFailure, check_property, format_example
    from lagom.testing._protocols import AdvantageFn, ReturnFn, TDErrorFn, TDTargetFn, VTraceFn
    from lagom.testing._torch_adapter import torch_tensors


# For type checkers the names are the imports above: a misspelt one is an error, not Any.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name == "strategies":
            return importlib.import_module("lagom.testing.strategies")
        return lazy_attribute("lagom.testing", _LAZY, globals(), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
