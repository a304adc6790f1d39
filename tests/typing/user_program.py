"""A user's program in a ``mypy --strict`` codebase: what lagom's public results look like
to the type checker. ``tox -e typing`` checks it; each ``assert_type`` fails the check if a
result's type drifts (an ``Any`` dtype, a plain ``Any``, a lost overload).

It is also a runnable script (``python tests/typing/user_program.py``), so every call is
real, and ``tests/test_typing_program.py`` runs it.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

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
assert_type(returns(0.9, [1.0, 0.0, 1.0]), NDArray[np.float64])
assert_type(bootstrapped_returns(0.9, episode, 0.5, False), NDArray[np.float64])
assert_type(td0_target(0.9, episode, episode, 0.5, False), NDArray[np.float64])
assert_type(td0_error(0.9, episode, episode, 0.5, False), NDArray[np.float64])
assert_type(gae(0.9, 0.95, episode, episode, 0.5, False), NDArray[np.float64])
assert_type(vtrace(episode, episode, 0.9, episode, episode, 0.5, False).vs, NDArray[np.float64])

# lagom.transform
assert_type(geometric_cumsum(0.9, r32), NDArray[np.float32])
assert_type(polyak_update(0.5, v64, r64), NDArray[np.float64])
assert_type(smooth_filter(r64[:, 0], 5, 2), NDArray[np.float64])
assert_type(rank_transform(r64[:, 0], centered=False), NDArray[np.int64])
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

# lagom.networks: calling a module is typed as its forward (not torch's Callable[..., Any]).
from torch.distributions import Categorical  # noqa: E402

from lagom.networks import CategoricalHead, QEnsemble  # noqa: E402

features = torch.zeros(5, 8)
assert_type(CategoricalHead(8, 2, "cpu")(features), Categorical)
assert_type(QEnsemble(3, 1, [8])(torch.zeros(5, 3), torch.zeros(5, 1)), torch.Tensor)

# A rollout's rewards are real numbers: the advantages of a rollout are float arrays.
import gymnasium as gym  # noqa: E402

from lagom.agent import RandomAgent  # noqa: E402
from lagom.envs import make_vec_env  # noqa: E402
from lagom.runner import VecStepRunner  # noqa: E402

env = make_vec_env(lambda: gym.make("CartPole-v1"), 2, 0)
rollout, _ = VecStepRunner()(RandomAgent({}, env, None), env, T=4)
zeros = np.zeros((4, 2))
gae_of_rollout = batched_gae(
    0.99, 0.95, rollout.rewards, zeros, zeros, terminated=rollout.terminated,
    truncated=rollout.truncated,
)  # fmt: skip
assert_type(gae_of_rollout, NDArray[np.floating[Any]])
env.close()

# Precise results elsewhere: a wrapped function keeps its type; prefix sums of any real dtype.
from lagom.transform import SumTree  # noqa: E402
from lagom.utils import CloudpickleWrapper  # noqa: E402

assert_type(CloudpickleWrapper(len)([1, 2]), int)
tree = SumTree(4)
tree[np.arange(4)] = [1.0, 2.0, 3.0, 4.0]
half: np.float32 = np.float32(0.5)  # annotated: numpy's stubs give Any under Python 3.10
assert_type(tree.find_prefixsum_index(half), int)
assert_type(tree.find_prefixsum_index(np.array([0.5, 7.0], np.float32)), NDArray[np.int64])

if TYPE_CHECKING:  # mistakes a user's mypy reports (an ignore that is not needed fails it)
    import lagom
    from lagom.es import evaluate_population
    from lagom.runner import EpisodeRunner
    from lagom.utils import IntervalConditioner, color_str

    print(lagom.EpisodeRuner)  # type: ignore[attr-defined]  # misspelt: an error, not Any
    VecStepRunner()(RandomAgent({}, env, None), gym.make("CartPole-v1"), T=4)  # type: ignore[arg-type]
    EpisodeRunner()(RandomAgent({}, env, None), "CartPole-v1", 3)  # type: ignore[arg-type]
    color_str("lagom", "purple")  # type: ignore[arg-type]
    IntervalConditioner(10, "accumulate")  # type: ignore[arg-type]
    evaluate_population(lambda x: "high", [np.zeros(1)])  # type: ignore[arg-type,return-value]
