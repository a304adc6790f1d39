"""Running mean and variance of batched data (Chan et al.'s parallel algorithm).

:class:`Moments` is the immutable state, :func:`update_moments` the pure update and
:class:`RunningMeanVar` the thin stateful wrapper that normalizers hold.
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from lagom._checks import as_float_array, check_finite, check_fits, check_int, check_real
from lagom._types import ArrayLike, Float64Array

__all__ = ["Moments", "RunningMeanVar", "update_moments"]

#: The seed's pseudo-count: the initial mean 0 and variance 1 weigh as 1e-4 samples, so the
#: first batch dominates and the variance never divides by a zero count.
_PRIOR_COUNT = 1e-4


def _frozen_float64(name: str, value: ArrayLike) -> Float64Array:
    """A read-only float64 copy of ``value``, which must hold finite real numbers."""
    given = as_float_array(value, name)
    if np.asarray(value).dtype == np.bool_:
        raise TypeError(f"{name} must hold real numbers, got bools {value!r}")
    arr = np.array(check_finite(name, given), dtype=np.float64, copy=True)
    arr.flags.writeable = False
    return arr


def _to_mean(value: ArrayLike) -> Float64Array:
    return _frozen_float64("mean", value)


def _to_var(value: ArrayLike) -> Float64Array:
    return _frozen_float64("var", value)


def _to_count(value: float) -> float:
    return check_real("n", value, low=0.0, finite=True)


@attrs.frozen
class Moments:
    """Mean, (population) variance and sample count of the data seen so far.

    The arrays are float64 copies made read-only, so a state can be shared freely. ``n`` is a
    float because the initial state may carry a fractional pseudo-count.

    Args:
        mean: the mean, of the data's per-sample ``shape``.
        var: the variance (``ddof=0``), same shape as ``mean``, non-negative.
        n: the (pseudo-)count of samples behind ``mean`` and ``var``, ``>= 0``.

    Raises:
        TypeError: ``mean`` or ``var`` does not hold real numbers, or ``n`` is not a real
            number.
        ValueError: the shapes of ``mean`` and ``var`` differ, ``mean`` or ``var`` holds a
            NaN or an infinity, ``var`` is negative, or ``n`` is negative, NaN or infinite.

    Example:
        >>> Moments.initial(shape=(2,))
        Moments(mean=array([0., 0.]), var=array([1., 1.]), n=0.0001)
    """

    mean: Float64Array = attrs.field(converter=_to_mean, eq=attrs.cmp_using(np.array_equal))
    var: Float64Array = attrs.field(converter=_to_var, eq=attrs.cmp_using(np.array_equal))
    n: float = attrs.field(converter=_to_count)

    def __attrs_post_init__(self) -> None:
        if self.mean.shape != self.var.shape:
            raise ValueError(
                f"mean and var must have the same shape, got {self.mean.shape} and {self.var.shape}"
            )
        if np.any(self.var < 0):
            raise ValueError(f"var must be non-negative, got {self.var}")

    @classmethod
    def initial(cls, shape: int | tuple[int, ...], n: float = _PRIOR_COUNT) -> Moments:
        """The starting state: mean 0 and variance 1 with weight ``n``.

        The default ``n=1e-4`` is the seed's convention (and the source of its documented
        numbers); ``n=0`` makes every later state the exact moments of the data seen.

        Args:
            shape: the shape of one sample, e.g. ``()`` for scalars.
            n: the pseudo-count of the prior, ``>= 0``.

        Raises:
            TypeError: ``shape`` is not an int or a tuple of ints.
            ValueError: ``shape`` has a negative entry or ``n`` is negative.
        """
        dims = _check_shape(shape)
        return cls(np.zeros(dims), np.ones(dims), n)


def update_moments(state: Moments, batch: ArrayLike) -> Moments:
    r"""Merge the moments of a batch into ``state`` (Chan et al.'s parallel algorithm).

    With :math:`(\mu_A, \sigma^2_A, n_A)` the state and :math:`(\mu_B, \sigma^2_B, n_B)` the
    batch's mean, population variance and size, and :math:`\delta = \mu_B - \mu_A`,
    :math:`n = n_A + n_B`:

    .. math::
        \mu = \mu_A + \delta\,\frac{n_B}{n}, \qquad
        \sigma^2 = \frac{n_A \sigma^2_A + n_B \sigma^2_B + \delta^2\, n_A n_B / n}{n}.

    The merge is exact, so updating batch by batch equals one update with all the data
    (up to rounding); from ``Moments.initial(shape, n=0)`` it gives ``np.mean`` and
    ``np.var`` of everything seen. An empty batch returns ``state`` unchanged. A batch
    holding a NaN or an infinity is refused: merged, it would make the moments NaN for
    good.

    Args:
        state: the moments so far, per-sample shape ``S``.
        batch: ``[B, *S]`` new samples, batch dimension first; computed in float64.

    Returns:
        A new :class:`Moments`; ``state`` and ``batch`` are not modified.

    Raises:
        TypeError: ``state`` is not a :class:`Moments`, or ``batch`` holds non-real values.
        ValueError: ``batch`` does not have shape ``[B, *S]``, or holds a NaN or an
            infinity (the message names the first one's index).

    Example:
        >>> state = update_moments(Moments.initial((), n=0), [1.0, 2.0, 3.0])
        >>> float(state.mean), float(state.var), state.n
        (2.0, 0.6666666666666666, 3.0)
        >>> update_moments(state, [4.0, float("nan")])
        Traceback (most recent call last):
        ...
        ValueError: batch must be finite, got nan at index 1
    """
    if not isinstance(state, Moments):
        raise TypeError(f"state must be Moments, got {type(state).__name__}")
    x = as_float_array(batch, "batch").astype(np.float64, copy=False)
    shape = state.mean.shape
    if x.ndim != len(shape) + 1 or x.shape[1:] != shape:
        raise ValueError(
            f"batch must have shape [B, *{shape}] (batch dimension first), got {x.shape}"
        )
    check_finite("batch", x)
    batch_n = x.shape[0]
    if batch_n == 0:
        return state
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
        batch_mean = x.mean(axis=0)
        batch_var = x.var(axis=0)
        n = state.n + batch_n
        delta = batch_mean - state.mean
        mean = state.mean + delta * (batch_n / n)
        m2 = state.n * state.var + batch_n * batch_var + delta**2 * ((state.n * batch_n) / n)
        var = m2 / n
    if not (np.all(np.isfinite(var)) and np.all(np.isfinite(mean))):
        # Finite samples whose variance float64 cannot hold (values beyond about 1e154).
        raise ValueError(
            "the variance of batch (with the state's) overflows float64: its values reach "
            f"{float(np.abs(x).max()):.3g}; rescale them (a variance beyond 1.8e308 cannot "
            "be kept)"
        )
    return Moments(mean, var, n)


class RunningMeanVar:
    r"""Running mean and variance of batched data, for scalar or array-valued samples.

    Holds a :class:`Moments` state, starting from ``Moments.initial(shape)`` (mean 0,
    variance 1, pseudo-count ``1e-4``), and replaces it by :func:`update_moments` at each
    call. The moments are float64; to standardize, keep float64 and compute
    :math:`(x - \mu) / \sqrt{\sigma^2 + 10^{-8}}`.

    Args:
        shape: the shape of one sample (``()`` for scalars); inputs are ``[B, *shape]``.

    Raises:
        TypeError: ``shape`` is not an int or a tuple of ints.
        ValueError: ``shape`` has a negative entry.

    Example:
        >>> f = RunningMeanVar(shape=())
        >>> f([1, 2])
        >>> f([3])
        >>> f([4])
        >>> print(f.mean)
        2.499937501562461
        >>> print(f.var)
        1.2501499923440393
        >>> f.n
        4
    """

    def __init__(self, shape: int | tuple[int, ...]) -> None:
        self._state = Moments.initial(shape)

    def __call__(self, x: ArrayLike) -> None:
        """Fold a batch ``[B, *shape]`` into the moments (``B`` may be 0).

        Raises:
            TypeError: ``x`` holds non-real values.
            ValueError: ``x`` does not have shape ``[B, *shape]`` or holds a NaN or an
                infinity; the moments are then unchanged.
        """
        self._state = update_moments(self._state, x)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one sample."""
        return self._state.mean.shape

    @property
    def state(self) -> Moments:
        """The current :class:`Moments` (settable, e.g. to restore saved statistics)."""
        return self._state

    @state.setter
    def state(self, value: Moments) -> None:
        if not isinstance(value, Moments):
            raise TypeError(f"state must be Moments, got {type(value).__name__}")
        if value.mean.shape != self.shape:
            raise ValueError(f"state must have shape {self.shape}, got {value.mean.shape}")
        self._state = value

    @property
    def mean(self) -> Float64Array:
        """The running mean, a read-only float64 array of ``shape``."""
        return self._state.mean

    @property
    def var(self) -> Float64Array:
        """The running (population) variance, a read-only float64 array of ``shape``."""
        return self._state.var

    @property
    def n(self) -> int:
        """The number of samples seen so far (the pseudo-count rounded away)."""
        return int(self._state.n)


def _check_shape(shape: int | tuple[int, ...]) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(dims, tuple):
        raise TypeError(f"shape must be an int or a tuple of ints, got {type(shape).__name__}")
    checked = tuple(check_int("shape entry", d, minimum=0) for d in dims)
    # The mean and the variance, and a few temporaries of that size while updating.
    check_fits(f"the number of entries of shape {shape}", math.prod(checked), 4 * 8)
    return checked
