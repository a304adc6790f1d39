"""A fake experiment sweep on disk, written with the real Logger (shared by the vis tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from lagom.experiment import Config, Grid
from lagom.logger import Logger
from lagom.utils import yaml_dump

#: The steps each seed logs: seeds log different numbers of points at different x values.
STEPS = {1: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90], 2: [0, 15, 30, 45, 60, 75, 90], 3: [0, 45, 90]}


def curve_value(lr: float, seed: int, index: int, step: int) -> float:
    """The logged return: a line with slope ``lr``, offset ``seed``, and alternating noise."""
    return lr * step + seed + (0.5 if index % 2 else -0.5)


def write_sweep(
    root: Path,
    lrs: tuple[float, ...] = (0.1, 0.01),
    seeds: tuple[int, ...] = (1, 2),
    kind: Literal["csv", "pickle"] = "csv",
) -> list[dict[str, Any]]:
    """Write ``root/<ID>/config.yml`` and one log per seed in ``root/<ID>/<seed>/``.

    Each log has the keys ``step`` and ``return`` on every row and ``eval`` on every other
    row (an empty CSV cell otherwise). CSV logs are ``progress.csv``; pickled ones are
    ``logs.pkl`` (from ``Logger.save``).
    """
    configs = Config({"lr": Grid(list(lrs)), "env": "Fake-v0"}).make_configs()
    for config in configs:
        for seed in seeds:
            folder = root / str(config["ID"]) / str(seed)
            folder.mkdir(parents=True)
            csv_path = folder / "progress.csv" if kind == "csv" else None
            logger = Logger(csv_path=csv_path)
            for index, step in enumerate(STEPS[seed]):
                logger("step", step)
                logger("return", curve_value(config["lr"], seed, index, step))
                if index % 2 == 0:
                    logger("eval", float(index))
                if csv_path is not None:
                    logger.write_row()
            if kind == "pickle":
                logger.save(folder / "logs")
        yaml_dump(config, root / str(config["ID"]) / "config", ext=".yml")
    return configs
