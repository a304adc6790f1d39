"""Tests of ``lagom.engine.BaseEngine``: abstract methods are enforced, a small engine works."""

from __future__ import annotations

from typing import Any

import pytest

from lagom.engine import BaseEngine
from lagom.logger import Logger


class TinyEngine(BaseEngine):
    """Trains by adding the configured step to a counter held by the agent."""

    logger: Logger

    def train(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
        self.agent["value"] += self.config["step"]
        self.logger("iteration", n)
        self.logger("value", self.agent["value"])
        return {"iteration": n, "value": self.agent["value"], **kwargs}

    def eval(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
        return {"iteration": n, "value": self.agent["value"], "env": self.env}


def test_base_engine_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BaseEngine({})  # type: ignore[abstract]


def test_missing_eval_is_refused() -> None:
    class TrainOnly(BaseEngine):
        def train(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
            return {}

    with pytest.raises(TypeError, match="eval"):
        TrainOnly({})  # type: ignore[abstract]


def test_base_methods_raise_when_called_through_super() -> None:
    class Lazy(BaseEngine):
        def train(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
            return super().train(n, **kwargs)  # type: ignore[safe-super]

        def eval(self, n: int | None = None, **kwargs: Any) -> dict[str, Any]:
            return super().eval(n, **kwargs)  # type: ignore[safe-super]

    engine = Lazy({})
    with pytest.raises(NotImplementedError):
        engine.train(0)
    with pytest.raises(NotImplementedError):
        engine.eval(0)


def test_tiny_engine_runs() -> None:
    config = {"step": 2}
    agent = {"value": 0}
    runner = object()
    logger = Logger()
    engine = TinyEngine(config, agent=agent, env="CartPole", runner=runner, logger=logger)
    assert engine.config is config
    assert engine.agent is agent
    assert engine.env == "CartPole"
    assert engine.runner is runner

    outputs = [engine.train(n, lr=0.1) for n in range(3)]
    assert outputs == [
        {"iteration": 0, "value": 2, "lr": 0.1},
        {"iteration": 1, "value": 4, "lr": 0.1},
        {"iteration": 2, "value": 6, "lr": 0.1},
    ]
    assert engine.eval() == {"iteration": None, "value": 6, "env": "CartPole"}
    assert logger.logs == {"iteration": [0, 1, 2], "value": [2, 4, 6]}


def test_keywords_are_optional() -> None:
    engine = TinyEngine({"step": 1})
    assert engine.config == {"step": 1}
    assert not hasattr(engine, "agent")


@pytest.mark.parametrize("name", ["train", "eval", "__init__"])
def test_keyword_cannot_replace_a_method(name: str) -> None:
    with pytest.raises(ValueError, match=f"keyword '{name}' would replace TinyEngine.{name}"):
        TinyEngine({}, **{name: 1})


def test_keyword_must_be_an_identifier() -> None:
    with pytest.raises(ValueError, match="keyword names must be identifiers, got 'num-envs'"):
        TinyEngine({}, **{"num-envs": 2})
