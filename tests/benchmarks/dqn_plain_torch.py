"""A plain hand-written torch DQN loop (CleanRL style): the floor of the MinAtar benchmark.

One file, no lagom training code: the MinAtar network as one ``nn.Sequential`` (a 16-channel
3x3 convolution, ReLU, 128 units, ReLU, the linear head: the layers of lagom's
``CNNEncoder`` + ``QNetwork`` and of the Stable-Baselines3 model in
``learning_minatar.py``), a numpy replay buffer of bool observations, epsilon-greedy acting
under ``torch.inference_mode``, and per gradient step: the target network's maximum on
:math:`s'` (vanilla DQN, as Stable-Baselines3), the Huber loss, gradient-norm clipping and a
fused Adam step (the fastest optimizer step torch offers on CPU). The target network is
copied every ``target_update_interval`` steps. The hyperparameters are passed in by
:func:`train`'s arguments (``learning_minatar.py`` gives lagom's ``MINATAR_BREAKOUT``
values).

Environments: ``MinAtar/Breakout-v1`` through ``lagom.baselines.common.make_env`` (a plain
``gym.make`` after MinAtar's registration), the env the other contenders step. Run alone::

    python tests/benchmarks/dqn_plain_torch.py [--seed 0] [--steps 100000]

The file defines no ``test_`` function: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.nn import functional

ENV_ID = "MinAtar/Breakout-v1"


def q_network(channels: int, height: int, width: int, n_actions: int) -> nn.Sequential:
    """Conv 16 3x3 -> ReLU -> flatten -> 128 -> ReLU -> ``n_actions`` (channels-first input)."""
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(16 * (height - 2) * (width - 2), 128),
        nn.ReLU(),
        nn.Linear(128, n_actions),
    )


def _batch(obs: torch.Tensor) -> torch.Tensor:
    """Bool ``[B, H, W, C]`` observations as float ``[B, C, H, W]``."""
    return obs.float().permute(0, 3, 1, 2)


def train(
    seed: int = 0,
    steps: int = 100_000,
    learning_rate: float = 2.5e-4,
    batch_size: int = 32,
    buffer_size: int = 100_000,
    learning_starts: int = 5_000,
    gamma: float = 0.99,
    target_update_interval: int = 1_000,
    train_freq: int = 4,
    exploration_fraction: float = 0.1,
    exploration_initial_eps: float = 1.0,
    exploration_final_eps: float = 0.1,
    max_grad_norm: float = 10.0,
) -> tuple[nn.Sequential, dict[str, float]]:
    """Train for ``steps`` environment steps; the Q-network, and the training loop's
    ``steps_per_s`` and ``cpu_s`` (from the first step to the last gradient step, after the
    environment, the networks and the buffer are made, as the other contenders' clocks)."""
    from lagom.baselines.common import make_env

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    # Episode bookkeeping, as every library keeps it (lagom's and SB3's wrappers).
    env = gym.wrappers.RecordEpisodeStatistics(make_env(ENV_ID))
    obs, _ = env.reset(seed=seed)
    height, width, channels = env.observation_space.shape  # type: ignore[misc]
    n_actions = int(env.action_space.n)  # type: ignore[attr-defined]
    q = q_network(channels, height, width, n_actions)
    q_target = q_network(channels, height, width, n_actions).requires_grad_(False)
    q_target.load_state_dict(q.state_dict())
    optimizer = torch.optim.Adam(q.parameters(), lr=learning_rate, fused=True)
    params = list(q.parameters())
    capacity = min(buffer_size, steps)
    obs_buf = np.zeros((capacity, height, width, channels), dtype=np.bool_)
    next_buf = np.zeros_like(obs_buf)
    act_buf = np.zeros(capacity, dtype=np.int64)
    rew_buf = np.zeros(capacity, dtype=np.float32)
    term_buf = np.zeros(capacity, dtype=np.float32)
    explore_steps = max(1, round(exploration_fraction * steps))
    one = torch.zeros((1, height, width, channels), dtype=torch.bool)
    one_np = one.numpy()
    size = 0
    start, cpu = time.perf_counter(), time.process_time()
    for t in range(steps):
        eps = exploration_initial_eps + (exploration_final_eps - exploration_initial_eps) * min(
            1.0, t / explore_steps
        )
        if t < learning_starts or rng.random() < eps:
            action = int(rng.integers(n_actions))
        else:
            one_np[0] = obs
            with torch.inference_mode():
                action = int(q(_batch(one)).argmax(dim=1)[0])
        next_obs, reward, terminated, truncated, _ = env.step(action)
        i = t % capacity
        obs_buf[i], next_buf[i], act_buf[i] = obs, next_obs, action
        rew_buf[i], term_buf[i] = reward, terminated
        size = min(size + 1, capacity)
        obs = env.reset()[0] if terminated or truncated else next_obs
        step = t + 1
        if step % target_update_interval == 0:
            q_target.load_state_dict(q.state_dict())
        if step > learning_starts and step % train_freq == 0:
            idx = rng.integers(0, size, batch_size)
            b_next = torch.from_numpy(next_buf[idx])
            with torch.no_grad():
                next_q = q_target(_batch(b_next)).amax(dim=1)
                target = (
                    torch.from_numpy(rew_buf[idx])
                    + gamma * (1.0 - torch.from_numpy(term_buf[idx])) * next_q
                )
            values = q(_batch(torch.from_numpy(obs_buf[idx])))
            chosen = values.gather(1, torch.from_numpy(act_buf[idx])[:, None])[:, 0]
            loss = functional.smooth_l1_loss(chosen, target)
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            nn.utils.clip_grad_norm_(params, max_grad_norm)
            optimizer.step()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    env.close()
    return q, {"steps_per_s": steps / wall, "cpu_s": cpu}


def greedy(q: nn.Sequential) -> Any:
    """The greedy policy of ``q`` on batches of observations (for ``evaluate_policy``)."""

    @torch.inference_mode()
    def policy(observations: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        values: torch.Tensor = q(_batch(torch.as_tensor(np.asarray(observations))))
        out: np.ndarray[Any, Any] = values.argmax(dim=1).numpy()
        return out

    return policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from lagom.baselines.common import evaluate_policy, make_env

    q, out = train(args.seed, args.steps)
    metrics = evaluate_policy(greedy(q), lambda: make_env(ENV_ID), 20, args.seed + 10_000)
    print(f"final_return {metrics['return_mean']:.2f}, {out} (1 torch thread)")


if __name__ == "__main__":
    main()
