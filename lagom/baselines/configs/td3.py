r"""TD3's (and DDPG's) configuration: its ``agent`` section, :class:`TD3Config` and the zoo's
values.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.td3` imports these names back.

Example:
    >>> base_config("Hopper-v5").agent.learning_starts, ddpg_base_config().agent.n_critics
    (10000, 1)
"""

from __future__ import annotations

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import COUNT, NONNEG, POSITIVE, instance, sizes
from lagom.baselines.configs.offpolicy import (
    MUJOCO_IDS,
    OffPolicyAgentConfig,
    OffPolicyEnvConfig,
    OffPolicyEvalConfig,
    OffPolicyTrainConfig,
    mujoco_sections,
)

__all__ = [
    "DEFAULT_ENV",
    "PENDULUM",
    "ZOO",
    "TD3AgentConfig",
    "TD3Config",
    "base_config",
    "ddpg_base_config",
]

#: The environment ``lagom train td3`` (and ``ddpg``) uses when none is given.
DEFAULT_ENV = "Pendulum-v1"


@attrs.frozen
class TD3AgentConfig(OffPolicyAgentConfig):
    """TD3's ``agent`` section: the off-policy fields with Stable-Baselines3's TD3 defaults,
    exploration and the twin-critic, smoothing and delay settings.

    Example:
        >>> TD3AgentConfig().lr, TD3AgentConfig().hidden_sizes, TD3AgentConfig().policy_delay
        (0.001, (400, 300), 2)
    """

    #: Adam learning rate of actor and critics.
    lr: float = attrs.field(default=1e-3, validator=POSITIVE)
    #: Hidden layer sizes of the actor and of each critic.
    hidden_sizes: tuple[int, ...] = attrs.field(default=(400, 300), validator=sizes(min_len=1))
    #: Standard deviation :math:`\sigma` of the Gaussian exploration noise on actions in
    #: ``[-1, 1]`` (then clipped to ``[-1, 1]``).
    action_noise: float = attrs.field(default=0.1, validator=NONNEG)
    #: Critics whose minimum forms the target (1 for DDPG).
    n_critics: int = attrs.field(default=2, validator=COUNT)
    #: Critic updates per actor and target update (1 for DDPG).
    policy_delay: int = attrs.field(default=2, validator=COUNT)
    #: Standard deviation :math:`\sigma_t` of the target policy smoothing noise (DDPG: 0).
    target_policy_noise: float = attrs.field(default=0.2, validator=NONNEG)
    #: Its clip :math:`c` (DDPG: 0).
    target_noise_clip: float = attrs.field(default=0.5, validator=NONNEG)


@attrs.frozen
class TD3Config:
    """TD3's (and DDPG's) configuration; ``TD3Config()`` holds Stable-Baselines3's TD3
    defaults.

    Example:
        >>> PENDULUM.agent.gamma, PENDULUM.agent.learning_starts, PENDULUM.train.timesteps
        (0.98, 10000, 20000)
    """

    #: The environment (Box observations and actions).
    env: OffPolicyEnvConfig = attrs.field(
        factory=OffPolicyEnvConfig, validator=instance(OffPolicyEnvConfig)
    )
    #: Length, logging and checkpoints.
    train: OffPolicyTrainConfig = attrs.field(
        factory=OffPolicyTrainConfig, validator=instance(OffPolicyTrainConfig)
    )
    #: The learner.
    agent: TD3AgentConfig = attrs.field(factory=TD3AgentConfig, validator=instance(TD3AgentConfig))
    #: The final evaluation.
    eval: OffPolicyEvalConfig = attrs.field(
        factory=OffPolicyEvalConfig, validator=instance(OffPolicyEvalConfig)
    )


#: rl-baselines3-zoo's Pendulum-v1 settings (``hyperparams/td3.yml``, ``ddpg.yml``).
PENDULUM = TD3Config(
    train=OffPolicyTrainConfig(timesteps=20_000),
    agent=TD3AgentConfig(gamma=0.98, buffer_size=200_000, learning_starts=10_000),
)


#: The zoo: environment id -> its tuned configuration (MuJoCo needs ``lagom[mujoco]``).
ZOO: dict[str, TD3Config] = {
    "Pendulum-v1": PENDULUM,
    # rl-baselines3-zoo's mujoco-defaults: its defaults, 10,000 random steps first.
    **{
        env_id: TD3Config(**mujoco_sections(env_id), agent=TD3AgentConfig(learning_starts=10_000))
        for env_id in MUJOCO_IDS
    },
}


def base_config(env_id: str = DEFAULT_ENV) -> TD3Config:
    """The configuration :func:`lagom.baselines.td3.default_config` gives ``env_id``: the
    zoo's, else :class:`TD3Config` with ``env.id`` set; the environment is not checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> base_config("Pendulum-v1") is PENDULUM, base_config("Ant-v5").agent.learning_starts
        (True, 100)
    """
    if check_str("env_id", env_id) in ZOO:
        return ZOO[env_id]
    return attrs.evolve(TD3Config(), env=OffPolicyEnvConfig(id=env_id))


def ddpg_base_config(env_id: str = DEFAULT_ENV) -> TD3Config:
    """The configuration :func:`lagom.baselines.td3.ddpg_default_config` gives ``env_id``:
    :func:`base_config`'s with one critic, no smoothing and no delay; the environment is not
    checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> agent = ddpg_base_config("Pendulum-v1").agent
        >>> agent.n_critics, agent.policy_delay, agent.target_policy_noise, agent.gamma
        (1, 1, 0.0, 0.98)
    """
    config = base_config(env_id)
    agent = attrs.evolve(
        config.agent, n_critics=1, policy_delay=1, target_policy_noise=0.0, target_noise_clip=0.0
    )
    return attrs.evolve(config, agent=agent)
