"""The policy whose flat parameter vector an evolution strategy searches: :class:`FlatPolicy`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lagom._types import ArrayLike, Float64Array

__all__ = ["Action", "FlatPolicy"]

#: A deterministic policy: observations ``[B, O]`` to actions ``[B]`` or ``[B, A]``.
Action = Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]


class FlatPolicy:
    r"""A deterministic MLP whose parameters are one flat vector (the ES solution).

    ``h_0 = obs``, ``h_{k+1} = tanh(W_k h_k + b_k)`` for each hidden layer, and
    ``out = W_L h_L + b_L``; no hidden layer gives a linear policy. For ``Discrete(n)`` the
    action is ``argmax(out)`` (``n`` outputs); for a bounded ``Box`` of shape ``[A]`` it is
    ``low + (tanh(out) + 1) / 2 * (high - low)``. The vector holds, layer by layer, ``W_k``
    (``[out, in]``, row-major) then ``b_k``.

    Args:
        observation_space: a ``Box`` of shape ``[O]``.
        action_space: ``Discrete(n)`` or a ``Box`` of shape ``[A]`` with finite bounds.
        hidden_sizes: widths of the hidden layers (empty: linear).

    Raises:
        ValueError: a space the policy cannot handle (the message names it).

    Example:
        >>> policy = FlatPolicy(gym.spaces.Box(-1.0, 1.0, (3,)), gym.spaces.Discrete(2))
        >>> policy.num_params  # W [2, 3] and b [2]
        8
        >>> act = policy.bind([1.0, 0, 0, -1, 0, 0, 0, 0])
        >>> act(np.array([[0.5, 0.0, 0.0], [-0.5, 0.0, 0.0]])).tolist()
        [0, 1]
        >>> box = gym.spaces.Box(-2.0, 2.0, (1,))
        >>> policy = FlatPolicy(gym.spaces.Box(-1.0, 1.0, (3,)), box, [4])
        >>> policy.num_params  # 3*4 + 4 + 4*1 + 1
        21
        >>> policy.bind(np.zeros(21))(np.ones((2, 3))).tolist()
        [[0.0], [0.0]]
    """

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        hidden_sizes: Sequence[int] = (),
    ) -> None:
        if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) != 1:
            raise ValueError(
                f"policy search needs a flat Box observation space, got {observation_space}"
            )
        self.action_space = action_space
        if isinstance(action_space, spaces.Discrete):
            outputs = int(action_space.n)
        elif isinstance(action_space, spaces.Box) and len(action_space.shape) == 1:
            low, high = action_space.low.astype(np.float64), action_space.high.astype(np.float64)
            if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
                raise ValueError(f"policy search needs finite action bounds, got {action_space}")
            self._low, self._half_range = low, (high - low) / 2.0
            self._dtype = np.dtype(action_space.dtype)
            outputs = action_space.shape[0]
        else:
            raise ValueError(
                f"policy search needs a Discrete or flat Box action space, got {action_space}"
            )
        sizes = [observation_space.shape[0], *(int(h) for h in hidden_sizes), outputs]
        if min(sizes) < 1:
            raise ValueError(f"hidden sizes must be positive, got {list(hidden_sizes)}")
        self.layer_sizes: list[tuple[int, int]] = list(zip(sizes[1:], sizes[:-1], strict=True))
        self.num_params = sum(o * i + o for o, i in self.layer_sizes)

    def unflatten(self, params: ArrayLike) -> list[tuple[Float64Array, Float64Array]]:
        """The ``(W_k [out, in], b_k [out])`` pairs held in ``params`` (``[num_params]``)."""
        flat = np.asarray(params, dtype=np.float64)
        if flat.shape != (self.num_params,):
            raise ValueError(f"params must have shape ({self.num_params},), got {flat.shape}")
        layers, start = [], 0
        for out, inp in self.layer_sizes:
            w = flat[start : start + out * inp].reshape(out, inp)
            layers.append((w, flat[start + out * inp : start + out * inp + out]))
            start += out * inp + out
        return layers

    def bind(self, params: ArrayLike) -> Action:
        """The policy with parameters ``params``: observations ``[B, O]`` to actions ``[B]``
        (discrete, int64) or ``[B, A]`` (continuous, the action space's dtype)."""
        layers = self.unflatten(params)
        discrete = isinstance(self.action_space, spaces.Discrete)

        def act(observations: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            h = np.asarray(observations, dtype=np.float64)
            for w, b in layers[:-1]:
                h = np.tanh(h @ w.T + b)
            out = h @ layers[-1][0].T + layers[-1][1]
            if discrete:
                actions: np.ndarray[Any, Any] = np.argmax(out, axis=-1)
                return actions
            scaled: np.ndarray[Any, Any] = self._low + (np.tanh(out) + 1.0) * self._half_range
            return scaled.astype(self._dtype)

        return act

    def bind_one(self, params: ArrayLike) -> Callable[[np.ndarray[Any, Any]], Any]:
        """The policy for one observation ``[O]`` at a time, as ``env.step`` takes it: a Python
        ``int`` (discrete) or an ``[A]`` array; the same function as :meth:`bind`, without
        the batch dimension's overhead in per-step loops.

        Example:
            >>> policy = FlatPolicy(gym.spaces.Box(-1.0, 1.0, (2,)), gym.spaces.Discrete(2))
            >>> policy.bind_one([1.0, 0.0, -1.0, 0.0, 0.0, 0.0])(np.array([-0.5, 0.0]))
            1
        """
        layers = self.unflatten(params)
        hidden, (w_out, b_out) = layers[:-1], layers[-1]
        if isinstance(self.action_space, spaces.Discrete):

            def act_discrete(observation: np.ndarray[Any, Any]) -> int:
                h = observation
                for w, b in hidden:
                    h = np.tanh(w @ h + b)
                return int((w_out @ h + b_out).argmax())

            return act_discrete

        def act_box(observation: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            h = observation
            for w, b in hidden:
                h = np.tanh(w @ h + b)
            scaled: np.ndarray[Any, Any] = self._low + (np.tanh(w_out @ h + b_out) + 1.0) * (
                self._half_range
            )
            return scaled.astype(self._dtype)

        return act_box
