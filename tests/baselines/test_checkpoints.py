"""Checkpoints carry a checksum; the newest two are kept; a corrupt newest one falls back to
the previous with a warning naming it; both corrupt is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagom.baselines import get_algorithm
from lagom.baselines.common import load_checkpoint, save_checkpoint


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
