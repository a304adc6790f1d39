"""Experiments: configurations with grid and random search (``lagom.experiment``).

Example:
    >>> from lagom.experiment import Config, Grid
    >>> [c["ID"] for c in Config({"lr": Grid([0.1, 0.01])}).make_configs()]
    [0, 1]
"""

from __future__ import annotations

from lagom.experiment.config import Condition, Config, Grid, Sample

__all__ = ["Condition", "Config", "Grid", "Sample"]
