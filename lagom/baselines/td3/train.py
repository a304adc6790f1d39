"""TD3's (and DDPG's) training loop: ``run(config, seed, device, logdir)`` and ``make_policy``.

The loop is :func:`lagom.baselines._offpolicy.train`, shared with SAC: one environment
stepped directly, one replay row per step with the true next observation and separate
``terminated``/``truncated``, and, every ``agent.train_freq`` steps after
``agent.learning_starts``, ``agent.gradient_steps`` updates of
:class:`~lagom.baselines.td3.agent.TD3Agent`. TD3's own part is exploration: uniformly random
actions before ``learning_starts``, then
:math:`\\operatorname{clip}(\\mu(s) + \\mathcal{N}(0, \\sigma^2), -1, 1)` with
:math:`\\sigma` = ``agent.action_noise``.

A checkpoint holds the agent, the replay buffer, the pickled environment, the current
observation, the counters and every random generator, so a resumed run on CPU matches an
uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lagom._types import Float32Array
from lagom.baselines import _offpolicy
from lagom.baselines._offpolicy import deterministic_policy, load_actor
from lagom.baselines.td3.agent import TD3Agent
from lagom.baselines.td3.config import default_config
from lagom.baselines.td3.networks import DeterministicActor

__all__ = ["make_policy", "run", "train"]


def _act(
    agent: TD3Agent, obs: Any, explore: np.random.Generator, cfg: Mapping[str, Any]
) -> Float32Array:
    action = agent.act(obs)
    noise = cfg["agent.action_noise"]
    if noise > 0.0:
        action = (action + explore.normal(0.0, noise, len(action))).astype(np.float32)
        np.clip(action, -1.0, 1.0, out=action)
    return action


def train(
    config: Mapping[str, Any],
    seed: int,
    device: str,
    logdir: Path,
    *,
    name: str,
    defaults: Callable[[str], dict[str, Any]],
) -> dict[str, float]:
    """The loop shared by TD3 and DDPG, which differ only in ``defaults`` and ``name``.

    See :func:`run` for the arguments; ``name`` goes to ``run.yml`` and ``defaults`` gives
    the configuration of an environment id.

    Example:
        A TD3 with a single critic, under its own name:

        >>> import tempfile
        >>> from lagom.utils import yaml_load
        >>> def one_critic(env_id):
        ...     return {**default_config(env_id), "agent.n_critics": 1}
        >>> config = {"train.timesteps": 110, "train.log_interval": 55, "eval.episodes": 1}
        >>> config |= {"agent.learning_starts": 100, "agent.batch_size": 16}  # 10 updates
        >>> config["agent.hidden_sizes"] = [16]
        >>> with tempfile.TemporaryDirectory() as logdir:
        ...     metrics = train(config, 0, "cpu", Path(logdir), name="td3-1", defaults=one_critic)
        ...     info = yaml_load(Path(logdir) / "run.yml")
        >>> info["algorithm"], info["config"]["agent.n_critics"], metrics["episodes"]
        ('td3-1', 1, 1.0)
    """
    return _offpolicy.train(
        config,
        seed,
        device,
        logdir,
        name=name,
        defaults=defaults,
        agent=TD3Agent,
        agent_keys=("n_critics", "policy_delay", "target_policy_noise", "target_noise_clip"),
        act=_act,
        actor=lambda agent: agent.actor,
        loss_keys=("critic_loss", "actor_loss"),
    )


def run(config: Mapping[str, Any], seed: int, device: str, logdir: Path) -> dict[str, float]:
    """Train TD3; write ``run.yml``, ``progress.csv``, ``checkpoint.pt``, ``final_eval.yml``.

    Args:
        config: dotted keys overriding :func:`~lagom.baselines.td3.default_config` of
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
    return train(config, seed, device, logdir, name="td3", defaults=default_config)


def make_policy(run_dir: Path, device: str) -> Callable[[Any], Any]:
    """The trained deterministic policy of a TD3 or DDPG run: observations ``[B, ...]`` to
    actions ``[B, A]`` within the action space bounds (numpy in and out).

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
    actor, space = load_actor(run_dir, device, "TD3", DeterministicActor)
    return deterministic_policy(actor, space, device)
