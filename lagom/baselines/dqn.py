r"""Deep Q-Network (DQN) for discrete actions: Double DQN, dueling heads, n-step returns and
prioritized replay.

One environment is stepped into a replay buffer (:class:`Learner`): uniformly random actions
for ``agent.learning_starts`` steps, then :math:`\epsilon`-greedy actions of the online
network :math:`Q`, :math:`\epsilon` moved linearly from ``agent.exploration_initial_eps`` to
``agent.exploration_final_eps`` over the first ``agent.exploration_fraction`` of the run
(:class:`lagom.transform.LinearSchedule`). Every ``agent.target_update_interval`` steps the
target network moves, :math:`\bar\theta \leftarrow (1 - \tau)\,\bar\theta + \tau\,\theta`
(:func:`lagom.networks.polyak_update_`; :math:`\tau = 1` copies). Every ``agent.train_freq``
steps after ``agent.learning_starts`` come ``agent.gradient_steps`` gradient steps, each on
a minibatch of n-step transitions (:meth:`lagom.runner.ReplayBuffer.n_step`, whose returns
are those of :func:`lagom.metric.batched_returns`):

1. target: with the window :math:`t, \dots, t + k` of at most ``agent.n_steps`` steps (fewer
   where the episode ended) and :math:`s' = s_{t+k+1}` the true observation after it,

   .. math::
       y = \sum_{j=0}^{k} \gamma^j r_{t+j+1}
           + \gamma^{k+1} (1 - d)\, \bar Q\big(s', \arg\max_a Q(s', a)\big)

   (Double DQN; with ``agent.double`` off, :math:`\max_a \bar Q(s', a)`): a truncated
   episode is bootstrapped from its final observation, a terminated one (:math:`d = 1`) is
   not;
2. loss: :math:`L = \operatorname{mean}_i\, w_i\, \ell(Q(s_i, a_i) - y_i)` with the Huber loss
   :math:`\ell` and :math:`w_i = 1`, or the importance weights of prioritized replay; the
   gradient's norm clipped to ``agent.max_grad_norm``; one Adam step (for a network without
   an encoder, :class:`~lagom.baselines._fused.FusedDQNStep` computes this gradient by hand;
   the autograd code of :meth:`DQNAgent.update` is its reference and tests);
3. prioritized replay (``replay.prioritized``, a :class:`lagom.runner.PrioritizedReplayBuffer`):
   transition :math:`i` is drawn with probability :math:`P(i) = p_i / \sum_k p_k` and
   weighted by :math:`w_i = (N P(i))^{-\beta} / \max_j (N P(j))^{-\beta}`, :math:`\beta` moved
   linearly from ``replay.beta`` to 1 over the run; after the step the minibatch's
   priorities become :math:`p_i = (|\delta_i| + \epsilon)^\alpha`,
   :math:`\delta_i = y_i - Q(s_i, a_i)`.

Observations: a flat Box goes through the MLP of ``agent.hidden_sizes`` as it is; images
(MinAtar's ``[10, 10, 4]`` bool, Atari's ``[4, 84, 84]`` uint8 frames of
:func:`lagom.baselines.common.make_env`) and ``Dict`` observations first through the
encoder of ``agent.encoder`` (:func:`lagom.networks.make_encoder`: a CNN for images, one
encoder per key for a Dict), and are kept in the replay buffer in their own dtype (uint8
frames stay one byte a pixel).

With ``agent.dueling``, :math:`Q(s, a) = V(s) + A(s, a) - \operatorname{mean}_{a'} A(s, a')`
(:class:`QNetwork`).

A run writes ``run.yml``, ``config.yml``, ``progress.csv`` (``iteration``, ``timesteps``,
``time``, ``train_return``, ``updates``, ``epsilon``, ``loss``, ``q_mean``), ``checkpoint.pt``
(resumed from bit-exactly on CPU: replay, priorities and every generator included),
``policy.pt`` (the online network, whose greedy policy is evaluated) and ``final_eval.yml``.

Example:
    >>> ALGORITHM.name, ALGORITHM.default_env, ALGORITHM.action_spaces
    ('dqn', 'CartPole-v1', ('discrete',))
    >>> CARTPOLE.train.timesteps, CARTPOLE.agent.target_update_interval
    (50000, 10)
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.nn import functional

from lagom._checks import check_bool, check_finite, check_instance, check_int
from lagom._types import NDArray
from lagom.baselines import common
from lagom.baselines._fused import FusedDQNStep
from lagom.baselines.algorithm import Algorithm
from lagom.baselines.configs.dqn import (
    ATARI,
    CARTPOLE,
    DEFAULT_ENV,
    MINATAR_BREAKOUT,
    ZOO,
    DQNAgentConfig,
    DQNConfig,
    DQNEnvConfig,
    ReplayConfig,
    base_config,
)
from lagom.envs import RecordEpisodeStatistics
from lagom.networks import EncoderKind, Module, make_encoder, make_fc, polyak_update_
from lagom.runner import NStepBatch, PrioritizedReplayBuffer, ReplayBuffer
from lagom.transform import LinearSchedule
from lagom.utils import Seeder, set_global_seeds

__all__ = [
    "ALGORITHM",
    "ATARI",
    "CARTPOLE",
    "MINATAR_BREAKOUT",
    "ZOO",
    "DQNAgent",
    "DQNAgentConfig",
    "DQNConfig",
    "DQNEnvConfig",
    "Learner",
    "NStepTensors",
    "QNetwork",
    "ReplayConfig",
    "default_config",
    "greedy_policy",
    "make_policy",
    "run",
    "train",
]

# The configuration is in lagom.baselines.configs.dqn (importable without torch):
# DEFAULT_ENV, DQNEnvConfig, DQNAgentConfig, ReplayConfig, DQNConfig and the zoo
# (CARTPOLE, MINATAR_BREAKOUT, and ATARI for every ALE/ id).


def default_config(env_id: str = DEFAULT_ENV) -> DQNConfig:
    """DQN's configuration of ``env_id``: tuned where the zoo has it, else DQN's defaults,
    once the environment is found to have Box observations and Discrete actions.

    Raises:
        TypeError: ``env_id`` is not a str.
        ValueError: ``env_id`` cannot be created or has other spaces.

    Example:
        >>> default_config("Acrobot-v1").agent.lr
        0.0001
        >>> default_config("Pendulum-v1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: dqn needs a Discrete action space, but Pendulum-v1 has Box(-2.0, 2.0, ...)
    """
    if not (isinstance(env_id, str) and env_id in ZOO):
        common.check_spaces("dqn", env_id, observation=_OBSERVATIONS, action=(gym.spaces.Discrete,))
    return base_config(env_id)


_OBSERVATIONS: tuple[type[gym.Space[Any]], ...] = (gym.spaces.Dict, gym.spaces.Box)


class QNetwork(Module):
    r"""The action values :math:`Q(s, \cdot) \in \mathbb{R}^n` of ``n`` discrete actions: an MLP
    with ReLU, then a linear head.

    With an ``encoder`` (a module with ``out_features``, e.g. a CNN of
    :func:`lagom.networks.make_encoder`), observations go through it first and the MLP takes
    its features (``obs_dim`` is then ignored).

    Dueling (Wang et al., 2016): the head gives :math:`V(s)` and :math:`A(s, \cdot)` side by
    side and :math:`Q(s, a) = V(s) + A(s, a) - \frac{1}{n} \sum_{a'} A(s, a')`.

    Raises:
        TypeError: a size is not an int or ``dueling`` not a bool.
        ValueError: a size is not positive.

    Example:
        >>> q = QNetwork(4, 2, [8], dueling=True)
        >>> q(torch.zeros(3, 4)).shape
        torch.Size([3, 2])
    """

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        hidden_sizes: Sequence[int],
        dueling: bool = False,
        device: torch.device | None = None,
        encoder: nn.Module | None = None,
    ) -> None:
        super().__init__()
        obs_dim = check_int("obs_dim", obs_dim)
        self.encoder = encoder
        if encoder is not None:
            obs_dim = check_int("encoder.out_features", getattr(encoder, "out_features", None))
        n_actions = check_int("n_actions", n_actions)
        self.dueling = check_bool("dueling", dueling)
        self.layers = make_fc(obs_dim, list(hidden_sizes), device=device)
        last = hidden_sizes[-1] if len(hidden_sizes) else obs_dim
        self.head = nn.Linear(last, n_actions + self.dueling, device=device)

    def forward(self, observations: torch.Tensor | Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Action values ``[B, n]`` of observations ``[B, obs_dim]`` (with an encoder: the
        batches it takes, e.g. uint8 images ``[B, H, W, C]``)."""
        if self.encoder is not None:
            x = self.encoder(observations)
        elif isinstance(observations, torch.Tensor):
            x = observations
        else:
            raise TypeError("a QNetwork without an encoder takes a tensor, got a dict")
        for layer in self.layers:
            x = torch.relu(layer(x))
        out: torch.Tensor = self.head(x)
        if not self.dueling:
            return out
        value, advantages = out[:, :1], out[:, 1:]
        return value + advantages - advantages.mean(dim=1, keepdim=True)

    if TYPE_CHECKING:  # calling the module is its forward, for the type checker
        __call__ = forward


def greedy_policy(q_net: QNetwork, device: torch.device, start: int = 0) -> common.Policy:
    r"""The greedy policy :math:`\arg\max_a Q(s, a)` of ``q_net``: numpy observations
    ``[B, ...]`` in, int64 actions ``[B]`` out (offset by ``start``, the first action of the
    ``Discrete`` space).

    Example:
        >>> actions = greedy_policy(QNetwork(3, 4, [8]), torch.device("cpu"))(np.zeros((5, 3)))
        >>> actions.shape, actions.dtype, bool(np.all((0 <= actions) & (actions < 4)))
        ((5,), dtype('int64'), True)
    """

    @torch.inference_mode()
    def policy(observations: NDArray[Any]) -> NDArray[Any]:
        if q_net.encoder is not None:
            q = q_net(common.obs_tensor(observations, device))
        else:
            obs = torch.as_tensor(np.asarray(observations), dtype=torch.float32, device=device)
            q = q_net(obs.reshape(len(obs), -1))
        actions: NDArray[Any] = q.argmax(dim=1).cpu().numpy()
        return actions + start

    return policy


class NStepTensors(NamedTuple):
    """A :class:`~lagom.runner.NStepBatch` of ``B`` transitions as tensors on the learner's
    device (:meth:`of`; on CPU they share the batch's memory).

    Attributes:
        obs: ``[B, obs_dim]``, :math:`s_t` (observations kept in their own dtype and shape:
            those, a dict of them for a Dict space).
        actions: ``[B]`` int64, :math:`a_t`.
        returns: ``[B]``, the discounted rewards of each window.
        next_obs: ``[B, obs_dim]``, the true observation after each window (as ``obs``).
        discounts: ``[B]``, the discount of its value (0 after a termination).

    Example:
        >>> rows = np.zeros((2, 3), np.float32)
        >>> batch = NStepBatch(rows, np.array([0, 1]), np.ones(2, np.float32), rows, rows[:, 0])
        >>> NStepTensors.of(batch, torch.device("cpu")).actions
        tensor([0, 1])
    """

    obs: torch.Tensor | dict[str, torch.Tensor]
    actions: torch.Tensor
    returns: torch.Tensor
    next_obs: torch.Tensor | dict[str, torch.Tensor]
    discounts: torch.Tensor

    @classmethod
    def of(cls, batch: NStepBatch, device: torch.device) -> NStepTensors:
        """``batch`` on ``device``."""
        cpu = device.type == "cpu"

        def put(x: NDArray[Any]) -> torch.Tensor:
            tensor = torch.from_numpy(x)
            return tensor if cpu else tensor.to(device, non_blocking=True)

        obs, actions, returns, next_obs, discounts = batch
        return cls(
            {k: put(v) for k, v in obs.items()} if isinstance(obs, dict) else put(obs),
            put(actions),
            put(returns),
            {k: put(v) for k, v in next_obs.items()}
            if isinstance(next_obs, dict)
            else put(next_obs),
            put(discounts),
        )


class DQNAgent:
    """DQN's networks, optimizer (fused Adam) and update rule (the module's steps 1-2).

    Raises:
        TypeError: a size is not an int, or ``config`` is not a :class:`DQNAgentConfig`.
        ValueError: a size is not positive, or ``device`` names no device.

    Example:
        >>> agent = DQNAgent(4, 2, DQNAgentConfig(hidden_sizes=(16,)), torch.device("cpu"))
        >>> obs = torch.zeros(3, 4)
        >>> batch = NStepTensors(obs, torch.tensor([0, 1, 1]), torch.ones(3), obs, torch.zeros(3))
        >>> losses, td_errors = agent.update(batch)
        >>> sorted(losses), td_errors.shape, agent.act(np.zeros(4, np.float32)) in (0, 1)
        (['loss', 'q_mean'], torch.Size([3]), True)
    """

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        config: DQNAgentConfig,
        device: torch.device,
        observation_space: gym.spaces.Space[Any] | None = None,
    ) -> None:
        check_instance("config", config, DQNAgentConfig)
        self.device, self.config = common.choose_device(device), config
        self.q_net = _q_network(obs_dim, n_actions, config, self.device, observation_space)
        self.q_net_target = copy.deepcopy(self.q_net).requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), config.lr, fused=True)
        self._online = list(self.q_net.parameters())
        self._targets = list(self.q_net_target.parameters())
        # Acting reuses one input tensor: one copy per step, no new tensor. Observations
        # through an encoder keep their shape and dtype (a Box's: bool or uint8 frames).
        box = observation_space if isinstance(observation_space, gym.spaces.Box) else None
        if self.q_net.encoder is not None and box is not None and box.dtype is not None:
            self._obs = torch.from_numpy(np.zeros((1, *box.shape), dtype=box.dtype))
        else:
            self._obs = torch.zeros(1, obs_dim, dtype=torch.float32)
        self._obs_np: NDArray[Any] = self._obs.numpy()
        # An MLP without an encoder: the gradient step by hand (lagom.baselines._fused), made
        # for the network and optimizer it steps (again if either attribute is replaced).
        self._fused = FusedDQNStep.of(self)

    @torch.inference_mode()
    def act(self, observation: NDArray[Any]) -> int:
        r"""The greedy action :math:`\arg\max_a Q(s, a)` (an index) of one observation."""
        if isinstance(observation, Mapping):  # a Dict space's
            return int(self.q_net(_one(observation, self.device)).argmax(dim=1)[0])
        array = observation if type(observation) is np.ndarray else np.asarray(observation)
        shape = self._obs_np.shape[1:]
        if array.dtype.kind == "f":
            check_finite("observation", array)
        if self.q_net.encoder is None:
            if array.dtype.kind not in "biuf":
                raise TypeError(f"observation must hold real numbers, got dtype {array.dtype}")
            if array.size != shape[0]:
                raise ValueError(f"observation must hold {shape[0]} numbers, got {array.shape}")
            self._obs_np[0] = array.reshape(shape)
        elif array.shape != shape:
            raise ValueError(f"observation must have shape {list(shape)}, got {array.shape}")
        elif array.dtype == self._obs_np.dtype:
            self._obs_np[0] = array
        else:  # another dtype than the space's: taken as it is
            return int(self.q_net(_one(array, self.device)).argmax(dim=1)[0])
        return int(self.q_net(self._obs.to(self.device)).argmax(dim=1)[0])

    @torch.no_grad()
    def td_target(
        self,
        returns: torch.Tensor,
        next_obs: torch.Tensor | dict[str, torch.Tensor],
        discounts: torch.Tensor,
    ) -> torch.Tensor:
        r"""The n-step target ``[B]``: ``returns + discounts`` :math:`\cdot\,\bar Q(s', a')`,
        :math:`a' = \arg\max_a Q(s', a)` (Double DQN) or :math:`\arg\max_a \bar Q(s', a)`."""
        next_q: torch.Tensor = self.q_net_target(next_obs)
        if self.config.double:
            next_actions = self.q_net(next_obs).argmax(dim=1, keepdim=True)
            next_values = next_q.gather(1, next_actions)[:, 0]
        else:
            next_values = next_q.amax(dim=1)
        return returns + discounts * next_values

    def update(
        self, batch: NStepTensors, weights: torch.Tensor | None = None
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One gradient step on a minibatch, its Huber losses weighted by ``weights`` ``[B]``
        (prioritized replay's importance weights) when given.

        Returns:
            The step's ``loss`` and ``q_mean`` (the mean of :math:`Q(s_i, a_i)`) as detached
            0-d tensors, and the TD errors :math:`y_i - Q(s_i, a_i)` ``[B]`` (detached).

        Raises:
            TypeError: ``batch`` is not an :class:`NStepTensors`, ``weights`` neither a
                tensor nor ``None``, the actions are not int64, or the returns, discounts,
                weights (or, without an encoder, the observations) are not in the network's
                dtype.
            ValueError: ``batch``'s actions, returns and discounts are not ``[B]`` of one
                ``B >= 1``, an action is not in ``[0, n_actions)``, the observations are not
                ``[B, obs_dim]`` (``[B, ...]`` through an encoder), ``weights`` is not
                ``[B]``, or a tensor lies on another device than the network.
        """
        check_instance("batch", batch, NStepTensors)
        if weights is not None:
            check_instance("weights", weights, torch.Tensor)
        _check_steps(batch, weights, self.q_net, tuple(self._obs.shape[1:]))
        obs, actions, returns, next_obs, discounts = batch
        target = self.td_target(returns, next_obs, discounts)
        fused = self._fused
        if fused is not None and not fused.is_for(self):
            fused = self._fused = FusedDQNStep.of(self)
        if fused is not None and isinstance(obs, torch.Tensor):
            loss, q = fused(obs, actions, target, weights)
            return {"loss": loss, "q_mean": q.mean()}, target - q
        q = self.q_net(obs).gather(1, actions[:, None])[:, 0]
        if weights is None:
            loss = functional.smooth_l1_loss(q, target)
        else:
            loss = (weights * functional.smooth_l1_loss(q, target, reduction="none")).mean()
        self.optimizer.zero_grad()
        torch.autograd.backward(loss)
        nn.utils.clip_grad_norm_(self._online, self.config.max_grad_norm)
        self.optimizer.step()
        q = q.detach()
        return {"loss": loss.detach(), "q_mean": q.mean()}, target - q

    def update_target(self) -> None:
        r""":math:`\bar\theta \leftarrow (1 - \tau)\,\bar\theta + \tau\,\theta`."""
        polyak_update_(self._targets, self._online, self.config.tau)

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint holds: ``q_net``, ``q_net_target`` and ``optimizer`` states."""
        return {
            "q_net": self.q_net.state_dict(),
            "q_net_target": self.q_net_target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Load the states of :meth:`state_dict` into the networks and the optimizer."""
        self.q_net.load_state_dict(state["q_net"])
        self.q_net_target.load_state_dict(state["q_net_target"])
        self.optimizer.load_state_dict(state["optimizer"])


def _needs_encoder(space: gym.spaces.Space[Any] | None, kind: EncoderKind) -> bool:
    """Whether observations of ``space`` go through an encoder and are stored in their own
    dtype (images, Dicts, or any Box with ``"cnn"``); a flat Box does not."""
    if space is None:
        return False
    return isinstance(space, gym.spaces.Dict) or kind == "cnn" or len(space.shape or ()) > 1


def _check_steps(
    batch: NStepTensors,
    weights: torch.Tensor | None,
    q_net: QNetwork,
    obs_shape: tuple[int, ...],
) -> None:
    """Raise unless ``batch`` (and ``weights``) is a minibatch ``q_net`` can learn from, in
    the dtype and on the device of its parameters (see :meth:`DQNAgent.update`)."""
    like = q_net.head.weight
    returns = batch.returns
    n = len(returns) if isinstance(returns, torch.Tensor) and returns.dim() == 1 else -1
    fields = [("actions", batch.actions), ("returns", returns), ("discounts", batch.discounts)]
    for name, x in fields:
        if not isinstance(x, torch.Tensor) or x.shape != (n,):
            shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"batch.{name} must be a [B] tensor of the batch's B rows, got {shape}"
            )
    if not n:
        raise ValueError("batch must hold at least one transition (B >= 1), got B = 0")
    if weights is not None:
        if weights.shape != (n,):
            raise ValueError(f"weights must be [B] = [{n}], got {list(weights.shape)}")
        fields.append(("weights", weights))
    for name, x in fields:
        label = name if name == "weights" else f"batch.{name}"
        dtype = torch.int64 if name == "actions" else like.dtype
        common._check_dtype_device(label, x, dtype, like.device)
    n_actions = q_net.head.out_features - q_net.dueling
    low, high = torch.aminmax(batch.actions)
    if int(low) < 0 or int(high) >= n_actions:
        raise ValueError(
            f"batch.actions must be in [0, {n_actions}), got actions from {int(low)} to {int(high)}"
        )
    for name in ("obs", "next_obs"):
        obs = getattr(batch, name)
        for key, x in obs.items() if isinstance(obs, Mapping) else [("", obs)]:
            where = f"batch.{name}" + (f"[{key!r}]" if key else "")
            if not isinstance(x, torch.Tensor):
                raise TypeError(f"{where} must be a tensor, got {type(x).__name__}")
            if x.shape[:1] != (n,) or x.device != like.device:
                raise ValueError(
                    f"{where} must be [B, ...] with B = {n} on {like.device}, got "
                    f"{list(x.shape)} on {x.device}"
                )
            if q_net.encoder is not None:
                continue  # the encoder checks the rest
            if x.shape != (n, *obs_shape):
                raise ValueError(
                    f"{where} must be [B, obs_dim] = {[n, *obs_shape]}, got {list(x.shape)}"
                )
            common._check_dtype_device(where, x, like.dtype, like.device)


def _q_network(
    obs_dim: int,
    n_actions: int,
    config: DQNAgentConfig,
    device: torch.device,
    space: gym.spaces.Space[Any] | None,
) -> QNetwork:
    encoder = None
    if space is not None and _needs_encoder(space, config.encoder):
        encoder = make_encoder(space, config.encoder, device=device)
    return QNetwork(obs_dim, n_actions, config.hidden_sizes, config.dueling, device, encoder)


def _one(observation: Any, device: torch.device) -> torch.Tensor | dict[str, torch.Tensor]:
    """One observation as a batch of one on ``device``, in its own dtype."""
    if isinstance(observation, Mapping):
        return common.obs_tensor({k: np.asarray(v)[None] for k, v in observation.items()}, device)
    return common.obs_tensor(np.asarray(observation)[None], device)


class Learner:
    r"""The state of one DQN run and the bookkeeping of its loop.

    Creating it checks the environment's spaces (Box observations, Discrete actions), writes
    ``run.yml`` and ``config.yml``, seeds every generator (environment, exploration and replay
    from ``Seeder(seed)(3)``), builds the environment (with
    :class:`~lagom.envs.RecordEpisodeStatistics`), a replay buffer of
    ``min(agent.buffer_size, train.timesteps)`` rows (prioritized with
    ``replay.prioritized``) and the :class:`DQNAgent`, then resumes from
    ``logdir/checkpoint.pt`` when there is one.

    Attributes:
        env: the environment, wrapped in :class:`~lagom.envs.RecordEpisodeStatistics`.
        buffer: the replay buffer (a :class:`~lagom.runner.PrioritizedReplayBuffer` with
            ``replay.prioritized``), holding int64 action indices.
        agent: the :class:`DQNAgent`.
        explore: the generator of exploration (random actions, the draws against
            :math:`\epsilon`).
        obs: the observation to act on.
        timesteps: environment steps taken; ``iteration``: progress rows written;
            ``updates``: gradient steps taken.

    Raises:
        ValueError: the environment cannot be created or has other spaces.

    Example:
        >>> import tempfile
        >>> config = DQNConfig(
        ...     train=common.OffPolicyTrainConfig(timesteps=8),
        ...     agent=DQNAgentConfig(hidden_sizes=(8,)),
        ...     eval=common.OffPolicyEvalConfig(episodes=2),
        ... )
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     learner = Learner(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     for _ in range(8):
        ...         learner.step(epsilon=1.0)
        ...     stopped = learner.end_iteration({})
        ...     metrics = learner.finish()
        >>> learner.timesteps, len(learner.buffer), stopped, metrics["episodes"]
        (8, 8, False, 2.0)
    """

    def __init__(self, config: DQNConfig, seed: int, device: str, logdir: Path) -> None:
        obs_space, found = common.check_spaces(
            "dqn", config.env.id, observation=_OBSERVATIONS, action=(gym.spaces.Discrete,)
        )
        space = cast(gym.spaces.Discrete, found)
        self.config, self.seed, self.logdir = config, seed, Path(logdir)
        self.n_actions, self.first_action = int(space.n), int(space.start)
        dev = common.choose_device(device)
        common.start_run(self.logdir, "dqn", config, seed)
        set_global_seeds(seed)
        env_seed, explore_seed, replay_seed = Seeder(seed)(3)
        self.env: gym.Env[Any, Any] = RecordEpisodeStatistics(common.make_env(config.env.id))
        obs_dim, replay = gym.spaces.flatdim(obs_space), config.replay
        shape = (min(config.agent.buffer_size, config.train.timesteps), obs_dim, self.n_actions)
        #: Observations go through an encoder and are stored in their own dtype and shape.
        self.encoded = _needs_encoder(obs_space, config.agent.encoder)
        stored = cast(gym.spaces.Box | gym.spaces.Dict, obs_space) if self.encoded else None
        self.buffer = (
            PrioritizedReplayBuffer(
                *shape,
                replay_seed,
                alpha=replay.alpha,
                eps=replay.eps,
                discrete=True,
                observation_space=stored,
            )
            if replay.prioritized
            else ReplayBuffer(*shape, replay_seed, discrete=True, observation_space=stored)
        )
        self.agent = DQNAgent(obs_dim, self.n_actions, config.agent, dev, obs_space)
        self.explore = np.random.default_rng(explore_seed)
        self.obs: NDArray[Any] = self.env.reset(seed=env_seed)[0]
        self.timesteps, self.iteration, self.updates, elapsed = 0, 0, 0, 0.0
        self.evaluation = common.PeriodicEvaluation.of(config, seed)
        state = common.load_checkpoint(self.logdir)
        if state is not None:
            with common.restoring_checkpoint(self.logdir, "dqn"):
                self.agent.load_state_dict(state["agent"])
                self.buffer.load_state_dict(state["replay"])
                common.restore_env_checkpoint(self.env, state["env"])
                self.obs, elapsed = state["obs"], state["time"]
                self.timesteps, self.iteration, self.updates = state["counters"]
                self.explore.bit_generator.state = state["explore_rng"]
                common.restore_rng_state(state["rng"])
                self.evaluation.restore(state.get("evaluation"))
        self.logger = common.progress_logger(self.logdir, self.iteration, config.train.log)
        self.t0 = time.perf_counter() - elapsed

    def step(self, epsilon: float) -> None:
        r"""One environment step: a uniformly random action during ``agent.learning_starts``
        steps and with probability ``epsilon`` (both drawn by ``explore``), else the
        greedy one; the transition is stored with its true next observation, and the
        environment reset at an episode's end."""
        exploring = self.timesteps < self.config.agent.learning_starts
        if exploring or self.explore.random() < epsilon:
            action = int(self.explore.integers(self.n_actions))
        else:
            action = self.agent.act(self.obs)
        next_obs, reward, terminated, truncated, _ = self.env.step(action + self.first_action)
        self.buffer.add_one(self.obs, action, reward, next_obs, terminated, truncated)
        self.obs = self.env.reset()[0] if terminated or truncated else next_obs
        self.timesteps += 1

    def learn(self, beta: float) -> dict[str, torch.Tensor]:
        """One gradient step on ``agent.batch_size`` n-step transitions of the buffer; with
        prioritized replay weighted by their importance weights at ``beta``, and their
        priorities updated after it.

        Returns:
            :meth:`DQNAgent.update`'s losses.
        """
        agent = self.config.agent
        self.updates += 1
        indices, batch = self.buffer.sample_n_step(agent.batch_size, agent.n_steps, agent.gamma)
        tensors = NStepTensors.of(batch, self.agent.device)
        if not isinstance(self.buffer, PrioritizedReplayBuffer):
            return self.agent.update(tensors)[0]
        weights = torch.from_numpy(self.buffer.weights(indices, beta)).to(self.agent.device)
        losses, td_errors = self.agent.update(tensors, weights)
        self.buffer.update_priorities(indices, td_errors.cpu().numpy())
        return losses

    def end_iteration(self, columns: Mapping[str, torch.Tensor | float | None]) -> bool:
        """Write the progress row (counters, time, the mean return of the last 100 training
        episodes, then ``columns`` as floats, ``None`` left empty) and checkpoint when due;
        ``True`` when ``train.stop_at`` ends the run here (after a checkpoint)."""
        self.iteration += 1
        returns = self.env.get_wrapper_attr("return_queue")
        row = {
            "iteration": self.iteration,
            "timesteps": self.timesteps,
            "time": time.perf_counter() - self.t0,
            "train_return": float(np.mean(returns)) if returns else math.nan,
            "updates": self.updates,
        }
        policy = greedy_policy(self.agent.q_net, self.agent.device, self.first_action)
        row |= self.evaluation(self.logdir, self.timesteps, policy, self.policy_tensors)
        common.write_row(
            self.logger, row | {k: None if v is None else float(v) for k, v in columns.items()}
        )
        train = self.config.train
        stop = train.stop_at is not None and train.stop_at <= self.timesteps < train.timesteps
        if stop or self.iteration % train.checkpoint_every == 0:
            self.save()
        if stop:
            self.env.close()
        return stop

    def save(self) -> None:
        """Write ``checkpoint.pt`` (all it takes to continue bit for bit) and ``policy.pt``."""
        state = {
            "agent": self.agent.state_dict(),
            "replay": self.buffer.state_dict(),
            "env": common.env_checkpoint(self.env),
            "obs": self.obs,
            "counters": [self.timesteps, self.iteration, self.updates],
            "time": time.perf_counter() - self.t0,
            "explore_rng": self.explore.bit_generator.state,
            "rng": common.rng_state(),
            "evaluation": self.evaluation.state(),
        }
        common.save_checkpoint(self.logdir, state)
        common.save_policy(self.logdir, self.policy_tensors())

    def policy_tensors(self) -> dict[str, Any]:
        """What ``policy.pt`` (and ``best_policy.pt``) hold: the Q-network's weights."""
        return {"q_net": self.agent.q_net.state_dict()}

    def finish(self) -> dict[str, float]:
        """Save, close the environment, evaluate the greedy policy (``eval.episodes``
        episodes, seeds ``seed + 10000 + i``) and write ``final_eval.yml``."""
        self.save()
        self.env.close()
        policy = greedy_policy(self.agent.q_net, self.agent.device, self.first_action)
        env_id, episodes = self.config.env.id, self.config.eval.episodes
        metrics = common.evaluate_policy(
            policy, lambda: common.make_env(env_id, clip_reward=False), episodes, self.seed + 10_000
        )
        return common.finish(self.logdir, metrics | self.evaluation.summary())


def train(config: DQNConfig, seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train DQN into ``logdir`` (the files of the module's list), continuing the run found
    there, if any.

    Returns:
        The metrics written to ``final_eval.yml``; an empty dict where ``train.stop_at``
        stopped the run before its end (a second call picks it up).

    Raises:
        TypeError: ``config`` is not a :class:`DQNConfig`, or another argument is not of its
            type.
        ValueError: the environment has other spaces than Box observations and Discrete
            actions, or ``seed`` or ``device`` is invalid.

    Example:
        >>> import tempfile
        >>> config = DQNConfig(
        ...     train=common.OffPolicyTrainConfig(timesteps=120, log_interval=60),
        ...     agent=DQNAgentConfig(learning_starts=60, hidden_sizes=(16,)),
        ...     eval=common.OffPolicyEvalConfig(episodes=2),
        ... )
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = train(config, 0, "cpu", Path(logdir))
        ...     rows = (Path(logdir) / "progress.csv").read_text().splitlines()
        >>> len(rows), rows[0], metrics["episodes"]
        (3, 'iteration,timesteps,time,train_return,updates,epsilon,loss,q_mean', 2.0)
    """
    common.check_run(config, DQNConfig, seed, device, logdir)
    learner = Learner(config, seed, device, Path(logdir))
    agent, total = config.agent, config.train.timesteps
    explore_steps = max(1, round(agent.exploration_fraction * total))
    epsilon = LinearSchedule(
        agent.exploration_initial_eps, agent.exploration_final_eps, explore_steps
    )
    beta = LinearSchedule(config.replay.beta, 1.0, N=total)
    losses: Mapping[str, torch.Tensor | None] = {"loss": None, "q_mean": None}
    while learner.timesteps < total:
        for _ in range(min(config.train.log_interval, total - learner.timesteps)):
            learner.step(epsilon(learner.timesteps))
            t = learner.timesteps
            if t % agent.target_update_interval == 0:
                learner.agent.update_target()
            if t > agent.learning_starts and t % agent.train_freq == 0:
                for _ in range(agent.gradient_steps):
                    losses = learner.learn(beta(t))
        if learner.end_iteration({"epsilon": epsilon(learner.timesteps), **losses}):
            return {}
    return learner.finish()


def run(
    config: Mapping[str, Any] | DQNConfig, seed: int, device: str, logdir: Path
) -> dict[str, float]:
    """The entry of ``lagom train dqn`` and ``run_experiment``: :func:`train` on ``config``,
    a :class:`DQNConfig`, or dotted keys (``{"agent.n_steps": 3}``) applied to the
    :func:`default_config` of their ``env.id`` (``CartPole-v1`` when they name none).

    Raises:
        ValueError: a key DQN does not have (the close ones are named), a value of another
            type or outside its range, or an environment whose actions are not Discrete.

    Example:
        >>> run({"agent.n_step": 3}, 0, "cpu", Path("unused"))
        Traceback (most recent call last):
        ...
        ValueError: unknown config key 'agent.n_step'; did you mean 'agent.n_steps'?
    """
    return train(common.resolve_config(default_config, config, DEFAULT_ENV), seed, device, logdir)


def make_policy(run_dir: Path, device: str, *, name: str = common.POLICY_FILE) -> common.Policy:
    r"""The trained greedy policy :math:`\arg\max_a Q(s, a)` of a DQN run: observations
    ``[B, ...]`` to int64 actions ``[B]`` (numpy in and out), rebuilt from ``run.yml``,
    ``config.yml`` and the weights-only policy file ``name`` (``policy.pt``;
    ``best_policy.pt``: the best evaluated one).

    Raises:
        TypeError: ``name`` is not a str.
        ValueError: ``run_dir`` has no ``run.yml`` (it is no run folder) or no file ``name``.

    Example:
        >>> import tempfile
        >>> short = {"train.timesteps": 50, "agent.hidden_sizes": [4], "eval.episodes": 1}
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = run(short, 1, "cpu", Path(folder))
        ...     actions = make_policy(Path(folder), "cpu")(np.zeros((3, 4)))  # CartPole's
        >>> actions.shape, actions.dtype
        ((3,), dtype('int64'))
    """
    config = common.load_run_config(run_dir, default_config)
    saved = common.load_policy_state(run_dir, name)
    obs_space, found = common.check_spaces(
        "dqn", config.env.id, observation=_OBSERVATIONS, action=(gym.spaces.Discrete,)
    )
    space = cast(gym.spaces.Discrete, found)
    dev = common.choose_device(device)
    q_net = _q_network(gym.spaces.flatdim(obs_space), int(space.n), config.agent, dev, obs_space)
    q_net.load_state_dict(saved["q_net"])
    return common.checked_policy(greedy_policy(q_net.eval(), dev, int(space.start)), obs_space)


_SUMMARY = "Deep Q-Network: Double DQN, dueling, n-step returns, prioritized replay (discrete)"
#: DQN's record for ``lagom train/eval/list`` (the fields in
#: :class:`~lagom.baselines.Algorithm`'s order).
ALGORITHM = Algorithm("dqn", _SUMMARY, run, default_config, DEFAULT_ENV, ("discrete",), make_policy)
