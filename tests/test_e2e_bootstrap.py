"""End to end: runners + metrics bootstrap truncations correctly (issue 3).

With the *true* value function, every TD error is zero, so GAE is exactly zero at every step
for any λ. Three environments built from CountingEnv (observation = step index ``o``):

* ``constant``: reward ``r`` every step, cut by a time limit ``H`` (never terminated). The
  agent does not see time as part of the task, so the true value is the infinite-horizon
  ``V(s) = r / (1 - γ)``: a truncated step must bootstrap with it. Treating the truncation
  as a termination leaves ``δ = r - r / (1 - γ) ≠ 0`` at the last step.
* ``geometric``: reward ``c ρ^o`` at observation ``o``, truncated at ``H``, so
  ``V(o) = c ρ^o / (1 - γ ρ)``. The value now depends on the observation: bootstrapping
  from the reset observation (``o = 0``) instead of the final one (``o = H``) is caught.
* ``terminating``: reward ``r``, terminated at ``H``, ``V(o) = r (1 - γ^(H - o)) / (1 - γ)``
  and ``V(terminal) = 0``.

Each is checked through the batched face (VecStepRunner rollout -> batched_gae) and the
episode face (StepRunner / EpisodeRunner trajectories with ``last_V`` -> gae).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lagom.envs import VecEnv
from lagom.metric import batched_gae, gae
from lagom.runner import EpisodeRunner, StepRunner, VecStepRunner
from tests.envs.fakes import CountingEnv
from tests.runner.fakes import ValueAgent

GAMMA, R, H, C, RHO = 0.9, 2.0, 5, 3.0, 0.8
LAMS = [0.0, 0.5, 0.95, 1.0]


def _constant(o: Any) -> Any:
    return np.zeros_like(o) + R / (1 - GAMMA)


def _geometric(o: Any) -> Any:
    return C * RHO**o / (1 - GAMMA * RHO)


def _terminating(o: Any) -> Any:
    return R * (1 - GAMMA ** (H - o)) / (1 - GAMMA)


#: name -> (CountingEnv keyword arguments, true value of observation o).
CASES: dict[str, tuple[dict[str, Any], Callable[[Any], Any]]] = {
    "constant": ({"end": "truncated", "reward": R}, _constant),
    "geometric": ({"end": "truncated", "rewards": [C * RHO**o for o in range(H)]}, _geometric),
    "terminating": ({"end": "terminated", "reward": R}, _terminating),
}


def _value(value_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The value of CountingEnv observations (arrays whose last axis holds o)."""
    return lambda observation: value_fn(np.asarray(observation, dtype=np.float64)[..., 0])


def _vec_rollout(case: str, N: int = 3, T: int = 2 * H + 2) -> tuple[Any, Any, Any]:
    kwargs, value_fn = CASES[case]
    env = VecEnv([functools.partial(CountingEnv, episode_length=H, **kwargs)] * N)
    runner = VecStepRunner()
    agent = ValueAgent(value_fn=_value(value_fn), num_envs=N)
    # Two calls, so that the second rollout starts mid-episode.
    runner(agent, env, T=3)
    rollout, outputs = runner(agent, env, T=T)
    env.close()
    return rollout, outputs["V"], _value(value_fn)(rollout.next_observations)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("lam", LAMS)
def test_batched_gae_of_a_rollout_is_zero(case: str, lam: float) -> None:
    rollout, values, next_values = _vec_rollout(case)
    assert rollout.dones.any()
    assert not rollout.dones.all()
    advantages = batched_gae(
        GAMMA,
        lam,
        rollout.rewards,
        values,
        next_values,
        terminated=rollout.terminated,
        truncated=rollout.truncated,
    )
    np.testing.assert_allclose(advantages, 0.0, atol=1e-9)


@pytest.mark.parametrize("case", ["constant", "geometric"])
def test_the_check_catches_truncation_bugs(case: str) -> None:
    rollout, values, next_values = _vec_rollout(case)
    truncated = rollout.truncated
    # Bug 1: a truncation treated as a termination (no bootstrap).
    as_terminal = batched_gae(
        GAMMA, 0.95, rollout.rewards, values, next_values, terminated=truncated, truncated=truncated
    )
    assert np.abs(as_terminal[truncated]).min() > 0.1
    if case == "geometric":
        # Bug 2: bootstrapping from the reset observation the environment returned.
        reset_values = _value(_geometric)(rollout.observations[1:])
        wrong = next_values.copy()
        wrong[:-1][truncated[:-1]] = reset_values[truncated[:-1]]
        deltas = batched_gae(
            GAMMA,
            0.0,
            rollout.rewards,
            values,
            wrong,
            terminated=rollout.terminated,
            truncated=truncated,
        )
        assert np.abs(deltas[:-1][truncated[:-1]]).min() > 0.1


def _episode_advantages(D: list[Any], lam: float) -> list[Any]:
    return [
        gae(
            GAMMA,
            lam,
            traj.rewards,
            traj.get_infos("V"),
            traj.last_info["V"],
            traj.reach_terminal,
        )
        for traj in D
    ]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("lam", LAMS)
def test_episode_gae_of_step_runner_trajectories_is_zero(case: str, lam: float) -> None:
    kwargs, value_fn = CASES[case]
    env = CountingEnv(episode_length=H, **kwargs)
    runner = StepRunner(reset_on_call=False)
    agent = ValueAgent(env, value_fn=_value(value_fn))
    D = runner(agent, env, T=H + 2) + runner(agent, env, T=H + 1)
    # Finished by the env, cut by T, and a piece resumed mid-episode, all present.
    assert any(traj.finished for traj in D)
    assert any(not traj.finished for traj in D)
    assert any(traj[0].observation[0] != 0 for traj in D)
    for advantages in _episode_advantages(D, lam):
        np.testing.assert_allclose(advantages, 0.0, atol=1e-9)


@pytest.mark.parametrize("case", list(CASES))
def test_episode_gae_of_episode_runner_trajectories_is_zero(case: str) -> None:
    kwargs, value_fn = CASES[case]
    env = CountingEnv(episode_length=H, **kwargs)
    D = EpisodeRunner()(ValueAgent(env, value_fn=_value(value_fn)), env, 2)
    assert all(traj.T == H for traj in D)
    for advantages in _episode_advantages(D, 0.95):
        np.testing.assert_allclose(advantages, 0.0, atol=1e-9)
    # Ignoring last_V on a truncated episode gives a nonzero advantage at its last step.
    if case != "terminating":
        wrong = gae(GAMMA, 0.95, D[0].rewards, D[0].get_infos("V"), 0.0, True)
        assert abs(wrong[-1]) > 0.1
