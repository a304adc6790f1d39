"""``lagom eval --stochastic`` and ``--render``: sampled actions, seeded; frames counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from gymnasium.error import DependencyNotInstalled

from lagom.baselines import get_algorithm, td3
from lagom.baselines.common import start_run
from lagom.cli import main
from lagom.cli._early import UsageError
from lagom.cli._eval import stochastic_policy


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A barely trained PPO run on CartPole: its policy is far from deterministic."""
    log_dir = tmp_path_factory.mktemp("eval") / "ppo"
    argv = ["train", "ppo", "--steps", "256", "--set", "train.n_steps=32", "--quiet"]
    assert main([*argv, "--set", "eval.episodes=1", "--log-dir", str(log_dir)]) == 0
    return log_dir / "0" / "0"


def _metrics(out: str) -> dict[str, str]:
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in out.splitlines())
    }


def _softmax_policy(run_dir: Path, obs: np.ndarray) -> np.ndarray:
    """pi(.|obs) of the saved actor by hand: tanh MLP, linear head, softmax (the zoo's
    CartPole configuration standardizes no observations)."""
    import torch

    state = torch.load(run_dir / "policy.pt", weights_only=True)["model"]
    w = {key: value.double().numpy() for key, value in state.items()}
    x = obs
    for i in (0, 1):
        x = np.tanh(x @ w[f"actor.{i}.weight"].T + w[f"actor.{i}.bias"])
    logits = x @ w["policy_out.weight"].T + w["policy_out.bias"]
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return np.asarray(e / e.sum(-1, keepdims=True))


def test_stochastic_policy_samples_pi(run_dir: Path) -> None:
    n = 4000
    obs = np.array([[0.01, -0.02, 0.03, 0.01], [0.0, 0.5, 0.2, 1.5]])
    for row in obs:
        batch = np.tile(row, (n, 1))
        sampled = stochastic_policy("ppo", run_dir, "cpu", seed=0)(batch)
        p = _softmax_policy(run_dir, row[None])[0, 1]
        # The share of action 1 within 5 standard errors of pi(1|s).
        assert abs(sampled.mean() - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-9
        # Seeded: the same draws again.
        again = stochastic_policy("ppo", run_dir, "cpu", seed=0)(batch)
        np.testing.assert_array_equal(sampled, again)
    # The deterministic policy is the mode of the same pi.
    modes = get_algorithm("ppo").make_policy(run_dir, "cpu")(obs)
    np.testing.assert_array_equal(modes, _softmax_policy(run_dir, obs).argmax(-1))


def test_eval_stochastic_is_seeded_and_differs_from_the_mode(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", str(run_dir), "--episodes", "5"]
    assert main(argv) == 0
    deterministic = _metrics(capsys.readouterr().out)
    assert main([*argv, "--stochastic"]) == 0
    stochastic = _metrics(capsys.readouterr().out)
    assert main([*argv, "--stochastic"]) == 0
    assert _metrics(capsys.readouterr().out) == stochastic
    assert stochastic["episodes"] == deterministic["episodes"] == "5.00"
    # Same reset seeds, different actions: the episodes differ.
    assert stochastic != deterministic


def test_stochastic_is_refused_for_a_deterministic_algorithm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start_run(tmp_path, "td3", td3.default_config(), 0)
    assert main(["eval", str(tmp_path), "--stochastic"]) == 2
    assert capsys.readouterr().err == (
        "lagom: error: --stochastic: td3 trains a deterministic policy; it applies to "
        "ppo, sac, vpg\n"
    )
    with pytest.raises(UsageError, match="td3 trains a deterministic policy"):
        stochastic_policy("td3", tmp_path, "cpu", 0)


def test_render_rgb_array_counts_one_frame_per_reset_and_step(
    run_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # CartPole draws with pygame, which need not be installed: a blank frame of its size.
    def render(self: CartPoleEnv) -> np.ndarray | None:
        return np.zeros((400, 600, 3), np.uint8) if self.render_mode == "rgb_array" else None

    monkeypatch.setattr(CartPoleEnv, "render", render)
    assert main(["eval", str(run_dir), "--episodes", "3", "--render", "rgb_array"]) == 0
    metrics = _metrics(capsys.readouterr().out)
    steps = round(float(metrics["horizon_mean"]) * 3)
    assert metrics["frames"] == f"{steps + 3} (shape 400x600x3)"


def test_render_without_its_dependency_is_one_line(
    run_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def render(self: CartPoleEnv) -> None:
        raise DependencyNotInstalled("pygame is not installed")

    monkeypatch.setattr(CartPoleEnv, "render", render)
    assert main(["eval", str(run_dir), "--episodes", "1", "--render", "human"]) == 2
    assert capsys.readouterr().err == "lagom: error: --render human: pygame is not installed\n"
