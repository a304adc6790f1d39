"""`Module`: a ``torch.nn.Module`` with parameter counting, flattening and checkpoints.

Evolution strategies see a network as one flat vector of parameters (`Module.to_vec`,
`Module.from_vec`); training loops save and load it (`Module.save`, `Module.load`). Saving
and loading go through ``state_dict`` only (never pickled module objects), files are written
atomically (a temporary file in the same folder, then ``os.replace``), and loading uses
``torch.load(..., weights_only=True)`` so a checkpoint cannot run code.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Mapping

import torch
from torch import nn

from lagom._checks import check_device, check_path
from lagom.utils.serialize import atomic_write

__all__ = ["Module"]


class Module(nn.Module):
    """A ``torch.nn.Module`` with helpers for parameter counts, flat vectors and files.

    Every keyword argument is stored as an attribute of the module (``Module(device='cpu')``
    sets ``self.device``), as in the original lagom.

    Args:
        **kwargs: attributes to set on the module.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from lagom.networks import Module
        >>> class Net(Module):
        ...     def __init__(self) -> None:
        ...         super().__init__(name='net')
        ...         self.fc = nn.Linear(3, 2)
        >>> net = Net()
        >>> net.name, net.num_params, net.num_trainable_params, net.num_untrainable_params
        ('net', 8, 8, 0)
        >>> vec = net.to_vec()
        >>> vec.shape
        torch.Size([8])
        >>> net.from_vec(torch.zeros(8))
        >>> net.fc.weight
        Parameter containing:
        tensor([[0., 0., 0.],
                [0., 0., 0.]], requires_grad=True)
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__()
        for key, value in kwargs.items():
            setattr(self, key, value)

    @property
    def num_params(self) -> int:
        """Total number of parameters, ``sum(p.numel() for p in self.parameters())``."""
        return sum(p.numel() for p in self.parameters())

    @property
    def num_trainable_params(self) -> int:
        """Number of parameters with ``requires_grad=True``."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    @property
    def num_untrainable_params(self) -> int:
        """Number of parameters with ``requires_grad=False`` (frozen)."""
        return sum(p.numel() for p in self.parameters() if not p.requires_grad)

    def to_vec(self) -> torch.Tensor:
        """Return all parameters concatenated into one flat vector.

        The order is that of ``self.parameters()`` (each parameter flattened row-major), the
        same as ``torch.nn.utils.parameters_to_vector``. The result is a new tensor, detached
        from the autograd graph, on the parameters' device.

        Returns:
            A 1-D tensor of length `num_params` (an empty float tensor for a module without
            parameters).
        """
        params = list(self.parameters())
        if not params:
            return torch.empty(0)
        with torch.no_grad():
            return torch.cat([p.detach().reshape(-1) for p in params])

    def from_vec(self, x: torch.Tensor) -> None:
        """Set all parameters from one flat vector (the inverse of `to_vec`).

        Values are copied into the existing parameters in place: they keep their device,
        dtype and identity (an optimizer holding them stays valid), and never alias ``x``.
        ``x`` may live on another device than the module.

        Args:
            x: 1-D tensor of length `num_params`, ordered as `to_vec` returns.

        Raises:
            TypeError: if ``x`` is not a tensor.
            ValueError: if ``x`` is not 1-D, its length differs from `num_params`, or it is
                on the 'meta' device (no data).
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if x.device.type == "meta":
            raise ValueError("x must hold data, got a tensor on the 'meta' device")
        params = list(self.parameters())
        total = sum(p.numel() for p in params)
        if x.ndim != 1 or x.numel() != total:
            raise ValueError(
                f"x must be a 1-D tensor with num_params={total} elements, "
                f"got shape {tuple(x.shape)}"
            )
        chunks = torch.split(x.detach(), [p.numel() for p in params])
        with torch.no_grad():
            for p, chunk in zip(params, chunks, strict=True):
                p.copy_(chunk.view_as(p))

    def save(self, f: str | os.PathLike[str]) -> None:
        """Save the parameters and buffers (``state_dict``) to a file, atomically.

        The ``state_dict`` is serialized with ``torch.save`` (its default pickle protocol:
        the reference used the highest one, which ``torch.load(..., weights_only=True)``
        does not read reliably; tensor data are stored outside the pickle either way) into a
        temporary file in the target's folder, which then replaces ``f``: a crash never
        leaves a half-written checkpoint behind.

        Args:
            f: file path.

        Raises:
            TypeError: ``f`` is not a str or path.
        """
        check_path("f", f)
        # In memory first: on a full disk torch's zip writer would mask the OSError.
        buffer = io.BytesIO()
        torch.save(self.state_dict(), buffer)
        atomic_write(f, buffer.getvalue(), fsync=False)

    def load(
        self, f: str | os.PathLike[str], map_location: torch.device | str | None = None
    ) -> None:
        """Load parameters and buffers saved by `save` into this module, in place.

        Uses ``torch.load(f, map_location=..., weights_only=True)`` then
        ``load_state_dict``, so the module keeps its own device: a checkpoint written on
        CUDA loads into a CPU module.

        Args:
            f: file path.
            map_location: where the stored tensors are materialized while loading; default
                the device of this module's first parameter or buffer (CPU if it has none).

        Raises:
            TypeError: ``f`` is not a path, or ``map_location`` is not a device.
            ValueError: ``map_location`` names no device.
            ValueError: the file is not a checkpoint ``save`` wrote: truncated, corrupted,
                or holding more than tensors (it is never unpickled beyond tensors).
            OSError: the file cannot be read.
            ValueError: the checkpoint's names or shapes differ from this module's (another
                architecture): the missing, unexpected and mismatched entries are named.
        """
        check_path("f", f)
        map_location = (
            self._device() if map_location is None else check_device("map_location", map_location)
        )
        try:
            state = torch.load(os.fspath(f), map_location=map_location, weights_only=True)
        except OSError:
            raise  # no such file, a folder, no permission: the OS's own message says it
        except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as error:
            # Truncated, corrupted, or not a weights-only checkpoint (its pickle names code,
            # which weights_only refused to run): say so, with torch's reason.
            raise ValueError(
                f"{os.fspath(f)!r} is not a checkpoint that Module.save wrote (truncated, "
                f"corrupted, or it holds more than tensors): {_first_line(error)}"
            ) from None
        _check_state(state, self.state_dict(), os.fspath(f))
        self.load_state_dict(state)

    def _device(self) -> torch.device:
        for param in self.parameters():
            return param.device
        for buffer in self.buffers():
            return buffer.device
        return torch.device("cpu")


def _check_state(state: object, own: Mapping[str, object], name: str) -> None:
    """Raise ValueError unless ``state`` has exactly ``own``'s names and shapes (torch's own
    error is a ``RuntimeError`` listing them in one paragraph)."""
    if not isinstance(state, Mapping) or not all(isinstance(key, str) for key in state):
        raise ValueError(f"{name!r} must hold a dict of named tensors, got {type(state).__name__}")
    problems = []
    missing = [key for key in own if key not in state]
    unexpected = [key for key in state if key not in own]
    if missing:
        problems.append(f"missing {missing}")
    if unexpected:
        problems.append(f"unexpected {unexpected}")
    shapes = [
        f"{key}: {tuple(stored.shape)} in the file, {tuple(value.shape)} here"
        for key, value in own.items()
        if isinstance(value, torch.Tensor)
        and isinstance(stored := state.get(key), torch.Tensor)
        and stored.shape != value.shape
    ]
    if shapes:
        problems.append("shapes differ (" + "; ".join(shapes) + ")")
    if problems:
        raise ValueError(
            f"{name!r} was saved from another architecture than this module: " + ", ".join(problems)
        )


def _first_line(error: BaseException) -> str:
    """The first line of ``error``'s message, or its type's name when it has none."""
    return (str(error).splitlines() or [type(error).__name__])[0]
