"""Tests for ``lagom.runner.vec_step_runner``: VecStepRunner's rollouts, exact and seeded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagom.agent import RandomAgent
from lagom.data._freeze import EMPTY_INFO
from lagom.envs import VecEnv, make_vec_env
from lagom.runner import VecRunnerResult, VecStepRunner
from lagom.utils import Seeder
from tests.envs.fakes import CountingEnv
from tests.envs.helpers import counting_fns, counting_reference
from tests.runner.fakes import OutputAgent, ValueAgent, obs_value

CONFIGS = [
    {"episode_length": 2, "end": "truncated", "rewards": [1.0, 2.0]},
    {"episode_length": 3, "end": "terminated", "rewards": [1.0, 2.0, 3.0], "start": 10},
]


def _column(x: np.ndarray) -> list[list[float]]:
    """``[T, N, 1]`` -> per-row lists, for readable comparisons."""
    return x[..., 0].T.tolist()  # type: ignore[no-any-return]


def test_exact_trace_and_resume() -> None:
    env = VecEnv(counting_fns(CONFIGS))
    runner = VecStepRunner()
    agent = ValueAgent(num_envs=2)
    rollout, outputs = runner(agent, env, T=4)
    assert (rollout.T, rollout.N) == (4, 2)
    assert _column(rollout.observations) == [[0, 1, 0, 1], [10, 11, 12, 10]]
    # At an episode end the next observation is the final one, not the reset one.
    assert _column(rollout.next_observations) == [[1, 2, 1, 2], [11, 12, 13, 11]]
    assert rollout.rewards.T.tolist() == [[1, 2, 1, 2], [1, 2, 3, 1]]
    assert rollout.truncated.T.tolist() == [[False, True, False, True], [False] * 4]
    assert rollout.terminated.T.tolist() == [[False] * 4, [False, False, True, False]]
    assert rollout.actions.tolist() == [[0, 0]] * 4
    assert list(outputs) == ["V"]
    np.testing.assert_array_equal(outputs["V"], obs_value(rollout.observations))
    assert rollout.infos is not None
    assert len(rollout.infos) == 4
    assert rollout.infos[1]["_final_obs"].tolist() == [True, False]
    # The next call continues both streams where this one stopped.
    rollout, _ = runner(agent, env, T=3)
    assert _column(rollout.observations) == [[0, 1, 0], [11, 12, 10]]
    assert _column(rollout.next_observations) == [[1, 2, 1], [12, 13, 11]]
    assert env.get_attr("reset_seeds") == ([None, None, None, None], [None, None, None])
    env.close()


def test_reset_on_call_and_env_change() -> None:
    env, other = VecEnv(counting_fns(CONFIGS)), VecEnv(counting_fns(CONFIGS))
    runner = VecStepRunner(reset_on_call=True)
    agent = ValueAgent(num_envs=2)
    runner(agent, env, T=1)
    rollout, _ = runner(agent, env, T=1)
    assert _column(rollout.observations) == [[0], [10]]
    resuming = VecStepRunner()
    resuming(agent, env, T=1)
    rollout, _ = resuming(agent, other, T=1)
    assert _column(rollout.observations) == [[0], [10]]
    env.close()
    other.close()


_config = st.fixed_dictionaries(
    {
        "episode_length": st.integers(1, 4),
        "end": st.sampled_from(["terminated", "truncated", "both"]),
        "rewards": st.none(),
        "reward": st.sampled_from([0.5, 1.0, -2.0]),
        "start": st.integers(0, 100),
    }
)


@given(
    configs=st.lists(_config, min_size=1, max_size=3),
    Ts=st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_rollouts_match_a_plain_model(configs: list[dict[str, Any]], Ts: list[int]) -> None:
    env = VecEnv(counting_fns(configs))
    runner = VecStepRunner()
    results = [runner(ValueAgent(num_envs=len(configs)), env, T) for T in Ts]
    env.close()
    assert [result.rollout.T for result in results] == Ts
    joined = {
        name: np.concatenate([getattr(result.rollout, name) for result in results])
        for name in ("observations", "next_observations", "rewards", "terminated", "truncated")
    }
    for n, config in enumerate(configs):
        for t in range(sum(Ts)):
            now = counting_reference(config, t) if t else {"obs": config["start"]}
            step = counting_reference(config, t + 1)
            following = step["final_obs"] if step["final_obs"] is not None else step["obs"]
            assert joined["observations"][t, n, 0] == now["obs"]
            assert joined["next_observations"][t, n, 0] == following
            assert joined["rewards"][t, n] == step["reward"]
            assert joined["terminated"][t, n] == step["terminated"]
            assert joined["truncated"][t, n] == step["truncated"]


def _cartpole_rollout(init_seed: int, N: int = 3, T: int = 60) -> VecRunnerResult:
    env = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=20), N, init_seed)
    result = VecStepRunner()(RandomAgent({}, env, None), env, T)
    env.close()
    return result


def test_same_seed_same_rollout_and_distinct_sub_environments() -> None:
    first, again, other = _cartpole_rollout(0), _cartpole_rollout(0), _cartpole_rollout(1)
    for name in ("observations", "actions", "rewards", "terminated", "truncated"):
        np.testing.assert_array_equal(getattr(first.rollout, name), getattr(again.rollout, name))
    np.testing.assert_array_equal(first.rollout.next_observations, again.rollout.next_observations)
    assert not np.array_equal(first.rollout.observations, other.rollout.observations)
    assert first.rollout.truncated.any()
    observations = first.rollout.observations
    assert not np.array_equal(observations[0, 0], observations[0, 1])
    assert not np.array_equal(first.rollout.actions[:, 0], first.rollout.actions[:, 1])


def test_sub_environments_get_the_seeders_seeds() -> None:
    env = make_vec_env(lambda: CountingEnv(episode_length=2), 3, init_seed=5)
    VecStepRunner()(RandomAgent({}, env, None), env, T=1)
    assert [seeds[0] for seeds in env.get_attr("reset_seeds")] == Seeder(5)(3)
    env.close()


def test_outputs_are_copied_and_tensors_converted() -> None:
    torch = pytest.importorskip("torch")
    buffer = np.zeros(2)

    def outputs(step: int) -> dict[str, Any]:
        buffer[:] = step
        weight = torch.ones(2, requires_grad=True)
        return {"raw_action": np.zeros(2, dtype=np.int64), "buf": buffer, "V": weight * step}

    env = VecEnv(counting_fns(CONFIGS))
    _, out = VecStepRunner()(OutputAgent(outputs), env, T=3)
    env.close()
    np.testing.assert_array_equal(out["buf"], [[0, 0], [1, 1], [2, 2]])
    assert isinstance(out["V"], np.ndarray)
    np.testing.assert_array_equal(out["V"], [[0, 0], [1, 1], [2, 2]])


def test_bad_environments_and_outputs() -> None:
    agent = ValueAgent(num_envs=2)
    with pytest.raises(TypeError, match="vectorized environment"):
        VecStepRunner()(agent, CountingEnv(), 3)
    next_step = gym.vector.SyncVectorEnv(counting_fns(CONFIGS))
    with pytest.raises(ValueError, match="same-step autoreset"):
        VecStepRunner()(agent, next_step, 3)
    next_step.close()

    def changing(step: int) -> dict[str, Any]:
        extra = {"V": 0.0} if step == 0 else {"logp": 0.0}
        return {"raw_action": np.zeros(2, dtype=np.int64), **extra}

    env = VecEnv(counting_fns(CONFIGS))
    with pytest.raises(ValueError, match="same keys at every step"):
        VecStepRunner()(OutputAgent(changing), env, 3)
    with pytest.raises(TypeError, match="reset_on_call must be a bool"):
        VecStepRunner(reset_on_call=1)  # type: ignore[arg-type]
    env.close()


def _dict_counting(config: dict[str, Any]) -> gym.Env[Any, Any]:
    """A CountingEnv whose observation is a dict: the count, and a uint8 frame filled with it."""
    env = CountingEnv(**config)
    frame = gym.spaces.Box(0, 255, (2, 2), np.uint8)
    space = gym.spaces.Dict({"frame": frame, "count": env.observation_space})

    def to_dict(x: np.ndarray) -> dict[str, np.ndarray]:
        return {"frame": np.full((2, 2), int(x[0]), np.uint8), "count": x}

    return gym.wrappers.TransformObservation(env, to_dict, space)


def test_dict_observations_are_kept_per_key_in_their_own_dtypes() -> None:
    env = VecEnv([lambda config=config: _dict_counting(config) for config in CONFIGS])

    class ZeroAgent:
        def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
            assert sorted(x) == ["count", "frame"]
            assert x["frame"].shape == (2, 2, 2)
            return {"raw_action": np.zeros(2, np.int64)}

    runner = VecStepRunner()
    rollout, _ = runner(ZeroAgent(), env, T=4)
    assert (rollout.T, rollout.N) == (4, 2)
    for obs in (rollout.observations, rollout.next_observations):
        assert isinstance(obs, Mapping)
        assert list(obs) == ["count", "frame"]
        assert (obs["frame"].dtype, obs["frame"].shape) == (np.uint8, (4, 2, 2, 2))
        assert obs["count"].dtype == np.float32
    # The same trace as the array observations of test_exact_trace_and_resume, in each key.
    assert _column(rollout.observations["count"]) == [[0, 1, 0, 1], [10, 11, 12, 10]]
    assert _column(rollout.next_observations["count"]) == [[1, 2, 1, 2], [11, 12, 13, 11]]
    frames = rollout.next_observations["frame"]
    assert frames[..., 0, 0].T.tolist() == [[1, 2, 1, 2], [11, 12, 13, 11]]
    assert (frames == frames[..., :1, :1]).all()
    with pytest.raises(ValueError, match="read-only"):
        rollout.observations["frame"][0, 0, 0, 0] = 7
    with pytest.raises(TypeError):
        rollout.observations["count"] = np.zeros(1)  # type: ignore[index]
    # The next call continues both streams where this one stopped.
    rollout, _ = runner(ZeroAgent(), env, T=3)
    assert isinstance(rollout.observations, Mapping)
    assert _column(rollout.observations["count"]) == [[0, 1, 0], [11, 12, 10]]
    assert rollout.observations["frame"][..., 0, 0].T.tolist() == [[0, 1, 0], [11, 12, 10]]
    env.close()


def test_actions_are_copied_each_step_and_promoted_like_a_stack() -> None:
    """The runner writes every action into its own buffer: an agent reusing one array for
    all its actions still gets each step's values recorded; a later action of a wider
    dtype widens the record, as ``np.stack`` of the actions would."""
    reused = np.zeros(2, dtype=np.int64)

    def reusing(step: int) -> dict[str, Any]:
        reused[:] = [step, step + 1]
        return {"raw_action": reused}

    # gymnasium's SyncVectorEnv passes any batch on (CountingEnv ignores its action);
    # lagom's VecEnv would refuse actions outside Discrete(2) before the runner saw them.
    env = VecEnv.from_vector_env(
        gym.vector.SyncVectorEnv(
            counting_fns(CONFIGS), autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
        )
    )
    rollout, _ = VecStepRunner()(OutputAgent(reusing), env, T=3)
    assert rollout.actions.tolist() == [[0, 1], [1, 2], [2, 3]]
    assert rollout.actions.dtype == np.int64
    mixed = [np.array([0, 1]), np.array([0.5, 1.0]), [1, 0]]
    rollout, _ = VecStepRunner()(OutputAgent(lambda t: {"raw_action": mixed[t]}), env, T=3)
    expected = np.stack([np.asarray(action) for action in mixed])
    assert rollout.actions.dtype == expected.dtype == np.float64
    np.testing.assert_array_equal(rollout.actions, expected)
    env.close()


def test_an_action_batch_of_another_shape_is_refused_by_name() -> None:
    # gymnasium's SyncVectorEnv passes any batch on (CountingEnv ignores its action), so
    # the runner's own check is what refuses it.
    env = VecEnv.from_vector_env(
        gym.vector.SyncVectorEnv(
            counting_fns(CONFIGS), autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
        )
    )
    shapes = [np.zeros((2, 1), dtype=np.int64), np.zeros((2, 2), dtype=np.int64)]
    agent = OutputAgent(lambda t: {"raw_action": shapes[min(t, 1)]})
    with pytest.raises(ValueError, match=r"raw_action batches of one shape, got \(2, 1\) at step"):
        VecStepRunner()(agent, env, T=2)
    env.close()


def test_a_rollout_is_never_changed_by_later_calls() -> None:
    """Successive rollouts own their memory: the next call writes elsewhere."""
    env = make_vec_env(lambda: gym.make("CartPole-v1", max_episode_steps=5), 2, 0)
    runner = VecStepRunner()
    agent = RandomAgent({}, env, None)
    first, _ = runner(agent, env, T=6)
    kept = {name: np.array(getattr(first, name)) for name in ("observations", "actions", "rewards")}
    kept["next_observations"] = np.array(first.next_observations)
    second, _ = runner(agent, env, T=6)
    for name, before in kept.items():
        np.testing.assert_array_equal(getattr(first, name), before)
        assert not np.shares_memory(getattr(first, name), getattr(second, name))
        assert not getattr(first, name).flags.writeable
    # The second rollout starts where the first stopped (no episode ended at its last step).
    assert not (first.terminated[-1] | first.truncated[-1]).any()
    assert isinstance(second.observations, np.ndarray)
    assert isinstance(first.next_observations, np.ndarray)
    np.testing.assert_array_equal(second.observations[0], first.next_observations[-1])
    env.close()


def test_a_final_observation_of_another_shape_is_refused_by_name() -> None:
    class BadFinals(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        """Reports every final observation with one element too many."""

        def step(self, actions: Any) -> Any:
            observations, rewards, terminated, truncated, infos = self.env.step(actions)
            if "final_obs" in infos:
                infos["final_obs"] = np.array(
                    [None if x is None else np.append(x, 0.0) for x in infos["final_obs"]],
                    dtype=object,
                )
            return observations, rewards, terminated, truncated, infos

    env = BadFinals(VecEnv(counting_fns(CONFIGS)))
    with pytest.raises(ValueError, match=r"final_obs'\] must hold observations of shape \(1,\)"):
        VecStepRunner()(ValueAgent(num_envs=2), env, T=3)
    env.close()


def test_keyword_arguments_reach_every_choose_action_call() -> None:
    env = VecEnv(counting_fns(CONFIGS))
    agent = ValueAgent(num_envs=2)
    VecStepRunner()(agent, env, T=3, mode="eval", epsilon=0.5)
    assert [kwargs for _, kwargs in agent.calls] == [{"mode": "eval", "epsilon": 0.5}] * 3
    agent.calls.clear()
    VecStepRunner()(agent, env, T=2)
    assert [kwargs for _, kwargs in agent.calls] == [{}, {}]
    env.close()


class _Infos(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Passes every step through ``edit(infos)``, which returns the infos to report."""

    def __init__(self, env: Any, edit: Any) -> None:
        super().__init__(env)
        self.edit = edit

    def step(self, actions: Any) -> Any:
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        return observations, rewards, terminated, truncated, self.edit(infos)


def test_steps_without_infos_share_the_empty_info_and_a_non_mapping_is_refused() -> None:
    # Only the steps that end episodes report infos: 1, 2 and 3 (episode lengths 2 and 3).
    env = _Infos(VecEnv(counting_fns(CONFIGS)), lambda infos: infos if "final_obs" in infos else {})
    rollout, _ = VecStepRunner()(ValueAgent(num_envs=2), env, T=4)
    assert rollout.infos is not None
    assert [bool(info) for info in rollout.infos] == [False, True, True, True]
    assert rollout.infos[0] is EMPTY_INFO
    bad = _Infos(VecEnv(counting_fns(CONFIGS)), lambda infos: None)
    with pytest.raises(TypeError, match="each info must be a mapping, got NoneType"):
        VecStepRunner()(ValueAgent(num_envs=2), bad, T=2)
    env.close()
    bad.close()


def test_final_observations_given_as_lists_are_written_too() -> None:
    def as_lists(infos: dict[str, Any]) -> dict[str, Any]:
        if "final_obs" in infos:
            infos = {**infos, "final_obs": list(infos["final_obs"]),
                     "_final_obs": infos["_final_obs"].tolist()}  # fmt: skip
        return infos

    reference, _ = VecStepRunner()(ValueAgent(num_envs=2), VecEnv(counting_fns(CONFIGS)), T=5)
    env = _Infos(VecEnv(counting_fns(CONFIGS)), as_lists)
    rollout, _ = VecStepRunner()(ValueAgent(num_envs=2), env, T=5)
    assert _column(rollout.next_observations) == [[1, 2, 1, 2, 1], [11, 12, 13, 11, 12]]
    np.testing.assert_array_equal(rollout.next_observations, reference.next_observations)
    env.close()


def test_a_final_observation_mask_of_another_shape_is_refused_by_name() -> None:
    def long_mask(infos: dict[str, Any]) -> dict[str, Any]:
        if "_final_obs" in infos:
            infos = {**infos, "_final_obs": np.append(infos["_final_obs"], False)}
        return infos

    env = _Infos(VecEnv(counting_fns(CONFIGS)), long_mask)
    with pytest.raises(ValueError, match=r"_final_obs'\] must be a mask of shape \(2,\)"):
        VecStepRunner()(ValueAgent(num_envs=2), env, T=3)
    env.close()


class _OddVecEnv(gym.vector.VectorEnv[Any, Any, Any]):
    """Three sub-environments whose step returns the given batches (same-step autoreset)."""

    def __init__(self, **step: Any) -> None:
        self.metadata = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
        self.num_envs = 3
        self.single_observation_space = gym.spaces.Box(-1, 1, (2,), np.float32)
        self.observation_space = gym.spaces.Box(-1, 1, (3, 2), np.float32)
        self.single_action_space = gym.spaces.Discrete(2)
        self.action_space = gym.spaces.MultiDiscrete([2, 2, 2])
        self.out = {
            "obs": np.zeros((3, 2), np.float32),
            "reward": np.ones(3),
            "term": np.zeros(3, bool),
            "trunc": np.zeros(3, bool),
        } | step

    def reset(self, *, seed: Any = None, options: Any = None) -> tuple[Any, dict[str, Any]]:
        return np.zeros((3, 2), np.float32), {}

    def step(self, actions: Any) -> tuple[Any, ...]:
        out = self.out
        return out["obs"], out["reward"], out["term"], out["trunc"], {}


class _ZeroAgent:
    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        return {"raw_action": np.zeros(3, np.int64)}


@pytest.mark.parametrize(
    ("step", "error", "match"),
    [
        ({"obs": np.ones(2, np.float32)}, ValueError, r"observations of shape \(2,\), but"),
        ({"obs": np.ones((1, 2), np.float32)}, ValueError, r"observations of shape \(1, 2\)"),
        ({"reward": 1.0}, ValueError, r"rewards of 3 real numbers .* shape \(\)"),
        ({"reward": np.array(["1", "2", "3"])}, TypeError, "rewards of 3 real numbers"),
        ({"term": np.array([0, 2, 0])}, TypeError, "terminated as 3 bools.*int64"),
        ({"trunc": np.array([0.5, 0.0, 0.0])}, TypeError, "truncated as 3 bools.*float64"),
        ({"term": True}, ValueError, r"terminated as 3 bools.*shape \(\)"),
    ],
)
def test_a_vector_step_of_the_wrong_shape_or_kind_is_refused(
    step: dict[str, Any], error: type[Exception], match: str
) -> None:
    # numpy broadcast one observation or one reward over the 3 rows and read 2 or 0.5 as a
    # flag: a rollout of wrong numbers, without a word.
    with pytest.raises(error, match=match):
        VecStepRunner()(_ZeroAgent(), _OddVecEnv(**step), T=2)  # type: ignore[arg-type]


def test_lists_of_rewards_and_flags_are_read_as_arrays() -> None:
    env = _OddVecEnv(reward=[1, 2, 3], term=[False, True, False])
    rollout = VecStepRunner()(_ZeroAgent(), env, T=1).rollout  # type: ignore[arg-type]
    assert rollout.rewards.tolist() == [[1.0, 2.0, 3.0]]
    assert rollout.terminated.tolist() == [[False, True, False]]


def test_a_T_beyond_the_machine_memory_is_refused_before_allocating() -> None:
    # numpy raised its MemoryError ("Unable to allocate 218. TiB") or "array is too big".
    for T in (10**13, 2**62):
        with pytest.raises(
            ValueError, match=rf"T must be at most \d+ steps of 3 sub-environments .*, got {T}$"
        ):
            VecStepRunner()(_ZeroAgent(), _OddVecEnv(), T=T)  # type: ignore[arg-type]


class _TensorAgent:
    def __init__(self, **outputs: Any) -> None:
        self.outputs = outputs

    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        return {"raw_action": np.zeros(3, np.int64)} | {k: f() for k, f in self.outputs.items()}


def test_tensor_outputs_numpy_cannot_read_are_refused_or_widened() -> None:
    # A bfloat16 V raised torch's "Got unsupported ScalarType BFloat16", a meta one
    # "NotImplementedError: Cannot copy out of meta tensor", an action requiring grad
    # torch's RuntimeError.
    torch = pytest.importorskip("torch")
    agent = _TensorAgent(V=lambda: torch.full((3,), 0.5, dtype=torch.bfloat16))
    outputs = VecStepRunner()(agent, _OddVecEnv(), T=2).outputs  # type: ignore[arg-type]
    assert outputs["V"].dtype == np.float32
    assert outputs["V"].tolist() == [[0.5] * 3] * 2
    agent = _TensorAgent(V=lambda: torch.zeros(3, device="meta"))
    with pytest.raises(TypeError, match="output 'V' must be an array or a tensor holding data"):
        VecStepRunner()(agent, _OddVecEnv(), T=2)  # type: ignore[arg-type]

    class GradAgent:
        def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
            return {"raw_action": torch.zeros(3, requires_grad=True)}

    with pytest.raises(TypeError, match=r"raw_action must be an array of numbers .*\.detach\(\)"):
        VecStepRunner()(GradAgent(), _OddVecEnv(), T=2)  # type: ignore[arg-type]


def test_an_output_tensor_the_agent_reuses_is_copied_each_step() -> None:
    # Before: a CPU tensor's values were kept as a numpy view of its memory, so an agent
    # that refills one tensor every step left every row of outputs["V"] equal to the last.
    torch = pytest.importorskip("torch")

    class ReusingAgent:
        def __init__(self) -> None:
            self.values, self.t = torch.zeros(2), 0

        def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
            self.values.fill_(float(self.t))
            self.t += 1
            return {"raw_action": np.zeros(2, dtype=np.int64), "V": self.values}

    env = make_vec_env(lambda: gym.make("CartPole-v1"), 2, 0)
    _, outputs = VecStepRunner()(ReusingAgent(), env, T=3)
    assert outputs["V"].tolist() == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    env.close()
