"""Private: the top-p nucleus draw on the ``keras.ops`` path, without sorting the row.

Finding the nucleus by its definition sorts every row, which costs far more than a
top-k cut on long rows; the draw here rejects instead (the figures are in
``benchmarks/bench_sampler.py``'s results and the CHANGELOG).

Let ``N`` be the nucleus: the ids whose weight is at least ``t``, the smallest weight
kept when the row is sorted and cut where the mass before an id reaches ``top_p`` of
the total (ids tied with ``t`` are all kept). An id ``s`` is in ``N`` exactly when the
ids heavier than ``s`` hold less than that target. Each round draws one candidate per
row from the weights above the row's floor (initially 0) and keeps it if it is in
``N``; otherwise the candidate's weight becomes the floor. ``N`` always lies above the
floor, so a kept candidate follows the weights restricted to ``N``: the nucleus
distribution itself. A round rejects a row with probability at most ``1 - top_p``, and
each rejection removes the candidate and every lighter id, so a row is still undecided
after ``_rounds(top_p)`` rounds with probability below 1e-18: by
``(1 - top_p) ** rounds``, and at the cap of 64 rounds because that takes about as
many rejections as a row of 50 000 distinct weights has records in a random order.
Such a row returns its last candidate.

The first round runs on every row. Later rounds run in a loop, each on a few undecided
rows gathered from the batch (at ``top_p = 0.9`` about a tenth of the rows are left).
Each candidate is drawn by inverse CDF in two levels, a block of about ``BLOCK`` ids by
its mass and then an id inside it, with blocks that divide the row (no padding); each
row has one uniform pair per round it may need, drawn up front.

``draw_weights`` is that two-level draw alone: one uniform pair per row instead of
``keras.random.categorical``'s Gumbel noise for every id.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

#: Ids per block of the two-level inverse-CDF draw (also the NumPy path's, in ``_sampling``).
BLOCK = 256
_ROUNDS = 64
# Rounds after the first gather max(_LATER_ROWS, batch / _LATER_ROWS) undecided rows.
_LATER_ROWS = 8


def draw_weights(w: Any, seed: Any) -> Any:
    """Draws id ``i`` of each row with probability ``exp(w_i) / sum(exp(w))``.

    ``w`` (log-weights, row maxima 0, ``-inf`` never drawn) needs a static
    vocabulary size. Returns ``int32`` ids of shape ``(batch,)``.
    """
    if w.shape[-1] <= BLOCK:  # one block: one level (a quarter of the eager ops)
        u = keras.random.uniform((ops.shape(w)[0],), seed=seed)
        return ops.cast(_first_above(ops.cumsum(ops.exp(w), axis=-1), u), "int32")
    p = _blocked(ops.exp(w))
    u = keras.random.uniform((ops.shape(p)[0], 2), seed=seed)
    return _draw(p, ops.sum(p, axis=-1), ops.zeros_like(u[:, 0]), u)[0]


def draw_nucleus(w: Any, top_p: float, min_p: float | None, seed: Any) -> Any:
    """Draws one id per row of ``w`` (log-weights, row maxima 0) from the top-p nucleus.

    ``min_p`` (if set) then also drops the ids whose weight is below ``min_p``. ``w``
    needs a static vocabulary size. Returns ``int32`` ids of shape ``(batch,)``.
    """
    p = _blocked(ops.exp(w))
    mass = ops.sum(p, axis=-1)  # (batch, blocks): the weight of each block
    target = top_p * ops.sum(mass, axis=-1)
    if min_p:  # after the nucleus target: min-p filters what top-p kept
        p = ops.where(p >= min_p, p, 0.0)
        mass = ops.sum(p, axis=-1)
    # Uniforms per row and round; a row's round ``n`` uses its pair ``n``.
    rounds = _rounds(top_p)
    uniforms = keras.random.uniform((ops.shape(p)[0], rounds, 2), seed=seed)
    ids, weight = _draw(p, mass, ops.zeros_like(target), uniforms[:, 0])
    state = (ids, _mass_above(p, weight) < target, weight, ops.ones_like(ids))
    batch = p.shape[0]
    picks = None if batch is None else min(batch, max(_LATER_ROWS, -(-batch // _LATER_ROWS)))

    def undecided(ids, done, floor, taken):
        return ops.logical_and(ops.logical_not(done), taken < rounds)

    def later_round(*state):
        left = undecided(*state)
        if picks is None:  # batch unknown while tracing: every row
            rows = ops.arange(ops.shape(left)[0], dtype="int32")
        else:  # the first ``picks`` undecided rows (then decided ones, left as they are)
            rank = batch - ops.arange(batch, dtype="int32")
            rows = ops.top_k(ops.where(left, rank, 0), picks, sorted=False)[1]
        ids, done, floor, taken = (ops.take(s, rows, axis=0) for s in state)
        q = ops.take(p, rows, axis=0)
        u = ops.take_along_axis(ops.take(uniforms, rows, axis=0), taken[:, None, None], 1)
        mass = _block_mass_above(q, floor)
        candidate, weight = _draw(q, mass, floor, u[:, 0])
        active = ops.take(left, rows, axis=0)
        in_nucleus = _mass_above(q, weight) < ops.take(target, rows, axis=0)
        updates = (
            ops.where(active, candidate, ids),
            ops.logical_or(done, ops.logical_and(active, in_nucleus)),
            ops.where(active, weight, floor),
            taken + ops.cast(active, "int32"),
        )
        return tuple(
            ops.scatter_update(old, rows[:, None], new)
            for old, new in zip(state, updates, strict=True)
        )

    state = ops.while_loop(lambda *s: ops.any(undecided(*s)), later_round, state)
    return state[0]


def _rounds(top_p: float) -> int:
    """Rounds per row: enough for ``(1 - top_p) ** rounds < 1e-18``, at most ``_ROUNDS``."""
    return min(_ROUNDS, math.ceil(18 * math.log(10) / -math.log1p(-top_p)))


def _block_mass_above(p: Any, weight: Any) -> Any:
    """Per row and block of ``p`` ``(batch, blocks, size)``: the ids heavier than ``weight``."""
    return ops.sum(ops.where(p > weight[:, None, None], p, 0.0), axis=-1)


def _mass_above(p: Any, weight: Any) -> Any:
    """Per row of ``p``, the weight of the ids heavier than ``weight``."""
    return ops.sum(_block_mass_above(p, weight), axis=-1)


def _blocked(p: Any) -> Any:
    """Weights ``(batch, vocab)`` as ``(batch, blocks, size)``, zero-padded if need be."""
    vocab = p.shape[-1]
    size = _block_size(vocab)
    blocks = -(-vocab // size)
    if blocks * size != vocab:
        p = ops.pad(p, [[0, 0], [0, blocks * size - vocab]])
    return ops.reshape(p, (-1, blocks, size))


def _block_size(vocab: int) -> int:
    """The whole row up to ``BLOCK`` ids, else a divisor of ``vocab`` near ``BLOCK``.

    A divisor leaves no padding (XLA on CPU ran exp, pad and block sums 3x more
    slowly than exp and block sums). Without a divisor in [BLOCK / 2, 2 BLOCK],
    blocks of ``BLOCK``, the last one padded.
    """
    if vocab <= BLOCK:
        return vocab
    divisors = [d for d in range(BLOCK // 2, 2 * BLOCK + 1) if vocab % d == 0]
    return min(divisors, key=lambda d: abs(math.log(d / BLOCK)), default=BLOCK)


def _draw(p: Any, mass: Any, floor: Any, u: Any) -> tuple[Any, Any]:
    """One id per row, with probability proportional to its weight above ``floor``.

    ``p`` is ``(batch, blocks, size)``, ``mass`` the weight above ``floor`` in each
    block, ``u`` two uniforms in [0, 1) per row. Returns the ids and their weights.
    """
    block = _first_above(ops.cumsum(mass, axis=-1), u[:, 0])
    values = ops.take_along_axis(p, block[:, None, None], axis=1)[:, 0]
    values = ops.where(values > floor[:, None], values, 0.0)
    inner = _first_above(ops.cumsum(values, axis=-1), u[:, 1])
    weight = ops.take_along_axis(values, inner[:, None], axis=1)[:, 0]
    return ops.cast(block * p.shape[-1] + inner, "int32"), weight


def _first_above(cdf: Any, u: Any) -> Any:
    """Per row, the first index where ``cdf`` exceeds ``u`` times its last value.

    The target is kept below the last value so that such an index exists; the index
    then has a positive increment, that is a positive weight.
    """
    total = cdf[:, -1]
    target = ops.minimum(u * total, total * (1.0 - 2.0**-23))
    return ops.argmax(ops.cast(cdf > target[:, None], "int32"), axis=-1)
