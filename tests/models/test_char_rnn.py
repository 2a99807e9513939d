"""``CharRNN`` equals the tutorial's explicit ``LSTMCell`` loop, reloads, and generates statefully."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import ops

import keras_tutorial_kit as ktk


class TutorialRNN(keras.Model):
    """The tutorial's ``RNN`` (chapter "Recurrent neural network"), batch size from the input.

    Its one change: ``get_initial_state(batch_size=...)`` without ``dtype``, which
    Keras 3 no longer accepts.
    """

    def __init__(self, num_chars, units):
        super().__init__()
        self.num_chars = num_chars
        self.cell = keras.layers.LSTMCell(units=units)
        self.dense = keras.layers.Dense(units=num_chars)

    def call(self, inputs, from_logits=False):
        inputs = ops.one_hot(inputs, self.num_chars)
        state = self.cell.get_initial_state(batch_size=inputs.shape[0])
        for t in range(inputs.shape[1]):
            output, state = self.cell(inputs[:, t, :], state)
        logits = self.dense(output)
        return logits if from_logits else ops.softmax(logits)


def _tutorial_copy(model):
    tutorial = TutorialRNN(model.vocab_size, model.units)
    tutorial.cell.build((None, model.vocab_size))
    tutorial.dense.build((None, model.units))
    # Copies through NumPy: JAX's compiled predict may donate the model's buffers.
    tutorial.cell.set_weights(model.lstm.cell.get_weights())
    tutorial.dense.set_weights(model.output_layer.get_weights())
    return tutorial


def _randomize(model, seed):
    """Random weights of a size that makes gates saturate sometimes (not only near 0.5)."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(rng.normal(scale=0.5, size=weight.shape).astype("float32"))


# Models reused across hypothesis examples (their weights are redrawn each time), so
# that ``predict_on_batch`` compiles once per configuration and shape: an eager LSTM
# call re-traces its scan on JAX every time, which would cost a second per call.
_MODELS: dict = {}


def _model(vocab, units, output_activation="softmax"):
    key = ("char_rnn", vocab, units, output_activation)
    if key not in _MODELS:
        _MODELS[key] = ktk.models.CharRNN(vocab, units=units, output_activation=output_activation)
        _MODELS[key].build((None, None))
    return _MODELS[key]


# (batch, time, vocab, units). A few fixed shapes, so that JAX compiles each once and
# hypothesis spends its examples on weights and ids.
SHAPES = [(1, 1, 1, 1), (1, 12, 30, 3), (2, 5, 7, 24), (5, 9, 2, 16)]


@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 2**31 - 1))
def test_matches_the_tutorial_lstm_cell_loop(assert_close, shape, seed):
    batch, time, vocab, units = shape
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab, size=(batch, time)).astype("int32")
    model = _model(vocab, units)
    _randomize(model, seed)
    tutorial = _tutorial_copy(model)
    assert_close(
        "CharRNN vs tutorial LSTMCell loop (probabilities)",
        model.predict_on_batch(ids),
        tutorial(ids),
        rtol=1e-5,
    )
    logits_model = _model(vocab, units, output_activation=None)
    logits_model.set_weights(model.get_weights())
    assert_close(
        "CharRNN vs tutorial LSTMCell loop (logits)",
        logits_model.predict_on_batch(ids),
        tutorial(ids, from_logits=True),
        rtol=1e-5,
    )


@pytest.mark.parametrize("batch", [1, 3, 50, 64])
def test_batch_size_comes_from_the_input(batch):
    # The tutorial returns 50 rows for a batch of 1 and crashes on other sizes.
    model = ktk.models.CharRNN(vocab_size=11, units=8)
    ids = np.random.default_rng(batch).integers(0, 11, size=(batch, 6))
    probabilities = ops.convert_to_numpy(model(ids))
    assert probabilities.shape == (batch, 11)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # Each row depends on its own sequence only.
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(ids[:1])), probabilities[:1], rtol=1e-5, atol=1e-7
    )


def test_any_sequence_length_works():
    model = ktk.models.CharRNN(vocab_size=4, units=5)
    for time in (1, 7, 40):
        assert tuple(model(np.zeros((2, time), dtype="int32")).shape) == (2, 4)


def test_saves_and_reloads_with_identical_outputs(tmp_path):
    model = ktk.models.CharRNN(vocab_size=9, units=6, output_activation=None)
    ids = np.random.default_rng(0).integers(0, 9, size=(3, 5))
    expected = ops.convert_to_numpy(model(ids))
    model.save(tmp_path / "char_rnn.keras")
    reloaded = keras.models.load_model(tmp_path / "char_rnn.keras")
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded(ids)), expected)
    # A reloaded model keeps generating the same text with the same sampler seed.
    np.testing.assert_array_equal(
        reloaded.generate(ids, 10, seed=4), model.generate(ids, 10, seed=4)
    )


def _every_prefix_logits(model, ids):
    """Logits after each prefix ``ids[:, :t + 1]``: the model's layers returning all steps."""
    key = ("every_prefix", model.vocab_size, model.units)
    if key not in _MODELS:
        inputs = keras.Input(shape=(None,), dtype="int32")
        hidden = keras.layers.LSTM(model.units, return_sequences=True, name="lstm")(
            ops.one_hot(inputs, model.vocab_size)
        )
        outputs = keras.layers.Dense(model.vocab_size, name="output")(hidden)
        _MODELS[key] = keras.Model(inputs, outputs)
    twin = _MODELS[key]
    twin.get_layer("lstm").set_weights(model.lstm.get_weights())
    twin.get_layer("output").set_weights(model.output_layer.get_weights())
    return twin.predict_on_batch(ids)


# (batch, prompt length, new ids, vocab, units)
GENERATION_SHAPES = [(1, 1, 1, 2, 1), (1, 3, 10, 20, 16), (4, 8, 5, 9, 6)]


@given(shape=st.sampled_from(GENERATION_SHAPES), seed=st.integers(0, 2**31 - 1))
def test_generation_logits_equal_a_full_forward_pass(assert_close, shape, seed):
    batch, prompt_length, length, vocab, units = shape
    rng = np.random.default_rng(seed)
    model = _model(vocab, units, output_activation=None)
    prompt = rng.integers(0, vocab, size=(batch, prompt_length))
    _randomize(model, seed)
    new_ids, logits = model.generate(prompt, length, seed=seed, return_logits=True)
    assert new_ids.shape == (batch, length) and new_ids.dtype == np.int32
    assert logits.shape == (batch, length, vocab)
    text = np.concatenate([prompt, new_ids], axis=1)
    # Step j's logits come after the prompt and j new ids: the full pass over that prefix.
    every_prefix = _every_prefix_logits(model, text[:, :-1])[:, prompt_length - 1 :]
    assert_close("CharRNN.generate step logits vs full forward", logits, every_prefix, rtol=1e-4)
    assert_close(
        "CharRNN.generate last step logits vs model call",
        logits[:, -1],
        model.predict_on_batch(text[:, :-1]),
        rtol=1e-4,
    )


def test_generation_with_probabilities_model_samples_from_its_logits(assert_close):
    model = ktk.models.CharRNN(vocab_size=7, units=5)  # softmax output
    prompt = np.array([[1, 2, 3]])
    _, logits = model.generate(prompt, 1, seed=0, return_logits=True)
    assert_close(
        "softmax of generate logits vs model probabilities",
        ops.softmax(logits[:, 0]),
        model(prompt),
    )


def test_greedy_generation_follows_the_argmax():
    model = ktk.models.CharRNN(vocab_size=6, units=4, output_activation=None)
    prompt = np.array([0, 5, 2])
    greedy = ktk.samplers.TemperatureSampler(temperature=0.0)
    new_ids = model.generate(prompt, 8, sampler=greedy)
    assert new_ids.shape == (1, 8)
    text = list(prompt)
    for next_id in new_ids[0]:
        assert next_id == int(np.argmax(ops.convert_to_numpy(model(np.array([text])))[0]))
        text.append(int(next_id))


def test_any_callable_sampler_works():
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    seen = []

    def last_id(logits):
        seen.append(logits.shape)
        return np.full(logits.shape[0], 5)

    new_ids = model.generate(np.zeros((2, 3), dtype="int64"), 4, sampler=last_id)
    np.testing.assert_array_equal(new_ids, np.full((2, 4), 5))
    assert seen == [(2, 6)] * 4


def test_same_seed_generates_the_same_text():
    model = ktk.models.CharRNN(vocab_size=30, units=8)
    prompt = np.arange(10)
    np.testing.assert_array_equal(
        model.generate(prompt, 50, seed=1), model.generate(prompt, 50, seed=1)
    )


@pytest.mark.parametrize(
    ("prompt", "match"),
    [
        (np.zeros((2, 0), dtype="int32"), "prompt"),
        (np.zeros((1, 2, 3), dtype="int32"), "prompt"),
        (np.array([0.5, 1.0]), "prompt"),
        (np.array([0, 6]), "prompt"),
        (np.array([-1, 0]), "prompt"),
    ],
)
def test_generate_rejects_bad_prompts(prompt, match):
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    with pytest.raises(ValueError, match=match):
        model.generate(prompt, 3)


def test_generate_rejects_bad_arguments():
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    prompt = np.array([0, 1])
    with pytest.raises(ValueError, match="length"):
        model.generate(prompt, 0)
    with pytest.raises(ValueError, match="seed"):
        model.generate(prompt, 2, sampler=ktk.samplers.TemperatureSampler(), seed=1)
    with pytest.raises(ValueError, match="sampler"):
        model.generate(prompt, 2, sampler=lambda logits: np.zeros((3,), dtype="int32"))
    with pytest.raises(ValueError, match="sampler"):
        model.generate(prompt, 2, sampler=lambda logits: np.full((1,), 6))
    with pytest.raises(ValueError, match="sampler"):
        model.generate(prompt, 2, sampler="greedy")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"vocab_size": 0}, "vocab_size"),
        ({"vocab_size": 5, "units": 0}, "units"),
        ({"vocab_size": 5, "output_activation": "nope"}, "output_activation"),
    ],
)
def test_rejects_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ktk.models.CharRNN(**kwargs)


def test_rejects_inputs_that_are_not_2d():
    with pytest.raises(ValueError, match="input_shape"):
        ktk.models.CharRNN(vocab_size=5, units=3)(np.zeros((2, 3, 5), dtype="int32"))


def test_learns_a_periodic_text_with_fit_on_as_dataset():
    # A tiny end-to-end run: "abcd" repeated is learned to near-certainty.
    keras.utils.set_random_seed(0)
    corpus = ktk.data.CharCorpus("abcd" * 100, seed=0)
    model = ktk.models.CharRNN(corpus.vocab_size, units=16)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    history = model.fit(corpus.as_dataset(seq_length=8, batch_size=64), epochs=4, verbose=0)
    assert history.history["loss"][-1] < 0.1
    greedy = ktk.samplers.TemperatureSampler(temperature=0.0)
    # Prompt plus new characters stay within the 8 steps the model was trained on.
    new_ids = model.generate(corpus.encode("bcd"), 5, sampler=greedy)
    assert corpus.decode(new_ids[0]) == "abcda"


# ----------------------------------------------------------------- every-step training


def test_every_step_mode_predicts_after_every_prefix(assert_close):
    last_step = ktk.models.CharRNN(vocab_size=7, units=5)
    every_step = ktk.models.CharRNN(vocab_size=7, units=5, return_sequences=True)
    ids = np.random.default_rng(1).integers(0, 7, size=(3, 6))
    last_step(ids)
    every_step(ids)
    _randomize(last_step, 1)
    every_step.set_weights(last_step.get_weights())
    outputs = every_step(ids)
    assert tuple(outputs.shape) == (3, 6, 7)
    assert every_step.compute_output_shape((3, 6)) == (3, 6, 7)
    for t in range(6):
        assert_close(
            "every-step output vs last-step model on the prefix",
            outputs[:, t],
            last_step(ids[:, : t + 1]),
            rtol=1e-5,
        )


def test_every_step_mode_saves_and_reloads(tmp_path):
    model = ktk.models.CharRNN(vocab_size=9, units=6, return_sequences=True)
    ids = np.random.default_rng(0).integers(0, 9, size=(3, 5))
    expected = ops.convert_to_numpy(model(ids))
    assert model.get_config()["return_sequences"] is True
    model.generate(ops.convert_to_tensor(ids), 3, seed=0)  # compiled loops are not saved
    model.save(tmp_path / "every_step.keras")
    reloaded = keras.models.load_model(tmp_path / "every_step.keras")
    assert reloaded.return_sequences is True
    assert len(reloaded.weights) == len(model.weights) == 5
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded(ids)), expected)


def test_a_file_without_return_sequences_reloads_in_the_tutorial_mode(tmp_path):
    # Files written before ``return_sequences`` existed (0.1.0) have no such config key.
    model = ktk.models.CharRNN(vocab_size=9, units=6)
    ids = np.random.default_rng(0).integers(0, 9, size=(3, 5))
    expected = ops.convert_to_numpy(model(ids))
    model.save(tmp_path / "new.keras")
    with zipfile.ZipFile(tmp_path / "new.keras") as source:
        files = {name: source.read(name) for name in source.namelist()}
    config = json.loads(files["config.json"])
    del config["config"]["return_sequences"]
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    reloaded = keras.models.load_model(tmp_path / "old.keras")
    assert reloaded.return_sequences is False
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded(ids)), expected)


def test_learns_a_periodic_text_from_every_step():
    keras.utils.set_random_seed(0)
    corpus = ktk.data.CharCorpus("abcd" * 100, seed=0)
    model = ktk.models.CharRNN(corpus.vocab_size, units=16, return_sequences=True)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    dataset = corpus.as_dataset(seq_length=8, batch_size=64, return_sequences=True)
    history = model.fit(dataset, epochs=3, verbose=0)
    # The first step of a window has no context: 1/4 of the steps at log(4) at best.
    assert history.history["loss"][-1] < 0.45
    greedy = ktk.samplers.TemperatureSampler(temperature=0.0)
    assert corpus.decode(model.generate(corpus.encode("bcd"), 5, sampler=greedy)[0]) == "abcda"


def test_rejects_a_return_sequences_that_is_not_a_boolean():
    with pytest.raises(ValueError, match="return_sequences"):
        ktk.models.CharRNN(vocab_size=5, return_sequences="yes")


# -------------------------------------------------------------------- compiled generate


def _greedy(logits):
    """A deterministic, traceable sampler."""
    return ops.cast(ops.argmax(logits, axis=-1), "int32")


@pytest.mark.parametrize("shape", [(1, 1, 3, 2, 1), (4, 8, 6, 9, 6)])
def test_compiled_generation_logits_equal_a_full_forward_pass(assert_close, shape):
    batch, prompt_length, length, vocab, units = shape
    model = _model(vocab, units, output_activation=None)
    _randomize(model, 3)
    prompt = np.random.default_rng(3).integers(0, vocab, size=(batch, prompt_length))
    new_ids, logits = model.generate(
        ops.convert_to_tensor(prompt, "int32"), length, seed=5, return_logits=True
    )
    assert ops.is_tensor(new_ids) and ops.is_tensor(logits)
    new_ids = ops.convert_to_numpy(new_ids)
    assert new_ids.shape == (batch, length) and new_ids.dtype == np.int32
    assert ((new_ids >= 0) & (new_ids < vocab)).all()
    text = np.concatenate([prompt, new_ids], axis=1)
    every_prefix = _every_prefix_logits(model, text[:, :-1])[:, prompt_length - 1 :]
    assert_close("compiled generate step logits vs full forward", logits, every_prefix, rtol=1e-4)


def test_compiled_and_numpy_greedy_generation_agree():
    model = _model(9, 6, output_activation=None)
    _randomize(model, 4)
    prompt = np.random.default_rng(4).integers(0, 9, size=(5, 4))
    greedy = ktk.samplers.TemperatureSampler(temperature=0.0)
    expected = model.generate(prompt, 12, sampler=greedy)
    compiled = model.generate(prompt, 12, sampler=greedy, compiled=True)
    assert isinstance(compiled, np.ndarray)  # NumPy prompt, NumPy result
    np.testing.assert_array_equal(compiled, expected)
    np.testing.assert_array_equal(
        model.generate(prompt, 12, sampler=_greedy, compiled=True), expected
    )


def test_compiled_generation_draws_afresh_at_every_step_and_call():
    # Zero weights: uniform logits over 4 ids at every step.
    model = ktk.models.CharRNN(vocab_size=4, units=3, output_activation=None)
    model.build((None, None))
    for weight in model.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    prompt = ops.convert_to_tensor(np.zeros((2, 1), "int32"))
    sampler = ktk.samplers.TemperatureSampler(seed=7)
    first = ops.convert_to_numpy(model.generate(prompt, 400, sampler=sampler))
    counts = np.bincount(first.ravel(), minlength=4)
    # 800 uniform draws: each id 200 expected; below 120 has probability < 1e-9.
    assert counts.min() > 120, counts
    assert not np.array_equal(first[0], first[1])
    second = ops.convert_to_numpy(model.generate(prompt, 400, sampler=sampler))
    assert not np.array_equal(first, second)  # the sampler's state advanced
    again = ops.convert_to_numpy(
        model.generate(prompt, 400, sampler=ktk.samplers.TemperatureSampler(seed=7))
    )
    np.testing.assert_array_equal(again, first)  # same seed, same text
    np.testing.assert_array_equal(
        ops.convert_to_numpy(model.generate(prompt, 400, seed=3)),
        ops.convert_to_numpy(model.generate(prompt, 400, seed=3)),
    )


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="Keras runs keras.ops eagerly on torch: the loop is not traced, so nothing retraces",
)
def test_compiled_generation_traces_once_per_shape(monkeypatch):
    traces = []
    original = ktk.samplers.TemperatureSampler.__call__

    def counting_call(self, logits, seed=None):
        traces.append(tuple(logits.shape))  # runs in Python only while tracing
        return original(self, logits, seed=seed)

    monkeypatch.setattr(ktk.samplers.TemperatureSampler, "__call__", counting_call)
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    prompt = ops.convert_to_tensor(np.zeros((3, 5), "int32"))
    model.generate(prompt, 20, seed=0)
    after_first = len(traces)
    assert after_first >= 1
    for seed in (1, 2, 3):  # a new default sampler each call, same settings
        model.generate(prompt, 20, seed=seed)
    model.generate(prompt, 20, sampler=ktk.samplers.TemperatureSampler(seed=9))
    assert len(traces) == after_first, traces
    # A new batch size traces once more, then no more.
    model.generate(ops.convert_to_tensor(np.zeros((7, 5), "int32")), 20, seed=0)
    after_new_shape = len(traces)
    assert after_new_shape > after_first
    model.generate(ops.convert_to_tensor(np.ones((7, 5), "int32")), 20, seed=4)
    assert len(traces) == after_new_shape


# ---------------------------------------------------------------------------- stop ids


def _cut_at_stops(ids, stop_ids):
    """Reference: each row up to its first stop id, then -1; and the lengths."""
    expected, lengths = ids.copy(), np.full(ids.shape[0], ids.shape[1], np.int32)
    for row in range(ids.shape[0]):
        hits = np.flatnonzero(np.isin(ids[row], stop_ids))
        if hits.size:
            lengths[row] = hits[0] + 1
            expected[row, hits[0] + 1 :] = -1
    return expected, lengths


@pytest.mark.parametrize("compiled", [False, True])
def test_each_row_stops_at_its_first_stop_id(compiled):
    model = _model(9, 6, output_activation=None)
    _randomize(model, 6)
    prompt = np.random.default_rng(6).integers(0, 9, size=(6, 3))
    greedy = ktk.samplers.TemperatureSampler(temperature=0.0)
    full, full_logits = model.generate(prompt, 15, sampler=greedy, return_logits=True)
    stop_ids = sorted({int(full[0, 3]), int(full[1, 0])})
    expected, expected_lengths = _cut_at_stops(full, stop_ids)
    assert (expected_lengths < 15).any()
    ids, lengths, logits = model.generate(
        prompt, 15, sampler=greedy, stop_ids=stop_ids, return_logits=True, compiled=compiled
    )
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_array_equal(lengths, expected_lengths)
    assert lengths.dtype == np.int32 and lengths.shape == (6,)
    kept = expected >= 0
    np.testing.assert_allclose(logits[kept], full_logits[kept], rtol=1e-4, atol=1e-5)
    assert (logits[~kept] == 0).all()
    # One stop id on its own works too; without stop_ids the return stays the ids alone.
    ids_one, lengths_one = model.generate(
        prompt, 15, sampler=greedy, stop_ids=stop_ids[0], compiled=compiled
    )
    expected_one, expected_lengths_one = _cut_at_stops(full, stop_ids[:1])
    np.testing.assert_array_equal(ids_one, expected_one)
    np.testing.assert_array_equal(lengths_one, expected_lengths_one)
    assert isinstance(model.generate(prompt, 15, sampler=greedy, compiled=compiled), np.ndarray)


def test_numpy_generation_stops_calling_the_sampler_once_every_row_stopped():
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    calls = []

    def scripted(logits):
        calls.append(len(calls))
        return np.array([2, 5])[: logits.shape[0]] if len(calls) > 2 else np.array([1, 1])

    ids, lengths = model.generate(np.zeros((2, 3), "int32"), 10, sampler=scripted, stop_ids=[2, 5])
    np.testing.assert_array_equal(ids, [[1, 1, 2] + [-1] * 7, [1, 1, 5] + [-1] * 7])
    np.testing.assert_array_equal(lengths, [3, 3])
    assert len(calls) == 3


@pytest.mark.parametrize("stop_ids", [[], [6], [-1], [0.5], [[1, 2]], "a"])
def test_generate_rejects_bad_stop_ids(stop_ids):
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    with pytest.raises(ValueError, match="stop_ids"):
        model.generate(np.array([0, 1]), 3, stop_ids=stop_ids)


def test_generate_rejects_a_compiled_flag_that_is_not_a_boolean():
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    with pytest.raises(ValueError, match="compiled"):
        model.generate(np.array([0, 1]), 3, compiled="yes")


# ------------------------------------------------------------------------------- export


def _export_inputs(vocab):
    rng = np.random.default_rng(2)
    return [rng.integers(0, vocab, size=shape).astype("int32") for shape in [(3, 7), (1, 7)]]


def _relative_difference(actual, expected):
    expected = ops.convert_to_numpy(expected)
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


# Runs in a fresh Python process, without Keras or the kit: reloads each SavedModel folder
# given and serves every input. One process serves both models (importing TensorFlow is
# the slow part).
_SERVE_SAVED_MODELS = """
import sys, numpy as np, tensorflow as tf
inputs = np.load(sys.argv[1])
for folder in sys.argv[2:]:
    loaded = tf.saved_model.load(folder)
    outputs = [loaded.serve(tf.constant(inputs[k])).numpy() for k in inputs.files]
    np.savez(folder + ".npz", *outputs)
"""


def test_exports_a_saved_model_that_reproduces_the_model(tmp_path):
    if keras.backend.backend() == "torch":
        pytest.skip(
            "Keras' torch export to tf_saved_model fails for every model here (torch.export: "
            "'mismatch between the structure of inputs and dynamic_shapes')"
        )
    inputs = [*_export_inputs(9), np.random.default_rng(3).integers(0, 9, (2, 12), "int32")]
    np.savez(tmp_path / "inputs.npz", *inputs)
    models = {}
    for return_sequences in (False, True):
        model = ktk.models.CharRNN(vocab_size=9, units=6, return_sequences=return_sequences)
        model(inputs[0])
        folder = str(tmp_path / f"saved_{return_sequences}")
        model.export(folder, format="tf_saved_model", verbose=False)
        models[folder] = model
    subprocess.run(
        [sys.executable, "-c", _SERVE_SAVED_MODELS, str(tmp_path / "inputs.npz"), *models],
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""},
        timeout=300,
    )
    for folder, model in models.items():
        outputs = np.load(folder + ".npz")
        for ids, key in zip(inputs, outputs.files, strict=True):
            assert outputs[key].shape == tuple(model(ids).shape), (folder, ids.shape)
            assert _relative_difference(outputs[key], model(ids)) <= 1e-6, (folder, ids.shape)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_exports_onnx_that_takes_integer_ids(tmp_path, return_sequences):
    onnxruntime = pytest.importorskip("onnxruntime")
    model = ktk.models.CharRNN(vocab_size=9, units=6, return_sequences=return_sequences)
    inputs = _export_inputs(9)
    model(inputs[0])
    signature = None
    if keras.backend.backend() == "torch":
        # Keras' torch export traces the time loop at one length: it must be fixed.
        signature = [keras.InputSpec(shape=(None, 7), dtype="int32")]
    else:
        inputs.append(np.random.default_rng(3).integers(0, 9, (2, 12), "int32"))
    path = str(tmp_path / "char_rnn.onnx")
    model.export(path, format="onnx", verbose=False, input_signature=signature)
    session = onnxruntime.InferenceSession(path)
    (declared,) = session.get_inputs()
    assert declared.type == "tensor(int32)"
    for ids in inputs:
        (output,) = session.run(None, {declared.name: ids})
        assert output.shape == tuple(model(ids).shape)
        assert _relative_difference(output, model(ids)) <= 1e-6


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="a torch-only limitation")
def test_torch_export_needs_a_fixed_time_length(tmp_path):
    model = ktk.models.CharRNN(vocab_size=9, units=6)
    model(np.zeros((2, 3), "int32"))
    for signature in (None, [keras.InputSpec(shape=(None, None), dtype="int32")]):
        with pytest.raises(ValueError, match="input_signature"):
            model.export(str(tmp_path / "x.onnx"), format="onnx", input_signature=signature)
