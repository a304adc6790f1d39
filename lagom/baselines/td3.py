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
from typing import Any

import attrs
import numpy as np
import torch

from lagom._checks import check_device, check_instance, check_int, check_str
from lagom._types import Float32Array
from lagom.baselines import common
from lagom.baselines._fields import COUNT, NONNEG, POSITIVE, instance, sizes
from lagom.networks import Module, QEnsemble, make_fc, polyak_update_

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

DEFAULT_ENV = "Pendulum-v1"


@attrs.frozen
class TD3AgentConfig(common.OffPolicyAgentConfig):
    """TD3's ``agent`` section: the off-policy fields with Stable-Baselines3's TD3 defaults,
    exploration and the twin-critic, smoothing and delay settings.

    Example:
        >>> TD3AgentConfig().lr, TD3AgentConfig().hidden_sizes, TD3AgentConfig().policy_delay
        (0.001, (400, 300), 2)
    """

    #: Adam learning rate of actor and critics.
    lr: float = attrs.field(default=1e-3, validator=POSITIVE)
    #: Hidden layer sizes of the actor and of each critic.
    hidden_sizes: tuple[int, ...] = attrs.field(default=(400, 300), validator=sizes(min_len=1))
    #: Standard deviation :math:`\sigma` of the Gaussian exploration noise on actions in
    #: ``[-1, 1]`` (then clipped to ``[-1, 1]``).
    action_noise: float = attrs.field(default=0.1, validator=NONNEG)
    #: Critics whose minimum forms the target (DDPG: 1).
    n_critics: int = attrs.field(default=2, validator=COUNT)
    #: Critic updates per actor and target update (DDPG: 1).
    policy_delay: int = attrs.field(default=2, validator=COUNT)
    #: Standard deviation :math:`\sigma_t` of the target policy smoothing noise (DDPG: 0).
    target_policy_noise: float = attrs.field(default=0.2, validator=NONNEG)
    #: Its clip :math:`c` (DDPG: 0).
    target_noise_clip: float = attrs.field(default=0.5, validator=NONNEG)


@attrs.frozen
class TD3Config:
    """TD3's (and DDPG's) configuration; ``TD3Config()`` holds Stable-Baselines3's TD3
    defaults.

    Example:
        >>> PENDULUM.agent.gamma, PENDULUM.agent.learning_starts, PENDULUM.train.timesteps
        (0.98, 10000, 20000)
    """

    #: The environment (Box observations and actions).
    env: common.OffPolicyEnvConfig = attrs.field(
        factory=common.OffPolicyEnvConfig, validator=instance(common.OffPolicyEnvConfig)
    )
    #: Length, logging and checkpoints.
    train: common.OffPolicyTrainConfig = attrs.field(
        factory=common.OffPolicyTrainConfig, validator=instance(common.OffPolicyTrainConfig)
    )
    #: The learner.
    agent: TD3AgentConfig = attrs.field(factory=TD3AgentConfig, validator=instance(TD3AgentConfig))
    #: The final evaluation.
    eval: common.OffPolicyEvalConfig = attrs.field(
        factory=common.OffPolicyEvalConfig, validator=instance(common.OffPolicyEvalConfig)
    )


#: rl-baselines3-zoo's Pendulum-v1 settings (``hyperparams/td3.yml``, ``ddpg.yml``).
PENDULUM = TD3Config(
    train=common.OffPolicyTrainConfig(timesteps=20_000),
    agent=TD3AgentConfig(gamma=0.98, buffer_size=200_000, learning_starts=10_000),
)


def _mujoco(env_id: str) -> TD3Config:
    """rl-baselines3-zoo's MuJoCo settings (``td3.yml``, ``mujoco-defaults``): TD3's defaults
    (lr 1e-3, [400, 300], Gaussian noise 0.1, batch 256) with 10,000 random steps first and
    a million steps in all; the zoo's v4 values, used here on the v5 environments."""
    return TD3Config(
        env=common.OffPolicyEnvConfig(id=env_id),
        train=common.OffPolicyTrainConfig(timesteps=1_000_000),
        agent=TD3AgentConfig(learning_starts=10_000),
    )


#: The zoo: environment id -> its tuned configuration (MuJoCo needs ``lagom[mujoco]``).
ZOO: dict[str, TD3Config] = {
    "Pendulum-v1": PENDULUM,
    **{env_id: _mujoco(env_id) for env_id in ("HalfCheetah-v5", "Hopper-v5", "Walker2d-v5")},
}


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

    Example:
        >>> actor = DeterministicActor(3, 2, [8])
        >>> actions = actor(100 * torch.randn(4, 3))
        >>> actions.shape, bool(actions.abs().max() <= 1)
        (torch.Size([4, 2]), True)

    Raises:
        TypeError: a size is not an int, ``hidden_sizes`` is not a list, or ``device`` is
            not a device.
        ValueError: a size is not positive, or ``device`` names no device.
    """

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int],
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        check_int("obs_dim", obs_dim)
        action_dim = check_int("action_dim", action_dim)
        self.layers = make_fc(obs_dim, [*_sizes(hidden_sizes), action_dim], device=device)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Actions ``[B, A]`` in ``[-1, 1]`` for observations ``[B, obs_dim]``."""
        x = observations
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return torch.tanh(self.layers[-1](x))


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

    Raises:
        TypeError: a size is not an int, ``config`` is not a :class:`TD3AgentConfig`, or
            ``device`` is not a device.
        ValueError: a size is not positive, or ``device`` names no device.
    """

    #: The networks and optimizers a checkpoint holds.
    PARTS: tuple[str, ...] = ("actor", "actor_target", "critic", "critic_target")
    PARTS += ("actor_optimizer", "critic_optimizer")

    def __init__(
        self, obs_dim: int, action_dim: int, config: TD3AgentConfig, device: torch.device
    ) -> None:
        check_int("obs_dim", obs_dim)
        check_int("action_dim", action_dim)
        check_instance("config", config, TD3AgentConfig)
        device = check_device("device", device)
        self.device, self.config = device, config
        self.actor = DeterministicActor(obs_dim, action_dim, config.hidden_sizes, device)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        self.critic = QEnsemble(obs_dim, action_dim, config.hidden_sizes, config.n_critics, device)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), config.lr, fused=True)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), config.lr, fused=True)
        self._critic_params = list(self.critic.parameters())
        self._online = [*self._critic_params, *self.actor.parameters()]
        self._targets = [*self.critic_target.parameters(), *self.actor_target.parameters()]
        self.n_updates = 0
        # Acting reuses one input tensor: one copy per step, no new tensor.
        self._obs = torch.zeros(1, obs_dim, dtype=torch.float32)
        self._obs_np: Float32Array = self._obs.numpy()

    @torch.inference_mode()
    def act(self, observation: Float32Array) -> Float32Array:
        r"""The deterministic action :math:`\mu(s)` ``[A]`` in ``[-1, 1]`` of one observation."""
        self._obs_np[0] = observation
        out: Float32Array = self.actor(self._obs.to(self.device))[0].cpu().numpy()
        return out

    def explore(self, observation: Float32Array, rng: np.random.Generator) -> Float32Array:
        r""":math:`\operatorname{clip}(\mu(s) + \mathcal{N}(0, \sigma^2), -1, 1)`, the noise
        drawn from ``rng`` (none when :math:`\sigma` = ``action_noise`` is 0)."""
        action, noise = self.act(observation), self.config.action_noise
        if noise > 0.0:
            action = (action + rng.normal(0.0, noise, len(action))).astype(np.float32)
            np.clip(action, -1.0, 1.0, out=action)
        return action

    @torch.no_grad()
    def td_target(
        self, rewards: torch.Tensor, next_obs: torch.Tensor, terminated: torch.Tensor
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
        """
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
    agent = TD3Agent(collector.buffer.obs_dim, collector.buffer.action_dim, config.agent, dev)
    collector.resume(logdir, agent)
    logger = common.progress_logger(logdir, rows=collector.iteration)
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
        common.write_row(logger, collector.row(losses))
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


def make_policy(run_dir: Path, device: str) -> common.Policy:
    r"""The trained deterministic policy :math:`\mu(s)` of a TD3 or DDPG run: observations
    ``[B, ...]`` to actions ``[B, A]`` within the action bounds (numpy in and out).

    Raises:
        TypeError: ``run_dir`` is not a str or path.
        ValueError: ``run_dir`` is not a run folder or holds no ``policy.pt``.

    Example:
        >>> import tempfile
        >>> keys = {"train.timesteps": 60, "agent.learning_starts": 40, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = ddpg_run(keys | {"agent.hidden_sizes": [4]}, 3, "cpu", Path(logdir))
        ...     policy = make_policy(Path(logdir), "cpu")
        >>> bool(np.all(np.abs(policy(np.ones((7, 3)))) <= 2.0))  # Pendulum's bounds: [-2, 2]
        True
    """
    config, space, obs_dim, saved = common.load_trained(run_dir, default_config, "td3")
    dev = common.choose_device(device)
    actor = DeterministicActor(obs_dim, space.shape[0], config.agent.hidden_sizes, dev)
    actor.load_state_dict(saved["actor"])
    return common.box_policy(actor.eval(), space, dev)


_TD3 = "Twin Delayed DDPG: twin critics, target smoothing, delayed actor (continuous)"
_DDPG = "Deep Deterministic Policy Gradient: TD3 with one critic, no smoothing or delay"
#: TD3's record for ``lagom train/eval/list``.
ALGORITHM = common.offpolicy_algorithm("td3", _TD3, run, default_config, make_policy)
#: DDPG's record: TD3 with one critic, no smoothing and no delay.
DDPG_ALGORITHM = common.offpolicy_algorithm(
    "ddpg", _DDPG, ddpg_run, ddpg_default_config, make_policy
)
