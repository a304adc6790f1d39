"""A value moved linearly from an initial to a final value: :class:`LinearSchedule`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import attrs

from lagom._checks import check_int, check_real

if TYPE_CHECKING:
    import numpy as np

__all__ = ["LinearSchedule"]


def _to_initial(value: float) -> float:
    return check_real("initial", value, finite=True)


def _to_final(value: float) -> float:
    return check_real("final", value, finite=True)


def _to_N(value: int) -> int:
    # A Python int: numpy integers would wrap around in ``start + N``.
    return check_int("N", value, minimum=1)


def _to_start(value: int) -> int:
    return check_int("start", value, minimum=0)


@attrs.frozen
class LinearSchedule:
    r"""Hold ``initial`` for ``start`` steps, move linearly to ``final`` over ``N`` steps, then
    stay at ``final``.

    At time step :math:`x`,

    .. math::
        v(x) = \begin{cases}
            \text{initial} & x \le \text{start} \\
            \text{initial} + (\text{final} - \text{initial})
                \,\dfrac{x - \text{start}}{N} & \text{start} < x < \text{start} + N \\
            \text{final} & x \ge \text{start} + N
        \end{cases}

    This is lagom's one schedule: epsilon of epsilon-greedy exploration (1.0 decayed to 0.1),
    the importance-sampling exponent beta of prioritized replay (annealed to 1), a learning
    rate or PPO's clip range decayed to 0 over the training steps
    (``LinearSchedule(initial, 0.0, N=timesteps)`` at the steps done; ``LinearSchedule(v, v,
    N)`` is the constant ``v``). :func:`lagom.networks.linear_lr_scheduler` drives an
    optimizer's learning rates with it. The schedule is an immutable value, so calling it has
    no side effects: ``v(x)`` depends on ``x`` alone. Rounding never takes a value outside
    ``[min(initial, final), max(initial, final)]`` and the values are monotone in ``x``
    (non-increasing when ``final < initial``).

    Args:
        initial: the value up to time step ``start``.
        final: the value from time step ``start + N`` on.
        N: the number of steps the change takes (``>= 1``).
        start: the time step at which the change begins (``>= 0``; default 0).

    Raises:
        TypeError: ``initial`` or ``final`` is not a real number, or ``N`` or ``start`` is not
            an int.
        ValueError: ``initial`` or ``final`` is not finite, ``N < 1`` or ``start < 0``.

    Example:
        >>> scheduler = LinearSchedule(initial=1.0, final=0.1, N=3, start=0)
        >>> [scheduler(i) for i in range(6)]
        [1.0, 0.7, 0.4, 0.1, 0.1, 0.1]
        >>> delayed = LinearSchedule(initial=0.4, final=1.0, N=4, start=2)
        >>> [delayed(i) for i in range(8)]
        [0.4, 0.4, 0.4, 0.55, 0.7, 0.85, 1.0, 1.0]
        >>> lr = LinearSchedule(initial=1e-3, final=0.0, N=100_000)  # env steps
        >>> lr(25_000), lr(200_000), LinearSchedule(0.2, 0.2, N=100_000)(25_000)
        (0.00075, 0.0, 0.2)
    """

    initial: float = attrs.field(converter=_to_initial)
    final: float = attrs.field(converter=_to_final)
    N: int = attrs.field(converter=_to_N)
    start: int = attrs.field(default=0, converter=_to_start)

    def __call__(self, x: int | np.integer[Any]) -> float:
        """Return the value of the schedule at time step ``x``.

        Args:
            x: the current time step, an int ``>= 0`` (a numpy integer too).

        Returns:
            :math:`v(x)` as a Python float.

        Raises:
            TypeError: ``x`` is not an int.
            ValueError: ``x`` is negative.
        """
        x = check_int("x", x, minimum=0)
        if x <= self.start:
            return self.initial
        if x >= self.start + self.N:
            return self.final
        fraction = (x - self.start) / self.N
        change = self.final - self.initial
        if math.isfinite(change):
            value = self.initial + change * fraction
        else:  # endpoints near the float range's ends: their difference overflows
            value = self.initial * (1.0 - fraction) + self.final * fraction
        low, high = sorted((self.initial, self.final))
        return min(max(value, low), high)
