"""``python -m lagom``: a short, runnable tour of the core (GAE on a batch of episodes)."""

from __future__ import annotations

import numpy as np

from lagom.metric import batched_gae, batched_returns


def main() -> None:
    """Compute GAE and discounted returns on a small batch and print them."""
    T, N = 6, 3
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(T, N)).astype(np.float32)
    values = rng.normal(size=(T, N)).astype(np.float32)
    next_values = np.concatenate([values[1:], rng.normal(size=(1, N)).astype(np.float32)])
    terminated = np.zeros((T, N), dtype=bool)
    truncated = np.zeros((T, N), dtype=bool)
    terminated[2, 0] = True
    truncated[3, 1] = True
    advantages = batched_gae(
        0.99, 0.95, rewards, values, next_values, terminated=terminated, truncated=truncated
    )
    returns = batched_returns(
        0.99, rewards, next_values, terminated=terminated, truncated=truncated
    )
    print(f"GAE advantages [T={T}, N={N}], dtype {advantages.dtype}:")
    print(np.array2string(advantages, precision=3))
    print("Bootstrapped discounted returns:")
    print(np.array2string(returns, precision=3))


if __name__ == "__main__":
    main()
