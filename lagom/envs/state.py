"""An environment's state as plain data, and back: checkpoints that cannot run code.

gymnasium has no ``get_state``/``set_state``; pickling an environment (as checkpoints often
do) stores code, and loading a pickle from elsewhere runs whatever it names.
:func:`env_state` instead walks the objects reachable from an environment (wrappers, the
sub-environments of a vector env, their random generators, a runner holding it) and keeps
only *data*: numbers, strings, numpy arrays, random generator states and containers of them,
as nested tuples and lists. :func:`restore_env_state` writes that data into a *freshly built*
environment of the same construction, in place: it never creates an object whose class the
data names, so restoring runs no code from the data.

What the walk treats as what:

- ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``, numpy arrays of
  numbers or bools and numpy scalars are values, restored as saved;
- ``list``, ``tuple``, ``dict``, ``collections.deque`` are containers of such nodes;
- ``numpy.random.Generator`` and ``numpy.random.RandomState`` are saved as their states;
- ``numpy.dtype``, enums and classes are constants: the fresh environment must hold an
  equal one;
- functions, methods and other callables without state of their own are code, left as the
  fresh environment has them;
- any other object with a ``__dict__`` is walked attribute by attribute, and an ``attrs``
  instance with slots field by field (it is restored as ``attrs.evolve`` of the fresh
  environment's instance);
- anything else (a C extension's simulator state, such as MuJoCo's ``MjData`` or a Box2D
  world; a subprocess of an asynchronous vector env) is not plain data: :func:`env_state`
  raises :class:`TypeError` naming where it was found.

An object or array reached twice is saved once; the second place refers to the first, so
sharing survives a restore.
"""

from __future__ import annotations

import collections
import enum
import types
from typing import Any, cast

import attrs
import numpy as np

__all__ = ["env_state", "restore_env_state"]

# A node of the saved tree is a tuple whose first item names its kind.
_VALUE_TYPES = (type(None), bool, int, float, complex, str, bytes)
_CODE_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.BuiltinMethodType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.ModuleType,
)
_BIT_GENERATORS = {
    name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
}


def _is_code(obj: object) -> bool:
    if isinstance(obj, _CODE_TYPES):
        return True
    # functools.partial and other callables without a __dict__ hold code, not state.
    return callable(obj) and not hasattr(obj, "__dict__") and not isinstance(obj, type)


def _init_fields(obj: Any) -> list[attrs.Attribute[Any]]:
    return [a for a in attrs.fields(type(obj)) if a.init]


def _class_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class _Saver:
    def __init__(self) -> None:
        self.seen: dict[int, str] = {}
        self.keep: list[object] = []  # ids stay unique while the walk runs

    def node(self, obj: object, path: str) -> tuple[Any, ...]:
        if isinstance(obj, _VALUE_TYPES):
            return ("value", obj)
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in "biufc":
                raise TypeError(f"env state at {path!r} is a numpy {obj.dtype} scalar")
            return ("scalar", np.array(obj))
        if isinstance(obj, (np.dtype, enum.Enum, type)):
            return ("constant", repr(obj))
        if _is_code(obj):
            return ("code",)
        key = id(obj)
        if key in self.seen:
            return ("ref", self.seen[key])
        self.seen[key] = path
        self.keep.append(obj)
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biufc":
                raise TypeError(
                    f"env state at {path!r} is a numpy array of dtype {obj.dtype}, "
                    "not of numbers or bools"
                )
            return ("array", np.array(obj))
        if isinstance(obj, np.random.Generator):
            return ("generator", obj.bit_generator.state)
        if isinstance(obj, np.random.RandomState):
            return ("randomstate", self.node(obj.get_state(), path))
        if type(obj) in (list, tuple):
            sequence = cast(list[Any], obj)
            items = [self.node(x, f"{path}[{i}]") for i, x in enumerate(sequence)]
            return (type(obj).__name__, items)
        if type(obj) in (dict, collections.OrderedDict):
            return ("dict", self._items(cast(dict[Any, Any], obj).items(), path))
        if type(obj) is collections.deque:
            items = [self.node(x, f"{path}[{i}]") for i, x in enumerate(obj)]
            return ("deque", obj.maxlen, items)
        if attrs.has(type(obj)) and not hasattr(obj, "__dict__"):
            fields = [(a.alias, getattr(obj, a.name)) for a in _init_fields(obj)]
            return ("attrs", _class_name(obj), self._items(fields, path, "."))
        attributes = getattr(obj, "__dict__", None)
        if type(attributes) is dict:
            return ("object", _class_name(obj), self._items(attributes.items(), path, "."))
        raise TypeError(
            f"env state at {path!r} is a {_class_name(obj)}, which is not plain data "
            "(numbers, arrays, random generators, containers or objects of them)"
        )

    def _items(self, items: Any, path: str, sep: str = "") -> list[tuple[Any, Any]]:
        out = []
        for key, value in items:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"env state at {path!r} has a dict key {key!r}, not a str or int")
            where = f"{path}.{key}" if sep else f"{path}[{key!r}]"
            out.append((key, self.node(value, where)))
        return out


#: What the root of a state may be: an environment is an object (or a container of them).
_ROOTS = ("object", "list", "tuple", "dict")


# object: any object graph reachable from an environment; what is not data is named.
def env_state(env: object) -> tuple[Any, ...]:
    """The state of ``env`` (and of every object reachable from it) as plain data.

    The result holds only tuples, lists, numbers, strings, bytes, ``None`` and numpy
    arrays, so ``torch.save`` writes it for ``torch.load(weights_only=True)`` (numpy arrays
    as tensors: see :func:`lagom.baselines.common.save_checkpoint`). Give it to
    :func:`restore_env_state` with an environment built the same way.

    Raises:
        TypeError: ``env`` is a plain value (``None``, a number, a string, an array) rather
            than an object, or something reachable from it is not plain data (the message
            says where and what), e.g. a C extension's simulator or a subprocess.

    Example:
        >>> import gymnasium as gym
        >>> env = gym.make("CartPole-v1")
        >>> _ = env.reset(seed=0)
        >>> state = env_state(env)
        >>> obs = [env.step(0)[0] for _ in range(3)]
        >>> fresh = gym.make("CartPole-v1")
        >>> restore_env_state(fresh, state)
        >>> all((fresh.step(0)[0] == o).all() for o in obs)
        True
    """
    state = _Saver().node(env, "env")
    if state[0] not in _ROOTS:
        raise TypeError(
            f"env must be an environment (an object whose attributes hold its state), got "
            f"{type(env).__name__} {env!r:.60}"
        )
    return state


class _Loader:
    """Rebuilds values and restores objects in place; with ``write=False`` only checks that
    the state fits (so a mismatch found deep inside leaves the environment untouched)."""

    def __init__(self, write: bool) -> None:
        self.write = write
        self.done: dict[str, Any] = {}

    def value(self, node: tuple[Any, ...], target: Any, path: str) -> Any:
        """The value ``node`` stands for, restored into ``target`` (the fresh one) if it
        is an object; ``target`` is ``_MISSING`` where the fresh environment has none."""
        kind = node[0]
        if kind == "value":
            return node[1]
        if kind == "scalar":
            return np.asarray(node[1])[()]
        if kind == "constant":
            if target is _MISSING or repr(target) != node[1]:
                raise ValueError(
                    f"env state at {path!r} was {node[1]}, but the fresh environment has "
                    f"{'nothing' if target is _MISSING else repr(target)}: it is built "
                    "differently"
                )
            return target
        if kind == "code":
            if target is _MISSING:
                raise ValueError(f"env state at {path!r} was code the fresh environment lacks")
            return target
        if kind == "ref":
            if node[1] not in self.done:
                raise ValueError(f"env state at {path!r} refers to unknown {node[1]!r}")
            return self.done[node[1]]
        result = self._build(node, target, path)
        self.done[path] = result
        return result

    def _build(self, node: tuple[Any, ...], target: Any, path: str) -> Any:
        kind = node[0]
        if kind == "array":
            return np.array(node[1])
        if kind == "generator":
            state = node[1]
            if isinstance(target, np.random.Generator) and self.write:
                target.bit_generator.state = state
                return target
            name = state.get("bit_generator") if isinstance(state, dict) else None
            if name not in _BIT_GENERATORS:
                raise ValueError(f"env state at {path!r} names an unknown generator {name!r}")
            bit_generator = _BIT_GENERATORS[name]()
            bit_generator.state = state
            return np.random.Generator(bit_generator)
        if kind == "randomstate":
            generator = target if isinstance(target, np.random.RandomState) and self.write else None
            generator = generator or np.random.RandomState()
            generator.set_state(self.value(node[1], _MISSING, path))
            return generator
        if kind in ("list", "tuple", "deque"):
            items = node[-1]
            olds = list(target) if isinstance(target, (list, tuple, collections.deque)) else []
            if len(olds) != len(items):
                olds = [_MISSING] * len(items)
            values = [
                self.value(x, old, f"{path}[{i}]")
                for i, (x, old) in enumerate(zip(items, olds, strict=True))
            ]
            if kind == "deque":
                return collections.deque(values, maxlen=node[1])
            return values if kind == "list" else tuple(values)
        if kind == "dict":
            old = target if isinstance(target, dict) else {}
            items = [
                (key, self.value(x, old.get(key, _MISSING), f"{path}[{key!r}]"))
                for key, x in node[1]
            ]
            return type(old)(items) if isinstance(old, collections.OrderedDict) else dict(items)
        if kind == "attrs":
            _check_class(target, node[1], path)
            fresh = {a.alias: getattr(target, a.name) for a in _init_fields(target)}
            changes = {
                name: self.value(child, fresh.get(name, _MISSING), f"{path}.{name}")
                for name, child in node[2]
            }
            # A new instance made by the fresh one's own class (never a class the data names).
            return attrs.evolve(target, **changes)
        if kind == "object":
            _check_class(target, node[1], path)
            attributes = vars(target)
            restored = {
                name: self.value(child, attributes.get(name, _MISSING), f"{path}.{name}")
                for name, child in node[2]
            }
            if self.write:
                for name in [name for name in attributes if name not in restored]:
                    del attributes[name]  # made after the state was saved: not in it then
                attributes.update(restored)
            return target
        raise ValueError(f"env state at {path!r} has an unknown kind {kind!r}")


_MISSING: Any = object()


def _check_class(target: object, name: str, path: str) -> None:
    if target is _MISSING or _class_name(target) != name:
        found = "nothing" if target is _MISSING else f"a {_class_name(target)}"
        raise ValueError(
            f"env state at {path!r} was a {name}, but the fresh environment has {found} "
            "there: it is built differently"
        )


# object: the freshly built environment (or any root object env_state was given).
def restore_env_state(env: object, state: tuple[Any, ...]) -> None:
    """Write ``state`` (from :func:`env_state`) into ``env``, a freshly built environment of
    the same construction (same wrappers and sub-environments), in place.

    Objects are never created from the data: every object in ``state`` must already exist
    at the same place in ``env`` (its attributes are then set); arrays, numbers, containers
    and random generators are rebuilt from it.

    Raises:
        ValueError: ``env`` is built differently from the environment the state came from
            (the message says where), or ``state`` is not what :func:`env_state` returns.

    Example:
        >>> import gymnasium as gym
        >>> env = gym.make("Pendulum-v1")
        >>> _ = env.reset(seed=1)
        >>> fresh = gym.make("Pendulum-v1")
        >>> restore_env_state(fresh, env_state(env))
        >>> bool((fresh.unwrapped.state == env.unwrapped.state).all())
        True
        >>> restore_env_state(gym.make("CartPole-v1"), env_state(env))
        Traceback (most recent call last):
        ...
        ValueError: env state at 'env.env.env.env' was a ...PendulumEnv, but the fresh
        environment has a ...CartPoleEnv there: it is built differently
    """
    if not isinstance(state, tuple) or not state or not isinstance(state[0], str):
        raise ValueError(f"state must be what env_state returns, got {type(state).__name__}")
    if state[0] not in _ROOTS:
        raise ValueError(
            f"state must be the state of an object or a container, got a {state[0]!r} node"
        )
    try:  # first only check, so that a mismatch found deep inside leaves env untouched
        _Loader(write=False).value(state, env, "env")
    except (IndexError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"state is not what env_state returns: {type(error).__name__}: {error}"
        ) from None
    _Loader(write=True).value(state, env, "env")
