"""Strategies for ``lagom.data``: time steps, episodes, trajectories and rollouts."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import attrs
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom._checks import check_int
from lagom._types import NDArray
from lagom.data import Rollout, StepType, TimeStep, Trajectory
from lagom.testing.strategies._args import check_bounds, checked

__all__ = [
    "ENDINGS",
    "Ending",
    "Episode",
    "episodes",
    "rollout_arrays",
    "rollouts",
    "timesteps",
    "trajectories",
]

#: How an episode's record stops: still running, or ended by the flags named.
Ending = Literal["running", "terminated", "truncated", "both"]
#: Every :data:`Ending`, in that order.
ENDINGS: tuple[Ending, ...] = ("running", "terminated", "truncated", "both")

_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_finite32 = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def timesteps(draw: st.DrawFn, step_type: StepType | None = None) -> TimeStep:
    """Consistent :class:`~lagom.data.TimeStep` records of any step type.

    A FIRST step has no reward and no flag; a MID step a reward and no flag; a LAST step
    a reward and a termination, a truncation or both. Observations are small float arrays.

    Args:
        step_type: the type to draw; ``None`` draws any.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> find(timesteps(), lambda step: step.time_limit(), settings=fixed)
        TimeStep(step_type=<StepType.LAST: 2>, observation=array(0.), reward=0.0, terminated=False, truncated=True, info=mappingproxy({}))
    """  # noqa: E501  (the repr of a record is one long line)
    kind = step_type if step_type is not None else draw(st.sampled_from(list(StepType)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    observation = draw(hnp.arrays(np.float64, shape, elements=_finite))
    info = {"V": draw(_finite)} if draw(st.booleans()) else {}
    if kind is StepType.FIRST:
        return TimeStep(kind, observation, info=info)
    reward = draw(_finite)
    if kind is StepType.MID:
        return TimeStep(kind, observation, reward, info=info)
    ending = draw(st.sampled_from(ENDINGS[1:]))
    return TimeStep(
        kind, observation, reward, ending != "truncated", ending != "terminated", info=info
    )


@attrs.frozen
class Episode:
    """The raw record of one episode: T+1 observations, T actions, rewards and infos.

    Tests build time steps and trajectories from it and use its plain lists as the oracle.

    Attributes:
        observations: the T+1 observations, the reset one first.
        actions: the T actions.
        rewards: the T rewards.
        infos: the T infos of the steps after the first.
        ending: how the record stops (see :data:`ENDINGS`).
        reset_info: the info of the first step.

    Example:
        >>> episode = Episode([np.zeros(1), np.ones(1)], [0], [1.0], [{}], "truncated", {})
        >>> episode.T, episode.terminated, episode.truncated
        (1, [False], [True])
        >>> episode.trajectory()
        Trajectory(T=1, finished=True, reach_terminal=False, reach_time_limit=True)
    """

    observations: list[NDArray[np.float64]]
    actions: list[int]
    rewards: list[float]
    infos: list[dict[str, Any]]
    ending: Ending
    reset_info: dict[str, Any]

    @property
    def T(self) -> int:
        """The number of transitions."""
        return len(self.actions)

    @property
    def terminated(self) -> list[bool]:
        """Per transition; only the last one may be terminated."""
        return [t == self.T - 1 and self.ending in ("terminated", "both") for t in range(self.T)]

    @property
    def truncated(self) -> list[bool]:
        """Per transition; only the last one may be truncated."""
        return [t == self.T - 1 and self.ending in ("truncated", "both") for t in range(self.T)]

    def timesteps(self) -> list[TimeStep]:
        """The T+1 time steps of the episode, built field by field from the raw lists."""
        steps = [TimeStep(StepType.FIRST, self.observations[0], info=self.reset_info)]
        for t in range(self.T):
            ended = self.terminated[t] or self.truncated[t]
            steps.append(
                TimeStep(
                    StepType.LAST if ended else StepType.MID,
                    self.observations[t + 1],
                    self.rewards[t],
                    self.terminated[t],
                    self.truncated[t],
                    self.infos[t],
                )
            )
        return steps

    def trajectory(self) -> Trajectory:
        """The episode as a :class:`~lagom.data.Trajectory`."""
        return Trajectory.from_steps(self.timesteps(), self.actions)


def _check_episodes(max_T: int = 12, min_T: int = 0) -> None:
    check_bounds("min_T", min_T, "max_T", max_T, 0)


@checked(_check_episodes)
@st.composite
def episodes(draw: st.DrawFn, max_T: int = 12, min_T: int = 0) -> Episode:
    """Valid episodes: ``min_T..max_T`` transitions, observations of one shape, any ending.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> find(episodes(), lambda e: e.ending == "both", settings=fixed).trajectory()
        Trajectory(T=1, finished=True, reach_terminal=True, reach_time_limit=False)
    """
    T = draw(st.integers(min_T, max_T))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    observations = draw(
        st.lists(hnp.arrays(np.float64, shape, elements=_finite), min_size=T + 1, max_size=T + 1)
    )
    actions = draw(st.lists(st.integers(0, 5), min_size=T, max_size=T))
    rewards = draw(st.lists(_finite, min_size=T, max_size=T))
    infos = [{"V": draw(_finite), "t": t} if draw(st.booleans()) else {} for t in range(T)]
    ending: Ending = draw(st.sampled_from(ENDINGS)) if T > 0 else "running"
    return Episode(observations, actions, rewards, infos, ending, {"seed": draw(st.integers())})


def trajectories(max_T: int = 12, min_T: int = 0) -> st.SearchStrategy[Trajectory]:
    """Valid :class:`~lagom.data.Trajectory` records (the :func:`episodes`, built).

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> find(trajectories(), lambda traj: traj.reach_time_limit, settings=fixed)
        Trajectory(T=1, finished=True, reach_terminal=False, reach_time_limit=True)
    """
    return episodes(max_T=max_T, min_T=min_T).map(Episode.trajectory)


class RolloutArrays(TypedDict):
    """The arrays :func:`rollout_arrays` draws, typed: ``Rollout(**arrays)`` type-checks.

    Example:
        >>> arrays: RolloutArrays = {
        ...     "observations": np.zeros((1, 1, 2), np.float32),
        ...     "actions": np.zeros((1, 1), np.int64),
        ...     "rewards": np.ones((1, 1)),
        ...     "terminated": np.zeros((1, 1), bool),
        ...     "truncated": np.zeros((1, 1), bool),
        ...     "next_observations": np.ones((1, 1, 2), np.float32),
        ... }
        >>> Rollout(**arrays).rewards.tolist()
        [[1.0]]
    """

    observations: NDArray[np.float32]
    actions: NDArray[np.int64]
    rewards: NDArray[np.float64]
    terminated: NDArray[np.bool_]
    truncated: NDArray[np.bool_]
    next_observations: NDArray[np.float32]


def _check_rollouts(max_T: int = 6, max_N: int = 4) -> None:
    check_int("max_T", max_T, minimum=0)
    check_int("max_N", max_N, minimum=1)


@checked(_check_rollouts)
@st.composite
def rollout_arrays(draw: st.DrawFn, max_T: int = 6, max_N: int = 4) -> RolloutArrays:
    """Keyword arguments of a valid :class:`~lagom.data.Rollout`: ``[T, N, ...]`` arrays.

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> arrays = find(rollout_arrays(), lambda a: a["rewards"].size > 0, settings=fixed)
        >>> sorted(arrays), arrays["rewards"].shape
        (['actions', 'next_observations', 'observations', 'rewards', 'terminated', 'truncated'], (1, 1))
    """  # noqa: E501  (a doctest output is one line)
    T, N = draw(st.integers(0, max_T)), draw(st.integers(1, max_N))
    obs_shape = (T, N, *draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)))
    flags = hnp.arrays(np.bool_, (T, N))
    return {
        "observations": draw(hnp.arrays(np.float32, obs_shape, elements=_finite32)),
        "actions": draw(hnp.arrays(np.int64, (T, N), elements=st.integers(0, 3))),
        "rewards": draw(hnp.arrays(np.float64, (T, N), elements=_finite)),
        "terminated": draw(flags),
        "truncated": draw(flags),
        "next_observations": draw(hnp.arrays(np.float32, obs_shape, elements=_finite32)),
    }


def rollouts(max_T: int = 6, max_N: int = 4) -> st.SearchStrategy[Rollout]:
    """Valid :class:`~lagom.data.Rollout` records (the :func:`rollout_arrays`, built).

    Example:
        >>> from hypothesis import find, settings
        >>> fixed = settings(derandomize=True, database=None)  # the same search every run
        >>> find(rollouts(), lambda r: r.dones.any(), settings=fixed).dones
        array([[ True]])
    """
    return rollout_arrays(max_T=max_T, max_N=max_N).map(_rollout)


def _rollout(arrays: RolloutArrays) -> Rollout:
    return Rollout(
        observations=arrays["observations"],
        actions=arrays["actions"],
        rewards=arrays["rewards"],
        terminated=arrays["terminated"],
        truncated=arrays["truncated"],
        next_observations=arrays["next_observations"],
    )
