"""Tests of CEM policy search (``lagom.baselines.cem``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lagom.baselines import get_algorithm
from lagom.baselines.cem import ALGORITHM, default_config, make_es
from lagom.es import CEM, BaseES
from tests.baselines.test_policy_search import (
    FAST,
    check_bad_config,
    check_resume,
    check_smoke,
    progress_rows,
)


def test_registered() -> None:
    assert get_algorithm("cem") is ALGORITHM


def test_smoke_discrete(tmp_path: Path) -> None:
    check_smoke(ALGORITHM, FAST, tmp_path)


def test_smoke_continuous(tmp_path: Path) -> None:
    config = {**FAST, "env.id": "Pendulum-v1", "train.episodes_per_eval": 1}
    check_smoke(ALGORITHM, {**config, "policy.hidden_sizes": [4]}, tmp_path)


def _same_cem(a: BaseES, b: BaseES) -> bool:
    assert isinstance(a, CEM)
    assert isinstance(b, CEM)
    return a.state == b.state


def test_resume_is_bit_for_bit(tmp_path: Path) -> None:
    check_resume(ALGORITHM, tmp_path, _same_cem)


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    config = {**FAST, "train.generations": 3, "eval.solution": "best"}
    serial = ALGORITHM.run({**config, "train.workers": 0}, 2, "cpu", tmp_path / "serial")
    parallel = ALGORITHM.run({**config, "train.workers": 2}, 2, "cpu", tmp_path / "parallel")
    assert parallel == serial
    assert progress_rows(tmp_path / "parallel") == progress_rows(tmp_path / "serial")


def test_bad_config(tmp_path: Path) -> None:
    check_bad_config(ALGORITHM, tmp_path)


def test_make_es_passes_the_options() -> None:
    cfg = {**default_config(), "es.popsize": 10, "es.elite_ratio": 0.3, "es.sigma0": 0.7}
    es = make_es(np.zeros(4), 9, {**cfg, "es.noise_scheduler_args": None})
    assert (es.popsize, es.seed, es.state.options.elite_size) == (10, 9, 3)
    assert es.state.options.noise_schedule is None
    assert es.state.stds.tolist() == [0.7] * 4
    assert make_es(np.zeros(4), 9, cfg).state.options.noise_schedule is not None
