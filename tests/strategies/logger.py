"""Hypothesis strategies for ``lagom.logger``: logging calls and CSV-able iterations."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["csv_iterations", "csv_scalars", "log_calls", "log_keys"]

#: Keys as users write them: lower-case words joined by ``_``.
log_keys = st.text(alphabet="ab_", min_size=1, max_size=5).filter(lambda k: k.strip())

#: Values a CSV cell holds and reads back unchanged. Strings avoid digits and the letters of
#: ``nan``/``inf``/``True``/``False`` (those cells read back as numbers or bools by design) and
#: include the characters that force CSV quoting.
csv_scalars: st.SearchStrategy[Any] = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(alphabet='bcxyz ,"\n', min_size=1, max_size=6),
)

#: A sequence of ``(key, value)`` logging calls with arbitrary picklable values.
log_calls = st.lists(
    st.tuples(log_keys, st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=3))),
    max_size=20,
)

#: Iterations of a run: each maps the keys logged in it to a scalar (possibly none logged).
csv_iterations = st.lists(st.dictionaries(log_keys, csv_scalars, max_size=4), max_size=6)
