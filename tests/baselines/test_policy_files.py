"""``policy.pt``: the weights-only policy export that ``lagom eval`` and ``load_policy`` read.

A run's policy rebuilds from ``run.yml``, ``config.yml`` and ``policy.pt`` alone (the
checkpoint may be gone), and a planted pickle in ``policy.pt`` is refused without running.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lagom.baselines import get_algorithm, load_policy
from tests.payloads import Payload, marker_for, pickled

SHORT: dict[str, tuple[dict[str, Any], int]] = {
    "ppo": ({"train.timesteps": 64, "train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 1}, 4),
    "sac": (
        {"train.timesteps": 120, "agent.learning_starts": 100, "agent.batch_size": 8}
        | {"agent.hidden_sizes": [8], "eval.episodes": 1},
        3,
    ),
    "cem": ({"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 1}, 4),
}


@pytest.mark.parametrize("name", sorted(SHORT))
def test_the_policy_needs_no_checkpoint(name: str, tmp_path: Path) -> None:
    config, obs_dim = SHORT[name]
    get_algorithm(name).run(config, 0, "cpu", tmp_path)
    obs = np.random.default_rng(0).normal(size=(5, obs_dim)).astype(np.float32)
    before = np.asarray(load_policy(tmp_path)(obs))
    (tmp_path / "checkpoint.pt").unlink()
    after = np.asarray(load_policy(tmp_path)(obs))
    np.testing.assert_array_equal(before, after)
    assert after.shape[0] == 5


@pytest.mark.parametrize("name", sorted(SHORT))
def test_a_planted_pickle_in_policy_pt_is_refused_without_running(
    name: str, tmp_path: Path
) -> None:
    config, _ = SHORT[name]
    get_algorithm(name).run(config, 0, "cpu", tmp_path)
    marker = marker_for(tmp_path)
    (tmp_path / "policy.pt").write_bytes(pickled({"model": Payload(marker)}))
    with pytest.raises(ValueError, match="is not a weights-only policy file"):
        load_policy(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"\x00" * 64])
def test_an_empty_or_garbage_policy_file_is_a_clear_error(content: bytes, tmp_path: Path) -> None:
    config, _ = SHORT["cem"]
    get_algorithm("cem").run(config, 0, "cpu", tmp_path)
    (tmp_path / "policy.pt").write_bytes(content)
    with pytest.raises(ValueError, match="is not a weights-only policy file"):
        load_policy(tmp_path)


def test_a_policy_file_name_is_a_plain_pt_name_in_the_run_folder(tmp_path: Path) -> None:
    config, _ = SHORT["cem"]
    get_algorithm("cem").run(config, 0, "cpu", tmp_path)
    (tmp_path / "folder.pt").mkdir()
    (tmp_path.parent / "outside.pt").write_bytes((tmp_path / "policy.pt").read_bytes())
    for bad in (5, None, b"policy.pt"):
        with pytest.raises(TypeError, match="name must be a str"):
            load_policy(tmp_path, name=bad)  # type: ignore[arg-type]
    for text in ("", "policy", ".pt", "../outside.pt", str(tmp_path.parent / "outside.pt")):
        with pytest.raises(ValueError, match=r"name must be a file name ending in \.pt"):
            load_policy(tmp_path, name=text)
    for absent in ("missing.pt", "folder.pt"):
        with pytest.raises(ValueError, match=f"holds no {re.escape(absent)}"):
            load_policy(tmp_path, name=absent)


@pytest.mark.parametrize("name", ["ppo", "sac"])
def test_a_policy_file_that_does_not_fit_its_config_is_a_value_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: KeyError ('model', 'actor') for a file without the algorithm's tensors, and
    # torch's "size mismatch ... in loading state_dict" for a config.yml of other sizes.
    import torch
    import yaml

    from lagom.cli import main

    config, _ = SHORT[name]
    get_algorithm(name).run(config, 0, "cpu", tmp_path)
    policy = (tmp_path / "policy.pt").read_bytes()
    torch.save({"a": torch.zeros(2)}, tmp_path / "policy.pt")
    with pytest.raises(ValueError, match=f"policy.pt does not fit the {name} policy .*KeyError"):
        load_policy(tmp_path)
    (tmp_path / "policy.pt").write_bytes(policy)
    saved = yaml.safe_load((tmp_path / "config.yml").read_text())
    saved["agent.hidden_sizes"] = [5, 5]
    (tmp_path / "config.yml").write_text(yaml.safe_dump(saved))
    with pytest.raises(ValueError, match=r"policy\.pt does not fit .*RuntimeError"):
        load_policy(tmp_path)
    assert main(["eval", str(tmp_path), "--episodes", "1"]) == 2
    assert capsys.readouterr().err.startswith("lagom: error: ")


#: A short run of each loader: ``policy_search`` serves CEM, CMA-ES and OpenAI-ES, ``td3``
#: TD3 and DDPG, ``ppo`` PPO (and, through its ``load_policy``, VPG, tested apart).
LOADERS: dict[str, tuple[dict[str, Any], int]] = SHORT | {
    "vpg": ({"train.timesteps": 32, "env.num_envs": 2, "eval.episodes": 1}, 4),
    "ppo_lstm": ({"train.timesteps": 8, "train.n_steps": 8, "eval.episodes": 1}, 2),
    "td3": (
        {"train.timesteps": 60, "agent.learning_starts": 40, "agent.hidden_sizes": [4]}
        | {"eval.episodes": 1},
        3,
    ),
    "dqn": ({"train.timesteps": 50, "agent.hidden_sizes": [4], "eval.episodes": 1}, 4),
}


@pytest.mark.parametrize("algo", sorted(LOADERS))
def test_each_loader_reads_the_policy_file_it_is_named(algo: str, tmp_path: Path) -> None:
    config, obs_dim = LOADERS[algo]
    get_algorithm(algo).run(config, 0, "cpu", tmp_path)
    obs = np.random.default_rng(1).normal(size=(6, obs_dim)).astype(np.float32)
    trained = np.asarray(load_policy(tmp_path)(obs))
    with pytest.raises(ValueError, match=re.escape(f"{tmp_path} holds no best_policy.pt")):
        load_policy(tmp_path, name="best_policy.pt")
    # The trained weights as best_policy.pt, and no policy.pt that could stand in for it.
    (tmp_path / "policy.pt").rename(tmp_path / "best_policy.pt")
    (tmp_path / "policy.pt").write_bytes(b"not a torch file")
    best = np.asarray(load_policy(tmp_path, name="best_policy.pt")(obs))
    np.testing.assert_array_equal(best, trained)
    with pytest.raises(ValueError, match=re.escape(f"{tmp_path / 'policy.pt'} is not a weights")):
        get_algorithm(algo).make_policy(tmp_path, "cpu")


def test_a_loader_without_the_name_keyword_reads_only_policy_pt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plug-in written before make_policy took ``name``: policy.pt still loads through it,
    # another file is refused by name rather than passed where it is not understood.
    import attrs

    import lagom.baselines
    from lagom.baselines import Algorithm, common

    @attrs.frozen
    class NoConfig:
        steps: int = 1

    def act(obs: Any) -> Any:
        return np.zeros(len(obs), dtype=np.int64)

    old = Algorithm(
        name="old",
        summary="a plug-in of an earlier lagom",
        run=lambda config, seed, device, logdir: {},
        default_config=lambda env_id: NoConfig(),
        default_env="CartPole-v1",
        action_spaces=("discrete",),
        make_policy=lambda run_dir, device: act,
    )
    monkeypatch.setattr(lagom.baselines, "get_algorithm", lambda name: old)
    common.start_run(tmp_path, "old", NoConfig(), 0)
    assert load_policy(tmp_path) is act
    message = "old's make_policy reads only policy.pt (it takes no name keyword), not best_"
    with pytest.raises(ValueError, match=re.escape(message)):
        load_policy(tmp_path, name="best_policy.pt")
