"""Standardized observations: :class:`NormalizeObservation` and its vectorized twin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, SupportsFloat, TypeAlias, TypeVar, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.core import ActType
from gymnasium.vector import VectorEnv
from gymnasium.vector.utils import batch_space

from lagom._checks import as_float_array, check_finite, check_positive
from lagom._types import ArrayLike, BoolArray, Float64Array, FloatArray, NDArray
from lagom.envs.vec_env_wrapper import (
    VecEnvWrapper,
    _check_single_env,
    _check_vec_env,
    _reset,
    _step,
)
from lagom.transform import RunningMeanVar

__all__ = ["NormalizeObservation", "VecNormalizeDictObservation", "VecNormalizeObservation"]

#: Added to the variance before the square root, as in the original lagom.
EPS = 1e-8


def _box_space(space: gym.Space[Any], wrapper: str) -> spaces.Box:
    if not isinstance(space, spaces.Box):
        raise TypeError(
            f"{wrapper} needs a Box observation space (an array of numbers), got {space}; "
            "flatten or select the array first (e.g. gymnasium.wrappers.FlattenObservation)"
        )
    return space


def _moment(name: str, value: ArrayLike) -> Float64Array:
    arr = as_float_array(value, name)
    if np.asarray(value).dtype == np.bool_:
        raise TypeError(f"{name} must hold real numbers, got bools {value!r}")
    return check_finite(name, arr.astype(np.float64))


def _moments(
    constant_moments: tuple[ArrayLike, ArrayLike], shape: tuple[int, ...]
) -> tuple[Float64Array, Float64Array]:
    if isinstance(constant_moments, (str, bytes)) or not isinstance(constant_moments, Sequence):
        raise TypeError(
            f"constant_moments must be a (mean, var) pair, got {type(constant_moments).__name__}"
        )
    if len(constant_moments) != 2:
        raise ValueError(f"constant_moments must be (mean, var), got {constant_moments!r}")
    mean, var = (
        _moment(f"constant_moments {name}", m)
        for name, m in zip(("mean", "var"), constant_moments, strict=True)
    )
    for name, value in (("mean", mean), ("var", var)):
        if value.shape not in ((), shape):
            raise ValueError(
                f"constant_moments {name} must be a scalar or have the observation shape "
                f"{shape}, got shape {value.shape}"
            )
    if (var < 0).any():
        raise ValueError(f"constant_moments var must be non-negative, got {var}")
    return mean, var


class _Normalizer:
    """What both wrappers share: ``clip((x - mean) / sqrt(var + eps), -clip, clip)``.

    With running moments, :meth:`update` adds a batch ``[B, *shape]`` to them first.
    """

    def __init__(
        self,
        space: spaces.Box,
        clip: float,
        constant_moments: tuple[ArrayLike, ArrayLike] | None,
    ) -> None:
        self.clip = check_positive("clip", clip)
        self.constant_moments = constant_moments
        self.obs_moments: RunningMeanVar | None = None
        if constant_moments is None:
            self.obs_moments = RunningMeanVar(shape=space.shape)
        else:
            self._mean, self._var = _moments(constant_moments, space.shape)
        dtype = space.dtype if np.issubdtype(space.dtype, np.floating) else np.dtype(np.float32)
        self.space = spaces.Box(-self.clip, self.clip, shape=space.shape, dtype=dtype)

    def check(self, name: str, x: ArrayLike, batch: tuple[int, ...]) -> FloatArray:
        """``x`` as an array of real numbers of shape ``[*batch, *space.shape]``."""
        array = np.asarray(x)
        expected = (*batch, *self.space.shape)
        if array.shape != expected or array.dtype.kind not in "biuf":
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
            raise ValueError(f"{name} must have shape {expected}, got {array.shape}")
        return array

    def update(self, batch: FloatArray) -> None:
        if self.obs_moments is not None and len(batch) > 0:
            # A NaN observation would poison the moments for good: say where it came from.
            check_finite("observations (of the wrapped environment)", np.asarray(batch))
            self.obs_moments(batch)

    def __call__(self, x: ArrayLike) -> FloatArray:
        if self.obs_moments is not None:
            mean, var = self.obs_moments.mean, self.obs_moments.var
        else:
            mean, var = self._mean, self._var
        z = (np.asarray(x, dtype=np.float64) - mean) / np.sqrt(var + EPS)
        out: FloatArray = np.clip(z, -self.clip, self.clip).astype(self.space.dtype)
        return out


class NormalizeObservation(gym.ObservationWrapper[FloatArray, ActType, Any]):
    """Standardize the observations of a single environment with running moments.

    Every observation ``x`` (of ``reset`` and ``step``) first updates the running mean ``mu``
    and variance ``sigma^2`` (:class:`~lagom.transform.RunningMeanVar`, per coordinate) and
    is returned as ``clip((x - mu) / sqrt(sigma^2 + 1e-8), -clip, clip)``, computed in float64
    and cast to the observation dtype (float32 for non-float spaces). With
    ``constant_moments=(mean, var)`` nothing is estimated and these are used instead, e.g.
    to evaluate a policy with the statistics it was trained with. The observation space
    becomes ``Box(-clip, clip)`` of the same shape.

    For a vectorized environment use :class:`VecNormalizeObservation`.

    Args:
        env: a single ``gymnasium.Env`` with a ``Box`` observation space.
        clip: bound of the standardized observations (positive; ``inf`` does not clip).
        constant_moments: ``None`` (running estimates) or ``(mean, var)``, each a scalar or
            an array of the observation shape.

    Attributes:
        obs_moments: the :class:`~lagom.transform.RunningMeanVar` (``None`` with constant
            moments).

    Raises:
        TypeError: ``env`` is vectorized, not an env, or has no ``Box`` observation space, or
            ``constant_moments`` is not a pair of real numbers or arrays.
        ValueError: ``clip`` is not positive, or ``constant_moments`` has a wrong shape, a
            NaN or an infinity, or a negative variance.

    Example:
        >>> import gymnasium as gym
        >>> env = NormalizeObservation(gym.make("CartPole-v1"), clip=5.0)
        >>> observation, _ = env.reset(seed=0)
        >>> observation.dtype, int(env.obs_moments.n), env.observation_space.high[0]
        (dtype('float32'), 1, np.float32(5.0))
        >>> const = NormalizeObservation(gym.make("CartPole-v1"), constant_moments=(1.0, 4.0))
        >>> const.observation(np.array([3.0, 1.0, -1.0, 100.0]))
        array([ 1.,  0., -1.,  5.], dtype=float32)
    """

    def __init__(
        self,
        env: gym.Env[Any, ActType],
        clip: float = 5.0,
        constant_moments: tuple[ArrayLike, ArrayLike] | None = None,
    ) -> None:
        _check_single_env(env, "NormalizeObservation")
        space = _box_space(env.observation_space, "NormalizeObservation")
        super().__init__(env)
        self._normalizer = _Normalizer(space, clip, constant_moments)
        self.clip = self._normalizer.clip
        self.constant_moments = constant_moments
        self.obs_moments = self._normalizer.obs_moments
        self.observation_space = self._normalizer.space  # type: ignore[assignment]  # a float Box

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[FloatArray, dict[str, Any]]:
        """Reset the environment; return its standardized first observation.

        Raises:
            TypeError: ``seed`` is not an int or ``None``, or ``options`` is not a dict.
            ValueError: ``seed`` is outside ``[0, 2**32 - 1]``.
        """
        observation, info = _reset(self.env, seed, options)
        return self.observation(observation), info

    def step(self, action: ActType) -> tuple[FloatArray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the environment; return the standardized observation.

        Raises:
            ValueError: the environment refused ``action`` (gymnasium's environments assert
                that an action lies in their action space).
        """
        observation, reward, terminated, truncated, info = _step(self.env, action)
        return self.observation(observation), reward, terminated, truncated, info

    def observation(self, observation: ArrayLike) -> FloatArray:
        """Update the moments with ``observation`` and return it standardized.

        Raises:
            TypeError: ``observation`` does not hold real numbers.
            ValueError: ``observation`` does not have the observation space's shape, or
                holds a NaN or an infinity.
        """
        x = self._normalizer.check("observation", observation, ())
        self._normalizer.update(x[None])
        return self._normalizer(x)


class _KeyNormalizers:
    """A :class:`_Normalizer` per normalized key of a ``Dict`` space (the others pass as
    they are); the batch methods take and give dicts of ``[B, *shape]`` arrays."""

    def __init__(
        self,
        space: spaces.Dict,
        clip: float,
        constant_moments: Mapping[str, tuple[ArrayLike, ArrayLike]] | None,
        keys: Sequence[str] | None,
    ) -> None:
        if keys is None:
            chosen = [
                key
                for key, sub in space.spaces.items()
                if isinstance(sub, spaces.Box) and np.issubdtype(sub.dtype, np.floating)
            ]
        elif isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence):
            raise TypeError(f"keys must be a list of str or None, got {type(keys).__name__}")
        else:
            chosen = list(keys)
        for key in chosen:
            if key not in space.spaces:
                raise ValueError(f"keys: {key!r} is not a key of the observations {list(space)}")
            _box_space(space[key], f"VecNormalizeDictObservation (key {key!r})")
        if not chosen:
            raise ValueError(
                f"no key of the observations {list(space)} is a float Box to normalize: "
                "name them with keys="
            )
        if constant_moments is not None:
            if not isinstance(constant_moments, Mapping):
                raise TypeError(
                    "constant_moments of a Dict space must be a dict of (mean, var) by key, "
                    f"got {type(constant_moments).__name__}"
                )
            if set(constant_moments) != set(chosen):
                raise ValueError(
                    f"constant_moments must have exactly the normalized keys {sorted(chosen)}, "
                    f"got {sorted(constant_moments)}"
                )
        self.normalizers = {
            key: _Normalizer(
                cast(spaces.Box, space[key]),
                clip,
                None if constant_moments is None else constant_moments[key],
            )
            for key in chosen
        }
        self.clip = check_positive("clip", clip)
        self.space = spaces.Dict(
            {
                key: self.normalizers[key].space if key in self.normalizers else sub
                for key, sub in space.spaces.items()
            }
        )

    def update(self, batch: Mapping[str, NDArray[Any]]) -> None:
        for key, normalizer in self.normalizers.items():
            normalizer.update(np.asarray(batch[key]))

    def __call__(self, x: Mapping[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        return {
            key: self.normalizers[key](value) if key in self.normalizers else value
            for key, value in x.items()
        }


def _rows(observations: Observations, rows: NDArray[Any]) -> Observations:
    if isinstance(observations, Mapping):
        return {key: np.asarray(x)[rows] for key, x in observations.items()}
    picked: NDArray[Any] = np.asarray(observations)[rows]
    return picked


def _stack(items: Sequence[Observations]) -> Observations:
    first = items[0]
    if isinstance(first, Mapping):
        return {
            key: np.stack([np.asarray(cast(Mapping[str, Any], item)[key]) for item in items])
            for key in first
        }
    return np.stack([np.asarray(item) for item in items])


def _concatenate(a: Observations, b: Observations) -> Observations:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return {key: np.concatenate([np.asarray(a[key]), np.asarray(b[key])]) for key in a}
    return np.concatenate([np.asarray(a), np.asarray(b)])


def _unstack(observations: Observations, n: int) -> list[Observations]:
    if isinstance(observations, Mapping):
        return [{key: x[i] for key, x in observations.items()} for i in range(n)]
    return list(observations)


#: A batch of observations: an array, or a dict of arrays (a ``Dict`` space).
Observations: TypeAlias = "NDArray[Any] | dict[str, NDArray[Any]]"
_ObsT = TypeVar("_ObsT", FloatArray, dict[str, NDArray[Any]])


class _VecNormalize(VecEnvWrapper, Generic[_ObsT]):
    """The reset and step of both vectorized normalizers (see VecNormalizeObservation)."""

    def __init__(
        self, env: VectorEnv[Any, Any, Any], normalizer: _Normalizer | _KeyNormalizers
    ) -> None:
        super().__init__(env)
        self._normalizer = normalizer
        self.clip = normalizer.clip
        self.single_observation_space = normalizer.space
        self.observation_space = batch_space(normalizer.space, self.num_envs)

    def _update(self, observations: Observations) -> None:
        self._normalizer.update(observations)  # type: ignore[arg-type]  # matched at __init__

    def _normalize(self, observations: Observations) -> _ObsT:
        return self._normalizer(observations)  # type: ignore[arg-type,return-value]  # matched at __init__

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[_ObsT, dict[str, Any]]:
        """Reset the environment; update the moments with the reset rows and standardize.

        Raises:
            TypeError: ``options`` is not a dict or ``None`` (the seeds are checked by the
                wrapped environment).
        """
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(f"options must be a dict or None, got {type(options).__name__}")
        mask = None if options is None else options.get("reset_mask")
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # lagom VecEnv takes a list
        observations = _as_batch(observations)
        self._update(observations if mask is None else _rows(observations, np.asarray(mask)))
        return self._normalize(observations), infos

    def step(
        self, actions: ArrayLike
    ) -> tuple[_ObsT, Float64Array, BoolArray, BoolArray, dict[str, Any]]:
        """Step the environment; standardize the observations and the final observations."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        observations = _as_batch(observations)
        ended = infos.get("_final_obs")
        if ended is None or not ended.any():
            self._update(observations)
            return self._normalize(observations), rewards, terminated, truncated, infos
        rows = np.flatnonzero(ended)
        finals = _stack([infos["final_obs"][i] for i in rows])
        self._update(_concatenate(observations, finals))
        final_obs = np.full(self.num_envs, None, dtype=object)
        for i, final in zip(rows, _unstack(self._normalize(finals), len(rows)), strict=True):
            final_obs[i] = final
        infos = {**infos, "final_obs": final_obs}
        return self._normalize(observations), rewards, terminated, truncated, infos


class VecNormalizeObservation(_VecNormalize[FloatArray]):
    """Standardize the observations of a vectorized environment with running moments.

    The vectorized :class:`NormalizeObservation`, with one set of moments over all
    sub-environments. At each ``reset`` and ``step`` the moments are updated once with the
    batch of observations ``[N, *shape]`` and, in a step where episodes end, the true final
    observations ``infos["final_obs"]`` of those rows; then the observations and those final
    observations are all standardized with the updated moments, so a final observation and
    the observations beside it are on the same scale. Needs same-step autoreset (a
    :class:`~lagom.envs.VecEnv`; gymnasium's own vector ``NormalizeObservation`` refuses it).
    For a ``Dict`` observation space use :class:`VecNormalizeDictObservation`.

    Args:
        env: a vectorized environment with same-step autoreset and a ``Box`` observation space.
        clip: bound of the standardized observations (positive; ``inf`` does not clip).
        constant_moments: ``None`` (running estimates) or ``(mean, var)``.

    Raises:
        TypeError: ``env`` is not vectorized or has no ``Box`` observation space, or
            ``constant_moments`` is not a pair of real numbers or arrays.
        ValueError: ``env`` does not autoreset in the same step, ``clip`` is not positive, or
            ``constant_moments`` is invalid (as for :class:`NormalizeObservation`).

    Example:
        >>> import gymnasium as gym
        >>> from lagom.envs import make_vec_env
        >>> env = VecNormalizeObservation(make_vec_env(lambda: gym.make("CartPole-v1"), 4, 0))
        >>> observations, _ = env.reset()
        >>> observations.shape, int(env.obs_moments.n), bool(abs(observations.mean(0)).max() < 1e-3)
        ((4, 4), 4, True)
    """

    def __init__(
        self,
        env: VectorEnv[Any, Any, Any],
        clip: float = 5.0,
        constant_moments: tuple[ArrayLike, ArrayLike] | None = None,
    ) -> None:
        env = _check_vec_env(env, "VecNormalizeObservation")
        single = env.single_observation_space
        if isinstance(single, spaces.Dict):
            raise TypeError(
                "VecNormalizeObservation needs a Box observation space, got a Dict: use "
                "VecNormalizeDictObservation (moments per key)"
            )
        normalizer = _Normalizer(
            _box_space(single, "VecNormalizeObservation"), clip, constant_moments
        )
        super().__init__(env, normalizer)
        self.constant_moments = constant_moments
        #: The running moments (``None`` with constant moments).
        self.obs_moments: RunningMeanVar | None = normalizer.obs_moments


class VecNormalizeDictObservation(_VecNormalize[dict[str, NDArray[Any]]]):
    """:class:`VecNormalizeObservation` for a ``Dict`` observation space, key by key.

    Each normalized key (``keys``; by default every ``Box`` of floats: uint8 images and
    integer keys pass unchanged, as Stable-Baselines3's ``VecNormalize`` leaves images
    alone) is standardized with moments of its own (:attr:`key_moments`), updated and
    applied as :class:`VecNormalizeObservation` does (the true final observations
    included); observations are dicts of ``[N, *shape]`` arrays. E.g. goal-conditioned
    ``observation``, ``achieved_goal`` and ``desired_goal``.

    Args:
        env: a vectorized environment with same-step autoreset and a ``Dict`` observation
            space.
        clip: bound of the standardized observations (positive; ``inf`` does not clip).
        constant_moments: ``None`` (running estimates) or a dict of ``(mean, var)`` for
            exactly the normalized keys.
        keys: the keys to standardize (``None``: the float Boxes).

    Raises:
        TypeError: ``env`` is not vectorized or its observations are not a ``Dict``, a key
            to normalize is not a ``Box``, ``keys`` is not a list, or ``constant_moments``
            is not a dict of pairs of real numbers or arrays.
        ValueError: ``env`` does not autoreset in the same step, ``clip`` is not positive,
            ``keys`` names no key of the space or no float Box is there to normalize, or
            ``constant_moments`` is invalid or has other keys than the normalized ones.

    Example:
        >>> import gymnasium as gym
        >>> from gymnasium.wrappers import TransformObservation
        >>> from lagom.envs import make_vec_env
        >>> space = gym.spaces.Dict({
        ...     "frame": gym.spaces.Box(0, 255, (2,), np.uint8),
        ...     "position": gym.spaces.Box(-10.0, 10.0, (4,), np.float32),
        ... })
        >>> def with_frame():
        ...     to_dict = lambda x: {"frame": np.full(2, 7, np.uint8), "position": x}
        ...     return TransformObservation(gym.make("CartPole-v1"), to_dict, space)
        >>> env = VecNormalizeDictObservation(make_vec_env(with_frame, 4, 0))
        >>> obs, _ = env.reset()
        >>> obs["frame"][0].tolist(), sorted(env.key_moments), obs["position"].dtype
        ([7, 7], ['position'], dtype('float32'))
    """

    def __init__(
        self,
        env: VectorEnv[Any, Any, Any],
        clip: float = 5.0,
        constant_moments: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None,
        *,
        keys: Sequence[str] | None = None,
    ) -> None:
        env = _check_vec_env(env, "VecNormalizeDictObservation")
        single = env.single_observation_space
        if not isinstance(single, spaces.Dict):
            raise TypeError(
                f"VecNormalizeDictObservation needs a Dict observation space, got {single}: "
                "use VecNormalizeObservation"
            )
        normalizer = _KeyNormalizers(single, clip, constant_moments, keys)
        super().__init__(env, normalizer)
        self.constant_moments = constant_moments
        #: The running moments of each normalized key (empty with constant moments).
        self.key_moments: dict[str, RunningMeanVar] = {
            key: n.obs_moments
            for key, n in normalizer.normalizers.items()
            if n.obs_moments is not None
        }


def _as_batch(observations: Any) -> Observations:
    if isinstance(observations, Mapping):
        return {key: np.asarray(x) for key, x in observations.items()}
    return np.asarray(observations)
