r"""The on-policy loop that PPO and VPG share: model, optimizer, schedules, ``train``, policy.

Each iteration of :func:`train` collects ``n_steps`` steps of ``num_envs`` environments
(:func:`~lagom.baselines.ppo.rollout.collect`: GAE advantages, truncations bootstrapped with
``V`` of the true final observation), sets the learning rate of the iteration
(:func:`schedule` at ``t / timesteps`` with ``t`` env steps done after the collection), calls
the algorithm's update (``learn``) and writes one progress row; checkpoints hold the model,
the optimizer, the pickled training environments and every random generator, so a resumed run
on CPU matches an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from torch import nn

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
from lagom.baselines.ppo.envs import (
    deterministic_policy,
    dump_train_env,
    load_train_env,
    make_train_env,
)
from lagom.baselines.ppo.rollout import Batch, PolicyAgent, collect
from lagom.transform import explained_variance
from lagom.utils import set_global_seeds

__all__ = ["Learn", "make_model", "make_optimizer", "make_policy", "schedule", "train"]


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

    Example:
        >>> optimizer = make_optimizer(nn.Linear(3, 1), lr=1e-3)
        >>> optimizer.defaults["lr"], optimizer.defaults["eps"], optimizer.defaults["fused"]
        (0.001, 1e-05, True)
    """
    return torch.optim.Adam(model.parameters(), lr=lr, eps=1e-5, fused=True)


#: ``learn(model, optimizer, batch, cfg, progress)``: one iteration's update at ``progress``
#: (env steps done / ``train.timesteps``), after the loop set the learning rate; returns its
#: statistics and the scheduled values it used besides ``lr`` (both go to the progress row).
Learn = Callable[
    [ActorCritic, torch.optim.Optimizer, Batch, Mapping[str, Any], float],
    tuple[dict[str, float], dict[str, float]],
]


def train(
    config: Mapping[str, Any],
    seed: int,
    device: str,
    logdir: Path,
    *,
    name: str,
    defaults: Callable[[str], dict[str, Any]],
    default_env: str,
    check: Callable[[Mapping[str, Any]], None],
    learn: Learn,
) -> dict[str, float]:
    """Train an actor-critic into ``logdir``; write ``run.yml``, ``progress.csv`` (one row per
    iteration), ``checkpoint.pt`` (every ``train.checkpoint_every`` iterations and at the end;
    resumed from when present) and ``final_eval.yml``.

    Args:
        config: dotted keys overriding ``defaults(config["env.id"])``.
        seed: seed of the model, the environments and the collection.
        device: torch device of the model.
        logdir: the run's folder.
        name: the algorithm's name in ``run.yml``.
        defaults: the configuration of an environment id.
        default_env: the environment id when ``config`` has no ``env.id``.
        check: ``check(cfg)`` raises ``ValueError`` for bad values of the merged config.
        learn: the update (:data:`Learn`).

    Returns:
        The final evaluation, or ``{}`` when ``train.stop_at`` stopped the run early.

    Example:
        An algorithm that only counts what it collects (2 iterations of 2 × 16 steps):

        >>> import tempfile
        >>> from lagom.baselines.ppo import default_config
        >>> def count(model, optimizer, batch, cfg, progress):
        ...     return {"batch": float(len(batch.advantages))}, {"progress": progress}
        >>> config = {"train.timesteps": 64, "train.n_steps": 16, "env.num_envs": 2}
        >>> config["eval.episodes"] = 1
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = train(
        ...         config, 0, "cpu", Path(logdir), name="count", defaults=default_config,
        ...         default_env="CartPole-v1", check=lambda cfg: None, learn=count,
        ...     )
        ...     rows = (Path(logdir) / "progress.csv").read_text().splitlines()
        >>> header = rows[0].split(",")
        >>> [row.split(",")[header.index("batch")] for row in rows[1:]]
        ['32.0', '32.0']
        >>> [row.split(",")[header.index("progress")] for row in rows[1:]]
        ['0.5', '1.0']
        >>> metrics["episodes"]
        1.0
    """
    cfg = merged_config(defaults(config.get("env.id", default_env)), config)
    logdir = Path(logdir)
    start_run(logdir, name, cfg, seed)
    set_global_seeds(seed)
    check(cfg)
    total, T = int(cfg["train.timesteps"]), int(cfg["train.n_steps"])
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
        for group in optimizer.param_groups:
            group["lr"] = lr
        stats, scheduled = learn(model, optimizer, batch, cfg, timesteps / total)
        ev = explained_variance(batch.returns.cpu().numpy(), batch.values.cpu().numpy())
        row = {"iteration": iteration, "timesteps": timesteps, "time": time.perf_counter() - t0}
        row |= {"train_return": train_env.train_return(), **stats, "explained_variance": ev}
        row |= {"lr": lr, **scheduled}
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
    """The trained deterministic policy of a finished PPO or VPG run (numpy batch in and out).

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> from lagom.baselines.ppo import run
        >>> config = {"train.timesteps": 32, "train.n_steps": 16, "env.num_envs": 2}
        >>> config |= {"train.batch_size": 32, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     policy = make_policy(Path(logdir), "cpu")
        >>> actions = policy(np.zeros((3, 4)))  # CartPole-v1: 3 observations, 3 actions
        >>> actions.shape, set(actions.tolist()) <= {0, 1}
        ((3,), True)
    """
    info = read_run_info(Path(run_dir))
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    model, action_space = make_model(info["config"], device)
    model.load_state_dict(state["model"])
    return deterministic_policy(model.eval(), action_space, state["obs_normalizer"])
