"""Every argument of every public ``lagom.metric`` function, both faces: what is refused.

Float inputs must be finite (NaN and ±inf are refused, naming the argument and the first
bad index), required inputs must be given (``None`` is refused, never read as zeros), and
inputs of the wrong kind are refused with lagom's message, never a numpy traceback.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lagom.metric
from lagom.metric import gae, returns, td0_error, td0_target, vtrace

T, N = 5, 3
PUBLIC: list[Callable[..., Any]] = [
    getattr(lagom.metric, name) for name in sorted(lagom.metric.__all__) if name != "VTrace"
]
SCALARS = {"gamma", "lam", "clip_rho", "clip_pg_rho", "clip_c"}
FLAGS = {"terminated", "truncated", "reach_terminal"}
#: Per-step float inputs, under the names either face gives them.
PER_STEP = {
    "rewards",
    "Rs",
    "values",
    "Vs",
    "next_values",
    "behavior_logprobs",
    "target_logprobs",
}


def _batched(fn: Callable[..., Any]) -> bool:
    return fn.__name__.startswith("batched_")


def _parameters(fn: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(fn).parameters)


def _valid(fn: Callable[..., Any]) -> dict[str, Any]:
    """Valid arguments, by name, for every parameter of ``fn``."""
    rng = np.random.default_rng(0)
    shape = (T, N) if _batched(fn) else (T,)
    arguments: dict[str, Any] = {}
    for name in _parameters(fn):
        if name in SCALARS:
            arguments[name] = 0.9
        elif name in PER_STEP:
            arguments[name] = -rng.random(shape)
        elif name in ("terminated", "truncated"):
            arguments[name] = rng.random(shape) < 0.2
        elif name == "last_V":
            arguments[name] = 1.5
        elif name == "reach_terminal":
            arguments[name] = False
        elif name == "out":  # optional; its checks are tested in test_gae
            arguments[name] = None
        else:  # pragma: no cover (a new parameter: this table must learn it)
            raise AssertionError(f"no valid value for {fn.__name__}({name})")
    return arguments


def _call(fn: Callable[..., Any], **overrides: Any) -> Any:
    return fn(**{**_valid(fn), **overrides})


def _cases(names: set[str]) -> list[Any]:
    return [
        pytest.param(fn, name, id=f"{fn.__name__}-{name}")
        for fn in PUBLIC
        for name in _parameters(fn)
        if name in names
    ]


def _no_numpy_traceback(error: BaseException) -> None:
    """The error is lagom's own: numpy's, if any, was suppressed, not chained."""
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_the_tables_cover_every_parameter() -> None:
    known = SCALARS | FLAGS | PER_STEP | {"last_V", "out"}
    for fn in PUBLIC:
        assert set(_parameters(fn)) <= known, fn.__name__
        _call(fn)


@pytest.mark.parametrize(("fn", "name"), _cases(PER_STEP))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_per_step_inputs_are_refused_with_the_index(
    fn: Callable[..., Any], name: str, bad: float, dtype: Any
) -> None:
    x = np.asarray(_valid(fn)[name], dtype=dtype)
    index = (3, 1) if _batched(fn) else (3,)
    x[index] = bad
    message = f"{name} holds {bad} at index {index}; every input must be finite"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$") as info:
        _call(fn, **{name: x})
    _no_numpy_traceback(info.value)


@pytest.mark.parametrize(("fn", "name"), _cases(PER_STEP))
def test_the_first_non_finite_index_is_named_in_any_input_kind(
    fn: Callable[..., Any], name: str
) -> None:
    x = np.asarray(_valid(fn)[name])
    first, later = ((1, 2), (3, 0)) if _batched(fn) else ((1,), (3,))
    x[later] = np.nan
    x[first] = -np.inf
    message = re.escape(f"{name} holds -inf at index {first};")
    for given in (x, x.tolist()):
        with pytest.raises(ValueError, match=f"^{message}"):
            _call(fn, **{name: given})


@pytest.mark.parametrize(("fn", "name"), _cases({"last_V"}))
@pytest.mark.parametrize("reach_terminal", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_last_V_is_refused(
    fn: Callable[..., Any], name: str, reach_terminal: bool, bad: float
) -> None:
    with pytest.raises(ValueError, match=f"^last_V must be finite, got {bad}$"):
        _call(fn, last_V=np.float32(bad), reach_terminal=reach_terminal)


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("big", [3e38, -3e38])
def test_finite_inputs_whose_sum_overflows_are_accepted(fn: Callable[..., Any], big: float) -> None:
    # float32 sums of these overflow to ±inf: the check must test the values, not a sum.
    shape = (T, N) if _batched(fn) else (T,)
    arguments: dict[str, Any] = {
        name: np.full(shape, big, dtype=np.float32) for name in _parameters(fn) if name in PER_STEP
    }
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.sum(np.full(shape, big, dtype=np.float32)))
    if "last_V" in _parameters(fn):
        arguments["last_V"] = np.float32(big)
    # γ = 0: nothing is added across steps, so the outputs stay finite too.
    result = _call(fn, gamma=0.0, **arguments)
    for output in result if isinstance(result, tuple) else (result,):
        assert output.shape == shape
        assert np.isfinite(output).all()


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize(
    ("dtype", "big"), [(np.float16, 6e4), (np.float32, 3e38), (np.float64, 1e308)]
)
def test_a_result_that_overflows_its_dtype_is_refused(
    fn: Callable[..., Any], dtype: Any, big: float
) -> None:
    # Finite inputs whose sums pass the dtype's limit: the result was ±inf (NaN past an
    # episode boundary) with at most a numpy RuntimeWarning, or, for V-trace, an error that
    # blamed the importance ratios (exactly 1 here).
    shape = (T, N) if _batched(fn) else (T,)
    arguments: dict[str, Any] = {
        name: np.full(shape, 0.0 if name.endswith("logprobs") else big, dtype=dtype)
        for name in _parameters(fn)
        if name in PER_STEP
    }
    if "values" in arguments or "Vs" in arguments:
        arguments["values" if _batched(fn) else "Vs"] = np.full(shape, -big, dtype=dtype)
    if "last_V" in _parameters(fn):
        arguments["last_V"] = dtype(big)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=f"^(the result|V-trace) overflowed {np.dtype(dtype)}"):
            _call(fn, gamma=1.0, **arguments)


@pytest.mark.parametrize(("fn", "name"), _cases(PER_STEP | FLAGS | {"last_V"}))
def test_none_is_refused_for_every_required_input(fn: Callable[..., Any], name: str) -> None:
    with pytest.raises(TypeError, match=f"^{name} is required, got None$"):
        _call(fn, **{name: None})


@pytest.mark.parametrize(("fn", "name"), _cases(PER_STEP | FLAGS))
def test_a_masked_array_is_refused_for_every_array_input(fn: Callable[..., Any], name: str) -> None:
    # np.asarray drops the mask: the masked entries were used as if valid.
    valid = np.asarray(_valid(fn)[name])
    masked = np.ma.array(valid, mask=np.ones(valid.shape, bool))
    with pytest.raises(TypeError, match=f"^{name} is a masked array"):
        _call(fn, **{name: masked})


@pytest.mark.parametrize(("fn", "name"), _cases(SCALARS))
@pytest.mark.parametrize(("bad", "kind"), [(None, "NoneType"), ("0.9", "str"), ([0.9], "list")])
def test_scalars_must_be_real_numbers(
    fn: Callable[..., Any], name: str, bad: object, kind: str
) -> None:
    with pytest.raises(TypeError, match=f"^{name} must be a real number, got {kind}( |$)"):
        _call(fn, **{name: bad})


def test_values_are_required_by_the_episode_face() -> None:
    # The seed read Vs=None as zeros; it is a missing argument.
    r = [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match=r"^Vs is required, got None$"):
        gae(0.9, 0.95, r, None, 1.0, False)
    with pytest.raises(TypeError, match=r"^Vs is required, got None$"):
        td0_target(0.9, r, None, 1.0, False)
    with pytest.raises(TypeError, match=r"^Vs is required, got None$"):
        td0_error(0.9, r, None, 1.0, False)
    with pytest.raises(TypeError, match=r"^Vs is required, got None$"):
        vtrace([0.0] * 3, [0.0] * 3, 0.9, r, None, 1.0, False)
    with pytest.raises(ValueError, match=r"^rewards holds inf at index \(0,\)"):
        returns(0.9, [np.inf, 1, 1])


class _Opaque:
    """Neither an array, a number nor a tensor."""


BAD_KINDS = [
    pytest.param("abc", TypeError, "must hold real numbers", id="str"),
    pytest.param(b"abc", TypeError, "must hold real numbers", id="bytes"),
    pytest.param(_Opaque(), TypeError, "must hold real numbers", id="object"),
    pytest.param({"a": 1.0}, TypeError, "must hold real numbers", id="dict"),
    pytest.param([1.0, None], TypeError, "must hold real numbers", id="list-with-None"),
    pytest.param(1 + 2j, TypeError, "must hold real numbers", id="complex"),
    pytest.param([[1.0, 2.0], [1.0]], ValueError, "must be array-like of numbers", id="ragged"),
]


@pytest.mark.parametrize(("fn", "name"), _cases(PER_STEP | FLAGS | {"last_V"}))
@pytest.mark.parametrize(("bad", "error", "message"), BAD_KINDS)
def test_inputs_of_the_wrong_kind_are_refused_by_name(
    fn: Callable[..., Any], name: str, bad: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{name} {message}") as info:
        _call(fn, **{name: bad})
    _no_numpy_traceback(info.value)


@pytest.mark.parametrize(("fn", "name"), _cases({"gamma", "lam"}))
@pytest.mark.parametrize("bad", [-0.1, 1.0001, float("nan"), float("inf")])
def test_discounts_are_in_the_unit_interval(fn: Callable[..., Any], name: str, bad: float) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must be in \[0, 1\], got {bad}$"):
        _call(fn, **{name: bad})
