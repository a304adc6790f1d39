"""The master side of a sweep's folder: ``config.yml`` per ID, ``sweep.yml``, resuming (private).

Layout of ``log_dir``::

    log_dir/sweep.yml          the whole sweep: seeds, configurations, jobs (readable)
    log_dir/<ID>/config.yml    one configuration
    log_dir/<ID>/<seed>/       one job's folder, passed to ``run`` as ``logdir``
    log_dir/<ID>/<seed>/error.txt  the traceback, if the job failed
    log_dir/.journal/          the finished jobs' results (see lagom.experiment._journal)
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lagom.experiment._jobs import Job
from lagom.experiment._journal import Entry, compact, journal_files, read_journal
from lagom.utils.serialize import atomic_write, yaml_load

__all__ = ["check_configs", "plain", "plan_jobs", "resume", "write_configs", "write_sweep"]

# More journal files than this (one per worker process and run) are merged into one.
_MAX_JOURNAL_FILES = 32

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

#: The file naming a sweep's folder: seeds, configurations and jobs (``lagom plot`` looks
#: for it).
SWEEP_FILE = "sweep.yml"


def _stable_repr(dumper: Any, value: object) -> Any:
    """YAML for a value that is not plain data: a readable text stable across runs."""
    if callable(value) and hasattr(value, "__qualname__"):
        text = f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    else:
        # Object reprs embed memory addresses, which would make a resumed sweep mismatch.
        text = _ADDRESS.sub("", repr(value))
    return dumper.represent_str(text)


def _represent_numpy(dumper: Any, value: np.generic | np.ndarray) -> Any:
    return dumper.represent_data(value.tolist())


@functools.cache
def _dumper() -> type[Any]:
    """A safe YAML dumper for plain data and numpy values, writing anything else as text."""
    import yaml

    # libyaml's emitter is about 3x faster than the pure-Python one (200 jobs: 9 vs 30 ms).
    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):  # type: ignore[misc, valid-type]
        pass

    numpy_scalar: type[Any] = np.generic  # abstract: mypy refuses it as a concrete type
    _Dumper.add_multi_representer(numpy_scalar, _represent_numpy)
    _Dumper.add_representer(np.ndarray, _represent_numpy)
    _Dumper.add_multi_representer(object, _stable_repr)
    return _Dumper


def _to_yaml(obj: object, flow_leaves: bool = False) -> str:
    import yaml

    text: str = yaml.dump(
        obj, Dumper=_dumper(), sort_keys=False, default_flow_style=None if flow_leaves else False
    )
    return text


def plain(obj: object) -> Any:
    """``obj`` as the plain data its YAML file reads back as (for comparing configurations)."""
    import yaml

    return yaml.safe_load(_to_yaml(obj))


def plan_jobs(
    configs: Sequence[Mapping[str, Any]], seeds: Sequence[int], log_dir: Path, devices: list[str]
) -> list[Job]:
    """All jobs in job order (configurations outer, seeds inner), devices round-robin."""
    jobs: list[Job] = []
    for config in configs:
        for seed in seeds:
            index = len(jobs)
            key = f"{config['ID']}/{int(seed)}"
            device = devices[index % len(devices)]
            jobs.append(Job(index, dict(config), int(seed), device, log_dir / key, key))
    return jobs


def resume(
    log_dir: Path, jobs: Sequence[Job], overwrite: bool, rerun: Collection[int] = ()
) -> dict[int, Any]:
    """The results of the jobs already finished, by job index, read from the journal.

    A record counts while its job's folder exists and its result reads as JSON; with
    ``overwrite`` none of this sweep's records count, nor those of the configuration IDs in
    ``rerun``. Records that no longer count are
    removed from the journal (so none is left for a job about to run), keeping those of
    other jobs in ``log_dir`` whose folders exist.
    """
    entries = read_journal(log_dir)
    ours = {job.key: job for job in jobs}
    keep: dict[str, Entry] = {}
    finished: dict[int, Any] = {}
    for key, entry in entries.items():
        job = ours.get(key)
        if job is None:
            if (log_dir / key).is_dir():
                keep[key] = entry
            continue
        if overwrite or job.config["ID"] in rerun or not job.logdir.is_dir():
            continue
        try:
            finished[job.position] = json.loads(entry.result)
        except (ValueError, RecursionError):  # unreadable: run it again
            continue
        keep[key] = entry
    if len(keep) < len(entries) or len(journal_files(log_dir)) > _MAX_JOURNAL_FILES:
        compact(log_dir, keep)
    return finished


def check_configs(
    configs: Sequence[Mapping[str, Any]],
    log_dir: Path,
    overwrite: bool,
    resumable_keys: Collection[str] = (),
) -> tuple[dict[int, str], set[int]]:
    """Compare each configuration with its ``log_dir/<ID>/config.yml``; refuse to resume
    into a different configuration. Nothing is written (:func:`write_configs` writes).

    Returns:
        The text of each ``config.yml`` to write, by ID (those equal to the file on disk
        left out), and the IDs whose configuration differs from its file in
        ``resumable_keys`` alone, or which have no file: their jobs run again (each from
        what its folder holds), even those the journal records as finished.

    Raises:
        ValueError: without ``overwrite``, a ``config.yml`` on disk differs from the
            configuration given for that ID or is not YAML; or a configuration holds a
            string that is not valid Unicode.
    """
    import yaml

    texts: dict[int, str] = {}
    changed: set[int] = set()
    for config in configs:
        try:
            text = _to_yaml(dict(config))
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"configuration ID {config['ID']} holds a string that is not valid Unicode "
                f"and cannot be written to config.yml ({error}); a lone surrogate such as "
                "'\\udcff' comes from os.fsdecode of a file name that is not UTF-8"
            ) from None
        path = log_dir / str(config["ID"]) / "config.yml"
        if not path.exists():
            # Deleted, or never written: the journal's results of this ID may be those of
            # another configuration, so its jobs run again (each from what its folder holds).
            changed.add(config["ID"])
        else:
            try:
                on_disk = yaml_load(path)
            except ValueError as error:  # torn or not YAML: not a configuration to resume
                if not overwrite:
                    raise ValueError(
                        f"{error}; pass overwrite=True to run the sweep afresh, or choose "
                        "another log_dir"
                    ) from None
                on_disk = None
            given = yaml.safe_load(text)
            if on_disk == given:
                continue
            if _without(on_disk, resumable_keys) == _without(given, resumable_keys):
                changed.add(config["ID"])
            elif not overwrite:
                raise ValueError(
                    f"{path} holds a different configuration than the one given for ID "
                    f"{config['ID']} ({_first_difference(on_disk, given)}); "
                    "pass overwrite=True to run the sweep afresh, or choose another log_dir"
                )
        texts[config["ID"]] = text
    return texts, changed


def write_configs(
    texts: Mapping[int, str], log_dir: Path, jobs: Sequence[Job], overwrite: bool
) -> None:
    """Write each ``log_dir/<ID>/config.yml`` of ``texts`` (:func:`check_configs`).

    With ``overwrite`` the folders of this sweep's jobs are deleted first (nothing else in
    ``log_dir`` is touched), so every job starts from an empty folder. A sweep calls this
    after :func:`resume` has dropped the journal's records of the jobs to run again: a
    sweep ended in between (killed, a full disk) still finds them changed when called again.
    """
    if overwrite:
        for job in jobs:
            if job.logdir.exists():
                shutil.rmtree(job.logdir)
    for ID, text in texts.items():
        folder = log_dir / str(ID)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "config.yml", text.encode("utf-8"), fsync=False)


def _without(config: object, keys: Collection[str]) -> object:
    """``config`` without ``keys`` (a mapping; anything else as it is)."""
    if not isinstance(config, dict):
        return config
    return {key: value for key, value in config.items() if key not in keys}


def _first_difference(on_disk: object, given: Mapping[str, Any]) -> str:
    if not isinstance(on_disk, dict):
        return f"the file holds {type(on_disk).__name__}, not a mapping"
    for key in [*given, *on_disk]:
        if on_disk.get(key, "<missing>") != given.get(key, "<missing>"):
            disk_value, given_value = on_disk.get(key, "<missing>"), given.get(key, "<missing>")
            return f"{key!r}: {disk_value!r} on disk, {given_value!r} given"
    return "no item differs"


def write_sweep(
    configs: Sequence[Mapping[str, Any]], seeds: Sequence[int], log_dir: Path, jobs: Sequence[Job]
) -> None:
    """Write ``log_dir/sweep.yml``: seeds, configurations and jobs, in job order.

    The jobs are written one flow mapping a line, by hand: their values are integers and
    strings (JSON strings are YAML), and a YAML emitter takes 30 us a job.
    """
    head = _to_yaml(
        {"seeds": [int(seed) for seed in seeds], "configs": [dict(c) for c in configs]},
        flow_leaves=True,
    )
    lines = [head, "jobs:\n"] if jobs else [head, "jobs: []\n"]
    for job in jobs:
        item = {"ID": job.config["ID"], "seed": job.seed, "device": job.device, "logdir": job.key}
        lines.append("- {" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in item.items()) + "}\n")
    atomic_write(log_dir / SWEEP_FILE, "".join(lines).encode("utf-8"), fsync=False)
