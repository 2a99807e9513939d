"""Tests for the RNN chapter: a CharRNN learns a text and writes at the tutorial's four diversities."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples import rnn


def test_default_corpus_ships_with_python():
    text = rnn.default_corpus()
    assert len(text) > 300_000
    assert "  " not in text and "\n" not in text
    assert 'The "if" statement' in text


def test_quick_run_writes_at_four_diversities(tmp_path, assert_png):
    result = rnn.run(quick=True, verbose=0, output_dir=tmp_path, plot=tmp_path / "rnn.png")
    samples = result.extras["samples"]
    assert tuple(samples) == rnn.DIVERSITIES == (0.2, 0.5, 1.0, 1.2)
    chars = json.loads((tmp_path / "rnn.chars.json").read_text(encoding="utf-8"))["chars"]
    for text in samples.values():
        assert len(text) == rnn.QUICK["length"] and set(text) <= set(chars)
    assert len(result.extras["prompt"]) == rnn.QUICK["seq_length"]
    assert len(result.history["loss"]) == rnn.QUICK["num_batches"]
    assert result.metrics["final_loss"] < result.metrics["initial_loss"]
    assert result.metrics["vocab_size"] == len(chars)
    assert result.model.return_sequences  # every-step training is the default
    assert_png(result.plot_path)
    reloaded = keras.saving.load_model(result.model_path)
    ids = np.array([[chars.index(c) for c in result.extras["prompt"]]])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(ids)),
        keras.ops.convert_to_numpy(result.model(ids)),
        rtol=1e-5,
        atol=1e-6,
    )
    assert "diversity 0.2" in result.summary()
    loaded, loaded_chars = rnn.load_generator(result.model_path)
    assert loaded_chars == chars and loaded.vocab_size == len(chars)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(ids)),
        keras.ops.convert_to_numpy(result.model(ids)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("every_step", [True, False])
def test_trains_on_every_step_by_default_or_on_the_last_step(every_step):
    result = rnn.run(quick=True, verbose=0, every_step=every_step)
    assert result.model.return_sequences is every_step
    ids = np.zeros((2, rnn.QUICK["seq_length"]), "int32")
    shape = tuple(keras.ops.shape(result.model(ids)))
    expected = (2, rnn.QUICK["seq_length"]) if every_step else (2,)
    assert shape == (*expected, result.metrics["vocab_size"])
    assert result.metrics["final_loss"] < result.metrics["initial_loss"]


def test_learns_any_text_file(tmp_path):
    path = tmp_path / "song.txt"
    path.write_text("la la la, do re mi. " * 50, encoding="utf-8")
    result = rnn.run(text_path=path, quick=True, verbose=0)
    assert result.metrics["vocab_size"] == len(set("la la la, do re mi. "))
    assert result.extras["corpus"] == str(path)
    # 20 steps on a tiny alphabet: the loss falls well below log(vocab_size).
    assert result.metrics["final_loss"] < np.log(result.metrics["vocab_size"])


def test_generate_text_is_seeded_and_continues_the_prompt():
    corpus = ktk.data.CharCorpus("abcabcabcabc")
    keras.utils.set_random_seed(0)
    model = ktk.models.CharRNN(vocab_size=corpus.vocab_size, units=4)
    first = rnn.generate_text(model, corpus.chars, "ab", 40, temperature=1.0, seed=1)
    assert first == rnn.generate_text(model, corpus.chars, "ab", 40, temperature=1.0, seed=1)
    assert first != rnn.generate_text(model, corpus.chars, "ab", 40, temperature=1.0, seed=2)
    greedy_ids = model.generate(
        corpus.encode("ab"), 40, sampler=ktk.samplers.TemperatureSampler(0.0)
    )
    assert rnn.generate_text(model, corpus.chars, "ab", 40, temperature=0.0) == corpus.decode(
        greedy_ids[0]
    )


def test_vocabulary_round_trip_and_bad_files(tmp_path):
    corpus = ktk.data.CharCorpus("héllo\nwörld")
    path = rnn.save_vocabulary(corpus, tmp_path / "m.keras")
    assert path == tmp_path / "m.chars.json" == rnn.vocabulary_path(tmp_path / "m.keras")
    assert rnn.load_vocabulary(path) == corpus.chars
    bad = tmp_path / "bad.json"
    bad.write_text('{"characters": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="chars"):
        rnn.load_vocabulary(bad)


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="`text_path`"):
        rnn.run(text_path=tmp_path / "missing.txt", verbose=0)
    short = tmp_path / "short.txt"
    short.write_text("tiny", encoding="utf-8")
    with pytest.raises(ValueError, match="seq_length"):
        rnn.run(text_path=short, verbose=0)
    with pytest.raises(ValueError, match="`units`"):
        rnn.run(units=0, verbose=0)
    corpus = ktk.data.CharCorpus("abc")
    model = ktk.models.CharRNN(vocab_size=3, units=2)
    with pytest.raises(ValueError, match="`prompt`"):
        rnn.generate_text(model, corpus.chars, "abz", 5, temperature=1.0)
    with pytest.raises(ValueError, match="temperature"):
        rnn.generate_text(model, corpus.chars, "ab", 5, temperature=-1.0)


def test_load_generator_rejects_missing_or_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="`model_path`"):
        rnn.load_generator(tmp_path / "missing.keras")
    mlp = ktk.models.MLP(hidden_units=(4,))
    mlp.build((None, 3))
    mlp.save(tmp_path / "mlp.keras")
    with pytest.raises(FileNotFoundError, match="`vocabulary`"):
        rnn.load_generator(tmp_path / "mlp.keras")
    rnn.save_vocabulary(ktk.data.CharCorpus("abc"), tmp_path / "mlp.keras")
    with pytest.raises(ValueError, match="CharRNN"):
        rnn.load_generator(tmp_path / "mlp.keras")


def test_generate_text_without_prompt_starts_from_a_newline():
    corpus = ktk.data.CharCorpus("\tab\nab\n")
    assert corpus.chars[0] == "\t"  # the newline is not the first character
    keras.utils.set_random_seed(0)
    model = ktk.models.CharRNN(vocab_size=corpus.vocab_size, units=4)
    greedy = rnn.generate_text(model, corpus.chars, None, 5, temperature=0.0)
    assert greedy == rnn.generate_text(model, corpus.chars, "\n", 5, temperature=0.0)
