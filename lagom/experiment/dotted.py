"""Frozen ``attrs`` configurations and the flat dicts of dotted keys that sweeps use.

A reference algorithm's configuration is a frozen ``attrs`` class with nested sections
(``config.agent.gamma``); :class:`~lagom.experiment.Config`, :class:`~lagom.experiment.Grid`,
``run_experiment`` and ``config.yml`` speak flat dicts of dotted keys
(``{"agent.gamma": 0.99}``). These functions convert between the two, once, at the edge:

- :func:`to_dotted`: a configuration to its flat dict of plain values (tuples become lists,
  so the dict is YAML- and JSON-ready);
- :func:`from_dotted`: a base configuration with a flat dict of overrides applied, each value
  checked against its field's annotated type, then against the field's validators;
- :func:`parse_dotted`: command-line text (``"agent.gamma=0.98"``) read by the field's type;
- :func:`dotted_fields`: every dotted key and its type.

Supported field types: ``bool``, ``int``, ``float``, ``str``, ``typing.Literal[...]``,
``tuple[X, ...]`` of those, ``X | None`` of those, and nested ``attrs`` classes (sections).

Example:
    >>> import attrs
    >>> @attrs.frozen
    ... class Agent:
    ...     gamma: float = attrs.field(default=0.99, validator=attrs.validators.le(1.0))
    ...     hidden_sizes: tuple[int, ...] = (64, 64)
    >>> @attrs.frozen
    ... class Run:
    ...     agent: Agent = Agent()
    ...     steps: int = 1000
    >>> to_dotted(Run())
    {'agent.gamma': 0.99, 'agent.hidden_sizes': [64, 64], 'steps': 1000}
    >>> from_dotted(Run(), {"agent.hidden_sizes": [32], "steps": 10}).agent
    Agent(gamma=0.99, hidden_sizes=(32,))
    >>> from_dotted(Run(), parse_dotted(Run(), ["agent.gamma=0.9"])).agent.gamma
    0.9
    >>> from_dotted(Run(), {"agent.gama": 0.9})
    Traceback (most recent call last):
    ...
    ValueError: unknown config key 'agent.gama'; did you mean 'agent.gamma'?
"""

from __future__ import annotations

import difflib
import numbers
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs
import numpy as np
from attrs import AttrsInstance

__all__ = ["dotted_fields", "from_dotted", "parse_dotted", "to_dotted"]

T = TypeVar("T", bound=AttrsInstance)

_NONE_WORDS = frozenset({"none", "null", "~"})
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def _fields(config: object, name: str = "config") -> tuple[attrs.Attribute[Any], ...]:
    """The fields of ``config``'s class, or a ``TypeError`` when it is not an attrs instance."""
    cls = type(config)
    if not attrs.has(cls) or isinstance(config, type):
        raise TypeError(f"{name} must be an attrs configuration instance, got {cls.__name__}")
    return tuple(attrs.fields(cls))


def _strings(name: str, values: object) -> list[str]:
    """``values`` as a list of str: a list, a tuple or another iterable, never one str."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of str, got {type(values).__name__}")
    items = list(values)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold str, got {type(item).__name__} {item!r:.60}")
    return items


def _leaf_type(cls: type, field: attrs.Attribute[Any]) -> Any:
    """The annotated type of a (non-section) field, evaluated where its class was written."""
    annotation: Any = field.type
    if not isinstance(annotation, str):
        return annotation
    module = sys.modules.get(cls.__module__)
    namespace = {**vars(typing), **(vars(module) if module is not None else {})}
    try:
        return eval(annotation, namespace)
    except NameError:
        return Any


def dotted_fields(config: AttrsInstance) -> dict[str, object]:
    """Every dotted key of ``config``'s class and its annotated type, in field order.

    Raises:
        TypeError: ``config`` is not an ``attrs`` instance.

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class Train:
        ...     steps: int = 1
        >>> @attrs.frozen
        ... class Run:
        ...     train: Train = Train()
        ...     name: str | None = None
        >>> dotted_fields(Run())
        {'train.steps': <class 'int'>, 'name': str | None}
    """
    out: dict[str, Any] = {}
    for field in _fields(config):
        value = getattr(config, field.name)
        if attrs.has(type(value)):
            for key, tp in dotted_fields(value).items():
                out[f"{field.name}.{key}"] = tp
        else:
            out[field.name] = _leaf_type(type(config), field)
    return out


def to_dotted(config: AttrsInstance) -> dict[str, object]:
    """The flat dict of dotted keys of ``config``: sections flattened, tuples as lists.

    Raises:
        TypeError: ``config`` is not an ``attrs`` instance.

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class Env:
        ...     id: str = "CartPole-v1"
        ...     num_envs: int = 8
        >>> @attrs.frozen
        ... class Run:
        ...     env: Env = Env()
        >>> to_dotted(Run())
        {'env.id': 'CartPole-v1', 'env.num_envs': 8}
    """
    out: dict[str, Any] = {}
    for field in _fields(config):
        value = getattr(config, field.name)
        if attrs.has(type(value)):
            for key, inner in to_dotted(value).items():
                out[f"{field.name}.{key}"] = inner
        elif isinstance(value, tuple):
            out[field.name] = list(value)
        else:
            out[field.name] = value
    return out


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _coerce(key: str, value: Any, tp: Any) -> Any:
    """``value`` as a value of type ``tp``, or a ``ValueError`` naming key, value and type."""

    def wrong() -> ValueError:
        return ValueError(
            f"config key {key!r} expects {_type_name(tp)}, got {type(value).__name__} {value!r}"
        )

    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if _is_union(tp):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(key, value, option)
            except ValueError:
                continue
        raise wrong()
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        for choice in choices:
            # A numpy string (from a Grid over an array of names) is its str.
            same_type = type(value) is type(choice) or (
                type(choice) is str and isinstance(value, str)
            )
            if same_type and value == choice:
                return choice
        raise ValueError(
            f"config key {key!r} expects one of {', '.join(map(repr, choices))}, got {value!r}"
        )
    if origin is tuple:
        args = typing.get_args(tp)
        # Not a mapping (its keys would be taken) nor a set (its order is the hashes').
        unordered = isinstance(value, (Mapping, set, frozenset))
        if isinstance(value, (str, bytes)) or unordered or not isinstance(value, Iterable):
            raise wrong()
        items = list(value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(f"{key}[{i}]", item, args[0]) for i, item in enumerate(items))
        if len(items) != len(args):
            raise wrong()
        return tuple(
            _coerce(f"{key}[{i}]", v, a) for i, (v, a) in enumerate(zip(items, args, strict=True))
        )
    if origin is list:  # list[X]: each item checked as an X
        (item_tp,) = typing.get_args(tp) or (Any,)
        unordered = isinstance(value, (Mapping, set, frozenset))
        if isinstance(value, (str, bytes)) or unordered or not isinstance(value, Iterable):
            raise wrong()
        return [_coerce(f"{key}[{i}]", item, item_tp) for i, item in enumerate(value)]
    if origin is dict:  # dict[K, V]: each key and value checked
        key_tp, value_tp = typing.get_args(tp) or (Any, Any)
        if not isinstance(value, Mapping):
            raise wrong()
        return {
            _coerce(f"{key} (a key)", k, key_tp): _coerce(f"{key}[{k!r}]", v, value_tp)
            for k, v in value.items()
        }
    if tp is bool:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)  # a numpy bool too, as the flags' validators accept
        raise wrong()
    if tp is int:
        if isinstance(value, bool):
            raise wrong()
        if isinstance(value, numbers.Integral):
            return int(value)  # type: ignore[call-overload,unused-ignore]
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return int(float(value))
        raise wrong()
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise wrong()
        try:
            return float(value)
        except OverflowError:  # an int beyond float64 (10**400)
            raise ValueError(
                f"config key {key!r} expects a float, got {value!r:.40} (too large for one)"
            ) from None
    if tp is str:
        if isinstance(value, str):
            return str(value)  # a numpy string too, as a plain str
        raise wrong()
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise wrong()


def _close_matches(key: str, known: list[str]) -> list[str]:
    """Known keys like ``key``: whole keys first, then keys whose last part is like its last
    part (``train.timestep`` -> ``train.timesteps``, ``gama`` -> ``agent.gamma``)."""
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.85)
    if close:
        return close
    leaves = {k.rpartition(".")[2] for k in known}
    similar = set(difflib.get_close_matches(key.rpartition(".")[2], leaves, n=3, cutoff=0.75))
    return [k for k in known if k.rpartition(".")[2] in similar][:3]


def from_dotted(base: T, values: Mapping[str, Any], *, ignore: Iterable[str] = ("ID",)) -> T:
    """``base`` with the dotted overrides ``values`` applied; every value type-checked.

    Each value is checked against its field's annotation (an ``int`` is accepted for a
    ``float``, a whole ``float`` such as ``1e6`` for an ``int``, a list for a tuple), then the
    new configuration runs the fields' own validators.

    Args:
        base: a frozen ``attrs`` configuration (the defaults).
        values: dotted keys (``"agent.gamma"``) and their new values.
        ignore: bookkeeping keys to skip (``run_experiment`` adds ``"ID"``).

    Returns:
        A new configuration of ``base``'s class; ``base`` is unchanged.

    Raises:
        TypeError: ``base`` is not an ``attrs`` instance, ``values`` is not a mapping or
            ``ignore`` is not a list of str.
        ValueError: a key is unknown (the message names the close matches), a value has the
            wrong type (the message names key, value and expected type), or a validator
            refuses a value.

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class Train:
        ...     steps: int = attrs.field(default=10, validator=attrs.validators.gt(0))
        >>> @attrs.frozen
        ... class Run:
        ...     train: Train = Train()
        >>> from_dotted(Run(), {"train.steps": 5, "ID": 3})
        Run(train=Train(steps=5))
        >>> from_dotted(Run(), {"train.steps": "5"})
        Traceback (most recent call last):
        ...
        ValueError: config key 'train.steps' expects int, got str '5'
        >>> from_dotted(Run(), {"train.steps": 0})
        Traceback (most recent call last):
        ...
        ValueError: config key 'train.steps': 'steps' must be > 0: 0
    """
    _fields(base, "base")
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a dict of dotted keys, got {type(values).__name__}")
    skip = set(_strings("ignore", ignore))
    known = dotted_fields(base)
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key in skip:
            continue
        if key not in known:
            close = _close_matches(str(key), list(known))
            hint = (
                f"did you mean {' or '.join(map(repr, close))}?"
                if close
                else f"known keys: {', '.join(known)}"
            )
            raise ValueError(f"unknown config key {key!r}; {hint}")
        checked[key] = _coerce(key, value, known[key])
    return _apply(base, checked, "")


def _apply(config: T, values: Mapping[str, Any], prefix: str) -> T:
    changes: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        head, dot, rest = key.partition(".")
        if dot:
            sections.setdefault(head, {})[rest] = value
        else:
            changes[head] = value
    for name, inner in sections.items():
        changes[name] = _apply(getattr(config, name), inner, f"{prefix}{name}.")
    try:
        return attrs.evolve(config, **changes)  # type: ignore[misc]
    except (TypeError, ValueError) as error:
        # attrs' validators start with the field's name ('lr' must be > 0.0): name that key
        # alone when it is one of the changed ones.
        named = [k for k in changes if k not in sections and str(error).startswith(f"'{k}'")]
        keys = ", ".join(
            repr(f"{prefix}{k}") for k in (named or [k for k in changes if k not in sections])
        )
        where = f"config key {keys}" if keys else f"config section {prefix.rstrip('.')!r}"
        raise ValueError(f"{where}: {error}") from None


def _tuple_items(key: str, text: str, tp: Any) -> list[str]:
    """The item texts of a tuple written ``64,64``, ``[64, 64]`` or ``(64, 64)`` (one
    trailing comma allowed, as in ``(64,)``; ``[]`` or ``()`` for the empty tuple).

    An unclosed bracket, an empty item (``64,,32``) or an empty text is refused rather than
    read as some other tuple.
    """
    inner = text.strip()
    closing = {"[": "]", "(": ")"}.get(inner[:1])
    if closing is not None and inner.endswith(closing) and len(inner) >= 2:
        inner = inner[1:-1].strip()
        if not inner:
            return []
    elif closing is not None or not inner or inner[-1] in ")]":
        raise ValueError(
            f"config key {key!r} expects {_type_name(tp)} written as [a, b, ...] (or [] for "
            f"none), got {text!r}"
        )
    parts = inner.split(",")
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # one trailing comma: (64,)
    if any(not part.strip() for part in parts):
        raise ValueError(
            f"config key {key!r} expects {_type_name(tp)} written as [a, b, ...] with no "
            f"empty item, got {text!r}"
        )
    return parts


def _parse_text(key: str, text: str, tp: Any) -> Any:
    stripped = text.strip()
    if tp is Any:
        return stripped
    if _is_union(tp):
        options = typing.get_args(tp)
        if type(None) in options and stripped.lower() in _NONE_WORDS | {""}:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(key, _parse_text(key, stripped, option), option)
            except ValueError:
                continue
        raise ValueError(f"config key {key!r} expects {_type_name(tp)}, got {text!r}")
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        for choice in typing.get_args(tp):
            if str(choice) == stripped:
                return choice
        return stripped
    if origin is tuple:
        parts = _tuple_items(key, text, tp)
        args = typing.get_args(tp)
        item_types = [args[0]] * len(parts) if args[-1] is Ellipsis else list(args)
        if len(item_types) != len(parts):
            raise ValueError(f"config key {key!r} expects {_type_name(tp)}, got {text!r}")
        return tuple(
            _parse_text(f"{key}[{i}]", part, item)
            for i, (part, item) in enumerate(zip(parts, item_types, strict=True))
        )
    if tp is bool:
        word = stripped.lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(f"config key {key!r} expects bool (true/false), got {text!r}")
    if tp is int:
        try:
            return int(stripped)
        except ValueError:
            try:
                number = float(stripped)
            except ValueError:
                number = float("nan")
            if number.is_integer():
                return int(number)
        raise ValueError(f"config key {key!r} expects int, got {text!r}")
    if tp is float:
        try:
            return float(stripped)
        except ValueError:
            raise ValueError(f"config key {key!r} expects float, got {text!r}") from None
    return stripped


def parse_dotted(base: AttrsInstance, items: Iterable[str]) -> dict[str, object]:
    """Read ``KEY=VALUE`` texts (``lagom train --set``) by the types of ``base``'s fields.

    ``"none"``/``"null"`` is ``None`` where a field allows it; booleans are
    ``true``/``false`` (also ``yes``/``no``, ``on``/``off``, ``1``/``0``); tuples are written
    ``64,64`` or ``[64, 64]`` (``[]`` for none; an unclosed bracket or an empty item is
    refused); ``3e-4`` is a float and ``1e6`` an int where an int is expected. The result
    goes to :func:`from_dotted`.

    Raises:
        TypeError: ``base`` is not an ``attrs`` instance, or ``items`` is not a list of str.
        ValueError: an item is not ``KEY=VALUE``, a key is unknown (with close matches), or a
            value cannot be read as its field's type.

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class Run:
        ...     lr: float = 1e-3
        ...     sizes: tuple[int, ...] = (64,)
        ...     stop_at: int | None = None
        >>> parse_dotted(Run(), ["lr=3e-4", "sizes=[32, 32]", "stop_at=1e4"])
        {'lr': 0.0003, 'sizes': (32, 32), 'stop_at': 10000}
        >>> parse_dotted(Run(), ["lr"])
        Traceback (most recent call last):
        ...
        ValueError: --set expects KEY=VALUE, got 'lr'
    """
    _fields(base, "base")
    known = dotted_fields(base)
    out: dict[str, Any] = {}
    for item in _strings("items", items):
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        if key not in known:
            # from_dotted words the error (with close matches) the same way for every caller.
            from_dotted(base, {key: None}, ignore=())
        out[key] = _parse_text(key, text, known[key])
    return out
