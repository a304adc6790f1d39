"""``lagom train``'s checks that answer before torch or gymnasium is imported.

Each case runs ``lagom.cli.main`` in a fresh Python (``python -c``) and records, at the time
of its one-line error, whether ``torch`` or ``gymnasium`` sits in ``sys.modules``: what is
measured is the import, not the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lagom.baselines import ALGORITHMS, get_algorithm
from lagom.cli._early import BUILTIN_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]

#: Runs each argv of argv[1] (JSON) through main(), in order, in this one process; prints
#: per case the exit status, stdout, stderr and whether torch/gymnasium were imported.
_PROBE = r"""
import contextlib, io, json, sys
from lagom.cli import main
cases = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as done:
            rc = done.code
    cases.append({"rc": rc, "out": out.getvalue(), "err": err.getvalue(),
                  "torch": "torch" in sys.modules, "gymnasium": "gymnasium" in sys.modules})
print(json.dumps(cases))
"""

#: Writes what was imported when the first line reached stdout, then runs main(argv[1]).
_FIRST_LINE = r"""
import json, sys
from lagom.cli import main

class Stream:
    def __init__(self):
        self.text, self.first = "", None
    def write(self, s):
        if self.first is None and s:
            self.first = {"torch": "torch" in sys.modules, "gymnasium": "gymnasium" in sys.modules}
        self.text += s
        return len(s)
    def flush(self):
        pass

stream, real = Stream(), sys.stdout
sys.stdout = stream
rc = main(json.loads(sys.argv[1]))
sys.stdout = real
print(json.dumps({"rc": rc, "out": stream.text, "first": stream.first}))
"""


def _python(script: str, payload: object, cwd: Path, missing: list[str] | None = None) -> object:
    """Run ``script`` with ``payload`` (JSON) in a fresh Python; with ``missing``, those
    packages cannot be imported there (as where their extra is not installed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", script, json.dumps(payload)]
    if missing is not None:
        argv = [sys.executable, "-c", _WITHOUT + script, json.dumps(payload), json.dumps(missing)]
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout.splitlines()[-1])


CASES: list[tuple[list[str], str]] = [
    (["train", "ppo", "--steps", "0"], "--steps must be a positive integer, got 0"),
    (["train", "ppo", "--steps", "1.5"], "--steps expects a positive integer, got '1.5'"),
    (["train", "ppo", "--seeds", "-1"], "--seeds must lie in [0, 4294967295], got -1"),
    (["train", "ppo", "--seeds", "x"], "--seeds expects integers, got 'x'"),
    (["train", "ppo", "--seeds", "1", "1"], "--seeds must be distinct, got [1, 1]"),
    (["train", "ppo", "--workers", "0"], "--workers must be a positive integer, got 0"),
    (["train", "ppo", "--device", "gpu"], "--device expects cpu, cuda or cuda:N, got 'gpu'"),
    (["train", "ppo", "--log-dir", "a_file"], "--log-dir a_file is a file, not a folder"),
    (["train", "ppo", "--log-dir", "a_file/x"], "a_file is a file, not a folder"),
    (["train", "ppo", "--set", "oops"], "--set expects KEY=VALUE, got 'oops'"),
    (["train", "ppo", "--set", "=3"], "--set expects KEY=VALUE, got '=3'"),
    (["train", "ppo", "--config", "missing.yml"], "--config missing.yml: no such file"),
    (["train", "ppo", "--config", "bad.yml"], "--config bad.yml is not valid YAML (line 2)"),
    (["train", "ppo", "--config", "list.yml"], "must hold a mapping of config keys, got list"),
    (["train", "ppo", "--config", "twice.yml"], "'agent.gamma' is given twice"),
    (["train", "ppo", "--config", "same.yml"], "'agent.gamma' is given twice"),
    (["train", "ppo", "--config", "a_folder"], "--config a_folder is a folder, not a YAML file"),
    (["train", "ppo", "--config", "intkey.yml"], "keys must be non-empty text, got 1"),
    (["train", "nope"], "unknown algorithm 'nope'; choose one of: cem, cmaes"),
    # Keys and values against the typed configuration (lagom.baselines.configs: no torch).
    (["train", "ppo", "--set", "agent.gama=0.9"], "did you mean 'agent.gamma'?"),
    (["train", "sac", "--set", "agent.batch_size=big"], "'agent.batch_size' expects int"),
    (["train", "cem", "--set", "es.elite_ratio=1.5"], "'elite_ratio' must be <= 1.0: 1.5"),
    (["train", "ppo_lstm", "--set", "train.seq_len=5"], "train.seq_len (5) must divide"),
    (["train", "dqn", "--log", "wandb"], "unknown log sink 'wandb'"),
    (["train", "ppo", "--set", "eval.every=-1"], "'every' must be >= 0: -1"),
    (["train", "ppo", "--bogus"], "unrecognized arguments: --bogus"),
    (["show", "nope"], "unknown algorithm 'nope'"),
    (["show", "ppo", "--env", ""], "--env must name an environment, got an empty string"),
    (["plot", ".", "--out", ""], "--out must name a file, got an empty string"),
    (["eval", "."], ". is not a run folder: it has no run.yml"),
    (["eval", ".", "--episodes", "0"], "--episodes must be a positive integer, got 0"),
    (["eval", ".", "--render", "tv"], "--render invalid choice: 'tv'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """All cases in one Python process, in a folder holding the files they name."""
    folder = tmp_path_factory.mktemp("early")
    (folder / "a_file").write_text("")
    (folder / "bad.yml").write_text("agent.gamma: 0.9\n  oops: [1\n")
    (folder / "list.yml").write_text("- agent.gamma\n")
    (folder / "twice.yml").write_text("agent.gamma: 0.9\nagent:\n  gamma: 0.8\n")
    (folder / "intkey.yml").write_text("1: 2\n")
    # The same key twice in one mapping: YAML keeps the last one without a word.
    (folder / "same.yml").write_text("agent.gamma: 0.9\nagent.gamma: 0.8\n")
    (folder / "a_folder").mkdir()
    result = _python(_PROBE, [argv for argv, _ in CASES], folder)
    assert isinstance(result, list)
    return result


@pytest.mark.parametrize(("index", "message"), [(i, m) for i, (_, m) in enumerate(CASES)])
def test_answered_in_one_line_before_torch_and_gymnasium(
    probed: list[dict[str, object]], index: int, message: str
) -> None:
    case = probed[index]
    assert case["rc"] == 2, CASES[index][0]
    err = str(case["err"])
    assert err.startswith("lagom: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert case["out"] == ""
    # Earlier cases ran in the same process: an import by any of them shows here too.
    assert case["torch"] is False
    assert case["gymnasium"] is False


def test_version_is_the_installed_one(tmp_path: Path) -> None:
    from importlib import metadata

    import lagom

    try:
        expected = metadata.version("lagom")
    except metadata.PackageNotFoundError:
        expected = lagom.__version__
    result = _python(_PROBE, [["--version"]], tmp_path)
    assert isinstance(result, list)
    assert result[0]["rc"] == 0
    assert result[0]["out"] == f"lagom {expected}\n"
    assert result[0]["torch"] is False


def test_the_header_comes_before_torch(tmp_path: Path) -> None:
    # The environment check fails (it needs gymnasium, after the header), so nothing trains.
    argv = ["train", "dqn", "--seeds", "3", "4", "--env", "NoSuchEnv-v0"]
    result = _python(_FIRST_LINE, argv, tmp_path)
    assert isinstance(result, dict)
    assert result["rc"] == 2
    assert result["out"] == (
        "lagom: train dqn on NoSuchEnv-v0, 1,000,000 steps, seeds [3, 4], "
        "logs in logs/dqn-NoSuchEnv-v0\n"
    )
    assert result["first"] == {"torch": False, "gymnasium": False}


def test_the_header_names_env_and_steps_from_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "f.yml").write_text("env:\n  id: Acrobot-v1\ntrain.generations: 7\n")
    # No device 7 on this machine: refused after the header, so nothing trains.
    argv = ["train", "cem", "--config", "f.yml", "--device", "cuda:7", "--log-dir", "out"]
    result = _python(_FIRST_LINE, argv, tmp_path)
    assert isinstance(result, dict)
    assert (
        result["out"] == "lagom: train cem on Acrobot-v1, 7 generations, seeds [0], logs in out\n"
    )
    assert result["first"] == {"torch": False, "gymnasium": False}


def test_quiet_prints_no_header(tmp_path: Path) -> None:
    argv = ["train", "ppo", "--quiet", "--set", "agent.gama=0.9"]
    result = _python(_FIRST_LINE, argv, tmp_path)
    assert isinstance(result, dict)
    assert result["rc"] == 2
    assert result["out"] == ""


@pytest.mark.parametrize("name", sorted(BUILTIN_DEFAULTS))
def test_builtin_defaults_match_the_records(name: str) -> None:
    # An algorithm missing from the table still works: its header waits for its module.
    assert name in ALGORITHMS
    algo = get_algorithm(name)
    assert BUILTIN_DEFAULTS[name] == (algo.default_env, algo.steps_key)


def test_an_unknown_environment_is_answered_before_torch(tmp_path: Path) -> None:
    result = _python(_PROBE, [["train", "ppo", "--env", "NoSuchEnv-v0"]], tmp_path)
    assert isinstance(result, list)
    assert result[0]["rc"] == 2
    assert result[0]["err"].startswith("lagom: error: unknown environment 'NoSuchEnv-v0'")
    assert result[0]["torch"] is False  # gymnasium's registry is needed, torch is not


#: _PROBE with the packages of argv[2] (JSON) made unimportable, as where their extra is not
#: installed (``sys.modules[name] = None``: importing it raises ModuleNotFoundError).
_WITHOUT = "import json, sys\nfor name in json.loads(sys.argv[2]):\n    sys.modules[name] = None\n"


@pytest.mark.parametrize(
    ("missing", "argv", "message"),
    [
        (["gymnasium"], ["list"], 'lagom list needs the gymnasium package: pip install "lagom'),
        (["gymnasium"], ["train", "ppo"], "lagom train needs the gymnasium package"),
        (["matplotlib"], ["plot", "."], 'needs the matplotlib package: pip install "lagom'),
        (["yaml"], ["train", "ppo"], 'needs the yaml package: pip install "lagom[all]"'),
        (["torch"], ["show", "ppo"], "install the torch build you want first"),
        (["tensorboard"], ["train", "ppo", "--log", "tensorboard"], '"lagom[tensorboard]"'),
    ],
)
def test_a_missing_extra_is_one_line_naming_what_to_install(
    tmp_path: Path, missing: list[str], argv: list[str], message: str
) -> None:
    (tmp_path / "0" / "0").mkdir(parents=True)  # a sweep folder for plot (no runs yet)
    result = _python(_PROBE, [argv], tmp_path, missing)
    assert isinstance(result, list)
    case = result[0]
    assert case["rc"] == 2
    err = str(case["err"])
    assert err.startswith("lagom: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_version_needs_no_yaml(tmp_path: Path) -> None:
    result = _python(_PROBE, [["--version"], ["train", "ppo", "--steps", "0"]], tmp_path, ["yaml"])
    assert isinstance(result, list)
    assert result[0]["rc"] == 0
    assert str(result[0]["out"]).startswith("lagom ")
    assert result[1]["rc"] == 2
    assert "--steps must be a positive integer" in str(result[1]["err"])
