"""Arrays with fast range reductions, for prioritized replay: segment, sum and min trees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from lagom._checks import check_finite, check_fits, check_int, check_real
from lagom._types import ArrayLike, Float64Array, IntArray, NDArray

__all__ = ["MinTree", "SegmentTree", "SumTree"]

#: A binary operation applied element-wise to float64 arrays (and to floats), e.g. np.add.
Operation = Callable[[Any, Any], Any]

#: The largest capacity: the ``2 * capacity`` float64 nodes must be addressable by
#: ``np.intp`` (``2**58`` on a 64-bit machine); numpy cannot even describe a larger array.
_MAX_CAPACITY = 1 << ((np.iinfo(np.intp).max // 16).bit_length() - 1)


def _check_elementwise(operation: Operation, identity: float) -> None:
    """Refuse an ``operation`` that does not combine two arrays element by element (the
    tree writes many leaves at once), e.g. the builtin ``min`` instead of ``np.minimum``."""
    left, right = np.array([1.0, 2.0]), np.array([identity, identity])
    result: object
    try:
        result = np.asarray(operation(left, right))
    except Exception as error:  # whatever the callable raises on arrays
        result = error
    if not isinstance(result, np.ndarray) or result.shape != (2,):
        raise TypeError(
            "operation must combine two arrays element by element (e.g. np.minimum, np.add, "
            f"np.maximum), got {operation!r:.60}, which gave {result!r:.60} on two arrays"
        )
    if not np.array_equal(result, left):
        raise ValueError(
            f"identity_element {identity} is not the identity of {operation!r:.60}: "
            f"operation([1, 2], identity) gave {result.tolist()}"
        )


class SegmentTree:
    r"""A fixed-size float64 array that also keeps ``operation`` over every aligned block.

    Leaves ``A[0..capacity-1]`` hang below a complete binary tree whose every node holds
    ``operation`` of its two children, so that

    - writing ``A[i]`` costs :math:`O(\log \text{capacity})` (a batch of ``k`` writes
      :math:`O(k \log \text{capacity})`, done level by level in numpy);
    - :meth:`reduce` over any range ``A[start:end]`` costs :math:`O(\log \text{capacity})`.

    ``operation`` must be associative with ``identity_element`` as identity (a monoid:
    sum with 0, min with ``inf``, max with ``-inf``) and must work element-wise on float64
    arrays, as numpy's ``np.add``/``np.minimum``/``np.maximum`` or ``operator.add`` do
    (the builtin ``min`` does not). Ranges are reduced in order, so it need not commute.
    Every leaf starts at ``identity_element``.

    Args:
        capacity: the number of leaves; a power of two, as in the seed.
        operation: the element-wise binary operation.
        identity_element: the identity of ``operation``.

    Raises:
        TypeError: ``capacity`` is not an int, ``operation`` is not callable or does not
            combine arrays element by element (the builtin ``min``: use ``np.minimum``), or
            ``identity_element`` is not a real number.
        ValueError: ``capacity`` is not a positive power of two or above
            ``2**58`` (on a 64-bit machine), or ``identity_element``
            is not ``operation``'s identity.

    Example:
        >>> tree = SegmentTree(4, np.maximum, float("-inf"))
        >>> tree[np.array([0, 1, 2, 3])] = [3.0, 1.0, 4.0, 1.0]
        >>> tree.reduce(), tree.reduce(1, 2), tree.reduce(start=3)
        (4.0, 1.0, 1.0)
        >>> SumTree(2**62)
        Traceback (most recent call last):
        ...
        ValueError: capacity must be at most 2**58 (its 2 * capacity float64 nodes must be
        addressable by np.intp), got 2**62
    """

    def __init__(self, capacity: int, operation: Operation, identity_element: float) -> None:
        capacity = check_int("capacity", capacity, minimum=None)
        if capacity < 1 or capacity & (capacity - 1):
            raise ValueError(f"capacity must be a positive power of two, got {capacity}")
        if capacity > _MAX_CAPACITY:
            raise ValueError(
                f"capacity must be at most 2**{_MAX_CAPACITY.bit_length() - 1} (its 2 * capacity "
                f"float64 nodes must be addressable by np.intp), got 2**{capacity.bit_length() - 1}"
            )
        check_fits("capacity", capacity, 16, context=", for its 2 * capacity float64 nodes")
        if not callable(operation):
            raise TypeError(f"operation must be callable, got {type(operation).__name__}")
        self._capacity = capacity
        self._operation = operation
        self._identity = check_real("identity_element", identity_element)
        _check_elementwise(operation, self._identity)
        # Node 1 is the root, node i has children 2i and 2i+1, leaf j is node capacity + j.
        self._value = np.full(2 * capacity, self._identity, dtype=np.float64)

    @property
    def capacity(self) -> int:
        """The number of leaves."""
        return self._capacity

    def __len__(self) -> int:
        return self._capacity

    def reduce(self, start: int = 0, end: int | None = None) -> float:
        """Return ``operation(A[start], operation(A[start+1], ... A[end-1]))``.

        Args:
            start: the first index of the range; negative counts from the end.
            end: one past the last index (``None``: ``capacity``); negative counts from
                the end. An empty range gives ``identity_element``.

        Raises:
            TypeError: ``start`` or ``end`` is not an int.
            ValueError: the range is not within ``[0, capacity]`` or ``start > end``.
        """
        low, high = self._check_range(start, end)
        operation, value = self._operation, self._value
        left = right = self._identity
        low += self._capacity
        high += self._capacity
        while low < high:
            if low & 1:
                left = operation(left, value[low])
                low += 1
            if high & 1:
                high -= 1
                right = operation(value[high], right)
            low >>= 1
            high >>= 1
        return float(operation(left, right))

    @overload
    def __getitem__(self, index: int | np.integer[Any]) -> float: ...

    @overload
    def __getitem__(self, index: Sequence[int] | IntArray) -> Float64Array: ...

    def __getitem__(self, index: int | np.integer[Any] | Sequence[int] | IntArray) -> Any:
        """``A[i]`` as a float, or ``A[indices]`` as a new float64 array of their shape."""
        leaves = self._check_index(index) + self._capacity
        if leaves.ndim == 0:
            return float(self._value[leaves])
        return self._value[leaves]

    def __setitem__(
        self, index: int | np.integer[Any] | Sequence[int] | IntArray, value: ArrayLike
    ) -> None:
        """Write ``A[i] = value``, or ``A[indices] = values`` (broadcast to the indices).

        For a repeated index in a batch the last of its values is kept, as in a loop of
        single writes.

        Raises:
            TypeError: an index is not an integer or a value is not a real number (bools
                included).
            IndexError: an index is outside ``[0, capacity)``.
            ValueError: a value is NaN (or invalid for the subclass) or cannot be broadcast.
        """
        leaves = self._check_index(index)
        values = self._check_values(value, leaves.shape)
        if leaves.ndim == 0:
            self._set_one(int(leaves), float(values))
            return
        leaves, values = leaves.ravel(), values.ravel()
        if leaves.size == 0:
            return
        # Keep the last write of each index: unique over the reversed batch finds it first.
        _, last = np.unique(leaves[::-1], return_index=True)
        keep = leaves.size - 1 - last
        nodes = leaves[keep] + self._capacity
        self._value[nodes] = values[keep]
        while nodes[0] > 1:
            nodes = np.unique(nodes >> 1)
            self._value[nodes] = self._operation(self._value[2 * nodes], self._value[2 * nodes + 1])

    def _set_one(self, leaf: int, value: float) -> None:
        node = leaf + self._capacity
        self._value[node] = value
        node >>= 1
        while node >= 1:
            self._value[node] = self._operation(self._value[2 * node], self._value[2 * node + 1])
            node >>= 1

    def _check_values(self, value: ArrayLike, shape: tuple[int, ...]) -> Float64Array:
        try:
            arr = np.asarray(value)
        except ValueError as error:  # ragged
            raise ValueError(f"values must be a rectangular array of numbers: {error}") from None
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"values must be real numbers, got an array of dtype {arr.dtype}")
        try:
            values = np.broadcast_to(arr.astype(np.float64), shape)
        except ValueError:
            raise ValueError(
                f"values of shape {arr.shape} cannot be written to indices of shape {shape}"
            ) from None
        return check_finite("values", values, allow_inf=True)

    def _check_index(self, index: int | np.integer[Any] | Sequence[int] | IntArray) -> IntArray:
        if isinstance(index, (bool, np.bool_)):
            raise TypeError("an index must be an integer, got a bool")
        try:
            arr = np.asarray(index)
        except ValueError as error:  # ragged
            raise ValueError(f"indices must be a rectangular array of ints: {error}") from None
        if arr.size == 0:
            return arr.astype(np.int64)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"indices must be integers, got {arr.dtype} {index!r}")
        if np.any(arr < 0) or np.any(arr >= self._capacity):
            raise IndexError(
                f"indices must be in [0, {self._capacity}), got min {arr.min()} max {arr.max()}"
            )
        return arr.astype(np.int64)

    def _check_range(self, start: int, end: int | None) -> tuple[int, int]:
        start = check_int("start", start, minimum=None)
        end = self._capacity if end is None else check_int("end", end, minimum=None)
        low = start + self._capacity if start < 0 else start
        high = end + self._capacity if end < 0 else end
        if not 0 <= low <= high <= self._capacity:
            raise ValueError(
                f"need 0 <= start <= end <= capacity={self._capacity}, got start={start}, end={end}"
            )
        return low, high


class SumTree(SegmentTree):
    """A :class:`SegmentTree` of sums over non-negative values: the priorities of a replay.

    Example:
        >>> tree = SumTree(4)
        >>> tree[np.array([0, 1, 2])] = [1.0, 2.0, 3.0]
        >>> tree.sum(), tree.sum(1, 3)
        (6.0, 5.0)
        >>> tree.find_prefixsum_index(np.array([0.0, 0.99, 1.0, 2.5, 3.0, 5.9]))
        array([0, 0, 1, 1, 2, 2])
    """

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, np.add, 0.0)

    def sum(self, start: int = 0, end: int | None = None) -> float:
        """Return ``A[start] + ... + A[end - 1]`` (see :meth:`SegmentTree.reduce`)."""
        return self.reduce(start, end)

    @overload
    def find_prefixsum_index(
        self, prefixsum: float | np.floating[Any] | np.integer[Any]
    ) -> int: ...

    @overload
    def find_prefixsum_index(
        self, prefixsum: Sequence[float] | NDArray[np.floating[Any] | np.integer[Any]]
    ) -> NDArray[np.int64]: ...

    def find_prefixsum_index(
        self,
        prefixsum: float
        | np.floating[Any]
        | np.integer[Any]
        | Sequence[float]
        | NDArray[np.floating[Any] | np.integer[Any]],
    ) -> int | NDArray[np.int64]:
        r"""Return the highest index ``i`` with ``A[0] + ... + A[i-1] <= prefixsum``.

        With :math:`u \sim U[0, 1)`, ``find_prefixsum_index(u * sum())`` samples index ``i``
        with probability ``A[i] / sum()``: it is the ``i`` with
        ``sum(0, i) <= prefixsum < sum(0, i + 1)``, so an index of value 0 is never drawn.
        At ``prefixsum == sum()`` the last index of positive value is returned (not a
        trailing zero). One root-to-leaf descent, :math:`O(\log \text{capacity})`; an array
        of prefix sums descends together in numpy.

        Args:
            prefixsum: a prefix sum, or an array of them, each in ``[0, sum()]``.

        Returns:
            An int, or an int64 array of the shape of ``prefixsum``.

        Raises:
            TypeError: ``prefixsum`` is not real.
            ValueError: a prefix sum is NaN or outside ``[0, sum()]``, or ``sum()`` is 0
                (every index has value 0, so none can be drawn).
        """
        try:
            arr = np.asarray(prefixsum)
        except ValueError as error:  # ragged
            raise ValueError(f"prefixsum must be a rectangular array: {error}") from None
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"prefixsum must be real, got an array of dtype {arr.dtype}")
        target = arr.astype(np.float64).ravel()
        total = self._value[1]
        if not total > 0 and target.size:
            raise ValueError(
                f"find_prefixsum_index needs a positive sum() to draw from, got sum()={total} "
                "(every value is 0: no index can be drawn)"
            )
        if not np.all((target >= 0) & (target <= total)):
            raise ValueError(f"prefixsum must be within [0, sum()={total}], got {prefixsum}")
        value = self._value
        node = np.ones(target.shape, dtype=np.int64)
        for _ in range(self._capacity.bit_length() - 1):
            left = value[2 * node]
            # A right subtree of total 0 holds only zero-valued leaves: never descend there.
            go_right = (target >= left) & (value[2 * node + 1] > 0)
            target = np.where(go_right, target - left, target)
            node = 2 * node + go_right
        index = (node - self._capacity).reshape(arr.shape)
        return int(index) if index.ndim == 0 else index

    def _check_values(self, value: ArrayLike, shape: tuple[int, ...]) -> Float64Array:
        values = check_finite("values", super()._check_values(value, shape))
        if np.any(values < 0):
            raise ValueError(
                f"SumTree values (priorities) must be non-negative, got {values.min()}"
            )
        return values


class MinTree(SegmentTree):
    """A :class:`SegmentTree` of minima (identity ``inf``): the smallest priority of a replay.

    Example:
        >>> tree = MinTree(4)
        >>> tree[np.array([0, 1, 2])] = [3.0, 1.0, 2.0]
        >>> tree.min(), tree.min(2), tree.min(3, 4)
        (1.0, 2.0, inf)
    """

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, np.minimum, float("inf"))

    def min(self, start: int = 0, end: int | None = None) -> float:
        """Return ``min(A[start], ..., A[end - 1])`` (see :meth:`SegmentTree.reduce`)."""
        return self.reduce(start, end)
