"""SAC's configuration: Stable-Baselines3's defaults with rl-baselines3-zoo's per-env settings.

Keys (flat, dotted):

- ``env.id``: a gymnasium id with a ``Box`` action space.
- ``train.timesteps``: environment steps in all; ``train.log_interval``: environment steps
  per iteration (one progress row each); ``train.checkpoint_every``: iterations between
  checkpoints; ``train.stop_at``: stop after the iteration that reaches this many steps
  (``None``: never), saving a checkpoint and skipping the final evaluation.
- ``agent.*``: ``lr``, ``gamma``, ``tau``, ``batch_size``, ``buffer_size``,
  ``learning_starts`` (uniformly random actions before, gradient steps after),
  ``train_freq`` (environment steps between updates), ``gradient_steps`` (per update),
  ``hidden_sizes``, ``init_alpha``, ``target_entropy`` (``None``: :math:`-\\dim A`).
- ``eval.episodes``: deterministic episodes of the final evaluation.

Observation and reward normalization are not offered: a replay buffer of normalized
observations goes stale as the statistics move (no zoo setting for these tasks uses them).

Example:
    >>> cfg = default_config("Pendulum-v1")
    >>> cfg["agent.lr"], cfg["train.timesteps"], cfg["agent.hidden_sizes"]
    (0.001, 20000, [256, 256])
    >>> default_config("CartPole-v1")
    Traceback (most recent call last):
    ...
    ValueError: SAC needs a continuous (Box) action space, but CartPole-v1 has Discrete(2)
"""

from __future__ import annotations

from typing import Any

from lagom.baselines._offpolicy import DEFAULT_ENV, check_continuous_env, default_keys

__all__ = ["DEFAULT_ENV", "ZOO", "default_config"]

_DEFAULTS = default_keys(3e-4, [256, 256], init_alpha=1.0, target_entropy=None)

#: rl-baselines3-zoo's SAC settings (``hyperparams/sac.yml``) for the benchmark environments.
ZOO: dict[str, dict[str, Any]] = {
    "Pendulum-v1": {"train.timesteps": 20_000, "agent.lr": 1e-3},
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """SAC's configuration for ``env_id`` (zoo settings where the zoo has them).

    Raises:
        ValueError: ``env_id`` is unknown or has no Box action space.

    Example:
        >>> cfg = default_config("MountainCarContinuous-v0")  # no zoo settings: the defaults
        >>> cfg["env.id"], cfg["agent.lr"], cfg["agent.init_alpha"], cfg["agent.target_entropy"]
        ('MountainCarContinuous-v0', 0.0003, 1.0, None)
    """
    check_continuous_env(env_id, "SAC")
    return {**_DEFAULTS, **ZOO.get(env_id, {}), "env.id": env_id}
