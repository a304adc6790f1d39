"""RL math on rewards and values: discounted returns, TD(0), GAE and V-trace.

Two faces, one engine:

* the **batched face** (``batched_returns``, ``batched_td0_target``, ``batched_td0_error``,
  ``batched_gae``, ``batched_vtrace``) works on time-major ``[T, *B]`` arrays with explicit
  per-step ``terminated`` and ``truncated`` flags and the values ``next_values`` of the
  true next observations, as a vectorized rollout records them;
* the **episode face** (``returns``, ``bootstrapped_returns``, ``td0_target``,
  ``td0_error``, ``gae``, ``vtrace``) takes one episode as the original lagom did:
  1-D ``rewards`` and ``Vs``, ``last_V`` and ``reach_terminal``. Each is a thin wrapper
  that reshapes the episode to ``[T, 1]`` and calls the batched function.

Inputs may be lists, numpy arrays or torch tensors (detached and moved to the CPU; torch
itself is never imported here). Outputs are new numpy arrays in the widest float dtype of
the inputs, float64 when none is a float (float32 arrays in, float32 out, in the types
too). Shapes must match exactly; ``gamma`` and ``lam`` must lie in ``[0, 1]``; every input
is required (``None`` is a ``TypeError``) and every float input must be finite: a NaN or
±inf is a ``ValueError`` naming the argument and the first index where it occurs. So is a
result that overflows its dtype (finite inputs whose discounted sums are not: float16
returns past 65504), never returned as ±inf.

The recursions run backwards over time in vectorized numpy (a blocked scan for long,
narrow batches), or, where numba is installed (``pip install lagom[fast]``), in one
compiled pass, chosen on the first call (numba is never imported with this package; its
first compilation takes a second or two and is cached). Both give the same results to
rounding; set the environment variable ``LAGOM_METRIC_NUMPY=1`` to force numpy.

Example:
    >>> from lagom.metric import gae
    >>> gae(1.0, 0.5, [1, 2, 3], [0.1, 1.1, 2.1], last_V=10, reach_terminal=True)
    array([3.725, 3.45 , 0.9  ])
"""

from __future__ import annotations

from lagom.metric.gae import batched_gae, gae
from lagom.metric.returns import batched_returns, bootstrapped_returns, returns
from lagom.metric.td import batched_td0_error, batched_td0_target, td0_error, td0_target
from lagom.metric.vtrace import VTrace, batched_vtrace, vtrace

__all__ = [
    "VTrace",
    "batched_gae",
    "batched_returns",
    "batched_td0_error",
    "batched_td0_target",
    "batched_vtrace",
    "bootstrapped_returns",
    "gae",
    "returns",
    "td0_error",
    "td0_target",
    "vtrace",
]
