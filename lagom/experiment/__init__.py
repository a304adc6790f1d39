"""Experiments: configurations (grid and random search) and sweeps over seeds.

:class:`Config` expands :class:`Grid`, :class:`Sample` and :class:`Condition` items into a
list of configurations; :func:`run_experiment` runs every (configuration, seed) pair in its
own folder, on a process pool or any ``concurrent.futures`` executor, and resumes an
interrupted sweep.

Example:
    >>> from lagom.experiment import Config, Grid
    >>> [c["ID"] for c in Config({"lr": Grid([0.1, 0.01])}).make_configs()]
    [0, 1]
"""

from __future__ import annotations

from lagom.experiment._layout import SWEEP_FILE
from lagom.experiment.config import Condition, Config, Grid, Sample
from lagom.experiment.dotted import dotted_fields, from_dotted, parse_dotted, to_dotted
from lagom.experiment.run import FailedJob, SweepError, run_experiment

__all__ = [
    "SWEEP_FILE",
    "Condition",
    "Config",
    "FailedJob",
    "Grid",
    "Sample",
    "SweepError",
    "dotted_fields",
    "from_dotted",
    "parse_dotted",
    "run_experiment",
    "to_dotted",
]
