"""Visualization: learning curves of experiments, tick labels, image grids and an image window.

Importing this package imports matplotlib but never ``pyplot``: it selects no backend, and
the plots are drawn on matplotlib's Agg canvas, so everything but :class:`ImageViewer` works
on a machine without a display. :class:`ImageViewer` loads pyglet only when it first shows
an image.

Example:
    >>> import numpy as np
    >>> from lagom.vis import GridImage
    >>> grid = GridImage(ncol=2, padding=1)
    >>> grid.add(np.full([3, 1, 2, 2], 255, dtype=np.uint8))
    >>> grid().shape
    (7, 7, 3)
"""

from __future__ import annotations

from lagom.vis.curves import plot_curves
from lagom.vis.grid_image import GridImage
from lagom.vis.image_viewer import ImageViewer
from lagom.vis.labels import AXIS_LABELS, axis_label, config_labels
from lagom.vis.read_xy import ConfigCurves, read_xy
from lagom.vis.stats import bootstrap_ci, interquartile_mean
from lagom.vis.ticker import set_ticker

__all__ = [
    "AXIS_LABELS",
    "ConfigCurves",
    "GridImage",
    "ImageViewer",
    "axis_label",
    "bootstrap_ci",
    "config_labels",
    "interquartile_mean",
    "plot_curves",
    "read_xy",
    "set_ticker",
]
