"""What a rebuilt policy and ``evaluate_policy`` take: batches, checked with a ValueError."""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from lagom.baselines import common, get_algorithm, load_policy, ppo


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run folders of a network policy (PPO, untrained: no training needed) and of a linear
    one (CEM, one generation)."""
    folder = tmp_path_factory.mktemp("runs")
    config = ppo.default_config("CartPole-v1")
    common.start_run(folder / "ppo", "ppo", config, 0)
    env = gym.make("CartPole-v1")
    model = ppo.ActorCritic(env.observation_space, env.action_space, config.agent, "cpu")
    common.save_policy(folder / "ppo", {"model": model.state_dict()})
    short = {"train.generations": 1, "train.max_episode_steps": 5, "train.workers": 1}
    get_algorithm("cem").run({**short, "eval.episodes": 1}, 0, "cpu", folder / "cem")
    return {"ppo": folder / "ppo", "cem": folder / "cem"}


@pytest.mark.parametrize("name", ["ppo", "cem"])
@pytest.mark.parametrize("shape", [(4,), (1, 7), (2, 2, 4), (0, 4)])
def test_a_policy_refuses_what_is_no_batch_of_its_observations(
    runs: dict[str, Path], name: str, shape: tuple[int, ...]
) -> None:
    # Before: PPO's network raised torch's "mat1 and mat2 shapes cannot be multiplied", and
    # CEM's linear policy answered one observation [4] with a bare action, [2, 2, 4] with
    # actions [2, 2]: no error at all.
    act = load_policy(runs[name])
    assert act(np.zeros((3, 4))).shape == (3,)
    with pytest.raises(ValueError, match=r"observations must have shape \[B, 4\] with B >= 1"):
        act(np.zeros(shape))


def test_a_policy_refuses_observations_that_are_not_numbers(runs: dict[str, Path]) -> None:
    with pytest.raises(TypeError, match="bools or real numbers"):
        load_policy(runs["ppo"])(np.array([["a", "b", "c", "d"]]))


def test_evaluate_policy_refuses_an_answer_without_a_batch_axis() -> None:
    # Before: IndexError "too many indices for array".
    make = lambda: gym.make("CartPole-v1")  # noqa: E731
    for answer in (0, None, np.int64(1), np.zeros(2, np.int64)):
        with pytest.raises(ValueError, match=r"a batch of one action \[1\], got shape"):
            common.evaluate_policy(lambda obs, a=answer: a, make, 1, 0)


@pytest.mark.parametrize("shape", [(1,), (1, 2), (2, 1)])
def test_evaluate_policy_refuses_actions_of_another_shape(shape: tuple[int, ...]) -> None:
    # Before: Pendulum's step indexed the bare action [1] of an unbatched answer (IndexError),
    # and of an answer [2, 1] the first row was taken silently.
    make = lambda: gym.make("Pendulum-v1")  # noqa: E731
    with pytest.raises(ValueError, match=r"a batch of one action \[1, 1\]"):
        common.evaluate_policy(lambda obs: np.zeros(shape, np.float32), make, 1, 0)
    metrics = common.evaluate_policy(lambda obs: np.zeros((1, 1), np.float32), make, 1, 0)
    assert metrics["horizon_mean"] == 200


def test_evaluate_policy_refuses_a_make_env_that_makes_no_environment() -> None:
    # Before: AttributeError "'int' object has no attribute 'reset'".
    with pytest.raises(TypeError, match="make_env must return a gymnasium Env, got int"):
        common.evaluate_policy(lambda obs: np.zeros(len(obs), np.int64), lambda: 3, 1, 0)


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("true",))


def test_a_pickle_in_policy_pt_is_refused_naming_what_was_refused(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    # Before: the message quoted torch's advice to load with weights_only=False ("will
    # likely succeed"), the one thing never to do with a file from elsewhere.
    torch.save({"model": _Payload()}, tmp_path / "policy.pt")
    with pytest.raises(ValueError, match="it holds more than tensors, which lagom") as refused:
        common.load_policy_state(tmp_path)
    message = str(refused.value)
    assert "posix.system" in message
    assert "weights_only" not in message
