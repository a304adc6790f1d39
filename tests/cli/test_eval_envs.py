"""``lagom eval`` steps the environment the run trained on, as its own evaluation made it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lagom.baselines import common, ppo
from lagom.cli import main
from lagom.cli._eval import stochastic_policy


@pytest.fixture(scope="module")
def atari_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PPO run folder of ALE/Pong-v5 with an untrained CNN policy (no training: fast)."""
    pytest.importorskip("ale_py")
    run_dir = tmp_path_factory.mktemp("atari") / "0" / "0"
    config = ppo.default_config("ALE/Pong-v5")
    common.start_run(run_dir, "ppo", config, 0)
    env = common.make_env(config.env.id)
    spaces = (env.observation_space, env.action_space)
    env.close()
    model = ppo.ActorCritic(*spaces, config.agent, "cpu")
    common.save_policy(run_dir, {"model": model.state_dict()})
    return run_dir


def test_eval_of_an_atari_run_feeds_the_preprocessed_frames(
    atari_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: lagom eval made gym.make("ALE/Pong-v5"): raw [210, 160, 3] frames reached the
    # CNN of [4, 84, 84] stacks, and torch's RuntimeError ended the command in a traceback.
    seen: list[tuple[int, ...]] = []

    def one_step(
        policy: Callable[[Any], Any], make_env: Callable[[], Any], episodes: int, seed: int
    ) -> dict[str, float]:
        env = make_env()
        try:
            obs, _ = env.reset(seed=seed)
            seen.append(np.asarray(obs).shape)
            env.step(np.asarray(policy(np.asarray(obs)[None]))[0])
        finally:
            env.close()
        return {"return_mean": 0.0}

    monkeypatch.setattr(common, "evaluate_policy", one_step)
    assert main(["eval", str(atari_run), "--episodes", "1"]) == 0
    assert seen == [(4, 84, 84)]
    assert "return_mean" in capsys.readouterr().out


def test_stochastic_eval_of_an_atari_run_loads_its_policy(atari_run: Path) -> None:
    # Before: --stochastic rebuilt the network for gym.make's raw frames, and the run's
    # policy.pt was refused as not fitting its own config.yml (a size mismatch).
    act = stochastic_policy("ppo", atari_run, "cpu", seed=0)
    actions = act(np.zeros((2, 4, 84, 84), np.uint8))
    assert actions.shape == (2,)


def test_stochastic_eval_of_a_dict_observation_run_samples(tmp_path: Path) -> None:
    # Before: the sampling policy turned the dict batch into one float array: a TypeError
    # (a traceback from lagom eval --stochastic) at the first step.
    from tests.baselines.test_dict_observations import DISCRETE_ID, GOAL_OBS

    config = ppo.default_config(DISCRETE_ID)
    common.start_run(tmp_path, "ppo", config, 0)
    env = common.make_env(DISCRETE_ID)
    model = ppo.ActorCritic(env.observation_space, env.action_space, config.agent, "cpu")
    common.save_policy(tmp_path, {"model": model.state_dict()})
    draws = stochastic_policy("ppo", tmp_path, "cpu", seed=0)(GOAL_OBS)
    assert draws.shape == (3,)
    assert set(draws.tolist()) <= {0, 1, 2, 3}
    with pytest.raises(ValueError, match=r"must have shape \[B, 2\]"):
        stochastic_policy("ppo", tmp_path, "cpu", seed=0)(
            {key: value[0] for key, value in GOAL_OBS.items()}
        )
