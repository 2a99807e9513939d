"""A vectorized NumPy sum tree (with a min tree beside it) for prioritized replay."""

from __future__ import annotations

import numpy as np

#: Levels at most this many times wider than the batch of updates are recomputed whole.
SLICED_LEVELS_FROM = 2


class SumTree:
    """Binary trees over ``capacity`` non-negative leaves: sums and minimums of every node.

    Node ``i`` has children ``2i`` and ``2i + 1``; the root is node 1; leaves are nodes
    ``[size, size + capacity)``, where ``size`` is the next power of two. Row ``i`` of the
    ``(2 * size, 2)`` array ``_nodes`` holds node ``i``'s sum and minimum side by side,
    so one row of ``_children`` (the same memory as ``(size, 4)``) holds both children of
    node ``i``: one cache line per node visited (the prioritized buffer's speed goal).
    Updates and prefix-sum searches are vectorized over a batch.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        size = 1
        while size < self.capacity:
            size *= 2
        self._size = size
        self._depth = size.bit_length() - 1
        self._nodes = np.zeros((2 * size, 2), np.float64)
        self._nodes[:, 1] = np.inf
        self._children = self._nodes.reshape(size, 4)  # sum, min of 2i; sum, min of 2i + 1

    @property
    def total(self) -> float:
        """The sum of every leaf."""
        return float(self._nodes[1, 0])

    @property
    def minimum(self) -> float:
        """The smallest positive leaf (``inf`` when there is none)."""
        return float(self._nodes[1, 1])

    def values(self, indices: np.ndarray) -> np.ndarray:
        """The leaves at ``indices``."""
        return self._nodes[self._size + np.asarray(indices, dtype=np.intp), 0]

    def update(self, indices: np.ndarray, values: np.ndarray) -> None:
        """Sets the leaves at ``indices`` to ``values`` (the last write wins on repeats)."""
        nodes = self._size + np.asarray(indices, dtype=np.intp).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        self._nodes[nodes] = np.stack([values, np.where(values > 0, values, np.inf)], axis=1)
        # Deep levels recompute only the updated leaves' ancestors (a repeat recomputes the
        # same node: no need to remove repeats); levels narrower than that are recomputed
        # whole, by slices. Each parent is left + right, as always.
        width = self._size // 2  # the number of nodes one level up
        parents = np.empty((len(nodes), 2), np.float64)
        while width > SLICED_LEVELS_FROM * len(nodes):
            nodes = nodes >> 1
            children = self._children.take(nodes, axis=0)
            np.add(children[:, 0], children[:, 2], out=parents[:, 0])
            np.minimum(children[:, 1], children[:, 3], out=parents[:, 1])
            self._nodes[nodes] = parents
            width //= 2
        while width >= 1:
            children, level = self._children[width : 2 * width], self._nodes[width : 2 * width]
            np.add(children[:, 0], children[:, 2], out=level[:, 0])
            np.minimum(children[:, 1], children[:, 3], out=level[:, 1])
            width //= 2

    def clear(self) -> None:
        """Sets every leaf back to zero."""
        self._nodes[:, 0] = 0.0
        self._nodes[:, 1] = np.inf

    def find(self, prefix_sums: np.ndarray, limit: int) -> np.ndarray:
        """For each ``u`` in ``prefix_sums`` (in ``[0, total)``), the leaf ``i`` with
        ``sum(leaves[:i]) <= u < sum(leaves[:i + 1])``, clipped to ``[0, limit)``."""
        values = np.array(prefix_sums, dtype=np.float64)
        nodes = np.ones(values.shape, dtype=np.intp)
        left_sums_of = self._children[:, 0]  # row i: the sum of node 2i (a strided view)
        for _ in range(self._depth):  # in place: five NumPy calls a level
            left_sums = left_sums_of[nodes]  # (``take`` would copy the strided view first)
            go_right = values >= left_sums
            np.subtract(values, left_sums, out=values, where=go_right)
            nodes <<= 1
            nodes += go_right
        leaves = nodes - self._size
        # Rounding can step past the last positive leaf: fall back to the last stored one.
        return np.minimum(leaves, limit - 1)
