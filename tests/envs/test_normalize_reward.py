"""Tests of lagom.envs.normalize_reward against a plain loop over the discounted return."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.envs import NormalizeReward, VecEnv, VecNormalizeReward
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import counting_fns, moments_reference
from tests.strategies.envs import counting_env_kwargs, vec_counting_kwargs

EPS = 1e-8
# The whole of [0, 1], the rule for every discount in lagom, its ends drawn often.
gammas = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(min_value=0.0, max_value=1.0))
clips = st.sampled_from([0.5, 10.0])


@given(config=counting_env_kwargs(), num_steps=st.integers(1, 12), gamma=gammas, clip=clips)
def test_single_env_matches_reference_loop(
    config: dict[str, Any], num_steps: int, gamma: float, clip: float
) -> None:
    env = NormalizeReward(CountingEnv(**config), clip=clip, gamma=gamma)
    raw = CountingEnv(**config)
    env.reset()
    raw.reset()
    G, returns = 0.0, []
    for _ in range(num_steps):
        _, reward, terminated, truncated, _ = env.step(0)
        _, r, *_ = raw.step(0)
        G = r + gamma * G
        returns.append(G)
        _, var = moments_reference(returns)
        expected = float(np.clip(r / np.sqrt(var + EPS), -clip, clip))
        assert reward == pytest.approx(expected, rel=1e-9, abs=1e-12)
        if terminated or truncated:  # both end the return, truncation included
            G = 0.0
            assert env.all_returns == 0.0
            env.reset()
            raw.reset()
        else:
            assert env.all_returns == pytest.approx(G, rel=1e-12)
    assert env.reward_moments is not None
    np.testing.assert_allclose(env.reward_moments.var, moments_reference(returns)[1], rtol=1e-10)


def test_constant_var_by_hand() -> None:
    env = NormalizeReward(CountingEnv(2, rewards=[3.0, -12.0]), clip=5.0, constant_var=9.0)
    assert env.reward_moments is None
    env.reset()
    # r / sqrt(9 + 1e-8): 3 -> 1, -12 -> -4
    assert env.step(0)[1] == pytest.approx(1.0, rel=1e-8)
    assert env.step(0)[1] == pytest.approx(-4.0, rel=1e-8)
    clipped = NormalizeReward(CountingEnv(1, reward=100.0), clip=2.0, constant_var=1.0)
    clipped.reset()
    assert clipped.step(0)[1] == 2.0


def test_vec_env_resets_each_return_on_truncation_and_termination() -> None:
    a = {"episode_length": 2, "end": "truncated", "rewards": [1.0, 1.0]}
    b = {"episode_length": 3, "end": "terminated", "rewards": [1.0, 1.0, 1.0]}
    env = VecNormalizeReward(VecEnv(counting_fns([a, b])), gamma=0.5)
    env.reset()
    env.step([0, 0])
    np.testing.assert_array_equal(env.returns, [1.0, 1.0])
    env.step([0, 0])  # a truncated: its G = 1 + 0.5 is used, then restarts
    np.testing.assert_array_equal(env.returns, [0.0, 1.5])
    env.step([0, 0])  # b terminated at G = 1 + 0.75
    np.testing.assert_array_equal(env.returns, [1.0, 0.0])
    assert env.reward_moments is not None
    seen = [1.0, 1.0, 1.5, 1.5, 1.0, 1.75]
    np.testing.assert_allclose(env.reward_moments.var, moments_reference(seen)[1], rtol=1e-12)
    env.reset()
    np.testing.assert_array_equal(env.returns, [0.0, 0.0])


@given(configs=vec_counting_kwargs(), num_steps=st.integers(1, 10), gamma=gammas, clip=clips)
def test_vec_env_matches_reference_loop(
    configs: list[dict[str, Any]], num_steps: int, gamma: float, clip: float
) -> None:
    env = VecNormalizeReward(VecEnv(counting_fns(configs)), clip=clip, gamma=gamma)
    raw = VecEnv(counting_fns(configs))
    env.reset()
    raw.reset()
    G = [0.0] * len(configs)
    seen: list[float] = []
    for _ in range(num_steps):
        actions = np.zeros(len(configs), dtype=np.int64)
        _, rewards, *_ = env.step(actions)
        _, raw_rewards, terminated, truncated, _ = raw.step(actions)
        for i, r in enumerate(raw_rewards):
            G[i] = r + gamma * G[i]
        seen += G
        _, var = moments_reference(seen)
        for i, r in enumerate(raw_rewards):
            expected = float(np.clip(r / np.sqrt(var + EPS), -clip, clip))
            assert rewards[i] == pytest.approx(expected, rel=1e-9, abs=1e-12)
            if terminated[i] or truncated[i]:
                G[i] = 0.0
        np.testing.assert_allclose(env.returns, G, rtol=1e-12)
    env.close()
    raw.close()


def test_vec_env_partial_reset_restarts_only_reset_rows() -> None:
    env = VecNormalizeReward(VecEnv(counting_fns([{"episode_length": 5}] * 2)), gamma=0.5)
    env.reset()
    env.step([0, 0])
    env.reset(options={"reset_mask": np.array([False, True])})
    np.testing.assert_array_equal(env.returns, [1.0, 0.0])


def test_gamma_0_and_1_work_like_the_reference() -> None:
    # gamma = 0 scales by the spread of the rewards, gamma = 1 by that of the plain sum.
    for gamma, expected_returns in ((0.0, [1.0, 2.0, 3.0]), (1.0, [1.0, 3.0, 6.0])):
        env = NormalizeReward(CountingEnv(episode_length=4, rewards=[1, 2, 3, 4]), gamma=gamma)
        env.reset()
        rewards = [env.step(0)[1] for _ in range(3)]
        assert env.all_returns == expected_returns[-1]
        _, var = moments_reference(expected_returns)
        assert rewards[-1] == pytest.approx(3.0 / np.sqrt(var + EPS))


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 1.5"):
        NormalizeReward(CountingEnv(), gamma=1.5)
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got -0.1"):
        VecNormalizeReward(VecEnv(counting_fns([{}])), gamma=-0.1)
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got nan"):
        NormalizeReward(CountingEnv(), gamma=float("nan"))
    with pytest.raises(TypeError, match="gamma must be a real number"):
        NormalizeReward(CountingEnv(), gamma="0.9")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gamma must be a real number, got bool"):
        NormalizeReward(CountingEnv(), gamma=True)
    with pytest.raises(ValueError, match="clip must be positive"):
        NormalizeReward(CountingEnv(), clip=-1.0)
    with pytest.raises(ValueError, match=r"constant_var must be >= 0, got -1.0"):
        NormalizeReward(CountingEnv(), constant_var=-1.0)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="constant_var must"):
            NormalizeReward(CountingEnv(), constant_var=bad)
    with pytest.raises(TypeError, match="constant_var must be a real number, got bool"):
        NormalizeReward(CountingEnv(), constant_var=True)
    with pytest.raises(TypeError, match="use VecNormalizeReward"):
        NormalizeReward(VecEnv(counting_fns([{}])))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="use NormalizeReward"):
        VecNormalizeReward(CountingEnv())


def test_a_nan_reward_is_refused_before_it_poisons_the_return() -> None:
    env = NormalizeReward(CountingEnv(rewards=[1.0, float("nan"), 1.0]))
    env.reset()
    env.step(0)
    assert env.reward_moments is not None
    before = (env.all_returns, env.reward_moments.state)
    with pytest.raises(ValueError, match=r"rewards \(of the wrapped environment\) must be finite"):
        env.step(0)
    assert (env.all_returns, env.reward_moments.state) == before
