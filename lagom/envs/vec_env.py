"""A vectorized environment with same-step autoreset: :class:`VecEnv`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ClosedEnvironmentError, ResetNeeded
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, VectorEnv
from gymnasium.vector.utils import iterate

from lagom._checks import check_str, in_range, is_bool_vector, readable_array
from lagom._types import ArrayLike, BoolArray, Float64Array, NDArray
from lagom.envs._sync_vector_env import _SyncVectorEnv, check_seeds, reset_seeds

if TYPE_CHECKING:  # lagom.vis is imported at run time only by render("human")
    from lagom.vis.image_viewer import ImageViewer

__all__ = ["VecEnv"]

VecEnvMode = Literal["sync", "async"]


class VecEnv(VectorEnv[Any, Any, Any]):
    """N copies of an environment stepped as one, with same-step autoreset.

    A gymnasium :class:`~gymnasium.vector.VectorEnv`: ``reset`` returns ``(observations,
    infos)`` and ``step(actions)`` returns ``(observations, rewards, terminated, truncated,
    infos)``, each batched over the N sub-environments (``rewards``, ``terminated`` and
    ``truncated`` have shape ``[N]``; ``rewards`` is float64). Gymnasium's vector wrappers can
    wrap it.

    Autoreset is *same-step*: when the episode of sub-environment ``i`` ends at a step, that
    step reports row ``i``'s reward, ``terminated`` and ``truncated`` of the final transition,
    its observation is the *reset* observation of the next episode (ready for the next action),
    and the true final observation is ``infos["final_obs"][i]`` (an object array of length N,
    ``None`` elsewhere) with the mask ``infos["_final_obs"]``. The final step's info is in
    ``infos["final_info"]`` (a dict of batched arrays, mask ``infos["_final_info"]``) and the
    reset's info is merged into ``infos`` as usual. This is gymnasium's ``SAME_STEP`` layout,
    so ``infos`` follow its convention: each ``infos[key]`` has a boolean mask ``infos["_key"]``.
    No row of a rollout is a fake transition. In ``"sync"`` mode the final observations, their
    object array and the two masks are read-only copies, so a record
    (:class:`~lagom.data.Rollout`) keeps them without copying them again.

    Modes:

    - ``"sync"`` (default): the sub-environments live in this process and are stepped in a
      loop. Cheapest for fast environments.
    - ``"async"``: one subprocess per sub-environment (gymnasium's
      :class:`~gymnasium.vector.AsyncVectorEnv` with ``SAME_STEP`` autoreset). Worth it only
      when a step costs much more than the ~60 µs of inter-process traffic.

    Both modes give identical outputs. :meth:`from_vector_env` adopts any other vector
    environment with same-step autoreset (see :func:`~lagom.envs.make_native_vec_env`).

    Note:
        All sub-environments must share the same observation and action spaces.
        ``single_observation_space``/``single_action_space`` are those of one sub-environment,
        ``observation_space``/``action_space`` the batched ones. ``spec`` is the sub-environments'.

    Args:
        list_make_env: functions, each returning a new ``gymnasium.Env``.
        mode: ``"sync"`` or ``"async"``.
        seeds: seeds for the first :meth:`reset` that is called without one: an int
            (sub-environment ``i`` gets ``seeds + i``, gymnasium's convention) or one seed per
            sub-environment, each an int in ``[0, 2**32 - 1]`` (lagom's rule for seeds).
            :func:`~lagom.envs.make_vec_env` passes ``Seeder(init_seed)(N)``.

    Attributes:
        mode: ``"sync"``, ``"async"``, or ``"vector"`` (made by :meth:`from_vector_env`).

    Raises:
        ValueError: no sub-environment, an unknown mode, differing spaces, a seed outside
            ``[0, 2**32 - 1]``, or not one seed per sub-environment (the message names
            both counts).
        TypeError: ``list_make_env`` is not a list of functions, a function does not return
            a ``gymnasium.Env`` (sync mode), or ``seeds`` is not an int, a list of ints or
            ``None``.

    Example:
        >>> import gymnasium as gym
        >>> env = VecEnv([lambda: gym.make("CartPole-v1", max_episode_steps=2)] * 3)
        >>> env, len(env), env.observation_space.shape
        (<VecEnv: 3, CartPole-v1>, 3, (3, 4))
        >>> observations, infos = env.reset(seed=0)
        >>> _ = env.step([0, 1, 0])
        >>> observations, rewards, terminated, truncated, infos = env.step([1, 1, 1])
        >>> rewards, terminated, truncated
        (array([1., 1., 1.]), array([False, False, False]), array([ True,  True,  True]))
        >>> sorted(infos), infos["final_obs"][0].shape
        (['_final_info', '_final_obs', 'final_info', 'final_obs'], (4,))
        >>> env.close()
    """

    def __init__(
        self,
        list_make_env: Sequence[Callable[[], gym.Env[Any, Any]]],
        mode: VecEnvMode = "sync",
        seeds: int | Sequence[int] | None = None,
    ) -> None:
        given: object = list_make_env  # checked as whatever the caller passed
        if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
            raise TypeError(
                "list_make_env must be a list of functions, each returning a gymnasium.Env, "
                f"got {type(given).__name__}"
            )
        for i, make_env in enumerate(list_make_env):
            if not callable(make_env):
                raise TypeError(
                    f"list_make_env[{i}] must be a function returning a gymnasium.Env, got "
                    f"{type(make_env).__name__} {make_env!r:.60}"
                )
        if not isinstance(mode, str) or mode not in ("sync", "async"):
            raise ValueError(f"mode must be 'sync' or 'async', got {mode!r}")
        if len(list_make_env) == 0:
            raise ValueError("a vectorized environment needs at least one sub-environment")
        # Before any sub-environment (or subprocess) exists.
        checked = check_seeds("seeds", seeds, len(list_make_env))
        if mode == "sync":
            sync = _SyncVectorEnv(list_make_env)
            self._setup(sync, mode, checked, sync.spec)
        else:
            try:
                backend = AsyncVectorEnv(list_make_env, autoreset_mode=AutoresetMode.SAME_STEP)
            except RuntimeError as error:
                if "not equivalent" not in str(error):
                    raise
                # gymnasium's check of the workers' spaces: the same rule as sync mode's.
                raise ValueError(
                    f"all sub-environments must share one observation space and one action "
                    f"space ({error})"
                ) from None
            self._setup(backend, mode, checked, backend.get_attr("spec")[0])

    @classmethod
    def from_vector_env(
        cls, env: VectorEnv[Any, Any, Any], seeds: int | Sequence[int] | None = None
    ) -> VecEnv:
        """Adopt an existing gymnasium vector environment that autoresets in the same step.

        The result has ``mode == "vector"`` and the methods of :class:`VecEnv`; it steps
        ``env`` unchanged.

        Args:
            env: a vector environment whose ``metadata["autoreset_mode"]`` is
                ``AutoresetMode.SAME_STEP``.
            seeds: seed(s) for the first :meth:`reset` called without one: an int or one
                per sub-environment, as for :class:`VecEnv` (an int is passed to ``env`` as
                is).

        Raises:
            TypeError: ``env`` is not a ``gymnasium.vector.VectorEnv``, or ``seeds`` is not
                an int, a list of ints or ``None``.
            ValueError: ``env`` does not autoreset in the same step, or a seed is invalid.

        Example:
            >>> import gymnasium as gym
            >>> from gymnasium.vector import AutoresetMode, SyncVectorEnv
            >>> fns = [lambda: gym.make("CartPole-v1")] * 2
            >>> VecEnv.from_vector_env(SyncVectorEnv(fns, autoreset_mode=AutoresetMode.SAME_STEP))
            <VecEnv: 2>
        """
        if not isinstance(env, VectorEnv):
            raise TypeError(f"env must be a gymnasium.vector.VectorEnv, got {type(env)}")
        autoreset_mode = env.metadata.get("autoreset_mode")
        if autoreset_mode != AutoresetMode.SAME_STEP:
            raise ValueError(
                "env must autoreset in the same step (metadata['autoreset_mode'] == "
                f"AutoresetMode.SAME_STEP), got {autoreset_mode!r}"
            )
        checked = check_seeds("seeds", seeds, env.num_envs)
        self = cls.__new__(cls)
        self._setup(env, "vector", checked, env.spec)
        return self

    def _setup(
        self,
        backend: VectorEnv[Any, Any, Any],
        mode: str,
        seeds: int | list[int | None] | None,
        spec: Any,
    ) -> None:
        self.viewer: ImageViewer | None = None
        self._backend = backend
        self.mode = mode
        self._pending_seeds = seeds
        self.num_envs = backend.num_envs
        self.metadata = {**backend.metadata, "autoreset_mode": AutoresetMode.SAME_STEP}
        self.render_mode = backend.render_mode
        self.spec = spec
        self.single_observation_space = backend.single_observation_space
        self.single_action_space = backend.single_action_space
        self.observation_space = backend.observation_space
        self.action_space = backend.action_space
        self._reset_done = False  # step() before the first reset() is refused
        self._check_actions = _ActionCheck.of(mode, self.single_action_space, self.action_space)

    def _check_open(self, method: str) -> None:
        if self.closed:
            raise ClosedEnvironmentError(f"cannot call {method}() on {self!r}: it is closed")

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Reset all sub-environments and return ``(observations, infos)``.

        Args:
            seed: ``None`` (on the first reset, the ``seeds`` given at construction), an int
                ``s`` (sub-environment ``i`` gets ``s + i``) or one seed (or ``None``) per
                sub-environment; seeds are ints in ``[0, 2**32 - 1]``.
            options: passed to every sub-environment's ``reset``; gymnasium's
                ``options["reset_mask"]`` (a bool array ``[N]``) resets only the selected ones.

        Returns:
            the batched initial observations ``[N, ...]`` and the batched infos.

        Raises:
            TypeError: ``seed`` is not an int, a list of ints or ``None``, or ``options`` is
                not a dict or ``None``.
            ValueError: a seed is outside ``[0, 2**32 - 1]``, or not one per sub-environment;
                ``options["reset_mask"]`` is not a bool array ``[N]``; or, on a natively
                vectorized environment (one for every row, see
                :func:`~lagom.envs.make_native_vec_env`), a list of seeds or a mask that
                leaves a row out.
        """
        self._check_open("reset")
        if seed is None:
            seed = self._pending_seeds
        # One check and one message for every backend; a vector env gets an int as is.
        checked = check_seeds("seed", seed, self.num_envs)
        shared = self._shared_env()
        if shared is not None and isinstance(checked, list):
            raise ValueError(
                f"{self!r} steps every row in one natively vectorized environment (one "
                f"generator): seed must be one int or None, got a list of {len(checked)}"
            )
        if self.mode != "vector":
            checked = reset_seeds(checked, self.num_envs)
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(f"options must be a dict or None, got {type(options).__name__}")
        if options is not None and "reset_mask" in options:
            mask = options["reset_mask"]
            if not is_bool_vector(mask, self.num_envs):
                raise ValueError(
                    f"options['reset_mask'] must be a bool array of shape ({self.num_envs},), "
                    f"got {mask!r:.60}"
                )
            if shared is not None and not mask.all():
                raise ValueError(
                    f"{self!r} steps every row in one natively vectorized environment, which "
                    "resets all rows at once: options['reset_mask'] must select every row"
                )
        self._pending_seeds = None
        # A copy: gymnasium's async backend pops "reset_mask" from the dict it is given.
        options = None if options is None else dict(options)
        result = self._backend.reset(seed=checked, options=options)  # type: ignore[arg-type]
        self._reset_done = True
        return result

    def step(
        self, actions: ArrayLike
    ) -> tuple[Any, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        """Step every sub-environment with its action; autoreset the ones whose episode ended.

        Args:
            actions: a batch of actions from ``action_space`` (e.g. ``[N]`` for discrete
                actions, ``[N, *shape]`` for boxes), row ``i`` for sub-environment ``i``.

        Returns:
            ``(observations [N, ...], rewards [N], terminated [N], truncated [N], infos)``;
            see the class docstring for the same-step layout of ``infos``.

        Raises:
            ClosedEnvironmentError: the environment is closed.
            gymnasium.error.ResetNeeded: :meth:`reset` was never called.
            TypeError: the actions cannot be read as an array (e.g. a tensor that requires
                grad: pass ``.detach()``).
            ValueError: the batch of actions has the wrong shape, a continuous (``Box``)
                action is not a finite real number, or a sub-environment refuses its
                action (in ``"async"`` mode every row is checked against
                ``single_action_space`` before any sub-environment steps, since a worker
                that raised would shut its process down).
        """
        self._check_open("step")
        try:
            reset_done, check = self._reset_done, self._check_actions
        except AttributeError:
            # Restored from a checkpoint written before these attributes existed: it ran.
            reset_done, check = True, self._restored_check()
        if not reset_done:
            raise ResetNeeded(f"call reset() before step() on {self!r}")
        if check is not None:
            actions = check(actions)
        return self._backend.step(actions)

    def _restored_check(self) -> _ActionCheck | None:
        self._reset_done = True
        self._check_actions = _ActionCheck.of(
            self.mode, self.single_action_space, self.action_space
        )
        return self._check_actions

    def get_images(self) -> NDArray[np.uint8]:
        """Return the sub-environments' RGB frames as one array ``[N, H, W, C]``.

        Raises:
            ValueError: the sub-environments do not render ``"rgb_array"`` frames.
        """
        self._check_open("get_images")
        if self.render_mode != "rgb_array":
            raise ValueError(
                "get_images needs sub-environments made with render_mode='rgb_array', "
                f"got render_mode={self.render_mode!r}"
            )
        frames = self._backend.render()
        return np.stack([np.asarray(frame, dtype=np.uint8) for frame in frames or ()])

    @overload  # type: ignore[override]  # one tiled image, not gymnasium's tuple of frames
    def render(self, mode: Literal["rgb_array"] = "rgb_array") -> NDArray[np.uint8]: ...
    @overload
    def render(self, mode: Literal["human"]) -> None: ...
    def render(self, mode: Literal["rgb_array", "human"] = "rgb_array") -> NDArray[np.uint8] | None:
        """Tile the sub-environments' frames into one image with :class:`~lagom.vis.GridImage`.

        Unlike gymnasium's vector ``render`` (a tuple of frames) this returns one grid, as the
        original lagom did; the frames come from :meth:`get_images`.

        Args:
            mode: ``"rgb_array"`` returns the grid ``[H, W, C]`` (uint8); ``"human"`` shows it
                in :meth:`get_viewer` and returns ``None``.

        Raises:
            ValueError: an unknown mode, or sub-environments without ``"rgb_array"`` frames.
        """
        if mode not in ("rgb_array", "human"):
            raise ValueError(f"mode must be 'rgb_array' or 'human', got {mode!r}")
        # lagom.vis (matplotlib ring) is only needed here; imported by name so that mypy and
        # the import of lagom.envs never depend on it.
        grid = importlib.import_module("lagom.vis").GridImage(ncol=5, padding=5, pad_value=0)
        grid.add(self.get_images().transpose(0, 3, 1, 2))
        image = np.asarray(grid(), dtype=np.uint8)
        if mode == "rgb_array":
            return image
        self.get_viewer()(image)
        return None

    def get_viewer(self) -> ImageViewer:
        """Return the :class:`~lagom.vis.ImageViewer` used by ``render("human")``, made once."""
        if self.viewer is None:
            self.viewer = importlib.import_module("lagom.vis").ImageViewer(max_width=500)
        return self.viewer

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Call method ``name`` (or read attribute ``name``) of every sub-environment.

        Raises:
            TypeError: ``name`` is not a str.
            AttributeError: the sub-environments have no attribute ``name`` (as ``getattr``).
        """
        self._check_open("call")
        check_str("name", name)
        shared = self._shared_env()
        try:
            if shared is not None:
                # One environment serves every row: its attribute (or what calling it
                # returns, once) stands for each sub-environment's.
                value = getattr(shared, name)
                return (value(*args, **kwargs) if callable(value) else value,) * self.num_envs
            return tuple(self._backend.call(name, *args, **kwargs))  # type: ignore[attr-defined]
        except AttributeError as error:
            raise AttributeError(
                f"name {name!r}: the sub-environments have no such attribute ({error})"
            ) from error

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """Read attribute ``name`` of every sub-environment.

        Raises:
            TypeError: ``name`` is not a str.
            AttributeError: the sub-environments have no attribute ``name`` (as ``getattr``).
        """
        return self.call(name)

    # Any: attribute values of the user's environments, one each or one for all.
    def set_attr(self, name: str, values: Any) -> None:
        """Set attribute ``name`` of every sub-environment (one value each, or one for all).

        Raises:
            TypeError: ``name`` is not a str.
        """
        self._check_open("set_attr")
        check_str("name", name)
        shared = self._shared_env()
        if shared is None:
            self._backend.set_attr(name, values)  # type: ignore[attr-defined]
            return
        if isinstance(values, (list, tuple)):
            if len(values) != self.num_envs or any(v is not values[0] for v in values):
                raise ValueError(
                    f"{self!r} steps every row in one natively vectorized environment: "
                    f"set_attr takes one value for all rows, got {len(values)} values"
                )
            values = values[0]
        if not hasattr(shared, name):
            raise AttributeError(f"name {name!r}: the environment has no such attribute")
        setattr(shared, name, values)

    def _shared_env(self) -> Any:
        """The one natively vectorized environment that steps every row (a backend with no
        sub-environments to ``call``), or ``None``."""
        if self.mode != "vector" or callable(getattr(self._backend, "call", None)):
            return None
        return self._backend.unwrapped

    def close(self, **kwargs: Any) -> None:
        """Close the image viewer and all sub-environments; calling it again does nothing.

        Called automatically when the environment is garbage collected. Keyword arguments go
        to :meth:`close_extras`.
        """
        if self.closed:
            return
        viewer = getattr(self, "viewer", None)
        if viewer is not None:
            viewer.close()
        self.close_extras(**kwargs)
        self.closed = True

    def close_extras(self, **kwargs: Any) -> None:
        """Close the sub-environments (and, in async mode, their processes)."""
        self._backend.close(**kwargs)

    @property
    def unwrapped(self) -> VecEnv:
        """This environment itself, the innermost vectorized environment of a wrapper stack."""
        return self

    def __len__(self) -> int:
        return self.num_envs

    def __repr__(self) -> str:
        if self.spec is None:
            return f"<{type(self).__name__}: {self.num_envs}>"
        return f"<{type(self).__name__}: {self.num_envs}, {self.spec.id}>"

    def __del__(self) -> None:
        if not getattr(self, "closed", True) and hasattr(self, "_backend"):
            self.close()


class _ActionCheck:
    """Refuses a bad batch of actions before any sub-environment steps.

    In every mode but ``"vector"`` (whose environment checks its own batch): ``Discrete``
    actions must be integers in the space's range (vectorized: one check for the batch, so no
    sub-environment steps before a later one refuses), and continuous (``Box``) actions of
    a real dtype and finite (a NaN would poison a sub-environment's state for good; values
    out of the bounds stay the environment's to clip). Other spaces: in ``"async"`` mode
    every row must be an element of the single action space, since a worker whose
    environment raised shuts its process down; in ``"sync"`` mode the sub-environments'
    own checks refuse them.
    """

    def __init__(self, single: gym.Space[Any], batch: gym.Space[Any]) -> None:
        self._single = single
        self._batch = batch
        self._box = isinstance(single, spaces.Box)
        # Discrete(n, start): its range, read once.
        self._range = (
            (int(single.start), int(single.n)) if isinstance(single, spaces.Discrete) else None
        )
        self._array = isinstance(batch, (spaces.Box, spaces.MultiDiscrete, spaces.MultiBinary))

    @classmethod
    def of(cls, mode: str, single: gym.Space[Any], batch: gym.Space[Any]) -> _ActionCheck | None:
        """The check for ``mode``'s backend, or ``None`` where it needs none (sync mode
        checks only Box and Discrete batches: its sub-environments refuse the rest)."""
        if mode == "vector":
            return None
        if mode == "sync" and not isinstance(single, (spaces.Box, spaces.Discrete)):
            return None
        return cls(single, batch)

    def __call__(self, actions: Any) -> Any:
        if not self._array:
            return self._check_rows(actions)
        array = readable_array("actions", actions)
        if array.shape != self._batch.shape:
            raise ValueError(
                f"expected actions of shape {self._batch.shape} (one row per "
                f"sub-environment), got {array.shape}"
            )
        kind = array.dtype.kind
        if self._range is not None:
            start, n = self._range
            if kind not in "iu" or not in_range(array, start, n):
                i = (
                    0
                    if kind not in "iu"
                    else int(np.flatnonzero((array < start) | (array >= start + n))[0])
                )
                raise ValueError(
                    f"sub-environment {i} refused the action {array[i]!r}: expected an "
                    f"element of {self._single} (an integer from {start} to {start + n - 1})"
                )
            return array
        if kind not in "biuf":
            raise ValueError(
                f"expected numeric actions from {self._single}, got dtype {array.dtype}"
            )
        if self._box:
            finite = np.isfinite(array).reshape(len(array), -1).all(axis=1)
            if not finite.all():
                raise ValueError(
                    f"expected finite actions from {self._single}, got NaN or inf in the "
                    f"rows of sub-environments {np.flatnonzero(~finite).tolist()}"
                )
            return array
        return self._check_rows(array)

    def _check_rows(self, actions: Any) -> Any:
        """Every row an element of the single space (async mode: sync mode has no check
        for these spaces)."""
        try:
            rows = list(iterate(self._batch, actions))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            raise ValueError(
                f"expected a batch of actions from {self._batch}, got {actions!r:.200}"
            ) from error
        for i, action in enumerate(rows):
            if not self._single.contains(action):
                raise ValueError(
                    f"sub-environment {i} refused the action {action!r}: expected an "
                    f"element of {self._single}"
                )
        return actions
