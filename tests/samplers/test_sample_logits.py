"""``sample_logits`` draws from ``softmax(logits / T)`` restricted by top-k, top-p and min-p.

Distribution tests
------------------
Each example tiles one row of distinct logits ``N = 100_000`` times and draws once per
row, on the NumPy path and on the ``keras.ops`` (tensor) path. Two checks follow:

1. Support (exact): no draw may fall outside the support of the reference
   distribution (``-inf`` logits, ids beyond top-k, outside the nucleus or below
   ``min_p`` times the largest probability). A correct
   sampler never fails it.
2. Counts: if the sampler is correct, the count of id ``i`` is exactly
   ``Binomial(N, p_i)``. Each id of the support gets an exact two-sided binomial test
   (``scipy.stats.binom``) at level ``ALPHA / support_size``, so by the union bound one
   example fails falsely with probability at most ``ALPHA = 1e-10``, with no
   large-sample approximation. On top, a Pearson chi-square omnibus over the cells
   (pooled until each expects >= 100 draws, where the chi-square tail is accurate)
   runs at level ``CHI2_ALPHA = 1e-12``.

False failures per run: at most ``(1e-10 + 1e-12)`` per example; a ``dev`` run draws
at most 40 examples for each of the two distribution tests (80 in all; 24 under
``CI=true``), plus two fixed examples, so at most about ``1e-8`` per run and backend:
far below 1e-6. The
reference probabilities come from float64 NumPy; the float32 sampler differs from
them by ~1e-7 relative, which moves expected counts by ~0.01 and cannot matter.
With ``N = 100_000`` the tests detect a 5% relative error on an id of probability 0.2.
"""

from __future__ import annotations

import re
from unittest import mock

import keras
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from scipy import stats

import keras_tutorial_kit as ktk
from keras_tutorial_kit.samplers import _nucleus, _sampling

N = 100_000
ALPHA = 1e-10
CHI2_ALPHA = 1e-12


def reference_probabilities(logits, temperature, top_k=None, top_p=None, min_p=None):
    """Float64 ``softmax(logits / T)`` restricted to the top-k, the top-p nucleus, then min-p."""
    z = np.asarray(logits, dtype=np.float64)
    keep = np.isfinite(z)
    if top_k is not None and top_k < z.size:
        order = np.argsort(-z, kind="stable")
        keep &= np.isin(np.arange(z.size), order[:top_k])
    w = np.where(keep, z, -np.inf) / temperature
    p = np.exp(w - w.max())
    p /= p.sum()
    if top_p is not None:
        order = np.argsort(-p, kind="stable")
        before = np.cumsum(p[order]) - p[order]
        nucleus = order[before < top_p]
        p = np.where(np.isin(np.arange(z.size), nucleus), p, 0.0)
        p /= p.sum()
    if min_p is not None:
        p = np.where(p >= min_p * p.max(), p, 0.0)
        p /= p.sum()
    return p


def filters_are_clear_of_their_boundaries(logits, temperature, top_k, top_p, min_p, margin=1e-4):
    """Whether float32 rounding cannot move an id across the top-p or the min-p boundary.

    No partial sum of the sorted probabilities lies within ``margin`` of ``top_p``, and
    no probability but the largest lies within ``margin`` (relative) of ``min_p`` times
    the largest.
    """
    p = reference_probabilities(logits, temperature, top_k)
    if top_p is not None and np.any(np.abs(np.cumsum(np.sort(p)[::-1]) - top_p) <= margin):
        return False
    ratios = np.sort(p[p > 0] / p.max())[:-1]
    return min_p is None or bool(np.all(np.abs(ratios - min_p) > margin * min_p))


def assert_draws_follow(counts, p):
    """The support check, the exact binomial tests and the chi-square omnibus (see above)."""
    outside = counts[p == 0]
    assert outside.sum() == 0, f"draws outside the support: counts={counts}, p={p}"
    support = np.flatnonzero(p > 0)
    level = ALPHA / support.size
    for i in support:
        lower = stats.binom.cdf(counts[i], N, p[i])
        upper = stats.binom.sf(counts[i] - 1, N, p[i])
        assert min(lower, upper) > level / 2, (
            f"id {i}: {counts[i]} draws, expected {N * p[i]:.1f} (p={p[i]:.6g}); "
            f"counts={counts.tolist()}, p={p.tolist()}"
        )
    # Pearson chi-square: pool the least likely cells until each expects >= 100 draws.
    order = support[np.argsort(p[support])]
    cells_expected, cells_observed = [], []
    pool_expected = pool_observed = 0.0
    for i in order:
        pool_expected += N * p[i]
        pool_observed += counts[i]
        if pool_expected >= 100:
            cells_expected.append(pool_expected)
            cells_observed.append(pool_observed)
            pool_expected = pool_observed = 0.0
    if pool_expected and cells_expected:
        cells_expected[-1] += pool_expected
        cells_observed[-1] += pool_observed
    if len(cells_expected) >= 2:
        expected, observed = np.array(cells_expected), np.array(cells_observed)
        statistic = float(np.sum((observed - expected) ** 2 / expected))
        critical = stats.chi2.isf(CHI2_ALPHA, df=len(expected) - 1)
        assert statistic < critical, f"chi-square {statistic:.1f} >= {critical:.1f}"


@st.composite
def sampling_problems(draw):
    """Distinct logits (some ``-inf``), a temperature, maybe top-k, top-p and min-p, a seed."""
    vocab = draw(st.integers(2, 8))
    values = draw(st.lists(st.integers(-400, 400), min_size=vocab, max_size=vocab, unique=True))
    logits = np.array(values, dtype=np.float64) / 100.0
    masked = draw(st.lists(st.booleans(), min_size=vocab, max_size=vocab))
    if not all(masked):
        logits[np.array(masked)] = -np.inf
    temperature = draw(st.sampled_from([0.3, 0.7, 1.0, 1.5, 3.0]))
    top_k = draw(st.none() | st.integers(1, vocab + 1))
    top_p = draw(st.none() | st.sampled_from([0.3, 0.5, 0.8, 0.95, 1.0]))
    min_p = draw(st.none() | st.sampled_from([0.0, 0.05, 0.2, 0.5, 1.0]))
    seed = draw(st.integers(0, 2**31 - 1))
    return logits.astype(np.float32), temperature, top_k, top_p, min_p, seed


def _draw(logits_row, path, **kwargs):
    """Counts of N draws from ``logits_row``: ``path`` is numpy, tensor or rejection
    (the tensor path's top-p by rejection at every row length)."""
    logits = np.tile(logits_row, (N, 1))
    if path != "numpy":
        logits = keras.ops.convert_to_tensor(logits)
    sort_at_most = 0 if path == "rejection" else _sampling._SORT_AT_MOST
    with mock.patch.object(_sampling, "_SORT_AT_MOST", sort_at_most):
        ids = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(logits, **kwargs))
    assert ids.shape == (N,) and ids.dtype == np.int32
    return np.bincount(ids, minlength=logits_row.size)


MIN_P_ROW = np.array([2.0, 1.5, 1.0, -np.inf, 0.2, -1.0, 0.9], dtype=np.float32)


@pytest.mark.parametrize("path", ["numpy", "tensor", "rejection"])
@given(problem=sampling_problems())
# min_p alone, and min_p with top-k and top-p, on a row where each filter drops ids.
@example(problem=(MIN_P_ROW, 1.0, None, None, 0.3, 7))
@example(problem=(MIN_P_ROW, 0.7, 5, 0.95, 0.22, 8))
def test_draws_follow_the_restricted_softmax(path, problem):
    logits, temperature, top_k, top_p, min_p, seed = problem
    assume(filters_are_clear_of_their_boundaries(logits, temperature, top_k, top_p, min_p))
    kwargs = dict(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p, seed=seed)
    counts = _draw(logits, path, **kwargs)
    assert_draws_follow(counts, reference_probabilities(logits, temperature, top_k, top_p, min_p))


@pytest.mark.parametrize("path", ["numpy", "tensor"])
@pytest.mark.parametrize("top_k", [None, 4])
@pytest.mark.parametrize("sort_at_most", [1024, 0])
def test_top_p_keeps_every_id_tied_at_its_boundary(monkeypatch, path, top_k, sort_at_most):
    # Weights e^2, e, e, e, 1: the first tied id brings the mass past top_p=0.5, and
    # its two twins are kept too (on the tensor path with and without top_k, sorted
    # and by rejection).
    monkeypatch.setattr(_sampling, "_SORT_AT_MOST", sort_at_most)
    logits = np.array([2.0, 1.0, 1.0, 1.0, 0.0], dtype=np.float32)
    counts = _draw(logits, path, top_p=0.5, top_k=top_k, seed=5)
    p = np.where(np.arange(5) < 4, np.exp(logits.astype(np.float64)), 0.0)
    assert_draws_follow(counts, p / p.sum())


@pytest.mark.parametrize(
    ("block", "vocab", "later_rows", "min_p"),
    [(4, 10, 300, None), (4, 11, 3, 0.6), (256, 10, 8, None)],
)
def test_tensor_nucleus_rounds_and_blocks_follow_the_nucleus(
    monkeypatch, block, vocab, later_rows, min_p
):
    # The tensor path's rejection rounds (the first on every row, later ones on a few
    # gathered rows at a time), blocks that divide the row (10 = 2 x 5) or a padded
    # last one (11 ids), and min_p after the nucleus, at a small top_p that rejects
    # often: exact binomial tests against the nucleus distribution.
    monkeypatch.setattr(_sampling, "_SORT_AT_MOST", 0)  # rejection at every length
    monkeypatch.setattr(_nucleus, "BLOCK", block)
    monkeypatch.setattr(_nucleus, "_LATER_ROWS", later_rows)
    logits = np.linspace(2.0, -1.0, vocab).astype(np.float32)[::-1].copy()
    logits[3] = -np.inf
    counts = _draw(logits, "tensor", top_p=0.6, min_p=min_p, seed=13)
    assert_draws_follow(counts, reference_probabilities(logits, 1.0, top_p=0.6, min_p=min_p))


@pytest.mark.parametrize("batch_known", [True, False])
def test_tensor_nucleus_follows_the_nucleus_when_compiled(monkeypatch, batch_known):
    # The rejection draw traced and compiled (XLA on TensorFlow, jax.jit), with the
    # batch size known while tracing (later rounds on gathered rows) or not (all rows).
    backend = keras.backend.backend()
    if backend == "torch" or (backend == "jax" and not batch_known):
        pytest.skip("compiled with a known batch size on TensorFlow and JAX only")
    monkeypatch.setattr(_sampling, "_SORT_AT_MOST", 0)  # rejection at every length
    logits = np.linspace(2.0, -1.0, 13).astype(np.float32)
    logits[3] = -np.inf
    x = keras.ops.convert_to_tensor(np.tile(logits, (N, 1)))
    draw = lambda x: ktk.samplers.sample_logits(x, top_p=0.6, min_p=0.3, seed=17)  # noqa: E731
    if backend == "tensorflow":
        import tensorflow as tf

        spec = tf.TensorSpec((N if batch_known else None, logits.size), tf.float32)
        draw = tf.function(draw, jit_compile=True, input_signature=[spec])
    else:
        import jax

        draw = jax.jit(draw)
    ids = keras.ops.convert_to_numpy(draw(x))
    counts = np.bincount(ids, minlength=logits.size)
    assert_draws_follow(counts, reference_probabilities(logits, 1.0, top_p=0.6, min_p=0.3))


def test_min_p_examples_restrict_the_support():
    # The fixed examples above test min-p itself: each drops ids that the others keep.
    p = reference_probabilities(MIN_P_ROW, 1.0)
    min_p_only = reference_probabilities(MIN_P_ROW, 1.0, min_p=0.3)
    assert 0 < np.count_nonzero(min_p_only) < np.count_nonzero(p)
    restricted = reference_probabilities(MIN_P_ROW, 0.7, 5, 0.95, 0.22)
    assert (
        0
        < np.count_nonzero(restricted)
        < np.count_nonzero(reference_probabilities(MIN_P_ROW, 0.7, 5, 0.95))
    )


def test_distribution_test_rejects_a_sampler_that_ignores_the_temperature():
    # The check above has power: draws at T=1 fail against the T=0.5 reference.
    logits = np.array([1.0, 0.5, 0.0, -1.0], dtype=np.float32)
    counts = _draw(logits, "numpy", temperature=1.0, seed=0)
    with pytest.raises(AssertionError):
        assert_draws_follow(counts, reference_probabilities(logits, 0.5))


@pytest.mark.parametrize("path", ["numpy", "tensor"])
@given(
    logits=st.lists(st.floats(-1e4, 1e4, width=32), min_size=1, max_size=30).map(
        lambda v: np.array(v, dtype=np.float32)
    ),
    batch=st.integers(1, 4),
)
def test_zero_temperature_is_exact_argmax(path, logits, batch):
    rows = np.stack([np.roll(logits, shift) for shift in range(batch)])
    x = rows if path == "numpy" else keras.ops.convert_to_tensor(rows)
    ids = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(x, temperature=0.0))
    # An index of the row maximum (with ties, such as 0.0 and -0.0, any of them).
    np.testing.assert_array_equal(rows[np.arange(batch), ids], rows.max(axis=1))
    distinct = np.array([np.unique(row).size == row.size for row in rows])
    np.testing.assert_array_equal(ids[distinct], rows.argmax(axis=1)[distinct])


@pytest.mark.parametrize("path", ["numpy", "tensor"])
@given(
    vocab=st.sampled_from([2, 7, 300]),
    top_k=st.sampled_from([1, 2, 5, 299, 300, 301]),
    temperature=st.sampled_from([0.5, 1.0, 4.0]),
    seed=st.integers(0, 2**31 - 1),
)
def test_top_k_support_is_within_the_k_largest(path, vocab, top_k, temperature, seed):
    rng = np.random.default_rng(seed)
    logits = rng.permutation(vocab).astype(np.float32)[None, :].repeat(64, axis=0) / 10
    x = logits if path == "numpy" else keras.ops.convert_to_tensor(logits)
    ids = keras.ops.convert_to_numpy(
        ktk.samplers.sample_logits(x, temperature=temperature, top_k=top_k, seed=seed)
    )
    # Distinct logits: the k largest are the ids whose logit ranks below k.
    assert np.all(logits[0, ids] >= (vocab - min(top_k, vocab)) / 10)


@pytest.mark.parametrize("path", ["numpy", "tensor"])
@given(
    vocab=st.sampled_from([1, 2, 17, 300, 3000]),
    top_p=st.floats(0.01, 1.0),
    scale=st.sampled_from([0.5, 2.0, 8.0]),
    seed=st.integers(0, 2**31 - 1),
)
@example(vocab=3000, top_p=0.9999999999999999, scale=8.0, seed=0)  # issue 9: IndexError
def test_top_p_support_is_the_smallest_nucleus(path, vocab, top_p, scale, seed):
    rng = np.random.default_rng(seed)
    logits = (rng.normal(size=(1, vocab)) * scale).astype(np.float32)
    p = reference_probabilities(logits[0], 1.0)
    order = np.argsort(-p, kind="stable")
    before = np.cumsum(p[order]) - p[order]
    # Ids whose preceding mass is this close to top_p may fall on either side in
    # float32: they are in neither the must-keep nor the must-drop set.
    tolerance = 1e-5
    must_keep = order[before < top_p - tolerance]
    must_drop = order[before > top_p + tolerance]
    draws = 2048
    x = np.repeat(logits, draws, axis=0)
    x = x if path == "numpy" else keras.ops.convert_to_tensor(x)
    ids = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(x, top_p=top_p, seed=seed))
    assert not np.isin(ids, must_drop).any(), "drew an id outside the smallest nucleus"
    # Not smaller than the nucleus either: every must-keep id holding >= 2% of the
    # nucleus mass appears. A correct sampler misses one with probability
    # <= 0.98**2048 < 1.2e-18, and there are at most 50 of them: < 6e-17 per example.
    share = p[must_keep] / p[must_keep].sum() if must_keep.size else p[must_keep]
    frequent = must_keep[share >= 0.02]
    missing = np.setdiff1d(frequent, ids)
    assert missing.size == 0, f"nucleus ids never drawn: {missing.tolist()}"


@given(
    vocab=st.integers(1, 20_000),
    top_p=st.floats(0.01, 1.0, exclude_max=True),
    scale=st.sampled_from([0.0, 0.5, 2.0, 3.0, 10.0, 30.0]),
    ties=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
@example(vocab=3000, top_p=0.9999999999999999, scale=8.0, ties=False, seed=0)  # issue 9
def test_nucleus_threshold_is_the_smallest_nucleus(vocab, top_p, scale, ties, seed):
    # The NumPy path sorts only the entries that can be in the nucleus. Its threshold
    # (the smallest kept weight) must keep at least top_p of the mass, while the
    # entries above it keep less: up to float64 rounding of the sums (tolerance), and
    # exactly the full sort's answer where no partial sum is that close to top_p.
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(3, vocab)) * scale
    if ties:
        logits = np.round(logits)
    p = np.exp(logits - logits.max(axis=1, keepdims=True)).astype(np.float32)
    total = p.sum(axis=1, dtype=np.float64)
    threshold = _sampling._nucleus_threshold(p, top_p)
    tolerance = 1e-9 * total
    kept = np.where(p >= threshold, p, 0).sum(axis=1, dtype=np.float64)
    above = np.where(p > threshold, p, 0).sum(axis=1, dtype=np.float64)
    assert np.all(kept >= top_p * total - tolerance)
    assert np.all(above < top_p * total + tolerance)
    ordered = -np.sort(-p, axis=1)
    before = np.cumsum(ordered, axis=1, dtype=np.float64) - ordered
    keep_count = np.count_nonzero(before < top_p * total[:, None], axis=1)
    clear = np.all(np.abs(before - top_p * total[:, None]) > tolerance[:, None], axis=1)
    expected = ordered[np.arange(3), keep_count - 1]
    np.testing.assert_array_equal(threshold[clear, 0], expected[clear])


@pytest.mark.parametrize("path", ["numpy", "tensor"])
def test_top_p_just_below_one_on_a_wide_row_draws_valid_ids(path):
    # Issue 9: top_p=0.9999999999999999 on a 3000-wide row of scale-8 logits raised
    # IndexError in the old large-vocabulary nucleus. The nucleus is then every id
    # but those of (nearly) no mass: the draws are ids of the row, and the most likely
    # id (p > 0.2) is among 256 draws.
    logits = (np.random.default_rng(0).normal(size=(1, 3000)) * 8).astype(np.float32)
    x = np.repeat(logits, 256, axis=0)
    x = x if path == "numpy" else keras.ops.convert_to_tensor(x)
    ids = keras.ops.convert_to_numpy(
        ktk.samplers.sample_logits(x, top_p=0.9999999999999999, seed=0)
    )
    assert ids.shape == (256,) and ids.dtype == np.int32
    assert ids.min() >= 0 and ids.max() < 3000
    assert reference_probabilities(logits[0], 1.0).max() > 0.2
    assert int(np.argmax(logits)) in ids


@pytest.mark.parametrize("path", ["numpy", "tensor"])
@given(seed=st.integers(0, 2**31 - 1), vocab=st.sampled_from([2, 60, 5000]))
def test_negative_infinity_is_never_drawn(path, seed, vocab):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(128, vocab)).astype(np.float32) * 5
    masked = rng.random(size=logits.shape) < 0.7
    masked[np.arange(128), rng.integers(0, vocab, size=128)] = False
    logits[masked] = -np.inf
    x = logits if path == "numpy" else keras.ops.convert_to_tensor(logits)
    for top_p in (None, 0.9):
        ids = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(x, top_p=top_p, seed=seed))
        assert np.all(np.isfinite(logits[np.arange(128), ids]))


@pytest.mark.parametrize("path", ["numpy", "tensor"])
def test_float16_logits_at_low_temperature_do_not_overflow(path):
    # 60000 / 0.05 overflows float16 (max 65504); the sampler works in float32.
    logits = np.array([[60000.0, 59999.0, -60000.0, 0.0]] * 2000, dtype=np.float16)
    x = logits if path == "numpy" else keras.ops.convert_to_tensor(logits, dtype="float16")
    ids = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(x, temperature=0.05, seed=3))
    # After float16 rounding the two top logits are 60000 and 60000 (spacing 32): equal.
    top = logits[0].astype(np.float32)
    allowed = np.flatnonzero(top == top.max())
    assert np.isin(ids, allowed).all()
    if allowed.size > 1:
        assert set(np.unique(ids).tolist()) == set(allowed.tolist())


def test_long_rows_are_drawn_in_two_levels_from_the_softmax(monkeypatch):
    # Rows longer than BLOCK are drawn block by block; with BLOCK shrunk so that N
    # rows stay small: 8 heavy ids spread over the blocks (first, last, partial last
    # block), the rest negligible. Exact binomial tests as in the module docstring.
    monkeypatch.setattr(_sampling, "BLOCK", 16)
    vocab = 5 * 16 + 7
    logits = np.full(vocab, -40.0, dtype=np.float32)
    heavy = np.array([0, 15, 16, 40, 63, 64, vocab - 7, vocab - 1])
    logits[heavy] = np.log(np.arange(1, 9, dtype=np.float32))
    logits[[1, 17, vocab - 2]] = -np.inf
    ids = ktk.samplers.sample_logits(np.tile(logits, (N, 1)), seed=11)
    counts = np.bincount(ids, minlength=vocab)
    p = reference_probabilities(logits, 1.0)
    assert counts[heavy].sum() == N  # the other ids hold ~1e-16 of the mass in all
    assert_draws_follow(counts[heavy], p[heavy] / p[heavy].sum())


def test_same_integer_seed_gives_the_same_draws():
    logits = np.random.default_rng(0).normal(size=(50, 30)).astype(np.float32)
    first = ktk.samplers.sample_logits(logits, top_k=10, top_p=0.9, seed=42)
    np.testing.assert_array_equal(
        first, ktk.samplers.sample_logits(logits, top_k=10, top_p=0.9, seed=42)
    )
    tensor = keras.ops.convert_to_tensor(logits)
    a = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(tensor, seed=42))
    b = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(tensor, seed=42))
    np.testing.assert_array_equal(a, b)


def test_accepts_a_numpy_generator_as_seed():
    logits = np.zeros((4, 3), dtype=np.float32)
    a = ktk.samplers.sample_logits(logits, seed=np.random.default_rng(5))
    b = ktk.samplers.sample_logits(logits, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("path", ["numpy", "tensor"])
def test_numpy_integer_seeds_draw_like_python_integers(path):
    logits = np.random.default_rng(1).normal(size=(64, 30)).astype(np.float32)
    x = logits if path == "numpy" else keras.ops.convert_to_tensor(logits)
    draws = [
        keras.ops.convert_to_numpy(ktk.samplers.sample_logits(x, top_p=0.9, seed=seed))
        for seed in (7, np.int64(7), np.uint8(7))
    ]
    np.testing.assert_array_equal(draws[0], draws[1])
    np.testing.assert_array_equal(draws[0], draws[2])


def test_jax_seed_tensor_gives_reproducible_draws():
    if keras.backend.backend() != "jax":
        pytest.skip("seed tensors are a JAX feature of keras.random")
    logits = keras.ops.convert_to_tensor(np.zeros((64, 30), dtype=np.float32))
    seed = keras.random.SeedGenerator(4).next()
    a, b = (keras.ops.convert_to_numpy(ktk.samplers.sample_logits(logits, seed=seed)) for _ in "ab")
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, [1, 2]])
@pytest.mark.parametrize("path", ["numpy", "tensor"])
def test_rejects_invalid_seed(path, seed):
    logits = np.zeros((2, 3), dtype=np.float32)
    x = logits if path == "numpy" else keras.ops.convert_to_tensor(logits)
    with pytest.raises(ValueError, match=re.escape(f"seed={seed!r}")):
        ktk.samplers.sample_logits(x, seed=seed)


def test_rejects_a_seed_of_the_other_path():
    logits = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(TypeError, match=r"seed=<.*SeedGenerator"):
        ktk.samplers.sample_logits(logits, seed=keras.random.SeedGenerator(0))
    with pytest.raises(TypeError, match="seed=Generator"):
        ktk.samplers.sample_logits(
            keras.ops.convert_to_tensor(logits), seed=np.random.default_rng(0)
        )


def test_rejects_logits_that_are_not_numbers():
    with pytest.raises(TypeError, match=r"logits=\[\['a', 'b'\]\]"):
        ktk.samplers.sample_logits([["a", "b"]])


@pytest.mark.parametrize("min_p", [-0.1, 1.01, float("nan"), "0.1", True])
def test_rejects_min_p_outside_the_unit_interval(min_p):
    with pytest.raises(ValueError, match=re.escape(f"min_p={min_p!r}")):
        ktk.samplers.sample_logits(np.zeros((1, 3)), min_p=min_p)


@pytest.mark.parametrize("path", ["numpy", "tensor"])
def test_min_p_one_keeps_only_the_most_likely_ids(path):
    logits = np.array([[1.0, 3.0, 3.0, 2.9, -np.inf]] * 512, dtype=np.float32)
    x = logits if path == "numpy" else keras.ops.convert_to_tensor(logits)
    ids = keras.ops.convert_to_numpy(ktk.samplers.sample_logits(x, min_p=1.0, seed=2))
    # Both tied maxima are kept (each drawn with probability 1/2), nothing else.
    assert set(ids.tolist()) == {1, 2}


@pytest.mark.parametrize("temperature", [-0.1, float("nan"), float("inf"), "1", True, None])
def test_rejects_invalid_temperature(temperature):
    with pytest.raises(ValueError, match=re.escape(f"temperature={temperature!r}")):
        ktk.samplers.sample_logits(np.zeros((1, 3)), temperature=temperature)


@pytest.mark.parametrize("top_k", [0, -1, 1.5, True])
def test_rejects_invalid_top_k(top_k):
    with pytest.raises(ValueError, match=re.escape(f"top_k={top_k!r}")):
        ktk.samplers.sample_logits(np.zeros((1, 3)), top_k=top_k)


@pytest.mark.parametrize("top_p", [0.0, -0.5, 1.01, float("nan"), True])
def test_rejects_top_p_outside_the_unit_interval(top_p):
    with pytest.raises(ValueError, match=re.escape(f"top_p={top_p!r}")):
        ktk.samplers.sample_logits(np.zeros((1, 3)), top_p=top_p)


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), (2, 0)])
def test_rejects_logits_that_are_not_a_batch_of_rows(shape):
    with pytest.raises(ValueError, match="logits"):
        ktk.samplers.sample_logits(np.zeros(shape, dtype=np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_rejects_rows_without_a_finite_maximum(bad):
    logits = np.array([[0.0, 1.0], [bad, bad if bad == -np.inf else 0.0]], dtype=np.float32)
    with pytest.raises(ValueError, match="logits"):
        ktk.samplers.sample_logits(logits)
