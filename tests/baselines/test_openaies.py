"""Tests of OpenAI-ES policy search (``lagom.baselines.openaies``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lagom.baselines import get_algorithm
from lagom.baselines.openaies import ALGORITHM, default_config, make_es
from lagom.es import BaseES, OpenAIES
from tests.baselines.test_policy_search import FAST, check_bad_config, check_resume, check_smoke


def test_registered() -> None:
    assert get_algorithm("openaies") is ALGORITHM


def test_smoke_discrete(tmp_path: Path) -> None:
    check_smoke(ALGORITHM, FAST, tmp_path)


def test_smoke_continuous(tmp_path: Path) -> None:
    check_smoke(
        ALGORITHM, {**FAST, "env.id": "Pendulum-v1", "train.episodes_per_eval": 1}, tmp_path
    )


def _same_openaies(a: BaseES, b: BaseES) -> bool:
    assert isinstance(a, OpenAIES)
    assert isinstance(b, OpenAIES)
    return a.state == b.state


def test_resume_is_bit_for_bit(tmp_path: Path) -> None:
    check_resume(ALGORITHM, tmp_path, _same_openaies)


def test_bad_config(tmp_path: Path) -> None:
    check_bad_config(ALGORITHM, tmp_path)


def test_make_es_passes_the_options() -> None:
    cfg = {**default_config(), "es.lr": 0.2, "es.antithetic": False, "es.popsize": 7}
    es = make_es(np.zeros(3), 4, {**cfg, "es.weight_decay": 0.01, "es.sigma0": 0.3})
    options = es.state.options
    assert (es.popsize, es.seed, options.lr, options.antithetic) == (7, 4, 0.2, False)
    assert (options.weight_decay, es.state.sigma.tolist()) == (0.01, [0.3] * 3)
