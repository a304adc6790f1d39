"""SAC's training loop: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

One environment (``gym.make(env_id)`` in :class:`~lagom.envs.RecordEpisodeStatistics`) is
stepped directly: per step, one action (uniformly random before ``agent.learning_starts``,
then sampled from the policy), one row into the :class:`~lagom.baselines._replay.ReplayBuffer`
with the true next observation and separate ``terminated``/``truncated``, and, every
``agent.train_freq`` steps after ``learning_starts``, ``agent.gradient_steps`` updates of
:class:`~lagom.baselines.sac.agent.SACAgent`. Policies act in ``[-1, 1]``; the environment
gets :math:`\\text{low} + (a + 1)(\\text{high} - \\text{low})/2`.

A checkpoint holds the agent, the replay buffer, the pickled environment (its simulator and
random state, so a resumed run continues the same episode), the current observation, the
counters and every random generator, so a resumed run on CPU matches an uninterrupted one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import cloudpickle
import gymnasium as gym
import numpy as np
import torch

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
from lagom.baselines._replay import ReplayBuffer
from lagom.baselines.sac.agent import SACAgent
from lagom.baselines.sac.config import DEFAULT_ENV, default_config
from lagom.baselines.sac.networks import SquashedGaussianActor
from lagom.baselines.td3.config import check_continuous_env
from lagom.envs import RecordEpisodeStatistics
from lagom.utils import Seeder, set_global_seeds

__all__ = ["make_policy", "run"]


def _make_agent(cfg: Mapping[str, Any], env: gym.Env[Any, Any], device: str) -> SACAgent:
    return SACAgent(
        gym.spaces.flatdim(env.observation_space),
        gym.spaces.flatdim(env.action_space),
        cfg["agent.hidden_sizes"],
        lr=cfg["agent.lr"],
        gamma=cfg["agent.gamma"],
        tau=cfg["agent.tau"],
        init_alpha=cfg["agent.init_alpha"],
        target_entropy=cfg["agent.target_entropy"],
        device=device,
    )


def _to_env_action(space: gym.spaces.Box) -> Callable[[np.ndarray[Any, Any]], Any]:
    low, half = space.low, (space.high - space.low) / 2.0
    return lambda a: low + (a + 1.0) * half


def _deterministic_policy(
    actor: SquashedGaussianActor, space: gym.spaces.Box, device: str
) -> Callable[[Any], Any]:
    to_env = _to_env_action(space)

    @torch.inference_mode()
    def policy(observations: Any) -> Any:
        obs = torch.as_tensor(np.asarray(observations), dtype=torch.float32, device=device)
        return to_env(actor.deterministic(obs.reshape(obs.shape[0], -1)).cpu().numpy())

    return policy


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train SAC; write ``run.yml``, ``progress.csv``, ``checkpoint.pt``, ``final_eval.yml``.

    Args:
        config: dotted keys overriding :func:`~lagom.baselines.sac.default_config` of
            ``config["env.id"]`` (default ``Pendulum-v1``).
        seed: seed of networks, environment, exploration and replay sampling.
        device: torch device of the networks (``"cpu"``, ``"cuda"``, ...).
        logdir: the run's folder; a checkpoint found there is resumed from.

    Returns:
        The final evaluation (``return_mean``, ...), or ``{}`` when ``train.stop_at`` stopped
        the run early.

    Raises:
        ValueError: an unknown config key, or an environment without Box actions.
    """
    logdir = Path(logdir)
    cfg = merged_config(default_config(config.get("env.id", DEFAULT_ENV)), config)
    start_run(logdir, "sac", cfg, seed)
    set_global_seeds(seed)
    env_seed, explore_seed, replay_seed = Seeder(seed)(3)
    env: gym.Env[Any, Any] = RecordEpisodeStatistics(gym.make(cfg["env.id"]))
    agent = _make_agent(cfg, env, device)
    total = int(cfg["train.timesteps"])
    buffer = ReplayBuffer(
        max(1, min(int(cfg["agent.buffer_size"]), total)),
        gym.spaces.flatdim(env.observation_space),
        agent.actor.action_dim,
        replay_seed,
    )
    explore = np.random.default_rng(explore_seed)
    timesteps = iteration = updates = 0
    elapsed = 0.0
    state = load_checkpoint(logdir)
    if state is None:
        obs, _ = env.reset(seed=env_seed)
    else:
        agent.load_state_dict(state["agent"])
        buffer.load_state_dict(state["replay"])
        env = cloudpickle.loads(state["env"])
        obs = state["obs"]
        timesteps, iteration, updates = state["timesteps"], state["iteration"], state["updates"]
        elapsed = state["time"]
        explore.bit_generator.state = state["explore_rng"]
        restore_rng_state(state["rng"])

    space = cast(gym.spaces.Box, env.action_space)
    to_env = _to_env_action(space)
    action_dim = agent.actor.action_dim
    starts, batch_size = cfg["agent.learning_starts"], cfg["agent.batch_size"]
    train_freq, gradient_steps = cfg["agent.train_freq"], cfg["agent.gradient_steps"]
    stop_at = cfg["train.stop_at"]
    logger = progress_logger(logdir)
    t0 = time.perf_counter() - elapsed
    losses: dict[str, torch.Tensor] = {}
    while timesteps < total:
        for _ in range(min(cfg["train.log_interval"], total - timesteps)):
            if timesteps < starts:
                action = explore.uniform(-1.0, 1.0, action_dim).astype(np.float32)
            else:
                action = agent.act(obs)
            next_obs, reward, terminated, truncated, _ = env.step(to_env(action))
            buffer.add(
                obs[None],
                action[None],
                (float(reward),),
                next_obs[None],
                (terminated,),
                (truncated,),
            )
            obs = env.reset()[0] if terminated or truncated else next_obs
            timesteps += 1
            if timesteps > starts and timesteps % train_freq == 0:
                for _ in range(gradient_steps):
                    losses = agent.update(buffer.sample(batch_size, device))
                updates += gradient_steps
        iteration += 1
        returns = env.get_wrapper_attr("return_queue")
        logger("iteration", iteration)
        logger("timesteps", timesteps)
        logger("time", time.perf_counter() - t0)
        logger("train_return", float(np.mean(returns)) if returns else math.nan)
        logger("updates", updates)
        logger("alpha", float(agent.alpha))
        for key in ("critic_loss", "actor_loss", "alpha_loss"):
            logger(key, float(losses[key]) if key in losses else None)
        logger.write_row()
        stopping = stop_at is not None and timesteps >= stop_at and timesteps < total
        if stopping or iteration % cfg["train.checkpoint_every"] == 0 or timesteps >= total:
            save_checkpoint(
                logdir,
                {
                    "agent": agent.state_dict(),
                    "replay": buffer.state_dict(),
                    "env": cloudpickle.dumps(env),
                    "obs": obs,
                    "timesteps": timesteps,
                    "iteration": iteration,
                    "updates": updates,
                    "time": time.perf_counter() - t0,
                    "explore_rng": explore.bit_generator.state,
                    "rng": rng_state(),
                },
            )
        if stopping:
            env.close()
            return {}
    env.close()
    policy = _deterministic_policy(agent.actor, space, device)
    metrics = evaluate_policy(
        policy, lambda: gym.make(cfg["env.id"]), cfg["eval.episodes"], seed + 10_000
    )
    return finish(logdir, metrics)


def make_policy(run_dir: Path, device: str) -> Callable[[Any], Any]:
    """The trained deterministic policy of a SAC run: observations ``[B, ...]`` to actions
    ``[B, A]`` within the action space bounds (numpy in and out).

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.
    """
    cfg = read_run_info(Path(run_dir))["config"]
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    space = check_continuous_env(cfg["env.id"], "SAC")
    env = gym.make(cfg["env.id"])
    actor = SquashedGaussianActor(
        gym.spaces.flatdim(env.observation_space),
        gym.spaces.flatdim(space),
        cfg["agent.hidden_sizes"],
        device,
    )
    env.close()
    actor.load_state_dict(state["agent"]["actor"])
    return _deterministic_policy(actor.eval(), space, device)
