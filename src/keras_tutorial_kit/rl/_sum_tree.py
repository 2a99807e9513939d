"""A vectorized NumPy sum tree (with minimums beside it) of branching 16, for prioritized replay."""

from __future__ import annotations

import numpy as np

#: Children per node. 16-ary rather than binary for the prioritized buffer's speed goal
#: (``benchmarks/bench_replay_buffer.py``, 1 000 000 leaves): a search takes 4 steps of
#: a few NumPy calls (the top two levels in one) instead of 20, and reads one 128-byte
#: row per step.
BRANCHING = 16
_SHIFT = BRANCHING.bit_length() - 1


class SumTree:
    """Sums and minimums of ``capacity`` non-negative leaves, in levels of rows of 16.

    Level 0 is the leaves as rows of 16: leaf ``i`` is entry ``(i // 16, i % 16)``. Entry
    ``(r, c)`` of level ``l + 1`` is the sum of row ``16 r + c`` of level ``l`` (the node
    whose 16 children that row holds); the last level has one row, whose sum is ``total``.
    ``_mins`` mirrors levels 1 and up with the smallest positive leaf under each entry
    (``inf`` if none). Updates and prefix-sum searches are vectorized over a batch.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self._sums = [np.zeros((-(-self.capacity // BRANCHING), BRANCHING))]
        while len(self._sums[-1]) > 1:
            self._sums.append(np.zeros((-(-len(self._sums[-1]) // BRANCHING), BRANCHING)))
        self._mins = [None] + [np.full(level.shape, np.inf) for level in self._sums[1:]]
        self._leaves = self._sums[0].reshape(-1)
        # ``_exclusive @ row`` are the row's exclusive prefix sums: entry j sums entries < j.
        self._exclusive = np.tri(BRANCHING, BRANCHING, -1)
        self._ones = np.ones(BRANCHING)
        self._top_prefix = np.zeros(self._sums[-2 if len(self._sums) > 1 else -1].size)
        self.total, self.minimum = 0.0, np.inf

    def values(self, indices: np.ndarray) -> np.ndarray:
        """The leaves at ``indices``."""
        return self._leaves[np.asarray(indices, dtype=np.intp)]

    def update(self, indices: np.ndarray, values: np.ndarray) -> None:
        """Sets the leaves at ``indices`` to ``values`` (the last write wins on repeats)."""
        nodes = np.asarray(indices, dtype=np.intp).reshape(-1)
        self._leaves[nodes] = np.asarray(values, dtype=np.float64).reshape(-1)
        # Each level recomputes the entries above the changed rows (a repeat recomputes the
        # same entry: no need to remove repeats); a level with no more rows than changed
        # leaves is recomputed whole.
        for level in range(1, len(self._sums)):
            nodes = nodes >> _SHIFT
            whole = len(self._sums[level - 1]) <= len(nodes)
            entries = slice(0, len(self._sums[level - 1])) if whole else nodes
            rows = self._sums[level - 1] if whole else self._sums[level - 1].take(nodes, axis=0)
            self._sums[level].reshape(-1)[entries] = rows @ self._ones
            if level > 1:  # else the minimums come from the leaves just gathered
                rows = self._mins[level - 1] if whole else self._mins[level - 1].take(nodes, axis=0)
            self._mins[level].reshape(-1)[entries] = _smallest_positive(rows, level == 1)
        self._refresh_top()

    def _refresh_top(self) -> None:
        # The search's first step: the exclusive prefix sums of the flattened entries of
        # the level below the top row (or of the top row), e.g. 256 entries at 1M leaves.
        top = self._sums[-2 if len(self._sums) > 1 else -1].reshape(-1)
        np.cumsum(top[:-1], out=self._top_prefix[1:])
        self.total = float(self._top_prefix[-1] + top[-1])  # every u < total finds an entry
        rows = self._sums[0] if len(self._sums) == 1 else self._mins[-1]
        self.minimum = float(_smallest_positive(rows, len(self._sums) == 1)[0])

    def clear(self) -> None:
        """Sets every leaf back to zero."""
        for sums, mins in zip(self._sums, self._mins, strict=True):
            sums[:] = 0.0
            if mins is not None:
                mins[:] = np.inf
        self._refresh_top()

    def find(self, prefix_sums: np.ndarray, limit: int) -> np.ndarray:
        """For each ``u`` in ``prefix_sums`` (in ``[0, total)``), the leaf ``i`` with
        ``sum(leaves[:i]) <= u < sum(leaves[:i + 1])``, clipped to ``[0, limit)``."""
        values = np.array(prefix_sums, dtype=np.float64).reshape(-1)
        columns = np.arange(len(values))
        # The top two levels at once: the last entry starting at or before each u.
        nodes = np.searchsorted(self._top_prefix, values, side="right") - 1
        values -= self._top_prefix[nodes]
        for level in reversed(self._sums[:-2]):
            # prefix[j, k]: the sum of the first j children of the k-th value's node.
            prefix = self._exclusive @ level.take(nodes, axis=0).T
            child = (prefix[1:] <= values).sum(axis=0)  # the last child starting <= u
            values -= prefix[child, columns]
            nodes <<= _SHIFT
            nodes += child
        # Rounding can step past the last positive leaf: fall back to the last stored one.
        return np.minimum(nodes, limit - 1)


def _smallest_positive(rows: np.ndarray, leaves: bool) -> np.ndarray:
    """The smallest entry of each row (of leaves: the smallest positive one, else ``inf``)."""
    block = np.ascontiguousarray(rows.T)  # a minimum over rows of it is fast in NumPy
    return (np.where(block > 0, block, np.inf) if leaves else block).min(axis=0)
