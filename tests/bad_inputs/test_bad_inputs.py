"""Every bad input to lagom's public API gets lagom's ``ValueError`` or ``TypeError``.

The probe (:mod:`tests.bad_inputs.probe`) makes one valid call of every public callable, then
one call per argument and bad value (``None``, NaN, ``±inf``, a string, a bool for a number,
negative and zero sizes, wrong shapes, empty containers, ``object()``, complex or string
arrays), and sorts the outcomes. This test fails on any call that escapes: a traceback from
inside a dependency or of another type, a message that names neither the argument nor the
problem, or a silent result that :data:`~tests.bad_inputs.allowed.ALLOWED` does not list as
a documented, valid input. Run with ``-s`` to see the counts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.bad_inputs import (
    cases_baselines,
    cases_core,
    cases_dict_obs,
    cases_logging,
    cases_networks,
    cases_ppo_lstm,
    cases_shell,
    cases_utils,
)
from tests.bad_inputs.allowed import ALLOWED
from tests.bad_inputs.probe import Probe

#: The probe cases, module by module.
CASES: list[Callable[[Probe], None]] = [
    cases_core.probe_data,
    cases_core.probe_metric,
    cases_core.probe_transform,
    cases_utils.probe_utils,
    cases_utils.probe_logger,
    cases_logging.probe_logging,
    cases_logging.probe_plot_stats,
    cases_utils.probe_es,
    cases_shell.probe_envs,
    cases_shell.probe_agent_runner,
    cases_shell.probe_experiment_vis,
    cases_networks.probe_networks,
    cases_dict_obs.probe_dict_observations,
    cases_baselines.probe_baselines,
    cases_ppo_lstm.probe_mask_velocity,
    cases_ppo_lstm.probe_ppo_lstm,
]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    """All the probe's calls, made once, inside a temporary working folder."""
    folder = tmp_path_factory.mktemp("bad_inputs")
    before = Path.cwd()
    os.chdir(folder)
    try:
        result = Probe(ALLOWED)
        for case in CASES:
            case(result)
        yield result
    finally:
        os.chdir(before)


def test_every_bad_input_gets_a_clear_lagom_error(probe: Probe) -> None:
    counts = probe.counts()
    bad_calls = sum(counts.values()) - counts["valid"] - counts["broken"]
    print(f"\nbad-input probe: {bad_calls} bad calls, {counts['valid']} valid ones: {dict(counts)}")
    failures = [f"{r.outcome:8s} {r.name}: {r.detail}" for r in probe.failures()]
    assert failures == [], f"{len(failures)} calls escape:\n" + "\n".join(failures)


def test_the_allow_list_is_not_stale(probe: Probe) -> None:
    allowed = {result.name for result in probe.results if result.outcome == "allowed"}
    assert sorted(set(ALLOWED) - allowed) == []
