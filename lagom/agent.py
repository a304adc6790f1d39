"""Agents: the :class:`Agent` protocol, the :class:`BaseAgent` class and :class:`RandomAgent`.

An agent maps what it observes to an action (:meth:`BaseAgent.choose_action`) and updates
itself from collected data (:meth:`BaseAgent.learn`). Runners (:mod:`lagom.runner`) only
need ``choose_action``, so they accept anything that satisfies :class:`Agent`.

``choose_action`` returns a dict that holds at least ``"raw_action"``, the action passed to
``env.step``; runners store every other key (``"V"``, ``"action_logprob"``, ...) with the
step, so an agent decides what it wants to find in the collected data.

Unlike the original lagom, :class:`BaseAgent` is not a ``torch.nn.Module``, so this module
does not import torch. A torch agent mixes in :class:`lagom.networks.Module`::

    class PPOAgent(BaseAgent, Module): ...

``BaseAgent.__init__`` initializes the module first (cooperative ``super().__init__()``), so
networks passed as keyword arguments or set in the subclass register as submodules.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from gymnasium import spaces

if TYPE_CHECKING:
    import torch

__all__ = ["Agent", "BaseAgent", "EnvWithSpaces", "RandomAgent"]


@runtime_checkable
class Agent(Protocol):
    """What a runner needs from an agent: ``choose_action(x, /, *, last_info=False) -> dict``.

    The returned mapping holds ``"raw_action"`` (the action for ``env.step``) and any other
    outputs to store with the step. Runners pass ``last_info=True`` when they call it on the
    final observation of a trajectory (to get, e.g., ``V`` for bootstrapping); the agent may
    then omit ``"raw_action"``. Keyword arguments given to a runner call are passed on to
    ``choose_action`` too, so an agent usually takes ``**kwargs``.

    ``x`` is positional-only (runners always pass it by position), so an agent may name it as
    it likes. The protocol lists no ``**kwargs`` on purpose: with them, mypy would accept only
    agents whose first parameter is positional-only too (``def choose_action(self, obs, /,
    **kwargs)``), since any other name could also arrive as a keyword. As it is, ``def
    choose_action(self, obs, **kwargs)`` satisfies the protocol under ``mypy --strict``, and
    so does :class:`BaseAgent`.

    Example:
        Any object with a ``choose_action`` method satisfies the protocol:

        >>> from typing import Any
        >>> class Constant:
        ...     def choose_action(self, obs: Any, **kwargs: Any) -> dict[str, Any]:
        ...         return {"raw_action": 0}
        >>> agent: Agent = Constant()  # type-checks whatever ``x`` is called
        >>> isinstance(agent, Agent), isinstance(object(), Agent)
        (True, False)
        >>> agent.choose_action(None), agent.choose_action(None, last_info=True)
        ({'raw_action': 0}, {'raw_action': 0})
    """

    # Any: an agent acts on whatever its environment observes; Any (not object) so that an
    # agent annotating its own observation type still satisfies the protocol.
    def choose_action(self, x: Any, /, *, last_info: bool = False) -> Mapping[str, Any]:
        """Return the action for ``x`` under ``"raw_action"``, plus other outputs."""
        ...


class EnvWithSpaces(Protocol):
    """An environment as an agent sees it: its observation and action spaces.

    Satisfied by a ``gymnasium.Env``, its wrappers (e.g. :class:`lagom.envs.TimeStepEnv`) and
    a vectorized environment (whose ``action_space`` is the batched space).

    Example:
        >>> import gymnasium as gym
        >>> def spaces_of(env: EnvWithSpaces):
        ...     return env.observation_space, env.action_space
        >>> env = gym.make("CartPole-v1")
        >>> spaces_of(env)
        (Box([-4.8 ...], [4.8 ...], (4,), float32), Discrete(2))
        >>> env.close()
    """

    @property
    def observation_space(self) -> spaces.Space[Any]:
        """The observation space."""
        ...

    @property
    def action_space(self) -> spaces.Space[Any]:
        """The action space (batched over sub-environments for a vectorized environment)."""
        ...


# A device name as torch writes one ("cpu", "cuda:1", "mps"), checked without importing
# torch: the device types torch knows, an optional index.
_DEVICE_NAME = re.compile(
    r"(cpu|cuda|mps|xpu|xla|meta|hpu|mtia|ipu|lazy|vulkan|privateuseone|maia|ve|fpga|hip"
    r"|ort|mkldnn|opengl|opencl|ideep)(:\d+)?"
)


def _is_torch_device(device: object) -> bool:
    # Recognized by its type's name, so that this module never imports torch.
    kind = type(device)
    return kind.__module__ == "torch" and kind.__name__ == "device"


class BaseAgent(ABC):
    """Base class for all agents.

    The agent could select an action from some data (e.g. observation) and update itself by
    defining a certain learning mechanism. Any agent should subclass this class, e.g.
    policy-based or value-based.

    Every keyword argument becomes an attribute of the same name (``BaseAgent(config, env,
    device, policy=net)`` sets ``self.policy``).

    A subclass keeps the parameter names of the methods it overrides (``x``, ``D``): next to
    ``**kwargs`` a renamed parameter breaks the override for mypy. An agent that does not
    subclass ``BaseAgent`` may name them freely (see :class:`Agent`).

    Args:
        config: a dictionary of configurations.
        env: environment object (a single or a vectorized environment).
        device: a PyTorch device (or its name), for the agent's tensors.
        **kwargs: keyword arguments used to specify the agent, stored as attributes.

    Attributes:
        config: the configuration.
        env: the environment.
        device: the device.
        info: a dictionary the agent may fill with anything worth reporting.
        is_recurrent: whether the agent keeps a hidden state (``None`` until a subclass
            sets it).

    Raises:
        TypeError: ``config`` is not a mapping, or ``device`` is neither a
            ``torch.device``, a str nor ``None``.
        ValueError: ``device`` is a str that names no device type torch knows (``"gpu"``).
        ValueError: a keyword would replace a method or attribute of the class, or is not an
            identifier.

    Example:
        >>> class ConstantAgent(BaseAgent):
        ...     def choose_action(self, x, **kwargs):
        ...         return {"raw_action": self.action, "V": 0.0}
        ...     def learn(self, D, **kwargs):
        ...         return {"num_trajectories": len(D)}
        >>> agent = ConstantAgent({"lr": 0.1}, env=None, device="cpu", action=1)
        >>> agent.choose_action(None), agent.learn([]), agent.config["lr"], agent.device
        ({'raw_action': 1, 'V': 0.0}, {'num_trajectories': 0}, 0.1, 'cpu')
    """

    config: Mapping[str, Any]
    # Typed loosely on purpose: any environment object (single, vectorized, wrapped, or none
    # for an offline agent) may be given, as in the original API.
    env: Any
    device: torch.device | str | None
    info: dict[str, Any]
    is_recurrent: bool | None

    def __init__(
        self,
        config: Mapping[str, Any],
        env: Any,
        device: torch.device | str | None,
        **kwargs: Any,
    ) -> None:
        # First, so that a torch Module mixed in after BaseAgent is initialized before any
        # attribute (possibly a network) is set.
        super().__init__()
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a mapping (e.g. a dict), got {type(config).__name__}")
        if not (device is None or isinstance(device, str) or _is_torch_device(device)):
            raise TypeError(
                f"device must be a torch.device, its name or None, got {type(device).__name__}"
            )
        if isinstance(device, str) and not _DEVICE_NAME.fullmatch(device):
            raise ValueError(
                f"device must name a device such as 'cpu', 'cuda' or 'cuda:0', got {device!r}"
            )
        self.config = config
        self.env = env
        self.device = device
        self.info = {}
        self.is_recurrent = None
        for key, value in kwargs.items():
            if not key.isidentifier():
                raise ValueError(f"keyword names must be identifiers, got {key!r}")
            if hasattr(type(self), key) or key == "info":
                raise ValueError(
                    f"keyword {key!r} would replace {type(self).__name__}.{key}; "
                    "pass the object under another name"
                )
            setattr(self, key, value)

    @abstractmethod
    # Any: subclasses narrow the observation and keyword types to their own.
    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        """Returns the selected action given the data.

        .. note::

            It's recommended to handle all dtype/device conversions between CPU/GPU or
            Tensor/Numpy here.

        What ``x`` is depends on the runner: :class:`~lagom.runner.EpisodeRunner` and
        :class:`~lagom.runner.StepRunner` pass a :class:`~lagom.data.TimeStep` (use
        ``x.observation``; ``x.first()`` tells a recurrent agent to reset its state), and
        :class:`~lagom.runner.VecStepRunner` the batched observations ``[N, ...]`` of a
        vectorized environment (the first dimension is the batch dimension).

        Args:
            x: a time step or batched observations (see above).
            **kwargs: keyword arguments to specify action selection. Runners pass
                ``last_info=True`` when asking for the outputs on the final observation of a
                trajectory (e.g. ``V`` for bootstrapping); ``"raw_action"`` may then be
                left out.

        Returns:
            a dictionary of action selection output. It contains ``"raw_action"`` (what goes
            to ``env.step``) and all other useful information (e.g. ``action_logprob``,
            ``V``), which runners store with the step. This allows the API to be generic and
            compatible with different kinds of runners and agents.
        """

    @abstractmethod
    # Any: subclasses choose what data they learn from (a Rollout, trajectories, ...).
    def learn(self, D: Any, **kwargs: Any) -> dict[str, Any]:
        """Defines learning mechanism to update the agent from a batched data.

        Args:
            D: the data to train the agent on, e.g. in policy gradient a list of
                :class:`~lagom.data.Trajectory` or a vectorized runner's rollout.
            **kwargs: keyword arguments to specify learning mechanism.

        Returns:
            a dictionary of learning output. This could contain the loss and other useful
            metrics.
        """


class RandomAgent(BaseAgent):
    """A random agent samples action uniformly from action space.

    ``choose_action`` returns ``{"raw_action": env.action_space.sample()}`` whatever ``x``
    is: one action for a single environment, a batch of N actions for a vectorized one (its
    ``action_space`` is the batched space). ``learn`` does nothing and returns ``{}``.

    Sampling uses the action space's own random generator, so it is reproducible once that
    space is seeded: :func:`lagom.envs.make_vec_env` seeds the batched space with
    ``init_seed``; seed a single environment's space yourself with
    ``env.action_space.seed(seed)``. numpy's global random state is never used.

    Args:
        config: a dictionary of configurations (unused).
        env: the environment whose action space is sampled.
        device: unused (kept for the common signature).
        **kwargs: stored as attributes, as in :class:`BaseAgent`.

    Raises:
        TypeError: ``env`` has no gymnasium ``action_space``.

    Example:
        >>> import gymnasium as gym
        >>> env = gym.make("CartPole-v1")
        >>> _ = env.action_space.seed(0)
        >>> agent = RandomAgent({}, env, device=None)
        >>> first = [int(agent.choose_action(None)["raw_action"]) for _ in range(5)]
        >>> _ = env.action_space.seed(0)
        >>> [int(agent.choose_action(None)["raw_action"]) for _ in range(5)] == first
        True
        >>> agent.learn([])
        {}
    """

    #: The environment whose action space is sampled (narrower than :class:`BaseAgent`'s).
    env: EnvWithSpaces

    def __init__(
        self,
        config: Mapping[str, Any],
        env: EnvWithSpaces,
        device: torch.device | str | None,
        **kwargs: Any,
    ) -> None:
        space = getattr(env, "action_space", None)
        if not isinstance(space, spaces.Space):
            raise TypeError(
                f"RandomAgent needs an env with a gymnasium action_space, got {type(env)} "
                f"whose action_space is {type(space).__name__}"
            )
        super().__init__(config, env, device, **kwargs)

    def choose_action(self, x: Any, **kwargs: Any) -> dict[str, Any]:
        """Return ``{"raw_action": a}`` with ``a`` drawn uniformly from the action space."""
        return {"raw_action": self.env.action_space.sample()}

    def learn(self, D: Any, **kwargs: Any) -> dict[str, Any]:
        """Learn nothing; return an empty dict."""
        return {}
