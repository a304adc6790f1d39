"""Linear learning-rate decay with a floor (`linear_lr_scheduler`), a view of `LinearSchedule`."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import attrs
from torch import optim

from lagom.transform import LinearSchedule

__all__ = ["linear_lr_scheduler"]


@attrs.frozen(slots=False)
class _LinearDecay:
    """Multiplier ``max(floor, schedule(n))`` of a param group's initial learning rate, with
    ``schedule = LinearSchedule(1.0, 0.0, N)``.

    A class rather than a lambda so that the scheduler pickles; with a ``__dict__`` (no
    slots) because ``LambdaLR.state_dict`` stores a callable object's ``__dict__``.
    """

    schedule: LinearSchedule
    floor: float

    def __call__(self, n: int) -> float:
        return max(self.floor, self.schedule(n))


def linear_lr_scheduler(
    optimizer: optim.Optimizer, N: int, min_lr: float
) -> optim.lr_scheduler.LambdaLR:
    """Return a scheduler decaying each learning rate linearly from its initial value to ``min_lr``.

    After ``n`` calls of ``scheduler.step()`` the learning rate of a param group whose
    initial rate is ``lr_0`` is::

        lr_n = max(min_lr, lr_0 * LinearSchedule(1.0, 0.0, N)(n)) = max(min_lr, lr_0 * (1 - n / N))

    so it reaches ``min_lr`` at ``n = N * (1 - min_lr / lr_0)`` and stays there.

    Args:
        optimizer: optimizer whose param groups are scheduled; their current ``lr`` is
            taken as ``lr_0``.
        N: number of scheduler steps over which the rate would fall to zero, e.g. the total
            number of epochs, iterations or time steps; positive.
        min_lr: lower bound of every learning rate, ``0 <= min_lr <= lr_0``.

    Returns:
        A ``torch.optim.lr_scheduler.LambdaLR``.

    Raises:
        TypeError: if ``optimizer`` is not an optimizer, or ``min_lr`` is not a real number.
        ValueError: if ``N`` is not a positive int, ``min_lr`` is negative or NaN, or
            ``min_lr`` exceeds a param group's initial learning rate (an infinite one
            does).

    Example:
        >>> import torch
        >>> from lagom.networks import linear_lr_scheduler
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> scheduler = linear_lr_scheduler(optimizer, N=4, min_lr=0.1)
        >>> lrs = []
        >>> for _ in range(6):
        ...     lrs.append(optimizer.param_groups[0]['lr'])
        ...     optimizer.step()
        ...     scheduler.step()
        >>> lrs
        [1.0, 0.75, 0.5, 0.25, 0.1, 0.1]
    """
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if isinstance(N, bool) or not isinstance(N, int) or N <= 0:
        raise ValueError(f"N must be a positive int, got {N!r}")
    given: object = min_lr  # checked as whatever the caller passed
    if isinstance(given, bool) or not isinstance(given, numbers.Real):
        raise TypeError(f"min_lr must be a real number, got {type(given).__name__} {given!r}")
    if not min_lr >= 0:
        raise ValueError(f"min_lr must be non-negative, got {min_lr!r}")
    decays: list[Callable[[int], float]] = []
    for i, group in enumerate(optimizer.param_groups):
        lr_0 = float(group.get("initial_lr", group["lr"]))
        if not lr_0 > 0 or min_lr > lr_0:
            raise ValueError(
                f"min_lr must not exceed the initial learning rate of param group {i} "
                f"(which must be positive), got min_lr={min_lr!r} and lr={lr_0!r}"
            )
        decays.append(_LinearDecay(LinearSchedule(1.0, 0.0, N), floor=min_lr / lr_0))
    return optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=decays)
