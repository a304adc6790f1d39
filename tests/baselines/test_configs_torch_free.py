"""The configurations of lagom.baselines.configs: torch-free, the very classes the algorithm
modules use, and the early check of ``lagom train``'s overrides."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import typing

import attrs
import pytest

from lagom.baselines import (
    ALGORITHMS,
    BASE_CONFIGS,
    CONFIGS,
    base_config,
    check_overrides,
    config_class,
    get_algorithm,
)
from lagom.experiment import from_dotted, parse_dotted

FAMILIES = ("ppo", "ppo_lstm", "vpg", "offpolicy", "sac", "td3", "dqn", "policy_search")
#: The algorithm module that imports each configs module's names back.
ALGORITHM_MODULE = {
    "ppo": "ppo",
    "ppo_lstm": "ppo_lstm",
    "vpg": "vpg",
    "offpolicy": "common",
    "sac": "sac",
    "td3": "td3",
    "dqn": "dqn",
    "policy_search": "policy_search",
}
#: Functions of a configs module that the algorithm module has its own version of.
OWN_FUNCTIONS = {"base_config", "ddpg_base_config", "cem_base_config", "cmaes_base_config"}
OWN_FUNCTIONS |= {"openaies_base_config"}

_PROBE = """
import json, sys
import lagom.baselines as registry
for family in {families!r}:
    __import__("lagom.baselines.configs." + family)
for name in registry.CONFIGS:
    registry.config_class(name)
    registry.base_config(name)
    registry.check_overrides(name, {{"eval.episodes": 3}}, sets=["eval.episodes=2"])
errors = []
for overrides in ({{"agent.gama": 0.9}}, {{"agent.gamma": "x"}}):
    try:
        registry.check_overrides("ppo", overrides)
    except ValueError as error:
        errors.append(str(error))
print(json.dumps({{"loaded": [m for m in ("torch", "gymnasium") if m in sys.modules],
                  "errors": errors}}))
"""


def test_configs_and_the_early_check_import_neither_torch_nor_gymnasium() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(families=FAMILIES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["loaded"] == []
    assert found["errors"] == [
        "unknown config key 'agent.gama'; did you mean 'agent.gamma'?",
        "config key 'agent.gamma' expects float, got str 'x'",
    ]


def test_every_builtin_algorithm_has_a_config_class_and_a_base() -> None:
    assert set(CONFIGS) == set(ALGORITHMS) == set(BASE_CONFIGS)


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_default_config_is_an_instance_of_config_class(name: str) -> None:
    algo = get_algorithm(name)
    cls = config_class(name)
    assert cls is not None
    assert attrs.has(cls)
    assert type(algo.default_config(algo.default_env)) is cls


@pytest.mark.parametrize(
    ("name", "env_id"),
    [
        *[(name, None) for name in sorted(ALGORITHMS)],
        ("ppo", "Pendulum-v1"),
        ("ppo", "Acrobot-v1"),
        ("ppo", "InvertedPendulum-v5"),
        ("ppo_lstm", "Acrobot-v1"),
        ("vpg", "Pendulum-v1"),
        ("vpg", "Acrobot-v1"),
        ("sac", "MountainCarContinuous-v0"),
        ("td3", "MountainCarContinuous-v0"),
        ("td3", "Hopper-v5"),
        ("ddpg", "MountainCarContinuous-v0"),
        ("dqn", "Acrobot-v1"),
        ("dqn", "MinAtar/Breakout-v1"),
        ("dqn", "ALE/Pong-v5"),
        ("cem", "Pendulum-v1"),
        ("cmaes", "Acrobot-v1"),
        ("openaies", "Pendulum-v1"),
    ],
)
def test_base_config_is_what_default_config_returns(name: str, env_id: str | None) -> None:
    algo = get_algorithm(name)
    env = algo.default_env if env_id is None else env_id
    assert base_config(name, env_id) == algo.default_config(env)


@pytest.mark.parametrize("family", FAMILIES)
def test_algorithm_modules_export_the_very_same_config_objects(family: str) -> None:
    configs = importlib.import_module(f"lagom.baselines.configs.{family}")
    module = importlib.import_module(f"lagom.baselines.{ALGORITHM_MODULE[family]}")
    shared = [name for name in configs.__all__ if name not in OWN_FUNCTIONS]
    assert shared
    for name in shared:
        assert getattr(module, name) is getattr(configs, name), name
        if name != "DEFAULT_ENV":
            assert name in module.__all__, name
    for name in configs.__all__:
        value = getattr(configs, name)
        if isinstance(value, type):
            assert value.__module__ == configs.__name__


def test_constants_written_without_torch_match_their_originals() -> None:
    from lagom.baselines.configs import dqn, ppo, ppo_lstm
    from lagom.envs import MASKED_CARTPOLE_ID
    from lagom.networks import EncoderKind

    assert ppo_lstm.DEFAULT_ENV == MASKED_CARTPOLE_ID
    assert typing.get_args(ppo.EncoderKind) == typing.get_args(EncoderKind)
    assert typing.get_args(dqn.EncoderKind) == typing.get_args(EncoderKind)


def test_config_class_of_other_names() -> None:
    assert config_class("my_plugin") is None
    with pytest.raises(TypeError, match="name must be a str"):
        config_class(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'my_plugin' is not a built-in algorithm"):
        base_config("my_plugin")


def _today(
    name: str, overrides: dict[str, object], sets: list[str], env_id: str, message: str
) -> str:
    """The message of today's path (the algorithm's default_config, then parse and apply),
    checked to hold ``message``."""
    base = get_algorithm(name).default_config(env_id)
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        from_dotted(base, {**overrides, **parse_dotted(base, sets)})
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "overrides", "sets", "message"),
    [
        ("ppo", {"agent.gama": 0.9}, [], "did you mean 'agent.gamma'?"),
        ("ppo", {}, ["train.timestep=10"], "did you mean 'train.timesteps'?"),
        ("vpg", {"agent.lr": "fast"}, [], "expects float, got str 'fast'"),
        ("sac", {}, ["agent.batch_size=big"], "expects int, got 'big'"),
        ("td3", {"agent.hidden_sizes": [0]}, [], "'hidden_sizes' must be >= 1: 0"),
        ("ddpg", {"train.stop_at": True}, [], "expects int | None, got bool True"),
        ("dqn", {}, ["replay.prioritized=maybe"], "expects bool (true/false)"),
        ("ppo_lstm", {}, ["train.seq_len=5"], "train.seq_len (5) must divide"),
        ("cem", {"es.elite_ratio": 1.5}, [], "'elite_ratio' must be <= 1.0: 1.5"),
        ("openaies", {}, ["es.popsize=7"], "popsize must be even"),
        ("cmaes", {"es.popsize": 1}, [], "'popsize' must be >= 2: 1"),
        ("ppo", {}, ["agent.gamma"], "--set expects KEY=VALUE, got 'agent.gamma'"),
    ],
)
def test_check_overrides_raises_todays_messages(
    name: str, overrides: dict[str, object], sets: list[str], message: str
) -> None:
    env_id = get_algorithm(name).default_env
    expected = _today(name, overrides, sets, env_id, message)
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        check_overrides(name, overrides, sets=sets)
    assert str(caught.value) == expected


def test_check_overrides_takes_the_base_of_the_environment() -> None:
    # ppo_lstm's zoo entry has n_steps 32, its defaults 128: seq_len 64 divides only 128.
    check_overrides("ppo_lstm", {"train.seq_len": 64}, env_id="Acrobot-v1")
    check_overrides("ppo_lstm", {"train.seq_len": 64}, sets=["env.id=Acrobot-v1"])
    check_overrides("ppo_lstm", {"train.seq_len": 64, "env.id": "Acrobot-v1"})
    expected = _today(
        "ppo_lstm", {"train.seq_len": 64}, [], "lagom/MaskedCartPole-v1", "must divide"
    )
    for kwargs in ({}, {"env_id": "lagom/MaskedCartPole-v1"}):
        with pytest.raises(ValueError, match="must divide") as caught:
            check_overrides("ppo_lstm", {"train.seq_len": 64}, **kwargs)
        assert str(caught.value) == expected
    with pytest.raises(ValueError, match=r"config key 'env\.id' expects str, got int 3"):
        check_overrides("ppo", {"env.id": 3})


def test_check_overrides_accepts_good_values_and_skips_plugins() -> None:
    check_overrides("dqn", {"agent.lr": 1e-3, "ID": 4}, sets=["agent.hidden_sizes=32,32"])
    check_overrides("my_plugin", {"anything": object()}, sets=["whatever=1"])
    with pytest.raises(TypeError, match="overrides must be a dict"):
        check_overrides("ppo", ["agent.gamma=0.9"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sets must be a list of str"):
        check_overrides("ppo", {}, sets="agent.gamma=0.9")
    with pytest.raises(TypeError, match="sets must hold str"):
        check_overrides("ppo", {}, sets=[1])  # type: ignore[list-item]
