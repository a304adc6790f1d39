"""VPG's configuration: one flat dict of dotted keys per environment.

Stable-Baselines3 and rl-baselines3-zoo have no VPG, so these values are ours: the PPO
keys that apply (:data:`lagom.baselines.ppo.DEFAULTS`) with one full-batch gradient step per
iteration, tuned for CartPole-v1 and set to PPO's zoo values elsewhere.
"""

from __future__ import annotations

from typing import Any

from lagom.baselines.ppo.config import DEFAULTS as PPO_DEFAULTS
from lagom.baselines.ppo.config import check_spaces

__all__ = ["DEFAULTS", "DEFAULT_ENV", "TUNED", "default_config"]

#: The environment ``lagom train vpg`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"

_PPO_ONLY = {
    "agent.clip_range",
    "agent.clip_range_schedule",
    "agent.clip_range_vf",
    "train.batch_size",
    "train.n_epochs",
}

#: Every configuration key and its default.
DEFAULTS: dict[str, Any] = {
    **{key: value for key, value in PPO_DEFAULTS.items() if key not in _PPO_ONLY},
    "env.num_envs": 16,
    "train.n_steps": 16,
    "agent.lr": 1e-3,
    "agent.ent_coef": 0.0,
    "train.timesteps": 300_000,
}

#: Per-environment overrides of :data:`DEFAULTS`.
TUNED: dict[str, dict[str, Any]] = {
    "CartPole-v1": {"agent.gamma": 0.99, "agent.gae_lambda": 0.95},
    "Pendulum-v1": {
        "env.num_envs": 4,
        "train.n_steps": 256,
        "agent.gamma": 0.9,
        "agent.gae_lambda": 0.95,
        "train.timesteps": 200_000,
    },
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """VPG's default configuration for ``env_id``: :data:`DEFAULTS` with :data:`TUNED` on top.

    Raises:
        ValueError: ``env_id`` is not registered, its observation space is not a ``Box`` or
            its action space is neither ``Discrete`` nor ``Box``.

    Example:
        >>> cfg = default_config("CartPole-v1")
        >>> cfg["env.num_envs"] * cfg["train.n_steps"], "train.n_epochs" in cfg
        (256, False)
    """
    if env_id not in TUNED:
        check_spaces("vpg", env_id)
    return {**DEFAULTS, **TUNED.get(env_id, {}), "env.id": env_id}
