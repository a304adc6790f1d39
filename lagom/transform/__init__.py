"""Transformations of arrays: discounted sums, scores, smoothing, schedules, ranks, running
statistics and segment trees.

Everything here is core: it needs only numpy and attrs. Functions are pure (they return new
arrays and never modify their inputs); the few stateful classes (:class:`PolyakAverage`,
:class:`RunningMeanVar`, the segment trees) are thin holders of state.

Example:
    >>> from lagom.transform import geometric_cumsum, LinearSchedule
    >>> geometric_cumsum(0.5, [1.0, 1.0])
    array([[1.5, 1. ]])
    >>> LinearSchedule(initial=1.0, final=0.0, N=2)(1)
    0.5
"""

from __future__ import annotations

from lagom.transform.cumsum import geometric_cumsum
from lagom.transform.interpolation import interp_curves
from lagom.transform.polyak import PolyakAverage, polyak_update
from lagom.transform.rank import rank_transform
from lagom.transform.running_moments import Moments, RunningMeanVar, update_moments
from lagom.transform.schedules import LinearSchedule
from lagom.transform.scores import explained_variance
from lagom.transform.segment_tree import MinTree, SegmentTree, SumTree
from lagom.transform.smoothing import smooth_filter
from lagom.transform.summary import Describe, describe

__all__ = [
    "Describe",
    "LinearSchedule",
    "MinTree",
    "Moments",
    "PolyakAverage",
    "RunningMeanVar",
    "SegmentTree",
    "SumTree",
    "describe",
    "explained_variance",
    "geometric_cumsum",
    "interp_curves",
    "polyak_update",
    "rank_transform",
    "smooth_filter",
    "update_moments",
]
