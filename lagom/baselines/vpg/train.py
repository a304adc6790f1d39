r"""VPG training: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

Vanilla policy gradient with a learned baseline (actor-critic with GAE). Each iteration
collects ``n_steps`` steps of ``num_envs`` environments with PPO's
:func:`~lagom.baselines.ppo.collect` (GAE advantages, truncations bootstrapped with ``V`` of the
true final observation) and takes one Adam step on the whole batch, minimizing::

    Â = (A - mean A) / (std A + 1e-8)      (when agent.normalize_advantage)
    L = -mean(log π(a|s) Â) + vf_coef · mean((V(s) - R)²) - ent_coef · mean(H[π(·|s)])

after clipping the gradient norm to ``max_grad_norm``. ``R = A + V_old`` are the λ-returns.
The actor-critic, environments, loop (:mod:`~lagom.baselines.ppo.loop`), checkpoints and
policy are PPO's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from lagom.baselines.ppo import ActorCritic, Batch
from lagom.baselines.ppo.loop import make_policy as _make_policy
from lagom.baselines.ppo.loop import train
from lagom.baselines.vpg.config import DEFAULT_ENV, default_config

__all__ = ["make_policy", "run", "update"]


def update(
    model: ActorCritic, optimizer: torch.optim.Optimizer, batch: Batch, cfg: Mapping[str, Any]
) -> dict[str, float]:
    """One policy-gradient and value step on the whole ``batch``; the loss terms.

    Example:
        >>> from lagom.baselines.ppo import PolicyAgent, collect, make_model, make_train_env
        >>> from lagom.baselines.ppo.loop import make_optimizer
        >>> cfg = {**default_config("CartPole-v1"), "env.num_envs": 2}
        >>> model, action_space = make_model(cfg, "cpu")
        >>> train_env = make_train_env(cfg, seed=0)
        >>> batch = collect(model, PolicyAgent(model, action_space), train_env, 8, 0.99, 0.95)
        >>> before = [p.detach().clone() for p in model.parameters()]
        >>> terms = update(model, make_optimizer(model, 1e-3), batch, cfg)
        >>> sorted(terms)
        ['entropy_loss', 'grad_norm', 'policy_loss', 'value_loss']
        >>> any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))
        True
        >>> train_env.env.close()
    """
    log_probs, entropy = model.log_prob_entropy(batch.observations, batch.actions)
    values = model.value(batch.observations)
    adv = batch.advantages
    if cfg["agent.normalize_advantage"] and len(adv) > 1:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    policy_loss = -(log_probs * adv).mean()
    value_loss = functional.mse_loss(values, batch.returns)
    entropy_loss = -entropy.mean()
    loss = policy_loss + float(cfg["agent.vf_coef"]) * value_loss
    loss = loss + float(cfg["agent.ent_coef"]) * entropy_loss
    optimizer.zero_grad(set_to_none=True)
    torch.autograd.backward(loss)
    grad_norm = nn.utils.clip_grad_norm_(
        list(model.parameters()), float(cfg["agent.max_grad_norm"]), foreach=True
    )
    optimizer.step()
    names = ("policy_loss", "value_loss", "entropy_loss", "grad_norm")
    terms = torch.stack([policy_loss, value_loss, entropy_loss, grad_norm]).detach()
    return dict(zip(names, terms.tolist(), strict=True))


def _check(cfg: Mapping[str, Any]) -> None:
    total, T = int(cfg["train.timesteps"]), int(cfg["train.n_steps"])
    if T < 1 or total < 1:
        raise ValueError(f"train.n_steps and train.timesteps must be >= 1, got {T} and {total}")


def _learn(
    model: ActorCritic,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    cfg: Mapping[str, Any],
    progress: float,
) -> tuple[dict[str, float], dict[str, float]]:
    return update(model, optimizer, batch, cfg), {}


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train VPG with ``config`` (dotted keys over :func:`default_config`) into ``logdir``.

    Writes ``run.yml``, ``progress.csv`` (one row per iteration), ``checkpoint.pt`` (every
    ``train.checkpoint_every`` iterations and at the end; resumed from when present) and
    ``final_eval.yml``. Returns the final evaluation, or ``{}`` when ``train.stop_at`` stopped
    the run early.

    Raises:
        ValueError: an unknown configuration key, or a bad value.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> from pathlib import Path
        >>> logdir = Path(tempfile.mkdtemp())
        >>> config = {"train.timesteps": 512, "eval.episodes": 2}
        >>> metrics = run(config, seed=0, device="cpu", logdir=logdir)
        >>> sorted(path.name for path in logdir.iterdir())
        ['checkpoint.pt', 'final_eval.yml', 'progress.csv', 'run.yml']
        >>> make_policy(logdir, "cpu")(np.zeros((3, 4))).shape
        (3,)
    """
    return train(
        config,
        seed,
        device,
        logdir,
        name="vpg",
        defaults=default_config,
        default_env=DEFAULT_ENV,
        check=_check,
        learn=_learn,
    )


def make_policy(run_dir: Path, device: str) -> Any:
    """The trained deterministic policy of a finished VPG run (numpy batch in, numpy batch out).

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> config = {"train.timesteps": 32, "train.n_steps": 16, "env.num_envs": 2}
        >>> config["eval.episodes"] = 1
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     policy = make_policy(Path(logdir), "cpu")
        >>> policy(np.zeros((3, 4))).shape  # CartPole-v1: 3 observations, 3 actions
        (3,)
    """
    return _make_policy(run_dir, device)
