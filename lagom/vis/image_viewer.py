"""Show RGB arrays in a window: :class:`ImageViewer` (pyglet, loaded only when first used)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import numpy as np

from lagom._checks import check_int

__all__ = ["ImageViewer"]

_HOW_TO = (
    "To show images: run on a machine with a display (on Linux, DISPLAY or WAYLAND_DISPLAY "
    "must be set; on a server, start a virtual one with `xvfb-run -a python ...`) and "
    "install pyglet (`pip install pyglet`). Without a window, use render('rgb_array') and "
    "save or plot the returned array instead."
)


class ImageViewer:
    """Display an image from an RGB array in an OpenGL window.

    The window is opened by the first call, sized to the image but at most ``max_width``
    pixels wide (the height is scaled by the same ratio, keeping the aspect), and reused by
    later calls. Importing this module or creating a viewer needs neither a display nor
    pyglet: only showing an image does, and without them the call raises a
    ``RuntimeError`` that says how to get them.

    Example::

        imageviewer = ImageViewer(max_width=500)
        image = np.asarray(Image.open('x.jpg'))
        imageviewer(image)

    A headless machine gets the error, not a crash at import:

    >>> import numpy as np
    >>> viewer = ImageViewer(max_width=500)
    >>> viewer(np.zeros([4, 4, 3], dtype=np.uint8))  # doctest: +SKIP
    Traceback (most recent call last):
    ...
    RuntimeError: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset). ...
    >>> viewer.close()

    Args:
        max_width: the largest width of the window in pixels (``>= 1``).

    Raises:
        TypeError: ``max_width`` is not an int.
        ValueError: ``max_width < 1``.
    """

    def __init__(self, max_width: int = 500) -> None:
        self.max_width = check_int("max_width", max_width, minimum=1)
        self.closed = False
        self.window: Any = None

    def __call__(self, x: np.ndarray[Any, np.dtype[Any]]) -> None:
        """Create an image from the given RGB array and display to the window.

        Args:
            x: RGB array ``[H, W, 3]`` of dtype ``uint8``.

        Raises:
            TypeError: ``x`` is not a ``uint8`` ndarray.
            ValueError: ``x`` is not ``[H, W, 3]`` with ``H, W >= 1``.
            RuntimeError: the viewer is closed, there is no display, or pyglet is missing.
        """
        if not isinstance(x, np.ndarray) or x.dtype != np.uint8:
            got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
            raise TypeError(f"x must be a uint8 ndarray (an RGB image), got {got}")
        if x.ndim != 3 or x.shape[-1] != 3 or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"x must be an RGB image of shape [H, W, 3], got shape {x.shape}")
        if self.closed:
            raise RuntimeError("this ImageViewer is closed; make a new one")
        height, width, _ = x.shape
        if self.window is None:
            self.window = _open_window(*_window_size(height, width, self.max_width))
        else:
            self.window.set_size(*_window_size(height, width, self.max_width))
        _draw(self.window, np.ascontiguousarray(x), width, height)

    def close(self) -> None:
        """Close the Window. Calling it again does nothing."""
        if not self.closed:
            self.closed = True
            if self.window is not None:
                self.window.close()
                self.window = None


def _window_size(height: int, width: int, max_width: int) -> tuple[int, int]:
    """The ``(width, height)`` of the window for an image: scaled down to ``max_width``.

    Example:
        >>> _window_size(height=300, width=1000, max_width=500)
        (500, 150)
        >>> _window_size(height=300, width=400, max_width=500)
        (400, 300)
    """
    if width <= max_width:
        return width, height
    ratio = max_width / width
    return max_width, max(1, int(ratio * height))


def _display_problem() -> str | None:
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset)"
    return None


def _open_window(width: int, height: int) -> Any:
    problem = _display_problem()
    if problem is not None:
        raise RuntimeError(f"{problem}. {_HOW_TO}")
    try:
        pyglet = importlib.import_module("pyglet")
        importlib.import_module("pyglet.gl")
    except ImportError as err:
        raise RuntimeError(
            f"ImageViewer needs pyglet, which failed to import: {err}. {_HOW_TO}"
        ) from err
    return pyglet.window.Window(
        width=width, height=height, vsync=False, resizable=True, caption="lagom"
    )


def _draw(window: Any, x: np.ndarray[Any, np.dtype[np.uint8]], width: int, height: int) -> None:
    pyglet = importlib.import_module("pyglet")
    gl = importlib.import_module("pyglet.gl")
    # A negative pitch tells pyglet the rows go top to bottom, as in the array (OpenGL's
    # origin is the lower-left corner).
    image = pyglet.image.ImageData(width, height, "RGB", x.tobytes(), pitch=-3 * width)
    texture = image.get_texture()
    gl.glBindTexture(texture.target, texture.id)
    # Nearest-neighbour scaling keeps pixel art (e.g. Atari frames) sharp when resized.
    gl.glTexParameteri(texture.target, gl.GL_TEXTURE_MAG_FILTER, gl.GL_NEAREST)
    window.switch_to()
    window.dispatch_events()
    window.clear()
    texture.blit(0, 0, width=window.width, height=window.height)
    window.flip()
