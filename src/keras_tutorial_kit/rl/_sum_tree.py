"""A vectorized NumPy sum tree (with a min tree beside it) for prioritized replay."""

from __future__ import annotations

import numpy as np


class SumTree:
    """Binary trees over ``capacity`` non-negative leaves: sums and minimums of every node.

    Leaves live at ``[size, size + capacity)`` of arrays of length ``2 * size``, where
    ``size`` is the next power of two; node ``i`` has children ``2i`` and ``2i + 1``;
    the root is node 1. Updates and prefix-sum searches are vectorized over a batch.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        size = 1
        while size < self.capacity:
            size *= 2
        self._size = size
        self._depth = size.bit_length() - 1
        self._sums = np.zeros(2 * size, np.float64)
        self._mins = np.full(2 * size, np.inf, np.float64)

    @property
    def total(self) -> float:
        """The sum of every leaf."""
        return float(self._sums[1])

    @property
    def minimum(self) -> float:
        """The smallest positive leaf (``inf`` when there is none)."""
        return float(self._mins[1])

    def values(self, indices: np.ndarray) -> np.ndarray:
        """The leaves at ``indices``."""
        return self._sums[self._size + np.asarray(indices, dtype=np.intp)]

    def update(self, indices: np.ndarray, values: np.ndarray) -> None:
        """Sets the leaves at ``indices`` to ``values`` (the last write wins on repeats)."""
        nodes = self._size + np.asarray(indices, dtype=np.intp).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        self._sums[nodes] = values
        self._mins[nodes] = np.where(values > 0, values, np.inf)
        for _ in range(self._depth):
            nodes = np.unique(nodes // 2)
            left, right = 2 * nodes, 2 * nodes + 1
            self._sums[nodes] = self._sums[left] + self._sums[right]
            self._mins[nodes] = np.minimum(self._mins[left], self._mins[right])

    def clear(self) -> None:
        """Sets every leaf back to zero."""
        self._sums[:] = 0.0
        self._mins[:] = np.inf

    def find(self, prefix_sums: np.ndarray, limit: int) -> np.ndarray:
        """For each ``u`` in ``prefix_sums`` (in ``[0, total)``), the leaf ``i`` with
        ``sum(leaves[:i]) <= u < sum(leaves[:i + 1])``, clipped to ``[0, limit)``."""
        values = np.asarray(prefix_sums, dtype=np.float64).copy()
        nodes = np.ones(values.shape, dtype=np.intp)
        for _ in range(self._depth):
            left = 2 * nodes
            left_sums = self._sums[left]
            go_right = values >= left_sums
            values -= np.where(go_right, left_sums, 0.0)
            nodes = left + go_right
        leaves = nodes - self._size
        # Rounding can step past the last positive leaf: fall back to the last stored one.
        return np.minimum(leaves, limit - 1)
