"""What ``lagom eval`` adds to :func:`lagom.baselines.common.evaluate_policy`: sampled
(``--stochastic``) policies and rendering (``--render human|rgb_array``).

An :class:`~lagom.baselines.Algorithm` record offers only the deterministic policy of a run,
so the sampling policies of the built-in stochastic algorithms come from their modules' public
loaders with ``deterministic=False`` (PPO and VPG: :func:`lagom.baselines.ppo.load_policy`;
SAC: :func:`lagom.baselines.sac.make_policy`): the same environment, observations and
checks as the deterministic policy. TD3, DDPG, DQN and the evolution strategies train
deterministic policies: ``--stochastic`` is refused for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lagom.baselines.algorithm import POLICY_FILE
from lagom.cli._early import UsageError

if TYPE_CHECKING:
    import gymnasium as gym

    from lagom.baselines import PolicyFn

__all__ = [
    "STOCHASTIC",
    "FrameCounter",
    "frame_counter",
    "stochastic_policy",
]

#: The algorithms whose trained policy samples its actions.
STOCHASTIC = ("ppo", "sac", "vpg")


def _on_policy(algorithm: str, run_dir: Path, device: str, name: str) -> PolicyFn:
    from lagom.baselines import common, ppo, vpg

    # PPO's own loading, sampling instead of the mode: the environment as training made it
    # (Atari preprocessed and stacked), Dict observations and their standardization.
    default_config = ppo.default_config if algorithm == "ppo" else vpg.default_config
    config: Any = common.load_run_config(run_dir, default_config)
    return ppo.load_policy(run_dir, device, config, deterministic=False, name=name)


def _sac(run_dir: Path, device: str, name: str) -> PolicyFn:
    from lagom.baselines import sac

    return sac.make_policy(run_dir, device, deterministic=False, name=name)


def stochastic_policy(
    algorithm: str, run_dir: Path, device: str, seed: int, *, name: str = POLICY_FILE
) -> PolicyFn:
    """The trained policy of a run of ``algorithm`` that samples its actions
    (``a ~ π(·|s)``), rebuilt from the run's policy file ``name`` (``best_policy.pt`` for
    ``--best``), torch's generator seeded with ``seed`` first.

    Raises:
        UsageError: ``algorithm`` trains a deterministic policy (see :data:`STOCHASTIC`).
        ValueError: not a run folder of ``algorithm``, or no file ``name`` in it.
    """
    if algorithm not in STOCHASTIC:
        raise UsageError(
            f"--stochastic: {algorithm} trains a deterministic policy; it applies to "
            f"{', '.join(STOCHASTIC)}"
        )
    import torch

    if algorithm == "sac":
        policy = _sac(run_dir, device, name)
    else:
        policy = _on_policy(algorithm, run_dir, device, name)
    torch.manual_seed(seed)
    return policy


class FrameCounter:
    """Counts the frames that an ``rgb_array`` environment renders after each reset and step
    (the frames themselves are not kept)."""

    def __init__(self) -> None:
        self.frames = 0
        self.shape: tuple[int, ...] | None = None

    def grab(self, env: gym.Env[Any, Any]) -> None:
        """Render one frame of ``env`` and count it."""
        frame = env.render()
        if frame is not None:
            self.frames += 1
            self.shape = tuple(np.asarray(frame).shape)


def frame_counter(env: gym.Env[Any, Any], counter: FrameCounter) -> gym.Env[Any, Any]:
    """``env`` wrapped so that ``counter`` grabs a frame after every reset and step."""
    import gymnasium as gym

    class _Frames(gym.Wrapper[Any, Any, Any, Any]):
        def reset(
            self, *, seed: int | None = None, options: dict[str, Any] | None = None
        ) -> tuple[Any, dict[str, Any]]:
            out = self.env.reset(seed=seed, options=options)
            counter.grab(self.env)
            return out

        def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
            out = self.env.step(action)
            counter.grab(self.env)
            return out

    return _Frames(env)
