"""Collect T steps of a vectorized environment as one batch: :class:`VecStepRunner`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeAlias

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from lagom._checks import check_fits, is_tensor, readable_array, tensor_array
from lagom._types import NDArray
from lagom.agent import Agent
from lagom.data import Rollout
from lagom.runner._shared import check_agent, check_count, split_output
from lagom.runner.base import BaseRunner

__all__ = ["VecRunnerResult", "VecStepRunner"]

#: A batch of observations: ``[N, ...]``, or one such array per key of a ``Dict`` space.
Observations: TypeAlias = "NDArray[Any] | dict[str, NDArray[Any]]"


class VecRunnerResult(NamedTuple):
    """What :class:`VecStepRunner` returns: the rollout and the agent's outputs.

    Attributes:
        rollout: the ``[T, N, ...]`` record of the run (:class:`~lagom.data.Rollout`); its
            ``infos`` are the T vector infos returned by ``env.step``.
        outputs: every entry but ``"raw_action"`` of the agent's outputs, stacked over time:
            ``outputs[key][t]`` is what ``choose_action`` returned on ``observations[t]``
            (e.g. ``outputs["V"]`` is ``[T, N]`` when the agent returns ``V`` as ``[N]``).
            Tensors are detached and copied to numpy.

    Example:
        >>> import gymnasium as gym
        >>> from lagom.envs import make_vec_env
        >>> class ZeroAgent:
        ...     def choose_action(self, x, **kwargs):
        ...         return {"raw_action": np.zeros(len(x), dtype=np.int64), "V": np.ones(len(x))}
        >>> env = make_vec_env(lambda: gym.make("CartPole-v1"), 2, 0)
        >>> result = VecStepRunner()(ZeroAgent(), env, T=3)
        >>> isinstance(result, VecRunnerResult), result.rollout.rewards.shape
        (True, (3, 2))
        >>> sorted(result.outputs), result.outputs["V"].shape
        (['V'], (3, 2))
        >>> env.close()
    """

    rollout: Rollout
    outputs: dict[str, NDArray[Any]]


class VecStepRunner(BaseRunner[VecRunnerResult]):
    """Run T steps of a vectorized environment; return a :class:`~lagom.data.Rollout`.

    At each step ``t`` the agent gets the batched observations ``s_t`` (``[N, ...]``) and
    returns a dict whose ``"raw_action"`` is the batch of N actions for ``env.step``. The
    rollout records, as ``[T, N, ...]`` arrays, ``observations`` ``s_t``, ``actions``,
    ``rewards``, ``terminated``, ``truncated`` and ``next_observations``: the true
    ``s_{t+1}``, which for a step that ended an episode is its final observation (from
    ``infos["final_obs"]``), never the reset observation the environment returned in that
    row. So ``V(next_observations)`` are the ``next_values`` of
    :func:`lagom.metric.batched_gae` and friends, truncations included. The agent's other
    outputs come back stacked in :attr:`VecRunnerResult.outputs`.

    Observations of a gymnasium ``Dict`` space are a dict of ``[N, ...]`` arrays at every
    step (what the agent gets) and a dict of ``[T, N, ...]`` arrays in the rollout, one per
    key (sorted), each in its own dtype (uint8 frames stay uint8); the final observation
    of an ended episode is written into every key of ``next_observations``.

    ``env`` must autoreset in the same step (gymnasium's ``AutoresetMode.SAME_STEP``), as
    :class:`lagom.envs.VecEnv` does; with next-step autoreset every episode end would add a
    fake transition.

    The rollout owns its arrays: the runner fills fresh ``[T + 1, N, ...]`` buffers in place
    and hands them over read-only (no copy), so no later call can change a rollout; the
    observation arrays the agent was given during a call are views of those buffers and
    are read-only once the call returns. Actions are copied into the record at each step
    (an agent may reuse its action array).

    Successive calls continue the same streams: the runner keeps the last observations and
    the next call starts from them (unless ``reset_on_call`` or ``env`` is another object
    than last time), so consecutive rollouts join without a gap. The first call resets
    ``env`` without a seed: :func:`lagom.envs.make_vec_env` then seeds every sub-environment
    from ``init_seed``, and a :class:`lagom.agent.RandomAgent` samples from the batched
    action space it seeded, so the same ``init_seed`` gives the same rollout.

    Args:
        reset_on_call: whether each call starts with ``env.reset()``. Default: ``False``
            (rollouts continue each other).

    Example:
        >>> import gymnasium as gym
        >>> from lagom.agent import RandomAgent
        >>> from lagom.envs import make_vec_env
        >>> env = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=3), 2, 0)
        >>> runner = VecStepRunner()
        >>> rollout, outputs = runner(RandomAgent({}, env, None), env, T=4)
        >>> rollout.observations.shape, rollout.actions.shape, rollout.rewards.shape
        ((4, 2, 4), (4, 2), (4, 2))
        >>> rollout.truncated
        array([[False, False], [False, False], [ True,  True], [False, False]])
        >>> bool((rollout.next_observations[:2] == rollout.observations[1:3]).all())
        True
        >>> bool((rollout.next_observations[2] == rollout.observations[3]).any())
        False
        >>> outputs
        {}
        >>> env.close()

        A ``Dict`` observation space gives a dict of arrays:

        >>> from gymnasium.wrappers import TransformObservation
        >>> def make_goal_env():
        ...     env = gym.make("Pendulum-v1", max_episode_steps=2)
        ...     space = gym.spaces.Dict({"observation": env.observation_space,
        ...                              "step": gym.spaces.Box(0, 255, (1,), np.uint8)})
        ...     return TransformObservation(
        ...         env, lambda x: {"observation": x, "step": np.ones(1, np.uint8)}, space)
        >>> env = make_vec_env(make_goal_env, 2, 0)
        >>> rollout, _ = VecStepRunner()(RandomAgent({}, env, None), env, T=3)
        >>> {key: (x.shape, x.dtype.name) for key, x in rollout.observations.items()}
        {'observation': ((3, 2, 3), 'float32'), 'step': ((3, 2, 1), 'uint8')}
        >>> rollout.truncated[1].tolist(), rollout.next_observations["step"].shape
        ([True, True], (3, 2, 1))
        >>> env.close()
    """

    def __init__(self, reset_on_call: bool = False) -> None:
        if not isinstance(reset_on_call, bool):
            raise TypeError(f"reset_on_call must be a bool, got {type(reset_on_call).__name__}")
        self.reset_on_call = reset_on_call
        self._env: VectorEnv[Any, Any, Any] | None = None
        self._observations: Observations | None = None

    def __call__(
        self, agent: Agent, env: VectorEnv[Any, Any, Any], T: int, **kwargs: Any
    ) -> VecRunnerResult:
        """Run ``T`` steps of every sub-environment.

        Args:
            agent: has ``choose_action(observations, **kwargs)`` returning a dict with
                ``"raw_action"`` (a batch of N actions).
            env: a vectorized environment with same-step autoreset (e.g.
                :class:`lagom.envs.VecEnv`) and array observations (or dicts of arrays,
                for a ``Dict`` observation space).
            T: number of steps (at least 1).
            **kwargs: passed to every ``agent.choose_action`` call.

        Returns:
            the rollout ``[T, N, ...]`` and the agent's stacked outputs.

        Raises:
            TypeError: ``T`` is not an int, an action or an output of the agent cannot be
                read as an array (a tensor that requires grad, or on the 'meta' device;
                bfloat16 tensors are widened to float32), ``env`` is not a vectorized
                environment or its
                observations are neither arrays nor dicts of arrays (or change keys),
                ``agent`` has no ``choose_action`` or returns
                something other than a dict.
            ValueError: ``T < 1``, the ``T`` steps would not fit in this machine's memory,
                ``env`` autoresets in the next step, ``env.step`` returns observations of
                another shape than ``env.reset``, or rewards and flags that are not ``[N]``
                arrays (of real numbers and bools: else TypeError), or the agent's output lacks
                ``"raw_action"`` or its keys change between steps.
        """
        T = check_count("T", T)
        check_agent(agent)
        _check_vec_env(env)
        observations = self._start(env)
        num_envs = env.num_envs
        # One [T + 1, N, ...] buffer per key ("" for array observations), in its own dtype,
        # filled in place; the rollout then takes them over (sealed, so without a copy).
        first = _as_arrays(observations)
        _check_memory(T, num_envs, first)
        buffers = {key: _buffer(x, T) for key, x in first.items()}
        array_buffer = buffers.get("") if len(buffers) == 1 else None
        obs_shape = array_buffer.shape[1:] if array_buffer is not None else None
        n_shape = (num_envs,)
        rewards = np.empty((T, num_envs), dtype=np.float64)
        terminated = np.empty((T, num_envs), dtype=np.bool_)
        truncated = np.empty((T, num_envs), dtype=np.bool_)
        # Made at t == 0 from the first action; dtype and shape of one batch of actions.
        actions: NDArray[Any] = np.empty(0)
        dtype: np.dtype[Any] | None = None
        shape: tuple[int, ...] | None = None
        infos: list[Mapping[str, Any]] = []
        outputs: dict[str, list[NDArray[Any]]] = {}
        # (t, infos["_final_obs"], infos["final_obs"]) of the steps that may end episodes.
        ended: list[tuple[int, NDArray[np.bool_], NDArray[np.object_]]] = []
        choose_action = agent.choose_action
        if kwargs:
            choose_action = functools.partial(choose_action, **kwargs)
        step = env.step
        for t in range(T):
            current = array_buffer[t] if array_buffer is not None else _row(buffers, t)
            out = choose_action(current)
            if type(out) is dict and len(out) == 1 and "raw_action" in out and not outputs:
                action = out["raw_action"]  # the common case: no other outputs
            else:
                action, extra = split_output(out)
                _collect(outputs, extra, t)
            observations, reward, term, trunc, info = step(action)
            # numpy would broadcast a scalar or a row over the N rows and read 2 or 0.5 as a
            # flag, silently: the common case (arrays [N] of their dtypes) passes at once.
            if not (
                type(reward) is np.ndarray
                and reward.shape == n_shape
                and reward.dtype.kind == "f"
                and type(term) is np.ndarray
                and term.shape == n_shape
                and term.dtype == np.bool_
                and type(trunc) is np.ndarray
                and trunc.shape == n_shape
                and trunc.dtype == np.bool_
            ):
                reward, term, trunc = _checked_step(reward, term, trunc, num_envs)
            rewards[t], terminated[t], truncated[t] = reward, term, trunc
            if type(action) is np.ndarray and action.dtype is dtype and action.shape == shape:
                actions[t] = action  # the common case, checked inline
            else:
                actions = _store_action(actions, action, t, T)
                dtype, shape = actions.dtype, actions.shape[1:]
            if (
                array_buffer is not None
                and type(observations) is np.ndarray
                and observations.shape == obs_shape
            ):
                array_buffer[t + 1] = observations
            else:
                _store(buffers, t + 1, observations)
            infos.append(info)  # the Rollout refuses an info that is not a mapping
            if (type(info) is dict or isinstance(info, Mapping)) and "_final_obs" in info:
                ended.append((t, info["_final_obs"], info["final_obs"]))
        next_buffers = {key: x[1:].copy() for key, x in buffers.items()}
        _write_finals(next_buffers, ended)
        for x in (*buffers.values(), *next_buffers.values()):
            x.setflags(write=False)
        self._env = env
        self._observations = _row(buffers, T)
        rollout = Rollout(
            observations=_pack({key: x[:T] for key, x in buffers.items()}),
            actions=_sealed(actions),
            rewards=_sealed(rewards),
            terminated=_sealed(terminated),
            truncated=_sealed(truncated),
            next_observations=_pack({key: x.view() for key, x in next_buffers.items()}),
            infos=infos,
        )
        return VecRunnerResult(rollout, {key: np.stack(values) for key, values in outputs.items()})

    def _start(self, env: VectorEnv[Any, Any, Any]) -> Observations:
        """The observations this call starts from: a reset, or where the last call stopped."""
        if self.reset_on_call or self._observations is None or env is not self._env:
            observations, _ = env.reset()
            if isinstance(observations, np.ndarray):
                return observations
            if isinstance(observations, Mapping) and all(
                isinstance(key, str) and isinstance(x, np.ndarray)
                for key, x in observations.items()
            ):
                return {key: observations[key] for key in sorted(observations)}
            raise TypeError(
                "VecStepRunner records array observations or dicts of arrays (a Dict "
                f"space), got {type(observations).__name__} from {env!r}"
            )
        return self._observations


def _check_vec_env(env: object) -> None:
    if not isinstance(env, VectorEnv):
        raise TypeError(
            "VecStepRunner runs a vectorized environment (gymnasium.vector.VectorEnv), got "
            f"{type(env)}; use StepRunner or EpisodeRunner for a single environment"
        )
    mode = env.metadata.get("autoreset_mode")
    if mode != AutoresetMode.SAME_STEP:
        raise ValueError(
            "VecStepRunner needs same-step autoreset (metadata['autoreset_mode'] == "
            f"AutoresetMode.SAME_STEP, as in lagom.envs.VecEnv), got {mode!r}"
        )


def _as_arrays(observations: object) -> dict[str, NDArray[Any]]:
    """Observations as a dict of arrays: a Dict space's keys, or ``""`` for one array."""
    if isinstance(observations, Mapping):
        return {key: np.asarray(observations[key]) for key in sorted(observations)}
    return {"": np.asarray(observations)}


def _check_memory(T: int, num_envs: int, first: dict[str, NDArray[Any]]) -> None:
    """Refuse a ``T`` whose buffers cannot fit in this machine's memory, before any is
    allocated (numpy would raise its own ``MemoryError`` or "array is too big")."""
    row = sum(x.nbytes for x in first.values())
    # Per step: an observation row in observations [T + 1] and one in next_observations [T],
    # rewards float64 and two flags [T, N]; the one extra row of [T + 1] is left out.
    step_bytes = 2 * row + num_envs * 10
    check_fits("T", T, step_bytes, context=f" steps of {num_envs} sub-environments")


def _checked_step(
    reward: object, term: object, trunc: object, num_envs: int
) -> tuple[NDArray[Any], NDArray[np.bool_], NDArray[np.bool_]]:
    """``env.step``'s rewards and flags as arrays ``[N]``: real numbers, and bools."""
    rewards = np.asarray(reward)
    if rewards.dtype.kind not in "biuf" or rewards.shape != (num_envs,):
        error = TypeError if rewards.dtype.kind not in "biuf" else ValueError
        raise error(
            f"env.step must return rewards of {num_envs} real numbers (shape ({num_envs},)), "
            f"got dtype {rewards.dtype} and shape {rewards.shape}"
        )
    flags = []
    for name, value in (("terminated", term), ("truncated", trunc)):
        array = np.asarray(value)
        if array.dtype != np.bool_ or array.shape != (num_envs,):
            raise (TypeError if array.dtype != np.bool_ else ValueError)(
                f"env.step must return {name} as {num_envs} bools (shape ({num_envs},)), got "
                f"dtype {array.dtype} and shape {array.shape}"
            )
        flags.append(array)
    return rewards, flags[0], flags[1]


def _buffer(first: NDArray[Any], T: int) -> NDArray[Any]:
    """A ``[T + 1, *first.shape]`` buffer of ``first``'s dtype starting with ``first``."""
    buffer = np.empty((T + 1, *first.shape), dtype=first.dtype)
    buffer[0] = first
    return buffer


def _write_finals(
    next_buffers: dict[str, NDArray[Any]],
    ended: list[tuple[int, NDArray[np.bool_], NDArray[np.object_]]],
) -> None:
    """Write the final observations of the ended episodes over the reset observations."""
    if not ended:
        return
    steps, rows, finals = _gather_finals(ended, next(iter(next_buffers.values())).shape[1])
    if not finals:
        return
    if list(next_buffers) == [""]:
        # Array observations: one conversion, one write (each final must have the row's shape).
        buffer = next_buffers[""]
        expected = (len(finals), *buffer.shape[2:])
        try:
            values = np.array(finals)
        except ValueError:
            values = np.empty(0, dtype=object)  # observations of different shapes
        if values.dtype == object or values.shape != expected:
            shapes = sorted({np.shape(final) for final in finals})
            raise ValueError(
                f"infos['final_obs'] must hold observations of shape {buffer.shape[2:]}, got "
                f"shapes {shapes}"
            )
        buffer[steps, rows] = values
        return
    for t, i, final in zip(steps.tolist(), rows.tolist(), finals, strict=True):
        for key, x in _as_arrays(final).items():
            next_buffers[key][t, i] = x


def _gather_finals(
    ended: list[tuple[int, NDArray[np.bool_], NDArray[np.object_]]], num_envs: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], list[Any]]:
    """``(steps, rows, final observations)`` of the ended episodes, in (step, row) order.

    ``ended`` holds ``(t, infos["_final_obs"], infos["final_obs"])`` of the steps that may
    end episodes; one mask over all of them finds every ended episode at once.
    """
    masks = [np.asarray(mask) for _, mask, _ in ended]
    if any(mask.shape != (num_envs,) for mask in masks):
        shapes = sorted({mask.shape for mask in masks})
        raise ValueError(
            f"infos['_final_obs'] must be a mask of shape ({num_envs},), got shapes {shapes}"
        )
    (flat,) = np.concatenate(masks).nonzero()
    which, rows = np.divmod(flat, num_envs)
    steps = np.array([t for t, _, _ in ended], dtype=np.intp)[which]
    objects = [final for _, _, final in ended]
    if all(
        type(final) is np.ndarray and final.dtype == object and final.shape == (num_envs,)
        for final in objects
    ):
        # gymnasium's layout: an [N] object array per step; one gather for every episode.
        finals: list[Any] = np.concatenate(objects)[flat].tolist()
    else:
        finals = [objects[e][i] for e, i in zip(which.tolist(), rows.tolist(), strict=True)]
    return steps, rows, finals


def _store_action(actions: NDArray[Any], action: object, t: int, T: int) -> NDArray[Any]:
    """Write step ``t``'s action into the ``[T, ...]`` buffer (made at ``t == 0``).

    A copy: an agent may reuse its action array. An action of another dtype promotes the
    buffer, as stacking the actions would.
    """
    if (
        t
        and type(action) is np.ndarray
        and action.dtype == actions.dtype
        and action.shape == actions.shape[1:]
    ):
        actions[t] = action
        return actions
    array = readable_array("agent.choose_action's raw_action", action)
    if not t:
        actions = np.empty((T, *array.shape), dtype=array.dtype)
    elif array.shape != actions.shape[1:]:
        raise ValueError(
            f"agent.choose_action must return raw_action batches of one shape, got "
            f"{actions.shape[1:]} at step 0 and {array.shape} at step {t}"
        )
    elif array.dtype != actions.dtype:
        actions = actions.astype(np.result_type(actions.dtype, array.dtype))
    actions[t] = array
    return actions


def _sealed(array: NDArray[Any]) -> NDArray[Any]:
    """``array`` (which no one else holds) made read-only for good, as a view: a
    :class:`~lagom.data.Rollout` keeps such an array without copying it."""
    array.setflags(write=False)
    view: NDArray[Any] = array.view()
    return view


def _store(buffers: dict[str, NDArray[Any]], t: int, observations: object) -> None:
    """Write step ``t``'s observations into the buffers (checking a dict's keys)."""
    arrays = _as_arrays(observations)
    if arrays.keys() != buffers.keys():
        raise TypeError(
            f"env.step returned observations with keys {sorted(arrays)}, but env.reset "
            f"returned {sorted(buffers)}"
        )
    for key, x in arrays.items():
        if x.shape != buffers[key].shape[1:]:
            label = f"observations[{key!r}]" if key else "observations"
            raise ValueError(
                f"env.step returned {label} of shape {x.shape}, but env.reset returned "
                f"{buffers[key].shape[1:]} (one row per sub-environment)"
            )
        buffers[key][t] = x


def _row(buffers: dict[str, NDArray[Any]], t: int) -> Observations:
    return _pack({key: x[t] for key, x in buffers.items()})


def _pack(arrays: dict[str, NDArray[Any]]) -> Observations:
    """The array of ``""``, or the dict of a Dict space's arrays."""
    return arrays[""] if list(arrays) == [""] else arrays


def _collect(outputs: dict[str, list[NDArray[Any]]], extra: dict[str, Any], t: int) -> None:
    """Append step ``t``'s agent outputs, checking that every step has the same keys."""
    if t and extra.keys() != outputs.keys():
        raise ValueError(
            "agent.choose_action must return the same keys at every step, got "
            f"{sorted(outputs)} at step 0 and {sorted(extra)} at step {t}"
        )
    for key, value in extra.items():
        outputs.setdefault(key, []).append(_to_numpy(key, value))


def _to_numpy(key: str, value: object) -> NDArray[Any]:
    """The agent's output ``key`` at one step as a numpy array (a copy).

    Raises:
        TypeError: ``value`` cannot be read as an array (a tensor on the 'meta' device
            holds no data).
    """
    if isinstance(value, np.ndarray):
        # A copy: an agent may reuse its output buffer from one step to the next.
        return np.array(value, copy=True)
    name = f"agent.choose_action's output {key!r}"
    if is_tensor(value):
        # A copy, as for an array: the tensor's memory may be reused by the agent.
        try:
            return np.array(tensor_array(value))
        except (RuntimeError, NotImplementedError) as error:  # e.g. the 'meta' device
            raise TypeError(
                f"{name} must be an array or a tensor holding data, got "
                f"{type(value).__name__}: {error}"
            ) from None
    return readable_array(name, value)
