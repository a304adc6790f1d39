"""Evaluation during training, and the best policy kept (private; used by every algorithm).

Every ``eval.every`` environment steps, :class:`PeriodicEvaluation` runs ``eval.every_episodes``
deterministic episodes on a fresh environment seeded apart from training (episode ``i`` of
every evaluation resets with seed ``seed + 20000 + i``, so evaluations compare policies on
the same starts), returns the columns for the progress row, and writes the policy's tensors
to ``best_policy.pt`` whenever the mean return beats every earlier one. Its counters are part
of the run's checkpoint, so a resumed run evaluates at the same steps and keeps the same best.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import gymnasium as gym

from lagom._checks import check_int
from lagom.baselines import common

__all__ = ["BEST_POLICY_FILE", "PeriodicEvaluation"]

#: The best policy's tensors, beside the last one's ``policy.pt``.
BEST_POLICY_FILE = "best_policy.pt"

#: Evaluation ``k``'s episode ``i`` resets with seed ``seed + EVAL_SEED_OFFSET + i``.
EVAL_SEED_OFFSET = 20_000


def _every(value: object) -> int:
    return check_int("eval.every", value, minimum=0)


def _episodes(value: object) -> int:
    return check_int("eval.every_episodes", value, minimum=1)


def _seed(value: object) -> int:
    return check_int("seed", value, minimum=0)


@attrs.define
class PeriodicEvaluation:
    """When to evaluate during training, and the best result so far.

    Args:
        every: environment steps between evaluations (0: never during training).
        episodes: deterministic episodes per evaluation.
        seed: the run's seed; episode ``i`` resets with ``seed + 20000 + i``.
        make_env: builds the evaluation environment (a fresh one per evaluation).

    Example:
        >>> import tempfile
        >>> import numpy as np, torch
        >>> evaluation = PeriodicEvaluation(every=100, episodes=2, seed=0,
        ...                                 make_env=lambda: gym.make("CartPole-v1"))
        >>> evaluation.due(99), evaluation.due(100)
        (False, True)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     columns = evaluation(Path(folder), 100, lambda obs: np.ones(len(obs), int),
        ...                          lambda: {"w": torch.ones(1)})
        ...     saved = (Path(folder) / BEST_POLICY_FILE).exists()
        >>> columns["eval_return"], evaluation.best_step, saved, evaluation.due(150)
        (9.0, 100, True, False)
    """

    every: int = attrs.field(converter=_every)
    episodes: int = attrs.field(converter=_episodes)
    seed: int = attrs.field(converter=_seed)
    make_env: Callable[[], gym.Env[Any, Any]]
    #: Step count of the next evaluation.
    next_at: int = attrs.field(init=False)
    #: The best mean return so far (``-inf`` before the first evaluation).
    best_return: float = -math.inf
    #: The step count of the best evaluation (``None`` before the first).
    best_step: int | None = None

    def __attrs_post_init__(self) -> None:
        self.next_at = self.every

    def due(self, timesteps: int) -> bool:
        """Whether an evaluation is due after ``timesteps`` environment steps."""
        return self.every > 0 and timesteps >= self.next_at

    def __call__(
        self,
        logdir: Path,
        timesteps: int,
        policy: common.Policy,
        tensors: Callable[[], Mapping[str, Any]],
    ) -> dict[str, float]:
        """Evaluate when due and return the progress columns (``{}`` when not due):
        ``eval_return`` (mean), ``eval_return_std``, ``eval_best_return``; write
        ``best_policy.pt`` from ``tensors()`` when this evaluation is the best so far."""
        if not self.due(timesteps):
            return {}
        while self.next_at <= timesteps:
            self.next_at += self.every
        seed = self.seed + EVAL_SEED_OFFSET
        metrics = common.evaluate_policy(policy, self.make_env, self.episodes, seed)
        mean = metrics["return_mean"]
        if mean > self.best_return:
            self.best_return, self.best_step = mean, timesteps
            common.save_policy(logdir, tensors(), name=BEST_POLICY_FILE)
        return {
            "eval_return": mean,
            "eval_return_std": metrics["return_std"],
            "eval_best_return": self.best_return,
        }

    def state(self) -> dict[str, Any]:
        """The counters a checkpoint keeps."""
        return {"next_at": self.next_at, "best_return": self.best_return, "best": self.best_step}

    def restore(self, state: Mapping[str, Any] | None) -> None:
        """Take back what :meth:`state` returned (``None``: a checkpoint from before
        evaluation during training existed; nothing to restore)."""
        if state is None:
            return
        self.next_at = int(state["next_at"])
        self.best_return = float(state["best_return"])
        self.best_step = None if state["best"] is None else int(state["best"])

    def summary(self) -> dict[str, float]:
        """``best_eval_return`` and ``best_eval_step`` for the final summary (``{}`` when no
        evaluation ran during training)."""
        if self.best_step is None:
            return {}
        return {"best_eval_return": self.best_return, "best_eval_step": float(self.best_step)}
