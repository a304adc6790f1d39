"""The named properties of the estimator suites, each a check of one :class:`Estimator`.

Every property takes the estimator under test and one drawn case, and raises
``AssertionError`` with a message that says what was expected. Tolerances are relative to
a *scale*: the largest output of lagom's reference plus the largest per-step input
``|r_t| + |V(s_t)| + |V(s_{t+1})|`` (times the largest clipped ratio, for V-trace).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

from lagom._types import BoolArray, FloatArray
from lagom.metric import batched_gae, batched_returns
from lagom.testing._cases import Case, cases, long_horizon_cases, required
from lagom.testing.strategies import value_arrays

__all__ = ["PROPERTIES", "Estimator", "Property"]

EPS32 = float(np.finfo(np.float32).eps)
Outputs = tuple[FloatArray, ...]


@attrs.frozen
class Estimator:
    """One suite's estimator: how to call it, lagom's reference, and what it takes."""

    kind: str  # "gae", "td0", "returns", "td_target" or "vtrace"
    call: Callable[[Case], Outputs]
    reference: Callable[[Case], Outputs]
    output_names: tuple[str, ...]
    rtol: float
    clip_rho: float = math.inf
    clip_pg_rho: float = math.inf
    clip_c: float = math.inf
    trace_lam: float = 1.0

    @property
    def with_lam(self) -> bool:
        return self.kind == "gae"

    @property
    def with_values(self) -> bool:
        return self.kind in ("gae", "td0", "vtrace")

    @property
    def with_logprobs(self) -> bool:
        return self.kind == "vtrace"

    @property
    def recursive(self) -> bool:
        return self.kind in ("gae", "returns", "vtrace")

    # Any: the keyword arguments of `cases` (dtype, gamma, force...), passed through.
    def cases(self, **kwargs: Any) -> st.SearchStrategy[Case]:
        return cases(
            with_lam=self.with_lam,
            with_values=self.with_values,
            with_logprobs=self.with_logprobs,
            **kwargs,
        )

    def ratios(self, case: Case) -> FloatArray:
        if case.behavior_logprobs is None or case.target_logprobs is None:
            return np.ones(case.shape)
        behavior = case.behavior_logprobs.astype(np.float64)
        ratios: FloatArray = np.exp(case.target_logprobs.astype(np.float64) - behavior)
        return ratios

    def scale(self, case: Case, reference: Outputs) -> float:
        per_step = sum(np.abs(a.astype(np.float64)) for a in _values_of(case))
        clips = [self.clip_rho, self.clip_pg_rho, self.clip_c]
        ratio = np.minimum(self.ratios(case), max(clips)) if self.with_logprobs else 1.0
        largest_input = float(np.max(per_step * np.maximum(ratio, 1.0), initial=0.0))
        largest_output = max(float(np.max(np.abs(r), initial=0.0)) for r in reference)
        # The floor keeps a zero tolerance meaningful on an all-zero batch.
        return max(largest_output + largest_input, 1e-12)


def _values_of(case: Case) -> list[FloatArray]:
    present = [case.rewards, case.next_values]
    return present if case.values is None else [*present, case.values]


@attrs.frozen
class Property:
    """A named property: which estimators it applies to, what it draws, what it checks."""

    name: str
    applies: Callable[[Estimator], bool]
    # Any: each property draws its own kind of example (a Case, a LinearCase).
    strategy: Callable[[Estimator], st.SearchStrategy[Any]]
    test: Callable[[Estimator, Any], None]
    #: The property's share of the example budget (its examples are big).
    budget_divisor: int = 1


def assert_close(
    actual: FloatArray, expected: FloatArray, atol: float, what: str, mask: object = None
) -> None:
    """Fail with the worst entry unless ``|actual - expected| <= atol`` (where ``mask``)."""
    error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    if mask is not None:
        error = np.where(np.asarray(mask, dtype=bool), error, 0.0)
    if not np.all(error <= atol):
        index = np.unravel_index(
            int(np.argmax(np.where(np.isnan(error), np.inf, error))), error.shape
        )
        at = tuple(int(i) for i in index)
        raise AssertionError(
            f"{what}: at [t, n] = {list(at)} got {float(actual[at]):.9g}, expected "
            f"{float(expected[at]):.9g} (|difference| {float(error[at]):.3g} > tolerance "
            f"{atol:.3g})"
        )


def _compare(
    est: Estimator,
    actual: Outputs,
    expected: Outputs,
    atol: float,
    what: str,
    masks: Sequence[object] | None = None,
) -> None:
    for i, name in enumerate(est.output_names):
        mask = None if masks is None else masks[i]
        assert_close(
            actual[i], expected[i], atol, f"{what} ({name})" if len(actual) > 1 else what, mask
        )


# --- the properties -----------------------------------------------------------------------


def _shape_and_dtype(est: Estimator, case: Case) -> None:
    outputs = est.call(case)  # the call itself checks the shapes
    for name, output in zip(est.output_names, outputs, strict=True):
        if output.dtype != case.dtype:
            raise AssertionError(
                f"{name} has dtype {output.dtype} for {case.dtype} inputs; lagom's "
                "convention: the output dtype follows the input floats (float32 in, "
                "float32 out)"
            )


def _atol(est: Estimator, *cases: Case) -> float:
    """``rtol · scale`` over every case a comparison involves (a moved input is larger)."""
    return est.rtol * max(est.scale(case, est.reference(case)) for case in cases)


def _after(case: Case, ends: BoolArray) -> tuple[Case, BoolArray]:
    """The case with every input after the first of ``ends`` in each column changed.

    Returns the changed case and the mask of steps up to (and including) that end, in the
    columns that have one: outputs there must not move.
    """
    T = case.T
    has_end = np.asarray(np.any(ends, axis=0))
    first = np.where(has_end, ends.argmax(axis=0), T)
    later = np.arange(T)[:, None] > first[None, :]
    changes: dict[str, object] = {}
    for name, array in case.floats().items():
        shift = -1.0 if name.endswith("logprobs") else 5.0
        changes[name] = np.where(later, array + shift, array).astype(array.dtype)
    upto = (np.arange(T)[:, None] <= first[None, :]) & has_end[None, :]
    return case.replace(**changes), upto


def _terminations_cut(est: Estimator, case: Case) -> None:
    base = est.call(case)
    moved = case.replace(
        next_values=case.next_values + np.where(case.terminated, 7.0, 0.0).astype(case.dtype)
    )
    changed, upto = _after(case, case.terminated)
    atol = _atol(est, case, moved, changed)
    _compare(
        est,
        est.call(moved),
        base,
        atol,
        "output changed when next_values changed at terminated steps (a terminated "
        "step must not bootstrap)",
    )
    _compare(
        est,
        est.call(changed),
        base,
        atol,
        "output up to a termination changed when the steps after it changed (the "
        "recursion must stop at a terminated step)",
        [upto] * len(base),
    )


def _truncations_bootstrap(est: Estimator, case: Case) -> None:
    base = est.call(case)
    cut = case.truncated & ~case.terminated
    delta = 4.0
    moved = case.replace(
        next_values=case.next_values + np.where(cut, delta, 0.0).astype(case.dtype)
    )
    changed, upto = _after(case, cut)
    atol = _atol(est, case, moved, changed)
    ratios = est.ratios(case)
    weights = {
        "vs": np.minimum(ratios, est.clip_rho),
        "pg_advantages": np.minimum(ratios, est.clip_pg_rho),
    }
    expected = tuple(
        b + case.gamma * delta * weights.get(name, 1.0)
        for name, b in zip(est.output_names, base, strict=True)
    )
    _compare(
        est,
        est.call(moved),
        expected,
        atol,
        f"at a truncated step, moving next_values (the value of the true final "
        f"observation) by {delta} must move the output by gamma * {delta}"
        f"{' * min(clip, ratio)' if est.kind == 'vtrace' else ''}: a truncation "
        "bootstraps from next_values, never from the reset observation",
        [cut] * len(base),
    )
    _compare(
        est,
        est.call(changed),
        base,
        atol,
        "output up to a truncation changed when the steps after it changed (the "
        "next episode starts from a reset observation: nothing of it may leak "
        "back)",
        [upto] * len(base),
    )


def _gamma_zero(est: Estimator, case: Case) -> None:
    r = case.rewards.astype(np.float64)
    if est.kind in ("returns", "td_target"):
        expected: Outputs = (r,)
    elif est.kind == "vtrace":
        v = required(case.values, "values").astype(np.float64)
        ratios = est.ratios(case)
        expected = (
            v + np.minimum(ratios, est.clip_rho) * (r - v),
            np.minimum(ratios, est.clip_pg_rho) * (r - v),
        )
    else:
        expected = (r - required(case.values, "values"),)
    atol = est.rtol * est.scale(case, expected)
    _compare(
        est,
        est.call(case),
        expected,
        atol,
        "with gamma = 0 the output must be the "
        "one-step quantity (r for returns and targets, r - V for advantages)",
    )


def _lam_zero(est: Estimator, case: Case) -> None:
    bootstrap = np.where(case.terminated, 0.0, case.next_values.astype(np.float64))
    expected = case.rewards + case.gamma * bootstrap - required(case.values, "values")
    atol = est.rtol * est.scale(case, (expected,))
    _compare(
        est,
        est.call(case),
        (expected,),
        atol,
        "with lam = 0 GAE must be the TD(0) error r + gamma (1 - terminated) V' - V",
    )


def _lam_one(est: Estimator, case: Case) -> None:
    returns = batched_returns(
        case.gamma,
        case.rewards.astype(np.float64),
        case.next_values.astype(np.float64),
        terminated=case.terminated,
        truncated=case.truncated,
    )
    expected = returns - required(case.values, "values")
    atol = est.rtol * est.scale(case, (expected,))
    _compare(
        est,
        est.call(case),
        (expected,),
        atol,
        "with lam = 1 GAE + V must be the bootstrapped discounted return",
    )


def _on_policy_case(case: Case) -> Case:
    behavior = required(case.behavior_logprobs, "behavior_logprobs")
    return case.replace(target_logprobs=behavior.copy())


def _on_policy(est: Estimator, case: Case) -> None:
    values = required(case.values, "values")
    r, v, nv = (a.astype(np.float64) for a in (case.rewards, values, case.next_values))
    flags = {"terminated": case.terminated, "truncated": case.truncated}
    vs = batched_returns(case.gamma, r, nv, **flags)
    pg = batched_gae(case.gamma, 1.0, r, v, nv, **flags)
    atol = est.rtol * est.scale(case, (vs, pg))
    _compare(
        est,
        est.call(case),
        (vs, pg),
        atol,
        "on-policy (target = behaviour log-probs) "
        "V-trace must give the bootstrapped returns and GAE(gamma, 1) advantages",
    )


def _above_every_clip(est: Estimator, case: Case) -> BoolArray:
    top = max(est.clip_rho, est.clip_pg_rho, est.clip_c)
    clipped: BoolArray = est.ratios(case) >= top * (1.0 + 1e-6)
    return clipped


def _with_a_clipped_ratio(est: Estimator, case: Case) -> Case:
    """The case, with the ratio of step (0, 0) above every clip if none is."""
    if _above_every_clip(est, case).any():
        return case
    top = max(est.clip_rho, est.clip_pg_rho, est.clip_c)
    target = required(case.target_logprobs, "target_logprobs").copy()
    behavior = required(case.behavior_logprobs, "behavior_logprobs")
    target[0, 0] = behavior[0, 0] + math.log(top) + 0.5
    return case.replace(target_logprobs=target)


def _ratios_clipped(est: Estimator, case: Case) -> None:
    target = required(case.target_logprobs, "target_logprobs")
    clipped = _above_every_clip(est, case)
    base = est.call(case)
    raised = case.replace(target_logprobs=(target + np.where(clipped, 1.0, 0.0)).astype(case.dtype))
    atol = _atol(est, case, raised)
    _compare(
        est,
        est.call(raised),
        base,
        atol,
        f"raising the ratios that are already above every clip (clip_rho={est.clip_rho},"
        f" clip_c={est.clip_c}, clip_pg_rho={est.clip_pg_rho}) by e must change "
        "nothing: V-trace clips its importance ratios",
    )


def _split_bootstrap(est: Estimator, case: Case, full: Outputs, k: int) -> FloatArray:
    """``next_values[k-1]`` that makes steps ``0..k-1`` alone give the full outputs."""
    nv = case.next_values[k - 1].astype(np.float64)
    if est.kind == "gae":
        lam = 0.0 if case.lam is None else case.lam
        boot = nv + lam * full[0][k]
    elif est.kind == "returns":
        boot = full[0][k].astype(np.float64)
    elif est.kind == "vtrace":
        values = required(case.values, "values")
        ratios = est.ratios(case)[k - 1]
        c = est.trace_lam * np.minimum(ratios, est.clip_c)
        boot = nv + c / np.minimum(ratios, est.clip_rho) * (full[0][k] - values[k])
    else:
        boot = nv
    result: FloatArray = np.where(case.done[k - 1], nv, boot)
    return result


def _split_in_time(est: Estimator, case: Case) -> None:
    k = max(1, case.T // 2)
    full = est.call(case)
    first = case.rows(0, k)
    next_values = first.next_values.copy()
    next_values[k - 1] = _split_bootstrap(est, case, full, k)
    first = first.replace(next_values=next_values)
    atol = _atol(est, case, first)
    second = est.call(case.rows(k, case.T))
    _compare(
        est,
        second,
        tuple(f[k:] for f in full),
        atol,
        f"steps {k}..{case.T - 1} computed alone differ from the same steps of the whole batch",
    )
    pieces = est.call(first)
    masks: list[object] = [np.ones((k, *case.shape[1:]), bool)] * len(full)
    if est.kind == "vtrace":  # A_{k-1} reads v_k itself, which a single value cannot carry
        masks[1] = np.arange(k)[:, None] < k - 1
    _compare(
        est,
        pieces,
        tuple(f[:k] for f in full),
        atol,
        f"steps 0..{k - 1} computed alone, bootstrapped at step {k - 1} from the rest "
        "of the batch, differ from the same steps of the whole batch",
        masks,
    )


@attrs.frozen(eq=False)
class LinearCase:
    """Two batches with the same flags and the coefficients of their combination."""

    a: float
    b: float
    x: Case
    y: Case


@st.composite
def _linear_cases(draw: st.DrawFn, est: Estimator) -> LinearCase:
    x = draw(est.cases(dtype=np.float64), label="x")
    arrays = value_arrays(x.shape, np.float64)
    rewards, values, final = draw(arrays), draw(arrays), draw(arrays)
    inside = ~x.done[:-1]
    next_values = final.copy()
    next_values[:-1][inside] = values[1:][inside]
    y = x.replace(
        rewards=rewards,
        values=None if x.values is None else values,
        next_values=next_values,
    )
    coefficients = st.sampled_from([-2.0, -0.5, 0.5, 1.0, 3.0])
    return LinearCase(draw(coefficients, label="a"), draw(coefficients, label="b"), x, y)


def _linearity(est: Estimator, pair: LinearCase) -> None:
    a, b, x, y = pair.a, pair.b, pair.x, pair.y
    mixed = x.replace(
        **{
            name: a * array + b * getattr(y, name)
            for name, array in x.floats().items()
            if not name.endswith("logprobs")
        }
    )
    out_x, out_y, out_mixed = est.call(x), est.call(y), est.call(mixed)
    expected = tuple(a * p + b * q for p, q in zip(out_x, out_y, strict=True))
    scale = abs(a) * est.scale(x, est.reference(x)) + abs(b) * est.scale(y, est.reference(y))
    _compare(
        est,
        out_mixed,
        expected,
        est.rtol * scale,
        f"the output must be linear in (rewards, values, next_values): "
        f"f({a} x + {b} y) != {a} f(x) + {b} f(y)",
    )


def _float32(est: Estimator, case: Case) -> None:
    out = est.call(case)
    reference = est.reference(case.astype(np.float64))
    atol = 4 * case.T * EPS32 * est.scale(case, reference)
    _compare(
        est,
        out,
        reference,
        atol,
        "float32 inputs: output differs from lagom's float64 reference on the same "
        "numbers by more than 4 T eps32 scale",
    )


def _float32_long(est: Estimator, case: Case) -> None:
    out = est.call(case)
    reference = est.reference(case.astype(np.float64))
    atol = math.sqrt(case.T) * EPS32 * est.scale(case, reference)
    _compare(
        est,
        out,
        reference,
        atol,
        f"float32 inputs over T = {case.T} steps: output drifts from lagom's float64 "
        f"reference by more than sqrt(T) eps32 scale; accumulate in float64 (and cast "
        f"the result), a float32 running sum loses precision step after step",
    )


def _agrees(est: Estimator, case: Case) -> None:
    reference = est.reference(case)
    atol = est.rtol * est.scale(case, reference)
    _compare(est, est.call(case), reference, atol, "output differs from lagom's reference")


def _all_clips_at_least_one(est: Estimator) -> bool:
    return min(est.clip_rho, est.clip_pg_rho, est.clip_c) >= 1.0 and est.trace_lam == 1.0


PROPERTIES: tuple[Property, ...] = (
    Property("output shape and dtype", lambda e: True, lambda e: e.cases(), _shape_and_dtype),
    Property(
        "ratios clipped",
        lambda e: e.kind == "vtrace" and math.isfinite(max(e.clip_rho, e.clip_pg_rho, e.clip_c)),
        lambda e: e.cases(dtype=np.float64),
        _ratios_clipped,
    ),
    Property(
        "terminations cut",
        lambda e: True,
        lambda e: e.cases(dtype=np.float64, force="terminated"),
        _terminations_cut,
    ),
    Property(
        "truncations bootstrap from next_values",
        lambda e: True,
        lambda e: e.cases(dtype=np.float64, force="truncated"),
        _truncations_bootstrap,
    ),
    Property(
        "gamma = 0", lambda e: True, lambda e: e.cases(dtype=np.float64, gamma=0.0), _gamma_zero
    ),
    Property(
        "lambda = 0",
        lambda e: e.kind == "gae",
        lambda e: e.cases(dtype=np.float64, lam=0.0),
        _lam_zero,
    ),
    Property(
        "lambda = 1",
        lambda e: e.kind == "gae",
        lambda e: e.cases(dtype=np.float64, lam=1.0),
        _lam_one,
    ),
    Property(
        "on-policy V-trace",
        lambda e: e.kind == "vtrace" and _all_clips_at_least_one(e),
        lambda e: e.cases(dtype=np.float64).map(_on_policy_case),
        _on_policy,
    ),
    Property(
        "split in time",
        lambda e: True,
        lambda e: e.cases(dtype=np.float64, min_T=2),
        _split_in_time,
    ),
    Property("linearity", lambda e: True, _linear_cases, _linearity),
    Property("float32 agreement", lambda e: True, lambda e: e.cases(dtype=np.float32), _float32),
    Property(
        "float32 over a long horizon",
        lambda e: e.recursive,
        lambda e: long_horizon_cases(
            with_lam=e.with_lam, with_values=e.with_values, with_logprobs=e.with_logprobs
        ),
        _float32_long,
        budget_divisor=10,
    ),
    Property("agrees with lagom", lambda e: True, lambda e: e.cases(dtype=np.float64), _agrees),
)
