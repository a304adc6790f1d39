"""The SAC learner: twin critics, Polyak-averaged targets, automatic entropy tuning.

One gradient step on a minibatch :math:`(s, a, r, s', d)` (``d`` = ``terminated``) with the
temperature :math:`\\alpha = e^{\\log\\alpha}` of the step's start, in Stable-Baselines3's
order:

1. temperature: :math:`L_\\alpha = -\\log\\alpha\\,(\\log\\pi(\\tilde a|s) + \\bar H)` with
   :math:`\\tilde a \\sim \\pi(\\cdot|s)` and target entropy :math:`\\bar H = -\\dim A`;
   its gradient is :math:`-\\operatorname{mean}(\\log\\pi(\\tilde a|s) + \\bar H)`, written
   directly, and its Adam step is taken together with the critics' (:math:`\\log\\alpha` is
   one more parameter of their optimizer): nothing in between reads :math:`\\log\\alpha`,
   so the result is the same as a step of its own;
2. critics: :math:`y = r + \\gamma (1 - d) [\\min_i \\bar Q_i(s', a') - \\alpha \\log\\pi(a'|s')]`
   with :math:`a' \\sim \\pi(\\cdot|s')`, and
   :math:`L_Q = \\tfrac12 \\sum_i \\operatorname{mean}(Q_i(s, a) - y)^2`;
3. actor, with the updated critics:
   :math:`L_\\pi = \\operatorname{mean}(\\alpha \\log\\pi(\\tilde a|s)
   - \\min_i Q_i(s, \\tilde a))`;
4. targets: :math:`\\bar\\theta \\leftarrow (1 - \\tau)\\,\\bar\\theta + \\tau\\,\\theta`
   (``torch._foreach_lerp_``: one call for all parameters).

A truncated step is bootstrapped (:math:`d = 0`) from its true final observation :math:`s'`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from lagom._types import Float32Array
from lagom.baselines._offpolicy import fused_adam
from lagom.baselines._replay import Transitions
from lagom.baselines.sac.networks import SquashedGaussianActor
from lagom.baselines.td3.networks import QEnsemble

__all__ = ["SACAgent"]


class SACAgent:
    """SAC's networks, optimizers and update rule.

    Args:
        obs_dim: observation size.
        action_dim: action size ``A`` (actions in ``[-1, 1]``).
        hidden_sizes: hidden layers of the actor and of each critic.
        lr: Adam learning rate of actor, critics and temperature.
        gamma: discount factor.
        tau: Polyak coefficient of the target critics.
        init_alpha: initial temperature.
        target_entropy: target entropy; ``None`` for ``-A``.
        device: where the networks live.

    Example:
        >>> import torch
        >>> from lagom.baselines._replay import ReplayBuffer
        >>> agent = SACAgent(3, 1, [16], lr=1e-3, gamma=0.99, tau=0.005, device="cpu")
        >>> buffer = ReplayBuffer(10, 3, 1, seed=0)
        >>> buffer.add([[0, 0, 0]], [[0.5]], [1.0], [[0, 0, 1]], [False], [True])
        >>> before = [p.clone() for p in agent.critic_target.parameters()]
        >>> losses = agent.update(buffer.sample(4, "cpu"))
        >>> sorted(losses), float(agent.alpha) < 1.0
        (['actor_loss', 'alpha_loss', 'critic_loss'], True)
        >>> any(not torch.equal(a, b) for a, b in zip(before, agent.critic_target.parameters()))
        True
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
        init_alpha: float = 1.0,
        target_entropy: float | None = None,
        device: torch.device | str = "cpu",
    ) -> None:
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"tau must be in (0, 1], got {tau}")
        if init_alpha <= 0.0:
            raise ValueError(f"init_alpha must be positive, got {init_alpha}")
        self.device = torch.device(device)
        self.gamma, self.tau = float(gamma), float(tau)
        self.target_entropy = -float(action_dim) if target_entropy is None else target_entropy
        self.actor = SquashedGaussianActor(obs_dim, action_dim, hidden_sizes, self.device)
        self.critic = QEnsemble(obs_dim, action_dim, hidden_sizes, n=2, device=self.device)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.log_alpha = torch.tensor(
            [np.log(init_alpha)], dtype=torch.float32, device=self.device, requires_grad=True
        )
        self.actor_optimizer = fused_adam(self.actor.parameters(), lr, self.device)
        # The critics and the temperature step together (see the module's step 1).
        self.critic_optimizer = fused_adam(
            [*self.critic.parameters(), self.log_alpha], lr, self.device
        )
        self._critic_params: list[torch.Tensor] = list(self.critic.parameters())
        self._target_params: list[torch.Tensor] = list(self.critic_target.parameters())
        # Acting reuses one input tensor: one copy per step, no new tensor.
        self._obs = torch.zeros(1, obs_dim, dtype=torch.float32)
        self._obs_np: Float32Array = self._obs.numpy()

    @property
    def alpha(self) -> torch.Tensor:
        """The current temperature :math:`\\alpha = e^{\\log\\alpha}` (a detached tensor)."""
        return self.log_alpha.detach().exp()

    @torch.inference_mode()
    def act(self, observation: Any, deterministic: bool = False) -> Float32Array:
        """The action ``[A]`` in ``[-1, 1]`` for one observation ``[obs_dim]``.

        Sampled from the policy (training) or :math:`\\tanh(\\mu(s))` (``deterministic``).
        """
        self._obs_np[0] = observation
        obs = self._obs.to(self.device)
        action = self.actor.deterministic(obs) if deterministic else self.actor.sample_actions(obs)
        out: Float32Array = action[0].cpu().numpy()
        return out

    def update(self, batch: Transitions) -> dict[str, torch.Tensor]:
        """One gradient step of temperature, critics and actor, then the target update.

        Returns:
            The step's losses as detached 0-d tensors (no device synchronization).
        """
        obs, actions, rewards, next_obs, terminated = batch
        alpha = self.log_alpha.detach().exp()

        pi_actions, log_probs = self.actor.sample(obs)
        with torch.no_grad():
            entropy_gap = (log_probs + self.target_entropy).mean()
            alpha_loss = -self.log_alpha[0] * entropy_gap
            next_actions, next_log_probs = self.actor.sample(next_obs)
            next_q = self.critic_target(next_obs, next_actions).amin(dim=1)
            target = rewards + self.gamma * (1.0 - terminated) * (next_q - alpha * next_log_probs)
        q = self.critic(obs, actions)
        critic_loss = 0.5 * (q - target[:, None]).square().mean(0).sum()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.log_alpha.grad = -entropy_gap.reshape(1)
        self.critic_optimizer.step()

        # Freeze the critics so the actor's backward computes no gradient for them.
        for p in self._critic_params:
            p.requires_grad_(False)
        q_pi = self.critic(obs, pi_actions).amin(dim=1)
        for p in self._critic_params:
            p.requires_grad_(True)
        actor_loss = (alpha * log_probs - q_pi).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()

        with torch.no_grad():
            torch._foreach_lerp_(self._target_params, self._critic_params, self.tau)
        return {
            "alpha_loss": alpha_loss,
            "critic_loss": critic_loss.detach(),
            "actor_loss": actor_loss.detach(),
        }

    def state_dict(self) -> dict[str, Any]:
        """Networks, temperature and optimizers, for checkpoints."""
        return {
            "actor": self.actor.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "log_alpha": self.log_alpha.detach().clone(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.actor.load_state_dict(state["actor"])
        self.critic.load_state_dict(state["critic"])
        self.critic_target.load_state_dict(state["critic_target"])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
