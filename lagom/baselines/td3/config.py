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

from lagom.baselines._offpolicy import DEFAULT_ENV, check_continuous_env, default_keys

__all__ = ["DEFAULT_ENV", "ZOO", "check_continuous_env", "default_config"]

_DEFAULTS = default_keys(
    1e-3,
    [400, 300],
    action_noise=0.1,
    n_critics=2,
    policy_delay=2,
    target_policy_noise=0.2,
    target_noise_clip=0.5,
)

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


def default_config(env_id: str = DEFAULT_ENV) -> dict[str, Any]:
    """TD3's configuration for ``env_id`` (zoo settings where the zoo has them).

    Raises:
        ValueError: ``env_id`` is unknown or has no Box action space.

    Example:
        >>> cfg = default_config("MountainCarContinuous-v0")  # no zoo settings: the defaults
        >>> cfg["env.id"], cfg["agent.lr"], cfg["agent.n_critics"], cfg["agent.policy_delay"]
        ('MountainCarContinuous-v0', 0.001, 2, 2)
        >>> default_config("CartPole-v1")
        Traceback (most recent call last):
        ...
        ValueError: TD3 needs a continuous (Box) action space, but CartPole-v1 has Discrete(2)
    """
    check_continuous_env(env_id, "TD3")
    return {**_DEFAULTS, **ZOO.get(env_id, {}), "env.id": env_id}
