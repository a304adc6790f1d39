"""Tests of CMA-ES policy search (``lagom.baselines.cmaes``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lagom.baselines import get_algorithm
from lagom.baselines.cmaes import ALGORITHM, default_config, make_es
from lagom.es import CMAES, BaseES
from tests.baselines.test_policy_search import FAST, check_bad_config, check_resume, check_smoke


def test_registered() -> None:
    assert get_algorithm("cmaes") is ALGORITHM


def test_smoke_discrete(tmp_path: Path) -> None:
    check_smoke(ALGORITHM, FAST, tmp_path)


def test_smoke_continuous(tmp_path: Path) -> None:
    check_smoke(
        ALGORITHM, {**FAST, "env.id": "Pendulum-v1", "train.episodes_per_eval": 1}, tmp_path
    )


def _same_cmaes(a: BaseES, b: BaseES) -> bool:
    assert isinstance(a, CMAES)
    assert isinstance(b, CMAES)
    x, y = vars(a.es), vars(b.es)  # pycma's internals, untyped in our stubs
    return (
        np.array_equal(x["mean"], y["mean"])
        and x["sigma"] == y["sigma"]
        and np.array_equal(x["C"], y["C"])
        and np.array_equal(x["pc"], y["pc"])
        and np.array_equal(vars(x["adapt_sigma"])["ps"], vars(y["adapt_sigma"])["ps"])
        and x["countiter"] == y["countiter"]
        and a.result == b.result
    )


def test_resume_is_bit_for_bit(tmp_path: Path) -> None:
    check_resume(ALGORITHM, tmp_path, _same_cmaes)


def test_bad_config(tmp_path: Path) -> None:
    check_bad_config(ALGORITHM, tmp_path)


def test_make_es_passes_the_options() -> None:
    cfg = default_config()
    default = make_es(np.zeros(10), 3, cfg)
    assert (default.popsize, default.seed, default.es.sigma) == (10, 3, 0.5)
    assert make_es(np.zeros(10), 3, {**cfg, "es.popsize": 16, "es.sigma0": 2.0}).popsize == 16
