"""Tests of lagom.envs.vec_env: same-step autoreset traces, modes, seeds, lifecycle."""

from __future__ import annotations

import sys
import types
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ClosedEnvironmentError
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv
from gymnasium.wrappers.vector import ClipReward
from hypothesis import given
from hypothesis import strategies as st

from lagom.envs import VecEnv
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import assert_same, counting_fns, counting_reference
from tests.strategies.envs import vec_counting_kwargs

MODES = ["sync", "async"]
# Sub-environment A ends by termination every 2 steps, B by truncation every 3 steps.
A = {"episode_length": 2, "end": "terminated", "rewards": [1.0, 2.0]}
B = {"episode_length": 3, "end": "truncated", "rewards": [0.5, 0.5, 3.0], "start": 10}


def _obs(*values: float) -> np.ndarray:
    return np.array([[v] for v in values], dtype=np.float32)


def _final(*values: float | None) -> np.ndarray:
    out = np.full(len(values), None, dtype=object)
    for i, v in enumerate(values):
        if v is not None:
            out[i] = np.array([v], dtype=np.float32)
    return out


def _mask(*values: bool) -> np.ndarray:
    return np.array(values, dtype=np.bool_)


def _ended(final: np.ndarray, t_final: list[int], mask: np.ndarray) -> dict[str, Any]:
    return {
        "final_info": {"t": np.array(t_final), "_t": mask},
        "_final_info": mask,
        "final_obs": final,
        "_final_obs": mask,
    }


# Written by hand from CountingEnv's definition: (observations, rewards, terminated,
# truncated, infos) of steps 1-4 after reset.
HAND_TRACE = [
    (_obs(1, 11), [1.0, 0.5], [False, False], [False, False],
     {"t": np.array([1, 1]), "_t": _mask(True, True)}),
    (_obs(0, 12), [2.0, 0.5], [True, False], [False, False],
     {**_ended(_final(2, None), [2, 0], _mask(True, False)),
      "t": np.array([0, 2]), "_t": _mask(True, True)}),
    (_obs(1, 10), [1.0, 3.0], [False, False], [False, True],
     {"t": np.array([1, 0]), "_t": _mask(True, True),
      **_ended(_final(None, 13), [0, 3], _mask(False, True))}),
    (_obs(0, 11), [2.0, 0.5], [True, False], [False, False],
     {**_ended(_final(2, None), [2, 0], _mask(True, False)),
      "t": np.array([0, 1]), "_t": _mask(True, True)}),
]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
def test_hand_written_trace(mode: str) -> None:
    env = VecEnv(counting_fns([A, B]), mode=mode)  # type: ignore[arg-type]
    observations, infos = env.reset()
    assert_same(observations, _obs(0, 10))
    assert_same(infos, {"t": np.array([0, 0]), "_t": _mask(True, True)})
    for expected_obs, rewards, terminated, truncated, expected_infos in HAND_TRACE:
        out = env.step(np.array([0, 1]))
        assert_same(out[0], expected_obs)
        assert_same(out[1], np.array(rewards, dtype=np.float64))
        assert_same(out[2], np.array(terminated))
        assert_same(out[3], np.array(truncated))
        assert_same(out[4], expected_infos)
    env.close()


def _rollout(env: VectorEnv[Any, Any, Any], actions: list[np.ndarray]) -> list[Any]:
    outputs: list[Any] = [env.reset(seed=0)]
    outputs.extend(env.step(a) for a in actions)
    env.close()
    return outputs


@given(configs=vec_counting_kwargs(), num_steps=st.integers(1, 9))
def test_sync_matches_reference_model_and_gymnasium(
    configs: list[dict[str, Any]], num_steps: int
) -> None:
    env = VecEnv(counting_fns(configs))
    env.reset()
    for k in range(1, num_steps + 1):
        observations, rewards, terminated, truncated, infos = env.step(
            np.zeros(len(configs), dtype=np.int64)
        )
        for i, config in enumerate(configs):
            ref = counting_reference(config, k)
            assert observations[i, 0] == ref["obs"]
            assert rewards[i] == ref["reward"]
            assert terminated[i] == ref["terminated"]
            assert truncated[i] == ref["truncated"]
            assert infos["t"][i] == ref["t"]
            if ref["final_obs"] is None:
                assert "final_obs" not in infos or not infos["_final_obs"][i]
            else:
                assert infos["_final_obs"][i]
                assert infos["final_obs"][i][0] == ref["final_obs"]
    env.close()
    # gymnasium's own same-step loop is a second oracle, for the exact layout of outputs.
    actions = [np.zeros(len(configs), dtype=np.int64)] * num_steps
    ours = _rollout(VecEnv(counting_fns(configs)), actions)
    theirs = SyncVectorEnv(counting_fns(configs), autoreset_mode=AutoresetMode.SAME_STEP)
    assert_same(ours, _rollout(theirs, actions))


@pytest.mark.parametrize(
    "configs",
    [
        [A, B],
        [{"episode_length": 1, "end": "both"}, {"episode_length": 4, "end": "truncated"}] * 2,
    ],
)
def test_sync_and_async_give_identical_outputs(configs: list[dict[str, Any]]) -> None:
    actions = [np.arange(len(configs)) % 2] * 9
    sync = _rollout(VecEnv(counting_fns(configs), mode="sync"), actions)
    asynchronous = _rollout(VecEnv(counting_fns(configs), mode="async"), actions)
    assert_same(sync, asynchronous)


@pytest.mark.parametrize("mode", MODES)
def test_reset_seeds(mode: str) -> None:
    env = VecEnv(counting_fns([A, B, A]), mode=mode, seeds=[7, 8, 9])  # type: ignore[arg-type]
    env.reset()  # the first reset without a seed uses the construction seeds
    env.reset()  # later ones do not reseed
    env.reset(seed=100)  # an int seeds s, s+1, ... (gymnasium's convention)
    env.reset(seed=[1, None, 3])
    assert env.get_attr("reset_seeds") == (
        [7, None, 100, 1],
        [8, None, 101, None],
        [9, None, 102, 3],
    )
    with pytest.raises(ValueError, match="got 2 seeds for 3 sub-environments"):
        env.reset(seed=[1, 2])
    env.close()


@pytest.mark.parametrize(
    ("seeds", "error", "match"),
    [
        ([1, 2, 3], ValueError, "seeds must hold one seed per sub-environment: got 3 seeds for 2"),
        ([1], ValueError, "got 1 seeds for 2 sub-environments"),
        ([1, 2.5], TypeError, r"seeds\[1\] must be an int, got float 2.5"),
        ([1, True], TypeError, r"seeds\[1\] must be an int, got bool"),
        (-5, ValueError, r"seeds must be in \[0, 2\*\*32 - 1\], got -5"),
        (2**32 - 1, ValueError, r"seeds sub-environment 1 with 4294967296, above 2\*\*32 - 1"),
        (True, TypeError, "seeds must be an int, one seed per sub-environment or None, got bool"),
        ("7", TypeError, "seeds must be an int, one seed per sub-environment or None, got str"),
    ],
)
def test_construction_seeds_are_checked_at_once(seeds: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        VecEnv(counting_fns([A, B]), seeds=seeds)


def test_reset_seeds_follow_the_one_seed_rule() -> None:
    env = VecEnv(counting_fns([A, B]), seeds=np.array([3, 4], dtype=np.uint32))
    env.reset()
    for seed, error in ((2**40, ValueError), ("x", TypeError), ([0, -1], ValueError)):
        with pytest.raises(error, match="seed"):
            env.reset(seed=seed)
    assert env.get_attr("reset_seeds") == ([3], [4])  # refused resets reset nothing
    same = SyncVectorEnv(counting_fns([A, B]), autoreset_mode=AutoresetMode.SAME_STEP)
    with pytest.raises(ValueError, match="got 3 seeds for 2 sub-environments"):
        VecEnv.from_vector_env(same, seeds=[1, 2, 3])
    env.close()


def test_an_action_a_sub_environment_refuses_is_a_value_error() -> None:
    env = VecEnv([lambda: gym.make("CartPole-v1")] * 2)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"sub-environment 0 refused the action .*Discrete\(2\)"):
        env.step(np.array([5, 0]))
    env.close()


@pytest.mark.parametrize("mode", MODES)
def test_bad_action_batches_are_refused_and_leave_the_env_usable(mode: str) -> None:
    # The whole batch is checked before any sub-environment steps (in async mode a worker
    # whose environment raised would shut its process down).
    env = VecEnv([lambda: gym.make("CartPole-v1")] * 2, mode=mode)
    reference = VecEnv([lambda: gym.make("CartPole-v1")] * 2, mode=mode)
    with pytest.raises(gym.error.ResetNeeded, match=r"call reset\(\) before step\(\)"):
        env.step(np.array([0, 1]))
    env.reset(seed=0)
    reference.reset(seed=0)
    for bad, message in (
        (np.array([0, 2]), r"sub-environment 1 refused the action .*Discrete\(2\)"),
        (np.array([0.5, 1.0]), r"sub-environment 0 refused the action"),
        (np.array([True, False]), r"sub-environment 0 refused the action"),
        (np.array([0, 0, 0]), r"expected actions of shape \(2,\) .*got \(3,\)"),
        (np.array([-1, 0]), r"sub-environment 0 refused the action np.int64\(-1\)"),
        (np.array([0, -1], np.int8), r"sub-environment 1 refused the action np.int8\(-1\)"),
        (np.array([0, 200], np.uint8), r"sub-environment 1 refused the action np.uint8\(200\)"),
    ):
        with pytest.raises(ValueError, match=message):
            env.step(bad)
    # No sub-environment stepped on a refused batch (and no worker shut down).
    assert_same([env.step(np.array([0, 1]))], [reference.step(np.array([0, 1]))])
    small = np.array([1, 0], np.uint8)  # any integer dtype in range is an action
    assert_same([env.step(small)], [reference.step(np.array([1, 0]))])
    pendulum = VecEnv([lambda: gym.make("Pendulum-v1")] * 2, mode=mode)
    pendulum.reset(seed=0)
    for bad, message in (
        (np.array([[0.0], [np.nan]]), r"finite actions .*sub-environments \[1\]"),
        (np.full((2, 1), "a"), "expected numeric actions"),
        (np.zeros((3, 1)), r"expected actions of shape \(2, 1\)"),
    ):
        with pytest.raises(ValueError, match=message):
            pendulum.step(bad)
    # Out of the bounds but finite: the environment's to clip, as gymnasium's Pendulum does.
    _, rewards, *_ = pendulum.step(np.full((2, 1), 5.0))
    assert np.isfinite(rewards).all()
    for closing in (env, reference, pendulum):
        closing.close()


class _Shifted(gym.Env[np.ndarray, int]):
    """Actions from Discrete(3, start=-1): -1, 0 and 1."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    action_space = gym.spaces.Discrete(3, start=-1)

    def reset(self, *, seed: int | None = None, options: Any = None) -> Any:
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action: int) -> Any:
        return np.full(1, action, np.float32), float(action), False, False, {}


@pytest.mark.parametrize("mode", MODES)
def test_a_discrete_space_that_starts_elsewhere_is_checked_by_its_range(mode: str) -> None:
    env = VecEnv([_Shifted] * 2, mode=mode)
    env.reset(seed=0)
    assert env.step(np.array([-1, 1]))[1].tolist() == [-1.0, 1.0]
    for bad in (np.array([2, 0]), np.array([0, -2])):
        with pytest.raises(ValueError, match=r"an integer from -1 to 1"):
            env.step(bad)
    env.close()


def test_an_env_restored_without_the_reset_flag_steps_and_checks_its_actions() -> None:
    # A checkpoint written before VecEnv kept these attributes restores an env without them.
    env = VecEnv([lambda: gym.make("CartPole-v1")] * 2)
    env.reset(seed=0)
    del env._reset_done, env._check_actions
    assert env.step(np.array([0, 1]))[1].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="sub-environment 1 refused the action"):
        env.step(np.array([0, 2]))
    env.close()


def test_explicit_first_seed_wins_over_construction_seeds() -> None:
    env = VecEnv(counting_fns([A, B]), seeds=5)
    env.reset(seed=[1, 2])
    env.reset()
    assert env.get_attr("reset_seeds") == ([1, None], [2, None])


@pytest.mark.parametrize("mode", MODES)
def test_partial_reset_with_reset_mask(mode: str) -> None:
    env = VecEnv(counting_fns([A, B]), mode=mode)  # type: ignore[arg-type]
    env.reset()
    env.step([0, 0])
    options = {"reset_mask": _mask(False, True)}
    observations, infos = env.reset(options=options)
    assert_same(observations, _obs(1, 10))
    assert_same(infos, {"t": np.array([0, 0]), "_t": _mask(False, True)})
    assert "reset_mask" in options  # the caller's dict is left alone
    env.close()


def test_partial_reset_needs_a_full_first_reset() -> None:
    env = VecEnv(counting_fns([A, B]))
    with pytest.raises(ValueError, match="every sub-environment at first"):
        env.reset(options={"reset_mask": _mask(True, False)})


@pytest.mark.parametrize("mode", MODES)
def test_spaces_repr_len_and_lifecycle(mode: str) -> None:
    env = VecEnv(counting_fns([A, B, A]), mode=mode)  # type: ignore[arg-type]
    assert isinstance(env, VectorEnv)
    assert len(env) == env.num_envs == 3
    assert repr(env) == "<VecEnv: 3>"
    assert env.unwrapped is env
    assert env.single_observation_space == gym.spaces.Box(0, np.inf, (1,), np.float32)
    assert env.observation_space.shape == (3, 1)
    assert env.single_action_space == gym.spaces.Discrete(2)
    assert env.action_space == gym.spaces.MultiDiscrete([2, 2, 2])
    assert env.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    env.reset()
    env.close()
    env.close()  # idempotent
    assert env.closed
    with pytest.raises(ClosedEnvironmentError, match=r"step\(\).*closed"):
        env.step([0, 0, 0])
    with pytest.raises(ClosedEnvironmentError, match=r"reset\(\).*closed"):
        env.reset()


def test_close_closes_sub_environments_and_garbage_collection_closes() -> None:
    env = VecEnv(counting_fns([A, B]))
    subs = list(env._backend.envs)  # type: ignore[attr-defined]
    env.close()
    assert all(sub.closed for sub in subs)
    env = VecEnv(counting_fns([A]))
    sub = env._backend.envs[0]  # type: ignore[attr-defined]
    del env
    assert sub.closed


def test_repr_uses_the_registered_id() -> None:
    env = VecEnv([lambda: gym.make("CartPole-v1")] * 3)
    assert repr(env) == "<VecEnv: 3, CartPole-v1>"
    env.close()


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="mode must be 'sync' or 'async'"):
        VecEnv(counting_fns([A]), mode="serial")  # type: ignore[arg-type]
    for mode in MODES:
        with pytest.raises(ValueError, match="at least one sub-environment"):
            VecEnv([], mode=mode)  # type: ignore[arg-type]
    for mode in MODES:  # async: gymnasium's RuntimeError before
        with pytest.raises(ValueError, match="one observation space"):
            VecEnv([CountingEnv, lambda: gym.make("CartPole-v1")], mode=mode)
    with pytest.raises(TypeError, match=r"must return a gymnasium\.Env"):
        VecEnv([lambda: "not an env"])  # type: ignore[list-item, return-value]
    env = VecEnv(counting_fns([A, B]))
    env.reset()
    with pytest.raises(ValueError, match=r"shape \(2,\).*got \(3,\)"):
        env.step([0, 1, 0])
    env.close()


def test_gymnasium_vector_wrappers_work_on_it() -> None:
    env = ClipReward(VecEnv(counting_fns([A, B])), min_reward=0.0, max_reward=1.0)
    env.reset()
    env.step([0, 0])
    _, rewards, *_ = env.step([0, 0])
    assert_same(rewards, np.array([1.0, 0.5]))
    env.close()


def test_call_get_attr_set_attr() -> None:
    env = VecEnv(counting_fns([A, B]))
    env.reset()
    assert env.get_attr("start") == (0, 10)
    env.set_attr("start", [3, 4])
    results = env.call("reset")
    assert [(obs[0], info) for obs, info in results] == [(3.0, {"t": 0}), (4.0, {"t": 0})]
    env.set_attr("start", 7)
    assert env.get_attr("start") == (7, 7)
    env.close()


@pytest.mark.parametrize("mode", MODES)
def test_get_images(mode: str) -> None:
    fns = counting_fns([{**A, "render_mode": "rgb_array"}, {**B, "render_mode": "rgb_array"}])
    env = VecEnv(fns, mode=mode)  # type: ignore[arg-type]
    env.reset()
    env.step([0, 0])
    images = env.get_images()
    assert images.shape == (2, 4, 6, 3)
    assert images.dtype == np.uint8
    assert (images[0] == 1).all()
    assert (images[1] == 1).all()
    env.close()


def test_get_images_needs_rgb_array_frames() -> None:
    env = VecEnv(counting_fns([A]))
    with pytest.raises(ValueError, match="render_mode='rgb_array'"):
        env.get_images()
    env.close()


class _FakeGridImage:
    """Records what VecEnv.render gives the documented GridImage API."""

    made: list[Any] = []  # noqa: RUF012 - test recorder

    def __init__(self, ncol: int = 8, padding: int = 2, pad_value: int = 0) -> None:
        self.args = (ncol, padding, pad_value)
        self.images: Any = None
        _FakeGridImage.made.append(self)

    def add(self, images: Any) -> None:
        self.images = images

    def __call__(self) -> np.ndarray:
        return np.concatenate(list(self.images.transpose(0, 2, 3, 1)), axis=1)


class _FakeViewer:
    def __init__(self, max_width: int = 500) -> None:
        self.shown: list[np.ndarray] = []
        self.closed = False

    def __call__(self, image: np.ndarray) -> None:
        self.shown.append(image)

    def close(self) -> None:
        self.closed = True


def test_render_tiles_frames_with_grid_image(monkeypatch: pytest.MonkeyPatch) -> None:
    vis = types.ModuleType("lagom.vis")
    vis.GridImage = _FakeGridImage  # type: ignore[attr-defined]
    vis.ImageViewer = _FakeViewer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lagom.vis", vis)
    fns = counting_fns([{**A, "render_mode": "rgb_array"}, {**B, "render_mode": "rgb_array"}])
    env = VecEnv(fns)
    env.reset()
    env.step([0, 0])
    image = env.render()
    grid = _FakeGridImage.made[-1]
    assert grid.args == (5, 5, 0)
    assert grid.images.shape == (2, 3, 4, 6)  # [N, C, H, W]
    assert image.shape == (4, 12, 3)
    assert image.dtype == np.uint8
    assert env.render(mode="human") is None
    viewer = env.get_viewer()
    assert env.get_viewer() is viewer
    np.testing.assert_array_equal(viewer.shown[0], image)
    with pytest.raises(ValueError, match="'rgb_array' or 'human'"):
        env.render(mode="ansi")  # type: ignore[arg-type]
    env.close()
    assert viewer.closed


def test_from_vector_env() -> None:
    same = SyncVectorEnv(counting_fns([A, B]), autoreset_mode=AutoresetMode.SAME_STEP)
    env = VecEnv.from_vector_env(same, seeds=[3, 4])
    assert env.mode == "vector"
    env.reset()
    assert env.get_attr("reset_seeds") == ([3], [4])
    assert_same(env.step([0, 0])[0], _obs(1, 11))
    env.close()
    with pytest.raises(ValueError, match="same step"):
        VecEnv.from_vector_env(SyncVectorEnv(counting_fns([A])))
    with pytest.raises(TypeError, match="VectorEnv"):
        VecEnv.from_vector_env(CountingEnv())  # type: ignore[arg-type]


class _OddEnv(gym.Env[np.ndarray, int]):
    """An environment whose step returns the given observation, reward, flags and info."""

    observation_space = gym.spaces.Box(0, 255, (2,), np.uint8)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, **step: Any) -> None:
        self.out = {
            "obs": np.zeros(2, np.uint8),
            "reward": 1.0,
            "term": False,
            "trunc": False,
            "info": {},
        } | step

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict]:
        return np.zeros(2, np.uint8), {}

    def step(self, action: int) -> tuple[Any, ...]:
        out = self.out
        return out["obs"], out["reward"], out["term"], out["trunc"], out["info"]


@pytest.mark.parametrize(
    ("step", "error", "match"),
    [
        ({"reward": "1.5"}, TypeError, "sub-environment 0's step must return a reward"),
        ({"reward": np.array([1.0, 2.0])}, TypeError, "reward that is a real number"),
        ({"term": 2}, TypeError, "sub-environment 0's step must return terminated as a bool"),
        ({"term": "False"}, TypeError, "terminated as a bool, got str"),
        ({"trunc": None}, TypeError, "truncated as a bool, got NoneType"),
        ({"info": [1]}, TypeError, "must return info as a dict, got list"),
        ({"obs": np.zeros(3, np.uint8)}, ValueError, r"elements of Box.*shapes \[\(3,\)\]"),
        ({"obs": np.array([300, -1])}, ValueError, r"elements of Box.*dtypes \['int64'\]"),
    ],
)
def test_a_sub_environment_step_of_the_wrong_kind_is_refused(
    step: dict[str, Any], error: type[Exception], match: str
) -> None:
    # numpy took 2, "False" or None as a flag and "1.5" as a reward silently; the others
    # raised numpy's (or an AttributeError's) message, naming no environment.
    env = VecEnv([lambda: _OddEnv(**step)] * 2)
    env.reset(seed=0)
    with pytest.raises(error, match=match):
        env.step([0, 0])
    env.close()


def test_numpy_scalars_from_a_sub_environment_step_are_accepted() -> None:
    step = {"reward": np.float32(0.5), "term": np.bool_(True), "obs": np.array([1, 2])}
    env = VecEnv([lambda: _OddEnv(**step)] * 2)
    env.reset(seed=0)
    _, rewards, terminated, _, infos = env.step([0, 1])
    assert rewards.tolist() == [0.5, 0.5]
    assert terminated.tolist() == [True, True]
    assert infos["final_obs"][0].tolist() == [1, 2]
    env.close()


def test_an_action_tensor_that_requires_grad_is_refused_by_name() -> None:
    # torch's "RuntimeError: Can't call numpy() on Tensor that requires grad" came out.
    torch = pytest.importorskip("torch")
    env = VecEnv([lambda: gym.make("Pendulum-v1")] * 2, seeds=0)
    env.reset()
    with pytest.raises(TypeError, match=r"actions must be an array .*\.detach\(\)"):
        env.step(torch.zeros(2, 1, requires_grad=True))
    env.step(torch.zeros(2, 1))  # a plain tensor is read as an array
    env.close()
