"""What SAC, TD3 and DDPG share: default keys, the replay training loop, evaluation policies.

:func:`train` steps one environment directly and stores each step in a
:class:`~lagom.baselines._replay.ReplayBuffer` with the true next observation and separate
``terminated``/``truncated``. Its checkpoints hold the agent, the buffer, the pickled
environment (so a resumed run continues the same episode), the current observation, the
counters and every random generator: a resumed run on CPU matches an uninterrupted one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import cloudpickle
import gymnasium as gym
import numpy as np
import torch

from lagom._types import Float32Array
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
from lagom.baselines._replay import ReplayBuffer, Transitions
from lagom.envs import RecordEpisodeStatistics
from lagom.utils import Seeder, set_global_seeds

__all__ = [
    "DEFAULT_ENV",
    "OffPolicyAgent",
    "check_continuous_env",
    "default_keys",
    "deterministic_policy",
    "fused_adam",
    "load_actor",
    "to_env_action",
    "train",
]


class OffPolicyAgent(Protocol):
    """What :func:`train` needs of an agent: acting, updating and a checkpointable state."""

    def act(self, observation: Any) -> Float32Array: ...

    def update(self, batch: Transitions) -> dict[str, torch.Tensor]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


AgentT = TypeVar("AgentT", bound=OffPolicyAgent)
ActorT = TypeVar("ActorT", bound=torch.nn.Module)

DEFAULT_ENV = "Pendulum-v1"


def default_keys(lr: float, hidden_sizes: list[int], **agent: Any) -> dict[str, Any]:
    """Stable-Baselines3's off-policy defaults with the algorithm's ``agent.*`` keys.

    ``agent`` (``init_alpha=1.0`` becomes ``"agent.init_alpha": 1.0``) comes after the shared
    keys and before ``eval.episodes``, in its order, which is the order of ``run.yml``.

    Example:
        >>> list(default_keys(3e-4, [64], init_alpha=1.0))[-3:]
        ['agent.hidden_sizes', 'agent.init_alpha', 'eval.episodes']
    """
    return {
        "env.id": DEFAULT_ENV,
        "train.timesteps": 1_000_000,
        "train.log_interval": 1000,
        "train.checkpoint_every": 10,
        "train.stop_at": None,
        "agent.lr": lr,
        "agent.gamma": 0.99,
        "agent.tau": 0.005,
        "agent.batch_size": 256,
        "agent.buffer_size": 1_000_000,
        "agent.learning_starts": 100,
        "agent.train_freq": 1,
        "agent.gradient_steps": 1,
        "agent.hidden_sizes": hidden_sizes,
        **{f"agent.{key}": value for key, value in agent.items()},
        "eval.episodes": 20,
    }


def check_continuous_env(env_id: str, algorithm: str) -> gym.spaces.Box:
    """The action space of ``env_id``, checked to be a ``Box``.

    Raises:
        ValueError: ``env_id`` is not a registered environment, or its actions are not a Box.

    Example:
        >>> check_continuous_env("Pendulum-v1", "SAC")
        Box(-2.0, 2.0, (1,), float32)
        >>> check_continuous_env("CartPole-v1", "SAC")
        Traceback (most recent call last):
        ...
        ValueError: SAC needs a continuous (Box) action space, but CartPole-v1 has Discrete(2)
    """
    try:
        env = gym.make(env_id)
    except gym.error.Error as error:
        raise ValueError(f"unknown environment {env_id!r}: {error}") from error
    space = env.action_space
    env.close()
    if not isinstance(space, gym.spaces.Box):
        raise ValueError(
            f"{algorithm} needs a continuous (Box) action space, but {env_id} has {space}"
        )
    return space


def fused_adam(params: Any, lr: float, device: torch.device) -> torch.optim.Adam:
    """Adam with the fused kernel, which updates every parameter in one call (CPU and CUDA)."""
    return torch.optim.Adam(params, lr=lr, fused=device.type in ("cpu", "cuda"))


def to_env_action(space: gym.spaces.Box) -> Callable[[np.ndarray[Any, Any]], Any]:
    """The map :math:`a \\mapsto \\text{low} + (a + 1)(\\text{high} - \\text{low})/2` from
    ``[-1, 1]`` onto the bounds of ``space``.

    Example:
        >>> to_env = to_env_action(gym.spaces.Box(-2.0, 2.0, (1,)))
        >>> to_env(np.array([-1.0, 0.0, 1.0]))
        array([-2.,  0.,  2.])
    """
    low, half = space.low, (space.high - space.low) / 2.0
    return lambda a: low + (a + 1.0) * half


def deterministic_policy(
    actor: Callable[[torch.Tensor], torch.Tensor], space: gym.spaces.Box, device: str
) -> Callable[[Any], Any]:
    """Observations ``[B, ...]`` to actions ``[B, A]`` in ``space`` (numpy in and out) through
    ``actor``, a map of flat observations ``[B, obs_dim]`` to actions in ``[-1, 1]``."""
    to_env = to_env_action(space)

    @torch.inference_mode()
    def policy(observations: Any) -> Any:
        obs = torch.as_tensor(np.asarray(observations), dtype=torch.float32, device=device)
        return to_env(actor(obs.reshape(obs.shape[0], -1)).cpu().numpy())

    return policy


def load_actor(
    run_dir: Path,
    device: str,
    algorithm: str,
    make_actor: Callable[[int, int, Sequence[int], str], ActorT],
) -> tuple[ActorT, gym.spaces.Box]:
    """The trained actor of a run (in eval mode) and the action space of its environment.

    ``make_actor(obs_dim, action_dim, hidden_sizes, device)`` builds the network that the
    checkpoint's ``state["agent"]["actor"]`` is loaded into.

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.
    """
    cfg = read_run_info(Path(run_dir))["config"]
    state = load_checkpoint(Path(run_dir))
    if state is None:
        raise ValueError(f"{run_dir} holds no checkpoint to rebuild the policy from")
    space = check_continuous_env(cfg["env.id"], algorithm)
    env = gym.make(cfg["env.id"])
    actor = make_actor(
        gym.spaces.flatdim(env.observation_space),
        gym.spaces.flatdim(space),
        cfg["agent.hidden_sizes"],
        device,
    )
    env.close()
    actor.load_state_dict(state["agent"]["actor"])
    return actor.eval(), space


def train(
    config: Mapping[str, Any],
    seed: int,
    device: str,
    logdir: Path,
    *,
    name: str,
    defaults: Callable[[str], dict[str, Any]],
    agent: Callable[..., AgentT],
    agent_keys: Sequence[str],
    act: Callable[[AgentT, Any, np.random.Generator, Mapping[str, Any]], Float32Array],
    actor: Callable[[AgentT], Callable[[torch.Tensor], torch.Tensor]],
    loss_keys: Sequence[str],
    columns: Callable[[AgentT], Mapping[str, float]] = lambda agent: {},
) -> dict[str, float]:
    """Train an off-policy agent; write ``run.yml``, ``progress.csv``, ``checkpoint.pt``,
    ``final_eval.yml``.

    Per step, one action (uniformly random before ``agent.learning_starts``, then ``act``)
    and one replay row; every ``agent.train_freq`` steps after ``learning_starts``,
    ``agent.gradient_steps`` calls of ``update``; every ``train.log_interval`` steps, one
    progress row and, every ``train.checkpoint_every`` rows, a checkpoint. Policies act in
    ``[-1, 1]``; the environment gets their image under :func:`to_env_action`.

    Args:
        config: dotted keys overriding ``defaults(config["env.id"])`` (default
            ``Pendulum-v1``).
        seed: seed of networks, environment, exploration and replay sampling.
        device: torch device of the networks.
        logdir: the run's folder; a checkpoint found there is resumed from.
        name: the algorithm's name in ``run.yml``.
        defaults: the configuration of an environment id.
        agent: the agent class, called as ``agent(obs_dim, action_dim, hidden_sizes, lr=,
            gamma=, tau=, device=)`` with ``agent.hidden_sizes``, ``agent.lr``, ... of the
            config and one keyword more per name in ``agent_keys`` (``agent.<name>``).
        agent_keys: the algorithm's own ``agent.*`` keys passed to ``agent``.
        act: ``act(agent, observation, explore, cfg)``, the training action ``[A]`` in
            ``[-1, 1]`` after ``learning_starts`` (``explore``: the exploration generator).
        actor: the map of ``[B, obs_dim]`` observations to actions evaluated at the end.
        loss_keys: the losses of ``agent.update`` logged per row (the last value of each).
        columns: further progress columns of the agent, written after ``updates``.

    Returns:
        The final evaluation (``return_mean``, ...), or ``{}`` when ``train.stop_at`` stopped
        the run early.

    Raises:
        ValueError: an unknown config key, or an environment without Box actions.
    """
    logdir = Path(logdir)
    cfg = merged_config(defaults(config.get("env.id", DEFAULT_ENV)), config)
    start_run(logdir, name, cfg, seed)
    set_global_seeds(seed)
    env_seed, explore_seed, replay_seed = Seeder(seed)(3)
    env: gym.Env[Any, Any] = RecordEpisodeStatistics(gym.make(cfg["env.id"]))
    obs_dim = gym.spaces.flatdim(env.observation_space)
    action_dim = gym.spaces.flatdim(env.action_space)
    learner = agent(
        obs_dim,
        action_dim,
        cfg["agent.hidden_sizes"],
        lr=cfg["agent.lr"],
        gamma=cfg["agent.gamma"],
        tau=cfg["agent.tau"],
        device=device,
        **{key: cfg[f"agent.{key}"] for key in agent_keys},
    )
    total = int(cfg["train.timesteps"])
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
        learner.load_state_dict(state["agent"])
        buffer.load_state_dict(state["replay"])
        env = cloudpickle.loads(state["env"])
        obs = state["obs"]
        timesteps, iteration, updates = state["timesteps"], state["iteration"], state["updates"]
        elapsed = state["time"]
        explore.bit_generator.state = state["explore_rng"]
        restore_rng_state(state["rng"])

    space = cast(gym.spaces.Box, env.action_space)
    to_env = to_env_action(space)
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
                action = act(learner, obs, explore, cfg)
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
                # Merged, since an update may skip a loss (TD3's delayed actor).
                for _ in range(gradient_steps):
                    losses = {**losses, **learner.update(buffer.sample(batch_size, device))}
                updates += gradient_steps
        iteration += 1
        returns = env.get_wrapper_attr("return_queue")
        logger("iteration", iteration)
        logger("timesteps", timesteps)
        logger("time", time.perf_counter() - t0)
        logger("train_return", float(np.mean(returns)) if returns else math.nan)
        logger("updates", updates)
        for key, value in columns(learner).items():
            logger(key, value)
        for key in loss_keys:
            logger(key, float(losses[key]) if key in losses else None)
        logger.write_row()
        stopping = stop_at is not None and timesteps >= stop_at and timesteps < total
        if stopping or iteration % cfg["train.checkpoint_every"] == 0 or timesteps >= total:
            save_checkpoint(
                logdir,
                {
                    "agent": learner.state_dict(),
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
    policy = deterministic_policy(actor(learner), space, device)
    metrics = evaluate_policy(
        policy, lambda: gym.make(cfg["env.id"]), cfg["eval.episodes"], seed + 10_000
    )
    return finish(logdir, metrics)
