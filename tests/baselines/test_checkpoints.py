"""Checkpoints carry a checksum; the newest two are kept; a corrupt newest one falls back to
the previous with a warning naming it; both corrupt is a clear error. They hold data only
(read with ``torch.load(weights_only=True)``): a planted pickle, even one framed with a valid
checksum, is refused without running, by ``load_checkpoint``, by a resumed run and by
``lagom train``."""

from __future__ import annotations

import collections
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from lagom.baselines import get_algorithm
from lagom.baselines.common import load_checkpoint, save_checkpoint
from lagom.cli import main
from tests.payloads import Payload, marker_for, pickled, signed_checkpoint, torch_saved


def _flip(path: Path, offset: int = -9) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: _flip(p),  # one flipped byte deep inside
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b""),  # empty
        lambda p: p.write_bytes(b"\x80\x04K\x01."),  # a bare pickle, not a checkpoint
    ],
    ids=["flipped", "truncated", "empty", "foreign"],
)
def test_a_damaged_newest_checkpoint_falls_back_to_the_previous(damage, tmp_path: Path) -> None:
    save_checkpoint(tmp_path, {"iteration": 1})
    save_checkpoint(tmp_path, {"iteration": 2})
    damage(tmp_path / "checkpoint.pt")
    with pytest.warns(RuntimeWarning, match=r"checkpoint .*checkpoint\.pt cannot be read.*prev"):
        assert load_checkpoint(tmp_path) == {"iteration": 1}


def test_both_damaged_is_a_clear_error(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, {"iteration": 1})
    save_checkpoint(tmp_path, {"iteration": 2})
    (tmp_path / "checkpoint.pt").write_bytes(b"")
    _flip(tmp_path / "checkpoint.prev.pt")
    with pytest.raises(ValueError, match=r"checksum does not match.*remove them to start"):
        load_checkpoint(tmp_path)


def test_eight_overwritten_bytes_are_noticed(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, {"iteration": 1, "w": list(range(1000))})
    path = tmp_path / "checkpoint.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8] = b"\x00" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum does not match"):
        load_checkpoint(tmp_path)


def test_a_run_resumes_from_the_previous_checkpoint_when_the_newest_is_corrupt(
    tmp_path: Path,
) -> None:
    algo = get_algorithm("cem")
    config = {"train.generations": 6, "train.max_episode_steps": 20, "es.popsize": 8}
    config |= {"eval.episodes": 2, "train.checkpoint_every": 2}
    straight = algo.run(config, 0, "cpu", tmp_path / "straight")
    run_dir = tmp_path / "killed"
    assert algo.run({**config, "train.stop_at": 5}, 0, "cpu", run_dir) == {}
    _flip(run_dir / "checkpoint.pt")  # generation 5's; generation 4's is the previous one
    with pytest.warns(RuntimeWarning, match="checkpoint.pt cannot be read"):
        resumed = algo.run(config, 0, "cpu", run_dir)
    assert resumed == straight
    rows = (run_dir / "progress.csv").read_text().splitlines()
    assert len(rows) == 1 + 6  # generation 5 was dropped with its checkpoint and ran again


def test_numpy_values_come_back_with_their_dtype_and_shape(tmp_path: Path) -> None:
    state = {
        "u16": np.arange(5, dtype=np.uint16) * 13_000,
        "u32": np.array([2**32 - 1, 0], dtype=np.uint32),
        "u64": np.array([2**64 - 1, 1], dtype=np.uint64),
        "bool": np.array([[True, False]]),
        "half": np.array([0.5, -2.0], dtype=np.float16),
        "strided": np.arange(12.0).reshape(3, 4)[:, ::2],
        "zero_d": np.array(7, dtype=np.int8),
        "empty": np.zeros((2, 0), dtype=np.uint32),
        "complex": np.array([1 + 2j, -3j]),
        "big_endian": np.arange(3, dtype=">i4"),
        "large_u16": np.arange(70_000, dtype=np.uint16),  # over 64 KiB: stored as a tensor
        "large_f32": np.linspace(0, 1, 50_000, dtype=np.float32).reshape(500, 100),
        "scalar": np.float32(1.25),
        "nested": [(1, np.int64(2)), {"k": [np.zeros((0, 3), np.float32)]}],
        "tensor": torch.arange(3),
        "plain": (None, True, 2, 3.5, "s", b"b"),
    }
    save_checkpoint(tmp_path, state)
    loaded = load_checkpoint(tmp_path)
    assert loaded is not None
    arrays = ["u16", "u32", "u64", "bool", "half", "strided", "zero_d", "empty", "complex"]
    for key in [*arrays, "big_endian", "large_u16", "large_f32"]:
        assert loaded[key].dtype == state[key].dtype, key
        assert loaded[key].shape == state[key].shape, key
        assert loaded[key].flags.writeable, key
        np.testing.assert_array_equal(loaded[key], state[key])
    assert type(loaded["scalar"]) is np.float32
    assert loaded["scalar"] == 1.25
    (pair, inner) = loaded["nested"]
    assert type(pair) is tuple
    assert type(pair[1]) is np.int64
    assert pair == (1, 2)
    assert inner["k"][0].shape == (0, 3)
    assert inner["k"][0].dtype == np.float32
    assert torch.equal(loaded["tensor"], torch.arange(3))
    assert loaded["plain"] == state["plain"]


def test_a_malformed_numpy_value_falls_back_to_the_previous_checkpoint(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, {"iteration": 1})
    tag = {"__numpy__": b"\x00" * 8, "dtype": "<f8", "shape": [3]}  # 8 bytes for 3 floats
    save_checkpoint(tmp_path, {"iteration": 2, "x": tag})
    with pytest.warns(RuntimeWarning, match="a numpy value in the checkpoint is malformed"):
        assert load_checkpoint(tmp_path) == {"iteration": 1}


@pytest.mark.parametrize(
    ("value", "where", "what"),
    [
        (object(), r"state\['bad'\]", "builtins.object"),
        ([1, lambda x: x], r"state\['bad'\]\[1\]", "function"),
        (np.array(["a"]), r"state\['bad'\]", "dtype <U1"),
        (np.array([None]), r"state\['bad'\]", "dtype object"),
        ({(1, 2): 3}, r"state\['bad'\]", r"key \(1, 2\)"),
        (collections.deque([1]), r"state\['bad'\]", "collections.deque"),
    ],
    ids=["object", "lambda", "str-array", "object-array", "tuple-key", "deque"],
)
def test_what_is_not_data_is_refused_when_saving(
    value: object, where: str, what: str, tmp_path: Path
) -> None:
    with pytest.raises(TypeError, match=f"checkpoint value {where} .*{what}"):
        save_checkpoint(tmp_path, {"bad": value})
    assert not (tmp_path / "checkpoint.pt").exists()


def test_a_state_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="state must be a mapping, got list"):
        save_checkpoint(tmp_path, [1, 2])  # type: ignore[arg-type]


# Planted pickles: torch.save of an object that runs code, and a bare pickle of one, each
# framed as a well-formed checkpoint (magic line and a matching SHA-256).
PLANTS: dict[str, Callable[[Path], bytes]] = {
    "torch-save": lambda marker: signed_checkpoint(torch_saved({"x": Payload(marker)})),
    "bare-pickle": lambda marker: signed_checkpoint(pickled({"x": Payload(marker)})),
    "unframed": lambda marker: torch_saved({"x": Payload(marker)}),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_newest_checkpoint_is_refused_and_the_previous_used(
    plant: str, tmp_path: Path
) -> None:
    marker = marker_for(tmp_path)
    save_checkpoint(tmp_path, {"iteration": 1})
    save_checkpoint(tmp_path, {"iteration": 2})
    (tmp_path / "checkpoint.pt").write_bytes(PLANTS[plant](marker))
    with pytest.warns(RuntimeWarning, match=r"checkpoint\.pt cannot be read: .*prev"):
        assert load_checkpoint(tmp_path) == {"iteration": 1}
    assert not marker.exists()


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_planted_checkpoints_are_refused_without_running(plant: str, tmp_path: Path) -> None:
    marker = marker_for(tmp_path)
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):
        (tmp_path / name).write_bytes(PLANTS[plant](marker))
    why = "never loads" if plant != "unframed" else "not a lagom checkpoint"
    with pytest.raises(ValueError, match=f"{why}.*remove them to start the run over"):
        load_checkpoint(tmp_path)
    assert not marker.exists()


RESUMABLE: dict[str, dict[str, Any]] = {
    "ppo": {"train.timesteps": 64, "train.n_steps": 16, "env.num_envs": 2, "eval.episodes": 1},
    "sac": {"train.timesteps": 120, "agent.learning_starts": 100, "agent.batch_size": 8}
    | {"agent.hidden_sizes": [8], "eval.episodes": 1},
    "cem": {"train.generations": 2, "train.max_episode_steps": 20, "eval.episodes": 1},
}


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_a_run_resuming_from_planted_checkpoints_refuses_them(name: str, tmp_path: Path) -> None:
    marker = marker_for(tmp_path)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for file in ("checkpoint.pt", "checkpoint.prev.pt"):
        (run_dir / file).write_bytes(PLANTS["torch-save"](marker))
    with pytest.raises(ValueError, match="holds more than tensors and plain data"):
        get_algorithm(name).run(RESUMABLE[name], 0, "cpu", run_dir)
    assert not marker.exists()


def test_lagom_train_over_planted_checkpoints_fails_the_job_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = marker_for(tmp_path)
    run_dir = tmp_path / "logs" / "0" / "0"
    run_dir.mkdir(parents=True)
    for file in ("checkpoint.pt", "checkpoint.prev.pt"):
        (run_dir / file).write_bytes(PLANTS["bare-pickle"](marker))
    argv = ["train", "cem", "--steps", "2", "--log-dir", str(tmp_path / "logs")]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "failed: ID 0 seed 0" in out
    assert "checkpoint.pt cannot be read: it holds more than tensors and plain data" in out
    assert not marker.exists()


_TINY_PPO = {
    "train.timesteps": 32,
    "train.n_steps": 16,
    "env.num_envs": 2,
    "agent.hidden_sizes": (4,),
    "eval.episodes": 1,
}


@pytest.mark.parametrize(
    ("name", "config", "seed", "match"),
    [
        ("vpg", _TINY_PPO, 0, "holds a ppo run of seed 0, not vpg of seed 0"),
        ("ppo", _TINY_PPO, 5, "holds a ppo run of seed 0, not ppo of seed 5"),
        ("sac", {"train.timesteps": 32}, 0, "holds a ppo run of seed 0, not sac"),
        (
            "ppo",
            {**_TINY_PPO, "agent.hidden_sizes": (8,)},
            0,
            r"another configuration \(agent.hidden_sizes: \[4\] -> \[8\]\)",
        ),
    ],
)
def test_a_run_folder_resumes_only_its_own_run(
    name: str, config: dict[str, Any], seed: int, match: str, tmp_path: Path
) -> None:
    # Before: another algorithm, seed or configuration rewrote run.yml and config.yml and
    # resumed (or crashed on) the folder's checkpoint, leaving it corrupted.
    run_dir = tmp_path / "run"
    get_algorithm("ppo").run(_TINY_PPO, 0, "cpu", run_dir)
    files = {path.name: path.read_bytes() for path in run_dir.iterdir() if path.is_file()}
    with pytest.raises(ValueError, match=match):
        get_algorithm(name).run(config, seed, "cpu", run_dir)
    assert {path.name: path.read_bytes() for path in run_dir.iterdir() if path.is_file()} == files
    # Only where it stops early may change: the finished run answers again.
    again = get_algorithm("ppo").run({**_TINY_PPO, "train.stop_at": 16}, 0, "cpu", run_dir)
    assert again["episodes"] == 1.0


def test_a_logdir_that_cannot_be_a_folder_is_a_value_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for logdir in ("", blocker, blocker / "sub"):
        with pytest.raises(ValueError, match="logdir"):
            get_algorithm("ppo").run(_TINY_PPO, 0, "cpu", logdir)


def test_a_save_after_a_fallback_keeps_the_good_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_checkpoint(tmp_path, {"iteration": 1})
    save_checkpoint(tmp_path, {"iteration": 2})
    _flip(tmp_path / "checkpoint.pt")
    with pytest.warns(RuntimeWarning, match="resuming from the previous one"):
        assert load_checkpoint(tmp_path) == {"iteration": 1}

    # The run goes on and checkpoints; a kill during that write must leave the checkpoint it
    # resumed from readable (rotating the corrupt newest one over it would leave none).
    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    import lagom.baselines.common as common

    monkeypatch.setattr(common, "atomic_write", killed)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path, {"iteration": 3})
    monkeypatch.undo()
    with pytest.warns(RuntimeWarning, match="resuming from the previous one"):
        assert load_checkpoint(tmp_path) == {"iteration": 1}
    # Once a good checkpoint is written, rotation is back to normal.
    save_checkpoint(tmp_path, {"iteration": 3})
    save_checkpoint(tmp_path, {"iteration": 4})
    assert load_checkpoint(tmp_path) == {"iteration": 4}
    (tmp_path / "checkpoint.pt").unlink()
    assert load_checkpoint(tmp_path) == {"iteration": 3}
