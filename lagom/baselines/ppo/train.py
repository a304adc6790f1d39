r"""PPO training: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

Proximal Policy Optimization (Schulman et al., 2017) with the clipped surrogate, as in
Stable-Baselines3. Each iteration collects ``n_steps`` steps of ``num_envs`` environments
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
from lagom.baselines.ppo.agent import ActorCritic
from lagom.baselines.ppo.config import DEFAULT_ENV, default_config
from lagom.baselines.ppo.envs import (
    deterministic_policy,
    dump_train_env,
    load_train_env,
    make_train_env,
)
from lagom.baselines.ppo.rollout import Batch, PolicyAgent, collect
from lagom.transform import explained_variance
from lagom.utils import set_global_seeds

__all__ = ["make_model", "make_optimizer", "make_policy", "run", "schedule", "update"]


def schedule(kind: str, initial: float, progress: float) -> float:
    """``initial`` (``"constant"``) or ``initial · (1 - progress)`` (``"linear"``).

    Example:
        >>> schedule("linear", 1e-3, 0.25), schedule("constant", 0.2, 0.25)
        (0.00075, 0.2)
    """
    if kind == "constant":
        return initial
    if kind == "linear":
        return initial * max(0.0, 1.0 - progress)
    raise ValueError(f"a schedule is 'constant' or 'linear', got {kind!r}")


def make_model(cfg: Mapping[str, Any], device: str) -> tuple[ActorCritic, gym.Space[Any]]:
    """The actor-critic for ``cfg`` and the (single) action space of ``cfg["env.id"]``.

    Example:
        >>> from lagom.baselines.ppo import default_config
        >>> model, action_space = make_model(default_config("Pendulum-v1"), "cpu")
        >>> model.discrete, action_space
        (False, Box(-2.0, 2.0, (1,), float32))
    """
    env = gym.make(str(cfg["env.id"]))
    observation_space, action_space = env.observation_space, env.action_space
    env.close()
    model = ActorCritic(
        observation_space,
        action_space,
        [int(h) for h in cfg["agent.hidden_sizes"]],
        str(cfg["agent.activation"]),
        device,
        ortho=bool(cfg["agent.ortho_init"]),
        log_std_init=float(cfg["agent.log_std_init"]),
    )
    return model, action_space


def make_optimizer(model: nn.Module, lr: float) -> torch.optim.Adam:
    """Adam with ``eps = 1e-5`` (Stable-Baselines3's PPO), fused into one kernel.

    The fused implementation is several times faster than the per-parameter loop on the small
    networks of these algorithms, on CPU as on CUDA.
    """
    return torch.optim.Adam(model.parameters(), lr=lr, eps=1e-5, fused=True)


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
    cfg = merged_config(default_config(config.get("env.id", DEFAULT_ENV)), config)
    logdir = Path(logdir)
    start_run(logdir, "ppo", cfg, seed)
    set_global_seeds(seed)
    total, T = int(cfg["train.timesteps"]), int(cfg["train.n_steps"])
    if int(cfg["train.batch_size"]) < 1 or T < 1 or total < 1:
        raise ValueError(f"train.batch_size, train.n_steps and train.timesteps must be >= 1: {cfg}")
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
        model.train()
        batch = collect(
            model, agent, train_env, T, float(cfg["agent.gamma"]), float(cfg["agent.gae_lambda"])
        )
        timesteps += len(batch.advantages)
        iteration += 1
        lr = schedule(str(cfg["agent.lr_schedule"]), float(cfg["agent.lr"]), timesteps / total)
        clip = schedule(
            str(cfg["agent.clip_range_schedule"]), float(cfg["agent.clip_range"]), timesteps / total
        )
        for group in optimizer.param_groups:
            group["lr"] = lr
        stats = update(model, optimizer, batch, cfg, clip)
        ev = explained_variance(batch.returns.cpu().numpy(), batch.values.cpu().numpy())
        row = {"iteration": iteration, "timesteps": timesteps, "time": time.perf_counter() - t0}
        row |= {"train_return": train_env.train_return(), **stats, "explained_variance": ev}
        row |= {"lr": lr, "clip_range": clip}
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
    """The trained deterministic policy of a finished PPO run (numpy batch in, numpy batch out)."""
    info = read_run_info(Path(run_dir))
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    model, action_space = make_model(info["config"], device)
    model.load_state_dict(state["model"])
    return deterministic_policy(model.eval(), action_space, state["obs_normalizer"])
