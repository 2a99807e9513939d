"""``CharRNN`` equals the tutorial's explicit ``LSTMCell`` loop, reloads, and generates statefully."""

from __future__ import annotations

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
