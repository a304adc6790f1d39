"""Seeded vectorized environments: :func:`make_vec_env` and :func:`make_native_vec_env`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gymnasium as gym

from lagom._checks import check_int, check_seed
from lagom.envs._native import same_step
from lagom.envs.vec_env import VecEnv, VecEnvMode
from lagom.utils import Seeder

__all__ = ["make_native_vec_env", "make_vec_env"]


#: The most sub-environments a vectorized environment may have (one seed each is drawn).
MAX_NUM_ENV = 2**24


def _check_num_env(num_env: object) -> int:
    return check_int("num_env", num_env, minimum=1, maximum=MAX_NUM_ENV)


def _make_seeded_env(make_env: Callable[[], gym.Env[Any, Any]], seed: int) -> gym.Env[Any, Any]:
    env = make_env()
    if not isinstance(env, gym.Env):
        raise TypeError(f"make_env must return a gymnasium.Env, got {type(env)}")
    env.action_space.seed(seed)
    env.observation_space.seed(seed)
    return env


def make_vec_env(
    make_env: Callable[[], gym.Env[Any, Any]],
    num_env: int,
    init_seed: int,
    mode: VecEnvMode = "sync",
) -> VecEnv:
    """Create a :class:`VecEnv` of ``num_env`` sub-environments, each with its own seed.

    The seeds are ``Seeder(init_seed)(num_env)``: sub-environment ``i`` gets seed ``s_i``
    for its action and observation spaces and for its first reset (a :meth:`VecEnv.reset`
    called without a seed). The batched ``action_space`` and ``observation_space`` are seeded
    with ``init_seed``. The same ``init_seed`` therefore gives the same rollouts, and every
    sub-environment a different random stream.

    Args:
        make_env: a function returning a new ``gymnasium.Env``; it must be picklable by
            cloudpickle in ``"async"`` mode (lambdas are fine).
        num_env: number of sub-environments N (at least 1).
        init_seed: initial seed of the :class:`~lagom.utils.Seeder`, in ``[0, 2**32 - 1]``.
        mode: ``"sync"`` (in-process loop, the default) or ``"async"`` (one subprocess per
            sub-environment); both give identical outputs.

    Returns:
        the vectorized environment.

    Raises:
        TypeError: ``num_env`` or ``init_seed`` is not an int, or ``make_env`` is not
            callable or does not return a gymnasium.Env.
        ValueError: ``num_env`` outside ``[1, 2**24]``, ``init_seed`` outside
            ``[0, 2**32 - 1]``, or an unknown mode.

    Example:
        >>> import gymnasium as gym
        >>> env = make_vec_env(lambda: gym.make("CartPole-v1"), 3, 0)
        >>> env
        <VecEnv: 3, CartPole-v1>
        >>> first, _ = env.reset()
        >>> again = make_vec_env(lambda: gym.make("CartPole-v1"), 3, 0)
        >>> bool((again.reset()[0] == first).all()), bool((first[0] != first[1]).any())
        (True, True)
        >>> env.close(); again.close()
    """
    num_env = _check_num_env(num_env)
    init_seed = check_seed("init_seed", init_seed)  # a Python int: gymnasium refuses numpy's
    if not callable(make_env):
        raise TypeError(f"make_env must be a callable returning an env, got {type(make_env)}")
    seeds: list[int] = Seeder(init_seed)(num_env)
    list_make_env = [functools.partial(_make_seeded_env, make_env, seed) for seed in seeds]
    env = VecEnv(list_make_env, mode=mode, seeds=seeds)
    env.action_space.seed(init_seed)
    env.observation_space.seed(init_seed)
    return env


def make_native_vec_env(env_id: str, num_env: int, init_seed: int, **kwargs: Any) -> VecEnv:
    """Create a :class:`VecEnv` over gymnasium's native vectorized implementation of ``env_id``.

    Some environments (e.g. ``CartPole-v1``) register a ``vector_entry_point``: one numpy
    simulation of all N copies, several times faster than a loop over N environments. This
    function builds it with ``gym.make_vec(env_id, num_env,
    vectorization_mode="vector_entry_point", **kwargs)`` and, where the implementation only
    autoresets in the next step (CartPole), adapts it to same-step autoreset, so ``step``
    reports rewards, flags, ``infos["final_obs"]`` and reset observations exactly as
    :func:`make_vec_env` does.

    Trade-offs: one random generator drives all N copies, so the numbers differ from
    :func:`make_vec_env` with the same ``init_seed`` (the semantics do not); ``make_env``
    wrappers cannot be applied per copy; only environments with a native implementation and a
    same-step adapter are accepted.

    The first reset without a seed uses ``Seeder(init_seed)(1)[0]``; the batched spaces are
    seeded with ``init_seed`` and the single spaces with that first seed.

    ``step`` checks the batch of actions itself, vectorized (shape ``[N]``, an integer dtype,
    every action in the space: gymnasium's ``contains`` rule), refuses a bad batch with a
    ``ValueError`` before anything moves, and then spares the native environment its own
    per-step check. The final observations in ``infos["final_obs"]`` and the masks
    ``infos["_final_obs"]``/``infos["_final_info"]`` are read-only copies, so a
    :class:`~lagom.data.Rollout` keeps them without copying them again.

    Args:
        env_id: a registered environment id with a ``vector_entry_point``.
        num_env: number of copies N (at least 1).
        init_seed: initial seed of the :class:`~lagom.utils.Seeder`.
        **kwargs: passed to the environment's constructor (e.g. ``max_episode_steps``).

    Returns:
        the vectorized environment (``mode == "vector"``).

    Raises:
        TypeError: ``env_id`` is not a str, or ``num_env`` or ``init_seed`` is not an int.
        ValueError: ``num_env`` outside ``[1, 2**24]``, ``init_seed`` outside
            ``[0, 2**32 - 1]``, ``env_id`` is not registered or has no
            ``vector_entry_point`` (gymnasium's message is kept), or its native
            implementation has no same-step adapter.

    Example:
        >>> env = make_native_vec_env("CartPole-v1", 4, init_seed=0, max_episode_steps=2)
        >>> env, env.metadata["autoreset_mode"]
        (<VecEnv: 4, CartPole-v1>, <AutoresetMode.SAME_STEP: 'SameStep'>)
        >>> _ = env.reset()
        >>> _ = env.step([0, 0, 1, 1])
        >>> observations, rewards, terminated, truncated, infos = env.step([0, 0, 1, 1])
        >>> rewards.dtype, truncated, infos["_final_obs"]
        (dtype('float64'), array([ True,  True,  True,  True]), array([ True,  True,  True,  True]))
        >>> env.close()
    """
    if not isinstance(env_id, str):
        raise TypeError(f"env_id must be a str such as 'CartPole-v1', got {type(env_id).__name__}")
    num_env = _check_num_env(num_env)
    init_seed = check_seed("init_seed", init_seed)  # a Python int: gymnasium refuses numpy's
    (seed,) = Seeder(init_seed)(1)
    try:
        native = gym.make_vec(
            env_id, num_envs=num_env, vectorization_mode="vector_entry_point", **kwargs
        )
    except gym.error.Error as error:
        raise ValueError(
            f"env_id {env_id!r} must be a registered environment with a native vector "
            f"implementation (a vector_entry_point): {type(error).__name__}: {error}"
        ) from error
    try:
        env = VecEnv.from_vector_env(same_step(native), seeds=seed)
    except ValueError:
        native.close()
        raise
    env.action_space.seed(init_seed)
    env.observation_space.seed(init_seed)
    env.single_action_space.seed(seed)
    env.single_observation_space.seed(seed)
    return env
