"""Tests for ``lagom.vis.image_viewer``: safe without a display, clear errors, window sizing."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from lagom.vis import ImageViewer
from lagom.vis.image_viewer import _window_size

IMAGE = np.zeros([4, 6, 3], dtype=np.uint8)


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.mark.usefixtures("no_display")
def test_without_display_says_how_to_get_one() -> None:
    viewer = ImageViewer(max_width=500)  # creating a viewer needs no display
    with pytest.raises(RuntimeError, match="no display") as info:
        viewer(IMAGE)
    message = str(info.value)
    assert "DISPLAY" in message
    assert "xvfb-run" in message
    assert "pip install pyglet" in message
    assert "render('rgb_array')" in message
    viewer.close()


def test_without_pyglet_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setitem(sys.modules, "pyglet", None)  # makes `import pyglet` fail
    with pytest.raises(RuntimeError, match="needs pyglet") as info:
        ImageViewer()(IMAGE)
    assert "pip install pyglet" in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)


@pytest.mark.usefixtures("no_display")
def test_bad_images_are_refused_before_any_window() -> None:
    viewer = ImageViewer()
    with pytest.raises(TypeError, match=r"uint8 ndarray .* got float64"):
        viewer(np.zeros([4, 6, 3]))
    with pytest.raises(TypeError, match=r"uint8 ndarray .* got list"):
        viewer([[[0, 0, 0]]])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\[H, W, 3\], got shape \(3, 4, 6\)"):
        viewer(np.zeros([3, 4, 6], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"got shape \(0, 4, 3\)"):
        viewer(np.zeros([0, 4, 3], dtype=np.uint8))


def test_max_width_is_checked() -> None:
    with pytest.raises(ValueError, match="max_width must be at least 1"):
        ImageViewer(max_width=0)
    with pytest.raises(TypeError, match="max_width must be an int"):
        ImageViewer(max_width=500.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("height", "width", "max_width", "size"),
    [(300, 400, 500, (400, 300)), (300, 1000, 500, (500, 150)), (1, 1000, 10, (10, 1))],
)
def test_window_size(height: int, width: int, max_width: int, size: tuple[int, int]) -> None:
    assert _window_size(height, width, max_width) == size


class _FakeWindow:
    def __init__(self, **kwargs: Any) -> None:
        self.width, self.height = kwargs["width"], kwargs["height"]
        self.kwargs = kwargs
        self.calls: list[str] = []

    def set_size(self, width: int, height: int) -> None:
        self.width, self.height = width, height

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self.calls.append(name)


def _fake_pyglet(blits: list[tuple[int, int]]) -> tuple[types.ModuleType, types.ModuleType]:
    class Texture:
        target, id = 1, 2

        def blit(self, x: int, y: int, width: int, height: int) -> None:
            blits.append((width, height))

    class ImageData:
        def __init__(self, width: int, height: int, fmt: str, data: bytes, pitch: int) -> None:
            assert (fmt, len(data), pitch) == ("RGB", width * height * 3, -3 * width)

        def get_texture(self) -> Texture:
            return Texture()

    pyglet = types.ModuleType("pyglet")
    pyglet.window = types.SimpleNamespace(Window=_FakeWindow)  # type: ignore[attr-defined]
    pyglet.image = types.SimpleNamespace(ImageData=ImageData)  # type: ignore[attr-defined]
    gl = types.ModuleType("pyglet.gl")
    for name in ("glBindTexture", "glTexParameteri"):
        setattr(gl, name, lambda *args: None)
    gl.GL_TEXTURE_MAG_FILTER, gl.GL_NEAREST = 1, 2  # type: ignore[attr-defined]
    return pyglet, gl


def test_window_is_opened_once_resized_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    blits: list[tuple[int, int]] = []
    pyglet, gl = _fake_pyglet(blits)
    monkeypatch.setitem(sys.modules, "pyglet", pyglet)
    monkeypatch.setitem(sys.modules, "pyglet.gl", gl)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    viewer = ImageViewer(max_width=100)
    viewer(np.zeros([50, 200, 3], dtype=np.uint8))
    window = viewer.window
    assert (window.width, window.height) == (100, 25)
    viewer(np.zeros([30, 40, 3], dtype=np.uint8))
    assert viewer.window is window
    assert blits == [(100, 25), (40, 30)]
    assert window.calls.count("flip") == 2
    viewer.close()
    viewer.close()
    assert window.calls.count("close") == 1
    with pytest.raises(RuntimeError, match="closed"):
        viewer(IMAGE)
