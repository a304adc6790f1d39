"""Property suite for vectorized environments: :func:`check_vec_env`.

lagom's runners assume a vector environment with *same-step* autoreset, as
:class:`lagom.envs.VecEnv` does: the step that ends an episode reports that step's reward and
flags, keeps the true final observation in ``infos["final_obs"]`` and returns the reset
observation, so no row of a rollout is a fake transition. gymnasium's default is *next-step*
autoreset, where the step after an end ignores its action and returns the reset observation
with reward 0. Each property runs fresh environments from the user's factory on
Hypothesis-chosen reset seeds and action sequences; a failure names the property and shows
the shrunk seed and actions.
"""

from __future__ import annotations

import copy
import random
import warnings
from collections.abc import Callable, Collection
from typing import Any

import attrs
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import concatenate, create_empty_array, iterate
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lagom._checks import check_int, is_bool_vector
from lagom._types import BoolArray
from lagom.testing._property import PropertyFailure, check_property

__all__ = ["check_vec_env"]

#: A factory of the vector environment under test (Any: the user's observation/action types).
MakeVecEnv = Callable[[], VectorEnv[Any, Any, Any]]

_MAX_SEED = 2**31 - 1


@attrs.frozen(eq=False)
class _Example:
    """One Hypothesis input: the reset seed and the batched actions, row ``t`` for step ``t``."""

    seed: int
    actions: Any  # [T, N, ...] array; a list of T batched actions for non-array action spaces


@attrs.frozen(eq=False)
class _Step:
    observations: Any  # deep copies of what step() returned (Any: the user's observations)
    rewards: Any
    terminated: Any
    truncated: Any
    infos: dict[str, Any]
    live_infos: dict[str, Any]  # the infos object itself, to see later in-place changes
    ended: BoolArray


@attrs.frozen(eq=False)
class _Run:
    reset_observations: Any
    steps: list[_Step]


@attrs.define
class _Context:
    make_env: MakeVecEnv
    n: int
    observation_space: spaces.Space[Any]
    single_observation_space: spaces.Space[Any]
    action_space: spaces.Space[Any]
    single_action_space: spaces.Space[Any]
    runs_with_ends: int = 0
    # The single-run properties check one shared rollout per (seed, actions).
    runs: dict[tuple[int, bytes], _Run] = attrs.Factory(dict)


def _show(x: object) -> str:
    if isinstance(x, np.generic):
        return repr(x.item())
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, threshold=50, max_line_width=200)
    return repr(x)


def _same(a: object, b: object) -> bool:
    """Exact equality of observations of any space (NaN equals NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    x, y = np.asarray(a), np.asarray(b)
    try:
        return bool(np.array_equal(x, y, equal_nan=True))
    except TypeError:  # non-numeric dtypes have no NaN
        return bool(np.array_equal(x, y))


def _ended(n: int, terminated: object, truncated: object) -> BoolArray:
    try:
        term = np.asarray(terminated).astype(np.bool_).reshape(n)
        trunc = np.asarray(truncated).astype(np.bool_).reshape(n)
    except (TypeError, ValueError):  # malformed flags: property 'flags_bool' reports them
        return np.zeros(n, dtype=np.bool_)
    return np.logical_or(term, trunc)


def _final_obs(infos: dict[str, Any], i: int) -> object:
    final, mask = infos.get("final_obs"), infos.get("_final_obs")
    if final is None or mask is None or not bool(np.asarray(mask)[i]):
        return None
    return final[i]


def _rollout(ctx: _Context, env: VectorEnv[Any, Any, Any], seed: int, actions: Any) -> _Run:
    observations, _ = env.reset(seed=seed)
    steps = []
    for action in actions:
        obs, rewards, terminated, truncated, infos = env.step(action)
        steps.append(
            _Step(
                *copy.deepcopy((obs, rewards, terminated, truncated, infos)),
                live_infos=infos,
                ended=_ended(ctx.n, terminated, truncated),
            )
        )
    ctx.runs_with_ends += any(step.ended.any() for step in steps)
    return _Run(copy.deepcopy(observations), steps)


def _fresh_rollout(ctx: _Context, seed: int, actions: Any) -> _Run:
    env = ctx.make_env()
    try:
        return _rollout(ctx, env, seed, actions)
    finally:
        env.close()


def _shared_rollout(ctx: _Context, example: _Example) -> _Run:
    if not isinstance(example.actions, np.ndarray):
        return _fresh_rollout(ctx, example.seed, example.actions)
    key = (example.seed, example.actions.tobytes() + repr(example.actions.shape).encode())
    if key not in ctx.runs:
        ctx.runs[key] = _fresh_rollout(ctx, example.seed, example.actions)
    return ctx.runs[key]


def _outcome(ctx: _Context, step: _Step, i: int) -> dict[str, object]:
    """What row ``i`` of a step reports: observation, reward, flags, final observation."""
    return {
        "observation": list(iterate(ctx.observation_space, step.observations))[i],
        "reward": np.asarray(step.rewards)[i],
        "terminated": np.asarray(step.terminated)[i],
        "truncated": np.asarray(step.truncated)[i],
        "final_obs": _final_obs(step.infos, i),
    }


def _first_difference(ctx: _Context, a: _Run, b: _Run) -> str | None:
    rows = iterate(ctx.observation_space, a.reset_observations)
    others = iterate(ctx.observation_space, b.reset_observations)
    for i, (x, y) in enumerate(zip(rows, others, strict=True)):
        if not _same(x, y):
            return f"reset, sub-environment {i}: observation {_show(x)} vs {_show(y)}"
    for t, (p, q) in enumerate(zip(a.steps, b.steps, strict=True)):
        for i in range(ctx.n):
            one, two = _outcome(ctx, p, i), _outcome(ctx, q, i)
            for key, x in one.items():
                if not _same(x, two[key]):
                    return f"step {t}, sub-environment {i}: {key} {_show(x)} vs {_show(two[key])}"
    return None


# --- actions -------------------------------------------------------------------------------


def _bounds(space: spaces.Box) -> tuple[np.ndarray, np.ndarray]:
    """Finite bounds to draw from: an unbounded side becomes a unit or two off the other side."""
    low, high = space.low.astype(np.float64).ravel(), space.high.astype(np.float64).ravel()
    low = np.where(np.isfinite(low), low, np.where(np.isfinite(high), high - 1.0, -1.0))
    high = np.where(np.isfinite(high), high, low + 2.0)
    return low, high


def _decode(space: spaces.Space[Any], u: np.ndarray) -> np.ndarray | None:
    """Actions ``[T, N, *shape]`` from unit draws ``u [T, N, size]`` (0 gives the lowest).

    None for a space that is not an array space (Dict, Tuple, ...).
    """
    if isinstance(space, (spaces.Discrete, spaces.MultiDiscrete)):
        start = np.asarray(space.start, np.int64).ravel()
        n = np.asarray(space.n if isinstance(space, spaces.Discrete) else space.nvec).ravel()
        a = start + np.minimum(np.floor(u * n).astype(np.int64), n - 1)
    elif isinstance(space, spaces.MultiBinary):
        a = (u >= 0.5).astype(np.int64)
    elif isinstance(space, spaces.Box):
        low, high = _bounds(space)
        if np.issubdtype(space.dtype, np.integer):
            low, high = np.ceil(low), np.floor(high)
            a = np.clip(np.floor(low + u * (high - low + 1)), low, high)
        else:
            # Bounds are values of the dtype, so rounding to it stays within them.
            a = np.clip(low + u * (high - low), low, high)
    else:
        return None
    out: np.ndarray = a.astype(space.dtype).reshape(*u.shape[:2], *(space.shape or ()))
    return out


def _other_action(space: spaces.Space[Any], action: Any) -> Any:
    """An action that differs from ``action`` in every component, or None if none is known."""
    if isinstance(space, spaces.Discrete):
        n = int(space.n)
        return None if n == 1 else space.start + (int(action) - space.start + 1) % n
    if isinstance(space, spaces.MultiBinary):
        return (1 - np.asarray(action)).astype(space.dtype)
    if isinstance(space, spaces.MultiDiscrete):
        other = space.start + (np.asarray(action) - space.start + 1) % space.nvec
        return None if np.array_equal(other, action) else other.astype(space.dtype)
    if isinstance(space, spaces.Box) and np.issubdtype(space.dtype, np.floating):
        low, high = (b.reshape(space.shape) for b in _bounds(space))
        other = np.where(np.asarray(action) - low > (high - low) / 2, low, high)
        return None if np.array_equal(other, action) else other.astype(space.dtype)
    return None


def _batch(space: spaces.Space[Any], rows: list[Any]) -> Any:
    out: Any = create_empty_array(space, len(rows), fn=np.zeros)
    return concatenate(space, rows, out)


def _examples(ctx: _Context, max_steps: int) -> st.SearchStrategy[_Example]:
    space, n = ctx.single_action_space, ctx.n
    size = int(np.prod(space.shape)) if space.shape else 1
    unit = st.floats(0.0, 1.0, allow_subnormal=False)

    @st.composite
    def draw(draw: st.DrawFn) -> _Example:
        seed = draw(st.integers(0, _MAX_SEED))
        T = draw(st.integers(1, max_steps))
        actions = _decode(space, draw(hnp.arrays(np.float64, (T, n, size), elements=unit)))
        if actions is not None:
            return _Example(seed, actions)
        # Other spaces: the batched space's own sampler, seeded per step (no shrinking).
        batched = copy.deepcopy(ctx.action_space)
        steps = []
        for step_seed in draw(st.lists(st.integers(0, _MAX_SEED), min_size=T, max_size=T)):
            batched.seed(step_seed)
            steps.append(batched.sample())
        return _Example(seed, steps)

    return draw()


def _with_row(ctx: _Context, actions: Any, t: int, i: int, row: Any) -> Any:
    """``actions[: t + 1]`` with sub-environment ``i``'s action at step ``t`` set to ``row``."""
    steps = list(actions[: t + 1])
    rows = list(iterate(ctx.action_space, steps[t]))
    rows[i] = row
    steps[t] = _batch(ctx.single_action_space, rows)
    return np.stack(steps) if isinstance(actions, np.ndarray) else steps


# --- properties ----------------------------------------------------------------------------


def _outside(space: spaces.Space[Any], x: object) -> str | None:
    """Why ``x`` is not an element of ``space``, or None if it is one."""
    if isinstance(space, (spaces.Box, spaces.MultiDiscrete, spaces.MultiBinary)):
        if not isinstance(x, np.ndarray):
            return f"got a {type(x).__name__}, not a numpy array"
        if x.dtype != space.dtype or x.shape != space.shape:
            return (
                f"got dtype {x.dtype} and shape {x.shape}, expected {space.dtype} and {space.shape}"
            )
    try:
        inside = bool(space.contains(x))
    except (TypeError, ValueError, AttributeError):
        inside = False
    return None if inside else f"{_show(x)} is not in {space}"


def _check_observations(ctx: _Context, where: str, observations: object) -> None:
    reason = _outside(ctx.observation_space, observations)
    if reason is None:
        return
    detail = ""
    try:
        for i, row in enumerate(iterate(ctx.observation_space, observations)):
            row_reason = _outside(ctx.single_observation_space, row)
            if row_reason is not None:
                detail = f"; sub-environment {i}: {row_reason}"
                break
    except (TypeError, ValueError, IndexError):
        pass
    raise AssertionError(f"{where}: observations outside observation_space: {reason}{detail}")


def _describe(x: object) -> str:
    if isinstance(x, np.ndarray):
        return f"{x.dtype} array of shape {x.shape}: {_show(x)}"
    return f"{type(x).__name__} {_show(x)}"


def _spaces_respected(ctx: _Context, example: _Example) -> None:
    run = _shared_rollout(ctx, example)
    _check_observations(ctx, "reset", run.reset_observations)
    for t, step in enumerate(run.steps):
        _check_observations(ctx, f"step {t}", step.observations)
        for i in np.flatnonzero(step.ended):
            final = _final_obs(step.infos, int(i))
            reason = None if final is None else _outside(ctx.single_observation_space, final)
            if reason is not None:
                raise AssertionError(
                    f"step {t}: infos['final_obs'][{i}] is outside single_observation_space: "
                    f"{reason}"
                )


def _rewards_finite_float(ctx: _Context, example: _Example) -> None:
    for t, step in enumerate(_shared_rollout(ctx, example).steps):
        r = step.rewards
        if not (
            isinstance(r, np.ndarray)
            and r.shape == (ctx.n,)
            and np.issubdtype(r.dtype, np.floating)
        ):
            raise AssertionError(
                f"step {t}: rewards must be a float array of shape ({ctx.n},), got {_describe(r)}"
            )
        if not np.isfinite(r).all():
            raise AssertionError(f"step {t}: rewards must be finite, got {_show(r)}")


def _flags_bool(ctx: _Context, example: _Example) -> None:
    for t, step in enumerate(_shared_rollout(ctx, example).steps):
        for name, flags in (("terminated", step.terminated), ("truncated", step.truncated)):
            if not is_bool_vector(flags, ctx.n):
                raise AssertionError(
                    f"step {t}: {name} must be a bool array of shape ({ctx.n},), got "
                    f"{_describe(flags)}"
                )


def _flags_text(step: _Step, i: int) -> str:
    term, trunc = np.asarray(step.terminated)[i], np.asarray(step.truncated)[i]
    return f"terminated={bool(term)}, truncated={bool(trunc)}"


def _same_step_autoreset(ctx: _Context, example: _Example) -> None:
    seed, actions = example.seed, example.actions
    run = _shared_rollout(ctx, example)
    ends = [(t, int(i)) for t, s in enumerate(run.steps[:-1]) for i in np.flatnonzero(s.ended)]
    if not ends:
        return
    t, i = ends[0]
    action = list(iterate(ctx.action_space, actions[t + 1]))[i]
    other = _other_action(ctx.single_action_space, action)
    if other is None:
        return
    changed = _fresh_rollout(ctx, seed, _with_row(ctx, actions, t + 1, i, other))
    prefix = _first_difference(
        ctx,
        _Run(run.reset_observations, run.steps[: t + 1]),
        _Run(changed.reset_observations, changed.steps[: t + 1]),
    )
    after, after_other = _outcome(ctx, run.steps[t + 1], i), _outcome(ctx, changed.steps[t + 1], i)
    if prefix is not None or not _same(after, after_other):
        return  # a real transition (or an unreproducible env: 'seeding_reproducible' reports it)
    # Control: do these two actions make a visible difference on a step that is surely real?
    first = [_fresh_rollout(ctx, seed, _with_row(ctx, actions, 0, i, a)) for a in (action, other)]
    one, two = (_outcome(ctx, r.steps[0], i) for r in first)
    if _same(one, two):
        return  # the action is not visible in one step here: nothing to conclude
    raise AssertionError(
        f"sub-environment {i} ended its episode at step {t} ({_flags_text(run.steps[t], i)}); "
        f"at step {t + 1} its actions {_show(action)} and {_show(other)} gave the same "
        f"observation {_show(after['observation'])}, reward {_show(after['reward'])}, "
        f"terminated={_show(after['terminated'])} and truncated={_show(after['truncated'])}, "
        "although on "
        f"the first step after reset(seed={seed}) they lead to {_show(one['observation'])} and "
        f"{_show(two['observation'])}: the step after an episode end ignored its action, as "
        "with next-step autoreset (gymnasium's default), whatever "
        "metadata['autoreset_mode'] says"
    )


def _final_obs_reported(ctx: _Context, example: _Example) -> None:
    for t, step in enumerate(_shared_rollout(ctx, example).steps):
        final, given = step.infos.get("final_obs"), step.infos.get("_final_obs")
        ended = [int(i) for i in np.flatnonzero(step.ended)]
        if final is None or given is None:
            if not ended:
                continue
            raise AssertionError(
                f"step {t}: sub-environment {ended[0]} ended ({_flags_text(step, ended[0])}) "
                f"but infos has no 'final_obs' with its mask '_final_obs' (keys: "
                f"{sorted(step.infos)}); same-step autoreset reports the final observation there"
            )
        mask = np.asarray(given)
        if mask.dtype != np.bool_ or mask.shape != (ctx.n,) or len(final) != ctx.n:
            raise AssertionError(
                f"step {t}: infos['_final_obs'] must be a bool array of shape ({ctx.n},) beside "
                f"infos['final_obs'] of length {ctx.n}, got {_describe(mask)}"
            )
        wrong = [int(i) for i in np.flatnonzero(mask != step.ended)]
        if wrong:
            raise AssertionError(
                f"step {t}: sub-environment {wrong[0]} has {_flags_text(step, wrong[0])} but "
                f"infos['_final_obs'][{wrong[0]}] is {bool(mask[wrong[0]])}: the mask must mark "
                "exactly the sub-environments whose episode ended in this step"
            )
        missing = [i for i in ended if final[i] is None]
        if missing:
            raise AssertionError(f"step {t}: infos['final_obs'][{missing[0]}] is None at an end")


def _final_obs_kept(ctx: _Context, example: _Example) -> None:
    run = _shared_rollout(ctx, example)
    for t, step in enumerate(run.steps):
        returned = list(iterate(ctx.observation_space, step.observations))
        for i in np.flatnonzero(step.ended):
            final = _final_obs(step.infos, int(i))
            if final is None:
                continue  # property 'final_obs_reported'
            if _same(final, returned[i]):
                raise AssertionError(
                    f"step {t}: sub-environment {i} ended ({_flags_text(step, int(i))}) and "
                    f"infos['final_obs'][{i}] = {_show(final)} equals the observation returned "
                    f"for it, {_show(returned[i])}, which is the reset observation: the true "
                    "final observation was replaced by the reset one. (This assumes a reset "
                    "observation differs from the final one, as continuous observations almost "
                    "surely do; pass skip=['final_obs_kept'] where they can coincide.)"
                )
            live = _final_obs(step.live_infos, int(i))
            if not _same(live, final):
                raise AssertionError(
                    f"step {t}: infos['final_obs'][{i}] was {_show(final)} when returned but "
                    f"{_show(live)} after step {len(run.steps) - 1}: the environment reuses the "
                    "array in place, so a stored final observation is overwritten later"
                )


def _seeding_reproducible(ctx: _Context, example: _Example) -> None:
    seed, actions = example.seed, example.actions
    env = ctx.make_env()
    try:
        first, again = (_rollout(ctx, env, seed, actions) for _ in range(2))
    finally:
        env.close()
    difference = _first_difference(ctx, first, _fresh_rollout(ctx, seed, actions))
    if difference is not None:
        raise AssertionError(
            f"two environments from make_env, both reset with seed={seed} and given the same "
            f"actions, differ at {difference}: reset(seed=...) does not fix the trajectory"
        )
    difference = _first_difference(ctx, first, again)
    if difference is not None:
        raise AssertionError(
            f"the same environment reset again with seed={seed} and given the same actions "
            f"differs at {difference}: reset(seed=...) does not reseed every random generator"
        )


def _sub_env_seeds_differ(ctx: _Context, example: _Example) -> None:
    n, seed = ctx.n, example.seed
    if n == 1:
        return
    rows = [next(iter(iterate(ctx.action_space, a))) for a in example.actions]
    same = [_batch(ctx.single_action_space, [row] * n) for row in rows]
    actions = np.stack(same) if isinstance(example.actions, np.ndarray) else same
    seeds = [seed + k * n for k in range(3)]
    env = ctx.make_env()
    try:
        runs = [_rollout(ctx, env, s, actions) for s in seeds]
    finally:
        env.close()

    def trajectory(run: _Run, i: int) -> list[object]:
        first = list(iterate(ctx.observation_space, run.reset_observations))[i]
        return [first, *(_outcome(ctx, step, i) for step in run.steps)]

    if all(_same(trajectory(runs[0], 0), trajectory(run, 0)) for run in runs[1:]):
        return  # sub-environment 0 does not change with the seed: nothing random to compare
    for i in range(n):
        for j in range(i + 1, n):
            if all(_same(trajectory(run, i), trajectory(run, j)) for run in runs):
                x, y = (trajectory(runs[0], k)[0] for k in (i, j))
                raise AssertionError(
                    f"with the same action in every sub-environment, sub-environments {i} and "
                    f"{j} followed identical trajectories after each of reset(seed={seeds[0]}), "
                    f"reset(seed={seeds[1]}) and reset(seed={seeds[2]}) (first observations "
                    f"{_show(x)} and {_show(y)}), while sub-environment 0 changes with the seed: "
                    "they share a seed or a random stream; each sub-environment needs its own "
                    "(gymnasium gives sub-environment i the seed + i)"
                )


_Property = Callable[[_Context, _Example], None]

#: The properties in the order they run; the first that fails is reported.
_PROPERTIES: dict[str, _Property] = {
    "spaces_respected": _spaces_respected,
    "rewards_finite_float": _rewards_finite_float,
    "flags_bool": _flags_bool,
    "same_step_autoreset": _same_step_autoreset,
    "final_obs_reported": _final_obs_reported,
    "final_obs_kept": _final_obs_kept,
    "seeding_reproducible": _seeding_reproducible,
    "sub_env_seeds_differ": _sub_env_seeds_differ,
}


def _bind(prop: _Property, ctx: _Context) -> Callable[[_Example], None]:
    return lambda example: prop(ctx, example)


def check_vec_env(
    make_env: MakeVecEnv,
    *,
    max_steps: int = 32,
    skip: Collection[str] = (),
    max_examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a vectorized environment against lagom's conventions, property by property.

    Like Stable-Baselines3's ``check_env``, but property-based: Hypothesis chooses reset
    seeds and action sequences (up to ``max_steps`` steps), every property runs fresh
    environments from ``make_env``, and a failure is shrunk to a short sequence. The
    properties, in the order they run:

    - ``spaces_respected``: every observation (reset, step, ``infos["final_obs"][i]``) lies
      in ``observation_space`` / ``single_observation_space``, with its dtype and shape.
    - ``rewards_finite_float``: ``rewards`` is a finite float array ``[N]``.
    - ``flags_bool``: ``terminated`` and ``truncated`` are bool arrays ``[N]``.
    - ``same_step_autoreset``: the declared ``metadata["autoreset_mode"]`` is ``SAME_STEP``,
      and the step after an episode end is a real transition: two actions that make a
      difference on a first step also make one there (next-step autoreset ignores them).
    - ``final_obs_reported``: a step that ends episodes reports ``infos["final_obs"]`` with
      the mask ``infos["_final_obs"]`` set exactly where ``terminated | truncated``.
    - ``final_obs_kept``: the final observation is not the returned (reset) observation,
      and later steps do not overwrite it in place.
    - ``seeding_reproducible``: the same reset seed and actions give identical outputs, in
      two environments from ``make_env`` and in one environment reset twice.
    - ``sub_env_seeds_differ``: where a sub-environment's trajectory changes with the seed,
      no two sub-environments follow identical trajectories under three reset seeds.

    Two properties rest on an assumption, which continuous control and classic-control
    environments meet: ``same_step_autoreset`` that actions which matter from one start
    state also matter from the next reset state, ``final_obs_kept`` that the final and
    the reset observation differ. Name either in ``skip`` where it does not hold.

    Args:
        make_env: a function returning a new vector environment (a gymnasium ``VectorEnv``,
            e.g. a :class:`~lagom.envs.VecEnv`) each call; a few per example are made and
            closed.
        max_steps: the most steps in an example; episodes must end within it for the
            autoreset properties to see an end (a ``UserWarning`` says when none did).
        skip: names of properties not to run.
        max_examples: examples per property; default Hypothesis's default, 100.
        seed: makes the run deterministic (see :func:`~lagom.testing.check_property`).

    Raises:
        PropertyFailure: (an ``AssertionError``) the first property that fails, with the
            shrunk seed and actions and what went wrong (step, sub-environment, observations).
        TypeError: ``make_env`` is not callable or does not return a ``VectorEnv``.
        ValueError: ``max_steps < 1`` or an unknown name in ``skip``.

    Example:
        >>> import gymnasium as gym
        >>> from gymnasium.vector import SyncVectorEnv
        >>> from lagom.envs import make_vec_env
        >>> check_vec_env(lambda: make_vec_env(lambda: gym.make("CartPole-v1"), 2, 0),
        ...               max_examples=10, seed=0)
        >>> check_vec_env(lambda: SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2))
        Traceback (most recent call last):
        ...
        lagom.testing._property.PropertyFailure: property 'same_step_autoreset' failed
          failure: metadata['autoreset_mode'] is <AutoresetMode.NEXT_STEP: 'NextStep'>...
    """
    if not callable(make_env):
        raise TypeError(f"make_env must be a function returning a VectorEnv, got {make_env!r}")
    max_steps = check_int("max_steps", max_steps, minimum=1)
    if isinstance(skip, str):
        raise TypeError(f"skip must be a collection of property names, got the str {skip!r}")
    unknown = sorted(set(skip) - set(_PROPERTIES))
    if unknown:
        raise ValueError(f"skip names unknown properties {unknown}; known: {list(_PROPERTIES)}")
    probe: object = make_env()
    if not isinstance(probe, VectorEnv):
        close = getattr(probe, "close", None)
        if callable(close):
            close()
        raise TypeError(f"make_env must return a gymnasium VectorEnv, got {type(probe)}")
    ctx = _Context(
        make_env,
        probe.num_envs,
        probe.observation_space,
        probe.single_observation_space,
        probe.action_space,
        probe.single_action_space,
    )
    mode = probe.metadata.get("autoreset_mode")
    probe.close()
    if "same_step_autoreset" not in skip and mode not in (
        None,
        AutoresetMode.SAME_STEP,
        "SameStep",
    ):
        raise PropertyFailure(
            "property 'same_step_autoreset' failed\n"
            f"  failure: metadata['autoreset_mode'] is {mode!r}, not AutoresetMode.SAME_STEP: "
            "lagom's runners need the final observation in the step that ends an episode "
            "(gymnasium: SyncVectorEnv(..., autoreset_mode=AutoresetMode.SAME_STEP))",
            "same_step_autoreset",
            mode,
            0,
            0 if seed is None else seed,
        )
    strategy = _examples(ctx, max_steps)
    # One seed for the whole suite: every property sees the same examples (and shares their
    # rollouts), and the seed printed with a failure replays the suite.
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    for name, prop in _PROPERTIES.items():
        if name not in skip:
            check_property(name, strategy, _bind(prop, ctx), max_examples=max_examples, seed=seed)
    if ctx.runs_with_ends == 0:
        warnings.warn(
            f"no episode ended within max_steps={max_steps} steps in any example, so the "
            "autoreset properties saw no end: raise max_steps or shorten the episodes "
            "(e.g. gym.make(..., max_episode_steps=5))",
            UserWarning,
            stacklevel=2,
        )
