"""``SparseCategoricalAccuracy`` equals ``keras.metrics.SparseCategoricalAccuracy``."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk

LABEL_DTYPES = ["int32", "int64", "uint8", "float32", "float64"]


@st.composite
def batches(draw, num_classes):
    """One ``update_state`` call: labels (N,) or (N, 1) of any dtype, optional weights."""
    n = draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, size=n)
    if draw(st.booleans()):
        labels = labels[:, None]
    labels = labels.astype(draw(st.sampled_from(LABEL_DTYPES)))
    # Scores from a few distinct levels so that argmax ties happen too.
    scores = rng.integers(0, 4, size=(n, num_classes)).astype("float32")
    weights = draw(st.sampled_from(["none", "(N,)", "(N, 1)"]))
    sample_weight = {
        "none": None,
        "(N,)": rng.uniform(0.0, 2.0, size=n).astype("float32"),
        "(N, 1)": rng.uniform(0.0, 2.0, size=(n, 1)).astype("float32"),
    }[weights]
    return labels, scores, sample_weight


@st.composite
def call_sequences(draw):
    """A sequence of ``update_state`` calls, possibly with a ``reset_state`` in between."""
    num_classes = draw(st.integers(1, 6))
    calls = draw(
        st.lists(st.one_of(batches(num_classes), st.just("reset")), min_size=1, max_size=6)
    )
    return calls


@given(call_sequences())
def test_matches_keras_over_any_sequence_of_updates(assert_close, calls):
    ours = ktk.metrics.SparseCategoricalAccuracy()
    theirs = keras.metrics.SparseCategoricalAccuracy()
    for call in calls:
        if call == "reset":
            ours.reset_state()
            theirs.reset_state()
        else:
            labels, scores, sample_weight = call
            ours.update_state(labels, scores, sample_weight=sample_weight)
            theirs.update_state(labels, scores, sample_weight=sample_weight)
        label = "SparseCategoricalAccuracy vs keras.metrics.SparseCategoricalAccuracy"
        assert_close(label, ours.result(), theirs.result())


@given(st.integers(1, 5), st.integers(2, 5), st.integers(0, 2**31 - 1))
def test_matches_keras_for_sequence_labels(assert_close, n, steps, seed):
    """Labels (N, T) against scores (N, T, C): per-sample mean over T, as Keras does."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=(n, steps))
    scores = rng.normal(size=(n, steps, 3)).astype("float32")
    weights = rng.uniform(size=(n,)).astype("float32")
    ours = ktk.metrics.SparseCategoricalAccuracy()
    theirs = keras.metrics.SparseCategoricalAccuracy()
    for sample_weight in (None, weights):
        ours.update_state(labels, scores, sample_weight=sample_weight)
        theirs.update_state(labels, scores, sample_weight=sample_weight)
    assert_close("SparseCategoricalAccuracy (N, T) labels vs Keras", ours.result(), theirs.result())


def test_column_labels_do_not_broadcast():
    """The tutorial's metric compares (N, 1) labels with (N,) predictions as an N x N matrix."""
    labels = np.array([[0], [1], [2], [2]], dtype="int64")
    scores = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
    metric = ktk.metrics.SparseCategoricalAccuracy()
    metric.update_state(labels, scores)
    assert float(metric.result()) == pytest.approx(0.75)


@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_accepts_every_label_dtype(dtype):
    metric = ktk.metrics.SparseCategoricalAccuracy()
    metric.update_state(np.array([1, 0], dtype=dtype), np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert float(metric.result()) == pytest.approx(0.5)


def test_counters_are_float_and_reset():
    metric = ktk.metrics.SparseCategoricalAccuracy()
    assert float(metric.result()) == 0.0
    metric.update_state([1], [[0.0, 1.0]], sample_weight=[0.5])
    assert keras.backend.standardize_dtype(metric.total.dtype) == "float32"
    assert float(metric.count.numpy()) == pytest.approx(0.5)
    metric.reset_state()
    assert float(metric.total.numpy()) == 0.0 and float(metric.count.numpy()) == 0.0
    assert float(metric.result()) == 0.0


def test_works_inside_a_compiled_function():
    metric = ktk.metrics.SparseCategoricalAccuracy()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(loss="sparse_categorical_crossentropy", metrics=[metric], jit_compile=True)
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = np.random.default_rng(1).integers(0, 3, size=(16, 1)).astype("uint8")
    ours = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    expected = np.mean(np.argmax(keras.ops.convert_to_numpy(model(x)), axis=-1) == y[:, 0])
    assert ours["sparse_categorical_accuracy"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", [None, 3, ["acc"]])
def test_rejects_non_string_name(name):
    with pytest.raises(ValueError, match=r"`name`.*Received: name="):
        ktk.metrics.SparseCategoricalAccuracy(name=name)


def test_config_lists_every_argument():
    metric = ktk.metrics.SparseCategoricalAccuracy(name="acc", dtype="float64")
    assert metric.get_config() == {"name": "acc", "dtype": "float64"}
