r"""OpenAI-ES policy search: ``run(config, seed, device, logdir)`` and ``make_policy``.

OpenAI's evolution strategy (Salimans et al., 2017; :class:`~lagom.es.OpenAIES`) searches the
flat parameters ``theta`` of a linear policy: each generation samples
``x_i = theta + sigma * z_i`` (antithetic pairs), estimates the gradient of the smoothed
objective from the rank-shaped fitnesses ``F_i`` as ``g = (1 / (P sigma)) sum_i F_i z_i`` and
takes one Adam step. The loop, the logs and the checkpoints are
:func:`~lagom.baselines._policy_search.run_policy_search`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lagom._types import Float64Array
from lagom.baselines._policy_search import make_policy, run_policy_search
from lagom.baselines.openaies.config import default_config
from lagom.es import OpenAIES

__all__ = ["make_es", "make_policy", "run"]

_OPTIONS = (
    "lr",
    "lr_decay",
    "min_lr",
    "sigma_decay",
    "min_sigma",
    "antithetic",
    "rank_transform",
    "weight_decay",
)


def make_es(x0: Float64Array, seed: int, cfg: Mapping[str, Any]) -> OpenAIES:
    """The :class:`~lagom.es.OpenAIES` of ``cfg`` (``es.popsize``, ``es.sigma0``, ``es.lr``,
    ...) starting at ``x0``.

    Example:
        >>> import numpy as np
        >>> es = make_es(np.zeros(10), 1, default_config())
        >>> es.popsize, es.state.options.lr, es.state.sigma.tolist()[:2]
        (32, 0.05, [0.1, 0.1])
    """
    opts: dict[str, Any] = {key: cfg[f"es.{key}"] for key in _OPTIONS}
    opts |= {"popsize": int(cfg["es.popsize"]), "seed": seed}
    return OpenAIES(x0, float(cfg["es.sigma0"]), opts)


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train OpenAI-ES policy search with ``config`` (dotted keys over :func:`default_config`).

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
    return run_policy_search("openaies", make_es, default_config, config, seed, Path(logdir))
