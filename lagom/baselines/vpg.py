r"""Vanilla policy gradient with a learned baseline: one full-batch step per iteration.

Each iteration collects ``T = train.n_steps`` steps of ``N = env.num_envs`` environments with
PPO's :func:`~lagom.baselines.ppo.collect` (GAE advantages ``A`` on the true next observations,
value targets ``R = A + V_old(s)``) and takes one Adam step on the whole batch, after clipping
the gradient norm to ``max_grad_norm``, minimizing::

    Â = (A - mean A) / (std A + 1e-8)      (when agent.normalize_advantage)
    L = -mean(log π(a|s) Â) + vf_coef · mean((V(s) - R)²) - ent_coef · mean(H[π(·|s)])

The actor-critic, the environments, the run folder and its checkpoints are PPO's
(:class:`~lagom.baselines.ppo.Learner`): ``run.yml``, ``config.yml``, ``progress.csv``,
``checkpoint.pt`` and ``final_eval.yml``. Stable-Baselines3 and rl-baselines3-zoo have no VPG,
so the tuned values (:data:`~lagom.baselines.configs.vpg.TUNED`) are ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import torch
from torch.nn import functional

from lagom._checks import check_instance, check_path
from lagom.baselines import common, ppo
from lagom.baselines.configs.vpg import DEFAULT_ENV, TUNED, VPGConfig
from lagom.baselines.ppo import ActorCritic, AgentConfig, Batch, Learner, load_policy

__all__ = [
    "ALGORITHM",
    "DEFAULT_ENV",
    "TUNED",
    "VPGConfig",
    "default_config",
    "make_policy",
    "run",
    "train",
    "update",
]

# The configuration is in lagom.baselines.configs.vpg (importable without torch):
# DEFAULT_ENV, VPGConfig (PPO's sections with VPG's defaults) and the TUNED values.


def default_config(env_id: str = DEFAULT_ENV) -> VPGConfig:
    """The tuned configuration of ``env_id`` (:data:`~lagom.baselines.configs.vpg.TUNED`), else
    :class:`VPGConfig` for it.

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` cannot be made or has unsupported spaces.

    >>> default_config("Pendulum-v1").train.n_steps, default_config("Acrobot-v1").env.id
    (256, 'Acrobot-v1')
    """
    if env_id in TUNED:
        return TUNED[env_id]
    common.check_spaces("vpg", env_id)
    return attrs.evolve(VPGConfig(), env=attrs.evolve(VPGConfig().env, id=env_id))


def update(
    model: ActorCritic, optimizer: torch.optim.Optimizer, batch: Batch, agent: AgentConfig
) -> dict[str, float]:
    """One policy-gradient and value step on the whole ``batch`` (module docstring).

    Returns:
        ``policy_loss``, ``value_loss``, ``entropy_loss`` and the gradient norm before
        clipping, ``grad_norm``.

    Raises:
        TypeError: an argument is not of its documented type.

    >>> from gymnasium import spaces
    >>> model = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), AgentConfig(), "cpu")
    >>> obs, actions, zeros = torch.randn(8, 3), torch.randint(0, 2, (8,)), torch.zeros(8)
    >>> batch = Batch(obs, actions, zeros, zeros, torch.randn(8), torch.randn(8))
    >>> sorted(update(model, torch.optim.Adam(model.parameters()), batch, AgentConfig()))
    ['entropy_loss', 'grad_norm', 'policy_loss', 'value_loss']
    """
    check_instance("model", model, ActorCritic)
    check_instance("optimizer", optimizer, torch.optim.Optimizer)
    check_instance("batch", batch, Batch)
    check_instance("agent", agent, AgentConfig)
    log_probs, entropy = model.log_prob_entropy(batch.observations, batch.actions)
    adv = batch.advantages
    if agent.normalize_advantage and len(adv) > 1:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    policy_loss = -(log_probs * adv).mean()
    value_loss = functional.mse_loss(model.value(batch.observations), batch.returns)
    entropy_loss = -entropy.mean()
    loss = policy_loss + agent.vf_coef * value_loss + agent.ent_coef * entropy_loss
    grad_norm = model.optimizer_step(optimizer, loss, agent.max_grad_norm)
    terms = torch.stack([policy_loss, value_loss, entropy_loss, grad_norm]).detach().tolist()
    return dict(zip(("policy_loss", "value_loss", "entropy_loss", "grad_norm"), terms, strict=True))


def train(config: VPGConfig, seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train VPG into ``logdir``: the final evaluation, or ``{}`` when ``train.stop_at``
    stopped the run.

    Raises:
        TypeError: ``config`` is not this algorithm's configuration, ``seed`` not an int or
            ``logdir`` not a path (:func:`~lagom.baselines.common.check_run`).
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]`` or ``device`` unknown.

    >>> import tempfile
    >>> from lagom.baselines.configs.ppo import EnvConfig, TrainConfig
    >>> config = VPGConfig(EnvConfig(num_envs=2), train=TrainConfig(32, n_steps=8, stop_at=16))
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     stopped = train(config, seed=0, device="cpu", logdir=Path(logdir))
    ...     names = sorted(path.name for path in Path(logdir).iterdir())
    >>> stopped, names
    ({}, ['checkpoint.pt', 'config.yml', 'policy.pt', 'progress.csv', 'run.yml'])
    """
    check_instance("config", config, VPGConfig)
    learner = Learner("vpg", config, seed, device, logdir)
    while learner.timesteps < config.train.timesteps:
        batch = learner.collect()
        if learner.end_iteration(
            batch, update(learner.model, learner.optimizer, batch, config.agent)
        ):
            return {}
    return learner.finish()


def run(
    config: Mapping[str, Any] | VPGConfig, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """:func:`train` with ``config``: a :class:`VPGConfig`, or dotted keys over the
    :func:`default_config` of its ``env.id`` (``run_experiment`` and ``lagom train`` call it so).

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or ``seed`` or
            ``logdir`` has the wrong type.
        ValueError: an unknown key (with close matches), a wrong type or a bad value.

    >>> run({"train.n_epochs": 3}, 0, "cpu", Path("unused"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown config key 'train.n_epochs'; known keys: env.id, ...
    """
    return train(common.resolve_config(default_config, config, DEFAULT_ENV), seed, device, logdir)


def make_policy(run_dir: Path, device: str, *, name: str = common.POLICY_FILE) -> common.Policy:
    """The trained deterministic policy of the VPG run folder ``run_dir``, from its policy
    file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one).

    >>> import tempfile, numpy as np
    >>> config = {"train.timesteps": 32, "env.num_envs": 2, "eval.episodes": 1}
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     _ = run(config, seed=0, device="cpu", logdir=Path(logdir))
    ...     policy = make_policy(Path(logdir), "cpu")
    >>> policy(np.zeros((3, 4))).shape  # CartPole-v1: 3 observations, 3 actions
    (3,)

    Raises:
        TypeError: ``run_dir`` is not a str or path, ``device`` not a device name or
            ``name`` not a str.
        ValueError: ``run_dir`` is not a VPG run folder, holds no file ``name``, or
            ``device`` is unknown.
    """
    check_path("run_dir", run_dir)
    config = common.load_run_config(run_dir, default_config)
    return load_policy(run_dir, device, config, name=name)


#: VPG's record for the ``lagom`` command: PPO's (environment, action spaces) with VPG's parts.
ALGORITHM = attrs.evolve(
    ppo.ALGORITHM,
    run=run,
    make_policy=make_policy,
    default_config=default_config,
    name="vpg",
    summary="Vanilla policy gradient: actor-critic with GAE, one step per batch",
)
