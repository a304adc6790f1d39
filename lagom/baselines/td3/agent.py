"""The TD3 learner (and DDPG's, with one critic, no smoothing and no delay).

One gradient step on a minibatch :math:`(s, a, r, s', d)` (``d`` = ``terminated``):

1. critics: target action
   :math:`a' = \\operatorname{clip}(\\bar\\mu(s') + \\operatorname{clip}(\\epsilon, -c, c), -1, 1)`
   with :math:`\\epsilon \\sim \\mathcal{N}(0, \\sigma^2)` (target policy smoothing),
   :math:`y = r + \\gamma (1 - d) \\min_i \\bar Q_i(s', a')` and
   :math:`L_Q = \\sum_i \\operatorname{mean}(Q_i(s, a) - y)^2`;
2. every ``policy_delay``-th step only: the actor,
   :math:`L_\\mu = -\\operatorname{mean} Q_1(s, \\mu(s))`, then the targets
   :math:`\\bar\\theta \\leftarrow (1 - \\tau)\\,\\bar\\theta + \\tau\\,\\theta` of critics and
   actor (``torch._foreach_lerp_``).

A truncated step is bootstrapped (:math:`d = 0`) from its true final observation :math:`s'`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch

from lagom._checks import check_int
from lagom._types import Float32Array
from lagom.baselines._offpolicy import fused_adam
from lagom.baselines._replay import Transitions
from lagom.baselines.td3.networks import DeterministicActor, QEnsemble

__all__ = ["TD3Agent"]


class TD3Agent:
    """TD3's networks, optimizers and update rule.

    Args:
        obs_dim: observation size.
        action_dim: action size ``A`` (actions in ``[-1, 1]``).
        hidden_sizes: hidden layers of the actor and of each critic.
        lr: Adam learning rate of actor and critics.
        gamma: discount factor.
        tau: Polyak coefficient of the targets.
        n_critics: critics in the ensemble (DDPG: 1).
        policy_delay: critic updates per actor and target update (DDPG: 1).
        target_policy_noise: standard deviation :math:`\\sigma` of the smoothing noise (DDPG: 0).
        target_noise_clip: its clip :math:`c`.
        device: where the networks live.

    Example:
        >>> from lagom.baselines._replay import ReplayBuffer
        >>> agent = TD3Agent(3, 1, [16], lr=1e-3, gamma=0.99, tau=0.005, device="cpu")
        >>> buffer = ReplayBuffer(10, 3, 1, seed=0)
        >>> buffer.add([[0, 0, 0]], [[0.5]], [1.0], [[0, 0, 1]], [False], [True])
        >>> sorted(agent.update(buffer.sample(4, "cpu")))  # the delayed actor waits
        ['critic_loss']
        >>> sorted(agent.update(buffer.sample(4, "cpu")))
        ['actor_loss', 'critic_loss']
    """

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int],
        *,
        lr: float,
        gamma: float,
        tau: float,
        n_critics: int = 2,
        policy_delay: int = 2,
        target_policy_noise: float = 0.2,
        target_noise_clip: float = 0.5,
        device: torch.device | str = "cpu",
    ) -> None:
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"tau must be in (0, 1], got {tau}")
        if target_policy_noise < 0.0 or target_noise_clip < 0.0:
            raise ValueError(
                f"target_policy_noise and target_noise_clip must be non-negative, got "
                f"{target_policy_noise} and {target_noise_clip}"
            )
        self.device = torch.device(device)
        self.gamma, self.tau = float(gamma), float(tau)
        self.policy_delay = check_int("policy_delay", policy_delay, minimum=1)
        self.target_policy_noise = float(target_policy_noise)
        self.target_noise_clip = float(target_noise_clip)
        self.actor = DeterministicActor(obs_dim, action_dim, hidden_sizes, self.device)
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        self.critic = QEnsemble(obs_dim, action_dim, hidden_sizes, n_critics, self.device)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_optimizer = fused_adam(self.actor.parameters(), lr, self.device)
        self.critic_optimizer = fused_adam(self.critic.parameters(), lr, self.device)
        self._critic_params: list[torch.Tensor] = list(self.critic.parameters())
        self._online: list[torch.Tensor] = [*self.critic.parameters(), *self.actor.parameters()]
        self._targets: list[torch.Tensor] = [
            *self.critic_target.parameters(),
            *self.actor_target.parameters(),
        ]
        self.n_updates = 0
        # Acting reuses one input tensor: one copy per step, no new tensor.
        self._obs = torch.zeros(1, obs_dim, dtype=torch.float32)
        self._obs_np: Float32Array = self._obs.numpy()

    @torch.inference_mode()
    def act(self, observation: Any) -> Float32Array:
        """The deterministic action :math:`\\mu(s)` ``[A]`` in ``[-1, 1]`` of one observation."""
        self._obs_np[0] = observation
        out: Float32Array = self.actor(self._obs.to(self.device))[0].cpu().numpy()
        return out

    def update(self, batch: Transitions) -> dict[str, torch.Tensor]:
        """One critic step and, every ``policy_delay``-th call, an actor and target step.

        Returns:
            The step's losses as detached 0-d tensors (``actor_loss`` only when it ran).
        """
        obs, actions, rewards, next_obs, terminated = batch
        self.n_updates += 1
        with torch.no_grad():
            next_actions = self.actor_target(next_obs)
            if self.target_policy_noise > 0.0:
                noise = torch.randn_like(next_actions) * self.target_policy_noise
                noise = noise.clamp(-self.target_noise_clip, self.target_noise_clip)
                next_actions = (next_actions + noise).clamp(-1.0, 1.0)
            next_q = self.critic_target(next_obs, next_actions).amin(dim=1)
            target = rewards + self.gamma * (1.0 - terminated) * next_q
        q = self.critic(obs, actions)
        critic_loss = (q - target[:, None]).square().mean(0).sum()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
        losses = {"critic_loss": critic_loss.detach()}
        if self.n_updates % self.policy_delay != 0:
            return losses

        # Freeze the critics so the actor's backward computes no gradient for them.
        for p in self._critic_params:
            p.requires_grad_(False)
        actor_loss = -self.critic(obs, self.actor(obs), members=1).mean()
        for p in self._critic_params:
            p.requires_grad_(True)
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        with torch.no_grad():
            torch._foreach_lerp_(self._targets, self._online, self.tau)
        losses["actor_loss"] = actor_loss.detach()
        return losses

    def state_dict(self) -> dict[str, Any]:
        """Networks, optimizers and the update counter, for checkpoints."""
        return {
            "actor": self.actor.state_dict(),
            "actor_target": self.actor_target.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "n_updates": self.n_updates,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.actor.load_state_dict(state["actor"])
        self.actor_target.load_state_dict(state["actor_target"])
        self.critic.load_state_dict(state["critic"])
        self.critic_target.load_state_dict(state["critic_target"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        self.n_updates = int(state["n_updates"])
