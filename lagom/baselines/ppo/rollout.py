"""One on-policy batch: T steps of N environments, their values and GAE advantages.

:func:`collect` runs the policy through :class:`~lagom.runner.VecStepRunner` (sampling under
``torch.inference_mode``, the actor only), then evaluates the critic on all ``T·N``
observations and true next observations in one batch each, and computes the advantages with
:func:`~lagom.metric.batched_gae`::

    δ_t = r_t + γ (1 - terminated_t) V(s'_t) - V(s_t)
    A_t = δ_t + γ λ (1 - done_t) A_{t+1}

where ``s'_t`` is the true next observation (the final one where an episode ended), so a
time-limit truncation bootstraps from the value of its final observation and a termination
does not. The value targets are the λ-returns ``A_t + V(s_t)``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch
from gymnasium import spaces

from lagom._types import NDArray
from lagom.baselines.ppo.agent import ActorCritic
from lagom.baselines.ppo.envs import TrainEnv
from lagom.metric import batched_gae

__all__ = ["Batch", "PolicyAgent", "collect"]


class Batch(NamedTuple):
    """A flattened on-policy batch of ``B = T·N`` transitions, as tensors on the model's device.

    Attributes:
        observations: ``[B, *shape]`` float32 ``s_t`` (standardized when the env is).
        actions: ``[B]`` int64 or ``[B, A]`` float32, the sampled (unclipped) actions.
        log_probs: ``[B]`` ``log π_old(a_t|s_t)``.
        values: ``[B]`` ``V_old(s_t)``.
        advantages: ``[B]`` GAE advantages ``A_t``.
        returns: ``[B]`` value targets ``A_t + V_old(s_t)``.

    Example:
        >>> B = 4
        >>> values, advantages = torch.full((B,), 0.5), torch.arange(B, dtype=torch.float32)
        >>> batch = Batch(
        ...     observations=torch.zeros(B, 3),
        ...     actions=torch.zeros(B, dtype=torch.int64),
        ...     log_probs=torch.zeros(B),
        ...     values=values,
        ...     advantages=advantages,
        ...     returns=advantages + values,
        ... )
        >>> batch.observations.shape, batch.returns.tolist()
        (torch.Size([4, 3]), [0.5, 1.5, 2.5, 3.5])
    """

    observations: torch.Tensor
    actions: torch.Tensor
    log_probs: torch.Tensor
    values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor


class PolicyAgent:
    """The acting side of an :class:`~lagom.baselines.ppo.agent.ActorCritic` for a runner.

    ``choose_action(s)`` returns ``"raw_action"`` (what ``env.step`` gets: Box actions clipped
    to the bounds) and ``"action"`` (the sample itself, whose log-probability is learned on).

    Example:
        >>> import numpy as np
        >>> box = spaces.Box(-1.0, 1.0, (2,))
        >>> model = ActorCritic(spaces.Box(-1, 1, (3,)), box, [4], "tanh", "cpu", log_std_init=2.0)
        >>> out = PolicyAgent(model, box).choose_action(np.zeros((100, 3)))
        >>> raw, action = out["raw_action"], out["action"]
        >>> raw.shape, float(abs(raw).max()), float(abs(action).max()) > 1
        ((100, 2), 1.0, True)
    """

    def __init__(self, model: ActorCritic, action_space: spaces.Space[Any]) -> None:
        self.model = model
        self.box = action_space if isinstance(action_space, spaces.Box) else None

    def choose_action(self, x: NDArray[Any], **kwargs: Any) -> dict[str, NDArray[Any]]:
        """Sample one action per row of the observation batch ``x``."""
        with torch.inference_mode():
            obs = torch.as_tensor(x, dtype=torch.float32, device=self.model.device)
            action = self.model.sample(obs).cpu().numpy()
        if self.box is None:
            return {"raw_action": action, "action": action}
        raw = np.clip(action.reshape(len(action), *self.box.shape), self.box.low, self.box.high)
        return {"raw_action": raw, "action": action}


def collect(
    model: ActorCritic, agent: PolicyAgent, train_env: TrainEnv, T: int, gamma: float, lam: float
) -> Batch:
    """Run ``T`` steps of every environment of ``train_env`` and return the batch.

    Args:
        model: the actor-critic (its critic gives ``V(s_t)`` and ``V(s'_t)``).
        agent: ``model``'s acting side.
        train_env: from :func:`~lagom.baselines.ppo.make_train_env`; its runner continues
            the episodes of the previous call.
        T: steps per environment.
        gamma: discount ``γ``.
        lam: GAE ``λ``.

    Returns:
        the flattened batch of ``T·N`` transitions, time-major (row ``t·N + i`` is step ``t``
        of environment ``i``).

    Example:
        >>> from lagom.baselines.ppo import default_config, make_model, make_train_env
        >>> cfg = {**default_config("CartPole-v1"), "env.num_envs": 3}
        >>> model, action_space = make_model(cfg, "cpu")
        >>> agent, train_env = PolicyAgent(model, action_space), make_train_env(cfg, 0)
        >>> batch = collect(model, agent, train_env, 5, 0.99, 0.95)
        >>> batch.observations.shape, batch.actions.shape, batch.advantages.shape
        (torch.Size([15, 4]), torch.Size([15]), torch.Size([15]))
        >>> bool(torch.equal(batch.returns, batch.advantages + batch.values))
        True
    """
    rollout, outputs = train_env.runner(agent, train_env.env, T=T)
    device = model.device
    n = rollout.rewards.size

    def tensor(x: NDArray[Any], dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(x), dtype=dtype, device=device)

    observations = tensor(rollout.observations.reshape(n, -1))
    next_observations = tensor(rollout.next_observations.reshape(n, -1))
    action_dtype = torch.int64 if model.discrete else torch.float32
    actions = tensor(outputs["action"].reshape(n, *outputs["action"].shape[2:]), action_dtype)
    with torch.no_grad():
        values = model.value(torch.cat([observations, next_observations]))
        log_probs, _ = model.log_prob_entropy(observations, actions)
    v = values.cpu().numpy().reshape(2, *rollout.rewards.shape)
    advantages = batched_gae(
        gamma,
        lam,
        rollout.rewards.astype(np.float32),
        v[0],
        v[1],
        terminated=rollout.terminated,
        truncated=rollout.truncated,
    ).reshape(n)
    adv = tensor(advantages)
    return Batch(observations, actions, log_probs, values[:n], adv, adv + values[:n])
