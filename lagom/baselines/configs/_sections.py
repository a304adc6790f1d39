"""Fields every algorithm's ``train`` and ``eval`` sections share (private).

Keyword-only, so that the sections' own fields keep their positions
(``EvalConfig(20)`` is still ``episodes=20``).
"""

from __future__ import annotations

import attrs

from lagom.baselines._fields import COUNT, SINKS, SIZE

__all__ = ["EvalDuringTraining", "LogSinks"]


@attrs.frozen
class LogSinks:
    """``train.log``: the log sinks besides ``progress.csv``.

    >>> LogSinks().log
    ()
    """

    #: Log sinks besides ``progress.csv``: ``"jsonl"`` (``progress.jsonl``) and
    #: ``"tensorboard"`` (``tb/``, extra ``tensorboard``); ``lagom train --log``.
    log: tuple[str, ...] = attrs.field(default=(), validator=SINKS, kw_only=True)


@attrs.frozen
class EvalDuringTraining:
    """``eval.every`` and ``eval.every_episodes``: evaluation during training.

    >>> EvalDuringTraining(every=1000).every_episodes
    5
    """

    #: Evaluate during training every this many environment steps (generations for the
    #: evolution strategies; 0: only the final evaluation); the columns ``eval_return``,
    #: ``eval_return_std``, ``eval_best_return`` and ``best_policy.pt`` beside ``policy.pt``.
    every: int = attrs.field(default=0, validator=SIZE, kw_only=True)
    #: Deterministic episodes of each evaluation during training (seeds ``seed + 20000 + i``).
    every_episodes: int = attrs.field(default=5, validator=COUNT, kw_only=True)
