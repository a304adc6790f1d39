"""The in-process backend of :class:`lagom.envs.VecEnv`: a loop over sub-environments.

It follows gymnasium's same-step autoreset convention exactly (the layout of
``gymnasium.vector.SyncVectorEnv(..., autoreset_mode=AutoresetMode.SAME_STEP)``, which the
async backend shares), but batches into fresh arrays instead of deep-copying, which keeps the
overhead over stepping the sub-environments directly small.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from lagom._checks import MAX_SEED, check_seed, is_int
from lagom._types import BoolArray, Float64Array
from lagom.envs.vec_env_wrapper import _flag, _info, _reward

__all__ = ["check_seeds", "reset_seeds"]

_ARRAY_ACTIONS = (spaces.Box, spaces.MultiDiscrete, spaces.MultiBinary)


def check_seeds(name: str, seed: object, n: int) -> int | list[int | None] | None:
    """Validate seeds for ``n`` sub-environments, in gymnasium's convention.

    ``None`` (no reseeding), an int ``s`` (sub-environment ``i`` gets ``s + i``, every one
    a seed in ``[0, 2**32 - 1]``), or one seed (or ``None``) per sub-environment.

    Raises:
        TypeError: ``seed`` is none of these, or holds a non-int (a bool, a float...).
        ValueError: a seed is outside ``[0, 2**32 - 1]``, or the list does not hold
            exactly ``n`` seeds.
    """
    if seed is None:
        return None
    if is_int(seed):
        first = check_seed(name, seed)
        if first + n - 1 > MAX_SEED:
            raise ValueError(
                f"{name}={first} seeds sub-environment {n - 1} with {first + n - 1}, above "
                "2**32 - 1: give a smaller seed or one seed per sub-environment"
            )
        return first
    if isinstance(seed, (str, bytes, Mapping)) or not isinstance(seed, Iterable):
        raise TypeError(
            f"{name} must be an int, one seed per sub-environment or None, got "
            f"{type(seed).__name__} {seed!r:.60}"
        )
    seeds = list(seed)
    if len(seeds) != n:
        raise ValueError(
            f"{name} must hold one seed per sub-environment: got {len(seeds)} seeds for "
            f"{n} sub-environments"
        )
    return [None if s is None else check_seed(f"{name}[{i}]", s) for i, s in enumerate(seeds)]


def reset_seeds(seed: object, n: int) -> list[int | None]:
    """One seed (or ``None``) per sub-environment, from what :func:`check_seeds` accepts."""
    checked = check_seeds("seed", seed, n)
    if checked is None:
        return [None] * n
    if isinstance(checked, int):
        return [checked + i for i in range(n)]
    return checked


def _reset_mask(options: dict[str, Any] | None, n: int) -> tuple[dict[str, Any] | None, BoolArray]:
    """Split gymnasium's partial-reset option ``reset_mask`` from the sub-environments' options."""
    if options is None or "reset_mask" not in options:
        return options, np.ones(n, dtype=np.bool_)
    options = dict(options)
    mask = options.pop("reset_mask")
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != (n,):
        raise ValueError(
            f"options['reset_mask'] must be a bool array of shape ({n},), got {mask!r}"
        )
    if not mask.any():
        raise ValueError("options['reset_mask'] must select at least one sub-environment")
    return options, mask


def _sealed(value: Any) -> Any:
    """A read-only view of ``value``, an array no one else holds; anything else as is."""
    if type(value) is not np.ndarray:
        return value
    value.setflags(write=False)
    return value.view()


class _SyncVectorEnv(VectorEnv[Any, Any, Any]):
    """Sub-environments stepped one after another in this process, same-step autoreset."""

    def __init__(self, list_make_env: Sequence[Callable[[], gym.Env[Any, Any]]]) -> None:
        self.envs = [make_env() for make_env in list_make_env]
        if not self.envs:
            raise ValueError("a vectorized environment needs at least one sub-environment")
        first = self.envs[0]
        for i, env in enumerate(self.envs):
            if not isinstance(env, gym.Env):
                raise TypeError(f"make_env #{i} must return a gymnasium.Env, got {type(env)}")
            if env.observation_space != first.observation_space:
                raise ValueError(
                    f"all sub-environments must share one observation space, got "
                    f"{first.observation_space} and {env.observation_space} (#{i})"
                )
            if env.action_space != first.action_space:
                raise ValueError(
                    f"all sub-environments must share one action space, got "
                    f"{first.action_space} and {env.action_space} (#{i})"
                )
        self.num_envs = len(self.envs)
        self.metadata = {**first.metadata, "autoreset_mode": AutoresetMode.SAME_STEP}
        self.render_mode = first.render_mode
        self.spec = first.spec
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._observations: list[Any] = [None] * self.num_envs
        # Box observations and array actions (the common case) skip gymnasium's generic,
        # singledispatch-based batching: same results, a fraction of the per-step cost.
        self._box_dtype = (
            self.single_observation_space.dtype
            if isinstance(self.single_observation_space, spaces.Box)
            else None
        )
        self._array_actions = isinstance(self.action_space, _ARRAY_ACTIONS)

    def _batch(self, observations: list[Any]) -> Any:
        if self._box_dtype is not None:
            try:
                batch = np.stack(observations, dtype=self._box_dtype)
            except (ValueError, TypeError) as error:  # shapes differ, or a dtype cast fails
                batch, reason = None, str(error)
            if batch is not None and batch.shape == self.observation_space.shape:
                return batch
            shapes = sorted({np.shape(x) for x in observations})
            dtypes = sorted({str(np.asarray(x).dtype) for x in observations})
            raise ValueError(
                f"the sub-environments' observations must be elements of "
                f"{self.single_observation_space}: got shapes {shapes} of dtypes {dtypes}"
                + (f" ({reason})" if batch is None else "")
            )
        out: Any = create_empty_array(self.single_observation_space, self.num_envs, fn=np.empty)
        return concatenate(self.single_observation_space, observations, out)

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        seeds = reset_seeds(seed, self.num_envs)
        options, mask = _reset_mask(options, self.num_envs)
        infos: dict[str, Any] = {}
        for i, env in enumerate(self.envs):
            if mask[i]:
                self._observations[i], info = env.reset(seed=seeds[i], options=options)
                infos = self._add_info(infos, info, i)
        if any(observation is None for observation in self._observations):
            raise ValueError("options['reset_mask'] must select every sub-environment at first")
        return self._batch(self._observations), infos

    def step(self, actions: Any) -> tuple[Any, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        if self._array_actions:
            actions = np.asarray(actions)
            if actions.shape != self.action_space.shape:
                raise ValueError(
                    f"expected actions of shape {self.action_space.shape} (one row per "
                    f"sub-environment), got {actions.shape}"
                )
            rows = iter(actions)
        else:
            rows = iterate(self.action_space, actions)
        n = self.num_envs
        rewards = np.zeros(n, dtype=np.float64)
        terminated = np.zeros(n, dtype=np.bool_)
        truncated = np.zeros(n, dtype=np.bool_)
        infos: dict[str, Any] = {}
        observations = self._observations
        for i, (env, action) in enumerate(zip(self.envs, rows, strict=True)):
            try:
                # Any: what a sub-environment returns is checked below, not trusted.
                result: tuple[Any, ...] = env.step(action)
            except AssertionError as error:  # gymnasium's environments assert their actions
                raise ValueError(
                    f"sub-environment {i} refused the action {action!r}: expected an "
                    f"element of {self.single_action_space} ({error})"
                ) from error
            observation, reward, term, trunc, info = result
            # numpy would take 2, 0.5 or "False" as a flag and "1.5" as a reward, silently.
            if type(term) is not bool or type(trunc) is not bool:
                term = _flag("terminated", term, f"sub-environment {i}'s step")
                trunc = _flag("truncated", trunc, f"sub-environment {i}'s step")
            if type(reward) is not float:
                reward = _reward(reward, f"sub-environment {i}'s step")
            if type(info) is not dict:
                info = _info(info, f"sub-environment {i}'s step")
            rewards[i], terminated[i], truncated[i] = reward, term, trunc
            if term or trunc:
                # A copy, so an env that reuses its observation buffer cannot overwrite the
                # final observation when it resets; keys in the async worker's order.
                final = {"final_info": info, "final_obs": _sealed(copy.deepcopy(observation))}
                infos = self._add_info(infos, final, i)
                observation, info = env.reset()
            if info:
                infos = self._add_info(infos, info, i)
            observations[i] = observation
        if "final_obs" in infos:
            # Read-only, over read-only copies: a Rollout keeps them without copying again.
            for key in ("final_obs", "_final_obs", "_final_info"):
                infos[key] = _sealed(infos[key])
        return self._batch(observations), rewards, terminated, truncated, infos

    def render(self) -> tuple[Any, ...]:
        return tuple(env.render() for env in self.envs)

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        results = []
        for env in self.envs:
            attr = env.get_wrapper_attr(name)
            results.append(attr(*args, **kwargs) if callable(attr) else attr)
        return tuple(results)

    def set_attr(self, name: str, values: Any) -> None:
        if not isinstance(values, (list, tuple)):
            values = [values] * self.num_envs
        if len(values) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} values, got {len(values)}")
        for env, value in zip(self.envs, values, strict=True):
            env.set_wrapper_attr(name, value)

    def close_extras(self, **kwargs: Any) -> None:
        for env in self.envs:
            env.close()
