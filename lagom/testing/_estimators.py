"""Property suites for a user's advantage, return, TD-target and V-trace estimators.

Each suite runs named properties (see :mod:`lagom.testing`) through
:func:`~lagom.testing.check_property` and stops at the first that fails.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection
from typing import Literal, TypeVar, overload

import numpy as np

from lagom._checks import check_int, check_seed
from lagom.metric import (
    batched_gae,
    batched_returns,
    batched_td0_error,
    batched_td0_target,
    batched_vtrace,
)
from lagom.testing._cases import Case, required
from lagom.testing._estimator_properties import PROPERTIES, Estimator, Outputs
from lagom.testing._property import DEFAULT_MAX_EXAMPLES, check_property
from lagom.testing._protocols import AdvantageFn, ReturnFn, TDErrorFn, TDTargetFn, VTraceFn

__all__ = [
    "DEFAULT_RTOL",
    "check_advantage_estimator",
    "check_return_estimator",
    "check_td_target",
    "check_vtrace",
    "property_names",
]

F = TypeVar("F")

#: Tolerance of the float64 properties, relative to the scale of the batch.
DEFAULT_RTOL = 1e-9

_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "gae": ("gamma", "lam", "rewards", "values", "next_values", "terminated", "truncated"),
    "td0": ("gamma", "rewards", "values", "next_values", "terminated"),
    "returns": ("gamma", "rewards", "next_values", "terminated", "truncated"),
    "td_target": ("gamma", "rewards", "next_values", "terminated"),
    "vtrace": (
        "behavior_logprobs",
        "target_logprobs",
        "gamma",
        "rewards",
        "values",
        "next_values",
        "terminated",
        "truncated",
    ),
}
_OUTPUTS: dict[str, tuple[str, ...]] = {
    "gae": ("advantages",),
    "td0": ("td_errors",),
    "returns": ("returns",),
    "td_target": ("targets",),
    "vtrace": ("vs", "pg_advantages"),
}


def property_names(kind: Literal["gae", "td0", "returns", "td_target", "vtrace"]) -> list[str]:
    """The names of the properties a suite runs on an estimator of ``kind``, in order.

    ``"gae"`` and ``"td0"`` are :func:`check_advantage_estimator`'s kinds; ``"returns"``,
    ``"td_target"`` and ``"vtrace"`` name the other suites. V-trace's list assumes the
    default clips (all 1).

    Example:
        >>> property_names("td_target")  # doctest: +NORMALIZE_WHITESPACE
        ['output shape and dtype', 'terminations cut',
         'truncations bootstrap from next_values', 'gamma = 0', 'split in time',
         'linearity', 'float32 agreement', 'agrees with lagom']
    """
    if not isinstance(kind, str) or kind not in _ARGUMENTS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, _ARGUMENTS))}, got {kind!r}")
    est = _estimator(kind, lambda **_: None, rtol=DEFAULT_RTOL, clips=(1.0, 1.0, 1.0, 1.0))
    return [p.name for p in PROPERTIES if p.applies(est)]


def _estimator(
    kind: str,
    fn: Callable[..., object],
    *,
    rtol: float,
    clips: tuple[float, float, float, float] = (math.inf, math.inf, math.inf, 1.0),
) -> Estimator:
    clip_rho, clip_pg_rho, clip_c, trace_lam = clips
    names = _ARGUMENTS[kind]
    outputs = _OUTPUTS[kind]

    def call(case: Case) -> Outputs:
        arguments = _arguments(case, names)
        result = fn(**arguments)
        _check_unchanged(case, arguments)
        return _as_outputs(result, outputs, case)

    def reference(case: Case) -> Outputs:
        return _reference(kind, case, clips)

    return Estimator(kind, call, reference, outputs, rtol, clip_rho, clip_pg_rho, clip_c, trace_lam)


def _arguments(case: Case, names: tuple[str, ...]) -> dict[str, object]:
    arguments: dict[str, object] = {}
    for name in names:
        value = getattr(case, name)
        arguments[name] = value.copy() if isinstance(value, np.ndarray) else value
    return arguments


def _check_unchanged(case: Case, arguments: dict[str, object]) -> None:
    for name, value in arguments.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, getattr(case, name)):
            raise AssertionError(f"the estimator changed its input {name!r} in place")


def _as_outputs(result: object, names: tuple[str, ...], case: Case) -> Outputs:
    if len(names) == 1:
        items: tuple[object, ...] = (result,)
    else:
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            raise AssertionError(
                f"expected a pair {names}, got {type(result).__name__}: use an adapter "
                "that returns (vs, pg_advantages)"
            )
        items = tuple(result)
    outputs = []
    for name, item in zip(names, items, strict=True):
        array = np.asarray(item)
        if array.dtype.kind != "f":
            raise AssertionError(f"{name} must be floats, got dtype {array.dtype}")
        if array.shape != case.shape:
            raise AssertionError(
                f"{name} has shape {array.shape}, expected {case.shape} ([T, N] time-major, "
                "as the inputs; use the batch_major adapter for [N, T] code)"
            )
        outputs.append(array)
    return tuple(outputs)


def _reference(kind: str, case: Case, clips: tuple[float, float, float, float]) -> Outputs:
    r, nv = case.rewards, case.next_values
    v = case.values if case.values is not None else np.zeros_like(r)
    if kind == "gae":
        lam = 0.0 if case.lam is None else case.lam
        gae = batched_gae(
            case.gamma, lam, r, v, nv, terminated=case.terminated, truncated=case.truncated
        )
        return (gae,)
    if kind == "td0":
        return (batched_td0_error(case.gamma, r, v, nv, terminated=case.terminated),)
    if kind == "returns":
        returns = batched_returns(
            case.gamma, r, nv, terminated=case.terminated, truncated=case.truncated
        )
        return (returns,)
    if kind == "td_target":
        return (batched_td0_target(case.gamma, r, nv, terminated=case.terminated),)
    clip_rho, clip_pg_rho, clip_c, trace_lam = clips
    vs, pg = batched_vtrace(
        required(case.behavior_logprobs, "behavior_logprobs"),
        required(case.target_logprobs, "target_logprobs"),
        case.gamma,
        r,
        v,
        nv,
        terminated=case.terminated,
        truncated=case.truncated,
        clip_rho=clip_rho,
        clip_pg_rho=clip_pg_rho,
        clip_c=clip_c,
        lam=trace_lam,
    )
    return vs, pg


def _run(
    est: Estimator, *, max_examples: int | None, seed: int | None, skip: Collection[str]
) -> None:
    applicable = [p for p in PROPERTIES if p.applies(est)]
    unknown = sorted(set(skip) - {p.name for p in applicable})
    if unknown:
        raise ValueError(
            f"skip names no property of this suite: {unknown}; its properties are "
            f"{[p.name for p in applicable]}"
        )
    if max_examples is not None:
        max_examples = check_int("max_examples", max_examples, minimum=1)
    if seed is not None:
        seed = check_seed("seed", seed)
    if not (isinstance(est.rtol, float) and 0.0 < est.rtol < 1.0):
        raise ValueError(f"rtol must be a float in (0, 1), got {est.rtol!r}")
    budget = DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples
    for prop in applicable:
        if prop.name in skip:
            continue
        check_property(
            prop.name,
            prop.strategy(est),
            functools.partial(prop.test, est),
            max_examples=max(1, budget // prop.budget_divisor),
            seed=seed,
        )


def _adapt(fn: object, adapter: Callable[..., object] | None) -> Callable[..., object]:
    adapted = fn if adapter is None else adapter(fn)
    if not callable(adapted):
        what = "the adapter must return a callable" if adapter else "fn must be callable"
        raise TypeError(f"{what}, got {type(adapted).__name__}")
    return adapted


@overload
def check_advantage_estimator(
    fn: AdvantageFn,
    kind: Literal["gae"] = ...,
    *,
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
@overload
def check_advantage_estimator(
    fn: TDErrorFn,
    kind: Literal["td0"],
    *,
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
@overload
def check_advantage_estimator(
    fn: F,
    kind: Literal["gae"] = ...,
    *,
    adapter: Callable[[F], AdvantageFn],
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
@overload
def check_advantage_estimator(
    fn: F,
    kind: Literal["td0"],
    *,
    adapter: Callable[[F], TDErrorFn],
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
def check_advantage_estimator(
    fn: object,
    kind: Literal["gae", "td0"] = "gae",
    *,
    adapter: Callable[..., object] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
    rtol: float = DEFAULT_RTOL,
    skip: Collection[str] = (),
) -> None:
    r"""Check an advantage estimator, GAE(γ, λ) or TD(0), against lagom's conventions.

    ``fn`` is called with keyword arguments named and shaped as in
    :func:`lagom.metric.batched_gae` (``kind="gae"``) or
    :func:`lagom.metric.batched_td0_error` (``kind="td0"``): time-major ``[T, N]`` numpy
    arrays, ``next_values[t]`` the value of the true next observation of step ``t`` (the
    final observation where an episode ended), ``terminated``/``truncated`` the flags of
    step ``t``. Properties, in order (``property_names("gae")``):

    * ``output shape and dtype``: ``[T, N]``, float32 for float32 inputs, float64 for
      float64; no input changed in place (checked on every call);
    * ``terminations cut``: ``next_values`` of a terminated step is never read, and
      nothing after a termination reaches the steps before it;
    * ``truncations bootstrap from next_values``: moving ``next_values[t]`` of a
      truncated step by ``Δ`` moves ``A_t`` by ``γΔ``, and nothing after the truncation
      (the reset observation's episode) reaches back;
    * ``gamma = 0`` (``A = r - V``), ``lambda = 0`` (the TD(0) error), ``lambda = 1``
      (``A + V`` is the bootstrapped return);
    * ``split in time``: the two halves of a batch, the first bootstrapped from the
      λ-return of the second, give the whole batch's result;
    * ``linearity`` in ``(rewards, values, next_values)``;
    * ``float32 agreement``: float32 inputs within ``4 T ε₃₂ · scale`` of the float64
      reference on the same numbers;
    * ``float32 over a long horizon`` (GAE only): one float32 episode of 4096-8192 steps
      with ``γ = λ = 1`` within ``√T ε₃₂ · scale``, which a float32 running sum misses;
    * ``agrees with lagom``: within ``rtol · scale`` of lagom's function.

    The float64 properties compare within ``rtol · scale``, where the scale is the largest
    reference output plus the largest per-step ``|r| + |V| + |V'|`` of the batch.

    Args:
        fn: the estimator, in lagom's signature, or in any other with ``adapter``.
        kind: ``"gae"`` or ``"td0"``.
        adapter: maps ``fn`` to lagom's signature, e.g. :func:`batch_major`,
            :func:`from_dones`, :func:`torch_tensors` or a composition of them.
        max_examples: examples per property (default Hypothesis's 100; the long-horizon
            property runs a tenth of them).
        seed: makes the run deterministic; default random (the failure prints it).
        rtol: the float64 tolerance, relative to the scale.
        skip: names of properties not to run.

    Raises:
        PropertyFailure: an ``AssertionError`` naming the first property that fails, with
            the shrunk counterexample.
        ValueError: ``kind``, ``max_examples``, ``rtol`` or a name in ``skip`` is invalid.

    Example:
        >>> from lagom.metric import batched_gae
        >>> check_advantage_estimator(batched_gae, max_examples=5, seed=0)

        A GAE that treats a truncation as a termination (as CleanRL's PPO does):

        >>> def cleanrl_gae(*, gamma, lam, rewards, values, next_values, terminated,
        ...                 truncated):
        ...     done = terminated | truncated
        ...     advantages, last = np.zeros_like(rewards), 0.0
        ...     for t in reversed(range(len(rewards))):
        ...         delta = rewards[t] + gamma * next_values[t] * (1 - done[t]) - values[t]
        ...         last = delta + gamma * lam * (1 - done[t]) * last
        ...         advantages[t] = last
        ...     return advantages
        >>> check_advantage_estimator(cleanrl_gae, seed=0)
        Traceback (most recent call last):
        ...
        lagom.testing._property.PropertyFailure: property 'truncations bootstrap from next_values' failed
        ...
    """  # noqa: E501  (a doctest output line)
    if kind not in ("gae", "td0"):
        raise ValueError(f"kind must be 'gae' or 'td0', got {kind!r}")
    est = _estimator(kind, _adapt(fn, adapter), rtol=rtol)
    _run(est, max_examples=max_examples, seed=seed, skip=skip)


@overload
def check_return_estimator(
    fn: ReturnFn,
    *,
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
@overload
def check_return_estimator(
    fn: F,
    *,
    adapter: Callable[[F], ReturnFn],
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
def check_return_estimator(
    fn: object,
    *,
    adapter: Callable[..., object] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
    rtol: float = DEFAULT_RTOL,
    skip: Collection[str] = (),
) -> None:
    r"""Check a discounted-return estimator against :func:`lagom.metric.batched_returns`.

    ``fn(*, gamma, rewards, next_values, terminated, truncated)`` returns ``G_t``,
    bootstrapped from ``next_values`` at truncations and at the rollout's end. The
    properties are those of :func:`check_advantage_estimator` without the λ ones
    (``property_names("returns")``); splitting bootstraps the first half from ``G_k``.

    Args:
        fn: the estimator, in lagom's signature, or in any other with ``adapter``.
        adapter: maps ``fn`` to lagom's signature (see :func:`check_advantage_estimator`).
        max_examples: examples per property (default 100).
        seed: makes the run deterministic.
        rtol: the float64 tolerance, relative to the scale.
        skip: names of properties not to run.

    Raises:
        PropertyFailure: naming the first property that fails.
        ValueError: an argument is invalid.

    Example:
        >>> from lagom.metric import batched_returns
        >>> check_return_estimator(batched_returns, max_examples=5, seed=0)
    """
    est = _estimator("returns", _adapt(fn, adapter), rtol=rtol)
    _run(est, max_examples=max_examples, seed=seed, skip=skip)


@overload
def check_td_target(
    fn: TDTargetFn,
    *,
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
@overload
def check_td_target(
    fn: F,
    *,
    adapter: Callable[[F], TDTargetFn],
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
def check_td_target(
    fn: object,
    *,
    adapter: Callable[..., object] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
    rtol: float = DEFAULT_RTOL,
    skip: Collection[str] = (),
) -> None:
    r"""Check a TD(0) target ``r_t + γ (1 - terminated_t) V(s_{t+1})``.

    ``fn(*, gamma, rewards, next_values, terminated)`` as
    :func:`lagom.metric.batched_td0_target`; a truncated step bootstraps like any other,
    from ``next_values`` (the value of its final observation). Properties:
    ``property_names("td_target")``.

    Args:
        fn: the estimator, in lagom's signature, or in any other with ``adapter``.
        adapter: maps ``fn`` to lagom's signature.
        max_examples: examples per property (default 100).
        seed: makes the run deterministic.
        rtol: the float64 tolerance, relative to the scale.
        skip: names of properties not to run.

    Raises:
        PropertyFailure: naming the first property that fails.
        ValueError: an argument is invalid.

    Example:
        >>> def td_target(*, gamma, rewards, next_values, terminated):
        ...     return rewards + gamma * np.where(terminated, 0.0, next_values)
        >>> check_td_target(td_target, max_examples=5, seed=0)
    """
    est = _estimator("td_target", _adapt(fn, adapter), rtol=rtol)
    _run(est, max_examples=max_examples, seed=seed, skip=skip)


@overload
def check_vtrace(
    fn: VTraceFn,
    *,
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    clip_c: float = ...,
    lam: float = ...,
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
@overload
def check_vtrace(
    fn: F,
    *,
    adapter: Callable[[F], VTraceFn],
    clip_rho: float = ...,
    clip_pg_rho: float = ...,
    clip_c: float = ...,
    lam: float = ...,
    max_examples: int | None = ...,
    seed: int | None = ...,
    rtol: float = ...,
    skip: Collection[str] = ...,
) -> None: ...
def check_vtrace(
    fn: object,
    *,
    adapter: Callable[..., object] | None = None,
    clip_rho: float = 1.0,
    clip_pg_rho: float = 1.0,
    clip_c: float = 1.0,
    lam: float = 1.0,
    max_examples: int | None = None,
    seed: int | None = None,
    rtol: float = DEFAULT_RTOL,
    skip: Collection[str] = (),
) -> None:
    r"""Check a V-trace implementation against :func:`lagom.metric.batched_vtrace`.

    ``fn(*, behavior_logprobs, target_logprobs, gamma, rewards, values, next_values,
    terminated, truncated)`` returns ``(vs, pg_advantages)``, each ``[T, N]``. Say which
    clips and trace ``λ`` it applies (``inf`` for a clip it does not apply); lagom's
    reference runs with the same. Besides the properties of
    :func:`check_advantage_estimator` without λ (``property_names("vtrace")``):

    * ``on-policy V-trace`` (when every clip is at least 1 and ``lam = 1``): with equal
      log-probabilities, ``vs`` is the bootstrapped return and ``pg_advantages`` the
      GAE(γ, 1) advantage;
    * ``ratios clipped`` (when the clips are finite): raising a ratio that is already
      above every clip changes nothing.

    In ``split in time`` the first half is bootstrapped from ``V(s_k) + (c_{k-1} / ρ̄_{k-1})
    (v_k - V(s_k))``, which carries ``vs`` across; the last ``pg_advantages`` of the first
    half is left out (it reads ``v_k`` itself).

    Args:
        fn: the estimator, in lagom's signature, or in any other with ``adapter``.
        adapter: maps ``fn`` to lagom's signature.
        clip_rho: ``ρ̄`` of ``fn``.
        clip_pg_rho: ``ρ̄_pg`` of ``fn``.
        clip_c: ``c̄`` of ``fn``.
        lam: the trace ``λ`` of ``fn``.
        max_examples: examples per property (default 100).
        seed: makes the run deterministic.
        rtol: the float64 tolerance, relative to the scale.
        skip: names of properties not to run.

    Raises:
        PropertyFailure: naming the first property that fails.
        ValueError: an argument is invalid.

    Example:
        >>> from lagom.metric import batched_vtrace
        >>> check_vtrace(batched_vtrace, max_examples=5, seed=0)
        >>> check_vtrace(functools.partial(batched_vtrace, clip_rho=2.0), clip_rho=2.0,
        ...              max_examples=5, seed=0)
    """
    for name, clip in (("clip_rho", clip_rho), ("clip_pg_rho", clip_pg_rho), ("clip_c", clip_c)):
        if not clip > 0:
            raise ValueError(f"{name} must be positive (inf for no clip), got {clip!r}")
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam!r}")
    clips = (float(clip_rho), float(clip_pg_rho), float(clip_c), float(lam))
    est = _estimator("vtrace", _adapt(fn, adapter), rtol=rtol, clips=clips)
    _run(est, max_examples=max_examples, seed=seed, skip=skip)
