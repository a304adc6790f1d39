"""The machinery of the bad-input probe: bad values by kind, one call, its classification.

A probe call substitutes one bad value for one argument of an otherwise valid call and
sorts what happens into one of these outcomes:

- ``lagom``: a ``ValueError`` or ``TypeError`` raised by a ``raise`` statement in a frame
  inside ``lagom/``, whose message names the argument (or one of the case's other names
  for the problem). This is the only good outcome for a bad value.
- ``unnamed``: such an error, but its message names neither the argument nor the problem.
- ``dep``: any other exception, or one raised inside a dependency (numpy, torch, gymnasium,
  pycma, attrs, builtins...) or by Python inside a lagom frame (``int(None)``, a failed
  truth test, a missing attribute): the user sees a traceback that is not lagom's.
- ``silent``: the call returned. Counted as ``allowed`` when the allow-list says the
  bad-looking value is a documented, valid input there.
- ``type``: an exception of another type (``IndexError``, ``KeyError``...) raised by a
  ``raise`` statement in lagom. Counted as ``allowed`` only where the allow-list says so:
  ``obj[i]`` out of range, whose error the sequence protocol fixes, or a documented one.
- ``valid`` / ``broken``: the unchanged valid call of a sweep returned / raised (a broken
  valid call would make every bad call of its sweep pass for the wrong reason).
"""

from __future__ import annotations

import contextlib
import dis
import io
import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

import lagom

LAGOM_DIR = Path(lagom.__file__).resolve().parent

NAN, INF = math.nan, math.inf

#: The instructions of a ``raise`` statement (``raise``, ``raise X``, ``raise X from Y``).
_RAISES = frozenset({"RAISE_VARARGS"})


class _Object:
    """A plain object (what ``object()`` is), with a short repr for the report."""

    def __repr__(self) -> str:
        return "<object>"


#: Every bad value by label; each is a factory, so a call never sees another's mutation.
VALUES: dict[str, Callable[[], Any]] = {
    "None": lambda: None,
    "nan": lambda: NAN,
    "inf": lambda: INF,
    "-inf": lambda: -INF,
    "str": lambda: "x",
    "bogus": lambda: "bogus",
    "bool": lambda: True,
    "neg": lambda: -1,
    "zero": lambda: 0,
    "frac": lambda: 0.5,
    "1.5": lambda: 1.5,
    "big": lambda: 2**40,
    "complex": lambda: 1j,
    "obj": _Object,
    "empty": list,
    "emptyarr": lambda: np.zeros(0),
    "3d": lambda: np.zeros((2, 3, 4)),
    "nanarr": lambda: np.array([NAN, 1.0]),
    "infarr": lambda: np.array([1.0, INF]),
    "cplxarr": lambda: np.array([1j, 2j]),
    "strarr": lambda: np.array(["a", "b"]),
    "[neg]": lambda: [-1],
    "[zero]": lambda: [0],
    "[frac]": lambda: [1.5],
    "[bool]": lambda: [True],
    "[str]": lambda: ["x"],
    "[None]": lambda: [None],
    "nulpath": lambda: "run\x00name",
}

_REAL = ("None", "nan", "inf", "-inf", "str", "bool", "complex", "obj")

#: Which bad values each kind of argument gets.
KINDS: dict[str, tuple[str, ...]] = {
    # an int >= 1 (a size, a count)
    "count": ("None", "nan", "inf", "str", "bool", "neg", "zero", "frac", "obj"),
    # an int >= 0
    "size": ("None", "nan", "inf", "str", "bool", "neg", "frac", "obj"),
    # any int (an axis, an index)
    "int": ("None", "nan", "str", "bool", "frac", "obj"),
    # a seed: an int in [0, 2**32 - 1]
    "seed": ("None", "nan", "str", "bool", "neg", "big", "frac", "obj"),
    # a real number
    "real": _REAL,
    # a real number > 0
    "pos": (*_REAL, "neg", "zero"),
    # a real number >= 0
    "nonneg": (*_REAL, "neg"),
    # a real number in [0, 1]
    "unit": (*_REAL, "neg", "1.5"),
    # an array of real numbers
    "array": ("None", "str", "empty", "3d", "nanarr", "infarr", "cplxarr", "strarr", "obj"),
    # a string chosen from a set (or a name that must exist)
    "choice": ("None", "str", "neg", "obj"),
    # any string
    "text": ("None", "neg", "obj"),
    # a bool flag
    "flag": ("None", "str", "neg", "obj"),
    # a callable
    "callable": ("None", "neg", "str", "obj"),
    # a file system path
    "path": ("None", "neg", "obj", "nulpath"),
    # a mapping
    "mapping": ("None", "str", "neg", "[zero]", "obj"),
    # a sequence of ints >= 1
    "ints": ("None", "str", "neg", "empty", "[neg]", "[zero]", "[frac]", "[bool]", "obj"),
    # an environment or any other object of a given type
    "object": ("None", "str", "neg", "obj"),
    # a device
    "device": ("neg", "str", "obj"),
}


@attrs.frozen
class Fresh:
    """A valid argument made anew for every call (an environment, a network, a buffer)."""

    make: Callable[[], Any]


@attrs.frozen
class Result:
    """One probe call: its name, e.g. ``make_fc(hidden_sizes=neg)``, outcome and detail."""

    name: str
    outcome: str
    detail: str


def _where(error: BaseException) -> tuple[bool, str]:
    """Whether ``error`` was raised by a ``raise`` statement inside lagom, and where.

    The instruction the innermost frame stopped at tells a ``raise`` statement from an
    exception that Python or a C function raised there (``int(None)``, a truth test), without
    reading the source file.
    """
    tb = error.__traceback__
    if tb is None:
        return False, "?"
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    path = Path(code.co_filename)
    place = f"{path.name}:{tb.tb_lineno}"
    try:
        inside = path.resolve().is_relative_to(LAGOM_DIR)
    except OSError:  # pragma: no cover - a frame of generated code
        inside = False
    ops = {instruction.offset: instruction.opname for instruction in dis.get_instructions(code)}
    explicit = ops.get(tb.tb_lasti) in _RAISES
    return inside and explicit, place


def classify(call: Callable[[], object], names: Iterable[str]) -> tuple[str, str]:
    """Run ``call`` and return its outcome and a one-line detail."""
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            result = call()
    except (ValueError, TypeError) as error:
        lagoms, place = _where(error)
        message = str(error)
        detail = f"{type(error).__name__}: {message[:150]} @ {place}"
        if not lagoms:
            return "dep", detail
        if not any(name in message for name in names):
            return "unnamed", detail
        return "lagom", detail
    except Exception as error:
        lagoms, place = _where(error)
        detail = f"{type(error).__name__}: {str(error)[:150]} @ {place}"
        if lagoms:
            # lagom's own error of another type: right only where the allow-list says so.
            return "type", detail
        return "dep", detail
    return "silent", repr(result)[:80].replace("\n", " ")


class Probe:
    """Collects the results of probe calls.

    Args:
        allowed: name of a call -> why its silent result is right (a documented input).
    """

    def __init__(self, allowed: Mapping[str, str]) -> None:
        self.allowed = allowed
        self.results: list[Result] = []

    def case(self, name: str, call: Callable[[], object], *names: str) -> None:
        """Probe one bad call; its message must hold one of ``names`` (at least one)."""
        outcome, detail = classify(call, names)
        if outcome in ("silent", "type") and name in self.allowed:
            outcome = "allowed"
        self.results.append(Result(name, outcome, detail))

    def each(
        self, name: str, call: Callable[[Any], object], labels: Iterable[str], *names: str
    ) -> None:
        """Probe ``call(value)`` for the value of each label; ``name`` has a ``{label}`` field."""
        for label in labels:
            make = VALUES[label]
            self.case(name.format(label=label), lambda make=make: call(make()), *names)

    def sweep(
        self,
        name: str,
        fn: Callable[..., object],
        base: Mapping[str, Any],
        kinds: Mapping[str, str | tuple[str, ...]],
        *,
        also: Mapping[str, tuple[str, ...]] | None = None,
        names: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """Probe ``fn(**base)`` once as given, then once per argument and bad value.

        Args:
            name: the name the results carry, ``name(arg=label)``.
            fn: the callable; it must succeed on ``base``.
            base: valid keyword arguments; a :class:`Fresh` one is made for every call.
            kinds: argument -> its kind (a key of :data:`KINDS`) or the labels to try.
            also: argument -> labels tried on top of its kind's.
            names: argument -> other words a message may use instead of its name.
        """
        outcome, detail = classify(lambda: fn(**_build(base, {})), ())
        self.results.append(
            Result(f"{name}()", "valid" if outcome == "silent" else "broken", detail)
        )
        for arg, kind in kinds.items():
            labels = KINDS[kind] if isinstance(kind, str) else kind
            labels = (*labels, *(also or {}).get(arg, ()))
            for label in labels:
                make = VALUES[label]
                self.case(
                    f"{name}({arg}={label})",
                    lambda arg=arg, make=make: fn(**_build(base, {arg: make()})),
                    arg,
                    *(names or {}).get(arg, ()),
                )

    def counts(self) -> Counter[str]:
        """How many calls had each outcome."""
        return Counter(result.outcome for result in self.results)

    def failures(self) -> list[Result]:
        """The calls that break the rule: ``dep``, ``unnamed``, ``silent``, ``broken``."""
        bad = {"dep", "unnamed", "silent", "type", "broken"}
        return [result for result in self.results if result.outcome in bad]


def _build(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = {
        key: value.make() if isinstance(value, Fresh) else value for key, value in base.items()
    }
    kwargs.update(overrides)
    return kwargs
