"""The configuration ``lagom train`` runs and ``lagom show`` prints.

:func:`train_config` is the one call that turns the command line (``--env``, ``--config``,
``--set``, ``--steps``) into the typed configuration. It needs the algorithm's configuration
classes, so today it imports the algorithm's module (and with it torch); a later change can
describe the configuration classes without torch and keep this call as it is.

Precedence, lowest first: the algorithm's default configuration for the environment (its zoo
entry when there is one), the ``--config`` file, the ``--set`` items in order, then
``--steps`` and ``--env``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lagom.cli._early import UsageError, set_value

if TYPE_CHECKING:
    from attrs import AttrsInstance

    from lagom.baselines import Algorithm

__all__ = ["check_env", "config_env", "show_config", "train_config"]


#: Environment namespaces registered by a package of an extra: prefix -> (module, extra).
_NAMESPACES = {"MinAtar/": ("minatar.gym", "minatar"), "ALE/": ("ale_py", "atari")}


def check_env(env_id: str) -> None:
    """Raise :class:`UsageError` unless gymnasium knows ``env_id`` (MinAtar and Atari ids
    once their packages have registered them; torch is not imported)."""
    import importlib

    import gymnasium as gym

    for prefix, (module, extra) in _NAMESPACES.items():
        if env_id.startswith(prefix) and env_id not in gym.registry:
            try:
                package = importlib.import_module(module)
            except ImportError:
                raise UsageError(
                    f'environment {env_id!r} needs the {extra} extra: pip install "lagom[{extra}]"'
                ) from None
            if prefix == "ALE/":
                gym.register_envs(package)
            else:
                package.register_envs()
    try:
        gym.spec(env_id)
    except gym.error.Error as error:
        raise UsageError(f"unknown environment {env_id!r}: {error}") from None


def config_env(
    algo: Algorithm, env: str | None, sets: list[str], file_values: Mapping[str, object]
) -> str:
    """The environment whose default configuration is the base: ``--env``, else
    ``--set env.id=...``, else the config file's ``env.id``, else ``algo.default_env``."""
    if env is not None:
        return env
    from_set = set_value(sets, "env.id")
    if from_set is not None:
        return from_set
    from_file = file_values.get("env.id", algo.default_env)
    if not isinstance(from_file, str):
        raise UsageError(
            f"config key 'env.id' expects str, got {type(from_file).__name__} {from_file!r}"
        )
    return from_file


def train_config(
    algo: Algorithm,
    env: str | None,
    sets: list[str],
    steps: int | None,
    file_values: Mapping[str, object] | None = None,
) -> AttrsInstance:
    """The typed configuration ``lagom train`` runs: ``algo.default_config(env_id)`` with
    the ``--config`` file's dotted keys, then the ``--set KEY=VALUE`` items (read by their
    fields' types), then ``--steps`` as ``algo.steps_key`` and ``--env`` as ``env.id``.

    Raises:
        UsageError: an unknown environment or key, a value of the wrong type or range.

    Example:
        >>> from lagom.baselines import get_algorithm
        >>> cfg = train_config(get_algorithm("ppo"), None, ["agent.gamma=0.9"], 5000)
        >>> cfg.agent.gamma, cfg.train.timesteps
        (0.9, 5000)
        >>> cfg = train_config(get_algorithm("ppo"), None, [], None, {"agent.gamma": 0.8})
        >>> cfg.agent.gamma
        0.8
        >>> train_config(get_algorithm("ppo"), None, ["agent.gama=0.9"], None)
        Traceback (most recent call last):
        ...
        lagom.cli._early.UsageError: unknown config key 'agent.gama'; did you mean 'agent.gamma'?
    """
    from lagom.experiment import dotted_fields, from_dotted, parse_dotted

    values = dict(file_values or {})
    env_id = config_env(algo, env, sets, values)
    check_env(env_id)
    try:
        base = algo.default_config(env_id)
        overrides: dict[str, object] = {**values, **parse_dotted(base, sets)}
        if steps is not None:
            if steps < 1:
                raise UsageError(f"--steps must be a positive integer, got {steps}")
            overrides[algo.steps_key] = steps
        if env is not None and "env.id" in dotted_fields(base):
            overrides["env.id"] = env
        return from_dotted(base, overrides)
    except ValueError as error:
        raise UsageError(str(error)) from None


def show_config(algo: Algorithm, env: str | None) -> str:
    """``algo``'s default configuration for ``env`` (``algo.default_env`` when ``None``) as
    YAML in ``config.yml``'s dotted layout: a valid ``lagom train --config`` file.

    Raises:
        UsageError: an unknown environment, or one the algorithm cannot run.

    Example:
        >>> from lagom.baselines import get_algorithm
        >>> text = show_config(get_algorithm("ppo"), None)
        >>> text.splitlines()[1:3]
        ['env.id: CartPole-v1', 'env.num_envs: 8']
    """
    import yaml

    from lagom.experiment import to_dotted

    if env is not None and not env.strip():
        raise UsageError("--env must name an environment, got an empty string")
    env_id = env or algo.default_env
    check_env(env_id)
    try:
        config = algo.default_config(env_id)
    except ValueError as error:
        raise UsageError(str(error)) from None
    # The options of lagom.utils.yaml_dump, which writes config.yml: the same layout.
    body = yaml.safe_dump(to_dotted(config), sort_keys=False)
    return f"# lagom train {algo.name} --config FILE runs this configuration\n{body}"
