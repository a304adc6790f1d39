"""A user's ``mypy --strict`` program: results whose type follows the input (dtype, shape, kind).

``tox -e typing`` runs ``mypy --strict tests/typing``: each ``assert_type`` fails the check if
a result's type widens again (to ``Any``, an ``Any`` dtype or a wider union). It is also a
runnable script (``tests/test_typing_program.py`` runs it), and each ``assert`` checks that
the run-time value is what the type says.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from attrs import AttrsInstance
from gymnasium import spaces
from numpy.typing import NDArray

from lagom.agent import EnvWithSpaces, RandomAgent
from lagom.envs import make_vec_env
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
from lagom.networks import CNNEncoder, DictEncoder, MLPEncoder, make_encoder
from lagom.transform import (
    Describe,
    LinearSchedule,
    describe,
    geometric_cumsum,
    polyak_update,
    rank_transform,
    smooth_filter,
)
from lagom.utils import IntervalConditioner

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

# describe: Python floats for 1-D data, arrays (of the input's float dtype) for a reduced axis.
flat = describe([1.0, 2.0, 4.0])
assert_type(flat, Describe[float] | None)
assert flat is not None
assert_type(flat.mean, float)
assert_type(flat.std, float)
assert type(flat.mean) is float
assert type(flat.max) is float
on_axis = describe([[1.0, 2.0], [3.0, 5.0]], axis=0)
assert_type(on_axis, Describe[NDArray[np.float64]] | None)
assert on_axis is not None
assert_type(on_axis.mean, NDArray[np.float64])
assert on_axis.mean.dtype == np.float64
assert on_axis.min.dtype == np.float64
single = np.ones((3, 2), np.float32)
of_float32 = describe(single, axis=0)
assert_type(of_float32, Describe[float | NDArray[np.float32]] | None)
assert of_float32 is not None
assert isinstance(of_float32.mean, np.ndarray)
assert of_float32.mean.dtype == np.float32
assert_type(describe(None), None)
assert describe(None) is None
ints: NDArray[np.int64] = np.arange(4)
either = describe(ints)
assert_type(either, Describe[float | NDArray[np.float64]] | None)
assert either is not None
assert type(either.mean) is float
# A precise record is still a Describe: functions that take a bare Describe accept it.
some: Describe = flat
assert_type(some.mean, float | NDArray[np.floating[Any]])

# rank_transform: int64 ranks; centered ranks keep a float32/float64 input's dtype.
values = np.array([3.0, 1.0, 2.0], np.float32)
assert_type(rank_transform(values, centered=False), NDArray[np.int64])
assert rank_transform(values, centered=False).dtype == np.int64
assert_type(rank_transform(values), NDArray[np.float32])
assert rank_transform(values).dtype == np.float32
assert_type(rank_transform(values.astype(np.float64)), NDArray[np.float64])
assert rank_transform(values.astype(np.float64)).dtype == np.float64
assert_type(rank_transform([1, 3, 2]), NDArray[np.float64])
assert rank_transform([1, 3, 2]).dtype == np.float64
assert_type(rank_transform(ints), NDArray[np.float64])
assert rank_transform(ints).dtype == np.float64
float16 = np.array([3.0, 1.0], np.float16)
assert_type(rank_transform(float16), NDArray[np.floating[Any]])

# The float transforms compute Python numbers and bool or int arrays in float64.
flags: NDArray[np.bool_] = np.array([True, False, True])
assert_type(geometric_cumsum(0.5, [1.0, 2.0]), NDArray[np.float64])
assert geometric_cumsum(0.5, [1.0, 2.0]).dtype == np.float64
assert_type(geometric_cumsum(0.5, [[1, 2], [3, 4]]), NDArray[np.float64])
assert geometric_cumsum(0.5, [[1, 2], [3, 4]]).dtype == np.float64
assert_type(geometric_cumsum(0.5, flags), NDArray[np.float64])
assert geometric_cumsum(0.5, flags).dtype == np.float64
assert_type(geometric_cumsum(0.5, float16), NDArray[np.floating[Any]])
assert_type(smooth_filter([1.0, 2.0, 4.0, 3.0, 5.0], 3, 1), NDArray[np.float64])
assert smooth_filter([1.0, 2.0, 4.0, 3.0, 5.0], 3, 1).dtype == np.float64
assert_type(smooth_filter(np.arange(5), 3, 1), NDArray[np.float64])
assert smooth_filter(np.arange(5), 3, 1).dtype == np.float64
assert_type(polyak_update(0.5, [0.0, 1.0], values[:2]), NDArray[np.float64])
assert polyak_update(0.5, [0.0, 1.0], values[:2]).dtype == np.float64
assert_type(polyak_update(0.5, ints, ints), NDArray[np.float64])
assert polyak_update(0.5, ints, ints).dtype == np.float64

# A numpy integer is a time step too (a step counter taken from an array, say).
schedule = LinearSchedule(1.0, 0.5, 100)
assert_type(schedule(np.int64(50)), float)
assert schedule(np.int64(50)) == 0.75
assert schedule(np.int64(150)) == 0.5
every_ten = IntervalConditioner(10)
at_start = every_ten(np.int64(0))
assert_type(at_start, bool)
assert at_start
assert not every_ten(np.float32(9.5))
assert every_ten(np.float32(10.0))

# The RL metrics, too, compute lists of numbers and int or bool arrays in float64.
steps = [1.0, 0.0, 1.0]
assert_type(returns(0.9, steps), NDArray[np.float64])
assert returns(0.9, steps).tolist() == [1.0 + 0.9 * 0.9, 0.9, 1.0]
assert returns(0.9, steps).dtype == np.float64
assert_type(returns(0.9, ints), NDArray[np.float64])
assert returns(0.9, ints).dtype == np.float64
assert_type(returns(0.9, flags), NDArray[np.float64])
assert returns(0.9, flags).dtype == np.float64
assert_type(bootstrapped_returns(0.9, steps, 0.5, False), NDArray[np.float64])
assert bootstrapped_returns(0.9, steps, np.float32(0.5), False).dtype == np.float64
assert_type(td0_target(0.9, steps, steps, 0.5, False), NDArray[np.float64])
assert td0_target(0.9, steps, steps, 0.5, False).dtype == np.float64
assert_type(td0_error(0.9, steps, steps, 0.5, False), NDArray[np.float64])
assert td0_error(0.9, steps, steps, 0.5, False).dtype == np.float64
assert_type(gae(0.9, 0.95, steps, steps, 0.5, False), NDArray[np.float64])
assert gae(0.9, 0.95, steps, steps, 0.5, False).dtype == np.float64
traced = vtrace(steps, steps, 0.9, steps, steps, 0.5, False)
assert_type(traced, VTrace[np.float64])
assert_type(traced.pg_advantages, NDArray[np.float64])
assert traced.vs.dtype == traced.pg_advantages.dtype == np.float64
grid = [[1.0, 0.0], [0.0, 1.0]]
ended = [[False, True], [False, False]]
assert_type(
    batched_returns(0.9, grid, grid, terminated=ended, truncated=ended), NDArray[np.float64]
)
assert batched_returns(0.9, grid, grid, terminated=ended, truncated=ended).dtype == np.float64
advantages = batched_gae(0.9, 0.95, grid, grid, grid, terminated=ended, truncated=ended)
assert_type(advantages, NDArray[np.float64])
assert advantages.dtype == np.float64
assert_type(batched_td0_target(0.9, grid, grid, terminated=ended), NDArray[np.float64])
assert batched_td0_target(0.9, grid, grid, terminated=ended).dtype == np.float64
assert_type(batched_td0_error(0.9, grid, grid, grid, terminated=ended), NDArray[np.float64])
assert batched_td0_error(0.9, grid, grid, grid, terminated=ended).dtype == np.float64
batch_traced = batched_vtrace(grid, grid, 0.9, grid, grid, grid, terminated=ended, truncated=ended)
assert_type(batch_traced, VTrace[np.float64])
assert batch_traced.vs.dtype == np.float64
# A list beside a float32 array: some float dtype (the widest of the inputs at run time).
assert_type(gae(0.9, 0.95, steps, values, 0.5, False), NDArray[np.floating[Any]])
assert_type(returns(0.9, float16), NDArray[np.floating[Any]])

# make_encoder: a Box with an explicit kind gives that encoder; "auto" one of the two.
box = spaces.Box(-1.0, 1.0, (3,), np.float32)
image = spaces.Box(0, 255, (8, 8, 3), np.uint8)
mlp = make_encoder(box, "mlp", hidden_sizes=[4])
assert_type(mlp, MLPEncoder)
assert isinstance(mlp, MLPEncoder)
cnn = make_encoder(image, "cnn")
assert_type(cnn, CNNEncoder)
assert isinstance(cnn, CNNEncoder)
assert_type(make_encoder(box), MLPEncoder | CNNEncoder)
goal = spaces.Dict({"observation": box})
assert_type(make_encoder(goal), MLPEncoder | CNNEncoder | DictEncoder)
assert isinstance(make_encoder(goal), DictEncoder)


# VecEnv.get_viewer: the lagom.vis.ImageViewer that render("human") shows frames in (made
# without a display; only showing a frame needs one).
env = make_vec_env(lambda: gym.make("CartPole-v1"), 2, 0)
if importlib.util.find_spec("matplotlib") is not None:  # lagom.vis needs the `vis` extra
    from lagom.vis import ImageViewer

    viewer = env.get_viewer()
    assert_type(viewer, ImageViewer)
    assert_type(viewer.max_width, int)
    assert isinstance(viewer, ImageViewer)
    assert env.get_viewer() is viewer
# RandomAgent's environment is one with spaces (BaseAgent's env is Any).
agent = RandomAgent({}, env, None)
assert_type(agent.env, EnvWithSpaces)
assert agent.env is env
env.close()

# lagom.baselines: the reset seeds are int64; make_es gives the strategy of the config's type;
# PPO's training environment is the wrapped vector environment.
from lagom.baselines import base_config, config_class, ppo  # noqa: E402
from lagom.baselines.configs.td3 import TD3Config  # noqa: E402
from lagom.baselines.policy_search import (  # noqa: E402
    CEMConfig,
    CMAESConfig,
    OpenAIESConfig,
    episode_seeds,
    make_es,
)
from lagom.envs import VecEnvWrapper  # noqa: E402
from lagom.es import CEM, CMAES, OpenAIES  # noqa: E402

reset_seeds = episode_seeds(0, 1, 2, 3)
assert_type(reset_seeds, NDArray[np.int64])
assert reset_seeds.dtype == np.int64
cem = make_es(CEMConfig(), np.zeros(3), seed=1)
assert_type(cem, CEM)
assert_type(cem.state.options.elite_size, int)
assert isinstance(cem, CEM)
assert_type(make_es(CMAESConfig(), np.zeros(3), seed=1), CMAES)
assert isinstance(make_es(CMAESConfig(), np.zeros(3), seed=1), CMAES)
assert_type(make_es(OpenAIESConfig(), np.zeros(3), seed=1), OpenAIES)
assert isinstance(make_es(OpenAIESConfig(), np.zeros(3), seed=1), OpenAIES)
train_env = ppo.make_train_env(ppo.EnvConfig(num_envs=2), gamma=0.99, seed=0)
assert_type(train_env.env, VecEnvWrapper)
assert isinstance(train_env.env, VecEnvWrapper)
assert_type(train_env.env.num_envs, int)
train_env.env.close()
# base_config: a built-in algorithm's name gives its configuration class (any other name,
# a plug-in's, an attrs instance).
pendulum = base_config("ppo", "Pendulum-v1")
assert_type(pendulum, ppo.PPOConfig)
assert_type(pendulum.env.num_envs, int)
assert isinstance(pendulum, ppo.PPOConfig)
assert_type(base_config("ddpg"), TD3Config)
assert isinstance(base_config("ddpg"), TD3Config)
assert_type(base_config("cem"), CEMConfig)
assert isinstance(base_config("cem"), CEMConfig)
algorithm_name: str = "openaies"
assert_type(base_config(algorithm_name), AttrsInstance)
assert isinstance(base_config(algorithm_name), OpenAIESConfig)
# config_class: a built-in name gives its class itself (never None); any other, possibly None.
assert_type(config_class("ddpg"), type[TD3Config])
assert config_class("ddpg") is TD3Config
assert_type(config_class("cem"), type[CEMConfig])
assert config_class("cem") is CEMConfig
assert_type(config_class(algorithm_name), type[AttrsInstance] | None)
assert config_class(algorithm_name) is OpenAIESConfig
assert config_class("my_plugin") is None

if TYPE_CHECKING:  # mistakes a user's mypy reports (an ignore that is not needed fails it)
    smooth_filter([1.0, 2.0, 3.0], 3, 1, mode="reflect")  # type: ignore[call-overload]  # scipy's name
