r"""Policy search's configuration: the shared sections, each strategy's section and
configuration (:class:`CEMConfig`, :class:`CMAESConfig`, :class:`OpenAIESConfig`) and the zoo.

Torch-free and gymnasium-free, like every module of :mod:`lagom.baselines.configs`;
:mod:`lagom.baselines.policy_search` imports these names back.

Example:
    >>> config = base_config(CMAESConfig, "Pendulum-v1")
    >>> config.algorithm, config.train.episodes_per_eval, config.es.sigma0
    ('cmaes', 3, 0.5)
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

import attrs

from lagom._checks import check_str
from lagom.baselines._fields import (
    COUNT,
    COUNT_OR_NONE,
    FLAG,
    NONNEG,
    POSITIVE,
    RATIO,
    SIZE,
    TEXT,
    UNIT,
    at_least,
    instance,
    one_of,
    sizes,
)
from lagom.baselines.configs._sections import EvalDuringTraining, LogSinks
from lagom.transform import LinearSchedule

__all__ = [
    "CARTPOLE",
    "DEFAULT_ENV",
    "PENDULUM",
    "ZOO",
    "CEMConfig",
    "CEMStrategy",
    "CMAESConfig",
    "CMAESStrategy",
    "EnvConfig",
    "EvalConfig",
    "OpenAIESConfig",
    "OpenAIESStrategy",
    "PolicyConfig",
    "PolicySearchConfig",
    "TrainConfig",
    "base_config",
    "cem_base_config",
    "cmaes_base_config",
    "openaies_base_config",
]

#: The environment ``lagom train cem`` (``cmaes``, ``openaies``) uses when none is given.
DEFAULT_ENV = "CartPole-v1"


@attrs.frozen
class EnvConfig:
    """The environment.

    Example:
        >>> EnvConfig("Pendulum-v1")
        EnvConfig(id='Pendulum-v1')
    """

    #: Gymnasium id, of an environment with a flat ``Box`` observation space and ``Discrete`` or
    #: bounded ``Box`` actions.
    id: str = attrs.field(default=DEFAULT_ENV, validator=TEXT)


@attrs.frozen
class PolicyConfig:
    """The searched policy, a :class:`~lagom.baselines.policy_search.FlatPolicy`.

    Example:
        >>> PolicyConfig(hidden_sizes=(0,))
        Traceback (most recent call last):
        ...
        ValueError: 'hidden_sizes' must be >= 1: 0
    """

    #: Widths of the tanh hidden layers (empty for a linear policy).
    hidden_sizes: tuple[int, ...] = attrs.field(default=(), validator=sizes())


@attrs.frozen
class TrainConfig(LogSinks):
    """The generation loop.

    Example:
        >>> TrainConfig(generations=20, workers=4).checkpoint_every
        10
    """

    #: Generations to run.
    generations: int = attrs.field(default=50, validator=COUNT)
    #: Episodes per candidate; its fitness is minus their mean return.
    episodes_per_eval: int = attrs.field(default=1, validator=COUNT)
    #: Evaluation worker processes (``0`` or ``1``: serial, in this process).
    workers: int = attrs.field(default=0, validator=SIZE)
    #: Episode time limit (``None``: the environment's own).
    max_episode_steps: int | None = attrs.field(default=None, validator=COUNT_OR_NONE)
    #: Generations between checkpoints (one is also written at the end).
    checkpoint_every: int = attrs.field(default=10, validator=COUNT)
    #: Stop once this many generations are done, after a checkpoint, returning ``{}``.
    stop_at: int | None = attrs.field(default=None, validator=COUNT_OR_NONE)


@attrs.frozen
class EvalConfig(EvalDuringTraining):
    """The final deterministic evaluation.

    Example:
        >>> EvalConfig(solution="best").episodes
        20
    """

    #: Episodes played (reset seeds ``seed + 10000 + i``).
    episodes: int = attrs.field(default=20, validator=COUNT)
    #: The trained policy, the search distribution's ``"mean"`` or the ``"best"`` candidate.
    solution: Literal["mean", "best"] = attrs.field(
        default="mean", validator=one_of("mean", "best")
    )


@attrs.frozen
class PolicySearchConfig:
    """The sections every strategy shares; each strategy's config adds its ``es`` section.

    Example:
        >>> PolicySearchConfig().train.generations
        50
    """

    #: The algorithm's registered name (each strategy's config sets it).
    algorithm: ClassVar[str] = "policy_search"
    #: The environment.
    env: EnvConfig = attrs.field(factory=EnvConfig, validator=instance(EnvConfig))
    #: The searched policy.
    policy: PolicyConfig = attrs.field(factory=PolicyConfig, validator=instance(PolicyConfig))
    #: The generation loop.
    train: TrainConfig = attrs.field(factory=TrainConfig, validator=instance(TrainConfig))
    #: The final evaluation.
    eval: EvalConfig = attrs.field(factory=EvalConfig, validator=instance(EvalConfig))


def _schedule(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[float, float, int, int] | None
) -> None:
    if value is None:
        return
    if not isinstance(value, tuple) or len(value) != 4:
        raise TypeError(
            f"{attribute.name} must be a tuple (initial, final, N, start) or None, got {value!r}"
        )
    schedule = LinearSchedule(*value)  # refuses non-real values, N < 1 and start < 0
    if min(schedule.initial, schedule.final) < 0:
        raise ValueError(f"{attribute.name} must have non-negative variances, got {value}")


# The strategies' fields are the ES options of the same names (see `make_es`).
@attrs.frozen
class CEMStrategy:
    """The cross-entropy method's settings (:func:`~lagom.es.cem_init` explains them).

    Example:
        >>> CEMStrategy(elite_ratio=1.5)
        Traceback (most recent call last):
        ...
        ValueError: 'elite_ratio' must be <= 1.0: 1.5
    """

    #: Candidates per generation ``P``.
    popsize: int = attrs.field(default=32, validator=COUNT)
    #: Initial standard deviation of every coordinate.
    sigma0: float = attrs.field(default=1.0, validator=POSITIVE)
    #: Fraction of the population the distribution is refitted to.
    elite_ratio: float = attrs.field(default=0.2, validator=RATIO)
    #: Extra variance ``LinearSchedule(initial, final, N, start)`` added to the refitted one
    #: (``None``: none); it keeps an elite picked on noisy episodes from collapsing too early.
    noise_scheduler_args: tuple[float, float, int, int] | None = attrs.field(
        default=(0.1, 0.0, 30, 0), validator=_schedule
    )


@attrs.frozen
class CEMConfig(PolicySearchConfig):
    """CEM policy search: the shared sections and a :class:`CEMStrategy`.

    Example:
        >>> config = CEMConfig(es=CEMStrategy(popsize=16))
        >>> config.algorithm, config.es.popsize, config.es.elite_ratio, config.train.generations
        ('cem', 16, 0.2, 50)
    """

    algorithm: ClassVar[str] = "cem"
    #: The cross-entropy method.
    es: CEMStrategy = attrs.field(factory=CEMStrategy, validator=instance(CEMStrategy))


@attrs.frozen
class CMAESStrategy:
    """CMA-ES's settings, passed to pycma (:class:`~lagom.es.CMAES`).

    Example:
        >>> CMAESStrategy().popsize is None
        True
    """

    #: Candidates per generation (``None``: pycma's ``4 + floor(3 ln N)``).
    popsize: int | None = attrs.field(default=None, validator=at_least(2, optional=True))
    #: Initial step size ``sigma``.
    sigma0: float = attrs.field(default=0.5, validator=POSITIVE)


@attrs.frozen
class CMAESConfig(PolicySearchConfig):
    """CMA-ES policy search: the shared sections and a :class:`CMAESStrategy`.

    Example:
        >>> from lagom.experiment import from_dotted
        >>> from_dotted(CMAESConfig(), {"es.popsize": 12}).es
        CMAESStrategy(popsize=12, sigma0=0.5)
    """

    algorithm: ClassVar[str] = "cmaes"
    #: CMA-ES.
    es: CMAESStrategy = attrs.field(factory=CMAESStrategy, validator=instance(CMAESStrategy))


@attrs.frozen
class OpenAIESStrategy:
    """OpenAI-ES's settings (:func:`~lagom.es.openaies_init` explains them).

    Example:
        >>> OpenAIESStrategy(popsize=7)
        Traceback (most recent call last):
        ...
        ValueError: popsize must be even with antithetic sampling, got 7
    """

    #: Candidates per generation (even with antithetic sampling).
    popsize: int = attrs.field(default=32, validator=at_least(2))
    #: Initial noise scale ``sigma``.
    sigma0: float = attrs.field(default=0.1, validator=POSITIVE)
    #: Adam's step size.
    lr: float = attrs.field(default=0.05, validator=NONNEG)
    #: Step size of generation ``t``: ``max(lr * lr_decay**t, min_lr)``.
    lr_decay: float = attrs.field(default=1.0, validator=UNIT)
    #: Lower bound of the decayed step size.
    min_lr: float = attrs.field(default=0.0, validator=NONNEG)
    #: Noise scale of generation ``t``: ``max(sigma0 * sigma_decay**t, min_sigma)``.
    sigma_decay: float = attrs.field(default=1.0, validator=RATIO)
    #: Lower bound of the decayed noise scale.
    min_sigma: float = attrs.field(default=0.0, validator=NONNEG)
    #: Mirrored sampling, ``z_{i + P/2} = -z_i``.
    antithetic: bool = attrs.field(default=True, validator=FLAG)
    #: Centered ranks of the fitnesses instead of the raw values.
    rank_transform: bool = attrs.field(default=True, validator=FLAG)
    #: L2 coefficient added to the gradient estimate.
    weight_decay: float = attrs.field(default=0.0, validator=NONNEG)

    def __attrs_post_init__(self) -> None:
        if self.antithetic and self.popsize % 2:
            raise ValueError(f"popsize must be even with antithetic sampling, got {self.popsize}")


@attrs.frozen
class OpenAIESConfig(PolicySearchConfig):
    """OpenAI-ES policy search: the shared sections and an :class:`OpenAIESStrategy`.

    Example:
        >>> from lagom.experiment import to_dotted
        >>> [key for key in to_dotted(OpenAIESConfig()) if key.startswith("es.")][:4]
        ['es.popsize', 'es.sigma0', 'es.lr', 'es.lr_decay']
    """

    algorithm: ClassVar[str] = "openaies"
    #: OpenAI-ES.
    es: OpenAIESStrategy = attrs.field(
        factory=OpenAIESStrategy, validator=instance(OpenAIESStrategy)
    )


#: CartPole-v1's configuration, the defaults.
CARTPOLE = PolicySearchConfig()
#: Pendulum-v1's configuration, with longer runs and three episodes per candidate (returns
#: vary with the start).
PENDULUM = PolicySearchConfig(
    env=EnvConfig("Pendulum-v1"), train=TrainConfig(generations=100, episodes_per_eval=3)
)
#: Environment id -> tuned shared sections, the same for every strategy.
ZOO: dict[str, PolicySearchConfig] = {zoo.env.id: zoo for zoo in (CARTPOLE, PENDULUM)}


S = TypeVar("S", bound=PolicySearchConfig)


def base_config(strategy: type[S], env_id: str = DEFAULT_ENV) -> S:
    """The configuration :func:`lagom.baselines.policy_search.default_config` gives
    ``strategy`` (:class:`CEMConfig`, :class:`CMAESConfig` or :class:`OpenAIESConfig`) on
    ``env_id``: its :data:`ZOO` sections, else the defaults with ``env.id`` set; the
    environment is not checked.

    Raises:
        TypeError: ``strategy`` is not one of the three configuration classes, or ``env_id``
            is not a str.

    Example:
        >>> base_config(CEMConfig, "Acrobot-v1").env.id
        'Acrobot-v1'
        >>> base_config(PolicySearchConfig)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: strategy must be CEMConfig, CMAESConfig or OpenAIESConfig, got <class ...
    """
    if strategy not in (CEMConfig, CMAESConfig, OpenAIESConfig):
        raise TypeError(
            f"strategy must be CEMConfig, CMAESConfig or OpenAIESConfig, got {strategy!r:.60}"
        )
    zoo = ZOO.get(check_str("env_id", env_id)) or PolicySearchConfig(env=EnvConfig(env_id))
    return strategy(env=zoo.env, policy=zoo.policy, train=zoo.train, eval=zoo.eval)


def cem_base_config(env_id: str = DEFAULT_ENV) -> CEMConfig:
    """:func:`base_config` of :class:`CEMConfig` (``lagom train cem``).

    Example:
        >>> cem_base_config().es.popsize
        32
    """
    return base_config(CEMConfig, env_id)


def cmaes_base_config(env_id: str = DEFAULT_ENV) -> CMAESConfig:
    """:func:`base_config` of :class:`CMAESConfig` (``lagom train cmaes``).

    Example:
        >>> cmaes_base_config("Pendulum-v1").train.generations
        100
    """
    return base_config(CMAESConfig, env_id)


def openaies_base_config(env_id: str = DEFAULT_ENV) -> OpenAIESConfig:
    """:func:`base_config` of :class:`OpenAIESConfig` (``lagom train openaies``).

    Example:
        >>> openaies_base_config().es.antithetic
        True
    """
    return base_config(OpenAIESConfig, env_id)
