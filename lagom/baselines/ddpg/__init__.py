"""Deep Deterministic Policy Gradient (DDPG): TD3's code with one critic, no target policy
smoothing and no delay (Stable-Baselines3's definition).

Example:
    >>> cfg = default_config("Pendulum-v1")
    >>> cfg["agent.n_critics"], cfg["agent.policy_delay"], cfg["agent.target_policy_noise"]
    (1, 1, 0.0)
    >>> ALGORITHM.name, ALGORITHM.action_spaces
    ('ddpg', ('continuous',))
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lagom.baselines.algorithm import Algorithm
from lagom.baselines.td3 import DeterministicActor, QEnsemble, TD3Agent
from lagom.baselines.td3 import default_config as td3_default_config
from lagom.baselines.td3.config import DEFAULT_ENV
from lagom.baselines.td3.train import make_policy, train

__all__ = [
    "ALGORITHM",
    "DeterministicActor",
    "QEnsemble",
    "TD3Agent",
    "default_config",
    "make_policy",
    "run",
]

_DDPG: dict[str, Any] = {
    "agent.n_critics": 1,
    "agent.policy_delay": 1,
    "agent.target_policy_noise": 0.0,
    "agent.target_noise_clip": 0.0,
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """TD3's configuration for ``env_id`` without twin critics, smoothing and delay.

    Raises:
        ValueError: ``env_id`` is unknown or has no Box action space.

    Example:
        >>> cfg = default_config("Pendulum-v1")
        >>> cfg["agent.n_critics"], cfg["agent.target_noise_clip"], cfg["agent.action_noise"]
        (1, 0.0, 0.1)
    """
    return {**td3_default_config(env_id), **_DDPG}


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train DDPG (see :func:`lagom.baselines.td3.run` for the arguments and files).

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> config = {"train.timesteps": 110, "train.log_interval": 55, "eval.episodes": 1}
        >>> config |= {"agent.learning_starts": 100, "agent.batch_size": 16}  # 10 updates
        >>> config["agent.hidden_sizes"] = [16]
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     act = make_policy(Path(logdir), "cpu")
        >>> metrics["episodes"], metrics["horizon_mean"]  # one 200-step Pendulum episode
        (1.0, 200.0)
        >>> bool(np.all(np.abs(act(np.zeros((5, 3)))) <= 2.0))  # within the action bounds
        True
    """
    return train(config, seed, device, logdir, name="ddpg", defaults=default_config)


ALGORITHM = Algorithm(
    name="ddpg",
    summary="Deep Deterministic Policy Gradient: TD3 with one critic, no smoothing or delay",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("continuous",),
    make_policy=make_policy,
)
