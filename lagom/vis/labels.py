"""Words for a plot: axis labels from logged column names (:func:`axis_label`) and legend
entries from what differs between configurations (:func:`config_labels`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from lagom._checks import check_int_list

__all__ = ["AXIS_LABELS", "axis_label", "config_labels"]

#: The axis label of each column that lagom's algorithms log. Extend or override it per
#: call with ``names=`` (:func:`axis_label`, :func:`~lagom.vis.plot_curves`).
AXIS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "timesteps": "Environment steps",
        "step": "Environment steps",
        "env_steps": "Environment steps",
        "iteration": "Iteration",
        "episodes": "Episodes",
        "updates": "Gradient updates",
        "time": "Wall-clock time (s)",
        "train_return": "Episode return",
        "eval_return": "Episode return",
        "return": "Episode return",
        "train_length": "Episode length",
        "eval_length": "Episode length",
        "policy_loss": "Policy loss",
        "value_loss": "Value loss",
        "entropy": "Policy entropy",
        "approx_kl": "Approximate KL divergence",
        "explained_variance": "Explained variance",
        "lr": "Learning rate",
        "fps": "Steps per second",
    }
)


def axis_label(key: str, names: Mapping[str, str] | None = None) -> str:
    """The axis label of a logged column ``key``.

    Looked up in ``names`` first, then in :data:`AXIS_LABELS`; any other key is shown with
    its underscores as spaces and its first letter upper case (``"kl_coef"`` gives
    ``"Kl coef"``).

    Args:
        key: the column name.
        names: the caller's own labels, which win over :data:`AXIS_LABELS`.

    Raises:
        TypeError: ``key`` is not a str, or ``names`` not a mapping of str to str.

    Example:
        >>> axis_label('timesteps')
        'Environment steps'
        >>> axis_label('success_rate'), axis_label('timesteps', {'timesteps': 'Frames'})
        ('Success rate', 'Frames')
    """
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, got {type(key).__name__}")
    names = check_names(names)
    if names is not None and key in names:
        return names[key]
    if key in AXIS_LABELS:
        return AXIS_LABELS[key]
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def check_names(names: object) -> Mapping[str, str] | None:
    """``names`` if it is ``None`` or a mapping of str to str, else ``TypeError``.

    Example:
        >>> check_names({'timesteps': 'Frames'})
        {'timesteps': 'Frames'}
    """
    if names is None:
        return None
    if not isinstance(names, Mapping):
        raise TypeError(f"names must be a dict of str to str, got {type(names).__name__}")
    for name, text in names.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise TypeError(f"names must map str to str, got {name!r}: {text!r}")
    return names


def _short(value: Any) -> str:
    """A config value as a legend writes it: 3e-4, 0.98, 64, [64, 64]."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        if abs(value) < 1e-3 or abs(value) >= 1e5:
            mantissa, exponent = f"{value:.3e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
        return f"{value:.4g}"
    return str(value)


def _differ(a: Any, b: Any) -> bool:
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # arrays compare elementwise; treat as differing
        return True


def _check_configs(configs: object) -> list[Mapping[str, Any]]:
    if isinstance(configs, (str, bytes)) or not isinstance(configs, Sequence):
        raise TypeError(f"configs must be a list of dicts, got {type(configs).__name__}")
    for i, config in enumerate(configs):
        if not isinstance(config, Mapping):
            raise TypeError(f"configs must hold dicts, got {type(config).__name__} at {i}")
    return list(configs)


def config_labels(configs: Sequence[Mapping[str, Any]], ids: Sequence[int]) -> list[str]:
    """One legend entry per configuration: the items whose values differ between them.

    Keys in order of first appearance, ``ID`` and items equal in every configuration left
    out, as ``key=value`` joined by ``", "``; floats written short (``3e-4``, ``0.98``); a
    key that a configuration lacks shows as ``None``. When nothing differs, ``"ID <id>"``.

    Args:
        configs: the configurations.
        ids: their IDs, for the fallback.

    Raises:
        TypeError: ``configs`` is not a list of dicts or ``ids`` not a list of int.
        ValueError: ``configs`` and ``ids`` have different lengths, or an ID is negative.

    Example:
        >>> config_labels([{'ID': 0, 'lr': 3e-4, 'gamma': 0.98, 'env': 'A'},
        ...                {'ID': 1, 'lr': 1e-3, 'gamma': 0.99, 'env': 'A'}], [0, 1])
        ['lr=3e-4, gamma=0.98', 'lr=0.001, gamma=0.99']
        >>> config_labels([{'lr': 0.1}], [5])
        ['ID 5']
    """
    configs = _check_configs(configs)
    ids = check_int_list("ids", ids, minimum=0)
    if len(configs) != len(ids):
        raise ValueError(f"expected one ID per configuration, got {len(ids)} for {len(configs)}")
    keys: list[str] = []
    for config in configs:
        keys.extend(key for key in config if key != "ID" and key not in keys)
    missing = object()

    def varies(key: str) -> bool:
        first = configs[0].get(key, missing)
        return any(_differ(config.get(key, missing), first) for config in configs[1:])

    varying = [key for key in keys if varies(key)]
    if not varying:
        return [f"ID {i}" for i in ids]
    return [", ".join(f"{key}={_short(config.get(key))}" for key in varying) for config in configs]
