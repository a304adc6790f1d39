"""Recurrent PPO's configuration: its sections, :class:`PPOLSTMConfig` and the tuned values.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.ppo_lstm` imports these names back. The default environment is
:data:`lagom.envs.MASKED_CARTPOLE_ID`, written here as text (registering it needs gymnasium).

Example:
    >>> base_config().train.n_steps, base_config("Acrobot-v1").train.n_steps
    (32, 128)
"""

from __future__ import annotations

from typing import Literal

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import (
    FLAG,
    NONNEG,
    POSITIVE,
    TEXT,
    UNIT,
    above,
    instance,
    one_of,
    sizes,
)
from lagom.baselines.configs._sections import EvalDuringTraining, LogSinks

__all__ = [
    "DEFAULT_ENV", "ZOO", "AgentConfig", "EnvConfig", "EvalConfig", "PPOLSTMConfig",
    "TrainConfig", "base_config",
]  # fmt: skip

#: The environment ``lagom train ppo_lstm`` uses when none is given: CartPole without velocities.
DEFAULT_ENV = "lagom/MaskedCartPole-v1"
#: A value held (``"constant"``) or moved linearly to 0 over ``train.timesteps``.
Schedule = Literal["constant", "linear"]
_SCHEDULE, _COUNT, _COUNT_OR_NONE = one_of("constant", "linear"), above(0), above(0, optional=True)


@attrs.frozen
class EnvConfig:
    """The training environments (``env.*``).

    >>> EnvConfig().id, EnvConfig().num_envs
    ('lagom/MaskedCartPole-v1', 8)
    """

    #: Gymnasium id of the environment.
    id: str = attrs.field(default=DEFAULT_ENV, validator=TEXT)
    #: Number of environments stepped together (``N``).
    num_envs: int = attrs.field(default=8, validator=_COUNT)


@attrs.frozen
class AgentConfig:
    """The recurrent actor-critic and its loss (``agent.*``).

    >>> AgentConfig().lstm_hidden_size, AgentConfig().shared_lstm
    (64, False)
    """

    #: Hidden features ``H`` of each LSTM layer.
    lstm_hidden_size: int = attrs.field(default=64, validator=_COUNT)
    #: LSTM layers.
    lstm_layers: int = attrs.field(default=1, validator=_COUNT)
    #: One LSTM for actor and critic (``False``: one each, sb3-contrib's default).
    shared_lstm: bool = attrs.field(default=False, validator=FLAG)
    #: Hidden layer sizes of an MLP (with the MLP's activation) between the observations
    #: and each LSTM (``()``: none). The LSTM layer-normalizes its input gates, which makes
    #: them blind to the scale of a raw observation vector (``LN(W(a x)) = LN(W x)`` for
    #: ``a > 0``: of a 2-number observation only the ratio of the two survives); the MLP's
    #: biases and nonlinearity keep it.
    encoder_sizes: tuple[int, ...] = attrs.field(default=(), validator=sizes())
    #: Hidden layer sizes of the actor and of the critic MLP after the LSTM.
    hidden_sizes: tuple[int, ...] = attrs.field(default=(64,), validator=sizes())
    #: Activation of the MLP layers.
    activation: Literal["tanh", "relu"] = attrs.field(
        default="tanh", validator=one_of("tanh", "relu")
    )
    #: Orthogonal initialization of the MLP and heads (gain √2 hidden, 1 value, 0.01 policy).
    ortho_init: bool = attrs.field(default=True, validator=FLAG)
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
    #: Standardize the advantages of each minibatch.
    normalize_advantage: bool = attrs.field(default=True, validator=FLAG)
    #: Clip range ``ε`` of the probability ratio (the schedule's initial value).
    clip_range: float = attrs.field(default=0.2, validator=POSITIVE)
    #: Schedule of ``ε``.
    clip_range_schedule: Schedule = attrs.field(default="constant", validator=_SCHEDULE)


def _check_train(config: TrainConfig) -> None:
    S = config.n_steps if config.seq_len is None else config.seq_len
    if config.n_steps % S or config.batch_size % S:
        raise ValueError(
            f"train.seq_len ({S}) must divide train.n_steps ({config.n_steps}) and "
            f"train.batch_size ({config.batch_size})"
        )


@attrs.frozen
class TrainConfig(LogSinks):
    """The loop (``train.*``). ``seq_len`` must divide ``n_steps`` and ``batch_size``.

    >>> TrainConfig(n_steps=32, seq_len=8).batch_size
    256
    >>> TrainConfig(n_steps=32, seq_len=5)
    Traceback (most recent call last):
    ...
    ValueError: train.seq_len (5) must divide train.n_steps (32) and train.batch_size (256)
    """

    #: Environment steps to train for.
    timesteps: int = attrs.field(default=100_000, validator=_COUNT)
    #: Steps per environment per iteration (``T``).
    n_steps: int = attrs.field(default=128, validator=_COUNT)
    #: Steps of each replayed sequence (``None``: the whole column of ``n_steps``).
    seq_len: int | None = attrs.field(default=None, validator=_COUNT_OR_NONE)
    #: Steps per minibatch (whole sequences; all of the batch when it is smaller).
    batch_size: int = attrs.field(default=256, validator=_COUNT)
    #: Passes over each batch.
    n_epochs: int = attrs.field(default=10, validator=_COUNT)
    #: Save a checkpoint every this many iterations (and at the end).
    checkpoint_every: int = attrs.field(default=50, validator=_COUNT)
    #: Stop (after a checkpoint, returning ``{}``) once this many steps are done.
    stop_at: int | None = attrs.field(default=None, validator=_COUNT_OR_NONE)

    def __attrs_post_init__(self) -> None:
        _check_train(self)

    @property
    def sequence_length(self) -> int:
        """``seq_len``, or ``n_steps`` when it is ``None``."""
        return self.n_steps if self.seq_len is None else self.seq_len


@attrs.frozen
class EvalConfig(EvalDuringTraining):
    """The final evaluation (``eval.*``).

    >>> EvalConfig().episodes
    20
    """

    #: Deterministic episodes (seeds ``seed + 10000 + i``), the state reset at each start.
    episodes: int = attrs.field(default=20, validator=_COUNT)


@attrs.frozen
class PPOLSTMConfig:
    """Recurrent PPO's configuration (tuned ones: :data:`~lagom.baselines.configs.ppo_lstm.ZOO`).

    >>> PPOLSTMConfig().env.id, PPOLSTMConfig(train=TrainConfig(n_epochs=3)).train.n_epochs
    ('lagom/MaskedCartPole-v1', 3)
    """

    #: The training environments.
    env: EnvConfig = attrs.field(factory=EnvConfig, validator=instance(EnvConfig))
    #: The recurrent actor-critic and its loss.
    agent: AgentConfig = attrs.field(factory=AgentConfig, validator=instance(AgentConfig))
    #: The loop.
    train: TrainConfig = attrs.field(factory=TrainConfig, validator=instance(TrainConfig))
    #: The final evaluation.
    eval: EvalConfig = attrs.field(factory=EvalConfig, validator=instance(EvalConfig))


#: Tuned configurations by environment id. Masked CartPole starts from rl-baselines3-zoo's
#: ``ppo_lstm`` values for ``CartPoleNoVel-v1`` (8 envs, 32 steps, batch 256, γ 0.98,
#: λ 0.8, linear lr 1e-3 and clip 0.2, LSTM 64, MLP 64 ReLU, no orthogonal init), with a
#: 64-unit ReLU encoder before each layer-normed LSTM, 10 epochs instead of 20 and 200k
#: steps: final evaluations 500 / 500 / 493.8 over seeds 0, 1, 2 (with 20 epochs
#: 496 / 500 / 229.5; at 100k 500 / 403 / 397).
ZOO: dict[str, PPOLSTMConfig] = {
    DEFAULT_ENV: PPOLSTMConfig(
        EnvConfig(id=DEFAULT_ENV, num_envs=8),
        AgentConfig(
            encoder_sizes=(64,), hidden_sizes=(64,), activation="relu", ortho_init=False,
            lr=1e-3, lr_schedule="linear", clip_range_schedule="linear", gamma=0.98,
            gae_lambda=0.8,
        ),
        TrainConfig(timesteps=200_000, n_steps=32, batch_size=256, n_epochs=10),
    ),
}  # fmt: skip


def base_config(env_id: str = DEFAULT_ENV) -> PPOLSTMConfig:
    """The configuration :func:`lagom.baselines.ppo_lstm.default_config` gives ``env_id``:
    :data:`ZOO`'s, else the defaults with ``env.id`` set; the environment is not checked.

    Raises:
        TypeError: ``env_id`` is not a str.

    Example:
        >>> base_config("Acrobot-v1").env.id, base_config("Acrobot-v1").env.num_envs
        ('Acrobot-v1', 8)
    """
    if check_str("env_id", env_id) in ZOO:
        return ZOO[env_id]
    return PPOLSTMConfig(env=EnvConfig(id=env_id))
