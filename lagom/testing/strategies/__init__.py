"""Hypothesis strategies for RL data: the inputs lagom's own tests and the kit draw from.

Every strategy draws finite values, shrinks towards small, simple examples, and builds
records that lagom accepts (consistent flags, matching shapes):

* batched metrics: :func:`discounts` (``γ``/``λ`` with the edges 0 and 1),
  :func:`value_arrays`, :func:`value_batches` (``[T, N]`` rewards, values and true next
  values with terminations and truncations mixed);
* records of :mod:`lagom.data`: :func:`timesteps`, :func:`episodes`,
  :func:`trajectories`, :func:`rollout_arrays`, :func:`rollouts`;
* experiments: :func:`config_items`, :func:`configs`;
* evolution strategies: :func:`es_objectives`, :func:`objective_values`.

Needs Hypothesis (``pip install 'lagom[testing]'``); never imports torch.

Example:
    >>> from hypothesis import given
    >>> from lagom.metric import batched_td0_target
    >>> @given(value_batches(), discounts())
    ... def test_td0_target_of_a_terminated_step_is_its_reward(batch, gamma):
    ...     target = batched_td0_target(
    ...         gamma, batch.rewards, batch.next_values, terminated=batch.terminated
    ...     )
    ...     assert (target[batch.terminated] == batch.rewards[batch.terminated]).all()
    >>> test_td0_target_of_a_terminated_step_is_its_reward()
"""

from __future__ import annotations

from lagom.testing.strategies._batches import (
    EndKind,
    ValueBatch,
    discounts,
    value_arrays,
    value_batches,
)
from lagom.testing.strategies._config import config_items, configs
from lagom.testing.strategies._data import (
    ENDINGS,
    Ending,
    Episode,
    RolloutArrays,
    episodes,
    rollout_arrays,
    rollouts,
    timesteps,
    trajectories,
)
from lagom.testing.strategies._es import Objective, es_objectives, objective_values

__all__ = [
    "ENDINGS",
    "EndKind",
    "Ending",
    "Episode",
    "Objective",
    "RolloutArrays",
    "ValueBatch",
    "config_items",
    "configs",
    "discounts",
    "episodes",
    "es_objectives",
    "objective_values",
    "rollout_arrays",
    "rollouts",
    "timesteps",
    "trajectories",
    "value_arrays",
    "value_batches",
]
