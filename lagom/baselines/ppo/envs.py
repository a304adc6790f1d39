"""Training environments and deterministic policies of the on-policy algorithms (PPO, VPG).

The training environment is N seeded copies with same-step autoreset
(:func:`~lagom.envs.make_native_vec_env` where gymnasium has a numpy-vectorized implementation,
else :func:`~lagom.envs.make_vec_env`), recorded by
:class:`~lagom.envs.VecRecordEpisodeStatistics` on the raw rewards, then optionally
standardized by :class:`~lagom.envs.VecNormalizeObservation` and
:class:`~lagom.envs.VecNormalizeReward`. For checkpoints the whole stack, simulator and random
generators included, is pickled with cloudpickle together with the runner that holds the last
observations, so a resumed run continues the same episodes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import cloudpickle
import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from lagom._types import NDArray
from lagom.baselines.ppo.agent import ActorCritic
from lagom.envs import (
    VecNormalizeObservation,
    VecNormalizeReward,
    VecRecordEpisodeStatistics,
    make_native_vec_env,
    make_vec_env,
)
from lagom.runner import VecStepRunner

__all__ = [
    "NATIVE_ENVS",
    "ObsNormalizer",
    "TrainEnv",
    "deterministic_policy",
    "dump_train_env",
    "load_train_env",
    "make_train_env",
]

#: Environments with a numpy-vectorized implementation and a same-step adapter.
NATIVE_ENVS = frozenset({"CartPole-v1"})


class TrainEnv(NamedTuple):
    """A training environment, its episode recorder and the runner collecting from it.

    Example:
        >>> from lagom.baselines.ppo import default_config
        >>> cfg = {**default_config("CartPole-v1"), "env.num_envs": 2}
        >>> train_env = make_train_env(cfg, seed=0)
        >>> env, stats, runner = train_env
        >>> env.num_envs, type(runner).__name__, train_env.train_return()
        (2, 'VecStepRunner', nan)
        >>> env.close()
    """

    env: Any
    stats: VecRecordEpisodeStatistics
    runner: VecStepRunner

    def train_return(self) -> float:
        """Mean return of the last 100 finished training episodes (NaN before the first)."""
        queue = self.stats.return_queue
        return float(np.mean(queue)) if queue else float("nan")

    def obs_normalizer(self) -> ObsNormalizer | None:
        """A frozen copy of the observation standardization, ``None`` without one."""
        env = self.env
        while not isinstance(env, VecNormalizeObservation):
            if env is self.stats:
                return None
            env = env.env
        moments = env.obs_moments
        if moments is None:
            return None
        return ObsNormalizer(np.array(moments.mean), np.array(moments.var), float(env.clip))


class ObsNormalizer(NamedTuple):
    """``clip((x - mean) / sqrt(var + 1e-8), -clip, clip)`` with frozen moments.

    Example:
        >>> import numpy as np
        >>> ObsNormalizer(np.array([1.0, 0.0]), np.array([4.0, 1.0]), 5.0)(np.array([[3.0, 9.0]]))
        array([[1., 5.]], dtype=float32)
    """

    mean: NDArray[np.float64]
    var: NDArray[np.float64]
    clip: float

    def __call__(self, x: NDArray[Any]) -> NDArray[np.float32]:
        z = (np.asarray(x, dtype=np.float64) - self.mean) / np.sqrt(self.var + 1e-8)
        out: NDArray[np.float32] = np.clip(z, -self.clip, self.clip).astype(np.float32)
        return out


def make_train_env(cfg: Mapping[str, Any], seed: int) -> TrainEnv:
    """The training environment described by ``cfg`` (``env.*`` keys), seeded with ``seed``.

    Reads ``env.id``, ``env.num_envs``, ``env.native``, ``env.normalize_obs``,
    ``env.normalize_reward``, ``env.clip_obs``, ``env.clip_reward`` and ``agent.gamma`` (the
    discount of the reward normalizer's running return).

    Example:
        >>> from lagom.baselines.ppo import default_config
        >>> cfg = {**default_config("CartPole-v1"), "env.num_envs": 2, "env.normalize_obs": True}
        >>> train_env = make_train_env(cfg, seed=0)
        >>> train_env.env.num_envs, train_env.train_return(), train_env.obs_normalizer().clip
        (2, nan, 10.0)
        >>> train_env.env.close()
    """
    env_id, num_envs = str(cfg["env.id"]), int(cfg["env.num_envs"])
    if cfg["env.native"] and env_id in NATIVE_ENVS:
        env: Any = make_native_vec_env(env_id, num_envs, init_seed=seed)
    else:
        env = make_vec_env(lambda: gym.make(env_id), num_envs, init_seed=seed)
    stats = VecRecordEpisodeStatistics(env)
    env = stats
    if cfg["env.normalize_obs"]:
        env = VecNormalizeObservation(env, clip=float(cfg["env.clip_obs"]))
    if cfg["env.normalize_reward"]:
        env = VecNormalizeReward(
            env, clip=float(cfg["env.clip_reward"]), gamma=float(cfg["agent.gamma"])
        )
    return TrainEnv(env, stats, VecStepRunner())


def dump_train_env(train_env: TrainEnv) -> bytes:
    """The pickled environment stack and runner (one pickle keeps their shared references).

    Example:
        >>> from lagom.baselines.ppo import default_config
        >>> train_env = make_train_env(default_config("CartPole-v1"), seed=0)
        >>> copy = load_train_env(dump_train_env(train_env))
        >>> copy.runner is not train_env.runner, copy.stats is copy.env
        (True, True)
    """
    data: bytes = cloudpickle.dumps(tuple(train_env))
    return data


def load_train_env(data: bytes) -> TrainEnv:
    """The inverse of :func:`dump_train_env`.

    Example:
        >>> from lagom.baselines.ppo import default_config
        >>> cfg = {**default_config("CartPole-v1"), "env.num_envs": 2}
        >>> train_env = make_train_env(cfg, seed=0)
        >>> copy = load_train_env(dump_train_env(train_env))
        >>> isinstance(copy, TrainEnv), copy.env.num_envs, copy.env is not train_env.env
        (True, 2, True)
        >>> train_env.env.close(), copy.env.close()
        (None, None)
    """
    env, stats, runner = cloudpickle.loads(data)
    return TrainEnv(env, stats, runner)


def deterministic_policy(
    model: ActorCritic,
    action_space: spaces.Space[Any],
    normalizer: ObsNormalizer | None,
) -> Callable[[NDArray[Any]], NDArray[Any]]:
    """Observation batch ``[B, *shape]`` -> most likely actions ``[B, ...]`` (numpy in and out).

    Observations are standardized with ``normalizer`` first; Box actions are clipped to the
    bounds of ``action_space``.

    Example:
        >>> import numpy as np
        >>> box = spaces.Box(-2, 2, (1,))
        >>> model = ActorCritic(spaces.Box(-1, 1, (3,)), box, [4], "tanh", "cpu")
        >>> policy = deterministic_policy(model, box, None)
        >>> policy(np.zeros((5, 3))).shape
        (5, 1)
    """
    device = model.device

    def policy(obs: NDArray[Any]) -> NDArray[Any]:
        x = normalizer(obs) if normalizer is not None else np.asarray(obs, dtype=np.float32)
        with torch.inference_mode():
            action = model.mode(torch.as_tensor(x, dtype=torch.float32, device=device))
        out = action.cpu().numpy()
        if isinstance(action_space, spaces.Box):
            out = np.clip(
                out.reshape(len(out), *action_space.shape), action_space.low, action_space.high
            )
        return out

    return policy
