r"""Twin Delayed DDPG (TD3), and DDPG as one of its configurations: continuous actions.

One environment is stepped into a replay buffer (:class:`~lagom.baselines.common.ReplayCollector`):
uniformly random actions for ``agent.learning_starts`` steps, then the exploration action
:math:`\operatorname{clip}(\mu(s) + \mathcal{N}(0, \sigma^2), -1, 1)` with :math:`\sigma` =
``agent.action_noise``. Every ``agent.train_freq`` steps after that come
``agent.gradient_steps`` gradient steps, each on a minibatch :math:`(s, a, r, s', d)`
(``d`` = ``terminated``):

1. critics: the target action
   :math:`a' = \operatorname{clip}(\bar\mu(s') + \operatorname{clip}(\epsilon, -c, c), -1, 1)`,
   :math:`\epsilon \sim \mathcal{N}(0, \sigma_t^2)` (target policy smoothing), the TD(0)
   target of :func:`lagom.metric.batched_td0_target` with :math:`\min_i \bar Q_i(s', a')` as
   next value, :math:`y = r + \gamma (1 - d) \min_i \bar Q_i(s', a')` (computed in torch),
   and :math:`L_Q = \sum_i \operatorname{mean}(Q_i(s, a) - y)^2`;
2. every ``agent.policy_delay``-th step only: the actor,
   :math:`L_\mu = -\operatorname{mean} Q_1(s, \mu(s))`, then the targets of critics and actor,
   :math:`\bar\theta \leftarrow (1 - \tau)\,\bar\theta + \tau\,\theta`
   (:func:`lagom.networks.polyak_update_`).

A truncated step is bootstrapped (:math:`d = 0`) from its true final observation :math:`s'`.
DDPG (:data:`DDPG_ALGORITHM`, :func:`ddpg_default_config`) is Stable-Baselines3's: this code
with one critic, no smoothing and no delay.

``Dict`` observations (e.g. goal-conditioned ones) work as in :mod:`lagom.baselines.sac`:
kept per key in the replay buffer, an encoder of their own for the actor and the critics
(:func:`~lagom.baselines.common.observation_encoder`), the critics' features concatenated
with the action (:class:`~lagom.baselines.common.EncodedCritic`).

A run writes ``run.yml``, ``config.yml``, ``progress.csv`` (``iteration``, ``timesteps``,
``time``, ``train_return``, ``updates``, ``critic_loss``, ``actor_loss``), ``checkpoint.pt``
(resumed from bit-exactly on CPU) and ``final_eval.yml``.

Example:
    >>> ALGORITHM.name, DDPG_ALGORITHM.name, ALGORITHM.action_spaces
    ('td3', 'ddpg', ('continuous',))
    >>> ddpg_default_config().agent.n_critics, default_config().agent.n_critics
    (1, 2)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs
import gymnasium as gym
import numpy as np
import torch
from torch import nn

from lagom._checks import check_device, check_instance, check_int, check_str
from lagom._types import Float32Array, NDArray
from lagom.baselines import common
from lagom.baselines.configs.td3 import (
    DEFAULT_ENV,
    PENDULUM,
    ZOO,
    TD3AgentConfig,
    TD3Config,
)
from lagom.networks import Module, QEnsemble, TensorMap, make_fc, polyak_update_

__all__ = [
    "ALGORITHM",
    "DDPG_ALGORITHM",
    "PENDULUM",
    "ZOO",
    "DeterministicActor",
    "TD3Agent",
    "TD3AgentConfig",
    "TD3Config",
    "ddpg_default_config",
    "ddpg_run",
    "default_config",
    "make_policy",
    "run",
    "train",
]

# The configuration is in lagom.baselines.configs.td3 (importable without torch):
# TD3AgentConfig, TD3Config and the zoo (PENDULUM, MuJoCo settings).


def default_config(env_id: str = DEFAULT_ENV) -> TD3Config:
    """TD3's configuration of ``env_id``: tuned where the zoo has it, else TD3's defaults
    (checked to fit: a Box action space is needed, else a ``ValueError``).

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` cannot be created or has no Box action space.

    Example:
        >>> default_config("MountainCarContinuous-v0").agent.gamma
        0.99
        >>> default_config("NoSuchEnv-v0")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: td3 cannot create environment 'NoSuchEnv-v0': ...
    """
    return common.zoo_config("td3", ZOO, TD3Config(), env_id)


def ddpg_default_config(env_id: str = DEFAULT_ENV) -> TD3Config:
    """DDPG's configuration of ``env_id``: TD3's with one critic, no smoothing, no delay.

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` cannot be created or has no Box action space.

    Example:
        >>> ddpg = ddpg_default_config().agent
        >>> ddpg.n_critics, ddpg.policy_delay, ddpg.target_policy_noise, ddpg.target_noise_clip
        (1, 1, 0.0, 0.0)
    """
    config = default_config(env_id)
    agent = attrs.evolve(
        config.agent, n_critics=1, policy_delay=1, target_policy_noise=0.0, target_noise_clip=0.0
    )
    return attrs.evolve(config, agent=agent)


def _sizes(hidden_sizes: object) -> list[int]:
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise TypeError(f"hidden_sizes must be a list of ints, got {type(hidden_sizes).__name__}")
    return [check_int(f"hidden_sizes[{i}]", size) for i, size in enumerate(hidden_sizes)]


class DeterministicActor(Module):
    r"""The policy :math:`\mu(s) = \tanh(f(s)) \in [-1, 1]^{A}`: an MLP with ReLU, tanh output.

    With an ``encoder`` (``out_features == obs_dim``, e.g.
    :func:`~lagom.baselines.common.observation_encoder` of a ``Dict`` space) the MLP takes
    its features of the observations (a :class:`~lagom.networks.TensorMap` for a ``Dict``).

    Example:
        >>> actor = DeterministicActor(3, 2, [8])
        >>> actions = actor(100 * torch.randn(4, 3))
        >>> actions.shape, bool(actions.abs().max() <= 1)
        (torch.Size([4, 2]), True)
        >>> box = gym.spaces.Box(-1, 1, (2,))
        >>> encoder = common.observation_encoder(gym.spaces.Dict({"goal": box, "position": box}))
        >>> goal_actor = DeterministicActor(4, 2, [8], encoder=encoder)
        >>> goal_actor(TensorMap({"goal": torch.zeros(3, 2), "position": torch.ones(3, 2)})).shape
        torch.Size([3, 2])

    Raises:
        TypeError: a size is not an int, ``hidden_sizes`` is not a list, ``device`` is
            not a device, or ``encoder`` not a module with an int ``out_features``.
        ValueError: a size is not positive, ``device`` names no device, or ``obs_dim`` is
            not the encoder's ``out_features``.
    """

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int],
        device: torch.device | str | None = None,
        *,
        encoder: nn.Module | None = None,
    ) -> None:
        super().__init__()
        check_int("obs_dim", obs_dim)
        action_dim = check_int("action_dim", action_dim)
        if encoder is not None:
            out = getattr(encoder, "out_features", None)
            if not isinstance(encoder, nn.Module) or not isinstance(out, int):
                raise TypeError(
                    "encoder must be a module with an int out_features, got "
                    f"{type(encoder).__name__}"
                )
            if out != obs_dim:
                raise ValueError(f"obs_dim must be the encoder's out_features {out}, got {obs_dim}")
        self.encoder = encoder
        self.layers = make_fc(obs_dim, [*_sizes(hidden_sizes), action_dim], device=device)

    def forward(self, observations: torch.Tensor | TensorMap) -> torch.Tensor:
        """Actions ``[B, A]`` in ``[-1, 1]`` for observations ``[B, obs_dim]`` (or what the
        encoder takes)."""
        x = observations if self.encoder is None else self.encoder(observations)
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                "an actor without an encoder takes a tensor of observations, got a dict"
            )
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return torch.tanh(self.layers[-1](x))

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


class TD3Agent:
    """TD3's networks, optimizers (fused Adam) and update rule (the module's steps 1-2).

    Example:
        >>> agent = TD3Agent(3, 1, TD3AgentConfig(hidden_sizes=(16,)), torch.device("cpu"))
        >>> obs, actions, rewards = torch.zeros(4, 3), torch.zeros(4, 1), torch.ones(4)
        >>> batch = common.TensorBatch(obs, actions, rewards, obs + 1, torch.zeros(4))
        >>> sorted(agent.update(batch))  # the delayed actor waits
        ['critic_loss']
        >>> sorted(agent.update(batch))
        ['actor_loss', 'critic_loss']

    With a ``Dict`` ``observation_space`` the actor and the critics take its observations
    through encoders of their own (``obs_dim`` must be its ``gymnasium.spaces.flatdim``).

    Raises:
        TypeError: a size is not an int, ``config`` is not a :class:`TD3AgentConfig`,
            ``device`` is not a device, or ``observation_space`` not a gymnasium space.
        ValueError: a size is not positive, ``device`` names no device, or ``obs_dim`` is
            not the flat size of ``observation_space``.
    """

    #: The networks and optimizers a checkpoint holds.
    PARTS: tuple[str, ...] = ("actor", "actor_target", "critic", "critic_target")
    PARTS += ("actor_optimizer", "critic_optimizer")

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        config: TD3AgentConfig,
        device: torch.device,
        *,
        observation_space: gym.spaces.Space[Any] | None = None,
    ) -> None:
        check_int("obs_dim", obs_dim)
        check_int("action_dim", action_dim)
        check_instance("config", config, TD3AgentConfig)
        device = check_device("device", device)
        space = observation_space
        if space is not None and not isinstance(space, gym.spaces.Space):
            raise TypeError(
                f"observation_space must be a gymnasium space, got {type(space).__name__}"
            )
        if space is not None and gym.spaces.flatdim(space) != obs_dim:
            raise ValueError(
                f"obs_dim must be the flat size {gym.spaces.flatdim(space)} of "
                f"observation_space, got {obs_dim}"
            )
        self.device, self.config = device, config
        encoder = None if space is None else common.observation_encoder(space, device)
        hidden = config.hidden_sizes
        self.actor = DeterministicActor(obs_dim, action_dim, hidden, device, encoder=encoder)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        critic = QEnsemble(obs_dim, action_dim, hidden, config.n_critics, device)
        critic_encoder = None if space is None else common.observation_encoder(space, device)
        self.critic: nn.Module = (
            critic if critic_encoder is None else common.EncodedCritic(critic_encoder, critic)
        )
        self.critic_target: nn.Module = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), config.lr, fused=True)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), config.lr, fused=True)
        self._critic_params = list(self.critic.parameters())
        self._online = [*self._critic_params, *self.actor.parameters()]
        self._targets = [*self.critic_target.parameters(), *self.actor_target.parameters()]
        self.n_updates = 0
        self.obs_dim, self.action_dim = obs_dim, action_dim
        # Acting reuses one input tensor: one copy per step, no new tensor.
        self._obs = torch.zeros(1, obs_dim, dtype=torch.float32)
        self._obs_np: Float32Array = self._obs.numpy()

    @torch.inference_mode()
    def act(self, observation: Float32Array | Mapping[str, NDArray[Any]]) -> Float32Array:
        r"""The deterministic action :math:`\mu(s)` ``[A]`` in ``[-1, 1]`` of one observation
        (a dict of arrays for a ``Dict`` space)."""
        obs: torch.Tensor | TensorMap
        if isinstance(observation, Mapping):
            batch = {key: np.asarray(x)[None] for key, x in observation.items()}
            obs = TensorMap(cast(dict[str, torch.Tensor], common.obs_tensor(batch, self.device)))
        else:
            self._obs_np[0] = observation
            obs = self._obs.to(self.device)
        out: Float32Array = self.actor(obs)[0].cpu().numpy()
        return out

    def explore(
        self, observation: Float32Array | Mapping[str, NDArray[Any]], rng: np.random.Generator
    ) -> Float32Array:
        r""":math:`\operatorname{clip}(\mu(s) + \mathcal{N}(0, \sigma^2), -1, 1)`, the noise
        drawn from ``rng`` (none when :math:`\sigma` = ``action_noise`` is 0)."""
        action, noise = self.act(observation), self.config.action_noise
        if noise > 0.0:
            action = (action + rng.normal(0.0, noise, len(action))).astype(np.float32)
            np.clip(action, -1.0, 1.0, out=action)
        return action

    @torch.no_grad()
    def td_target(
        self, rewards: torch.Tensor, next_obs: torch.Tensor | TensorMap, terminated: torch.Tensor
    ) -> torch.Tensor:
        """The critics' target ``[B]``: :func:`lagom.metric.batched_td0_target` of the clipped
        double-Q value at the smoothed target action, written in torch."""
        next_actions = self.actor_target(next_obs)
        sigma, clip = self.config.target_policy_noise, self.config.target_noise_clip
        if sigma > 0.0:
            noise = (torch.randn_like(next_actions) * sigma).clamp(-clip, clip)
            next_actions = (next_actions + noise).clamp(-1.0, 1.0)
        next_q: torch.Tensor = self.critic_target(next_obs, next_actions).amin(dim=1)
        return rewards + self.config.gamma * (1.0 - terminated) * next_q

    def update(self, batch: common.TensorBatch) -> dict[str, torch.Tensor]:
        """One critic step on a minibatch (``[B, ...]`` float32 tensors) and, every
        ``policy_delay``-th call, an actor and target step.

        Returns:
            The step's losses as detached 0-d tensors (``actor_loss`` only when it ran).

        Raises:
            TypeError: ``batch`` is not a :class:`~lagom.baselines.common.TensorBatch` of
                tensors in the actor's dtype.
            ValueError: its shapes are not ``[B, obs_dim]``, ``[B, action_dim]`` and
                ``[B]``, or its tensors are not on the agent's device.
        """
        like = next(self.actor.parameters())
        batch = common.check_tensor_batch(batch, self.obs_dim, self.action_dim, like)
        obs, actions, rewards, next_obs, terminated = batch
        self.n_updates += 1
        target = self.td_target(rewards, next_obs, terminated)
        critic_loss = (self.critic(obs, actions) - target[:, None]).square().mean(0).sum()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
        if self.n_updates % self.config.policy_delay != 0:
            return {"critic_loss": critic_loss.detach()}

        # Frozen critics: the actor's backward computes no gradient for them.
        for p in self._critic_params:
            p.requires_grad_(False)
        actor_loss = -self.critic(obs, self.actor(obs), members=1).mean()
        for p in self._critic_params:
            p.requires_grad_(True)
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        polyak_update_(self._targets, self._online, self.config.tau)
        return {"critic_loss": critic_loss.detach(), "actor_loss": actor_loss.detach()}

    def state_dict(self) -> dict[str, Any]:
        """Networks, optimizers and the update counter, for checkpoints."""
        state = {name: getattr(self, name).state_dict() for name in self.PARTS}
        return {**state, "n_updates": self.n_updates}

    def policy_tensors(self) -> dict[str, Any]:
        """What ``policy.pt`` (and ``best_policy.pt``) hold: the actor's weights."""
        return {"actor": self.actor.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for name in self.PARTS:
            getattr(self, name).load_state_dict(state[name])
        self.n_updates = int(state["n_updates"])


def train(
    config: TD3Config, seed: int, device: str, logdir: Path, *, name: str = "td3"
) -> dict[str, float]:
    """Train TD3, or DDPG with :func:`ddpg_default_config`'s settings (``name`` goes to
    ``run.yml``), into ``logdir``: the files of the module's list, resumed from the
    checkpoint found there.

    Returns:
        The final metrics of :func:`~lagom.baselines.common.evaluate_policy`; ``{}`` if
        ``train.stop_at`` ended the run first (a later call resumes it).

    Raises:
        TypeError: ``config`` is not a :class:`TD3Config`, ``seed`` not an int, ``logdir``
            not a path (:func:`~lagom.baselines.common.check_run`) or ``name`` not a str.
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]`` or ``device`` unknown.

    Example:
        >>> import tempfile
        >>> agent = TD3AgentConfig(learning_starts=60, hidden_sizes=(16,))
        >>> train_steps = common.OffPolicyTrainConfig(timesteps=80, log_interval=40)
        >>> small = TD3Config(train=train_steps, agent=agent, eval=common.OffPolicyEvalConfig(3))
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     final = train(small, 2, "cpu", Path(logdir), name="td3-small")
        >>> final["episodes"], final["horizon_mean"]  # Pendulum's time limit: 200 steps
        (3.0, 200.0)
    """
    check_str("name", name)
    common.check_run(config, TD3Config, seed, device, logdir)
    collector, dev = common.ReplayCollector.start(logdir, name, config, seed, device)
    sizes = collector.buffer.obs_dim, collector.buffer.action_dim
    agent = TD3Agent(*sizes, config.agent, dev, observation_space=collector.env.observation_space)
    collector.resume(logdir, agent)
    logger = common.progress_logger(logdir, rows=collector.iteration, sinks=config.train.log)
    losses: dict[str, torch.Tensor | None] = {"critic_loss": None, "actor_loss": None}
    while collector.timesteps < config.train.timesteps:
        for _ in range(collector.iteration_steps(config.train)):
            if collector.timesteps < config.agent.learning_starts:
                collector.step(collector.random_action())
            else:
                collector.step(agent.explore(collector.obs, collector.explore))
            for _ in range(collector.updates_due(config.agent)):
                # Merged: a delayed step computes no actor loss.
                batch = collector.buffer.sample(config.agent.batch_size)
                losses |= agent.update(common.replay_tensors(batch, dev))
        row = collector.row(losses)
        row |= collector.periodic(logdir, agent.actor, dev, agent.policy_tensors)
        common.write_row(logger, row)
        if collector.checkpoint(logdir, config.train, agent):
            return {}
    return collector.evaluate(logdir, agent.actor, dev, config.eval.episodes, seed)


def run(
    config: Mapping[str, Any] | TD3Config, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """:func:`train` with ``config`` as dotted keys over :func:`default_config` of its
    ``env.id`` (default ``Pendulum-v1``): TD3's entry for ``lagom train`` and
    ``run_experiment``.

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or ``seed`` or
            ``logdir`` has the wrong type.
        ValueError: an unknown key (with close matches), a value of the wrong type or out of
            range, or an environment without Box observations and actions.

    Example:
        >>> run({"agent.policy_delay": 0}, 0, "cpu", Path("unused"))
        Traceback (most recent call last):
        ...
        ValueError: config key 'agent.policy_delay': 'policy_delay' must be >= 1: 0
    """
    return train(common.resolve_config(default_config, config, DEFAULT_ENV), seed, device, logdir)


def ddpg_run(
    config: Mapping[str, Any] | TD3Config, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """:func:`run` for DDPG: dotted keys over :func:`ddpg_default_config`, ``ddpg`` in
    ``run.yml``.

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or ``seed`` or
            ``logdir`` has the wrong type.
        ValueError: an unknown key (with close matches), a wrong type or a bad value.

    Example:
        >>> ddpg_run({"agent.n_critic": 2}, 0, "cpu", Path("unused"))
        Traceback (most recent call last):
        ...
        ValueError: unknown config key 'agent.n_critic'; did you mean 'agent.n_critics'?
    """
    resolved = common.resolve_config(ddpg_default_config, config, DEFAULT_ENV)
    return train(resolved, seed, device, logdir, name="ddpg")


def make_policy(run_dir: Path, device: str, *, name: str = common.POLICY_FILE) -> common.Policy:
    r"""The trained deterministic policy :math:`\mu(s)` of a TD3 or DDPG run, from its policy
    file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one): observations
    ``[B, ...]`` (a dict of them for a ``Dict`` space) to actions ``[B, A]`` within the
    action bounds (numpy in and out).

    Raises:
        TypeError: ``run_dir`` is not a str or path, or ``name`` not a str.
        ValueError: ``run_dir`` is not a run folder or holds no file ``name``.

    Example:
        >>> import tempfile
        >>> keys = {"train.timesteps": 60, "agent.learning_starts": 40, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = ddpg_run(keys | {"agent.hidden_sizes": [4]}, 3, "cpu", Path(logdir))
        ...     policy = make_policy(Path(logdir), "cpu")
        >>> bool(np.all(np.abs(policy(np.ones((7, 3)))) <= 2.0))  # Pendulum's bounds: [-2, 2]
        True
    """
    config, space, obs_dim, saved = common.load_trained(run_dir, default_config, "td3", name=name)
    dev = common.choose_device(device)
    obs_space, _ = common.check_spaces(
        "td3", config.env.id, observation=common.OFF_POLICY_OBSERVATIONS, action=(gym.spaces.Box,)
    )
    encoder = common.observation_encoder(obs_space, dev)
    hidden = config.agent.hidden_sizes
    actor = DeterministicActor(obs_dim, space.shape[0], hidden, dev, encoder=encoder)
    actor.load_state_dict(saved["actor"])
    return common.checked_policy(common.box_policy(actor.eval(), space, dev), obs_space)


_TD3 = "Twin Delayed DDPG: twin critics, target smoothing, delayed actor (continuous)"
_DDPG = "Deep Deterministic Policy Gradient: TD3 with one critic, no smoothing or delay"
#: TD3's record for ``lagom train/eval/list``.
ALGORITHM = common.offpolicy_algorithm("td3", _TD3, run, default_config, make_policy)
#: DDPG's record (TD3 with one critic, no smoothing and no delay).
DDPG_ALGORITHM = common.offpolicy_algorithm(
    "ddpg", _DDPG, ddpg_run, ddpg_default_config, make_policy
)
