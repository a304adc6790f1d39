r"""CEM policy search: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

The cross-entropy method (:class:`~lagom.es.CEM`) searches the flat parameters of a linear
policy: each generation samples ``x_i = mean + sqrt(stds**2 + noise(t)) * z_i`` and refits
``mean`` and ``stds`` to the ``elite_ratio`` best candidates by mean episode return. The loop,
the logs and the checkpoints are :func:`~lagom.baselines._policy_search.run_policy_search`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lagom._types import Float64Array
from lagom.baselines._policy_search import make_policy, run_policy_search
from lagom.baselines.cem.config import default_config
from lagom.es import CEM

__all__ = ["make_es", "make_policy", "run"]


def make_es(x0: Float64Array, seed: int, cfg: Mapping[str, Any]) -> CEM:
    """The :class:`~lagom.es.CEM` of ``cfg`` (``es.popsize``, ``es.sigma0``,
    ``es.elite_ratio``, ``es.noise_scheduler_args``) starting at ``x0``.

    Example:
        >>> import numpy as np
        >>> es = make_es(np.zeros(10), 1, default_config("CartPole-v1"))
        >>> es.popsize, es.state.options.elite_size
        (32, 6)
    """
    opts: dict[str, Any] = {"popsize": int(cfg["es.popsize"]), "seed": seed}
    opts["elite_ratio"] = float(cfg["es.elite_ratio"])
    if cfg["es.noise_scheduler_args"] is not None:
        opts["noise_scheduler_args"] = list(cfg["es.noise_scheduler_args"])
    return CEM(x0, float(cfg["es.sigma0"]), opts)


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train CEM policy search with ``config`` (dotted keys over :func:`default_config`).

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
    return run_policy_search("cem", make_es, default_config, config, seed, Path(logdir))
