"""run_experiment on a folder whose files a crash or another user damaged: a clear
``ValueError`` naming the file, never a YAML parser's traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagom.experiment import run_experiment
from tests.experiment._jobs import calls, expected, record

CONFIGS = [{"ID": 0, "x": 1}]


@pytest.mark.parametrize("text", [b"a: [\n", b"\xff\xfe x: 1\n"], ids=["not-yaml", "not-utf8"])
def test_a_damaged_config_file_is_refused_by_name(tmp_path: Path, text: bytes) -> None:
    run_experiment(record, CONFIGS, [0], tmp_path, None, progress=False)
    path = tmp_path / "0" / "config.yml"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=r"0/config.yml is not a readable YAML file.*overwrite"):
        run_experiment(record, CONFIGS, [0], tmp_path, None, progress=False)
    assert path.read_bytes() == text  # refused before anything was written
    assert calls(tmp_path / "0" / "0") == 1
    # overwrite=True runs the sweep afresh over it.
    results = run_experiment(record, CONFIGS, [0], tmp_path, None, overwrite=True, progress=False)
    assert results == [expected(CONFIGS[0], 0, "cpu")]
    assert calls(tmp_path / "0" / "0") == 1


def test_a_sweep_stopped_before_its_journal_is_compacted_still_reruns_a_changed_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A resumable key changed (lagom train's train.stop_at): the finished job must run again.
    # The call ends (killed, a full disk) after the sweep's first writes: the same call
    # again must still run it, not read back the result of the old configuration.
    from lagom.experiment import _layout

    run_experiment(record, [{"ID": 0, "stop": 1}], [0], tmp_path, None, progress=False)
    changed = [{"ID": 0, "stop": 2}]

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(_layout, "compact", full_disk)
        with pytest.raises(OSError, match="No space left"):
            run_experiment(
                record, changed, [0], tmp_path, None, progress=False, resumable_keys=["stop"]
            )
    run_experiment(record, changed, [0], tmp_path, None, progress=False, resumable_keys=["stop"])
    assert calls(tmp_path / "0" / "0") == 2


def test_a_deleted_config_file_lends_no_result_to_another_configuration(tmp_path: Path) -> None:
    run_experiment(record, CONFIGS, [0], tmp_path, None, progress=False)
    (tmp_path / "0" / "config.yml").unlink()
    changed = [{"ID": 0, "x": 2}]
    results = run_experiment(record, changed, [0], tmp_path, None, progress=False)
    assert results == [expected(changed[0], 0, "cpu")]  # not the result of x=1
    assert calls(tmp_path / "0" / "0") == 2
