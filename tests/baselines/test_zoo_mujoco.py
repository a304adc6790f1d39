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


@pytest.mark.parametrize("env_id", MUJOCO)
def test_sac_zoo_has_the_rl_zoo_mujoco_settings(env_id: str) -> None:
    from lagom.baselines import sac

    config = sac.default_config(env_id)
    # rl-baselines3-zoo sac.yml, mujoco-defaults: SB3's defaults, 10k random steps first.
    assert (config.env.id, config.train.timesteps, config.agent.learning_starts) == (
        env_id,
        1_000_000,
        10_000,
    )
    assert (config.agent.lr, config.agent.batch_size, config.agent.hidden_sizes) == (
        3e-4,
        256,
        (256, 256),
    )


# rl-baselines3-zoo ppo.yml (tuned v4 values): n_steps, batch, gamma, lr, ent, clip, epochs,
# lambda, max_grad_norm, vf_coef; HalfCheetah and Hopper with ReLU [256, 256], log std -2,
# no orthogonal init.
PPO_ZOO = {
    "HalfCheetah-v5": (512, 64, 0.98, 2.0633e-05, 0.000401762, 0.1, 20, 0.92, 0.8, 0.58096),
    "Hopper-v5": (512, 32, 0.999, 9.80828e-05, 0.00229519, 0.2, 5, 0.99, 0.7, 0.835671),
    "Walker2d-v5": (512, 32, 0.99, 5.05041e-05, 0.000585045, 0.1, 20, 0.95, 1.0, 0.871923),
}


@pytest.mark.parametrize("env_id", MUJOCO)
def test_ppo_zoo_has_the_rl_zoo_mujoco_settings(env_id: str) -> None:
    from lagom.baselines import ppo

    c = ppo.default_config(env_id)
    a, t = c.agent, c.train
    got = (t.n_steps, t.batch_size, a.gamma, a.lr, a.ent_coef, a.clip_range, t.n_epochs)
    got += (a.gae_lambda, a.max_grad_norm, a.vf_coef)
    assert got == PPO_ZOO[env_id]
    assert (c.env.num_envs, c.env.normalize_obs, c.env.normalize_reward) == (1, True, True)
    assert t.timesteps == 1_000_000
    relu = (a.hidden_sizes, a.activation, a.log_std_init, a.ortho_init)
    if env_id == "Walker2d-v5":
        assert relu == ((64, 64), "tanh", 0.0, True)
    else:
        assert relu == ((256, 256), "relu", -2.0, False)
