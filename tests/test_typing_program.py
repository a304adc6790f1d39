"""``tests/typing/user_program.py`` runs: every call whose type ``tox -e typing`` checks is
a real call that works (the types are of results that exist)."""

from __future__ import annotations

import runpy
from pathlib import Path

PROGRAM = Path(__file__).parent / "typing" / "user_program.py"


def test_the_typed_user_program_runs() -> None:
    namespace = runpy.run_path(str(PROGRAM))
    assert namespace["traces"].vs.dtype.name == "float32"
    assert namespace["configs"] == [
        {"ID": 0, "env.id": "CartPole-v1", "lr": 1e-3},
        {"ID": 1, "env.id": "CartPole-v1", "lr": 3e-4},
    ]


TESTING_PROGRAM = Path(__file__).parent / "typing" / "testing_program.py"


def test_the_typed_testing_kit_program_runs() -> None:
    namespace = runpy.run_path(str(TESTING_PROGRAM))
    assert namespace["caught"].property_name == "negative"


PRECISE_PROGRAM = Path(__file__).parent / "typing" / "precise_program.py"


def test_the_typed_precise_results_program_runs() -> None:
    namespace = runpy.run_path(str(PRECISE_PROGRAM))
    assert namespace["flat"].mean == 7 / 3
    assert namespace["env"].closed
