"""PPO's configuration: its sections, :class:`PPOConfig` and the zoo's tuned values.

Torch-free and gymnasium-free, so ``lagom train ppo`` checks its ``--set`` and ``--config``
keys before either is imported. :mod:`lagom.baselines.ppo` (which trains with it) and
:mod:`lagom.baselines.vpg` (which reuses the sections) import these classes from here.

Example:
    >>> base_config("Acrobot-v1").env.id, base_config("CartPole-v1").env.num_envs
    ('Acrobot-v1', 8)
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import (
    FLAG,
    NONNEG,
    POSITIVE,
    POSITIVE_OR_NONE,
    REAL,
    TEXT,
    UNIT,
    above,
    instance,
    one_of,
    sizes,
)
from lagom.baselines.configs._sections import EvalDuringTraining, LogSinks

__all__ = [
    "DEFAULT_ENV", "ZOO", "AgentConfig", "EnvConfig", "EvalConfig", "PPOAgentConfig",
    "PPOConfig", "PPOTrainConfig", "TrainConfig", "base_config",
]  # fmt: skip

#: The environment ``lagom train ppo`` uses when none is given.
DEFAULT_ENV = "CartPole-v1"
#: A value held (``"constant"``) or moved linearly to 0 over ``train.timesteps``.
Schedule = Literal["constant", "linear"]
#: An activation of the hidden layers.
Activation = Literal["tanh", "relu"]
#: An observation encoder (:data:`lagom.networks.EncoderKind`, written here without torch).
EncoderKind: TypeAlias = Literal["auto", "mlp", "cnn"]
_SCHEDULE, _ACTIVATION = one_of("constant", "linear"), one_of("tanh", "relu")
_COUNT, _COUNT_OR_NONE = above(0), above(0, optional=True)
#: The bound of ``|log_std_init|``: ``exp(±80)`` is a normal float32.
_LOG_STD_BOUND = 80.0


@attrs.frozen
class EnvConfig:
    """The training environments (``env.*``).

    >>> EnvConfig(id="Pendulum-v1", normalize_obs=True).clip_obs
    10.0
    """

    #: Gymnasium id of the environment.
    id: str = attrs.field(default=DEFAULT_ENV, validator=TEXT)
    #: Number of environments stepped together.
    num_envs: int = attrs.field(default=1, validator=_COUNT)
    #: Use gymnasium's numpy-vectorized implementation where there is one (CartPole).
    native: bool = attrs.field(default=True, validator=FLAG)
    #: Standardize observations with running moments (``VecNormalizeObservation``; for a
    #: ``Dict`` space each float key with its own, ``VecNormalizeDictObservation``).
    normalize_obs: bool = attrs.field(default=False, validator=FLAG)
    #: Scale rewards by the running std of the discounted return (``VecNormalizeReward``).
    normalize_reward: bool = attrs.field(default=False, validator=FLAG)
    #: Bound of the standardized observations.
    clip_obs: float = attrs.field(default=10.0, validator=POSITIVE)
    #: Bound of the scaled rewards.
    clip_reward: float = attrs.field(default=10.0, validator=POSITIVE)


@attrs.frozen
class AgentConfig:
    """The actor-critic and its loss (``agent.*``), with Stable-Baselines3's defaults.

    >>> AgentConfig().hidden_sizes, AgentConfig().lr
    ((64, 64), 0.0003)
    """

    #: Hidden layer sizes of the actor and of the critic MLP.
    hidden_sizes: tuple[int, ...] = attrs.field(default=(64, 64), validator=sizes())
    #: Activation of the hidden layers.
    activation: Activation = attrs.field(default="tanh", validator=_ACTIVATION)
    #: Orthogonal initialization (gain √2 hidden, 1 value head, 0.01 policy head).
    ortho_init: bool = attrs.field(default=True, validator=FLAG)
    #: Initial ``log σ`` of a Gaussian policy (Box actions), in ``[-80, 80]`` (a float32 ``σ``).
    log_std_init: float = attrs.field(
        default=0.0,
        validator=[REAL, attrs.validators.ge(-_LOG_STD_BOUND), attrs.validators.le(_LOG_STD_BOUND)],
    )
    #: Adam learning rate (the schedule's initial value).
    lr: float = attrs.field(default=3e-4, validator=POSITIVE)
    #: Schedule of the learning rate.
    lr_schedule: Schedule = attrs.field(default="constant", validator=_SCHEDULE)
    #: Weight of the entropy bonus.
    ent_coef: float = attrs.field(default=0.0, validator=NONNEG)
    #: Weight of the value loss.
    vf_coef: float = attrs.field(default=0.5, validator=NONNEG)
    #: Bound of the gradient norm.
    max_grad_norm: float = attrs.field(default=0.5, validator=POSITIVE)
    #: Discount ``γ``.
    gamma: float = attrs.field(default=0.99, validator=UNIT)
    #: GAE ``λ``.
    gae_lambda: float = attrs.field(default=0.95, validator=UNIT)
    #: Standardize the advantages of each (mini)batch.
    normalize_advantage: bool = attrs.field(default=True, validator=FLAG)
    #: The observation encoder shared by actor and critic (:func:`~lagom.networks.make_encoder`):
    #: ``"auto"`` from the space (a CNN for images, one encoder per key of a Dict), ``"mlp"``
    #: or ``"cnn"``; a flat Box goes straight into the MLPs.
    encoder: EncoderKind = attrs.field(default="auto", validator=one_of("auto", "mlp", "cnn"))


@attrs.frozen
class PPOAgentConfig(AgentConfig):
    """:class:`AgentConfig` and PPO's clipping.

    >>> PPOAgentConfig().clip_range, PPOAgentConfig().clip_range_vf is None
    (0.2, True)
    """

    #: Clip range ``ε`` of the probability ratio (the schedule's initial value).
    clip_range: float = attrs.field(default=0.2, validator=POSITIVE)
    #: Schedule of ``ε``.
    clip_range_schedule: Schedule = attrs.field(default="constant", validator=_SCHEDULE)
    #: Clip range of the value around ``V_old`` (``None``: no clipping).
    clip_range_vf: float | None = attrs.field(default=None, validator=POSITIVE_OR_NONE)


@attrs.frozen
class TrainConfig(LogSinks):
    """The loop (``train.*``).

    >>> TrainConfig().n_steps, TrainConfig().stop_at is None
    (2048, True)
    """

    #: Environment steps to train for.
    timesteps: int = attrs.field(default=1_000_000, validator=_COUNT)
    #: Steps per environment per iteration (``T``).
    n_steps: int = attrs.field(default=2048, validator=_COUNT)
    #: Save a checkpoint every this many iterations (and at the end).
    checkpoint_every: int = attrs.field(default=50, validator=_COUNT)
    #: Stop (after a checkpoint, returning ``{}``) once this many steps are done.
    stop_at: int | None = attrs.field(default=None, validator=_COUNT_OR_NONE)


@attrs.frozen
class PPOTrainConfig(TrainConfig):
    """:class:`TrainConfig` and PPO's minibatch epochs.

    >>> PPOTrainConfig(n_steps=32).batch_size
    64
    """

    #: Rows per minibatch (the whole batch when it is smaller).
    batch_size: int = attrs.field(default=64, validator=_COUNT)
    #: Passes over each batch.
    n_epochs: int = attrs.field(default=10, validator=_COUNT)


@attrs.frozen
class EvalConfig(EvalDuringTraining):
    """The final evaluation (``eval.*``).

    >>> EvalConfig().episodes
    20
    """

    #: Deterministic episodes (seeds ``seed + 10000 + i``).
    episodes: int = attrs.field(default=20, validator=_COUNT)


@attrs.frozen
class PPOConfig:
    """PPO's configuration, with Stable-Baselines3's defaults (tuned ones:
    :data:`~lagom.baselines.configs.ppo.ZOO`).

    >>> PPOConfig().agent.gamma, PPOConfig(train=PPOTrainConfig(n_epochs=3)).train.n_epochs
    (0.99, 3)
    """

    #: The training environments.
    env: EnvConfig = attrs.field(factory=EnvConfig, validator=instance(EnvConfig))
    #: The actor-critic and its loss.
    agent: PPOAgentConfig = attrs.field(factory=PPOAgentConfig, validator=instance(PPOAgentConfig))
    #: The loop.
    train: PPOTrainConfig = attrs.field(factory=PPOTrainConfig, validator=instance(PPOTrainConfig))
    #: The final evaluation.
    eval: EvalConfig = attrs.field(factory=EvalConfig, validator=instance(EvalConfig))


#: rl-baselines3-zoo's tuned values (``hyperparams/ppo.yml``; unnamed ones are the defaults),
#: by environment id. Pendulum-v1 has a state-independent Gaussian (no gSDE);
#: InvertedPendulum-v5 takes the InvertedPendulum-v3 values over 100k steps.
ZOO: dict[str, PPOConfig] = {
    "CartPole-v1": PPOConfig(
        EnvConfig(id="CartPole-v1", num_envs=8),
        PPOAgentConfig(
            gamma=0.98, gae_lambda=0.8, lr=1e-3, lr_schedule="linear", clip_range_schedule="linear"
        ),
        PPOTrainConfig(timesteps=100_000, n_steps=32, batch_size=256, n_epochs=20),
    ),
    "Pendulum-v1": PPOConfig(
        EnvConfig(id="Pendulum-v1", num_envs=4),
        PPOAgentConfig(gamma=0.9, lr=1e-3),
        PPOTrainConfig(timesteps=100_000, n_steps=1024),
    ),
    "InvertedPendulum-v5": PPOConfig(
        EnvConfig(id="InvertedPendulum-v5", normalize_obs=True, normalize_reward=True),
        PPOAgentConfig(gamma=0.999, gae_lambda=0.9, lr=0.000222425, ent_coef=1.37976e-07,
                       vf_coef=0.19816, max_grad_norm=0.3, clip_range=0.4),
        PPOTrainConfig(timesteps=100_000, n_steps=32, n_epochs=5),
    ),
    # MuJoCo: the zoo's tuned v4 values (ppo.yml), on the v5 environments; ReLU [256, 256]
    # actor and critic, log σ starting at -2, no orthogonal init; one environment.
    "HalfCheetah-v5": PPOConfig(
        EnvConfig(id="HalfCheetah-v5", normalize_obs=True, normalize_reward=True),
        PPOAgentConfig(hidden_sizes=(256, 256), activation="relu", ortho_init=False,
                       log_std_init=-2.0, gamma=0.98, gae_lambda=0.92, lr=2.0633e-05,
                       ent_coef=0.000401762, vf_coef=0.58096, max_grad_norm=0.8, clip_range=0.1),
        PPOTrainConfig(timesteps=1_000_000, n_steps=512, batch_size=64, n_epochs=20),
    ),
    "Hopper-v5": PPOConfig(
        EnvConfig(id="Hopper-v5", normalize_obs=True, normalize_reward=True),
        PPOAgentConfig(hidden_sizes=(256, 256), activation="relu", ortho_init=False,
                       log_std_init=-2.0, gamma=0.999, gae_lambda=0.99, lr=9.80828e-05,
                       ent_coef=0.00229519, vf_coef=0.835671, max_grad_norm=0.7, clip_range=0.2),
        PPOTrainConfig(timesteps=1_000_000, n_steps=512, batch_size=32, n_epochs=5),
    ),
    "Walker2d-v5": PPOConfig(
        EnvConfig(id="Walker2d-v5", normalize_obs=True, normalize_reward=True),
        PPOAgentConfig(gamma=0.99, gae_lambda=0.95, lr=5.05041e-05, ent_coef=0.000585045,
                       vf_coef=0.871923, max_grad_norm=1.0, clip_range=0.1),
        PPOTrainConfig(timesteps=1_000_000, n_steps=512, batch_size=32, n_epochs=20),
    ),
    # MinAtar's 16-channel 3x3 convolution shared by actor and critic, 128-unit heads.
    "MinAtar/Breakout-v1": PPOConfig(
        EnvConfig(id="MinAtar/Breakout-v1", num_envs=8),
        PPOAgentConfig(hidden_sizes=(128,), activation="relu", lr=2.5e-4, lr_schedule="linear",
                       ent_coef=0.01, clip_range=0.1),
        PPOTrainConfig(timesteps=1_000_000, n_steps=128, batch_size=256, n_epochs=4),
    ),
}  # fmt: skip


def base_config(env_id: str = DEFAULT_ENV) -> PPOConfig:
    """The configuration :func:`lagom.baselines.ppo.default_config` gives ``env_id``:
    :data:`ZOO`'s, else the defaults with ``env.id`` set; the environment is not checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> base_config("Pendulum-v1").env.num_envs, base_config("Acrobot-v1").train.n_steps
        (4, 2048)
    """
    if check_str("env_id", env_id) in ZOO:
        return ZOO[env_id]
    return PPOConfig(env=EnvConfig(id=env_id))
