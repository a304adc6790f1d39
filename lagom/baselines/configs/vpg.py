"""VPG's configuration: PPO's sections (:mod:`lagom.baselines.configs.ppo`) with VPG's
defaults, and the tuned values.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.vpg` imports these names back.

Example:
    >>> base_config("Acrobot-v1").env.num_envs, base_config("Pendulum-v1").train.n_steps
    (16, 256)
"""

from __future__ import annotations

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import instance
from lagom.baselines.configs.ppo import AgentConfig, EnvConfig, EvalConfig, TrainConfig

__all__ = ["DEFAULT_ENV", "TUNED", "VPGConfig", "base_config"]

#: The environment ``lagom train vpg`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"


@attrs.frozen
class VPGConfig:
    """VPG's configuration: PPO's sections without the clipping and the minibatch epochs.

    >>> config = VPGConfig()
    >>> config.env.num_envs * config.train.n_steps, config.agent.lr, hasattr(config, "n_epochs")
    (256, 0.001, False)
    """

    #: The training environments.
    env: EnvConfig = attrs.field(default=EnvConfig(num_envs=16), validator=instance(EnvConfig))
    #: The actor-critic and its loss.
    agent: AgentConfig = attrs.field(default=AgentConfig(lr=1e-3), validator=instance(AgentConfig))
    #: The loop.
    train: TrainConfig = attrs.field(
        default=TrainConfig(timesteps=300_000, n_steps=16), validator=instance(TrainConfig)
    )
    #: The final evaluation.
    eval: EvalConfig = attrs.field(factory=EvalConfig, validator=instance(EvalConfig))


#: Tuned configurations by environment id (CartPole-v1's, and PPO's zoo values on Pendulum-v1).
TUNED: dict[str, VPGConfig] = {
    "CartPole-v1": VPGConfig(agent=AgentConfig(lr=1e-3, gamma=0.99, gae_lambda=0.95)),
    "Pendulum-v1": VPGConfig(
        env=EnvConfig(id="Pendulum-v1", num_envs=4),
        agent=AgentConfig(lr=1e-3, gamma=0.9, gae_lambda=0.95),
        train=TrainConfig(timesteps=200_000, n_steps=256),
    ),
}


def base_config(env_id: str = DEFAULT_ENV) -> VPGConfig:
    """The configuration :func:`lagom.baselines.vpg.default_config` gives ``env_id``:
    :data:`TUNED`'s, else :class:`VPGConfig` with ``env.id`` set; the environment is not
    checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> base_config("Acrobot-v1").env.id
        'Acrobot-v1'
    """
    if check_str("env_id", env_id) in TUNED:
        return TUNED[env_id]
    return attrs.evolve(VPGConfig(), env=attrs.evolve(VPGConfig().env, id=env_id))
