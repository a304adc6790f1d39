r"""The sections SAC, TD3 (with DDPG) and DQN share: ``env``, ``train``, ``agent``'s common
fields and ``eval``.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.common` imports these classes back, and the algorithms' own sections
(:mod:`~lagom.baselines.configs.sac`, :mod:`~lagom.baselines.configs.td3`,
:mod:`~lagom.baselines.configs.dqn`) subclass :class:`OffPolicyAgentConfig`.

Example:
    >>> OffPolicyTrainConfig(timesteps=5_000).log_interval, OffPolicyAgentConfig().gamma
    (1000, 0.99)
"""

from __future__ import annotations

from typing import Any

import attrs

from lagom.baselines._fields import (
    COUNT,
    COUNT_OR_NONE,
    POSITIVE,
    RATIO,
    SIZE,
    TEXT,
    UNIT,
    sizes,
)
from lagom.baselines.configs._sections import EvalDuringTraining, LogSinks

__all__ = [
    "OffPolicyAgentConfig",
    "OffPolicyEnvConfig",
    "OffPolicyEvalConfig",
    "OffPolicyTrainConfig",
]


@attrs.frozen
class OffPolicyEnvConfig:
    """The ``env`` section of an off-policy configuration.

    Example:
        >>> OffPolicyEnvConfig().id
        'Pendulum-v1'
    """

    #: A gymnasium id with a ``Box`` observation and a ``Box`` action space.
    id: str = attrs.field(default="Pendulum-v1", validator=TEXT)


@attrs.frozen
class OffPolicyTrainConfig(LogSinks):
    """The ``train`` section of an off-policy configuration: how long, how often to log.

    Example:
        >>> OffPolicyTrainConfig(timesteps=0)
        Traceback (most recent call last):
        ...
        ValueError: 'timesteps' must be >= 1: 0
    """

    #: Environment steps in all.
    timesteps: int = attrs.field(default=1_000_000, validator=COUNT)
    #: Environment steps per iteration (one progress row each).
    log_interval: int = attrs.field(default=1000, validator=COUNT)
    #: Iterations between checkpoints (one is also saved at the end).
    checkpoint_every: int = attrs.field(default=10, validator=COUNT)
    #: Stop after the iteration that reaches this many steps, saving a checkpoint and skipping
    #: the final evaluation (``None``: never); a later call resumes.
    stop_at: int | None = attrs.field(default=None, validator=COUNT_OR_NONE)


@attrs.frozen
class OffPolicyAgentConfig:
    """The ``agent`` fields every off-policy learner has (Stable-Baselines3's SAC defaults);
    SAC's and TD3's ``agent`` sections are subclasses adding their own.

    Example:
        >>> OffPolicyAgentConfig().batch_size, OffPolicyAgentConfig(hidden_sizes=(64,)).tau
        (256, 0.005)
    """

    #: Adam learning rate of every network.
    lr: float = attrs.field(default=3e-4, validator=POSITIVE)
    #: Discount factor :math:`\gamma`.
    gamma: float = attrs.field(default=0.99, validator=UNIT)
    #: Polyak weight :math:`\tau` of the online networks in the target networks' update.
    tau: float = attrs.field(default=0.005, validator=RATIO)
    #: Transitions per gradient step.
    batch_size: int = attrs.field(default=256, validator=COUNT)
    #: Replay capacity (never more than ``train.timesteps`` rows are allocated).
    buffer_size: int = attrs.field(default=1_000_000, validator=COUNT)
    #: Uniformly random actions for this many steps; gradient steps only after them.
    learning_starts: int = attrs.field(default=100, validator=SIZE)
    #: Environment steps between updates.
    train_freq: int = attrs.field(default=1, validator=COUNT)
    #: Gradient steps per update.
    gradient_steps: int = attrs.field(default=1, validator=COUNT)
    #: Hidden layer sizes of the actor and of each critic.
    hidden_sizes: tuple[int, ...] = attrs.field(default=(256, 256), validator=sizes(min_len=1))


@attrs.frozen
class OffPolicyEvalConfig(EvalDuringTraining):
    """The ``eval`` section of an off-policy configuration.

    Example:
        >>> OffPolicyEvalConfig().episodes
        20
    """

    #: Deterministic episodes of the final evaluation (seeds ``seed + 10000 + i``).
    episodes: int = attrs.field(default=20, validator=COUNT)


# (Not in __all__: the zoo data of sac.py and td3.py, not an off-policy section.)
#: The MuJoCo environments with rl-baselines3-zoo settings for SAC and TD3 (its v4 values,
#: used on the v5 environments; ``lagom[mujoco]``).
MUJOCO_IDS = ("HalfCheetah-v5", "Hopper-v5", "Walker2d-v5")


def mujoco_sections(env_id: str) -> dict[str, Any]:
    """The ``env`` and ``train`` sections of the zoo's MuJoCo settings (``mujoco-defaults``
    of ``sac.yml`` and ``td3.yml``): ``env_id``, a million steps. The agent's 10,000 random
    steps first are the caller's (its own agent section).

    Example:
        >>> mujoco_sections("Hopper-v5")["train"].timesteps
        1000000
    """
    return {
        "env": OffPolicyEnvConfig(id=env_id),
        "train": OffPolicyTrainConfig(timesteps=1_000_000),
    }
