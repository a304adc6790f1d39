"""TD3's configuration: Stable-Baselines3's defaults with rl-baselines3-zoo's per-env settings.

Keys (flat, dotted), besides those SAC shares (``env.id``, ``train.timesteps``,
``train.log_interval``, ``train.checkpoint_every``, ``train.stop_at``, ``agent.lr``,
``agent.gamma``, ``agent.tau``, ``agent.batch_size``, ``agent.buffer_size``,
``agent.learning_starts``, ``agent.train_freq``, ``agent.gradient_steps``,
``agent.hidden_sizes``, ``eval.episodes``; as in :mod:`lagom.baselines.sac.config`):

- ``agent.action_noise``: standard deviation of the Gaussian exploration noise added to
  actions in ``[-1, 1]`` (then clipped to ``[-1, 1]``).
- ``agent.n_critics``: critics whose minimum forms the target (2; DDPG: 1).
- ``agent.policy_delay``: critic updates per actor and target update (2; DDPG: 1).
- ``agent.target_policy_noise``, ``agent.target_noise_clip``: the smoothing noise
  :math:`\\operatorname{clip}(\\mathcal{N}(0, \\sigma^2), -c, c)` added to the target action
  (0.2 and 0.5; DDPG: 0 and 0).

Example:
    >>> cfg = default_config("Pendulum-v1")
    >>> cfg["agent.gamma"], cfg["agent.learning_starts"], cfg["agent.hidden_sizes"]
    (0.98, 10000, [400, 300])
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

__all__ = ["DEFAULT_ENV", "ZOO", "check_continuous_env", "default_config"]

DEFAULT_ENV = "Pendulum-v1"

_DEFAULTS: dict[str, Any] = {
    "env.id": DEFAULT_ENV,
    "train.timesteps": 1_000_000,
    "train.log_interval": 1000,
    "train.checkpoint_every": 10,
    "train.stop_at": None,
    "agent.lr": 1e-3,
    "agent.gamma": 0.99,
    "agent.tau": 0.005,
    "agent.batch_size": 256,
    "agent.buffer_size": 1_000_000,
    "agent.learning_starts": 100,
    "agent.train_freq": 1,
    "agent.gradient_steps": 1,
    "agent.hidden_sizes": [400, 300],
    "agent.action_noise": 0.1,
    "agent.n_critics": 2,
    "agent.policy_delay": 2,
    "agent.target_policy_noise": 0.2,
    "agent.target_noise_clip": 0.5,
    "eval.episodes": 20,
}

#: rl-baselines3-zoo's TD3 and DDPG settings (``hyperparams/td3.yml``, ``ddpg.yml``).
ZOO: dict[str, dict[str, Any]] = {
    "Pendulum-v1": {
        "train.timesteps": 20_000,
        "agent.gamma": 0.98,
        "agent.buffer_size": 200_000,
        "agent.learning_starts": 10_000,
        "agent.action_noise": 0.1,
        "agent.lr": 1e-3,
        "agent.hidden_sizes": [400, 300],
    },
}


def check_continuous_env(env_id: str, algorithm: str) -> gym.spaces.Box:
    """The action space of ``env_id``, checked to be a ``Box``.

    Raises:
        ValueError: ``env_id`` is not a registered environment, or its actions are not a Box.
    """
    try:
        env = gym.make(env_id)
    except gym.error.Error as error:
        raise ValueError(f"unknown environment {env_id!r}: {error}") from error
    space = env.action_space
    env.close()
    if not isinstance(space, gym.spaces.Box):
        raise ValueError(
            f"{algorithm} needs a continuous (Box) action space, but {env_id} has {space}"
        )
    return space


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """TD3's configuration for ``env_id`` (zoo settings where the zoo has them).

    Raises:
        ValueError: ``env_id`` is unknown or has no Box action space.
    """
    check_continuous_env(env_id, "TD3")
    return {**_DEFAULTS, **ZOO.get(env_id, {}), "env.id": env_id}
