"""One DQN update of lagom beside Stable-Baselines3's, from the same weights on the same batch.

A check of the math, not a speed benchmark: lagom's ``DQNAgent`` (vanilla targets, the zoo's
CartPole settings) and SB3's ``DQN`` start from the same network weights (SB3's, copied
into lagom's ``QNetwork``) and take three gradient steps on one fixed batch of 64
transitions; the script prints the largest weight differences afterwards (float32
rounding, about 1e-8, when the updates agree).

Run from the repository root::

    python tests/benchmarks/check_dqn_update.py

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

from typing import Any

import attrs
import gymnasium as gym
import numpy as np
import torch

from lagom.baselines.dqn import CARTPOLE, DQNAgent, NStepTensors


def main() -> None:
    from stable_baselines3 import DQN
    from stable_baselines3.common.logger import configure
    from stable_baselines3.common.type_aliases import ReplayBufferSamples

    torch.set_num_threads(1)
    cfg = attrs.evolve(CARTPOLE.agent, double=False)
    model = DQN(
        "MlpPolicy",
        gym.make("CartPole-v1"),
        learning_rate=cfg.lr,
        batch_size=64,
        gamma=cfg.gamma,
        max_grad_norm=cfg.max_grad_norm,
        policy_kwargs={"net_arch": list(cfg.hidden_sizes)},
        device="cpu",
        seed=0,
    )
    agent = DQNAgent(4, 2, cfg, torch.device("cpu"))
    sb3_net = model.policy.q_net.q_net  # Linear, ReLU, Linear, ReLU, Linear
    lagom_layers = [*agent.q_net.layers, agent.q_net.head]
    with torch.no_grad():
        for ours, theirs in zip(lagom_layers, sb3_net[::2], strict=True):
            ours.weight.copy_(theirs.weight)
            ours.bias.copy_(theirs.bias)
    agent.q_net_target.load_state_dict(agent.q_net.state_dict())
    model.policy.q_net_target.load_state_dict(model.policy.q_net.state_dict())

    rng = np.random.default_rng(0)
    obs = torch.tensor(rng.normal(size=(64, 4)), dtype=torch.float32)
    next_obs = torch.tensor(rng.normal(size=(64, 4)), dtype=torch.float32)
    actions = torch.tensor(rng.integers(0, 2, 64))
    rewards = torch.ones(64)
    terminated = torch.tensor(rng.random(64) < 0.1, dtype=torch.float32)
    batch = ReplayBufferSamples(
        obs, actions[:, None], next_obs, terminated[:, None], rewards[:, None]
    )

    class _Fixed:  # SB3's train() samples this one batch every time
        def sample(self, batch_size: int, env: Any = None) -> Any:
            return batch

    model.replay_buffer = _Fixed()  # type: ignore[assignment]
    model.set_logger(configure(None, []))
    model._current_progress_remaining = 1.0
    model.train(gradient_steps=3, batch_size=64)
    tensors = NStepTensors(obs, actions, rewards, next_obs, cfg.gamma * (1.0 - terminated))
    for _ in range(3):
        agent.update(tensors)
    differences = [
        float((ours.weight - theirs.weight).detach().abs().max())
        for ours, theirs in zip(lagom_layers, sb3_net[::2], strict=True)
    ]
    print("largest weight difference per layer after 3 updates:", differences)


if __name__ == "__main__":
    main()
