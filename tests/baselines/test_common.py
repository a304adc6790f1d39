"""``lagom.baselines.common``: bad inputs are clear errors; the run folder round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lagom.baselines import common
from lagom.baselines.ppo import PPOConfig, default_config


def test_device_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert common.choose_device("cpu") == torch.device("cpu")
    for bad in ("gpu", "mps", 3):
        with pytest.raises(ValueError, match="unknown device"):
            common.choose_device(bad)  # type: ignore[arg-type]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="has no CUDA device"):
        common.choose_device("cuda:0")


def test_resolve_config_checks_env_id_and_passes_typed_configs_through() -> None:
    typed = PPOConfig()
    assert common.resolve_config(default_config, typed, "CartPole-v1") is typed
    with pytest.raises(ValueError, match=r"config key 'env\.id' expects str, got int 3"):
        common.resolve_config(default_config, {"env.id": 3}, "CartPole-v1")


@pytest.mark.parametrize("rows", [-1, True, 1.5])
def test_progress_rows_must_be_a_count(rows: object, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rows must be an int >= 0"):
        common.progress_logger(tmp_path, rows=rows)  # type: ignore[arg-type]


@pytest.mark.parametrize("rows", [2, 5])
def test_a_torn_last_row_never_survives_the_cut(rows: int, tmp_path: Path) -> None:
    # A process killed mid-write leaves "3,0." without its newline.
    (tmp_path / common.PROGRESS_FILE).write_text("iteration,x\n1,0.5\n2,0.7\n3,0.")
    if rows > 2:  # the checkpoint holds more iterations than the log's 2 whole rows
        with pytest.warns(RuntimeWarning, match=r"holds 2 whole rows, fewer than the 5"):
            logger = common.progress_logger(tmp_path, rows=rows)
    else:
        logger = common.progress_logger(tmp_path, rows=rows)
    common.write_row(logger, {"iteration": 3, "x": 0.9})
    text = (tmp_path / common.PROGRESS_FILE).read_text()
    assert text == "iteration,x\n1,0.5\n2,0.7\n3,0.9\n"


def test_save_policy_takes_tensors_only(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"policy tensor 'net\.w' must be a tensor"):
        common.save_policy(tmp_path, {"net": {"w": [1.0, 2.0]}})
    assert not (tmp_path / common.POLICY_FILE).exists()


def test_run_info_refuses_an_older_layout(tmp_path: Path) -> None:
    (tmp_path / common.RUN_INFO_FILE).write_text("algorithm: ppo\nseed: 0\nconfig: {}\n")
    with pytest.raises(ValueError, match=r"written by an older lagom .* train it again"):
        common.read_run_info(tmp_path)


def test_run_info_names_a_newer_layout_and_bad_fields(tmp_path: Path) -> None:
    (tmp_path / common.CONFIG_FILE).write_text("env.id: CartPole-v1\n")
    info = tmp_path / common.RUN_INFO_FILE
    info.write_text("algorithm: ppo\nseed: 0\nformat: 99\n")
    with pytest.raises(ValueError, match=r"written by a newer lagom \(run folder format 99"):
        common.read_run_info(tmp_path)
    info.write_text("algorithm: ppo\nseed: abc\nformat: 3\n")
    with pytest.raises(ValueError, match=r"run.yml must name the algorithm .* seed 'abc'"):
        common.read_run_info(tmp_path)  # before: int()'s "invalid literal", naming nothing
    info.write_text("- 1\n")
    with pytest.raises(ValueError, match="must hold a mapping"):
        common.read_run_info(tmp_path)
    # Before: a seed out of range was named without the file, an empty config.yml "missing".
    info.write_text("algorithm: ppo\nseed: -5\nformat: 3\n")
    with pytest.raises(ValueError, match=r"run.yml must hold a seed in \[0, 2\*\*32 - 1\], got -5"):
        common.read_run_info(tmp_path)
    info.write_text("algorithm: ppo\nseed: 5\nformat: 3\n")
    (tmp_path / common.CONFIG_FILE).write_text("")
    with pytest.raises(
        ValueError, match=r"config.yml must hold the run's configuration .* got None"
    ):
        common.read_run_info(tmp_path)


def test_a_run_of_an_older_format_is_not_resumed(tmp_path: Path) -> None:
    (tmp_path / common.RUN_INFO_FILE).write_text("algorithm: ppo\nseed: 0\nformat: 2\n")
    (tmp_path / common.CHECKPOINT_FILE).write_bytes(b"old")
    with pytest.raises(ValueError, match=r"older lagom \(run folder format 2, .* train it again"):
        common.start_run(tmp_path, "ppo", default_config("CartPole-v1"), seed=0)
    assert "format: 2" in (tmp_path / common.RUN_INFO_FILE).read_text()


def test_random_states_survive_a_checkpoint(tmp_path: Path) -> None:
    import random

    import numpy as np
    import torch

    common.save_checkpoint(tmp_path, {"rng": common.rng_state()})
    expected = (random.random(), np.random.rand(), float(torch.rand(1)))  # noqa: NPY002
    state = common.load_checkpoint(tmp_path)
    assert state is not None
    common.restore_rng_state(state["rng"])
    assert (random.random(), np.random.rand(), float(torch.rand(1))) == expected  # noqa: NPY002
    with pytest.raises(ValueError, match="not the random generators' state"):
        common.restore_rng_state({"python": (3, [1, 2], None)})


def test_the_run_folder_config_round_trips(tmp_path: Path) -> None:
    config = default_config("Pendulum-v1")
    common.start_run(tmp_path, "ppo", config, seed=7)
    assert common.load_run_config(tmp_path, default_config) == config
    assert common.read_run_info(tmp_path).seed == 7


def test_start_run_removes_what_a_killed_process_left_half_written(tmp_path: Path) -> None:
    # A process killed during atomic_write (kill -9) leaves its temporary file; a resumed
    # run deletes it (a checkpoint's is as large as the checkpoint) and keeps everything else.
    logdir = tmp_path / "run"
    logdir.mkdir()
    left = logdir / ".checkpoint.pt.4194304.0123abcd.tmp"  # no process has that PID
    left.write_bytes(b"x" * 1000)
    (logdir / "notes.txt").write_text("mine")
    common.start_run(logdir, "ppo", PPOConfig(), 0)
    assert sorted(p.name for p in logdir.iterdir()) == ["config.yml", "notes.txt", "run.yml"]


def test_a_sweep_removes_what_a_killed_process_left_half_written(tmp_path: Path) -> None:
    from lagom.experiment import Config, run_experiment

    left = tmp_path / ".sweep.yml.4194304.0123abcd.tmp"
    left.write_text("seeds: [")
    results = run_experiment(lambda config, seed, device, logdir: seed, Config({}), [0], tmp_path)
    assert results == [0]
    assert not left.exists()
    assert (tmp_path / "sweep.yml").is_file()
