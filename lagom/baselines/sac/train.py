"""SAC's training loop: ``run(config, seed, device, logdir)`` and ``make_policy(run_dir, device)``.

The loop is :func:`lagom.baselines._offpolicy.train`, shared with TD3 and DDPG: one
environment stepped directly, one replay row per step with the true next observation and
separate ``terminated``/``truncated``, and, every ``agent.train_freq`` steps after
``agent.learning_starts``, ``agent.gradient_steps`` updates of
:class:`~lagom.baselines.sac.agent.SACAgent`. SAC's own parts: actions are sampled from the
policy after ``learning_starts`` (uniformly random before), and each progress row also holds
the temperature ``alpha`` and the three losses.

A checkpoint holds the agent, the replay buffer, the pickled environment (its simulator and
random state, so a resumed run continues the same episode), the current observation, the
counters and every random generator, so a resumed run on CPU matches an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lagom._types import Float32Array
from lagom.baselines._offpolicy import deterministic_policy, load_actor, train
from lagom.baselines.sac.agent import SACAgent
from lagom.baselines.sac.config import default_config
from lagom.baselines.sac.networks import SquashedGaussianActor

__all__ = ["make_policy", "run"]


def _act(
    agent: SACAgent, obs: Any, explore: np.random.Generator, cfg: Mapping[str, Any]
) -> Float32Array:
    # The policy's own noise explores (torch's generator); ``explore`` is not needed.
    return agent.act(obs)


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train SAC; write ``run.yml``, ``progress.csv``, ``checkpoint.pt``, ``final_eval.yml``.

    Args:
        config: dotted keys overriding :func:`~lagom.baselines.sac.default_config` of
            ``config["env.id"]`` (default ``Pendulum-v1``).
        seed: seed of networks, environment, exploration and replay sampling.
        device: torch device of the networks (``"cpu"``, ``"cuda"``, ...).
        logdir: the run's folder; a checkpoint found there is resumed from.

    Returns:
        The final evaluation (``return_mean``, ...), or ``{}`` when ``train.stop_at`` stopped
        the run early.

    Raises:
        ValueError: an unknown config key, or an environment without Box actions.

    Example:
        >>> import tempfile
        >>> config = {"train.timesteps": 110, "train.log_interval": 55, "eval.episodes": 1}
        >>> config |= {"agent.learning_starts": 100, "agent.batch_size": 16}  # 10 updates
        >>> config["agent.hidden_sizes"] = [16]
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     files = sorted(path.name for path in Path(logdir).iterdir())
        >>> files
        ['checkpoint.pt', 'final_eval.yml', 'progress.csv', 'run.yml']
        >>> metrics["episodes"], metrics["horizon_mean"]  # one 200-step Pendulum episode
        (1.0, 200.0)
    """
    return train(
        config,
        seed,
        device,
        logdir,
        name="sac",
        defaults=default_config,
        agent=SACAgent,
        agent_keys=("init_alpha", "target_entropy"),
        act=_act,
        actor=lambda agent: agent.actor.deterministic,
        loss_keys=("critic_loss", "actor_loss", "alpha_loss"),
        columns=lambda agent: {"alpha": float(agent.alpha)},
    )


def make_policy(run_dir: Path, device: str) -> Callable[[Any], Any]:
    """The trained deterministic policy of a SAC run: observations ``[B, ...]`` to actions
    ``[B, A]`` within the action space bounds (numpy in and out).

    Raises:
        ValueError: ``run_dir`` is not a run folder or holds no checkpoint.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> config = {"train.timesteps": 110, "train.log_interval": 55, "eval.episodes": 1}
        >>> config |= {"agent.learning_starts": 100, "agent.batch_size": 16}  # 10 updates
        >>> config["agent.hidden_sizes"] = [16]
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     _ = run(config, seed=0, device="cpu", logdir=Path(logdir))
        ...     act = make_policy(Path(logdir), "cpu")
        >>> actions = act(np.zeros((5, 3)))  # Pendulum-v1: 3 observations, 1 action in [-2, 2]
        >>> actions.shape, bool(np.all(np.abs(actions) <= 2.0))
        ((5, 1), True)
    """
    actor, space = load_actor(run_dir, device, "SAC", SquashedGaussianActor)
    return deterministic_policy(actor.deterministic, space, device)
