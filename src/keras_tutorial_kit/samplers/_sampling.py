"""Private sampling kernels: a NumPy fast path and a ``keras.ops`` path for tensors."""

from __future__ import annotations

import math
import numbers
from typing import Any

import keras
import numpy as np
from keras import ops

# Rows longer than this are sampled blockwise (a two-level inverse CDF) and their top-p
# nucleus is found with a histogram of log-probabilities instead of a full sort.
_LARGE_VOCAB = 2048
# Block length of the two-level inverse CDF.
_BLOCK = 256
# Histogram of the top-p search: float32 bit patterns shifted right by this many bits
# (32 bins per factor of two), and the bit pattern of 1.0, the largest weight.
_HISTOGRAM_SHIFT = 18
_ONE_BITS = int(np.array(1.0, dtype=np.float32).view(np.int32))
# Added to exponential variates before their logarithm so that it stays finite.
_TINY = np.float32(np.finfo(np.float32).tiny)


def check_temperature(value: Any) -> float:
    """Returns ``value`` as a float if it is a finite number >= 0, else raises ``ValueError``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or value < 0
    ):
        raise ValueError(
            f"`temperature` must be a finite number >= 0. Received: temperature={value!r}"
        )
    return float(value)


def check_top_k(value: Any) -> int | None:
    """Returns ``None`` or ``value`` as an int >= 1, else raises ``ValueError``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`top_k` must be None or an integer >= 1. Received: top_k={value!r}")
    return int(value)


def check_top_p(value: Any) -> float | None:
    """Returns ``None`` or ``value`` as a float in (0, 1], else raises ``ValueError``."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 < float(value) <= 1.0  # False for NaN too.
    ):
        raise ValueError(f"`top_p` must be None or a number in (0, 1]. Received: top_p={value!r}")
    return float(value)


def is_numpy_input(logits: Any) -> bool:
    """Whether ``logits`` takes the NumPy path (NumPy arrays, lists and scalars)."""
    return isinstance(logits, (np.ndarray, list, tuple, np.generic))


# --------------------------------------------------------------------------- NumPy path


def sample_numpy(
    logits: Any,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws one id per row of ``logits`` (batch, vocab) with NumPy; returns int32 (batch,)."""
    z = logits if isinstance(logits, np.ndarray) else np.asarray(logits)
    if z.ndim != 2 or z.shape[1] == 0:
        raise ValueError(
            f"`logits` must have shape (batch, vocab) with vocab >= 1. Received: shape={z.shape}"
        )
    if z.dtype != np.float32:
        z = z.astype(np.float32)
    batch, vocab = z.shape
    if batch == 0:
        return np.zeros((0,), dtype=np.int32)
    columns = None
    if temperature != 0.0 and top_k is not None and top_k < vocab:
        columns = np.argpartition(z, vocab - top_k, axis=1)[:, vocab - top_k :]
        z = np.take_along_axis(z, columns, axis=1)
    ids = None
    if temperature != 0.0 and (top_p is None or top_p >= 1.0) and z.shape[1] <= _LARGE_VOCAB:
        ids = _gumbel_max(z, temperature, rng)  # None if a row needs the checked path
    if ids is None:
        peak = z.max(axis=1, keepdims=True)
        if not np.isfinite(peak).all():
            raise ValueError(
                "`logits` must be finite or -inf, with at least one finite value per row. "
                f"Received row maxima: {peak[:, 0].tolist()[:8]}"
            )
        if temperature == 0.0:
            return z.argmax(axis=1).astype(np.int32)
        w = z - peak
        if temperature != 1.0:
            w *= np.float32(1.0 / temperature)
        p = np.exp(w, out=w)  # Each row's largest entry is exactly 1, so totals are >= 1.
        if top_p is not None and top_p < 1.0:
            p = _nucleus(p, top_p)
        ids = _inverse_cdf(p, rng.random(batch))
    if columns is not None:
        ids = np.take_along_axis(columns, ids[:, None], axis=1)[:, 0]
    return ids.astype(np.int32, copy=False)


def _gumbel_max(z: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray | None:
    """``argmax(z / T + Gumbel noise)`` per row: an exact draw from ``softmax(z / T)``.

    The fastest NumPy draw for short rows (no exponentials of the logits, no cumulative
    sums). ``-inf`` logits stay ``-inf`` (the exponential variates are kept above zero,
    so their logarithms are finite) and are never drawn. Returns ``None`` when a row's
    winner is not finite (NaN or ``+inf`` logits, a row of ``-inf``, or ``z / T``
    overflowing), leaving those cases to the checked path.
    """
    noise = rng.standard_exponential(z.shape, dtype=np.float32)
    noise += _TINY
    np.log(noise, out=noise)
    if temperature != 1.0:
        w = z * np.float32(1.0 / temperature)
        w -= noise
    else:
        w = z - noise
    ids = w.argmax(axis=1)
    winners = w[np.arange(w.shape[0]), ids] if w.shape[0] > 1 else w[0, ids]
    if not np.isfinite(winners).all():
        return None
    return ids


def _inverse_cdf(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index ``i`` per row with ``P(i) = p[i] / sum(p)``, from uniforms ``u`` in [0, 1)."""
    batch, vocab = p.shape
    if vocab <= _LARGE_VOCAB:
        cdf = np.cumsum(p, axis=1, dtype=np.float64)
        return _first_above(cdf, u * cdf[:, -1], p)
    # Two levels: choose a block by its mass, then an entry inside the block.
    full = vocab // _BLOCK
    sums = p[:, : full * _BLOCK].reshape(batch, full, _BLOCK).sum(axis=2, dtype=np.float64)
    if vocab > full * _BLOCK:
        rest = p[:, full * _BLOCK :].sum(axis=1, dtype=np.float64)[:, None]
        sums = np.concatenate([sums, rest], axis=1)
    block_cdf = np.cumsum(sums, axis=1)
    target = u * block_cdf[:, -1]
    block = _first_above(block_cdf, target, sums)
    rows = np.arange(batch)
    residual = target - (block_cdf[rows, block] - sums[rows, block])
    columns = block[:, None] * _BLOCK + np.arange(_BLOCK)
    inside = columns < vocab
    values = np.where(inside, p[rows[:, None], np.minimum(columns, vocab - 1)], 0.0)
    within = _first_above(np.cumsum(values, axis=1, dtype=np.float64), residual, values)
    return block * _BLOCK + within


def _first_above(cdf: np.ndarray, target: np.ndarray, p: np.ndarray) -> np.ndarray:
    """First index per row where ``cdf > target``; the last positive entry if rounding says none.

    The first index where a cumulative sum exceeds a value always has a positive
    weight, so zero-probability entries (``-inf`` logits) are never returned.
    """
    index = np.count_nonzero(cdf <= target[:, None], axis=1)
    if index.max() >= cdf.shape[1]:
        overflow = index >= cdf.shape[1]
        last = cdf.shape[1] - 1 - np.argmax(p[overflow, ::-1] > 0, axis=1)
        index[overflow] = last
    return index


def _nucleus(p: np.ndarray, top_p: float) -> np.ndarray:
    """Zeroes every weight outside each row's smallest top-p nucleus, in place.

    Sorted descending, entry ``j`` is kept when the mass before it is below ``top_p`` of
    the row's total: ``K`` entries per row, all those above the ``K``-th value and as
    many of the entries tied with it as ``K`` needs (lowest index first).
    """
    batch, vocab = p.shape
    target = top_p * p.sum(axis=1, dtype=np.float64)
    if vocab <= _LARGE_VOCAB:
        ordered = -np.sort(-p, axis=1)
        before = np.cumsum(ordered, axis=1, dtype=np.float64) - ordered
        keep_count = np.maximum(np.count_nonzero(before < target[:, None], axis=1), 1)
        threshold = ordered[np.arange(batch), keep_count - 1]
        above = np.count_nonzero(ordered > threshold[:, None], axis=1)
        tied = np.count_nonzero(ordered == threshold[:, None], axis=1)
        surplus = tied - (keep_count - above)
    else:
        threshold, surplus = _nucleus_threshold_by_histogram(p, target)
    kept = p >= threshold[:, None]
    for row in np.flatnonzero(surplus > 0):
        tied_columns = np.flatnonzero(p[row] == threshold[row])
        kept[row, tied_columns[tied_columns.size - surplus[row] :]] = False
    p *= kept
    return p


def _nucleus_threshold_by_histogram(
    p: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(threshold, surplus ties)`` per row, as in :func:`_nucleus`, without a full sort.

    Entries are binned by the top bits of their float32 representation (for
    non-negative floats the bit pattern grows with the value: the exponent and
    ``23 - _HISTOGRAM_SHIFT`` mantissa bits, 32 bins per factor of two); the bin where
    the running mass from the top reaches the target holds the threshold, and only that
    bin's entries are sorted. Equal values share a bin, so every entry of a higher bin
    is above the threshold. Row by row, so that the work stays in the CPU cache.
    """
    batch = p.shape[0]
    bins_per_row = (_ONE_BITS >> _HISTOGRAM_SHIFT) + 1  # all p are in [0, 1]
    p = np.ascontiguousarray(p)
    threshold = np.empty(batch, dtype=p.dtype)
    surplus = np.empty(batch, dtype=np.intp)
    for row in range(batch):
        values = p[row]
        # np.bincount converts int32 input on a slow path: hand it intp.
        bins = (values.view(np.int32) >> _HISTOGRAM_SHIFT).astype(np.intp)
        mass = np.bincount(bins, weights=values, minlength=bins_per_row)[::-1]
        mass_cdf = np.cumsum(mass)
        position = min(int(np.count_nonzero(mass_cdf < target[row])), bins_per_row - 1)
        mass_before = mass_cdf[position] - mass[position]
        candidates = -np.sort(-values[bins == bins_per_row - 1 - position])
        before = mass_before + np.cumsum(candidates, dtype=np.float64) - candidates
        inside = max(int(np.count_nonzero(before < target[row])), 1)
        threshold[row] = candidates[inside - 1]
        above = int(np.count_nonzero(candidates > threshold[row]))
        tied = int(np.count_nonzero(candidates == threshold[row]))
        surplus[row] = tied - (inside - above)
    return threshold, surplus


# ---------------------------------------------------------------------- keras.ops path


def sample_tensor(
    logits: Any,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    seed: Any,
) -> Any:
    """Draws one id per row of a backend tensor with ``keras.ops``; works when traced."""
    z = ops.cast(ops.convert_to_tensor(logits), "float32")
    if len(z.shape) != 2:
        raise ValueError(
            f"`logits` must have shape (batch, vocab). Received: shape={tuple(z.shape)}"
        )
    if temperature == 0.0:
        return ops.cast(ops.argmax(z, axis=-1), "int32")
    vocab = z.shape[-1]  # None when unknown while tracing: top_k then must fit the vocab.
    if vocab == 1:
        return ops.zeros(ops.shape(z)[:1], dtype="int32")
    columns = None
    if top_p is not None and top_p < 1.0:
        if top_k is not None:
            k = top_k if vocab is None else min(top_k, vocab)
        else:
            k = vocab if vocab is not None else ops.shape(z)[-1]
        z, columns = ops.top_k(z, k, sorted=True)
    elif top_k is not None and (vocab is None or top_k < vocab):
        z, columns = ops.top_k(z, top_k, sorted=False)
    z = (z - ops.max(z, axis=-1, keepdims=True)) / temperature
    if top_p is not None and top_p < 1.0:
        probabilities = ops.softmax(z, axis=-1)
        before = ops.cumsum(probabilities, axis=-1) - probabilities
        z = ops.where(before < top_p, z, ops.full_like(z, -np.inf))
    ids = keras.random.categorical(z, 1, dtype="int32", seed=seed)[:, 0]
    if columns is not None:
        ids = ops.take_along_axis(ops.cast(columns, "int32"), ids[:, None], axis=-1)[:, 0]
    return ids
