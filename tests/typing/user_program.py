"""A user's program in a ``mypy --strict`` codebase: what lagom's public results look like
to the type checker. ``tox -e typing`` checks it; each ``assert_type`` fails the check if a
result's type drifts (an ``Any`` dtype, a plain ``Any``, a lost overload).

It is also a runnable script (``python tests/typing/user_program.py``), so every call is
real, and ``tests/test_typing_program.py`` runs it.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from lagom.baselines import get_algorithm, list_algorithms
from lagom.baselines.algorithm import Algorithm
from lagom.baselines.common import TensorBatch, check_tensor_batch, replay_tensors
from lagom.es import CEM, CMAES, OpenAIES, cem_ask, cem_init, cem_tell
from lagom.es.base import ESResult
from lagom.experiment import Config, Grid
from lagom.logger import Logger
from lagom.metric import (
    VTrace,
    batched_gae,
    batched_returns,
    batched_td0_error,
    batched_td0_target,
    batched_vtrace,
    bootstrapped_returns,
    gae,
    returns,
    td0_error,
    td0_target,
    vtrace,
)
from lagom.runner import NStepBatch, ReplayBuffer
from lagom.transform import (
    LinearSchedule,
    Moments,
    RunningMeanVar,
    explained_variance,
    geometric_cumsum,
    polyak_update,
    rank_transform,
    smooth_filter,
    update_moments,
)
from lagom.utils import Seeder, numpify, tensorify

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

T, B = 8, 4
rng = np.random.default_rng(0)
r32 = rng.normal(size=(T, B)).astype(np.float32)
v32 = rng.normal(size=(T, B)).astype(np.float32)
r64 = rng.normal(size=(T, B))
v64 = rng.normal(size=(T, B))
flags = np.zeros((T, B), dtype=bool)

# lagom.metric: float32 in, float32 out; float64 in, float64 out; lists fall back.
assert_type(
    batched_gae(0.99, 0.95, r32, v32, v32, terminated=flags, truncated=flags), NDArray[np.float32]
)
assert_type(
    batched_gae(0.99, 0.95, r64, v64, v64, terminated=flags, truncated=flags), NDArray[np.float64]
)
assert_type(batched_returns(0.99, r32, v32, terminated=flags, truncated=flags), NDArray[np.float32])
# A reused result array keeps the dtype; flags passed as a dict still type-check.
advantages = np.empty_like(r32)
flag_dict = {"terminated": flags, "truncated": flags}
assert_type(
    batched_gae(0.99, 0.95, r32, v32, v32, **flag_dict, out=advantages), NDArray[np.float32]
)
assert_type(batched_returns(0.99, r64, v64, **flag_dict), NDArray[np.float64])
assert_type(batched_td0_target(0.99, r64, v64, terminated=flags), NDArray[np.float64])
assert_type(batched_td0_error(0.99, r32, v32, v32, terminated=flags), NDArray[np.float32])
traces = batched_vtrace(r32, r32, 0.99, r32, v32, v32, terminated=flags, truncated=flags)
assert_type(traces, VTrace[np.float32])
assert_type(traces.vs, NDArray[np.float32])
episode: NDArray[np.float64] = np.array([1.0, 0.0, 1.0])
assert_type(returns(0.9, episode), NDArray[np.float64])
assert_type(returns(0.9, [1.0, 0.0, 1.0]), NDArray[np.floating[Any]])
assert_type(bootstrapped_returns(0.9, episode, 0.5, False), NDArray[np.float64])
assert_type(td0_target(0.9, episode, episode, 0.5, False), NDArray[np.float64])
assert_type(td0_error(0.9, episode, episode, 0.5, False), NDArray[np.float64])
assert_type(gae(0.9, 0.95, episode, episode, 0.5, False), NDArray[np.float64])
assert_type(vtrace(episode, episode, 0.9, episode, episode, 0.5, False).vs, NDArray[np.float64])

# lagom.transform
assert_type(geometric_cumsum(0.9, r32), NDArray[np.float32])
assert_type(polyak_update(0.5, v64, r64), NDArray[np.float64])
assert_type(smooth_filter(r64[:, 0], 5, 2), NDArray[np.float64])
assert_type(rank_transform(r64[:, 0], centered=False), NDArray[np.integer[Any]])
assert_type(explained_variance(r64[:, 0], v64[:, 0]), float)
assert_type(LinearSchedule(1.0, 0.1, 100)(50), float)
moments = update_moments(Moments(np.zeros(B), np.ones(B), 0.0), r64)
assert_type(moments, Moments)
stats = RunningMeanVar(shape=(B,))
stats(r64)

# lagom.es: candidates and results are float64 arrays.
cem = CEM([0.0, 0.0], 0.5, {"popsize": 8, "seed": 0})
candidates = cem.ask()
assert_type(candidates, list[NDArray[np.float64]])
cem.tell(candidates, [float(np.sum(c**2)) for c in candidates])
assert_type(cem.result, ESResult)
assert_type(cem.result.xbest, NDArray[np.float64] | None)
state = cem_init(np.zeros(2), 0.5, {"popsize": 8, "seed": 0})
asked, state = cem_ask(state)
assert_type(asked, NDArray[np.float64])
state = cem_tell(state, asked, (asked**2).sum(axis=1))
for strategy in (CMAES([0.0, 0.0], 0.5, {"popsize": 6, "seed": 1}), OpenAIES([0.0], 0.1)):
    assert_type(strategy.ask(), list[NDArray[np.float64]])

# lagom.utils, lagom.experiment, lagom.logger
assert_type(Seeder(0)(3), list[int])
assert_type(numpify(torch.ones(2), np.float32), NDArray[np.float32])
assert_type(tensorify(r32, "cpu"), torch.Tensor)
configs = Config({"lr": Grid([1e-3, 3e-4]), "env.id": "CartPole-v1"}).make_configs()
assert_type(configs, list[dict[str, object]])
logger = Logger()
logger("loss", 0.5)
assert_type(logger.logs, OrderedDict[str, list[object]])

# lagom.runner: replay rows are int64, the stored numbers float32.
replay = ReplayBuffer(8, obs_dim=2, action_dim=3, seed=0, discrete=True)
replay.add_one(np.zeros(2, np.float32), 1, 1.0, np.ones(2, np.float32), False, False)
assert_type(replay.sample_indices(4), NDArray[np.int64])
rows, n_step = replay.sample_n_step(4, n_steps=3, gamma=0.99)
assert_type(rows, NDArray[np.int64])
assert_type(n_step, NStepBatch)
assert_type(n_step.returns, NDArray[np.float32])
assert_type(replay.n_step(rows, 3, 0.99).discounts, NDArray[np.float32])

# lagom.baselines
assert_type(list_algorithms(), list[str])
assert_type(get_algorithm("ppo"), Algorithm)
assert_type(replay_tensors(replay.sample(4), torch.device("cpu")), TensorBatch)
rows32 = torch.zeros(4, 3)
transitions = TensorBatch(rows32, torch.zeros(4, 1), torch.ones(4), rows32, torch.zeros(4))
assert_type(check_tensor_batch(transitions, 3, 1, rows32), TensorBatch)
