"""The zoo's MuJoCo v5 entries: each names its own environment, which exists and fits."""

from __future__ import annotations

import gymnasium as gym
import pytest

from lagom.baselines import td3

MUJOCO = ("HalfCheetah-v5", "Hopper-v5", "Walker2d-v5")


@pytest.mark.parametrize("env_id", MUJOCO)
def test_td3_zoo_has_the_rl_zoo_mujoco_settings(env_id: str) -> None:
    config = td3.default_config(env_id)
    assert config.env.id == env_id
    # rl-baselines3-zoo td3.yml, mujoco-defaults.
    assert config.train.timesteps == 1_000_000
    assert config.agent.learning_starts == 10_000
    assert (config.agent.lr, config.agent.batch_size, config.agent.action_noise) == (1e-3, 256, 0.1)
    assert config.agent.hidden_sizes == (400, 300)
    assert td3.ddpg_default_config(env_id).agent.n_critics == 1
    env = gym.make(env_id)
    assert isinstance(env.observation_space, gym.spaces.Box)
    assert isinstance(env.action_space, gym.spaces.Box)
    env.close()
