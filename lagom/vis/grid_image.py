"""Tile a batch of images into one picture: :class:`GridImage`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lagom._checks import check_int, check_real
from lagom._types import ArrayLike, Float64Array, NDArray

__all__ = ["GridImage"]

#: The most padding pixels: wider than any image a grid tiles (more only exhausts memory).
_MAX_PADDING = 4096


class GridImage:
    r"""Generate a grid of images. The images can be iteratively added.

    Images are laid out row by row, ``ncol`` per row, with :math:`p` = ``padding`` pixels of
    ``pad_value`` around and between them. With :math:`N` images of :math:`h \times w`
    pixels, ``cols = min(N, ncol)`` and ``rows = ceil(N / cols)``, the grid is

    .. math::
        H = \text{rows}\,(h + p) + p, \qquad W = \text{cols}\,(w + p) + p,

    and image :math:`n` (row :math:`r = \lfloor n / \text{cols} \rfloor`, column :math:`c = n \bmod
    \text{cols}`) occupies rows :math:`[r(h + p) + p,\ r(h + p) + p + h)` and columns
    :math:`[c(w + p) + p,\ c(w + p) + p + w)`. Unfilled cells of the last row keep the
    padding value. The output always has 3 (RGB) channels: a one-channel image is repeated.

    Pixel values: integer images must lie in ``[0, 255]``. A float batch whose values all lie
    in ``[0, 1]`` is read as intensities and multiplied by 255; any other float batch must
    lie in ``[0, 255]``. (The rule is per call of :meth:`add`, so a very dark ``[0, 255]``
    float batch with every value ``<= 1`` is scaled too: pass uint8 to be explicit.) A bool
    image is black (``False``) and white (``True``).
    Values are rounded to the nearest integer in the output.

    Reference:

    - https://github.com/pytorch/vision/blob/master/torchvision/utils.py
    - https://github.com/facebookresearch/visdom/blob/master/py/visdom/__init__.py

    Args:
        ncol: number of images in each row of the grid; the grid is ``[ceil(N / ncol),
            ncol]`` images (fewer columns when ``N < ncol``). Default: 8.
        padding: number of padding pixels around and between images, in ``[0, 4096]``.
            Default: 2.
        pad_value: padding value in the range ``[0, 255]``; black is 0 and white 255.
            Default: 0.

    Raises:
        TypeError: an argument is not a number of the right kind.
        ValueError: ``ncol < 1``, ``padding`` outside ``[0, 4096]`` or ``pad_value`` outside
            ``[0, 255]`` (or too large for a float).

    Example:
        >>> import numpy as np
        >>> grid = GridImage(ncol=8, padding=5, pad_value=0)
        >>> a = np.random.default_rng(0).integers(0, 255 + 1, size=[10, 3, 64, 64])
        >>> grid.add(a)
        >>> image = grid()
        >>> image.shape, image.dtype
        ((143, 557, 3), dtype('uint8'))

        Two 1x1 gray images side by side, with one pixel of white padding:

        >>> grid = GridImage(ncol=2, padding=1, pad_value=255)
        >>> grid.add(np.array([[[10]], [[20]]])[:, None])  # [N, H, W] -> [N, 1, H, W]
        >>> grid()[..., 0]
        array([[255, 255, 255, 255, 255],
               [255,  10, 255,  20, 255],
               [255, 255, 255, 255, 255]], dtype=uint8)
    """

    def __init__(self, ncol: int = 8, padding: int = 2, pad_value: float = 0) -> None:
        self.ncol = check_int("ncol", ncol, minimum=1)
        self.padding = _check_padding(padding)
        self.pad_value = _check_pad_value(pad_value)
        self._batches: list[Float64Array] = []

    def __len__(self) -> int:
        """The number of images added so far."""
        return sum(batch.shape[0] for batch in self._batches)

    def add(self, x: ArrayLike) -> None:
        """Add a new data for making grid images.

        Args:
            x: a list or ndarray of images, with shape either ``[H, W]`` (one gray image),
                ``[C, H, W]`` (one image) or ``[N, C, H, W]`` (``N`` images), channels first
                with ``C`` in ``(1, 3)``. Every image added to one grid must have the same
                ``H`` and ``W``. ``x`` is copied, never modified.

        Raises:
            TypeError: ``x`` is not a list or ndarray, or does not hold real numbers.
            ValueError: a shape or pixel value as described above is violated.
        """
        if not isinstance(x, (list, tuple, np.ndarray)):
            raise TypeError(f"expected a list or ndarray of images, got {type(x).__name__}")
        try:
            arr = np.asarray(x)
        except ValueError as error:  # a ragged list: numpy names no shape we asked for
            raise ValueError(
                f"expected images of one shape [N, C, H, W] (or [C, H, W], [H, W]), got a list "
                f"of lists of different lengths: {error}"
            ) from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"expected images of real numbers, got dtype {arr.dtype}")
        batch = _to_batch(arr)
        if self._batches and batch.shape[2:] != self._batches[0].shape[2:]:
            raise ValueError(
                f"every image of a grid must have the same [H, W], got {list(batch.shape[2:])} "
                f"after {list(self._batches[0].shape[2:])}"
            )
        self._batches.append(_to_0_255(batch, floats=arr.dtype.kind in "bf"))

    def __call__(
        self,
        *,
        ncol: int | None = None,
        padding: int | None = None,
        pad_value: float | None = None,
    ) -> NDArray[np.uint8]:
        """Make grid of images.

        Args:
            ncol: number of images per row for this call only; default: the grid's ``ncol``.
            padding: padding pixels for this call only; default: the grid's ``padding``.
            pad_value: padding value for this call only; default: the grid's ``pad_value``.

        Returns:
            A grid of images with shape ``[H, W, C]`` (``C = 3``) and dtype ``np.uint8``.

        Raises:
            ValueError: no image was added yet, or an override is out of range.
        """
        if not self._batches:
            raise ValueError("no images to tile: call add() with at least one image first")
        ncol = self.ncol if ncol is None else check_int("ncol", ncol, minimum=1)
        p = self.padding if padding is None else _check_padding(padding)
        value = self.pad_value if pad_value is None else _check_pad_value(pad_value)
        images = np.concatenate(self._batches, axis=0)
        N, _, h, w = images.shape
        cols = min(N, ncol)
        rows = math.ceil(N / cols)
        grid = np.full([rows * (h + p) + p, cols * (w + p) + p, 3], value, dtype=np.float64)
        for n in range(N):
            top = (n // cols) * (h + p) + p
            left = (n % cols) * (w + p) + p
            grid[top : top + h, left : left + w] = images[n].transpose(1, 2, 0)
        return np.rint(grid).astype(np.uint8)


def _check_padding(padding: object) -> int:
    return check_int("padding", padding, minimum=0, maximum=_MAX_PADDING)


def _check_pad_value(pad_value: object) -> float:
    return check_real("pad_value", pad_value, low=0.0, high=255.0)


def _to_batch(arr: NDArray[Any]) -> NDArray[Any]:
    """``[H, W]``, ``[C, H, W]`` or ``[N, C, H, W]`` as ``[N, 3, H, W]`` (gray repeated)."""
    batch = arr.reshape((1,) * (4 - arr.ndim) + arr.shape) if 2 <= arr.ndim <= 4 else arr
    if batch.ndim != 4 or batch.shape[1] not in (1, 3) or batch.size == 0:
        raise ValueError(
            "expected images of shape [H, W] or [C, H, W] with C in (1, 3), or "
            f"[N, C, H, W], none of them empty; got shape {arr.shape}{_layout_hint(arr)}"
        )
    if batch.shape[1] == 1:
        batch = np.repeat(batch, 3, axis=1)
    return batch


def _layout_hint(arr: NDArray[Any]) -> str:
    """Say how to fix the usual mix-ups: channels last, or a batch without a channel axis."""
    if arr.ndim == 4 and arr.shape[-1] in (1, 3):
        return "; for channels last [N, H, W, C] pass x.transpose(0, 3, 1, 2)"
    if arr.ndim == 3 and arr.shape[-1] in (1, 3):
        return "; for one channels-last [H, W, C] image pass x.transpose(2, 0, 1)"
    if arr.ndim == 3:
        return "; for N gray images [N, H, W] pass x[:, None]"
    return ""


def _to_0_255(batch: NDArray[Any], *, floats: bool) -> Float64Array:
    values = batch.astype(np.float64)
    if floats and not np.all(np.isfinite(values)):
        raise ValueError("expected finite pixel values, got NaN or infinity")
    low, high = float(values.min()), float(values.max())
    if floats and low >= 0 and high <= 1:
        return values * 255.0
    if low < 0 or high > 255:
        raise ValueError(
            f"expected pixel values in [0, 255] (or floats in [0, 1]), got values in "
            f"[{low:g}, {high:g}]"
        )
    return values
