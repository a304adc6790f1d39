"""PPO's configuration: one flat dict of dotted keys per environment (rl-baselines3-zoo values).

The keys, their meaning and the defaults shared by every environment are in :data:`DEFAULTS`;
:data:`ZOO` overrides them per environment with the tuned hyperparameters of
rl-baselines3-zoo (``hyperparams/ppo.yml``). Differences to the zoo: no gSDE for Pendulum-v1
(a state-independent Gaussian instead) and InvertedPendulum-v5 uses the zoo's
InvertedPendulum-v3 values over 100k steps instead of 1M.
"""

from __future__ import annotations

from typing import Any

from gymnasium import spaces

__all__ = ["DEFAULTS", "DEFAULT_ENV", "ZOO", "check_spaces", "default_config"]

#: The environment ``lagom train ppo`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"

#: Every configuration key and its default (Stable-Baselines3's PPO defaults).
DEFAULTS: dict[str, Any] = {
    "env.id": DEFAULT_ENV,
    "env.num_envs": 1,
    # gymnasium's numpy-vectorized implementation when the environment has one (CartPole).
    "env.native": True,
    "env.normalize_obs": False,
    "env.normalize_reward": False,
    "env.clip_obs": 10.0,
    "env.clip_reward": 10.0,
    "agent.hidden_sizes": [64, 64],
    "agent.activation": "tanh",
    "agent.ortho_init": True,
    "agent.log_std_init": 0.0,
    "agent.lr": 3e-4,
    "agent.lr_schedule": "constant",
    "agent.clip_range": 0.2,
    "agent.clip_range_schedule": "constant",
    "agent.clip_range_vf": None,
    "agent.ent_coef": 0.0,
    "agent.vf_coef": 0.5,
    "agent.max_grad_norm": 0.5,
    "agent.gamma": 0.99,
    "agent.gae_lambda": 0.95,
    "agent.normalize_advantage": True,
    "train.timesteps": 1_000_000,
    "train.n_steps": 2048,
    "train.batch_size": 64,
    "train.n_epochs": 10,
    "train.checkpoint_every": 50,
    "train.stop_at": None,
    "eval.episodes": 20,
}

#: rl-baselines3-zoo's tuned PPO hyperparameters, as overrides of :data:`DEFAULTS`.
ZOO: dict[str, dict[str, Any]] = {
    "CartPole-v1": {
        "env.num_envs": 8,
        "train.timesteps": 100_000,
        "train.n_steps": 32,
        "train.batch_size": 256,
        "agent.gae_lambda": 0.8,
        "agent.gamma": 0.98,
        "train.n_epochs": 20,
        "agent.ent_coef": 0.0,
        "agent.lr": 1e-3,
        "agent.lr_schedule": "linear",
        "agent.clip_range": 0.2,
        "agent.clip_range_schedule": "linear",
    },
    "Pendulum-v1": {
        "env.num_envs": 4,
        "train.timesteps": 100_000,
        "train.n_steps": 1024,
        "agent.gae_lambda": 0.95,
        "agent.gamma": 0.9,
        "train.n_epochs": 10,
        "agent.ent_coef": 0.0,
        "agent.lr": 1e-3,
        "agent.clip_range": 0.2,
    },
    "InvertedPendulum-v5": {
        "env.normalize_obs": True,
        "env.normalize_reward": True,
        "env.num_envs": 1,
        "train.timesteps": 100_000,
        "train.batch_size": 64,
        "train.n_steps": 32,
        "agent.gamma": 0.999,
        "agent.lr": 0.000222425,
        "agent.ent_coef": 1.37976e-07,
        "agent.clip_range": 0.4,
        "train.n_epochs": 5,
        "agent.gae_lambda": 0.9,
        "agent.max_grad_norm": 0.3,
        "agent.vf_coef": 0.19816,
    },
}


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """PPO's default configuration for ``env_id``: :data:`DEFAULTS`, the zoo's values on top.

    An environment without zoo values gets :data:`DEFAULTS` (Stable-Baselines3's defaults).
    Its action space must be ``Discrete`` or ``Box``; the environment is created once to
    check, unless it is one of :data:`ZOO`'s.

    Raises:
        ValueError: ``env_id`` is not registered or its action space is neither ``Discrete``
            nor ``Box``.

    Example:
        >>> cfg = default_config("CartPole-v1")
        >>> cfg["env.num_envs"], cfg["train.n_steps"], cfg["agent.lr_schedule"]
        (8, 32, 'linear')
        >>> default_config("Blackjack-v1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: ppo needs a Box observation space, Blackjack-v1 has Tuple(...
    """
    if env_id not in ZOO:
        check_spaces("ppo", env_id)
    return {**DEFAULTS, **ZOO.get(env_id, {}), "env.id": env_id}


def check_spaces(algorithm: str, env_id: str) -> None:
    """Raise ``ValueError`` unless ``env_id`` has a Box observation space and a Discrete or
    Box action space (``algorithm`` names the caller in the message).

    Example:
        >>> check_spaces("ppo", "MountainCarContinuous-v0")
        >>> check_spaces("vpg", "Taxi-v4")
        Traceback (most recent call last):
        ...
        ValueError: vpg needs a Box observation space, Taxi-v4 has Discrete(500)
    """
    import gymnasium as gym

    try:
        env = gym.make(env_id)
    except gym.error.Error as error:
        raise ValueError(f"{algorithm} cannot create environment {env_id!r}: {error}") from None
    try:
        action, observation = env.action_space, env.observation_space
    finally:
        env.close()
    if not isinstance(action, (spaces.Discrete, spaces.Box)):
        raise ValueError(f"{algorithm} needs a Discrete or Box action space, {env_id} has {action}")
    if not isinstance(observation, spaces.Box):
        raise ValueError(f"{algorithm} needs a Box observation space, {env_id} has {observation}")
