r"""PPO training: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

Proximal Policy Optimization (Schulman et al., 2017) with the clipped surrogate, as in
Stable-Baselines3, on the loop of :mod:`~lagom.baselines.ppo.loop` (shared with VPG). Each
iteration collects ``n_steps`` steps of ``num_envs`` environments
(:func:`~lagom.baselines.ppo.rollout.collect`: GAE advantages, truncations bootstrapped with
``V`` of the true final observation), then runs ``n_epochs`` passes over shuffled minibatches
of ``batch_size`` rows, each minimizing::

    r = exp(log π(a|s) - log π_old(a|s)),  Â = (A - mean A) / (std A + 1e-8)   (per minibatch)
    L = -mean(min(r Â, clip(r, 1 - ε, 1 + ε) Â))
        + vf_coef · mean((V_clip(s) - R)²) - ent_coef · mean(H[π(·|s)])

with ``V_clip = V_old + clip(V - V_old, -ε_vf, ε_vf)`` when ``clip_range_vf`` is set, one Adam
step (eps 1e-5) after clipping the gradient norm to ``max_grad_norm``. With ``"linear"``
schedules, the learning rate and ε are ``initial · (1 - t / timesteps)`` at ``t`` env steps done
after the iteration's collection (Stable-Baselines3's ``progress_remaining``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from lagom.baselines.ppo.agent import ActorCritic
from lagom.baselines.ppo.config import DEFAULT_ENV, default_config
from lagom.baselines.ppo.loop import make_model, make_optimizer, make_policy, schedule, train
from lagom.baselines.ppo.rollout import Batch

__all__ = ["make_model", "make_optimizer", "make_policy", "run", "schedule", "update"]


def update(
    model: ActorCritic,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    cfg: Mapping[str, Any],
    clip_range: float,
) -> dict[str, float]:
    """``n_epochs`` passes of clipped-surrogate minibatch steps on ``batch``; mean statistics.

    Reads ``train.batch_size``, ``train.n_epochs`` and the ``agent.*`` loss keys of ``cfg``;
    ``clip_range`` is this iteration's ``ε``. Returns the means over all minibatches of
    ``policy_loss``, ``value_loss``, ``entropy_loss``, ``approx_kl`` (``mean(r - 1 - log r)``)
    and ``clip_fraction`` (share of rows with ``|r - 1| > ε``).

    Example:
        >>> import torch
        >>> from lagom.baselines.ppo import Batch, default_config
        >>> cfg = default_config("CartPole-v1")
        >>> model, _ = make_model(cfg, "cpu")
        >>> obs, actions = torch.randn(256, 4), torch.randint(0, 2, (256,))
        >>> with torch.no_grad():
        ...     log_probs, _ = model.log_prob_entropy(obs, actions)
        >>> zeros = torch.zeros(256)
        >>> batch = Batch(obs, actions, log_probs, zeros, torch.randn(256), zeros)
        >>> stats = update(model, make_optimizer(model, 1e-3), batch, cfg, clip_range=0.2)
        >>> sorted(stats)
        ['approx_kl', 'clip_fraction', 'entropy_loss', 'policy_loss', 'value_loss']
    """
    n = len(batch.advantages)
    batch_size, clip_vf = int(cfg["train.batch_size"]), cfg["agent.clip_range_vf"]
    ent_coef, vf_coef = float(cfg["agent.ent_coef"]), float(cfg["agent.vf_coef"])
    max_grad_norm, normalize = float(cfg["agent.max_grad_norm"]), cfg["agent.normalize_advantage"]
    params = list(model.parameters())
    stats: list[torch.Tensor] = []
    for _ in range(int(cfg["train.n_epochs"])):
        shuffled = batch
        if batch_size < n:
            # One gather per epoch; the minibatches are then contiguous slices of it.
            perm = torch.randperm(n, device=model.device)
            shuffled = Batch(*(x[perm] for x in batch))
        for start in range(0, n, batch_size):
            mb = Batch(*(x[start : start + batch_size] for x in shuffled))
            log_probs, entropy = model.log_prob_entropy(mb.observations, mb.actions)
            values = model.value(mb.observations)
            adv = mb.advantages
            if normalize and len(adv) > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            log_ratio = log_probs - mb.log_probs
            ratio = log_ratio.exp()
            policy_loss = -torch.min(
                adv * ratio, adv * ratio.clamp(1.0 - clip_range, 1.0 + clip_range)
            ).mean()
            if clip_vf is not None:
                values = mb.values + (values - mb.values).clamp(-clip_vf, clip_vf)
            value_loss = functional.mse_loss(values, mb.returns)
            entropy_loss = -entropy.mean()
            loss = policy_loss + ent_coef * entropy_loss + vf_coef * value_loss
            optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(loss)
            nn.utils.clip_grad_norm_(params, max_grad_norm, foreach=True)
            optimizer.step()
            with torch.no_grad():
                approx_kl = ((ratio - 1.0) - log_ratio).mean()
                clipped = ((ratio - 1.0).abs() > clip_range).float().mean()
                stats.append(
                    torch.stack(
                        [policy_loss, value_loss, entropy_loss, approx_kl, clipped]
                    ).detach()
                )
    means = torch.stack(stats).mean(0).tolist()
    names = ("policy_loss", "value_loss", "entropy_loss", "approx_kl", "clip_fraction")
    return dict(zip(names, means, strict=True))


def _check(cfg: Mapping[str, Any]) -> None:
    if min(int(cfg[key]) for key in ("train.batch_size", "train.n_steps", "train.timesteps")) < 1:
        raise ValueError(f"train.batch_size, train.n_steps and train.timesteps must be >= 1: {cfg}")


def _learn(
    model: ActorCritic,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    cfg: Mapping[str, Any],
    progress: float,
) -> tuple[dict[str, float], dict[str, float]]:
    clip = schedule(str(cfg["agent.clip_range_schedule"]), float(cfg["agent.clip_range"]), progress)
    return update(model, optimizer, batch, cfg, clip), {"clip_range": clip}


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train PPO with ``config`` (dotted keys over :func:`default_config`) into ``logdir``.

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
        >>> config = {"train.timesteps": 512, "train.batch_size": 64, "eval.episodes": 2}
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
        name="ppo",
        defaults=default_config,
        default_env=DEFAULT_ENV,
        check=_check,
        learn=_learn,
    )
