"""Private sampling kernels: argument checks, a NumPy path and a ``keras.ops`` path."""

from __future__ import annotations

import math
import numbers
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_tutorial_kit._validation import check_non_negative_number, check_seed
from keras_tutorial_kit.samplers._nucleus import BLOCK, draw_nucleus, draw_weights

# Rows are drawn in chunks of about this many values, so that a chunk's temporaries stay
# in the CPU cache: this serves the goal V=50k B=64 >= 3x the tutorial.
_CHUNK_VALUES = 1 << 16
# Rows longer than BLOCK (shared with the keras.ops path) are drawn in two levels (see
# _inverse_cdf). Rows longer than _SORT_WHOLE find their top-p nucleus from a histogram
# (see _nucleus_threshold), shorter ones are sorted whole: at 64 rows the sort took
# 0.7 ms at 1 024 ids (histogram 2.3 ms) and 4.7 ms at 4 096 (histogram 2.6 ms).
_SORT_WHOLE = 1024
_BELOW_ONE = np.nextafter(1.0, 0.0)
# On the tensor path, top-p sorts rows up to this long (cheap, and eager JAX compiles
# the rejection draw's loop at every call) and draws longer ones by rejection (serves
# compiled top-p at V=50k, B=64 <= 1.3x top-k; see _nucleus).
_SORT_AT_MOST = 1024


def check_filters(
    temperature: Any, top_k: Any, top_p: Any, min_p: Any
) -> tuple[float, int | None, float | None, float | None]:
    """Returns the checked ``(temperature, top_k, top_p, min_p)``, else raises ``ValueError``."""
    temperature = check_non_negative_number("temperature", temperature)
    if top_k is not None and (
        isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1
    ):
        raise ValueError(f"`top_k` must be None or an integer >= 1. Received: top_k={top_k!r}")
    top_p = _check_fraction("top_p", top_p, low_open=True)
    min_p = _check_fraction("min_p", min_p, low_open=False)
    return temperature, None if top_k is None else int(top_k), top_p, min_p


def _check_fraction(name: str, value: Any, low_open: bool) -> float | None:
    """``None`` or ``value`` as a float in (0, 1] (``low_open``) or [0, 1], else raises."""
    if value is None:
        return None
    inside = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and (0.0 < float(value) <= 1.0 if low_open else 0.0 <= float(value) <= 1.0)
    )  # False for NaN too.
    if not inside:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(
            f"`{name}` must be None or a number in {interval}. Received: {name}={value!r}"
        )
    return float(value)


def sample(
    logits: Any, filters: tuple, seed: Any, rng: Any = None, seed_generator: Any = None
) -> Any:
    """Draws one id per row with the path ``logits`` take (NumPy or ``keras.ops``).

    ``filters`` is ``check_filters``' output. ``seed`` (a call's seed) goes first;
    without it, NumPy input draws from ``rng`` and tensors from ``seed_generator``
    when given (a sampler's own state), else unseeded.
    """
    if is_numpy_input(logits):
        if seed is None and rng is not None:
            return sample_numpy(logits, *filters, rng)
        return sample_numpy(logits, *filters, numpy_generator(seed))
    if seed is None and seed_generator is not None:
        return sample_tensor(logits, *filters, seed_generator)
    return sample_tensor(logits, *filters, tensor_seed(seed))


def is_numpy_input(logits: Any) -> bool:
    """Whether ``logits`` takes the NumPy path (NumPy arrays, lists and scalars)."""
    return isinstance(logits, (np.ndarray, list, tuple, np.generic))


def numpy_generator(seed: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an integer >= 0 or a generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, keras.random.SeedGenerator) or _is_tensor(seed):
        raise TypeError(
            "For NumPy logits, `seed` must be None, an integer >= 0 or a "
            f"numpy.random.Generator. Received: seed={seed!r}"
        )
    return np.random.default_rng(check_seed("seed", seed))


def tensor_seed(seed: Any) -> Any:
    """``seed`` for ``keras.random``: a ``SeedGenerator``, a seed tensor, or a checked int."""
    if isinstance(seed, keras.random.SeedGenerator) or _is_tensor(seed):
        return seed
    if isinstance(seed, np.random.Generator):
        raise TypeError(
            "For tensor logits, `seed` must be None, an integer >= 0, a "
            f"keras.random.SeedGenerator or a seed tensor. Received: seed={seed!r}"
        )
    return check_seed("seed", seed)


def _is_tensor(value: Any) -> bool:
    return not isinstance(value, np.ndarray) and ops.is_tensor(value)


# --------------------------------------------------------------------------- NumPy path


def sample_numpy(logits, temperature, top_k, top_p, min_p, rng) -> np.ndarray:
    """Draws one id per row of ``logits`` (batch, vocab) with NumPy; returns int32 (batch,)."""
    try:
        z = np.asarray(logits, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`logits` must be numbers. Received: logits={logits!r}") from error
    if z.ndim != 2 or z.shape[1] == 0:
        raise ValueError(
            "`logits` must have shape (batch, vocab) with vocab >= 1. "
            f"Received: logits with shape={z.shape}"
        )
    peak = z.max(axis=1, keepdims=True)
    if not np.isfinite(peak).all():
        raise ValueError(
            "`logits` must be finite or -inf, with at least one finite value per row. "
            f"Received: logits with row maxima {peak[:, 0].tolist()[:8]}"
        )
    if temperature == 0.0:
        return z.argmax(axis=1).astype(np.int32)
    ids = np.empty(z.shape[0], dtype=np.int32)
    rows = max(1, _CHUNK_VALUES // z.shape[1])
    for start in range(0, z.shape[0], rows):
        chunk = slice(start, start + rows)
        w = z[chunk] - peak[chunk]
        if temperature != 1.0:
            w *= np.float32(1.0 / temperature)
        p = np.exp(w, out=w)  # each row's largest entry is exactly 1
        ids[chunk] = _inverse_cdf(_filter_numpy(p, top_k, top_p, min_p), rng)
    return ids


def _filter_numpy(p: np.ndarray, top_k, top_p, min_p) -> np.ndarray:
    """Zeroes the weights of ``p`` (row maxima 1) that the filters drop, in place."""
    vocab = p.shape[1]
    if top_k is not None and top_k < vocab:
        p[p < np.partition(p, vocab - top_k, axis=1)[:, vocab - top_k, None]] = 0.0
    if top_p is not None and top_p < 1.0:
        p[p < _nucleus_threshold(p, top_p)] = 0.0
    if min_p:
        p[p < min_p] = 0.0  # p / max(p) < min_p
    return p


def _nucleus_threshold(p: np.ndarray, top_p: float) -> np.ndarray:
    """The smallest weight kept per row by the top-p nucleus, shape ``(rows, 1)``."""
    if p.shape[1] <= _SORT_WHOLE:  # short rows: sort them whole, all rows at once
        target = top_p * p.sum(axis=1, keepdims=True, dtype=np.float64)
        return _last_kept(-np.sort(-p, axis=1), 0.0, target)
    # Long rows, without a full sort (serves top-p at V=50k B=64 >= 1x the tutorial's
    # unfiltered sampler): weights are binned by the top bits of their float32 pattern,
    # which grow with the value (32 bins per factor of two); the bin where the mass
    # counted from the top reaches the target holds the threshold, and only its
    # entries are sorted.
    threshold = np.empty((p.shape[0], 1), dtype=p.dtype)
    for i, row in enumerate(p):
        bins = (row.view(np.int32) >> 18).astype(np.intp)  # bincount wants intp
        mass = np.bincount(bins, weights=row)[::-1]  # from the top bin down
        down_to = np.cumsum(mass)
        target = top_p * down_to[-1]
        top = int(np.count_nonzero(down_to < target))  # mass[top] > 0: entries exist
        largest = -np.sort(-row[bins == mass.size - 1 - top])
        threshold[i] = _last_kept(largest[None], down_to[top] - mass[top], target)
    return threshold


def _last_kept(largest: np.ndarray, mass_before: Any, target: Any) -> np.ndarray:
    """Per row of descending weights, the last one whose preceding mass is below ``target``."""
    before = mass_before + np.add.accumulate(largest, axis=1, dtype=np.float64) - largest
    keep = np.count_nonzero(before < target, axis=1)  # >= 1: mass_before < target
    return largest[np.arange(largest.shape[0]), keep - 1, None]


def _inverse_cdf(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draws index ``i`` of each row with probability ``p[i] / sum(p)``: one uniform per row.

    ``u * total`` with ``u < 1`` stays below ``total`` in float64, so some cumulative
    sum exceeds it, and the first that does has a positive weight: zero weights
    (``-inf`` logits, filtered ids) are never drawn.
    """
    rows, vocab = p.shape
    if vocab <= BLOCK:
        cdf = np.add.accumulate(p, axis=1, dtype=np.float64)
        return (cdf > rng.random((rows, 1)) * cdf[:, -1:]).argmax(axis=1)
    # Two levels, a block of BLOCK weights by its mass and then a weight inside it,
    # because np.cumsum over a whole long row is slow: serves V=50k B=64 >= 3x.
    blocks = np.zeros((rows, -(-vocab // BLOCK) * BLOCK), dtype=p.dtype)
    blocks[:, :vocab] = p
    blocks = blocks.reshape(rows, -1, BLOCK)
    ends = np.cumsum(blocks.sum(axis=2, dtype=np.float64), axis=1)
    target = rng.random(rows) * ends[:, -1]
    block = (ends > target[:, None]).argmax(axis=1)
    row = np.arange(rows)
    start = np.where(block > 0, ends[row, block - 1], 0.0)
    u = np.minimum((target - start) / (ends[row, block] - start), _BELOW_ONE)
    inner = np.add.accumulate(blocks[row, block], axis=1, dtype=np.float64)
    return block * BLOCK + (inner > (u * inner[:, -1])[:, None]).argmax(axis=1)


# ---------------------------------------------------------------------- keras.ops path


def sample_tensor(logits, temperature, top_k, top_p, min_p, seed) -> Any:
    """Draws one id per row of a backend tensor with ``keras.ops``; works when traced."""
    z = ops.cast(ops.convert_to_tensor(logits), "float32")
    if len(z.shape) != 2:
        raise ValueError(
            f"`logits` must have shape (batch, vocab). Received: logits with shape={z.shape}"
        )
    if temperature == 0.0:
        return ops.cast(ops.argmax(z, axis=-1), "int32")
    w = (z - ops.max(z, axis=-1, keepdims=True)) / temperature
    vocab = w.shape[-1]  # None when unknown while tracing: top_k then must fit the vocab.
    columns = None
    if (
        top_p is not None
        and top_p < 1.0
        and vocab is not None
        and vocab > _SORT_AT_MOST
        and (top_k or vocab) >= vocab
    ):
        return draw_nucleus(w, top_p, min_p, seed)
    if top_p is not None and top_p < 1.0:
        # The nucleus needs the candidates sorted: all of them, or the top_k largest.
        k = vocab if top_k is None or (vocab is not None and top_k >= vocab) else top_k
        w, columns = ops.top_k(w, ops.shape(w)[-1] if k is None else k, sorted=True)
        p = ops.exp(w)  # the largest is 1
        before = ops.cumsum(p, axis=-1) - p
        kept = ops.where(before < top_p * ops.sum(p, axis=-1, keepdims=True), w, np.inf)
        w = ops.where(w >= ops.min(kept, axis=-1, keepdims=True), w, -np.inf)  # with ties
    elif top_k is not None and (vocab is None or top_k < vocab):
        w, columns = ops.top_k(w, top_k, sorted=False)
    if min_p:
        w = ops.where(w >= math.log(min_p), w, -np.inf)  # p / max(p) = exp(w) >= min_p
    if w.shape[-1] is None:
        ids = keras.random.categorical(w, 1, dtype="int32", seed=seed)[:, 0]
    else:
        ids = draw_weights(w, seed)
    if columns is None:
        return ids
    return ops.take_along_axis(ops.cast(columns, "int32"), ids[:, None], axis=-1)[:, 0]
