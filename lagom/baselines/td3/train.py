"""TD3's (and DDPG's) training loop: ``run(config, seed, device, logdir)`` and ``make_policy``.

One environment (``gym.make(env_id)`` in :class:`~lagom.envs.RecordEpisodeStatistics`) is
stepped directly: per step, one action (uniformly random before ``agent.learning_starts``,
then :math:`\\operatorname{clip}(\\mu(s) + \\mathcal{N}(0, \\sigma^2), -1, 1)` with
:math:`\\sigma` = ``agent.action_noise``), one row into the
:class:`~lagom.baselines._replay.ReplayBuffer` with the true next observation and separate
``terminated``/``truncated``, and, every ``agent.train_freq`` steps after
``learning_starts``, ``agent.gradient_steps`` updates of
:class:`~lagom.baselines.td3.agent.TD3Agent`. Policies act in ``[-1, 1]``; the environment
gets :math:`\\text{low} + (a + 1)(\\text{high} - \\text{low})/2`.

A checkpoint holds the agent, the replay buffer, the pickled environment, the current
observation, the counters and every random generator, so a resumed run on CPU matches an
uninterrupted one.
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
from lagom.baselines.td3.agent import TD3Agent
from lagom.baselines.td3.config import DEFAULT_ENV, check_continuous_env, default_config
from lagom.baselines.td3.networks import DeterministicActor
from lagom.envs import RecordEpisodeStatistics
from lagom.utils import Seeder, set_global_seeds

__all__ = ["make_policy", "run", "train"]


def _make_agent(cfg: Mapping[str, Any], env: gym.Env[Any, Any], device: str) -> TD3Agent:
    return TD3Agent(
        gym.spaces.flatdim(env.observation_space),
        gym.spaces.flatdim(env.action_space),
        cfg["agent.hidden_sizes"],
        lr=cfg["agent.lr"],
        gamma=cfg["agent.gamma"],
        tau=cfg["agent.tau"],
        n_critics=cfg["agent.n_critics"],
        policy_delay=cfg["agent.policy_delay"],
        target_policy_noise=cfg["agent.target_policy_noise"],
        target_noise_clip=cfg["agent.target_noise_clip"],
        device=device,
    )


def _to_env_action(space: gym.spaces.Box) -> Callable[[np.ndarray[Any, Any]], Any]:
    low, half = space.low, (space.high - space.low) / 2.0
    return lambda a: low + (a + 1.0) * half


def _deterministic_policy(
    actor: DeterministicActor, space: gym.spaces.Box, device: str
) -> Callable[[Any], Any]:
    to_env = _to_env_action(space)

    @torch.inference_mode()
    def policy(observations: Any) -> Any:
        obs = torch.as_tensor(np.asarray(observations), dtype=torch.float32, device=device)
        return to_env(actor(obs.reshape(obs.shape[0], -1)).cpu().numpy())

    return policy


def train(
    config: Mapping[str, Any],
    seed: int,
    device: str,
    logdir: Path,
    *,
    name: str,
    defaults: Callable[[str], dict[str, Any]],
) -> dict[str, float]:
    """The loop shared by TD3 and DDPG, which differ only in ``defaults`` and ``name``.

    See :func:`run` for the arguments; ``name`` goes to ``run.yml`` and ``defaults`` gives
    the configuration of an environment id.
    """
    logdir = Path(logdir)
    cfg = merged_config(defaults(config.get("env.id", DEFAULT_ENV)), config)
    start_run(logdir, name, cfg, seed)
    set_global_seeds(seed)
    env_seed, explore_seed, replay_seed = Seeder(seed)(3)
    env: gym.Env[Any, Any] = RecordEpisodeStatistics(gym.make(cfg["env.id"]))
    agent = _make_agent(cfg, env, device)
    total = int(cfg["train.timesteps"])
    obs_dim = gym.spaces.flatdim(env.observation_space)
    action_dim = gym.spaces.flatdim(env.action_space)
    buffer = ReplayBuffer(
        max(1, min(int(cfg["agent.buffer_size"]), total)), obs_dim, action_dim, replay_seed
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
    starts, batch_size = cfg["agent.learning_starts"], cfg["agent.batch_size"]
    train_freq, gradient_steps = cfg["agent.train_freq"], cfg["agent.gradient_steps"]
    noise, stop_at = cfg["agent.action_noise"], cfg["train.stop_at"]
    logger = progress_logger(logdir)
    t0 = time.perf_counter() - elapsed
    losses: dict[str, torch.Tensor] = {}
    while timesteps < total:
        for _ in range(min(cfg["train.log_interval"], total - timesteps)):
            if timesteps < starts:
                action = explore.uniform(-1.0, 1.0, action_dim).astype(np.float32)
            else:
                action = agent.act(obs)
                if noise > 0.0:
                    action = (action + explore.normal(0.0, noise, action_dim)).astype(np.float32)
                    np.clip(action, -1.0, 1.0, out=action)
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
                    losses = {**losses, **agent.update(buffer.sample(batch_size, device))}
                updates += gradient_steps
        iteration += 1
        returns = env.get_wrapper_attr("return_queue")
        logger("iteration", iteration)
        logger("timesteps", timesteps)
        logger("time", time.perf_counter() - t0)
        logger("train_return", float(np.mean(returns)) if returns else math.nan)
        logger("updates", updates)
        for key in ("critic_loss", "actor_loss"):
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


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train TD3; write ``run.yml``, ``progress.csv``, ``checkpoint.pt``, ``final_eval.yml``.

    Args:
        config: dotted keys overriding :func:`~lagom.baselines.td3.default_config` of
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
    return train(config, seed, device, logdir, name="td3", defaults=default_config)


def make_policy(run_dir: Path, device: str) -> Callable[[Any], Any]:
    """The trained deterministic policy of a TD3 or DDPG run: observations ``[B, ...]`` to
    actions ``[B, A]`` within the action space bounds (numpy in and out).

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.
    """
    cfg = read_run_info(Path(run_dir))["config"]
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    space = check_continuous_env(cfg["env.id"], "TD3")
    env = gym.make(cfg["env.id"])
    actor = DeterministicActor(
        gym.spaces.flatdim(env.observation_space),
        gym.spaces.flatdim(space),
        cfg["agent.hidden_sizes"],
        device,
    )
    env.close()
    actor.load_state_dict(state["agent"]["actor"])
    return _deterministic_policy(actor.eval(), space, device)
