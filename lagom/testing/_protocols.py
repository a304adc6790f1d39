"""The signatures the estimator suites call: lagom's batched conventions, keyword by keyword.

A suite calls the function under test with keyword arguments named as in
:mod:`lagom.metric` (so the order of a user's parameters does not matter) and time-major
``[T, N]`` numpy arrays: float64 or float32 floats, bool flags. A function with another
signature (batch-major arrays, ``dones``, torch tensors) reaches these through an adapter.
"""

from __future__ import annotations

from typing import Protocol

from numpy.typing import ArrayLike

from lagom._types import BoolArray, FloatArray

__all__ = ["AdvantageFn", "ReturnFn", "TDErrorFn", "TDTargetFn", "VTraceFn"]


class AdvantageFn(Protocol):
    """A GAE advantage estimator as :func:`lagom.metric.batched_gae` is one.

    ``A_t`` for ``t`` in ``[0, T-1]`` from ``[T, N]`` rewards ``r_t``, values ``V(s_t)``,
    values ``V(s_{t+1})`` of the true next observations, and the flags of step ``t``.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_gae
        >>> fn: AdvantageFn = batched_gae
        >>> fn(gamma=1.0, lam=0.0, rewards=np.ones((1, 1)), values=np.zeros((1, 1)),
        ...    next_values=np.full((1, 1), 2.0), terminated=np.zeros((1, 1), bool),
        ...    truncated=np.ones((1, 1), bool))
        array([[3.]])
    """

    def __call__(
        self,
        *,
        gamma: float,
        lam: float,
        rewards: FloatArray,
        values: FloatArray,
        next_values: FloatArray,
        terminated: BoolArray,
        truncated: BoolArray,
    ) -> ArrayLike: ...


class TDErrorFn(Protocol):
    """A TD(0) advantage (error) as :func:`lagom.metric.batched_td0_error` is one.

    ``δ_t = r_t + γ (1 - terminated_t) V(s_{t+1}) - V(s_t)``; a truncated step needs no
    flag: it bootstraps from ``next_values`` like any other.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_td0_error
        >>> fn: TDErrorFn = batched_td0_error
        >>> fn(gamma=0.5, rewards=np.ones((1, 1)), values=np.zeros((1, 1)),
        ...    next_values=np.full((1, 1), 2.0), terminated=np.zeros((1, 1), bool))
        array([[2.]])
    """

    def __call__(
        self,
        *,
        gamma: float,
        rewards: FloatArray,
        values: FloatArray,
        next_values: FloatArray,
        terminated: BoolArray,
    ) -> ArrayLike: ...


class ReturnFn(Protocol):
    """A discounted-return estimator as :func:`lagom.metric.batched_returns` is one.

    ``G_t``, bootstrapped from ``next_values`` at truncations and at the rollout's end.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_returns
        >>> fn: ReturnFn = batched_returns
        >>> fn(gamma=0.5, rewards=np.ones((2, 1)), next_values=np.full((2, 1), 4.0),
        ...    terminated=np.zeros((2, 1), bool), truncated=np.zeros((2, 1), bool))
        array([[2.5],
               [3. ]])
    """

    def __call__(
        self,
        *,
        gamma: float,
        rewards: FloatArray,
        next_values: FloatArray,
        terminated: BoolArray,
        truncated: BoolArray,
    ) -> ArrayLike: ...


class TDTargetFn(Protocol):
    """A TD(0) target as :func:`lagom.metric.batched_td0_target` is one.

    ``r_t + γ (1 - terminated_t) V(s_{t+1})``.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_td0_target
        >>> fn: TDTargetFn = batched_td0_target
        >>> fn(gamma=0.5, rewards=np.ones((1, 2)), next_values=np.full((1, 2), 4.0),
        ...    terminated=np.array([[False, True]]))
        array([[3., 1.]])
    """

    def __call__(
        self,
        *,
        gamma: float,
        rewards: FloatArray,
        next_values: FloatArray,
        terminated: BoolArray,
    ) -> ArrayLike: ...


class VTraceFn(Protocol):
    """V-trace as :func:`lagom.metric.batched_vtrace` is: ``(vs, pg_advantages)``.

    Its clips and trace ``λ`` are its own; tell :func:`~lagom.testing.check_vtrace` which.

    Example:
        >>> import numpy as np
        >>> from lagom.metric import batched_vtrace
        >>> fn: VTraceFn = batched_vtrace
        >>> vs, pg = fn(behavior_logprobs=np.zeros((1, 1)), target_logprobs=np.zeros((1, 1)),
        ...             gamma=0.5, rewards=np.ones((1, 1)), values=np.zeros((1, 1)),
        ...             next_values=np.full((1, 1), 4.0), terminated=np.zeros((1, 1), bool),
        ...             truncated=np.zeros((1, 1), bool))
        >>> vs, pg
        (array([[3.]]), array([[3.]]))
    """

    def __call__(
        self,
        *,
        behavior_logprobs: FloatArray,
        target_logprobs: FloatArray,
        gamma: float,
        rewards: FloatArray,
        values: FloatArray,
        next_values: FloatArray,
        terminated: BoolArray,
        truncated: BoolArray,
    ) -> tuple[ArrayLike, ArrayLike]: ...
