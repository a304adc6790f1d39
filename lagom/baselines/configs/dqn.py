r"""DQN's configuration: its sections, :class:`DQNConfig` and the zoo's values.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.dqn` imports these names back.

Example:
    >>> base_config("Acrobot-v1").agent.lr, base_config().agent.hidden_sizes
    (0.0001, (256, 256))
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import (
    COUNT,
    FLAG,
    NONNEG,
    POSITIVE,
    RATIO,
    TEXT,
    UNIT,
    instance,
    one_of,
    sizes,
)
from lagom.baselines.configs.offpolicy import (
    OffPolicyAgentConfig,
    OffPolicyEvalConfig,
    OffPolicyTrainConfig,
)

__all__ = [
    "ATARI",
    "CARTPOLE",
    "DEFAULT_ENV",
    "MINATAR_BREAKOUT",
    "ZOO",
    "DQNAgentConfig",
    "DQNConfig",
    "DQNEnvConfig",
    "ReplayConfig",
    "base_config",
]

#: The environment ``lagom train dqn`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"
#: An observation encoder (:data:`lagom.networks.EncoderKind`, written here without torch).
EncoderKind: TypeAlias = Literal["auto", "mlp", "cnn"]


@attrs.frozen
class DQNEnvConfig:
    """DQN's ``env`` section.

    Example:
        >>> DQNEnvConfig().id
        'CartPole-v1'
    """

    #: A gymnasium id with a ``Box`` (or ``Dict``) observation and a ``Discrete`` action
    #: space; ``"ALE/..."`` and ``"MinAtar/..."`` ids are made by
    #: :func:`~lagom.baselines.common.make_env`.
    id: str = attrs.field(default=DEFAULT_ENV, validator=TEXT)


@attrs.frozen
class DQNAgentConfig(OffPolicyAgentConfig):
    r"""DQN's ``agent`` section: the off-policy fields with Stable-Baselines3's DQN defaults,
    then exploration, target updates and the variants (Double DQN, dueling, n steps).

    Example:
        >>> agent = DQNAgentConfig()
        >>> agent.lr, agent.batch_size, agent.target_update_interval, agent.double
        (0.0001, 32, 10000, True)
    """

    #: Adam learning rate of the Q-network.
    lr: float = attrs.field(default=1e-4, validator=POSITIVE)
    #: Weight :math:`\tau` of the online network in a target update (1: a copy).
    tau: float = attrs.field(default=1.0, validator=RATIO)
    #: Transitions per gradient step.
    batch_size: int = attrs.field(default=32, validator=COUNT)
    #: Environment steps between updates.
    train_freq: int = attrs.field(default=4, validator=COUNT)
    #: Hidden layer sizes of the Q-network's MLP, after the encoder if there is one (``()``:
    #: the head reads the encoder's features, as the Nature DQN's does its 512).
    hidden_sizes: tuple[int, ...] = attrs.field(default=(64, 64), validator=sizes())
    #: Environment steps between target updates.
    target_update_interval: int = attrs.field(default=10_000, validator=COUNT)
    #: Fraction of ``train.timesteps`` over which :math:`\epsilon` moves to its final value.
    exploration_fraction: float = attrs.field(default=0.1, validator=RATIO)
    #: :math:`\epsilon` of the :math:`\epsilon`-greedy actions at the start.
    exploration_initial_eps: float = attrs.field(default=1.0, validator=UNIT)
    #: :math:`\epsilon` after the exploration fraction.
    exploration_final_eps: float = attrs.field(default=0.05, validator=UNIT)
    #: The gradient's norm is clipped to this.
    max_grad_norm: float = attrs.field(default=10.0, validator=POSITIVE)
    #: Steps of the n-step returns (1 for one-step TD targets).
    n_steps: int = attrs.field(default=1, validator=COUNT)
    #: Double DQN, where the online network picks the next action and the target network values
    #: it (off: the target network's maximum).
    double: bool = attrs.field(default=True, validator=FLAG)
    #: Dueling heads, :math:`Q = V + A - \operatorname{mean} A`.
    dueling: bool = attrs.field(default=False, validator=FLAG)
    #: The observation encoder before the MLP (:func:`lagom.networks.make_encoder`):
    #: ``"auto"`` from the space (a CNN for images), ``"mlp"`` (flattened) or ``"cnn"``.
    encoder: EncoderKind = attrs.field(default="auto", validator=one_of("auto", "mlp", "cnn"))


@attrs.frozen
class ReplayConfig:
    r"""DQN's ``replay`` section: uniform or prioritized replay (Schaul et al., 2016,
    proportional), the buffer's size being ``agent.buffer_size``.

    Example:
        >>> ReplayConfig(prioritized=True).alpha, ReplayConfig().beta
        (0.6, 0.4)
    """

    #: Draw transitions in proportion to their priorities rather than uniformly.
    prioritized: bool = attrs.field(default=False, validator=FLAG)
    #: Exponent :math:`\alpha` of the priorities :math:`(|\delta| + \epsilon)^\alpha`.
    alpha: float = attrs.field(default=0.6, validator=NONNEG)
    #: Exponent :math:`\beta` of the importance weights at the start; 1 at the end.
    beta: float = attrs.field(default=0.4, validator=UNIT)
    #: :math:`\epsilon` of the priorities: no transition's priority is 0.
    eps: float = attrs.field(default=1e-6, validator=POSITIVE)


@attrs.frozen
class DQNConfig:
    """DQN's configuration; ``DQNConfig()`` holds Stable-Baselines3's DQN defaults (as Double
    DQN).

    Example:
        >>> DQNConfig().agent.exploration_final_eps, CARTPOLE.agent.hidden_sizes
        (0.05, (256, 256))
    """

    #: The environment (Box observations, Discrete actions).
    env: DQNEnvConfig = attrs.field(factory=DQNEnvConfig, validator=instance(DQNEnvConfig))
    #: Length, logging and checkpoints.
    train: OffPolicyTrainConfig = attrs.field(
        factory=OffPolicyTrainConfig, validator=instance(OffPolicyTrainConfig)
    )
    #: The learner.
    agent: DQNAgentConfig = attrs.field(factory=DQNAgentConfig, validator=instance(DQNAgentConfig))
    #: The replay buffer's sampling.
    replay: ReplayConfig = attrs.field(factory=ReplayConfig, validator=instance(ReplayConfig))
    #: The final evaluation.
    eval: OffPolicyEvalConfig = attrs.field(
        factory=OffPolicyEvalConfig, validator=instance(OffPolicyEvalConfig)
    )


#: rl-baselines3-zoo's CartPole-v1 settings (``hyperparams/dqn.yml``) with 3-step returns
#: and the target network's maximum (no Double DQN). Over seeds 0-19 at 50k steps, 14 of 20
#: runs end at a greedy return of 475 or more, against 9 of 20 with one-step targets and 11
#: of 16 with Double DQN added (``docs/benchmarks.rst``).
CARTPOLE = DQNConfig(
    train=OffPolicyTrainConfig(timesteps=50_000),
    agent=DQNAgentConfig(
        lr=2.3e-3,
        batch_size=64,
        buffer_size=100_000,
        learning_starts=1000,
        gamma=0.99,
        target_update_interval=10,
        train_freq=256,
        gradient_steps=128,
        exploration_fraction=0.16,
        exploration_final_eps=0.04,
        hidden_sizes=(256, 256),
        double=False,
        n_steps=3,
    ),
)

#: Atari (``ALE/...``, e.g. ``ALE/Breakout-v5``): rl-baselines3-zoo's Atari settings (Nature
#: DQN's CNN on 4 stacked 84x84 frames, its 512 features straight into the head as in
#: Stable-Baselines3's ``CnnPolicy``; 10M steps) with its replay of 100,000 transitions:
#: about 5.6 GB of uint8 frames (observations and next observations), where DQN's default
#: million would need 56 GB. Every ``ALE/`` id without an entry of its own gets these.
ATARI = DQNConfig(
    env=DQNEnvConfig(id="ALE/Breakout-v5"),
    train=OffPolicyTrainConfig(timesteps=10_000_000, log_interval=10_000),
    agent=DQNAgentConfig(
        lr=1e-4,
        batch_size=32,
        buffer_size=100_000,
        learning_starts=100_000,
        gamma=0.99,
        target_update_interval=1_000,
        train_freq=4,
        gradient_steps=1,
        exploration_fraction=0.1,
        exploration_final_eps=0.01,
        hidden_sizes=(),
    ),
)

#: MinAtar Breakout (``MinAtar/Breakout-v1``): :data:`ATARI`'s cadence (replay 100,000,
#: target copied every 1,000 steps, a gradient step every 4, ε decayed over 10%) with
#: MinAtar's DQN (Young & Tian, 2019): its network (a 16-channel 3x3 convolution, then 128
#: units), learning rate, 5,000 random steps first and ε down to 0.1; 1M steps.
MINATAR_BREAKOUT = attrs.evolve(
    ATARI,
    env=DQNEnvConfig(id="MinAtar/Breakout-v1"),
    train=OffPolicyTrainConfig(timesteps=1_000_000, log_interval=10_000),
    agent=attrs.evolve(
        ATARI.agent,
        lr=2.5e-4,
        learning_starts=5_000,
        exploration_final_eps=0.1,
        hidden_sizes=(128,),
    ),
)

#: The zoo: environment id -> its tuned configuration (and :data:`ATARI` for ``ALE/`` ids).
ZOO: dict[str, DQNConfig] = {"CartPole-v1": CARTPOLE, "MinAtar/Breakout-v1": MINATAR_BREAKOUT}


def base_config(env_id: str = DEFAULT_ENV) -> DQNConfig:
    """The configuration :func:`lagom.baselines.dqn.default_config` gives ``env_id``: the
    zoo's, else :class:`DQNConfig` with ``env.id`` set; the environment is not checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> base_config("CartPole-v1") is CARTPOLE, base_config("Acrobot-v1").env.id
        (True, 'Acrobot-v1')
        >>> base_config("ALE/Pong-v5").agent.buffer_size  # ATARI's, not the default million
        100000
    """
    if check_str("env_id", env_id) in ZOO:
        return ZOO[env_id]
    if env_id.startswith("ALE/"):
        return attrs.evolve(ATARI, env=DQNEnvConfig(id=env_id))
    return DQNConfig(env=DQNEnvConfig(id=env_id))
