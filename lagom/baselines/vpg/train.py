r"""VPG training: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

Vanilla policy gradient with a learned baseline (actor-critic with GAE). Each iteration
collects ``n_steps`` steps of ``num_envs`` environments with PPO's
:func:`~lagom.baselines.ppo.collect` (GAE advantages, truncations bootstrapped with ``V`` of the
true final observation) and takes one Adam step on the whole batch, minimizing::

    Â = (A - mean A) / (std A + 1e-8)      (when agent.normalize_advantage)
    L = -mean(log π(a|s) Â) + vf_coef · mean((V(s) - R)²) - ent_coef · mean(H[π(·|s)])

after clipping the gradient norm to ``max_grad_norm``. ``R = A + V_old`` are the λ-returns.
The actor-critic, environments, checkpoints and policy are PPO's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from torch import nn
from torch.nn import functional

from lagom.baselines._common import (
    evaluate_policy,
    finish,
    load_checkpoint,
    merged_config,
    progress_logger,
    read_run_info,
    restore_rng_state,
    rng_state,
    save_checkpoint,
    start_run,
)
from lagom.baselines.ppo import (
    ActorCritic,
    Batch,
    PolicyAgent,
    collect,
    deterministic_policy,
    make_model,
    make_train_env,
    schedule,
)
from lagom.baselines.ppo.envs import dump_train_env, load_train_env
from lagom.baselines.ppo.train import make_optimizer
from lagom.baselines.vpg.config import DEFAULT_ENV, default_config
from lagom.transform import explained_variance
from lagom.utils import set_global_seeds

__all__ = ["make_policy", "run", "update"]


def update(
    model: ActorCritic, optimizer: torch.optim.Optimizer, batch: Batch, cfg: Mapping[str, Any]
) -> dict[str, float]:
    """One policy-gradient and value step on the whole ``batch``; the loss terms."""
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
    cfg = merged_config(default_config(config.get("env.id", DEFAULT_ENV)), config)
    logdir = Path(logdir)
    start_run(logdir, "vpg", cfg, seed)
    set_global_seeds(seed)
    total, T = int(cfg["train.timesteps"]), int(cfg["train.n_steps"])
    if T < 1 or total < 1:
        raise ValueError(f"train.n_steps and train.timesteps must be >= 1, got {T} and {total}")
    train_env = make_train_env(cfg, seed)
    model, action_space = make_model(cfg, device)
    optimizer = make_optimizer(model, float(cfg["agent.lr"]))
    iteration, timesteps, elapsed = 0, 0, 0.0
    state = load_checkpoint(logdir)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        train_env.env.close()
        train_env = load_train_env(state["env"])
        iteration, timesteps, elapsed = state["iteration"], state["timesteps"], state["time"]
        restore_rng_state(state["rng"])
    agent = PolicyAgent(model, action_space)
    logger = progress_logger(logdir)
    t0 = time.perf_counter() - elapsed
    stop_at = cfg["train.stop_at"]

    def checkpoint() -> None:
        save_checkpoint(
            logdir,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "env": dump_train_env(train_env),
                "obs_normalizer": train_env.obs_normalizer(),
                "iteration": iteration,
                "timesteps": timesteps,
                "time": time.perf_counter() - t0,
                "rng": rng_state(),
            },
        )

    while timesteps < total:
        batch = collect(
            model, agent, train_env, T, float(cfg["agent.gamma"]), float(cfg["agent.gae_lambda"])
        )
        timesteps += len(batch.advantages)
        iteration += 1
        lr = schedule(str(cfg["agent.lr_schedule"]), float(cfg["agent.lr"]), timesteps / total)
        for group in optimizer.param_groups:
            group["lr"] = lr
        stats = update(model, optimizer, batch, cfg)
        ev = explained_variance(batch.returns.cpu().numpy(), batch.values.cpu().numpy())
        row = {"iteration": iteration, "timesteps": timesteps, "time": time.perf_counter() - t0}
        row |= {"train_return": train_env.train_return(), **stats, "explained_variance": ev}
        row |= {"lr": lr}
        for key, value in row.items():
            logger(key, value)
        logger.write_row()
        if iteration % int(cfg["train.checkpoint_every"]) == 0:
            checkpoint()
        if stop_at is not None and timesteps >= int(stop_at) and timesteps < total:
            checkpoint()
            train_env.env.close()
            return {}
    checkpoint()
    train_env.env.close()
    policy = deterministic_policy(model.eval(), action_space, train_env.obs_normalizer())
    env_id = str(cfg["env.id"])
    metrics = evaluate_policy(
        policy, lambda: gym.make(env_id), int(cfg["eval.episodes"]), seed + 10_000
    )
    return finish(logdir, metrics)


def make_policy(run_dir: Path, device: str) -> Any:
    """The trained deterministic policy of a finished VPG run (numpy batch in, numpy batch out)."""
    info = read_run_info(Path(run_dir))
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    model, action_space = make_model(info["config"], device)
    model.load_state_dict(state["model"])
    return deterministic_policy(model.eval(), action_space, state["obs_normalizer"])
