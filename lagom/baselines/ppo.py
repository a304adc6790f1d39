r"""Proximal Policy Optimization (clipped surrogate) on vectorized environments.

PPO (Schulman et al., 2017) as Stable-Baselines3 runs it. Each iteration collects ``T`` steps
of ``N`` environments (:func:`collect`, through :class:`~lagom.runner.VecStepRunner`) and
computes GAE on the true next observations ``s'_t`` (:func:`~lagom.metric.batched_gae`)::

    δ_t = r_t + γ (1 - terminated_t) V(s'_t) - V(s_t),   A_t = δ_t + γ λ (1 - done_t) A_{t+1}

so a time-limit truncation bootstraps from ``V`` of its final observation and a termination
does not; the value targets are ``R_t = A_t + V(s_t)``. Then :func:`update` runs ``n_epochs``
passes over shuffled minibatches, each one Adam step (eps 1e-5, gradient norm clipped to
``max_grad_norm``) on::

    r = exp(log π(a|s) - log π_old(a|s)),   Â = (A - mean A) / (std A + 1e-8)
    L = -mean(min(r Â, clip(r, 1 - ε, 1 + ε) Â)) + vf_coef · mean((V(s) - R)²) - ent_coef · mean(H)

with ``V`` kept within ``V_old ± clip_range_vf`` when that is set. For an actor-critic
without an encoder the step is :class:`~lagom.baselines._fused.FusedPPOStep`, this loss's
gradient written out by hand (the autograd code in :func:`update` is its reference and
tests). A ``"linear"`` learning rate
or ``ε`` is ``LinearSchedule(initial, 0, N=train.timesteps)`` at the env steps done after the
iteration's collection; ``"constant"`` keeps the initial value.

A run folder holds ``run.yml``, ``config.yml``, ``progress.csv`` (a row per iteration),
``checkpoint.pt`` (every ``train.checkpoint_every`` iterations and at the end: networks,
optimizer, the environment stack's state as data and every random generator, so a resumed run on CPU
matches an uninterrupted one) and ``final_eval.yml``.

Image observations (MinAtar, Atari through :func:`lagom.baselines.common.make_env`) and
``Dict`` observations go through one encoder shared by actor and critic
(``agent.encoder``, :func:`lagom.networks.make_encoder`) and stay in their own dtype (uint8
frames) in the rollout and the batch. :mod:`lagom.baselines.vpg` reuses the
config sections, :class:`ActorCritic`, :func:`collect` and :class:`Learner`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast

import gymnasium as gym
import numpy as np
import torch
from attrs import AttrsInstance
from gymnasium import spaces
from torch import nn
from torch.nn import functional

from lagom._checks import (
    check_bool,
    check_device,
    check_discount,
    check_instance,
    check_path,
    check_real,
    check_seed,
    check_str,
)
from lagom._types import Float32Array, NDArray
from lagom.baselines import common
from lagom.baselines._fused import LOG_SQRT_2PI, FusedPPOStep, normalized, steps_exactly, tanh
from lagom.baselines.algorithm import Algorithm
from lagom.baselines.configs.ppo import (
    DEFAULT_ENV,
    ZOO,
    AgentConfig,
    EnvConfig,
    EvalConfig,
    PPOAgentConfig,
    PPOConfig,
    PPOTrainConfig,
    Schedule,
    TrainConfig,
)
from lagom.envs import (
    VecEnvWrapper,
    VecNormalizeDictObservation,
    VecNormalizeObservation,
    VecNormalizeReward,
    VecRecordEpisodeStatistics,
    make_native_vec_env,
    make_vec_env,
)
from lagom.metric import batched_gae
from lagom.networks import (
    CategoricalHead,
    DiagGaussianHead,
    EncoderKind,
    Module,
    TensorMap,
    make_encoder,
    make_fc,
    ortho_init,
)
from lagom.runner import VecStepRunner
from lagom.transform import LinearSchedule, explained_variance
from lagom.utils import set_global_seeds

__all__ = [
    "ALGORITHM", "DEFAULT_ENV", "ZOO", "ActorCritic", "AgentConfig", "Batch", "EnvConfig",
    "EvalConfig", "Learner", "OnPolicyConfig", "PPOAgentConfig", "PPOConfig", "PPOTrainConfig",
    "TrainConfig", "TrainEnv", "collect", "default_config", "load_policy", "make_policy",
    "make_train_env", "run", "train", "update",
]  # fmt: skip

# The configuration, read top to bottom like this file, is in lagom.baselines.configs.ppo
# (importable without torch): DEFAULT_ENV, EnvConfig, AgentConfig/PPOAgentConfig,
# TrainConfig/PPOTrainConfig, EvalConfig, PPOConfig and the tuned ZOO.


def default_config(env_id: str = DEFAULT_ENV) -> PPOConfig:
    """The tuned configuration of ``env_id`` (:data:`~lagom.baselines.configs.ppo.ZOO`), else
    the defaults for it.

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` cannot be made or has unsupported spaces.

    >>> default_config("CartPole-v1").env.num_envs, default_config("Acrobot-v1").train.n_steps
    (8, 2048)
    """
    if env_id in ZOO:
        return ZOO[env_id]
    common.check_spaces("ppo", env_id, observation=_OBSERVATIONS)
    return PPOConfig(env=EnvConfig(id=env_id))


_OBSERVATIONS: tuple[type[gym.Space[Any]], ...] = (spaces.Dict, spaces.Box)


def _needs_encoder(space: spaces.Space[Any], kind: EncoderKind) -> bool:
    """Whether observations of ``space`` go through an encoder (images, Dicts, ``"cnn"``)."""
    return isinstance(space, spaces.Dict) or kind == "cnn" or len(space.shape or ()) > 1


class OnPolicyConfig(AttrsInstance, Protocol):
    """What :class:`Learner` reads of a configuration (PPO's and VPG's have it).

    >>> config: OnPolicyConfig = PPOConfig()
    """

    @property
    def env(self) -> EnvConfig:
        """The training environments."""

    @property
    def agent(self) -> AgentConfig:
        """The actor-critic and its loss."""

    @property
    def train(self) -> TrainConfig:
        """The loop."""

    @property
    def eval(self) -> EvalConfig:
        """The final evaluation."""


class ActorCritic(Module):
    """Separate actor and critic MLPs (Stable-Baselines3's ``MlpPolicy``); log-probabilities
    and entropies in closed form, cheaper than ``torch.distributions`` on small batches.

    Discrete actions: ``π(a|s) = softmax(logits(s))_a``. Box actions: ``N(μ(s), diag(σ²))``
    with a state-independent ``log σ``, sampled unbounded (:meth:`choose_action` clips them
    to the bounds for ``env.step``). ``agent`` gives the layers and initialization.

    Raises:
        TypeError: an observation space other than Box, an action space other than
            Discrete or Box, an ``agent`` that is not an :class:`AgentConfig`, or a
            ``device`` that is not a device.
        ValueError: ``device`` names no device.

    Example:
        >>> ac = ActorCritic(spaces.Box(-1, 1, (3,)), spaces.Discrete(2), AgentConfig(), "cpu")
        >>> obs = torch.zeros(5, 3)
        >>> ac.sample(obs).shape, ac.value(obs).shape, ac.choose_action(obs.numpy())["action"].shape
        (torch.Size([5]), torch.Size([5]), (5,))
        >>> logp, entropy = ac.log_prob_entropy(obs, torch.tensor([0, 1, 0, 1, 0]))
        >>> bool(torch.allclose(entropy, torch.full((5,), math.log(2.0)), atol=1e-3))
        True
    """

    def __init__(
        self,
        observation_space: spaces.Space[Any],
        action_space: spaces.Space[Any],
        agent: AgentConfig,
        device: torch.device | str,
    ) -> None:
        super().__init__()
        if not isinstance(observation_space, (spaces.Box, spaces.Dict)):
            raise TypeError(
                "observation_space must be a Box or a Dict (ActorCritic needs a Dict or Box "
                f"observation space), got {observation_space!r:.60}"
            )
        check_instance("agent", agent, AgentConfig)
        self.device, hidden = check_device("device", device), agent.hidden_sizes
        self.encoder: nn.Module | None = None
        if _needs_encoder(observation_space, agent.encoder):
            self.encoder = make_encoder(observation_space, agent.encoder, device=self.device)
            obs_dim = int(self.encoder.out_features)
        else:
            obs_dim = spaces.flatdim(observation_space)
        # tanh: numpy's kernel on the CPU, several times torch's speed there (_fused.tanh).
        self.activation = tanh if agent.activation == "tanh" else torch.relu
        self.actor = make_fc(obs_dim, hidden, device=self.device)
        self.critic = make_fc(obs_dim, hidden, device=self.device)
        features = hidden[-1] if hidden else obs_dim
        self.discrete = isinstance(action_space, spaces.Discrete)
        self.box = action_space if isinstance(action_space, spaces.Box) else None
        self.head: CategoricalHead | DiagGaussianHead
        if isinstance(action_space, spaces.Discrete):
            self.head = CategoricalHead(features, int(action_space.n), self.device)
            self.policy_out: nn.Linear = self.head.action_head
        elif self.box is not None:
            action_dim, std0 = int(np.prod(self.box.shape)), math.exp(agent.log_std_init)
            self.head = DiagGaussianHead(features, action_dim, self.device, std0)
            self.policy_out = self.head.mean_head
        else:
            raise TypeError(
                "action_space must be a Discrete or a Box (ActorCritic needs a Discrete or Box "
                f"action space), got {action_space!r:.60}"
            )
        self.value_head = nn.Linear(features, 1, device=self.device)
        #: The flat parameter buffer and the parameters viewing it (``_flatten``), or None.
        self.flat: tuple[nn.Parameter, list[nn.Parameter]] | None = None
        if agent.ortho_init:
            encoder_layers = [] if self.encoder is None else self.encoder.modules()
            for layer in encoder_layers:
                if isinstance(layer, (nn.Linear, nn.Conv2d)):
                    ortho_init(layer, weight_scale=math.sqrt(2.0))
            for layer in [*self.actor, *self.critic]:
                ortho_init(layer, weight_scale=math.sqrt(2.0))
            ortho_init(self.value_head, weight_scale=1.0)

    def _input(self, obs: torch.Tensor | TensorMap) -> torch.Tensor:
        x: torch.Tensor
        if self.encoder is not None:
            x = self.encoder(obs)
        elif isinstance(obs, torch.Tensor):
            x = obs.reshape(len(obs), -1)
        else:
            raise TypeError("an ActorCritic of a Box observation space takes a tensor, got a dict")
        return x

    def _mlp(self, layers: nn.ModuleList, obs: torch.Tensor | TensorMap) -> torch.Tensor:
        x = self._input(obs)
        for layer in layers:
            x = self.activation(layer(x))
        return x

    def policy_params(self, obs: torch.Tensor | TensorMap) -> torch.Tensor:
        """The logits (discrete) or the means ``μ(s)`` (Box), ``[B, A]``."""
        out: torch.Tensor = self.policy_out(self._mlp(self.actor, obs))
        return out

    def value(self, obs: torch.Tensor | TensorMap) -> torch.Tensor:
        """``V(s)`` ``[B]`` of observations ``[B, *shape]``."""
        out: torch.Tensor = self.value_head(self._mlp(self.critic, obs))
        return out.squeeze(-1)

    def sample(self, obs: torch.Tensor | TensorMap) -> torch.Tensor:
        """``a ~ π(·|s)``: ``[B]`` integers (Gumbel-max on the logits) or ``[B, A]`` floats."""
        params = self.policy_params(obs)
        if self.discrete:
            return (params - torch.log(-torch.log(torch.rand_like(params)))).argmax(-1)
        return params + self._log_std().exp() * torch.randn_like(params)

    def mode(self, obs: torch.Tensor | TensorMap) -> torch.Tensor:
        """The most likely actions: the argmax of the logits or ``μ(s)``."""
        params = self.policy_params(obs)
        return params.argmax(-1) if self.discrete else params

    def log_prob_entropy(
        self, obs: torch.Tensor | TensorMap, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``log π(a|s)`` and the entropy of ``π(·|s)``, both ``[B]``.

        Discrete: ``log softmax(logits)_a`` and ``-Σ p log p``. Box: ``Σ_i -(a_i - μ_i)² /
        (2σ_i²) - log σ_i - log √(2π)`` and ``Σ_i 1/2 + log √(2π) + log σ_i``.
        """
        return self._log_prob_entropy(self.policy_params(obs), actions)

    def _log_prob_entropy(
        self, params: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.discrete:
            logp_all = functional.log_softmax(params, dim=-1)
            logp = logp_all.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
            return logp, -(logp_all.exp() * logp_all).sum(-1)
        log_std = self._log_std()
        z = (actions.reshape(params.shape) - params) * torch.exp(-log_std)
        logp = (-0.5 * z.square() - log_std - LOG_SQRT_2PI).sum(-1)
        return logp, (0.5 + LOG_SQRT_2PI + log_std).sum().expand(len(params))

    def evaluate(
        self, obs: torch.Tensor | TensorMap, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``log π(a|s)``, the entropy of ``π(·|s)`` and ``V(s)``, all ``[B]``, in one pass
        (the input prepared once): what a PPO minibatch step differentiates."""
        x = self._input(obs)
        h = x
        for layer in self.actor:
            h = self.activation(layer(h))
        params: torch.Tensor = self.policy_out(h)
        for layer in self.critic:
            x = self.activation(layer(x))
        values: torch.Tensor = self.value_head(x)
        logp, entropy = self._log_prob_entropy(params, actions)
        return logp, entropy, values.squeeze(-1)

    def flatten_parameters(self) -> nn.Parameter:
        """Put the parameters in one flat buffer, each parameter a view of it, and return the
        buffer: an optimizer over it steps all weights at once (:meth:`optimizer_step`). The
        ``state_dict`` keeps its keys and shapes."""
        params = list(self.parameters())
        flat = nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
        offset = 0
        for p in params:
            p.data = flat.data[offset : offset + p.numel()].view_as(p)
            offset += p.numel()
        self.flat = (flat, params)
        return flat

    def optimizer_step(
        self, optimizer: torch.optim.Optimizer, loss: torch.Tensor, max_grad_norm: float
    ) -> torch.Tensor:
        """Backpropagate ``loss``, scale the gradient to a global norm of at most
        ``max_grad_norm`` and step ``optimizer``; returns the norm before clipping.

        An optimizer over the buffer of :meth:`flatten_parameters` gets the gradient as one
        tensor: one norm, one scaling, one fused step. Any other optimizer: ``clip_grad_norm_``
        over the parameters, then its step.

        Raises:
            ValueError: ``max_grad_norm`` is not a positive number.
        """
        if not max_grad_norm > 0.0:
            raise ValueError(f"max_grad_norm must be a positive number, got {max_grad_norm!r}")
        flat = self.flat
        if flat is not None and steps_exactly(optimizer, [flat[0]]):
            buffer, params = flat
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            grad = torch.cat(
                [
                    (torch.zeros_like(p) if g is None else g).reshape(-1)
                    for p, g in zip(params, grads, strict=True)
                ]
            )
            norm: torch.Tensor = torch.linalg.vector_norm(grad)
            grad.mul_((max_grad_norm / (norm + 1e-6)).clamp_(max=1.0))
            buffer.grad = grad
            optimizer.step()
            return norm
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        params = list(self.parameters())
        norm = nn.utils.clip_grad_norm_(params, max_grad_norm, foreach=True)
        optimizer.step()
        return norm

    def _log_std(self) -> torch.Tensor:
        if not isinstance(self.head, DiagGaussianHead):
            raise TypeError("a discrete policy has no standard deviation")
        log_std: torch.Tensor = self.head.logstd_head
        return log_std

    def choose_action(
        self, x: NDArray[Any], *, deterministic: bool = False, **kwargs: Any
    ) -> dict[str, NDArray[Any]]:
        """For a runner: ``"action"``, sampled from ``π(·|x)`` (its mode when
        ``deterministic``), and ``"raw_action"``, the same clipped to a Box's bounds; numpy."""
        with torch.inference_mode():
            obs: torch.Tensor | TensorMap
            if self.encoder is None:
                obs = torch.as_tensor(x, dtype=torch.float32, device=self.device)
            else:
                obs = _as_obs(common.obs_tensor(x, self.device))
            action = (self.mode(obs) if deterministic else self.sample(obs)).cpu()
        out = action.numpy()
        if self.box is None:
            return {"raw_action": out, "action": out}
        raw = np.clip(out.reshape(len(out), *self.box.shape), self.box.low, self.box.high)
        return {"raw_action": raw, "action": out}


def _as_obs(x: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor | TensorMap:
    return TensorMap(x) if isinstance(x, dict) else x


def _spaces(env_id: str) -> tuple[spaces.Space[Any], spaces.Space[Any]]:
    env = common.make_env(env_id)
    observation_space, action_space = env.observation_space, env.action_space
    env.close()
    return observation_space, action_space


def _make_model(env_id: str, agent: AgentConfig, device: torch.device | str) -> ActorCritic:
    return ActorCritic(*_spaces(env_id), agent, device)


#: Means or variances of an observation standardization: an array for a Box space, a dict
#: of arrays by normalized key for a Dict space.
Moments = NDArray[np.float64] | dict[str, NDArray[np.float64]]
#: ``(mean, var, clip)`` of a frozen observation standardization.
ObsMoments = tuple[Moments, Moments, float]


class TrainEnv(NamedTuple):
    """The training environments, their episode recorder, observation standardizer (or
    ``None``) and the runner collecting from them, checkpointed together as data.

    >>> train_env = make_train_env(EnvConfig(num_envs=2), gamma=0.99, seed=0)
    >>> train_env.env.num_envs, train_env.train_return(), train_env.obs_moments()
    (2, nan, None)
    """

    env: VecEnvWrapper
    stats: VecRecordEpisodeStatistics
    normalizer: VecNormalizeObservation | VecNormalizeDictObservation | None
    runner: VecStepRunner

    def train_return(self) -> float:
        """Mean return of the last 100 finished training episodes (NaN before the first)."""
        queue = self.stats.return_queue
        return float(np.mean(queue)) if queue else float("nan")

    def obs_moments(self) -> ObsMoments | None:
        """A copy of the observation standardization's moments and clip (``None`` without)."""
        norm = self.normalizer
        if isinstance(norm, VecNormalizeDictObservation):
            keys = norm.key_moments
            if not keys:
                return None
            means = {key: np.array(m.mean) for key, m in keys.items()}
            return means, {key: np.array(m.var) for key, m in keys.items()}, norm.clip
        if norm is None or norm.obs_moments is None:
            return None
        return np.array(norm.obs_moments.mean), np.array(norm.obs_moments.var), norm.clip


def make_train_env(env: EnvConfig, gamma: float, seed: int) -> TrainEnv:
    """``env.num_envs`` copies of ``env.id`` with same-step autoreset seeded with ``seed``
    (gymnasium's numpy-vectorized CartPole when ``env.native``), episode statistics on the raw
    rewards, then the standardizations ``env`` asks for (the reward's with discount ``gamma``).

    Raises:
        TypeError: ``env`` is not an :class:`EnvConfig`, or ``gamma`` or ``seed`` has the
            wrong type.
        ValueError: ``gamma`` is outside ``[0, 1]`` or ``seed`` outside ``[0, 2**32 - 1]``.

    >>> make_train_env(EnvConfig(normalize_obs=True), gamma=0.99, seed=0).obs_moments()[2]
    10.0
    """
    check_instance("env", env, EnvConfig)
    gamma = check_discount("gamma", gamma)
    seed = check_seed("seed", seed)
    if env.native and env.id == "CartPole-v1":
        vec: Any = make_native_vec_env(env.id, env.num_envs, init_seed=seed)
    else:
        vec = make_vec_env(lambda: common.make_env(env.id), env.num_envs, init_seed=seed)
    stats = vec = VecRecordEpisodeStatistics(vec)
    normalizer: VecNormalizeObservation | VecNormalizeDictObservation | None = None
    if env.normalize_obs and isinstance(vec.single_observation_space, gym.spaces.Dict):
        normalizer = VecNormalizeDictObservation(vec, env.clip_obs)  # its float keys
    elif env.normalize_obs:
        normalizer = VecNormalizeObservation(vec, env.clip_obs)
    vec = vec if normalizer is None else normalizer
    if env.normalize_reward:
        vec = VecNormalizeReward(vec, clip=env.clip_reward, gamma=gamma)
    return TrainEnv(vec, stats, normalizer, VecStepRunner())


class Batch(NamedTuple):
    """``B = T·N`` transitions, time-major, on the model's device: ``observations`` ``[B, D]``
    (through an encoder: ``[B, *shape]`` in the space's dtype, a
    :class:`~lagom.networks.TensorMap` for a Dict),
    the sampled (unclipped) ``actions`` ``[B]`` or ``[B, A]``, ``log_probs`` ``log π_old(a|s)``,
    ``values`` ``V_old(s)``, GAE ``advantages`` ``A`` and ``returns`` ``A + V_old(s)``, ``[B]``.

    >>> Batch(*(torch.zeros(4) for _ in range(6))).returns.shape
    torch.Size([4])
    """

    observations: torch.Tensor | TensorMap
    actions: torch.Tensor
    log_probs: torch.Tensor
    values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor


def collect(model: ActorCritic, train_env: TrainEnv, T: int, gamma: float, lam: float) -> Batch:
    """Run ``T`` steps of each environment (continuing the episodes of the last call), then
    evaluate the critic on all observations and true next observations in one batch and
    compute the GAE advantages (see the module docstring).

    Raises:
        TypeError: ``model`` is not an :class:`ActorCritic`, ``train_env`` not a
            :class:`TrainEnv`, or a number has the wrong type.
        ValueError: ``T < 1``, or ``gamma`` or ``lam`` outside ``[0, 1]``.

    >>> model = _make_model("CartPole-v1", AgentConfig(), "cpu")
    >>> batch = collect(model, make_train_env(EnvConfig(num_envs=3), 0.99, 0), 5, 0.99, 0.95)
    >>> batch.observations.shape, bool(torch.equal(batch.returns, batch.advantages + batch.values))
    (torch.Size([15, 4]), True)
    """
    check_instance("model", model, ActorCritic)
    check_instance("train_env", train_env, TrainEnv)
    rollout, outputs = train_env.runner(model, train_env.env, T=T)
    n, device = rollout.rewards.size, model.device

    def tensor(x: NDArray[Any], dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.tensor(x, dtype=dtype, device=device)  # a copy: rollout arrays are read-only

    observations: torch.Tensor | TensorMap
    next_observations: torch.Tensor | TensorMap
    if model.encoder is None:
        observations = tensor(np.asarray(rollout.observations).reshape(n, -1))
        next_observations = tensor(np.asarray(rollout.next_observations).reshape(n, -1))
        both: torch.Tensor | TensorMap = torch.cat([observations, next_observations])
    else:  # kept in their own dtype (uint8 frames), [n, *shape]
        observations, next_observations = (
            _rows(rollout.observations, n, device),
            _rows(rollout.next_observations, n, device),
        )
        both = _cat(observations, next_observations)
    action = outputs["action"]
    action_dtype = torch.int64 if model.discrete else torch.float32
    actions = tensor(action.reshape(n, *action.shape[2:]), action_dtype)
    with torch.no_grad():
        values = model.value(both)
        log_probs, _ = model.log_prob_entropy(observations, actions)
    v = values.cpu().numpy().reshape(2, *rollout.rewards.shape)
    rewards, terminated, truncated = rollout.rewards, rollout.terminated, rollout.truncated
    adv = batched_gae(
        gamma,
        lam,
        rewards.astype(np.float32),
        v[0],
        v[1],
        terminated=terminated,
        truncated=truncated,
    )
    advantages = tensor(adv.reshape(n))
    return Batch(observations, actions, log_probs, values[:n], advantages, advantages + values[:n])


def _rows(x: Any, n: int, device: torch.device) -> torch.Tensor | TensorMap:
    """Rollout observations ``[T, N, ...]`` (or a dict of them) as ``[n, ...]`` tensors."""
    if isinstance(x, Mapping):
        return TensorMap({k: _rows(v, n, device) for k, v in x.items()})  # type: ignore[misc]
    return torch.tensor(x.reshape(n, *x.shape[2:]), device=device)


def _cat(a: torch.Tensor | TensorMap, b: torch.Tensor | TensorMap) -> torch.Tensor | TensorMap:
    if isinstance(a, TensorMap) and isinstance(b, TensorMap):
        return TensorMap({key: torch.cat([a[key], b[key]]) for key in a})
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return torch.cat([a, b])
    raise TypeError("observations and next observations must be of one kind")


def _check_update(model: object, optimizer: object, batch: object) -> None:
    """Raise unless the three share the types :func:`update` (and VPG's) works on."""
    check_instance("model", model, ActorCritic)
    check_instance("optimizer", optimizer, torch.optim.Optimizer)
    check_instance("batch", batch, Batch)


def update(
    model: ActorCritic,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    config: PPOConfig,
    clip_range: float,
) -> dict[str, float]:
    """``train.n_epochs`` passes of clipped-surrogate steps on shuffled minibatches of
    ``batch`` (see the module docstring); ``clip_range`` is this iteration's ``ε``.

    Returns:
        the means over all minibatches of ``policy_loss``, ``value_loss``, ``entropy_loss``,
        ``approx_kl`` (``mean(r - 1 - log r)``) and ``clip_fraction`` (``|r - 1| > ε``).

    Raises:
        TypeError: an argument is not of its documented type.
        ValueError: ``clip_range`` is negative, NaN or infinite (0, which a linear schedule
            reaches at the end, keeps the ratio at 1).

    >>> model = _make_model("CartPole-v1", AgentConfig(), "cpu")
    >>> batch = collect(model, make_train_env(EnvConfig(num_envs=8), 0.99, 0), 32, 0.99, 0.95)
    >>> optimizer = torch.optim.Adam(model.parameters())
    >>> stats = update(model, optimizer, batch, default_config("CartPole-v1"), clip_range=0.2)
    >>> sorted(stats)
    ['approx_kl', 'clip_fraction', 'entropy_loss', 'policy_loss', 'value_loss']
    """
    _check_update(model, optimizer, batch)
    check_instance("config", config, PPOConfig)
    # Not positive: a linear clip_range_schedule reaches 0 at the last update.
    clip_range = check_real("clip_range", clip_range, low=0.0, finite=True)
    agent, n, batch_size = config.agent, len(batch.advantages), config.train.batch_size
    lo, hi, vf = 1.0 - clip_range, 1.0 + clip_range, agent.clip_range_vf
    normalize = agent.normalize_advantage
    slices = [slice(start, start + batch_size) for start in range(0, n, batch_size)]
    whole = len(slices) == 1  # one minibatch: no shuffle, its advantages normalized once
    advantages = batch.advantages
    if whole and normalize and n > 1:
        advantages, normalize = normalized(advantages), False
    losses: list[torch.Tensor] = []
    ratios: list[tuple[torch.Tensor, torch.Tensor]] = []
    # An MLP actor-critic whose optimizer steps its flat parameter buffer: the fused step.
    fused = FusedPPOStep.of(model, optimizer)
    for _ in range(config.train.n_epochs):
        obs, actions, old_log_probs, old_values = batch[:4]
        adv_epoch, returns = advantages, batch.returns
        if not whole:  # One gather per epoch; the minibatches are slices of it.
            perm = torch.randperm(n, device=model.device)
            obs = obs[perm]
            actions, old_log_probs, old_values = (
                actions[perm],
                old_log_probs[perm],
                old_values[perm],
            )
            adv_epoch, returns = adv_epoch[perm], returns[perm]
        for part in slices:
            if fused is not None:  # the same loss and gradient, written out by hand
                result = fused(
                    cast(torch.Tensor, obs[part]),
                    actions[part],
                    old_log_probs[part],
                    old_values[part],
                    adv_epoch[part],
                    returns[part],
                    lo=lo,
                    hi=hi,
                    clip_range_vf=vf,
                    vf_coef=agent.vf_coef,
                    ent_coef=agent.ent_coef,
                    normalize=normalize,
                    max_grad_norm=agent.max_grad_norm,
                )
                losses.append(result.losses)
                ratios.append((result.ratio, result.log_ratio))
                continue
            log_probs, entropy, values = model.evaluate(obs[part], actions[part])
            adv = adv_epoch[part]
            if normalize and len(adv) > 1:
                adv = normalized(adv)
            log_ratio = log_probs - old_log_probs[part]
            ratio = log_ratio.exp()
            policy_loss = -torch.min(adv * ratio, adv * ratio.clamp(lo, hi)).mean()
            if vf is not None:
                old = old_values[part]
                values = old + (values - old).clamp(-vf, vf)
            value_loss = functional.mse_loss(values, returns[part])
            entropy_loss = -entropy.mean()
            loss = policy_loss + agent.vf_coef * value_loss
            if agent.ent_coef != 0.0:  # 0 adds exact zeros to the gradient: left out
                loss = loss + agent.ent_coef * entropy_loss
            model.optimizer_step(optimizer, loss, agent.max_grad_norm)
            losses.append(torch.stack([policy_loss, value_loss, entropy_loss]).detach())
            ratios.append((ratio.detach(), log_ratio.detach()))
    with torch.no_grad():  # the statistics, once per call: no work per minibatch
        if all(len(r) == len(ratios[0][0]) for r, _ in ratios):
            ratio, log_ratio = (
                torch.stack([r for r, _ in ratios]),
                torch.stack([x for _, x in ratios]),
            )
            kl = ((ratio - 1.0) - log_ratio).mean(-1)
            clip_fraction = ((ratio - 1.0).abs() > clip_range).float().mean(-1)
        else:
            kl = torch.stack([((r - 1.0) - x).mean() for r, x in ratios])
            clip_fraction = torch.stack(
                [((r - 1.0).abs() > clip_range).float().mean() for r, _ in ratios]
            )
        stats = torch.cat(
            [
                torch.stack(losses).mean(0),
                kl.mean(0, keepdim=True),
                clip_fraction.mean(0, keepdim=True),
            ]
        )
    names = ("policy_loss", "value_loss", "entropy_loss", "approx_kl", "clip_fraction")
    return dict(zip(names, stats.tolist(), strict=True))


def _schedule(initial: float, kind: Schedule, timesteps: int) -> LinearSchedule:
    return LinearSchedule(initial, initial if kind == "constant" else 0.0, timesteps)


def _policy_tensors(model: ActorCritic, obs_moments: ObsMoments | None) -> dict[str, Any]:
    """What ``policy.pt`` holds: the network's ``state_dict`` and the observation statistics."""
    tensors: dict[str, Any] = {"model": model.state_dict()}
    if obs_moments is not None:
        mean, var, clip = obs_moments
        tensors["obs_moments"] = {
            "mean": _moment_tensors(mean),
            "var": _moment_tensors(var),
            "clip": torch.tensor(clip, dtype=torch.float64),
        }
    return tensors


def _moment_tensors(x: Moments) -> torch.Tensor | dict[str, torch.Tensor]:
    if isinstance(x, dict):
        return {key: torch.from_numpy(np.array(v, dtype=np.float64)) for key, v in x.items()}
    return torch.from_numpy(np.array(x, dtype=np.float64))


def _moment_arrays(x: torch.Tensor | Mapping[str, torch.Tensor]) -> Moments:
    if isinstance(x, Mapping):
        return {key: v.numpy() for key, v in x.items()}
    return x.numpy()


def _standardize(x: object, mean: NDArray[Any], var: NDArray[Any], clip: float) -> Float32Array:
    z = (np.asarray(x, dtype=np.float64) - mean) / np.sqrt(var + 1e-8)
    out: Float32Array = np.clip(z, -clip, clip).astype(np.float32)
    return out


def _policy(
    model: ActorCritic, obs_moments: ObsMoments | None, *, deterministic: bool = True
) -> common.Policy:
    """The policy: observations standardized as in training, then the mode (an action
    sampled from ``π(·|s)`` when not ``deterministic``)."""

    def policy(obs: Any) -> NDArray[Any]:
        if obs_moments is not None and isinstance(obs_moments[0], dict):
            means, variances = obs_moments[0], cast(dict[str, NDArray[Any]], obs_moments[1])
            obs = {
                key: _standardize(x, means[key], variances[key], obs_moments[2])
                if key in means
                else x
                for key, x in obs.items()
            }
        if model.encoder is not None:  # images and dicts: as the environment gives them
            return model.choose_action(obs, deterministic=deterministic)["raw_action"]
        if obs_moments is None:
            x = np.asarray(obs, dtype=np.float32)
        else:
            mean, var, clip = obs_moments
            x = _standardize(obs, cast(NDArray[Any], mean), cast(NDArray[Any], var), clip)
        return model.choose_action(x, deterministic=deterministic)["raw_action"]

    return policy


def _check_on_policy(config: object) -> None:
    """Raise unless ``config`` has the sections of an :class:`OnPolicyConfig`."""
    sections: tuple[tuple[str, type], ...] = (
        ("env", EnvConfig),
        ("agent", AgentConfig),
        ("train", TrainConfig),
        ("eval", EvalConfig),
    )
    if not all(isinstance(getattr(config, key, None), kind) for key, kind in sections):
        raise TypeError(
            "config must be an on-policy configuration (PPOConfig, VPGConfig), got "
            f"{type(config).__name__}"
        )


class Learner:
    """The state of one PPO or VPG run and the bookkeeping of its loop.

    Creating it writes ``run.yml`` and ``config.yml``, seeds every generator, builds the
    environments (:func:`make_train_env`), the :class:`ActorCritic` and its Adam optimizer
    (eps 1e-5, fused) over the flat parameter buffer of
    :meth:`ActorCritic.flatten_parameters` (so the optimizer state in ``checkpoint.pt`` is one
    tensor per moment), then resumes from ``logdir/checkpoint.pt`` when there is one.
    :meth:`collect` sets the learning rate (``agent.lr_schedule``) of the steps that follow.

    Raises:
        TypeError: ``name`` is not a str, ``config`` not an on-policy configuration, or
            ``seed``, ``device`` or ``logdir`` of the wrong type
            (:func:`~lagom.baselines.common.check_run`).
        ValueError: ``seed`` is out of range or ``device`` unknown.

    Example:
        >>> import tempfile
        >>> config = PPOConfig(train=PPOTrainConfig(timesteps=8, n_steps=8))
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     learner = Learner("ppo", config, seed=0, device="cpu", logdir=Path(logdir))
        ...     batch = learner.collect()
        ...     stopped = learner.end_iteration(batch, {})
        ...     metrics = learner.finish()
        >>> learner.iteration, learner.timesteps, stopped, metrics["episodes"]
        (1, 8, False, 20.0)
    """

    def __init__(
        self, name: str, config: OnPolicyConfig, seed: int, device: str, logdir: Path
    ) -> None:
        check_str("name", name)
        _check_on_policy(config)
        torch_device, logdir = common.check_run(config, object, seed, device, logdir)
        self.config, self.seed, self.logdir = config, seed, logdir
        common.start_run(self.logdir, name, config, seed)
        set_global_seeds(seed)
        self.train_env = make_train_env(config.env, config.agent.gamma, seed)
        self.model = _make_model(config.env.id, config.agent, torch_device)
        lr = config.agent.lr
        flat = self.model.flatten_parameters()
        self.optimizer = torch.optim.Adam([flat], lr=lr, eps=1e-5, fused=True)
        self.lr = _schedule(lr, config.agent.lr_schedule, config.train.timesteps)
        self.iteration, self.timesteps, elapsed = 0, 0, 0.0
        self.evaluation = common.PeriodicEvaluation.of(config, seed)
        state = common.load_checkpoint(self.logdir)
        if state is not None:
            with common.restoring_checkpoint(self.logdir, name):
                self.model.load_state_dict(state["model"])
                self.optimizer.load_state_dict(state["optimizer"])
                common.restore_env_checkpoint(tuple(self.train_env), state["env"])
                self.iteration, self.timesteps = state["iteration"], state["timesteps"]
                elapsed = state["time"]
                common.restore_rng_state(state["rng"])
                self.evaluation.restore(state.get("evaluation"))
        self.logger = common.progress_logger(self.logdir, self.iteration, config.train.log)
        self.t0 = time.perf_counter() - elapsed

    def collect(self) -> Batch:
        """The next batch (:func:`collect` with ``train.n_steps``, ``agent.gamma`` and
        ``agent.gae_lambda``); counts it and sets the learning rate at the new step count."""
        T, agent = self.config.train.n_steps, self.config.agent
        batch = collect(self.model, self.train_env, T, agent.gamma, agent.gae_lambda)
        self.iteration += 1
        self.timesteps += len(batch.advantages)
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr(self.timesteps)
        return batch

    def end_iteration(self, batch: Batch, stats: dict[str, float]) -> bool:
        """Write the progress row (counters, time, training return, explained variance of the
        values, learning rate, ``stats``) and checkpoint when due; ``True`` when
        ``train.stop_at`` ends the run here (after a checkpoint)."""
        ev = explained_variance(batch.returns.cpu().numpy(), batch.values.cpu().numpy())
        row = {
            "iteration": self.iteration,
            "timesteps": self.timesteps,
            "time": time.perf_counter() - self.t0,
            "train_return": self.train_env.train_return(),
            "explained_variance": ev,
            "lr": self.lr(self.timesteps),
        }
        moments = self.train_env.obs_moments()
        row |= self.evaluation(
            self.logdir,
            self.timesteps,
            _policy(self.model, moments),
            lambda: _policy_tensors(self.model, moments),
        )
        common.write_row(self.logger, row | stats)
        train = self.config.train
        stop = train.stop_at is not None and train.stop_at <= self.timesteps < train.timesteps
        if stop or self.iteration % train.checkpoint_every == 0:
            self.save()
        if stop:
            self.train_env.env.close()
        return stop

    def save(self) -> None:
        """Write ``checkpoint.pt``: all it takes to continue bit for bit."""
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "env": common.env_checkpoint(tuple(self.train_env)),
            "obs_moments": self.train_env.obs_moments(),
            "iteration": self.iteration,
            "timesteps": self.timesteps,
            "time": time.perf_counter() - self.t0,
            "rng": common.rng_state(),
            "evaluation": self.evaluation.state(),
        }
        common.save_checkpoint(self.logdir, state)
        common.save_policy(self.logdir, _policy_tensors(self.model, self.train_env.obs_moments()))

    def finish(self) -> dict[str, float]:
        """Save, close the environments, evaluate the deterministic policy (``eval.episodes``
        episodes, seeds ``seed + 10000 + i``) and write ``final_eval.yml``."""
        self.save()
        self.train_env.env.close()
        policy, env_id = _policy(self.model, self.train_env.obs_moments()), self.config.env.id
        episodes, seed = self.config.eval.episodes, self.seed + 10_000
        make = lambda: common.make_env(env_id, clip_reward=False)  # noqa: E731
        metrics = common.evaluate_policy(policy, make, episodes, seed)
        return common.finish(self.logdir, metrics | self.evaluation.summary())


def train(config: PPOConfig, seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train PPO into ``logdir``: the final evaluation, or ``{}`` when ``train.stop_at``
    stopped the run (see the module docstring for the files).

    Raises:
        TypeError: ``config`` is not this algorithm's configuration, ``seed`` not an int or
            ``logdir`` not a path (:func:`~lagom.baselines.common.check_run`).
        ValueError: ``seed`` is outside ``[0, 2**32 - 1]`` or ``device`` unknown.

    >>> import tempfile
    >>> config = PPOConfig(train=PPOTrainConfig(timesteps=64, n_steps=32), eval=EvalConfig(2))
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     metrics = train(config, seed=0, device="cpu", logdir=Path(logdir))
    ...     rows = (Path(logdir) / "progress.csv").read_text().splitlines()
    >>> len(rows), metrics["episodes"]
    (3, 2.0)
    """
    check_instance("config", config, PPOConfig)
    learner = Learner("ppo", config, seed, device, logdir)
    agent, total = config.agent, config.train.timesteps
    clip = _schedule(agent.clip_range, agent.clip_range_schedule, total)
    while learner.timesteps < total:
        batch = learner.collect()
        clip_range = clip(learner.timesteps)
        stats = update(learner.model, learner.optimizer, batch, config, clip_range)
        if learner.end_iteration(batch, stats | {"clip_range": clip_range}):
            return {}
    return learner.finish()


def run(
    config: Mapping[str, Any] | PPOConfig, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """:func:`train` with ``config``: a :class:`PPOConfig`, or dotted keys over the
    :func:`default_config` of its ``env.id`` (as ``run_experiment`` and ``lagom train`` call).

    Raises:
        TypeError: ``config`` is neither a dict of dotted keys nor the configuration, or ``seed`` or
            ``logdir`` has the wrong type.
        ValueError: an unknown key (with close matches), a wrong type or a bad value.

    >>> run({"agent.lrr": 1e-3}, 0, "cpu", Path("unused"))
    Traceback (most recent call last):
    ...
    ValueError: unknown config key 'agent.lrr'; did you mean 'agent.lr'?
    """
    return train(common.resolve_config(default_config, config, DEFAULT_ENV), seed, device, logdir)


def load_policy(
    run_dir: Path,
    device: str,
    config: OnPolicyConfig,
    *,
    deterministic: bool = True,
    name: str = common.POLICY_FILE,
) -> common.Policy:
    """The deterministic policy (numpy observations ``[B, *obs_shape]``, or a dict of them,
    to numpy actions) that a :class:`Learner` with ``config`` saved in ``run_dir``'s policy
    file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one); with
    ``deterministic=False``, the policy that samples its actions from ``π(·|s)`` (with
    torch's global generator), as ``lagom eval --stochastic`` acts.

    Raises:
        TypeError: ``run_dir`` is not a path, ``config`` not an on-policy configuration,
            ``deterministic`` not a bool or ``name`` not a str.
        ValueError: ``run_dir`` holds no file ``name`` (read weights-only: no code runs).
            The policy raises ``ValueError`` on what is no batch of the environment's
            observations.

    >>> load_policy(Path("/nonexistent"), "cpu", PPOConfig())
    Traceback (most recent call last):
    ...
    ValueError: /nonexistent holds no policy.pt to rebuild the policy from
    """
    _check_on_policy(config)
    check_path("run_dir", run_dir)
    state = common.load_policy_state(run_dir, name)
    observation_space, action_space = _spaces(config.env.id)
    model = ActorCritic(observation_space, action_space, config.agent, common.choose_device(device))
    model.load_state_dict(state["model"])
    saved = state.get("obs_moments")
    moments: ObsMoments | None = None
    if saved is not None:
        moments = (
            _moment_arrays(saved["mean"]),
            _moment_arrays(saved["var"]),
            float(saved["clip"]),
        )
    # A batch [B, *obs_shape] of the environment's observations, or a ValueError saying so.
    policy = _policy(
        model.eval(), moments, deterministic=check_bool("deterministic", deterministic)
    )
    return common.checked_policy(policy, observation_space)


def make_policy(run_dir: Path, device: str, *, name: str = common.POLICY_FILE) -> common.Policy:
    """The trained deterministic policy of the PPO run folder ``run_dir``, from its policy
    file ``name`` (``policy.pt``; ``best_policy.pt``: the best evaluated one).

    Raises:
        TypeError: ``run_dir`` is not a str or path, or ``name`` not a str.
        ValueError: ``run_dir`` is not a PPO run folder, holds no file ``name``, or
            ``device`` is unknown.

    >>> import tempfile
    >>> config = PPOConfig(train=PPOTrainConfig(timesteps=16, n_steps=16), eval=EvalConfig(1))
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     _ = train(config, 0, "cpu", Path(logdir))
    ...     actions = make_policy(Path(logdir), "cpu")(np.zeros((3, 4)))
    >>> actions.shape, set(actions.tolist()) <= {0, 1}
    ((3,), True)
    """
    check_path("run_dir", run_dir)
    config = common.load_run_config(run_dir, default_config)
    return load_policy(run_dir, device, config, name=name)


#: PPO's record for the ``lagom`` command.
ALGORITHM = Algorithm(
    name="ppo",
    summary="Proximal Policy Optimization: clipped surrogate, GAE, minibatch epochs",
    run=run,
    default_config=default_config,
    default_env=DEFAULT_ENV,
    action_spaces=("discrete", "continuous"),
    make_policy=make_policy,
)
