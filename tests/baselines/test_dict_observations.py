"""Dict observations end to end: a goal-conditioned point through PPO, SAC and TD3.

The environment is built here: a point in ``[-1, 1]^2`` must reach a goal; observations are
``Dict(observation=Box(2), desired_goal=Box(2))``, actions four moves (PPO) or a Box(2)
move (SAC, TD3); 20 steps an episode at most.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces

from lagom.baselines import get_algorithm
from lagom.baselines.common import load_checkpoint
from lagom.envs import make_vec_env
from lagom.runner import VecStepRunner

DISCRETE_ID = "LagomTest/PointGoal-v0"
CONTINUOUS_ID = "LagomTest/PointGoalContinuous-v0"
HORIZON = 20
#: The four moves of the discrete variant.
MOVES = np.array([[0.2, 0.0], [-0.2, 0.0], [0.0, 0.2], [0.0, -0.2]], dtype=np.float32)


class PointGoalEnv(gym.Env[dict[str, np.ndarray], Any]):
    """A point moved by its action towards a goal; reward ``-distance``; terminated within
    0.2 of the goal."""

    def __init__(self, continuous: bool = False) -> None:
        box = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.observation_space = spaces.Dict({"observation": box, "desired_goal": box})
        self.action_space: spaces.Space[Any] = box if continuous else spaces.Discrete(4)
        self.continuous = continuous
        self.position = np.zeros(2, np.float32)
        self.goal = np.zeros(2, np.float32)

    def _obs(self) -> dict[str, np.ndarray]:
        return {"observation": self.position.copy(), "desired_goal": self.goal.copy()}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        self.position = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        self.goal = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        return self._obs(), {}

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self.continuous:
            move = 0.2 * np.clip(np.asarray(action, np.float32), -1.0, 1.0)
        else:
            move = MOVES[int(action)]
        self.position = np.clip(self.position + move, -1.0, 1.0).astype(np.float32)
        distance = float(np.linalg.norm(self.position - self.goal))
        return self._obs(), -distance, distance < 0.2, False, {}


for _id, _kwargs in ((DISCRETE_ID, {}), (CONTINUOUS_ID, {"continuous": True})):
    if _id not in gym.registry:
        gym.register(_id, entry_point=PointGoalEnv, max_episode_steps=HORIZON, kwargs=_kwargs)

GOAL_OBS = {
    "desired_goal": np.array([[0.5, 0.5], [-0.5, 0.0], [0.0, 0.9]], np.float32),
    "observation": np.array([[0.0, 0.0], [0.3, -0.2], [-1.0, 1.0]], np.float32),
}

PPO_SMALL: dict[str, Any] = {
    "env.id": DISCRETE_ID,
    "env.num_envs": 2,
    "train.timesteps": 128,
    "train.n_steps": 32,
    "train.batch_size": 32,
    "train.n_epochs": 2,
    "train.checkpoint_every": 1,
    "agent.hidden_sizes": [16],
    "eval.episodes": 2,
}

OFF_POLICY_SMALL: dict[str, Any] = {
    "env.id": CONTINUOUS_ID,
    "train.timesteps": 120,
    "train.log_interval": 40,
    "agent.learning_starts": 60,
    "agent.batch_size": 16,
    "agent.hidden_sizes": [16],
    "eval.episodes": 2,
}


def untimed_rows(logdir: Path) -> list[dict[str, str]]:
    with open(logdir / "progress.csv", newline="") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


def assert_same_tensors(a: Mapping[str, Any], b: Mapping[str, Any], where: str) -> None:
    assert a.keys() == b.keys(), where
    for key, value in a.items():
        if isinstance(value, Mapping):
            assert_same_tensors(value, b[key], f"{where}.{key}")
        elif isinstance(value, torch.Tensor):
            assert torch.equal(value, b[key]), f"{where}.{key}"


def check_policy_acts_on_dicts(
    algorithm: str, logdir: Path, action_space: spaces.Space[Any]
) -> None:
    """The saved policy loads and maps a dict batch to valid, deterministic actions."""
    policy = get_algorithm(algorithm).make_policy(logdir, "cpu")
    actions = np.asarray(policy(GOAL_OBS))
    assert len(actions) == 3
    assert all(action_space.contains(np.asarray(a, dtype=action_space.dtype)) for a in actions)
    np.testing.assert_array_equal(actions, np.asarray(policy(GOAL_OBS)))
    with pytest.raises(ValueError, match=r"lacks the keys \['desired_goal'\] of the Dict space"):
        policy({"observation": GOAL_OBS["observation"]})


def test_the_runner_keeps_a_dict_per_key_and_the_true_final_observations() -> None:
    env = make_vec_env(lambda: gym.make(DISCRETE_ID, max_episode_steps=3), 2, 0)

    class Right:
        def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
            assert isinstance(x, dict)
            assert sorted(x) == ["desired_goal", "observation"]
            return {"raw_action": np.zeros(len(x["observation"]), np.int64)}

    rollout, _ = VecStepRunner()(Right(), env, T=4)
    env.close()
    for obs in (rollout.observations, rollout.next_observations):
        assert isinstance(obs, Mapping)
        assert {k: (x.shape, x.dtype) for k, x in obs.items()} == {
            "desired_goal": ((4, 2, 2), np.float32),
            "observation": ((4, 2, 2), np.float32),
        }
    assert rollout.truncated[2].all()  # 3 steps of 0.2 to the right from the reset
    start = rollout.observations["observation"][0]
    expected_final = start
    for _ in range(3):
        expected_final = np.clip(expected_final + MOVES[0], -1.0, 1.0)
    np.testing.assert_allclose(rollout.next_observations["observation"][2], expected_final)
    # Row 3 starts a new episode: the reset observation, not the final one.
    assert not np.allclose(rollout.observations["observation"][3], expected_final)
    np.testing.assert_array_equal(
        rollout.next_observations["desired_goal"][:2], rollout.observations["desired_goal"][1:3]
    )


@pytest.mark.parametrize("normalize", [False, True])
def test_ppo_trains_on_dict_observations_and_resumes_bit_exactly(
    tmp_path: Path, normalize: bool
) -> None:
    # Through the algorithm's run: `lagom train` runs each job in a fresh process, where
    # the environment registered by this module does not exist.
    run = get_algorithm("ppo").run
    config = {**PPO_SMALL, "env.normalize_obs": normalize}
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    final = run(config, 3, "cpu", straight)
    assert run({**config, "train.stop_at": 64}, 3, "cpu", sliced) == {}
    assert not (sliced / "final_eval.yml").exists()
    assert run(config, 3, "cpu", sliced) == final
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    assert_same_tensors(a["model"], b["model"], "model")
    assert [row["timesteps"] for row in untimed_rows(straight)] == ["64", "128"]
    assert untimed_rows(straight) == untimed_rows(sliced)
    check_policy_acts_on_dicts("ppo", straight, spaces.Discrete(4))
    saved = torch.load(straight / "policy.pt", weights_only=True).get("obs_moments")
    if not normalize:
        assert saved is None
        return
    # Each float key standardized with moments of its own, saved for the policy.
    assert sorted(saved["mean"]) == ["desired_goal", "observation"]
    assert not torch.equal(saved["mean"]["desired_goal"], saved["mean"]["observation"])
    # The saved policy standardizes each key with its saved moments before the network.
    from lagom.baselines import ppo
    from lagom.baselines.common import load_run_config

    config = load_run_config(straight, ppo.default_config)
    model = ppo._make_model(config.env.id, config.agent, torch.device("cpu"))
    model.load_state_dict(torch.load(straight / "policy.pt", weights_only=True)["model"])
    clip = float(saved["clip"])
    standardized = {
        key: np.clip(
            (x - saved["mean"][key].numpy()) / np.sqrt(saved["var"][key].numpy() + 1e-8),
            -clip,
            clip,
        ).astype(np.float32)
        for key, x in GOAL_OBS.items()
    }
    expected = model.eval().choose_action(standardized, deterministic=True)["raw_action"]
    np.testing.assert_array_equal(
        get_algorithm("ppo").make_policy(straight, "cpu")(GOAL_OBS), expected
    )


@pytest.mark.parametrize("algorithm", ["sac", "td3"])
def test_off_policy_trains_on_dict_observations_and_resumes_bit_exactly(
    tmp_path: Path, algorithm: str
) -> None:
    run = get_algorithm(algorithm).run
    straight, sliced = tmp_path / "straight", tmp_path / "sliced"
    final = run(OFF_POLICY_SMALL, 3, "cpu", straight)
    assert final["horizon_mean"] <= HORIZON
    assert run({**OFF_POLICY_SMALL, "train.stop_at": 60}, 3, "cpu", sliced) == {}
    assert run(OFF_POLICY_SMALL, 3, "cpu", sliced) == final
    a, b = load_checkpoint(straight), load_checkpoint(sliced)
    assert a is not None
    assert b is not None
    # The buffer keeps one array per key in the space's dtype, s and s' apart.
    for name in ("observations", "next_observations"):
        stored = a["replay"][name]
        assert {k: (x.shape, x.dtype) for k, x in stored.items()} == {
            "desired_goal": ((120, 2), np.float32),
            "observation": ((120, 2), np.float32),
        }
        for key in stored:
            np.testing.assert_array_equal(stored[key], b["replay"][name][key])
    # Each step's s' is the next row's s, except where an episode ended: a reset between.
    obs, nxt = a["replay"]["observations"], a["replay"]["next_observations"]
    ended = a["replay"]["truncated"] | (a["replay"]["table"][:, -1] == 1.0)
    assert ended[:-1].any()
    for key in obs:
        follows = np.all(nxt[key][:-1] == obs[key][1:], axis=1)
        np.testing.assert_array_equal(follows[~ended[:-1]], True)
    new_goal = np.any(nxt["desired_goal"][:-1] != obs["desired_goal"][1:], axis=1)
    np.testing.assert_array_equal(new_goal[ended[:-1]], True)
    assert isinstance(a["obs"], dict)
    assert sorted(a["obs"]) == ["desired_goal", "observation"]
    assert_same_tensors(a["agent"], b["agent"], "agent")
    assert untimed_rows(straight) == untimed_rows(sliced)
    check_policy_acts_on_dicts(algorithm, straight, spaces.Box(-1.0, 1.0, (2,), np.float32))
