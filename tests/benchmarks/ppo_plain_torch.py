"""A plain hand-written torch PPO loop (CleanRL style): the floor of the PPO benchmark.

One file, no lagom training code: two ``nn.Sequential`` MLPs (64-64 tanh, orthogonal init,
as Stable-Baselines3's ``MlpPolicy``), Adam (eps 1e-5), GAE with time-limit bootstrapping
from the true final observation, ``n_epochs`` passes of shuffled minibatches of the clipped
surrogate with advantage normalization and gradient-norm clipping, linear learning rate and
clip range. The hyperparameters are the rl-baselines3-zoo CartPole-v1 values that lagom's
``ppo.default_config("CartPole-v1")`` holds (passed in by :func:`train`'s arguments).

Environments (``env``):

- ``"native"``: gymnasium's numpy-vectorized ``CartPoleVectorEnv`` with same-step autoreset
  (``lagom.envs.make_native_vec_env``), the implementation lagom's PPO trains on;
- ``"sync"``: N copies of ``gym.make("CartPole-v1")`` in gymnasium's ``SyncVectorEnv`` with
  same-step autoreset, the per-environment implementation Stable-Baselines3's
  ``DummyVecEnv`` steps.

The final evaluation is ``lagom.baselines.common.evaluate_policy`` (20 deterministic episodes,
seeds ``seed + 10000 + i``), the one the other benchmark rows use. Run alone::

    python tests/benchmarks/ppo_plain_torch.py [--seed 0] [--steps 100000] [--env native]
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical


def _mlp(obs_dim: int, out: int, gain: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, o in ((obs_dim, 64), (64, 64)):
        linear = nn.Linear(i, o)
        nn.init.orthogonal_(linear.weight, math.sqrt(2.0))
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.Tanh()]
    head = nn.Linear(64, out)
    nn.init.orthogonal_(head.weight, gain)
    nn.init.zeros_(head.bias)
    return nn.Sequential(*layers, head)


def _make_env(kind: str, n: int, seed: int) -> Any:
    if kind == "native":
        from lagom.envs import make_native_vec_env

        return make_native_vec_env("CartPole-v1", n, init_seed=seed)
    env = gym.vector.SyncVectorEnv(
        [lambda: gym.make("CartPole-v1") for _ in range(n)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    env.reset(seed=seed)
    return env


def train(
    seed: int = 0,
    steps: int = 100_000,
    env_kind: str = "native",
    num_envs: int = 8,
    n_steps: int = 32,
    batch_size: int = 256,
    n_epochs: int = 20,
    gamma: float = 0.98,
    lam: float = 0.8,
    lr: float = 1e-3,
    clip: float = 0.2,
    vf_coef: float = 0.5,
    ent_coef: float = 0.0,
    max_grad_norm: float = 0.5,
) -> dict[str, float]:
    """Train with linear lr and clip schedules; ``final_return`` (mean of 20 deterministic
    episodes) and ``env_steps``."""
    from lagom.baselines.common import evaluate_policy

    torch.manual_seed(seed)
    env = _make_env(env_kind, num_envs, seed)
    obs_np, _ = env.reset(seed=seed)
    actor, critic = _mlp(4, 2, 0.01), _mlp(4, 1, 1.0)
    params = [*actor.parameters(), *critic.parameters()]
    optimizer = torch.optim.Adam(params, lr=lr, eps=1e-5)
    T, N = n_steps, num_envs
    obs_buf = torch.zeros(T, N, 4)
    next_buf = torch.zeros(T, N, 4)
    act_buf = torch.zeros(T, N, dtype=torch.int64)
    rew_buf = np.zeros((T, N), dtype=np.float32)
    term_buf = np.zeros((T, N), dtype=np.float32)
    done_buf = np.zeros((T, N), dtype=np.float32)
    done_steps = 0
    while done_steps < steps:
        for t in range(T):
            obs = torch.as_tensor(obs_np, dtype=torch.float32)
            with torch.no_grad():
                action = Categorical(logits=actor(obs)).sample()  # type: ignore[no-untyped-call]
            obs_np, reward, terminated, truncated, info = env.step(action.numpy())
            next_obs = np.array(obs_np, dtype=np.float32)
            if "final_obs" in info:
                for i in np.flatnonzero(info["_final_obs"]):
                    next_obs[i] = info["final_obs"][i]
            obs_buf[t], next_buf[t], act_buf[t] = obs, torch.from_numpy(next_obs), action
            rew_buf[t], term_buf[t] = reward, terminated
            done_buf[t] = np.logical_or(terminated, truncated)
        done_steps += T * N
        frac = max(1.0 - done_steps / steps, 0.0)
        for group in optimizer.param_groups:
            group["lr"] = lr * frac
        eps = clip * frac
        b_obs, b_act = obs_buf.reshape(-1, 4), act_buf.reshape(-1)
        with torch.no_grad():
            values = critic(b_obs).squeeze(-1)
            next_values = critic(next_buf.reshape(-1, 4)).squeeze(-1).reshape(T, N).numpy()
            old_logp = Categorical(logits=actor(b_obs)).log_prob(b_act)  # type: ignore[no-untyped-call]
        v = values.reshape(T, N).numpy()
        adv = np.zeros((T, N), dtype=np.float32)
        last = np.zeros(N, dtype=np.float32)
        for t in reversed(range(T)):
            delta = rew_buf[t] + gamma * (1.0 - term_buf[t]) * next_values[t] - v[t]
            last = delta + gamma * lam * (1.0 - done_buf[t]) * last
            adv[t] = last
        b_adv = torch.from_numpy(adv.reshape(-1))
        b_ret = b_adv + values
        n = T * N
        for _ in range(n_epochs):
            perm = torch.randperm(n)
            for start in range(0, n, batch_size):
                idx = perm[start : start + batch_size]
                dist = Categorical(logits=actor(b_obs[idx]))
                logp = dist.log_prob(b_act[idx])  # type: ignore[no-untyped-call]
                a = b_adv[idx]
                a = (a - a.mean()) / (a.std() + 1e-8)
                ratio = (logp - old_logp[idx]).exp()
                pg = -torch.min(a * ratio, a * ratio.clamp(1 - eps, 1 + eps)).mean()
                v_loss = ((critic(b_obs[idx]).squeeze(-1) - b_ret[idx]) ** 2).mean()
                entropy = dist.entropy()  # type: ignore[no-untyped-call]
                loss = pg + vf_coef * v_loss - ent_coef * entropy.mean()
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, max_grad_norm)
                optimizer.step()
    env.close()

    def policy(o: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        with torch.no_grad():
            logits: torch.Tensor = actor(torch.as_tensor(o, dtype=torch.float32))
            out: np.ndarray[Any, Any] = logits.argmax(-1).numpy()
            return out

    metrics = evaluate_policy(policy, lambda: gym.make("CartPole-v1"), 20, seed + 10_000)
    return {"final_return": metrics["return_mean"], "env_steps": float(done_steps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--env", choices=("native", "sync"), default="native")
    args = parser.parse_args()
    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    out = train(args.seed, args.steps, args.env)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{out} wall {wall:.1f} s cpu {cpu:.1f} s (1 torch thread)")


if __name__ == "__main__":
    main()
