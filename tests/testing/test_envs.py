"""check_vec_env: it passes same-step vector envs and names the property each classic bug breaks.

The buggy environments wrap gymnasium's own SyncVectorEnv: one autoresets in the next step
but declares SAME_STEP, one reports the reset observation as the final one, one ignores the
reset seed, one gives every sub-environment the same seed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv, VectorWrapper

from lagom.envs import make_native_vec_env, make_vec_env
from lagom.testing import PropertyFailure, check_vec_env

MakeEnv = Callable[[], VectorEnv[Any, Any, Any]]
N = 3


def cartpole() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1")


def pendulum() -> gym.Env[Any, Any]:
    return gym.make("Pendulum-v1", max_episode_steps=5)  # Box actions; episodes end in time


def sync(make: Callable[[], gym.Env[Any, Any]], mode: AutoresetMode) -> VectorEnv[Any, Any, Any]:
    return SyncVectorEnv([make] * N, autoreset_mode=mode)


class NextStepPassedOffAsSameStep(VectorWrapper[Any, Any, Any, Any, Any]):
    """gymnasium's next-step SyncVectorEnv declaring SAME_STEP; with ``copy_final`` it even
    reports the observation of the ending step as ``infos["final_obs"]``."""

    def __init__(self, env: VectorEnv[Any, Any, Any], copy_final: bool = False) -> None:
        super().__init__(env)
        self.metadata = {**env.metadata, "autoreset_mode": AutoresetMode.SAME_STEP}
        self.copy_final = copy_final

    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, infos = self.env.step(actions)
        done = terminated | truncated
        if self.copy_final and done.any():
            final = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(done):
                final[i] = obs[i].copy()
            infos = {**infos, "final_obs": final, "_final_obs": done.copy()}
        return obs, rewards, terminated, truncated, infos


class ResetObsAsFinal(VectorWrapper[Any, Any, Any, Any, Any]):
    """Same-step, but ``infos["final_obs"]`` holds the reset observation it also returns."""

    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, infos = self.env.step(actions)
        if "final_obs" in infos:
            final = infos["final_obs"].copy()
            for i in np.flatnonzero(infos["_final_obs"]):
                final[i] = obs[i].copy()
            infos = {**infos, "final_obs": final}
        return obs, rewards, terminated, truncated, infos


class Unseeded(VectorWrapper[Any, Any, Any, Any, Any]):
    """Drops the seed given to reset: every reset draws fresh entropy."""

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        return self.env.reset(seed=None, options=options)


class SharedSeed(VectorWrapper[Any, Any, Any, Any, Any]):
    """Seeds every sub-environment with the same seed (instead of seed + i)."""

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        seeds = None if seed is None else [seed] * self.num_envs
        return self.env.reset(seed=seeds, options=options)


SAME = AutoresetMode.SAME_STEP
NEXT = AutoresetMode.NEXT_STEP

CORRECT: dict[str, MakeEnv] = {
    "make_vec_env": lambda: make_vec_env(cartpole, N, 0),
    "make_native_vec_env": lambda: make_native_vec_env("CartPole-v1", N, 0),
    "gymnasium_same_step": lambda: sync(cartpole, SAME),
    "make_vec_env_pendulum": lambda: make_vec_env(pendulum, 2, 0),
}

#: name: (make_env, the property that must catch it, a phrase of its message)
BUGS: dict[str, tuple[MakeEnv, str, str]] = {
    "next_step_as_same_step": (
        lambda: NextStepPassedOffAsSameStep(sync(cartpole, NEXT)),
        "same_step_autoreset",
        "the step after an episode end ignored its action",
    ),
    "next_step_as_same_step_with_final_obs": (
        lambda: NextStepPassedOffAsSameStep(sync(cartpole, NEXT), copy_final=True),
        "same_step_autoreset",
        "the step after an episode end ignored its action",
    ),
    "next_step_as_same_step_box_actions": (
        lambda: NextStepPassedOffAsSameStep(sync(pendulum, NEXT)),
        "same_step_autoreset",
        "the step after an episode end ignored its action",
    ),
    "reset_obs_as_final_obs": (
        lambda: ResetObsAsFinal(sync(cartpole, SAME)),
        "final_obs_kept",
        "the true final observation was replaced by the reset one",
    ),
    "unseeded": (
        lambda: Unseeded(sync(cartpole, SAME)),
        "seeding_reproducible",
        "reset(seed=...) does not fix the trajectory",
    ),
    "one_seed_for_all_sub_envs": (
        lambda: SharedSeed(sync(cartpole, SAME)),
        "sub_env_seeds_differ",
        "they share a seed or a random stream",
    ),
}


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_vec_envs_pass(name: str, seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # episodes end within the steps: no coverage warning
        check_vec_env(CORRECT[name], max_examples=20, seed=seed)


@pytest.mark.parametrize("name", sorted(BUGS))
def test_each_classic_bug_is_caught_by_its_property(name: str) -> None:
    make_env, expected, phrase = BUGS[name]
    with pytest.raises(PropertyFailure) as info:
        check_vec_env(make_env, seed=0)  # Hypothesis's default budget of 100 examples
    failure, message = info.value, str(info.value)
    assert failure.property_name == expected
    assert message.startswith(f"property '{expected}' failed\n  counterexample (shrunk):")
    assert "seed = " in message
    assert "actions = " in message
    assert phrase in message
    assert 1 <= failure.examples_run <= 100


def test_a_declared_next_step_env_fails_at_once() -> None:
    with pytest.raises(PropertyFailure, match="NEXT_STEP") as info:
        check_vec_env(lambda: sync(cartpole, NEXT), seed=0)
    assert info.value.property_name == "same_step_autoreset"


def test_skip_leaves_a_property_out() -> None:
    make_env, expected, _ = BUGS["reset_obs_as_final_obs"]
    with pytest.raises(PropertyFailure) as info:  # the same run finds the bug without skip
        check_vec_env(make_env, max_examples=10, seed=0)
    assert info.value.property_name == expected
    check_vec_env(make_env, skip=[expected], max_examples=10, seed=0)


def test_no_episode_end_is_reported() -> None:
    def long_episodes() -> VectorEnv[Any, Any, Any]:
        return make_vec_env(lambda: gym.make("Pendulum-v1"), 2, 0)  # 200 steps per episode

    with pytest.warns(UserWarning, match="no episode ended within max_steps=3"):
        check_vec_env(long_episodes, max_steps=3, max_examples=5, seed=0)


def test_wrong_arrays_are_caught() -> None:
    class FloatFlags(VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            obs, rewards, terminated, truncated, infos = self.env.step(actions)
            return obs, rewards, terminated.astype(float), truncated, infos

    class Float64Observations(VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            obs, *rest = self.env.step(actions)
            return (obs.astype(np.float64), *rest)

    for wrapper, expected in (
        (FloatFlags, "flags_bool"),
        (Float64Observations, "spaces_respected"),
    ):
        with pytest.raises(PropertyFailure) as info:
            check_vec_env(lambda w=wrapper: w(sync(cartpole, SAME)), max_examples=20, seed=0)
        assert info.value.property_name == expected


def test_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="make_env must be a function"):
        check_vec_env(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must return a gymnasium VectorEnv"):
        check_vec_env(cartpole)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown properties"):
        check_vec_env(CORRECT["make_vec_env"], skip=["final_obs"])
    with pytest.raises(ValueError, match="max_steps"):
        check_vec_env(CORRECT["make_vec_env"], max_steps=0)
