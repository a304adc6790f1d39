"""Run one named property under Hypothesis and report a failure that a person can read.

Every suite in :mod:`lagom.testing` is a list of named properties, each run through
:func:`check_property`. A failure becomes a :class:`PropertyFailure` (an ``AssertionError``)
whose message names the property, shows Hypothesis's shrunk counterexample with arrays
printed by numpy, and repeats the original failure message.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import TypeVar, cast

import attrs
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky, HypothesisException
from hypothesis.strategies import SearchStrategy

from lagom._checks import check_int, check_seed, check_str

__all__ = ["PropertyFailure", "check_property", "format_example"]

T = TypeVar("T")

#: Hypothesis's own default example budget.
DEFAULT_MAX_EXAMPLES = 100


# N818: it is a test failure (an AssertionError), named like pytest's `Failed`, not an error.
class PropertyFailure(AssertionError):  # noqa: N818
    """A property of :func:`check_property` failed; the message explains which and why.

    Attributes:
        property_name: the name given to :func:`check_property`.
        counterexample: the shrunk input on which the property fails.
        examples_run: how many inputs Hypothesis tried up to and including the first that
            failed (before shrinking): the cost of finding the bug.
        seed: the seed that reproduces the run (pass it as ``seed=``).

    Example:
        >>> from hypothesis import strategies as st
        >>> def positive(x: int) -> None:
        ...     assert x > 0, f"{x} is not positive"
        >>> try:
        ...     check_property("positive", st.integers(), positive, seed=0)
        ... except PropertyFailure as failure:
        ...     print(failure.property_name, failure.counterexample)
        positive 0
    """

    def __init__(
        self, message: str, property_name: str, counterexample: object, examples_run: int, seed: int
    ) -> None:
        super().__init__(message)
        self.property_name = property_name
        self.counterexample = counterexample
        self.examples_run = examples_run
        self.seed = seed


def format_example(value: object, indent: str = "  ") -> str:
    """Render a counterexample: arrays by ``np.array2string`` (4 digits), containers by field.

    Tensors (anything with ``.detach().cpu().numpy()``) print as arrays; mappings, attrs
    classes (leaving out fields that are ``None``), and tuples and lists that hold arrays
    print one field or item per line; other values by ``repr``.

    Args:
        value: what to render.
        indent: the prefix of nested lines.

    Returns:
        The text, possibly spanning several lines.

    Example:
        >>> import numpy as np
        >>> print(format_example({"gamma": 0.5, "rewards": np.array([[1.0, 1 / 3]])}))
        gamma = 0.5
        rewards = [[1.     0.3333]]  (float64, shape (1, 2))
    """
    return "\n".join(_format_lines(value, indent))


def _as_array(value: object) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    detach = getattr(value, "detach", None)
    if callable(detach):
        try:
            return np.asarray(detach().cpu().numpy())
        except (AttributeError, TypeError, RuntimeError):
            return None
    return None


def _format_array(array: np.ndarray) -> str:
    text = np.array2string(array, precision=4, threshold=200, max_line_width=88)
    return f"{text}  ({array.dtype}, shape {array.shape})"


def _format_lines(value: object, indent: str) -> list[str]:
    array = _as_array(value)
    if array is not None:
        return _format_array(array).splitlines()
    if isinstance(value, Mapping):
        fields: list[tuple[str, object]] = [(str(k), v) for k, v in value.items()]
    elif attrs.has(type(value)):
        # A field that is None does not take part in the example: leave it out.
        fields = [
            (a.name, getattr(value, a.name))
            for a in attrs.fields(cast("type[attrs.AttrsInstance]", type(value)))
            if getattr(value, a.name) is not None
        ]
    elif isinstance(value, (tuple, list)) and any(_as_array(v) is not None for v in value):
        fields = [(f"[{i}]", v) for i, v in enumerate(value)]
    else:
        return repr(value).splitlines() or [""]
    lines: list[str] = []
    for key, item in fields:
        sub = _format_lines(item, indent)
        width = len(key) + 3
        lines.append(f"{key} = {sub[0]}")
        lines.extend(" " * width + line for line in sub[1:])
    return lines


def check_property(
    name: str,
    strategy: SearchStrategy[T],
    test: Callable[[T], None],
    *,
    max_examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Run ``test`` on examples drawn from ``strategy``; raise a readable error if one fails.

    The test passes by returning and fails by raising (usually ``AssertionError``).
    Hypothesis shrinks a failing input to a small one before it is reported. The run uses
    no example database and no deadline, so a given ``seed`` replays exactly.

    Args:
        name: the property's name, printed in the failure.
        strategy: where inputs come from.
        test: the property: returns ``None`` and raises (asserts) on a counterexample;
            returning anything else is a failure, since it would check nothing.
        max_examples: how many inputs to try; default Hypothesis's default, 100.
        seed: makes the run deterministic (derandomized); default a fresh random seed,
            printed in the failure so that it can be replayed.

    Raises:
        PropertyFailure: an ``AssertionError`` whose message starts with
            ``property '<name>' failed``, shows the shrunk counterexample and the original
            failure, and names the seed that replays it.
        TypeError: ``name`` is not a str, ``strategy`` not a strategy, ``test`` not
            callable, or ``max_examples`` or ``seed`` not an int (a bool is not one).
        ValueError: ``max_examples`` is not positive, or ``seed`` is outside
            ``[0, 2**32 - 1]``.

    Example:
        >>> from hypothesis import strategies as st
        >>> def commutes(xy: tuple[int, int]) -> None:
        ...     assert xy[0] + xy[1] == xy[1] + xy[0]
        >>> check_property("addition commutes", st.tuples(st.integers(), st.integers()),
        ...                commutes, seed=0)
        >>> def small(x: float) -> None:
        ...     assert x < 1.0, f"{x} is not below 1"
        >>> check_property("small", st.floats(0.0, 2.0), small, seed=0)
        Traceback (most recent call last):
        ...
        lagom.testing._property.PropertyFailure: property 'small' failed
          counterexample (shrunk):
            1.0
          failure: AssertionError: 1.0 is not below 1
          replay: seed=0
    """
    # The arguments are checked here: a bad one would otherwise surface as a failure of the
    # property itself (an int strategy "failed" with "'int' object is not callable").
    check_str("name", name)
    if not isinstance(strategy, SearchStrategy):
        raise TypeError(
            f"strategy must be a hypothesis strategy, got {type(strategy).__name__} "
            f"{strategy!r:.60}"
        )
    if not callable(test):
        raise TypeError(f"test must be callable, got {type(test).__name__} {test!r:.60}")
    if max_examples is not None:
        max_examples = check_int("max_examples", max_examples, minimum=1)
    if seed is not None:
        seed = check_seed("seed", seed)
    run_seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    calls = [0]
    first_failure: list[int] = []
    last_input: list[T] = []

    def wrapped(value: T) -> None:
        calls[0] += 1
        last_input[:] = [value]
        try:
            # Typed to return None, but a careless property may return a bool.
            returned = cast("Callable[[T], object]", test)(value)
            if returned is not None:
                # `lambda x: x > 0` checks nothing: a property must assert (or raise).
                raise TypeError(
                    f"the property returned {returned!r} instead of None: assert the "
                    "condition rather than return it"
                )
        except Exception:
            if not first_failure:
                first_failure.append(calls[0])
            raise

    runner = settings(
        max_examples=DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples,
        # A given seed derandomizes the run; without one a fresh seed is drawn (and
        # printed on failure). Either way the explicit @seed below fixes the examples.
        derandomize=seed is not None,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )(hypothesis_seed(run_seed)(given(strategy)(wrapped)))
    try:
        runner()
    except Flaky as exc:
        raise _failure(name, last_input, exc, first_failure, run_seed, flaky=True) from exc
    except HypothesisException:
        raise
    except Exception as exc:
        raise _failure(name, last_input, exc, first_failure, run_seed, flaky=False) from exc


def _failure(
    name: str,
    last_input: list[T],
    exc: BaseException,
    first_failure: list[int],
    seed: int,
    *,
    flaky: bool,
) -> PropertyFailure:
    # Hypothesis replays the shrunk example last, so the last input seen is the one shown.
    example: object = last_input[0] if last_input else None
    shown = format_example(example).replace("\n", "\n    ")
    # The original message is kept whole (lines indented, never re-wrapped), so that a
    # test can match it.
    reason = f"{type(exc).__name__}: {str(exc).strip() or '(no message)'}"
    lines = [
        f"property '{name}' failed",
        "  counterexample (shrunk):",
        f"    {shown}",
        "  failure: " + reason.replace("\n", "\n    "),
    ]
    if flaky:
        lines.append("  note: the test gave different results on the same input (flaky)")
    lines.append(f"  replay: seed={seed}")
    return PropertyFailure(
        "\n".join(lines), name, example, first_failure[0] if first_failure else 0, seed
    )
