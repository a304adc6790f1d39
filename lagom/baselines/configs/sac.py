r"""SAC's configuration: its ``agent`` section, :class:`SACConfig` and the zoo's values.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.sac` imports these names back.

Example:
    >>> base_config("MountainCarContinuous-v0").env.id, base_config().train.timesteps
    ('MountainCarContinuous-v0', 20000)
"""

from __future__ import annotations

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import POSITIVE, REAL_OR_NONE, instance
from lagom.baselines.configs.offpolicy import (
    MUJOCO_IDS,
    OffPolicyAgentConfig,
    OffPolicyEnvConfig,
    OffPolicyEvalConfig,
    OffPolicyTrainConfig,
    mujoco_sections,
)

__all__ = ["DEFAULT_ENV", "PENDULUM", "ZOO", "SACAgentConfig", "SACConfig", "base_config"]

#: The environment ``lagom train sac`` uses when none is given.
DEFAULT_ENV = "Pendulum-v1"


@attrs.frozen
class SACAgentConfig(OffPolicyAgentConfig):
    """SAC's ``agent`` section: the off-policy fields (Stable-Baselines3's defaults) and the
    temperature's settings.

    Example:
        >>> SACAgentConfig(init_alpha=0.0)
        Traceback (most recent call last):
        ...
        ValueError: 'init_alpha' must be > 0.0: 0.0
    """

    #: Initial temperature :math:`\alpha`.
    init_alpha: float = attrs.field(default=1.0, validator=POSITIVE)
    #: Target entropy :math:`\bar H` of the temperature's loss (``None``: :math:`-\dim A`).
    target_entropy: float | None = attrs.field(default=None, validator=REAL_OR_NONE)


@attrs.frozen
class SACConfig:
    """SAC's configuration; ``SACConfig()`` holds Stable-Baselines3's defaults.

    Example:
        >>> SACConfig().agent.hidden_sizes, PENDULUM.agent.lr, PENDULUM.train.timesteps
        ((256, 256), 0.001, 20000)
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
    agent: SACAgentConfig = attrs.field(factory=SACAgentConfig, validator=instance(SACAgentConfig))
    #: The final evaluation.
    eval: OffPolicyEvalConfig = attrs.field(
        factory=OffPolicyEvalConfig, validator=instance(OffPolicyEvalConfig)
    )


#: rl-baselines3-zoo's Pendulum-v1 settings (``hyperparams/sac.yml``).
PENDULUM = SACConfig(train=OffPolicyTrainConfig(timesteps=20_000), agent=SACAgentConfig(lr=1e-3))


#: The zoo: environment id -> its tuned configuration (MuJoCo needs ``lagom[mujoco]``).
ZOO: dict[str, SACConfig] = {
    "Pendulum-v1": PENDULUM,
    # rl-baselines3-zoo's mujoco-defaults: its defaults, 10,000 random steps first.
    **{
        env_id: SACConfig(**mujoco_sections(env_id), agent=SACAgentConfig(learning_starts=10_000))
        for env_id in MUJOCO_IDS
    },
}


def base_config(env_id: str = DEFAULT_ENV) -> SACConfig:
    """The configuration :func:`lagom.baselines.sac.default_config` gives ``env_id``: the
    zoo's, else :class:`SACConfig` with ``env.id`` set; the environment is not checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> base_config("Pendulum-v1") is PENDULUM, base_config("Hopper-v5").agent.lr
        (True, 0.0003)
    """
    if check_str("env_id", env_id) in ZOO:
        return ZOO[env_id]
    return attrs.evolve(SACConfig(), env=OffPolicyEnvConfig(id=env_id))
