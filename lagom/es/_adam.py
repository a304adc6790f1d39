"""Adam's moment update as a pure function, for OpenAI-ES (private)."""

from __future__ import annotations

import numpy as np

from lagom._types import Float64Array

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def _adam_direction(
    grad: Float64Array, m: Float64Array, v: Float64Array, t: int
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """One Adam update (Kingma & Ba, 2015) of the ``[N]`` moments at step ``t = 0, 1, ...``.

    ``m' = beta1 m + (1 - beta1) g``, ``v' = beta2 v + (1 - beta2) g**2``; the returned
    direction is ``m_hat / (sqrt(v_hat) + eps)`` with the bias corrections
    ``m_hat = m' / (1 - beta1**(t + 1))`` and ``v_hat = v' / (1 - beta2**(t + 1))``; a
    step is ``x - lr * direction``.

    Returns:
        ``(direction, m', v')``, each ``[N]``.
    """
    m = BETA1 * m + (1 - BETA1) * grad
    v = BETA2 * v + (1 - BETA2) * grad**2
    m_hat = m / (1 - BETA1 ** (t + 1))
    v_hat = v / (1 - BETA2 ** (t + 1))
    direction: Float64Array = m_hat / (np.sqrt(v_hat) + EPS)
    return direction, m, v
