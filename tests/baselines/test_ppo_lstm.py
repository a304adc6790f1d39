"""Tests of lagom.baselines.ppo_lstm: state resets, replay, resume, the command line."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import attrs
import gymnasium as gym
import numpy as np
import pytest
import torch

from lagom.baselines import get_algorithm
from lagom.baselines.ppo_lstm import (
    ALGORITHM,
    DEFAULT_ENV,
    AgentConfig,
    EnvConfig,
    PPOLSTMConfig,
    RecurrentActorCritic,
    TrainConfig,
    collect,
    default_config,
    make_train_env,
    replay,
    update,
)
from lagom.cli import main
from lagom.envs import MaskVelocity
from lagom.networks import StackedLSTM
from lagom.utils import Seeder
from tests.baselines._files import FINISHED_RUN, run_files
from tests.baselines.test_ppo import check_resume, rows

#: Masked CartPole cut at 12 steps: episodes end by truncation as well as by termination.
SHORT = "lagom-test/MaskedCartPoleShort-v1"


def _short(**kwargs: Any) -> gym.Env[Any, Any]:
    return MaskVelocity(gym.make("CartPole-v1", **kwargs))


if SHORT not in gym.registry:
    gym.register(SHORT, entry_point=_short, max_episode_steps=12)
#: A seed whose first episode of SHORT under the seed-2 policy is truncated at 12 steps.
SEED_12 = 2
# 4 envs x 16 steps = 64 per iteration, 4 iterations.
SMALL = {
    "env.num_envs": 4,
    "train.n_steps": 16,
    "train.seq_len": 8,
    "train.batch_size": 32,
    "train.n_epochs": 2,
    "train.timesteps": 256,
    "train.checkpoint_every": 1,
    "eval.episodes": 2,
    "agent.lstm_hidden_size": 16,
    "agent.hidden_sizes": (16,),
}


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _model(shared: bool = False, layers: int = 1) -> RecurrentActorCritic:
    agent = AgentConfig(lstm_hidden_size=16, lstm_layers=layers, shared_lstm=shared)
    space = gym.spaces.Box(-np.inf, np.inf, (2,), dtype=np.float32)
    return RecurrentActorCritic(space, gym.spaces.Discrete(2), agent, "cpu")


@pytest.mark.parametrize(("shared", "layers"), [(False, 1), (True, 2)])
def test_state_is_reset_at_every_episode_end(shared: bool, layers: int) -> None:
    """Each episode's log-probabilities equal those of the LSTM's own forward pass from a zero
    state over that episode alone; carrying the state over instead would change them."""
    torch.manual_seed(0)
    model = _model(shared, layers)
    train_env = make_train_env(EnvConfig(id=SHORT, num_envs=3), model, seed=0)
    collect(model, train_env, 5, 0.99, 0.95)  # start mid-episode, from a nonzero state
    batch = collect(model, train_env, 40, 0.99, 0.95)
    starts = batch.starts.numpy().astype(bool)
    lstm = model.lstms[0]
    assert isinstance(lstm, StackedLSTM)
    checked = 0
    for n in range(3):
        bounds = [*np.flatnonzero(starts[:, n]), len(starts)]
        assert len(bounds) >= 4  # several ends (12-step limit), truncations among them
        for t0, t1 in itertools.pairwise(bounds):
            with torch.no_grad():
                out, _ = lstm(batch.observations[t0:t1, n : n + 1])
                logp, _ = model.log_prob_entropy(
                    model.policy_params(out[:, 0]), batch.actions[t0:t1, n]
                )
            torch.testing.assert_close(logp, batch.log_probs[t0:t1, n], rtol=0, atol=1e-5)
            checked += t1 - t0
        # The steps before the first start continue the previous rollout's episode.
        first = bounds[0]
        if first > 0:
            with torch.no_grad():
                out, _ = lstm(batch.observations[:first, n : n + 1])
                logp, _ = model.log_prob_entropy(
                    model.policy_params(out[:, 0]), batch.actions[:first, n]
                )
            assert not torch.allclose(logp, batch.log_probs[:first, n], atol=1e-5)
    assert checked >= 60


def test_the_encoder_keeps_the_scale_the_layer_normed_lstm_drops() -> None:
    """Without an encoder the LSTM's layer-normed input gates see ``x`` and ``3x`` alike;
    with ``agent.encoder_sizes`` the LSTM reads ``activation(MLP(x))`` and tells them apart."""
    torch.manual_seed(0)
    space = gym.spaces.Box(-np.inf, np.inf, (2,), dtype=np.float32)
    obs = torch.tensor([[[0.5, -0.2]], [[1.5, -0.6]]])  # [T=2, B=1, D]: x, then 3x
    starts = torch.ones(2, 1)  # each step from a zero state
    plain = RecurrentActorCritic(space, gym.spaces.Discrete(2), AgentConfig(), "cpu")
    with torch.no_grad():
        out, _ = plain.unroll(0, obs, starts, plain.initial_state(1)[0])
    torch.testing.assert_close(out[0], out[1], rtol=0, atol=1e-3)
    agent = AgentConfig(encoder_sizes=(8,), activation="relu")
    encoded = RecurrentActorCritic(space, gym.spaces.Discrete(2), agent, "cpu")
    assert len(encoded.encoders) == 2  # the actor's and the critic's LSTM: one each
    with torch.no_grad():
        out, _ = encoded.unroll(1, obs, starts, encoded.initial_state(1)[1])
        layer = cast(torch.nn.Linear, cast(torch.nn.ModuleList, encoded.encoders[1])[0])
        lstm = encoded.lstms[1]
        expected, _ = lstm(torch.relu(layer(obs[:1])))
        expected3, _ = lstm(torch.relu(layer(obs[1:])))
    assert not torch.allclose(out[0], out[1], atol=1e-3)
    torch.testing.assert_close(out[0], expected[0], rtol=0, atol=1e-5)
    torch.testing.assert_close(out[1], expected3[0], rtol=0, atol=1e-5)


def test_episode_starts_follow_terminations_and_truncations() -> None:
    """``starts[t]`` is ``done[t-1]`` as the environments report it."""
    model = _model()
    train_env = make_train_env(EnvConfig(id=SHORT, num_envs=2), model, seed=1)
    dones: list[np.ndarray] = []
    step = train_env.env.step

    def recording_step(action: Any) -> Any:
        out = step(action)
        dones.append(np.asarray(out[2]) | np.asarray(out[3]))
        return out

    train_env.env.step = recording_step  # type: ignore[method-assign, assignment]
    batch = collect(model, train_env, 30, 0.99, 0.95)
    expected = np.vstack([np.ones((1, 2), dtype=bool), np.array(dones[:-1])])
    np.testing.assert_array_equal(batch.starts.numpy().astype(bool), expected)


@pytest.mark.parametrize(
    ("shared", "seq_len", "encoder"),
    [(False, None, ()), (False, 8, ()), (True, 4, ()), (False, 8, (8,)), (True, 16, (8, 4))],
)
def test_replayed_log_probs_equal_collected_ones_before_any_update(
    shared: bool, seq_len: int | None, encoder: tuple[int, ...]
) -> None:
    """The sequences replay from their stored initial states: ratio exactly 1 at first."""
    torch.manual_seed(1)
    agent = AgentConfig(lstm_hidden_size=16, shared_lstm=shared, encoder_sizes=encoder)
    space = gym.spaces.Box(-np.inf, np.inf, (2,), dtype=np.float32)
    model = RecurrentActorCritic(space, gym.spaces.Discrete(2), agent, "cpu")
    train_env = make_train_env(EnvConfig(id=SHORT, num_envs=4), model, seed=2)
    collect(model, train_env, 16, 0.99, 0.95)
    batch = collect(model, train_env, 16, 0.99, 0.95)
    config = PPOLSTMConfig(
        env=EnvConfig(id=SHORT, num_envs=4),
        agent=agent,
        train=TrainConfig(n_steps=16, seq_len=seq_len, batch_size=64, n_epochs=1),
    )
    from lagom.baselines.ppo_lstm import _sequences

    S = config.train.sequence_length
    seqs = _sequences(batch, S)
    with torch.no_grad():
        log_probs, _, values = replay(model, seqs)
    assert torch.equal(log_probs, seqs.log_probs)
    torch.testing.assert_close(values, seqs.values, rtol=0, atol=1e-5)
    # One minibatch, one epoch: the ratio of the only step is exactly 1.
    optimizer = torch.optim.Adam(model.parameters())
    stats = update(model, optimizer, batch, config, clip_range=0.2)
    assert stats["approx_kl"] == 0.0
    assert stats["clip_fraction"] == 0.0


def test_truncated_steps_bootstrap_from_the_final_observation() -> None:
    """With γ = λ = 1, the targets of an episode truncated at 12 steps are the rewards to go
    plus V(final observation) from the critic state after the last step, recomputed here by
    the LSTM's own forward pass over the episode and its final observation."""
    torch.manual_seed(2)
    model = _model()
    train_env = make_train_env(EnvConfig(id=SHORT, num_envs=1), model, seed=SEED_12)
    batch = collect(model, train_env, 12, 1.0, 1.0)
    assert not batch.starts[1:].any()  # one episode, 12 steps long
    env = gym.make(SHORT)
    obs, _ = env.reset(seed=Seeder(SEED_12)(1)[0])
    observations = [obs]
    for action in batch.actions[:, 0].tolist():
        obs, _, terminated, truncated, _ = env.step(action)
        observations.append(obs)
    assert truncated
    assert not terminated
    np.testing.assert_array_equal(np.array(observations[:12]), batch.observations[:, 0].numpy())
    critic = model.lstms[1]
    assert isinstance(critic, StackedLSTM)
    with torch.no_grad():
        out, _ = critic(torch.as_tensor(np.array(observations))[:, None])
        v = model.value(out[:, 0])
    expected = torch.arange(12, 0, -1, dtype=torch.float32) + v[12]
    torch.testing.assert_close(batch.returns[:, 0], expected, rtol=0, atol=1e-4)


def test_smoke_run_through_the_command_line(tmp_path: Path) -> None:
    args = ["train", "ppo_lstm", "--steps", "128", "--log-dir", str(tmp_path), "--quiet"]
    sets = [f"{k}={v}" for k, v in SMALL.items() if k != "train.timesteps"]
    for item in sets:
        args += ["--set", item.replace(" ", "")]
    assert main(args) == 0
    run_dir = tmp_path / "0" / "0"
    assert run_files(run_dir) - {".lock"} == FINISHED_RUN
    assert [int(r["timesteps"]) for r in rows(run_dir)] == [64, 128]
    policy = get_algorithm("ppo_lstm").make_policy(run_dir, "cpu")
    assert policy(np.zeros((5, 2), dtype=np.float32)).shape == (5,)


def test_stop_and_resume_equals_straight_training(tmp_path: Path) -> None:
    check_resume(ALGORITHM, {**SMALL, "train.checkpoint_every": 100}, 128, tmp_path)


def test_defaults_train_on_masked_cartpole() -> None:
    config = default_config()
    assert DEFAULT_ENV == "lagom/MaskedCartPole-v1" == config.env.id
    assert ALGORITHM.default_env == DEFAULT_ENV
    assert attrs.evolve(config.train, seq_len=8).sequence_length == 8
    with pytest.raises(ValueError, match="must divide"):
        TrainConfig(n_steps=32, seq_len=6)
