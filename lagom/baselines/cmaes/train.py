r"""CMA-ES policy search: ``run(config, seed, device, logdir)`` and ``make_policy``.

CMA-ES (:class:`~lagom.es.CMAES`, over pycma) searches the flat parameters of a linear policy:
each generation samples ``x_i ~ N(m, sigma**2 C)`` and updates the mean ``m``, step size
``sigma`` and covariance ``C`` from the candidates ranked by mean episode return. The loop,
the logs and the checkpoints (which pickle pycma's object) are
:func:`~lagom.baselines._policy_search.run_policy_search`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lagom._types import Float64Array
from lagom.baselines._policy_search import make_policy, run_policy_search
from lagom.baselines.cmaes.config import default_config
from lagom.es import CMAES

__all__ = ["make_es", "make_policy", "run"]


def make_es(x0: Float64Array, seed: int, cfg: Mapping[str, Any]) -> CMAES:
    """The :class:`~lagom.es.CMAES` of ``cfg`` (``es.popsize``, ``es.sigma0``) starting at
    ``x0``, seeded with ``seed`` (in ``[1, 2**32 - 1]``).

    Example:
        >>> import numpy as np
        >>> es = make_es(np.zeros(10), 1, default_config("CartPole-v1"))
        >>> es.popsize, es.seed
        (10, 1)
    """
    opts: dict[str, Any] = {"seed": seed}
    if cfg["es.popsize"] is not None:
        opts["popsize"] = int(cfg["es.popsize"])
    return CMAES(x0, float(cfg["es.sigma0"]), opts)


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train CMA-ES policy search with ``config`` (dotted keys over :func:`default_config`).

    ``device`` is unused (the policy is numpy); the files written, the return value and the
    errors are :func:`~lagom.baselines._policy_search.run_policy_search`'s.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> config = {"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     files = sorted(path.name for path in Path(logdir).iterdir())
        ...     act = make_policy(Path(logdir), "cpu")
        >>> files
        ['checkpoint.pt', 'final_eval.yml', 'progress.csv', 'run.yml']
        >>> metrics["episodes"], metrics["return_max"] <= 20, act(np.zeros((2, 4))).shape
        (1.0, True, (2,))
    """
    return run_policy_search("cmaes", make_es, default_config, config, seed, Path(logdir))
