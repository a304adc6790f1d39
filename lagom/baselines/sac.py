r"""Soft Actor-Critic (SAC): twin critics, automatic entropy tuning, continuous actions.

One environment is stepped into a replay buffer (:class:`~lagom.baselines.common.ReplayCollector`):
uniformly random actions for ``agent.learning_starts`` steps, then :math:`a \sim \pi(\cdot|s)`.
Every ``agent.train_freq`` steps after that come ``agent.gradient_steps`` gradient steps, each
on a minibatch :math:`(s, a, r, s', d)` (``d`` = ``terminated``) with the temperature
:math:`\alpha = e^{\log\alpha}` of the step's start, in Stable-Baselines3's order:

1. temperature: :math:`L_\alpha = -\log\alpha\,(\log\pi(\tilde a|s) + \bar H)`,
   :math:`\tilde a \sim \pi(\cdot|s)`, target entropy :math:`\bar H` (default :math:`-\dim A`).
   Its gradient :math:`-\operatorname{mean}(\log\pi(\tilde a|s) + \bar H)` is written
   directly and stepped by the critics' optimizer (:math:`\log\alpha` is one more of its
   parameters): nothing in between reads :math:`\log\alpha`, so it equals a step of its own;
2. critics: the TD(0) target of :func:`lagom.metric.batched_td0_target` with the soft value
   :math:`V(s') = \min_i \bar Q_i(s', a') - \alpha \log\pi(a'|s')`, :math:`a' \sim \pi(\cdot|s')`,
   as next value: :math:`y = r + \gamma (1 - d)\, V(s')` (computed in torch), and
   :math:`L_Q = \tfrac12 \sum_i \operatorname{mean}(Q_i(s, a) - y)^2`;
3. actor, with the updated critics:
   :math:`L_\pi = \operatorname{mean}(\alpha \log\pi(\tilde a|s) - \min_i Q_i(s, \tilde a))`;
4. targets: :math:`\bar\theta \leftarrow (1 - \tau)\,\bar\theta + \tau\,\theta`
   (:func:`lagom.networks.polyak_update_`).

A truncated step is bootstrapped (:math:`d = 0`) from its true final observation :math:`s'`.
The critics are one :class:`~lagom.networks.QEnsemble` (both in one batched product).

``Dict`` observations (e.g. goal-conditioned ``observation`` and ``desired_goal``) are kept
per key in the replay buffer; the actor and the critics each get an encoder of their own
(:func:`lagom.networks.make_encoder`: one per key, features concatenated, as
Stable-Baselines3's ``MultiInputPolicy``), and the critics concatenate its features with
the action (:class:`~lagom.baselines.common.EncodedCritic`).

A run writes ``run.yml``, ``config.yml``, ``progress.csv`` (``iteration``, ``timesteps``,
``time``, ``train_return``, ``updates``, ``alpha`` and the three losses per
``train.log_interval`` steps), ``checkpoint.pt`` (resumed from bit-exactly on CPU) and
``final_eval.yml``.

Example:
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('sac', 'Pendulum-v1', ('continuous',))
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.nn import functional

from lagom._checks import check_bool, check_device, check_instance, check_int
from lagom._types import Float32Array, NDArray
from lagom.baselines import _fused, common
from lagom.baselines.configs.sac import (
    DEFAULT_ENV,
    PENDULUM,
    ZOO,
    SACAgentConfig,
    SACConfig,
)
from lagom.networks import Module, QEnsemble, TensorMap, make_fc, polyak_update_

__all__ = [
    "ALGORITHM",
    "PENDULUM",
    "ZOO",
    "SACAgent",
    "SACAgentConfig",
    "SACConfig",
    "SquashedGaussianActor",
    "default_config",
    "load_actor",
    "make_policy",
    "run",
    "train",
]

SUMMARY = "Soft Actor-Critic: twin critics, automatic entropy tuning (continuous actions)"


# The configuration is in lagom.baselines.configs.sac (importable without torch):
# SACAgentConfig, SACConfig and the zoo's PENDULUM.


def default_config(env_id: str = DEFAULT_ENV) -> SACConfig:
    """SAC's configuration for ``env_id``: the zoo's settings, or the defaults.

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` is unknown or its actions are not a Box.

    Example:
        >>> default_config("MountainCarContinuous-v0").agent.lr
        0.0003
        >>> default_config("CartPole-v1")
        Traceback (most recent call last):
        ...
        ValueError: sac needs a Box action space, but CartPole-v1 has Discrete(2)
    """
    return common.zoo_config("sac", ZOO, SACConfig(), env_id)


LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0
#: The losses of an update, as the progress columns after ``alpha``.
LOSSES = ("critic_loss", "actor_loss", "alpha_loss")


class SquashedGaussianActor(Module):
    r"""The policy :math:`a = \tanh(u)`, :math:`u \sim \mathcal{N}(\mu(s), \sigma(s)^2)`.

    An MLP with ReLU gives the features; one linear head gives :math:`\mu` and
    :math:`\log\sigma` (clamped to ``[-20, 2]``). By the change of variables
    :math:`a = \tanh(u)`,

    .. math::

        \log \pi(a \mid s) = \sum_{j} \Big[\log \mathcal{N}(u_j; \mu_j, \sigma_j^2)
            - \log(1 - \tanh^2 u_j)\Big],
        \qquad \log(1 - \tanh^2 u) = 2\,(\log 2 - u - \operatorname{softplus}(-2u)),

    the right-hand form being exact and finite for every :math:`u` (no ``1e-6`` fudge).

    With an ``encoder`` (:func:`lagom.networks.make_encoder`, ``out_features == obs_dim``)
    the MLP takes its features of the observations (a :class:`~lagom.networks.TensorMap`
    for a ``Dict`` space).

    Example:
        >>> actor = SquashedGaussianActor(3, 2, [8])
        >>> actions, log_probs = actor.sample(torch.randn(4, 3))
        >>> actions.shape, log_probs.shape, bool(actions.abs().max() < 1)
        (torch.Size([4, 2]), torch.Size([4]), True)
        >>> box = gym.spaces.Box(-1, 1, (2,))
        >>> space = gym.spaces.Dict({"desired_goal": box, "observation": box})
        >>> encoder = common.observation_encoder(space)
        >>> goal_actor = SquashedGaussianActor(4, 2, [8], encoder=encoder)
        >>> obs = TensorMap({"desired_goal": torch.zeros(3, 2), "observation": torch.ones(3, 2)})
        >>> goal_actor.deterministic(obs).shape
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
        device: torch.device | None = None,
        *,
        encoder: nn.Module | None = None,
    ) -> None:
        super().__init__()
        check_int("obs_dim", obs_dim)
        action_dim = check_int("action_dim", action_dim)
        device = None if device is None else check_device("device", device)
        self.encoder = None if encoder is None else _checked_encoder(encoder, obs_dim)
        self.layers = make_fc(obs_dim, hidden_sizes, device=device)
        last = hidden_sizes[-1] if len(hidden_sizes) else obs_dim
        self.head = nn.Linear(last, 2 * action_dim, device=device)
        self._log_prob_offset = action_dim * (0.5 * math.log(2.0 * math.pi) + 2.0 * math.log(2.0))

    def forward(self, observations: torch.Tensor | TensorMap) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and clamped log standard deviation of :math:`u`, each ``[B, A]``."""
        x = _features(self.encoder, observations)
        for layer in self.layers:
            linear = cast(nn.Linear, layer)  # called through F.linear: no module-call overhead
            x = torch.relu(functional.linear(x, linear.weight, linear.bias))
        mean, log_std = functional.linear(x, self.head.weight, self.head.bias).chunk(2, dim=-1)
        return mean, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward

    def sample(self, observations: torch.Tensor | TensorMap) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Reparameterized actions ``[B, A]`` in ``(-1, 1)`` and their log-probabilities ``[B]``.

        With :math:`\epsilon \sim \mathcal{N}(0, I)` (torch's generator of the parameters'
        device) and :math:`u = \mu + \sigma\epsilon` the log-probability is
        :math:`\sum_j [2(u_j + \operatorname{softplus}(-2u_j)) - \log\sigma_j]
        - \tfrac12\lVert\epsilon\rVert^2 - A(\tfrac12\log 2\pi + 2\log 2)`, whose last two
        terms carry no gradient.
        """
        mean, log_std = self(observations)
        noise = torch.randn_like(mean)
        u = torch.addcmul(mean, log_std.exp(), noise)
        log_prob = (2.0 * (u + functional.softplus(-2.0 * u)) - log_std).sum(-1)
        constant = 0.5 * noise.square().sum(-1) + self._log_prob_offset
        return torch.tanh(u), log_prob - constant

    def sample_actions(self, observations: torch.Tensor | TensorMap) -> torch.Tensor:
        """The actions of :meth:`sample` (the same noise draw) without their log-probabilities."""
        mean, log_std = self(observations)
        return torch.tanh(torch.addcmul(mean, log_std.exp(), torch.randn_like(mean)))

    def deterministic(self, observations: torch.Tensor | TensorMap) -> torch.Tensor:
        r"""The mode's image :math:`\tanh(\mu(s))`, ``[B, A]``: the evaluation policy."""
        return torch.tanh(self(observations)[0])


def _checked_encoder(encoder: object, obs_dim: int) -> nn.Module:
    """``encoder`` when it is a module whose ``out_features`` is ``obs_dim``."""
    out = getattr(encoder, "out_features", None)
    if not isinstance(encoder, nn.Module) or not isinstance(out, int):
        raise TypeError(
            "encoder must be a module with an int out_features (lagom.networks.make_encoder), "
            f"got {type(encoder).__name__}"
        )
    if out != obs_dim:
        raise ValueError(f"obs_dim must be the encoder's out_features {out}, got {obs_dim}")
    return encoder


def _features(encoder: nn.Module | None, observations: torch.Tensor | TensorMap) -> torch.Tensor:
    """The encoder's features of ``observations``, or the observations themselves."""
    if encoder is not None:
        features: torch.Tensor = encoder(observations)
        return features
    if not isinstance(observations, torch.Tensor):
        raise TypeError("an actor without an encoder takes a tensor of observations, got a dict")
    return observations


def _check_observation_space(space: object, obs_dim: int) -> None:
    """Raise unless ``space`` is ``None`` or a gymnasium space of flat size ``obs_dim``."""
    if space is None:
        return
    if not isinstance(space, gym.spaces.Space):
        raise TypeError(f"observation_space must be a gymnasium space, got {type(space).__name__}")
    if gym.spaces.flatdim(space) != obs_dim:
        raise ValueError(
            f"obs_dim must be the flat size {gym.spaces.flatdim(space)} of observation_space, "
            f"got {obs_dim}"
        )


def _networks(
    observation_space: gym.spaces.Space[Any] | None,
    obs_dim: int,
    action_dim: int,
    hidden_sizes: Sequence[int],
    device: torch.device,
) -> tuple[SquashedGaussianActor, nn.Module]:
    """The actor and the critics: on flat observations, or on a ``Dict`` space's through an
    encoder each (:func:`~lagom.networks.make_encoder`)."""
    space = observation_space
    actor_encoder = None if space is None else common.observation_encoder(space, device)
    critic_encoder = None if space is None else common.observation_encoder(space, device)
    actor = SquashedGaussianActor(obs_dim, action_dim, hidden_sizes, device, encoder=actor_encoder)
    critic = QEnsemble(obs_dim, action_dim, hidden_sizes, n=2, device=device)
    if critic_encoder is None:
        return actor, critic
    return actor, common.EncodedCritic(critic_encoder, critic)


class SACAgent:
    """SAC's networks, optimizers (fused Adam) and update rule (the module's steps 1-4).

    With a ``Dict`` ``observation_space``, the actor and the critics take its observations
    (dicts of arrays, :class:`~lagom.networks.TensorMap` batches) through encoders of their
    own; ``obs_dim`` must then be its ``gymnasium.spaces.flatdim``.

    Example:
        >>> agent = SACAgent(3, 1, SACAgentConfig(hidden_sizes=(16,)), torch.device("cpu"))
        >>> obs, actions = torch.zeros(4, 3), torch.zeros(4, 1)
        >>> losses = agent.update(
        ...     common.TensorBatch(obs, actions, torch.ones(4), obs + 1, torch.zeros(4)))
        >>> sorted(losses), float(agent.alpha) < 1.0
        (['actor_loss', 'alpha_loss', 'critic_loss'], True)
        >>> box = gym.spaces.Box(-1, 1, (2,))
        >>> space = gym.spaces.Dict({"desired_goal": box, "observation": box})
        >>> goal_agent = SACAgent(4, 2, SACAgentConfig(hidden_sizes=(16,)), torch.device("cpu"),
        ...                       observation_space=space)
        >>> goal_agent.act({"desired_goal": np.zeros(2), "observation": np.ones(2)}).shape
        (2,)

    Raises:
        TypeError: a size is not an int, ``config`` is not a :class:`SACAgentConfig`,
            ``device`` is not a device, or ``observation_space`` not a gymnasium space.
        ValueError: a size is not positive, ``device`` names no device, or ``obs_dim`` is
            not the flat size of ``observation_space``.
    """

    #: The networks and optimizers a checkpoint holds (with the temperature).
    PARTS = ("actor", "critic", "critic_target", "actor_optimizer", "critic_optimizer")

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        config: SACAgentConfig,
        device: torch.device,
        *,
        observation_space: gym.spaces.Space[Any] | None = None,
    ) -> None:
        check_int("obs_dim", obs_dim)
        check_int("action_dim", action_dim)
        check_instance("config", config, SACAgentConfig)
        device = check_device("device", device)
        _check_observation_space(observation_space, obs_dim)
        self.device, self.gamma, self.tau = device, config.gamma, config.tau
        entropy = config.target_entropy
        self.target_entropy = -float(action_dim) if entropy is None else entropy
        self.actor, self.critic = _networks(
            observation_space, obs_dim, action_dim, config.hidden_sizes, device
        )
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.log_alpha = torch.tensor(
            [np.log(config.init_alpha)], dtype=torch.float32, device=device, requires_grad=True
        )
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), config.lr, fused=True)
        # The critics and the temperature step together (the module's step 1).
        critic_params = [*self.critic.parameters(), self.log_alpha]
        self.critic_optimizer = torch.optim.Adam(critic_params, config.lr, fused=True)
        self._critic_params = list(self.critic.parameters())
        self._target_params = list(self.critic_target.parameters())
        self.obs_dim, self.action_dim = obs_dim, action_dim
        # Acting reuses one input tensor: one copy per step, no new tensor.
        self._obs = torch.zeros(1, obs_dim, dtype=torch.float32)
        self._obs_np: Float32Array = self._obs.numpy()
        # Without encoders: the gradient step by hand (lagom.baselines._fused).
        self._fused = _fused.FusedSACStep.of(self)

    @property
    def alpha(self) -> torch.Tensor:
        r"""The current temperature :math:`\alpha = e^{\log\alpha}` (a detached tensor)."""
        return self.log_alpha.detach().exp()

    @torch.inference_mode()
    def act(self, observation: Float32Array | Mapping[str, NDArray[Any]]) -> Float32Array:
        """An action ``[A]`` in ``[-1, 1]`` sampled from the policy at one observation (a
        dict of arrays for a ``Dict`` space)."""
        obs: torch.Tensor | TensorMap
        if isinstance(observation, Mapping):
            batch = {key: np.asarray(x)[None] for key, x in observation.items()}
            obs = TensorMap(cast(dict[str, torch.Tensor], common.obs_tensor(batch, self.device)))
        else:
            self._obs_np[0] = observation
            obs = self._obs.to(self.device)
        out: Float32Array = self.actor.sample_actions(obs)[0].cpu().numpy()
        return out

    @torch.no_grad()
    def td_target(
        self, rewards: torch.Tensor, next_obs: torch.Tensor | TensorMap, terminated: torch.Tensor
    ) -> torch.Tensor:
        r"""The critics' target ``[B]``: :func:`lagom.metric.batched_td0_target` of the soft
        value :math:`\min_i \bar Q_i(s', a') - \alpha \log\pi(a'|s')`, :math:`a' \sim \pi(\cdot|s')`
        (one draw of torch's generator), written in torch."""
        next_actions, next_log_probs = self.actor.sample(next_obs)
        next_q: torch.Tensor = self.critic_target(next_obs, next_actions).amin(dim=1)
        return rewards + self.gamma * (1.0 - terminated) * (next_q - self.alpha * next_log_probs)

    def update(self, batch: common.TensorBatch) -> dict[str, torch.Tensor]:
        """One gradient step of temperature, critics and actor on a minibatch (``[B, ...]``
        float32 tensors), then the target update.

        Returns:
            The step's losses as detached 0-d tensors (no device synchronization).

        Raises:
            TypeError: ``batch`` is not a :class:`~lagom.baselines.common.TensorBatch` of
                tensors in the actor's dtype.
            ValueError: its shapes are not ``[B, obs_dim]``, ``[B, action_dim]`` and
                ``[B]``, or its tensors are not on the agent's device.
        """
        head = self.actor.head.weight
        batch = common.check_tensor_batch(batch, self.obs_dim, self.action_dim, head)
        fused = self._fused
        if fused is not None and not fused.is_for(self):
            fused = self._fused = _fused.FusedSACStep.of(self)
        if fused is not None and isinstance(batch.obs, torch.Tensor):
            return fused(batch)
        obs, actions, rewards, next_obs, terminated = batch
        alpha = self.alpha
        pi_actions, log_probs = self.actor.sample(obs)
        entropy_gap = (log_probs.detach() + self.target_entropy).mean()
        alpha_loss = -self.log_alpha.detach()[0] * entropy_gap
        target = self.td_target(rewards, next_obs, terminated)
        critic_loss = 0.5 * (self.critic(obs, actions) - target[:, None]).square().mean(0).sum()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.log_alpha.grad = -entropy_gap.reshape(1)
        self.critic_optimizer.step()

        # Frozen critics: the actor's backward computes no gradient for them.
        for p in self._critic_params:
            p.requires_grad_(False)
        q_pi = self.critic(obs, pi_actions).amin(dim=1)
        for p in self._critic_params:
            p.requires_grad_(True)
        actor_loss = (alpha * log_probs - q_pi).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        polyak_update_(self._target_params, self._critic_params, self.tau)
        losses = {"critic_loss": critic_loss, "actor_loss": actor_loss, "alpha_loss": alpha_loss}
        return {key: loss.detach() for key, loss in losses.items()}

    def state_dict(self) -> dict[str, Any]:
        """Networks, optimizers and temperature, for checkpoints."""
        state = {name: getattr(self, name).state_dict() for name in self.PARTS}
        return {**state, "log_alpha": self.log_alpha.detach().clone()}

    def policy_tensors(self) -> dict[str, Any]:
        """What ``policy.pt`` (and ``best_policy.pt``) hold: the actor's weights."""
        return {"actor": self.actor.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for name in self.PARTS:
            getattr(self, name).load_state_dict(state[name])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])


def train(config: SACConfig, seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train SAC as ``config`` says; write the run's files (see the module) into ``logdir``,
    resuming from its checkpoint when there is one.

    Returns:
        The final evaluation (``return_mean``, ...), or ``{}`` when ``train.stop_at`` stopped
        the run early (call again to continue).

    Raises:
        TypeError: ``config`` is not this algorithm's configuration, ``seed`` not an int or
            ``logdir`` not a path (:func:`~lagom.baselines.common.check_run`).
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]`` or ``device`` unknown.

    Example:
        >>> import tempfile
        >>> config = SACConfig(
        ...     train=common.OffPolicyTrainConfig(timesteps=120),  # 20 updates after 100 steps
        ...     agent=SACAgentConfig(hidden_sizes=(16,)),
        ...     eval=common.OffPolicyEvalConfig(episodes=2),
        ... )
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = train(config, 0, "cpu", Path(logdir))
        >>> metrics["episodes"], metrics["horizon_mean"]  # Pendulum's episodes: 200 steps
        (2.0, 200.0)
    """
    common.check_run(config, SACConfig, seed, device, logdir)
    collector, dev = common.ReplayCollector.start(logdir, "sac", config, seed, device)
    sizes = collector.buffer.obs_dim, collector.buffer.action_dim
    agent = SACAgent(*sizes, config.agent, dev, observation_space=collector.env.observation_space)
    collector.resume(logdir, agent)
    logger = common.progress_logger(logdir, rows=collector.iteration, sinks=config.train.log)
    losses: Mapping[str, torch.Tensor | None] = dict.fromkeys(LOSSES)
    while collector.timesteps < config.train.timesteps:
        for _ in range(collector.iteration_steps(config.train)):
            exploring = collector.timesteps < config.agent.learning_starts
            collector.step(collector.random_action() if exploring else agent.act(collector.obs))
            for _ in range(collector.updates_due(config.agent)):
                batch = collector.buffer.sample(config.agent.batch_size)
                losses = agent.update(common.replay_tensors(batch, dev))
        row = collector.row({"alpha": agent.alpha, **losses})
        row |= collector.periodic(logdir, agent.actor.deterministic, dev, agent.policy_tensors)
        common.write_row(logger, row)
        if collector.checkpoint(logdir, config.train, agent):
            return {}
    return collector.evaluate(logdir, agent.actor.deterministic, dev, config.eval.episodes, seed)


def run(
    config: Mapping[str, Any] | SACConfig, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """:func:`train` with ``config`` as dotted keys over :func:`default_config` of its
    ``env.id`` (default ``Pendulum-v1``): the entry of ``lagom train`` and ``run_experiment``.

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or ``seed`` or
            ``logdir`` has the wrong type.
        ValueError: an unknown key (with close matches), a value of the wrong type or out of
            range, or an environment without Box observations and actions.

    Example:
        >>> import tempfile
        >>> small = {"train.timesteps": 110, "train.log_interval": 55, "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(small | {"agent.hidden_sizes": [16]}, 0, "cpu", Path(logdir))
        ...     sorted(path.name for path in Path(logdir).iterdir())
        ['checkpoint.pt', 'config.yml', 'final_eval.yml', 'policy.pt', 'progress.csv', 'run.yml']
    """
    return train(common.resolve_config(default_config, config, DEFAULT_ENV), seed, device, logdir)


def make_policy(
    run_dir: Path, device: str, *, deterministic: bool = True, name: str = common.POLICY_FILE
) -> common.Policy:
    """The trained deterministic policy :math:`\\tanh(\\mu(s))` of a SAC run, from its policy
    file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one): observations
    ``[B, ...]`` (a dict of them for a ``Dict`` space) to actions ``[B, A]`` within the
    action bounds (numpy in and out). With ``deterministic=False``, the policy that samples
    (:meth:`SquashedGaussianActor.sample_actions`, torch's global generator), as ``lagom
    eval --stochastic`` acts.

    Raises:
        TypeError: ``run_dir`` is not a str or path, ``deterministic`` not a bool or ``name``
            not a str.
        ValueError: ``run_dir`` is not a run folder or holds no file ``name``. The policy
            raises ``ValueError`` on what is no batch of the environment's observations.

    Example:
        >>> import tempfile
        >>> small = {"train.timesteps": 130, "agent.hidden_sizes": [8], "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(small, 1, "cpu", Path(logdir))
        ...     act = make_policy(Path(logdir), "cpu")
        >>> act(np.zeros((5, 3))).shape  # Pendulum-v1: 3 observations, 1 action in [-2, 2]
        (5, 1)
    """
    check_bool("deterministic", deterministic)
    actor, space, dev = load_actor(run_dir, device, name=name)
    obs_space = common.check_spaces(
        "sac",
        common.load_run_config(run_dir, default_config).env.id,
        observation=common.OFF_POLICY_OBSERVATIONS,
        action=(gym.spaces.Box,),
    )[0]
    act = actor.deterministic if deterministic else actor.sample_actions
    return common.checked_policy(common.box_policy(act, space, dev), obs_space)


def load_actor(
    run_dir: Path, device: str, *, name: str = common.POLICY_FILE
) -> tuple[SquashedGaussianActor, gym.spaces.Box, torch.device]:
    """The trained actor of a SAC run folder (in eval mode, on ``device``) from its policy
    file ``name``, its action space and the device: what :func:`make_policy` and ``lagom
    eval --stochastic`` (which samples with :meth:`SquashedGaussianActor.sample_actions`)
    act with.

    Raises:
        TypeError: ``run_dir`` is not a str or path, or ``name`` not a str.
        ValueError: ``run_dir`` is not a run folder or holds no file ``name``.

    Example:
        >>> import tempfile
        >>> small = {"train.timesteps": 130, "agent.hidden_sizes": [8], "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(small, 1, "cpu", Path(logdir))
        ...     actor, space, device = load_actor(Path(logdir), "cpu")
        >>> type(actor).__name__, space.shape, actor.training
        ('SquashedGaussianActor', (1,), False)
    """
    config, space, obs_dim, saved = common.load_trained(run_dir, default_config, "sac", name=name)
    dev = common.choose_device(device)
    obs_space, _ = common.check_spaces(
        "sac", config.env.id, observation=common.OFF_POLICY_OBSERVATIONS, action=(gym.spaces.Box,)
    )
    encoder = common.observation_encoder(obs_space, dev)
    hidden = config.agent.hidden_sizes
    actor = SquashedGaussianActor(obs_dim, space.shape[0], hidden, dev, encoder=encoder)
    actor.load_state_dict(saved["actor"])
    return actor.eval(), space, dev


#: SAC's record for ``lagom train/eval/list``.
ALGORITHM = common.offpolicy_algorithm("sac", SUMMARY, run, default_config, make_policy)
