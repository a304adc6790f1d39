"""Reference algorithms built from lagom parts, and their registry.

Each algorithm is one module that reads top to bottom: its frozen config, its networks,
collection, update and a plain loop (``ppo``, ``vpg``, ``sac``, ``td3`` with DDPG, ``dqn``,
``policy_search`` with CEM, CMA-ES and OpenAI-ES), all built on
:mod:`lagom.baselines.common`. Each defines an :class:`Algorithm` record. Other packages add
algorithms through the entry-point group ``lagom.algorithms`` (see ``docs/plugins.rst``);
``lagom list`` and ``lagom train NAME`` find them there.

The registry imports a module only when its algorithm is asked for, so listing the names
needs neither torch nor gymnasium. Each built-in algorithm's configuration classes live in
:mod:`lagom.baselines.configs`, which imports neither: :func:`config_class` and
:func:`base_config` reach them by name, and :func:`check_overrides` checks ``lagom train``'s
``--set`` and ``--config`` keys and values before the algorithm's module is imported.

Example:
    >>> from lagom.baselines import list_algorithms
    >>> "ppo" in list_algorithms()
    True
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, overload

from attrs import AttrsInstance

from lagom._checks import check_path, check_str
from lagom.baselines.algorithm import POLICY_FILE, Algorithm, PolicyFn, PolicyLoader, RunFn

if TYPE_CHECKING:  # entry points, and the classes base_config returns (its overloads)
    from importlib import metadata

    from lagom.baselines.configs.dqn import DQNConfig
    from lagom.baselines.configs.policy_search import CEMConfig, CMAESConfig, OpenAIESConfig
    from lagom.baselines.configs.ppo import PPOConfig
    from lagom.baselines.configs.ppo_lstm import PPOLSTMConfig
    from lagom.baselines.configs.sac import SACConfig
    from lagom.baselines.configs.td3 import TD3Config
    from lagom.baselines.configs.vpg import VPGConfig

__all__ = [
    "ALGORITHMS",
    "BASE_CONFIGS",
    "CONFIGS",
    "ENTRY_POINT_GROUP",
    "Algorithm",
    "PolicyFn",
    "PolicyLoader",
    "RunFn",
    "base_config",
    "check_overrides",
    "config_class",
    "get_algorithm",
    "list_algorithms",
    "load_policy",
]

#: Built-in algorithm name -> ``"module:ATTRIBUTE"`` of its :class:`Algorithm` record.
ALGORITHMS: dict[str, str] = {
    "ppo": "lagom.baselines.ppo:ALGORITHM",
    "ppo_lstm": "lagom.baselines.ppo_lstm:ALGORITHM",
    "vpg": "lagom.baselines.vpg:ALGORITHM",
    "sac": "lagom.baselines.sac:ALGORITHM",
    "td3": "lagom.baselines.td3:ALGORITHM",
    "ddpg": "lagom.baselines.td3:DDPG_ALGORITHM",
    "dqn": "lagom.baselines.dqn:ALGORITHM",
    "cem": "lagom.baselines.policy_search:CEM_ALGORITHM",
    "cmaes": "lagom.baselines.policy_search:CMAES_ALGORITHM",
    "openaies": "lagom.baselines.policy_search:OPENAIES_ALGORITHM",
}

_CONFIGS = "lagom.baselines.configs"

#: Built-in algorithm name -> ``"module:CLASS"`` of its configuration class, in a module of
#: :mod:`lagom.baselines.configs` (importable without torch or gymnasium).
CONFIGS: dict[str, str] = {
    "ppo": f"{_CONFIGS}.ppo:PPOConfig",
    "ppo_lstm": f"{_CONFIGS}.ppo_lstm:PPOLSTMConfig",
    "vpg": f"{_CONFIGS}.vpg:VPGConfig",
    "sac": f"{_CONFIGS}.sac:SACConfig",
    "td3": f"{_CONFIGS}.td3:TD3Config",
    "ddpg": f"{_CONFIGS}.td3:TD3Config",
    "dqn": f"{_CONFIGS}.dqn:DQNConfig",
    "cem": f"{_CONFIGS}.policy_search:CEMConfig",
    "cmaes": f"{_CONFIGS}.policy_search:CMAESConfig",
    "openaies": f"{_CONFIGS}.policy_search:OpenAIESConfig",
}

#: Built-in algorithm name -> ``"module:FUNCTION"``: ``FUNCTION(env_id)`` is the configuration
#: the algorithm's ``default_config(env_id)`` returns, built without creating the environment
#: (its default environment when called with no argument).
BASE_CONFIGS: dict[str, str] = {
    "ppo": f"{_CONFIGS}.ppo:base_config",
    "ppo_lstm": f"{_CONFIGS}.ppo_lstm:base_config",
    "vpg": f"{_CONFIGS}.vpg:base_config",
    "sac": f"{_CONFIGS}.sac:base_config",
    "td3": f"{_CONFIGS}.td3:base_config",
    "ddpg": f"{_CONFIGS}.td3:ddpg_base_config",
    "dqn": f"{_CONFIGS}.dqn:base_config",
    "cem": f"{_CONFIGS}.policy_search:cem_base_config",
    "cmaes": f"{_CONFIGS}.policy_search:cmaes_base_config",
    "openaies": f"{_CONFIGS}.policy_search:openaies_base_config",
}

#: The entry-point group in which other packages register their algorithms.
ENTRY_POINT_GROUP = "lagom.algorithms"


def _plugins() -> dict[str, metadata.EntryPoint]:
    # Imported here: the lagom command reads this package's file names on its way to a
    # quick error, before any algorithm is looked up.
    from importlib import metadata

    found = metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {ep.name: ep for ep in found if ep.name not in ALGORITHMS}


def list_algorithms() -> list[str]:
    """Names of the built-in algorithms and of the installed plug-ins, sorted.

    A plug-in cannot replace a built-in algorithm: an entry point under a built-in name is
    ignored.

    Example:
        >>> list_algorithms()[:3]
        ['cem', 'cmaes', 'ddpg']
    """
    return sorted({*ALGORITHMS, *_plugins()})


def get_algorithm(name: str) -> Algorithm:
    """The :class:`Algorithm` record registered under ``name`` (built in or a plug-in).

    Raises:
        ValueError: ``name`` is not registered (the message lists the algorithms).
        TypeError: ``name`` is not a str, or a plug-in's entry point does not load to an
            :class:`Algorithm`.

    Example:
        >>> get_algorithm("ppo").name
        'ppo'
        >>> get_algorithm("nope")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown algorithm 'nope'; choose one of: cem, cmaes, ddpg, ...
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (an algorithm's name), got {type(name).__name__}")
    if name in ALGORITHMS:
        module, _, attribute = ALGORITHMS[name].partition(":")
        algorithm = getattr(importlib.import_module(module), attribute)
        where = ALGORITHMS[name]
    else:
        plugin = _plugins().get(name)
        if plugin is None:
            raise ValueError(
                f"unknown algorithm {name!r}; choose one of: {', '.join(list_algorithms())}"
            )
        algorithm = plugin.load()
        where = f"entry point {plugin.value!r} of group {ENTRY_POINT_GROUP!r}"
    if not isinstance(algorithm, Algorithm):
        raise TypeError(f"{where} must be a lagom.baselines.Algorithm, got {type(algorithm)!r}")
    if algorithm.name != name:
        raise ValueError(
            f"{where} registers {name!r} but its Algorithm is named {algorithm.name!r}"
        )
    return algorithm


def _load(where: str) -> object:
    module, _, attribute = where.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (an algorithm's name), got {type(name).__name__}")
    return name


@overload
def config_class(name: Literal["ppo"]) -> type[PPOConfig]: ...
@overload
def config_class(name: Literal["ppo_lstm"]) -> type[PPOLSTMConfig]: ...
@overload
def config_class(name: Literal["vpg"]) -> type[VPGConfig]: ...
@overload
def config_class(name: Literal["sac"]) -> type[SACConfig]: ...
@overload
def config_class(name: Literal["td3", "ddpg"]) -> type[TD3Config]: ...
@overload
def config_class(name: Literal["dqn"]) -> type[DQNConfig]: ...
@overload
def config_class(name: Literal["cem"]) -> type[CEMConfig]: ...
@overload
def config_class(name: Literal["cmaes"]) -> type[CMAESConfig]: ...
@overload
def config_class(name: Literal["openaies"]) -> type[OpenAIESConfig]: ...
@overload
def config_class(name: str) -> type[AttrsInstance] | None: ...
def config_class(name: str) -> type[AttrsInstance] | None:
    """The configuration class of the built-in algorithm ``name``, imported from
    :mod:`lagom.baselines.configs` without torch or gymnasium; ``None`` for any other name
    (a plug-in's configuration is known only once its module is imported).

    Raises:
        TypeError: ``name`` is not a str.

    Example:
        >>> config_class("ppo")
        <class 'lagom.baselines.configs.ppo.PPOConfig'>
        >>> config_class("ddpg").__name__, config_class("my_plugin") is None
        ('TD3Config', True)
    """
    if _check_name(name) not in CONFIGS:
        return None
    cls = _load(CONFIGS[name])
    if not isinstance(cls, type):
        raise TypeError(f"{CONFIGS[name]!r} must be a configuration class, got {cls!r:.60}")
    return cls


@overload
def base_config(name: Literal["ppo"], env_id: str | None = None) -> PPOConfig: ...
@overload
def base_config(name: Literal["ppo_lstm"], env_id: str | None = None) -> PPOLSTMConfig: ...
@overload
def base_config(name: Literal["vpg"], env_id: str | None = None) -> VPGConfig: ...
@overload
def base_config(name: Literal["sac"], env_id: str | None = None) -> SACConfig: ...
@overload
def base_config(name: Literal["td3", "ddpg"], env_id: str | None = None) -> TD3Config: ...
@overload
def base_config(name: Literal["dqn"], env_id: str | None = None) -> DQNConfig: ...
@overload
def base_config(name: Literal["cem"], env_id: str | None = None) -> CEMConfig: ...
@overload
def base_config(name: Literal["cmaes"], env_id: str | None = None) -> CMAESConfig: ...
@overload
def base_config(name: Literal["openaies"], env_id: str | None = None) -> OpenAIESConfig: ...
@overload
def base_config(name: str, env_id: str | None = None) -> AttrsInstance: ...
def base_config(name: str, env_id: str | None = None) -> AttrsInstance:
    """The configuration the built-in algorithm ``name``'s ``default_config(env_id)`` returns
    (its zoo's tuned values, else its defaults with ``env.id`` set), built without torch,
    gymnasium or the environment: ``env_id`` is not checked to exist or to suit ``name``.

    Args:
        name: a built-in algorithm (a key of :data:`BASE_CONFIGS`).
        env_id: the environment; ``None``: the algorithm's default one.

    Raises:
        TypeError: ``name`` or ``env_id`` is not a str.
        ValueError: ``name`` is not a built-in algorithm.

    Example:
        >>> base_config("ppo", "Pendulum-v1").env.num_envs, base_config("sac").env.id
        (4, 'Pendulum-v1')
        >>> base_config("ddpg").agent.n_critics
        1
    """
    if _check_name(name) not in BASE_CONFIGS:
        raise ValueError(
            f"{name!r} is not a built-in algorithm; choose one of: {', '.join(sorted(CONFIGS))}"
        )
    build = _load(BASE_CONFIGS[name])
    if not callable(build):
        raise TypeError(f"{BASE_CONFIGS[name]!r} must be callable, got {build!r:.60}")
    config: AttrsInstance = build() if env_id is None else build(env_id)
    return config


def _last_set(items: list[str], key: str) -> str | None:
    found = None
    for item in items:
        name, _, text = item.partition("=")
        if name.strip() == key:
            found = text.strip()
    return found


def check_overrides(
    name: str,
    overrides: Mapping[str, object],
    *,
    sets: Iterable[str] = (),
    env_id: str | None = None,
) -> None:
    """Check ``lagom train``'s configuration keys and values for the built-in algorithm
    ``name`` without importing torch or gymnasium; nothing for a plug-in (whose check comes
    once its module is imported).

    The base is :func:`base_config` of the environment: ``env_id``, else the last
    ``env.id=...`` of ``sets``, else ``overrides["env.id"]``, else the algorithm's default.
    On it, ``overrides`` (typed values, as a ``--config`` file gives them) and then ``sets``
    (``KEY=VALUE`` texts, as ``--set`` gives them, read by
    :func:`~lagom.experiment.parse_dotted`) are applied by
    :func:`~lagom.experiment.from_dotted`, so each error is the one ``lagom train`` raises
    after the import. Whether the environment exists is not checked.

    Args:
        name: the algorithm's name.
        overrides: dotted keys (``"agent.gamma"``) and their values; ``"ID"`` is ignored.
        sets: ``KEY=VALUE`` texts, applied after ``overrides``.
        env_id: the environment of the base (``--env``); ``None``: as above.

    Raises:
        TypeError: ``name`` is not a str, ``overrides`` not a mapping, ``sets`` not a list
            of str or ``env_id`` neither a str nor ``None``.
        ValueError: an unknown key (naming the close matches), a value of the wrong type
            (naming key, value and expected type), a value a field's validator refuses, an
            item of ``sets`` that is not ``KEY=VALUE``, or an ``env.id`` that is not a str.

    Example:
        >>> check_overrides("ppo", {"agent.gamma": 0.9}, sets=["train.timesteps=1e4"])
        >>> check_overrides("ppo", {"agent.gama": 0.9})
        Traceback (most recent call last):
        ...
        ValueError: unknown config key 'agent.gama'; did you mean 'agent.gamma'?
        >>> check_overrides("sac", {}, sets=["agent.batch_size=big"])
        Traceback (most recent call last):
        ...
        ValueError: config key 'agent.batch_size' expects int, got 'big'
        >>> check_overrides("my_plugin", {"anything": 1})  # a plug-in: checked after import
    """
    from lagom.experiment.dotted import from_dotted, parse_dotted

    _check_name(name)
    if not isinstance(overrides, Mapping):
        raise TypeError(f"overrides must be a dict of dotted keys, got {type(overrides).__name__}")
    if isinstance(sets, (str, bytes)) or not isinstance(sets, Iterable):
        raise TypeError(f"sets must be a list of str, got {type(sets).__name__}")
    items = list(sets)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"sets must hold str, got {type(item).__name__} {item!r:.60}")
    if env_id is not None:
        check_str("env_id", env_id)
    if name not in BASE_CONFIGS:
        return
    env: object = env_id if env_id is not None else _last_set(items, "env.id")
    if env is None:
        env = overrides.get("env.id")
    if env is not None and not isinstance(env, str):
        raise ValueError(f"config key 'env.id' expects str, got {type(env).__name__} {env!r}")
    base = base_config(name, env)
    from_dotted(base, {**overrides, **parse_dotted(base, items)})


def load_policy(run_dir: str | Path, device: str = "cpu", *, name: str = POLICY_FILE) -> PolicyFn:
    """The trained deterministic policy of a run folder: ``act(obs) -> action``, numpy in and
    out, for a batch ``[B, *obs_shape]``.

    It reads the run's ``run.yml``, ``config.yml`` and the policy file ``name`` alone
    (``policy.pt``, the last policy, or ``best_policy.pt``, the best evaluated one: a
    weights-only file, loading it runs no code), not the checkpoint. Usage::

        act = load_policy("logs/ppo-CartPole-v1/0/0")
        actions = act(observations)             # [B, *obs_shape] -> [B] or [B, A]
        best = load_policy("logs/ppo-CartPole-v1/0/0", name="best_policy.pt")

    Raises:
        TypeError: ``run_dir`` is not a path, ``device`` not a device name, or ``name`` not
            a str.
        ValueError: not a run folder, an unknown algorithm, no (valid) file ``name``, one
            that does not fit the policy ``config.yml`` describes, an unknown ``device``, or
            a ``name`` other than ``policy.pt`` for an algorithm whose ``make_policy`` takes
            no ``name`` (a plug-in written before the keyword).

    Example:
        >>> load_policy("/nonexistent")
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a run folder: it has no run.yml
    """
    from lagom.baselines.common import read_run_info

    info = read_run_info(Path(check_path("run_dir", run_dir)))
    check_str("name", name)
    algorithm = get_algorithm(info.algorithm)
    try:
        if name == POLICY_FILE:  # called as before the keyword: a plug-in's may lack it
            return algorithm.make_policy(Path(run_dir), device)
        if not _takes_name(algorithm.make_policy):
            raise ValueError(
                f"{info.algorithm}'s make_policy reads only {POLICY_FILE} (it takes no name "
                f"keyword), not {name}"
            )
        return algorithm.make_policy(Path(run_dir), device, name=name)
    except (KeyError, RuntimeError) as error:
        # A policy file without the tensors this algorithm saves, or of other shapes than its
        # config.yml builds (torch's "size mismatch ... in loading state_dict").
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(
            f"{run_dir}: {name} does not fit the {info.algorithm} policy its config.yml "
            f"describes ({type(error).__name__}: {first:.200})"
        ) from None


def _takes_name(make_policy: Any) -> TypeGuard[PolicyLoader]:
    """Whether ``make_policy`` takes the keyword ``name`` (one whose signature cannot be read
    is called with it)."""
    try:
        inspect.signature(make_policy).bind(Path(), "cpu", name=POLICY_FILE)
    except TypeError:
        return False
    except ValueError:
        return True
    return True
