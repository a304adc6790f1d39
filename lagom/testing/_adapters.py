"""Adapters: map an estimator's own signature onto the one the suites call.

A suite calls ``fn(**arguments)`` with lagom's keyword names and time-major ``[T, N]``
numpy arrays, and reads back one array (or a pair, for V-trace). An adapter wraps a
function written another way into one called like that; adapters compose, the one
nearest the user's function applied first::

    adapter=lambda fn: from_dones(batch_major(torch_tensors(fn)))

:func:`torch_tensors` lives in its own module (it imports torch when called).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["batch_major", "from_dones"]

R = TypeVar("R")


def _transpose(value: object) -> object:
    # 2-D arrays (and tensors) only: the [T, N] inputs; floats such as gamma pass through.
    if getattr(value, "ndim", None) == 2:
        return value.T  # type: ignore[attr-defined]
    if isinstance(value, tuple):
        transposed = [_transpose(item) for item in value]
        make = getattr(value, "_make", None)  # a named tuple (V-trace's) keeps its type
        return make(transposed) if callable(make) else tuple(transposed)
    return value


def check_estimator(fn: object) -> None:
    """Raise ``TypeError`` unless ``fn`` is callable (an adapter's estimator).

    Example:
        >>> check_estimator(len)
    """
    if not callable(fn):
        raise TypeError(
            f"fn must be the estimator (a callable), got {type(fn).__name__} {fn!r:.60}"
        )


def batch_major(fn: Callable[..., R]) -> Callable[..., R]:
    """Adapt an estimator that takes and returns batch-major ``[N, T]`` arrays.

    Every 2-D argument is transposed before the call (a view: copy it in ``fn`` if you
    need contiguous memory), and every 2-D output (or each of a pair) after it.

    Args:
        fn: the estimator, with lagom's keyword names and ``[N, T]`` arrays.

    Returns:
        The estimator with ``[T, N]`` arrays in and out.

    Raises:
        TypeError: ``fn`` is not callable.

    Example:
        >>> from lagom.metric import batched_returns
        >>> def returns_nt(*, gamma, rewards, next_values, terminated, truncated):
        ...     assert rewards.shape == (3, 2)  # [N, T]: 3 environments, 2 steps
        ...     return batched_returns(gamma, rewards.T, next_values.T,
        ...                            terminated=terminated.T, truncated=truncated.T).T
        >>> f = batch_major(returns_nt)
        >>> f(gamma=1.0, rewards=np.ones((2, 3)), next_values=np.zeros((2, 3)),
        ...   terminated=np.zeros((2, 3), bool), truncated=np.zeros((2, 3), bool))
        array([[2., 2., 2.],
               [1., 1., 1.]])
    """

    check_estimator(fn)

    @functools.wraps(fn)
    def adapted(**arguments: Any) -> R:
        result = fn(**{name: _transpose(value) for name, value in arguments.items()})
        transposed: Any = _transpose(result)
        return transposed  # type: ignore[no-any-return]

    return adapted


def from_dones(fn: Callable[..., R]) -> Callable[..., R]:
    """Adapt an estimator that takes one ``dones`` array instead of ``terminated``/``truncated``.

    ``dones[t] = terminated[t] or truncated[t]``: step ``t`` ended its episode (lagom's
    time index; code in which ``dones[t]`` marks ``s_t`` as a reset observation, as in
    CleanRL, must shift it first). A ``dones`` signature cannot tell a truncation from a
    termination, so the adapter adds the bootstrap of every truncated (not terminated)
    step to its reward, as Stable-Baselines3 does: ``r_t + γ V(final observation)``, with
    ``V`` from ``next_values``; the estimator then ends every episode at ``dones`` without
    a bootstrap. Exact for returns, TD targets, GAE and V-trace; the limitation is that
    ``fn`` sees the changed rewards. Estimators that take no ``truncated`` (TD targets and
    errors) get ``dones = terminated`` and unchanged rewards.

    Args:
        fn: the estimator, with lagom's keyword names but ``dones`` for the two flags.

    Returns:
        The estimator in lagom's signature.

    Raises:
        TypeError: ``fn`` is not callable.

    Example:
        >>> def returns_with_dones(*, gamma, rewards, next_values, dones):
        ...     out, running = np.zeros_like(rewards), next_values[-1] * (1 - dones[-1])
        ...     for t in reversed(range(len(rewards))):
        ...         running = rewards[t] + gamma * (1 - dones[t]) * running
        ...         out[t] = running
        ...     return out
        >>> f = from_dones(returns_with_dones)
        >>> f(gamma=0.5, rewards=np.ones((2, 1)), next_values=np.array([[2.0], [4.0]]),
        ...   terminated=np.zeros((2, 1), bool), truncated=np.array([[True], [False]]))
        array([[2.],
               [3.]])
    """

    check_estimator(fn)

    @functools.wraps(fn)
    def adapted(**arguments: Any) -> R:
        terminated = np.asarray(arguments.pop("terminated"), dtype=bool)
        truncated = arguments.pop("truncated", None)
        if truncated is None:
            return fn(**arguments, dones=terminated)
        cut = np.asarray(truncated, dtype=bool) & ~terminated
        rewards = np.asarray(arguments["rewards"])
        bootstrap = arguments["gamma"] * np.where(cut, arguments["next_values"], 0.0)
        arguments["rewards"] = (rewards + bootstrap).astype(rewards.dtype)
        return fn(**arguments, dones=terminated | cut)

    return adapted
