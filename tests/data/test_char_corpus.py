"""``CharCorpus``: the tutorial's text loader API, round trips, seeded batches and tf.data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk

texts = st.text(min_size=2, max_size=200).filter(lambda s: len(set(s)) >= 1)


@given(text=texts)
def test_vocabulary_matches_the_tutorial(text):
    corpus = ktk.data.CharCorpus(text)
    # The tutorial: sorted(list(set(raw_text))), dicts both ways, text as ids.
    assert corpus.chars == sorted(set(text))
    assert corpus.char_indices == {c: i for i, c in enumerate(corpus.chars)}
    assert corpus.indices_char == {i: c for i, c in enumerate(corpus.chars)}
    assert corpus.vocab_size == len(corpus.chars)
    assert corpus.raw_text == text
    assert corpus.text.dtype == np.int32 and corpus.text.shape == (len(text),)
    assert corpus.text.tolist() == [corpus.char_indices[c] for c in text]


@given(text=texts, data=st.data())
def test_encode_decode_round_trip(text, data):
    corpus = ktk.data.CharCorpus(text)
    piece = data.draw(st.text(alphabet=corpus.chars, max_size=50))
    ids = corpus.encode(piece)
    assert ids.dtype == np.int32
    assert corpus.decode(ids) == piece
    assert corpus.decode(corpus.text) == text
    assert corpus.decode(ids.tolist()) == piece


@given(
    text=st.text(min_size=2, max_size=300),
    seq_length=st.integers(1, 20),
    batch_size=st.integers(1, 40),
    seed=st.integers(0, 2**31 - 1),
)
def test_get_batch_windows_come_from_the_text(text, seq_length, batch_size, seed):
    corpus = ktk.data.CharCorpus(text, seed=seed)
    if seq_length + 1 > len(text):
        with pytest.raises(ValueError, match="seq_length"):
            corpus.get_batch(seq_length, batch_size)
        return
    seq, next_char = corpus.get_batch(seq_length, batch_size)
    assert seq.shape == (batch_size, seq_length) and next_char.shape == (batch_size,)
    assert seq.dtype == np.int32 and next_char.dtype == np.int32
    windows = {tuple(corpus.text[i : i + seq_length + 1]) for i in range(len(text) - seq_length)}
    for row, following in zip(seq, next_char, strict=True):
        assert (*row, following) in windows
    # Same seed, same batches.
    again = ktk.data.CharCorpus(text, seed=seed).get_batch(seq_length, batch_size)
    np.testing.assert_array_equal(again[0], seq)
    np.testing.assert_array_equal(again[1], next_char)


def test_get_batch_reaches_every_window():
    corpus = ktk.data.CharCorpus("abcdefghij", seed=0)
    seq, _ = corpus.get_batch(3, 2000)
    # 7 windows; missing one in 2000 draws has probability 7 * (6/7)**2000 < 1e-130.
    assert sorted(set(seq[:, 0].tolist())) == list(range(7))


def test_lower_case_like_the_tutorial():
    corpus = ktk.data.CharCorpus("Hello World", lower=True)
    assert corpus.raw_text == "hello world" and "H" not in corpus.chars


def test_from_file(tmp_path):
    path = tmp_path / "nietzsche.txt"
    path.write_text("PREFACE\n\nSupposing that Truth is a woman--what then?", encoding="utf-8")
    corpus = ktk.data.CharCorpus.from_file(path, seed=1, lower=True)
    assert corpus.raw_text.startswith("preface\n") and corpus.seed == 1
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café".encode("latin-1"))
    assert ktk.data.CharCorpus.from_file(latin, encoding="latin-1").raw_text == "café"
    with pytest.raises(FileNotFoundError):
        ktk.data.CharCorpus.from_file(tmp_path / "missing.txt")


def test_as_dataset_visits_every_window_once_per_epoch():
    text = "the quick brown fox jumps over the lazy dog"
    corpus = ktk.data.CharCorpus(text, seed=3)
    seq_length = 5
    dataset = corpus.as_dataset(seq_length, batch_size=8)
    seen = []
    for ids, next_id in dataset:
        ids, next_id = ids.numpy(), next_id.numpy()
        assert ids.shape[1] == seq_length and ids.shape[0] == next_id.shape[0] <= 8
        assert ids.dtype == np.int32 and next_id.dtype == np.int32
        seen.extend(
            corpus.decode(np.append(row, nxt)) for row, nxt in zip(ids, next_id, strict=True)
        )
    expected = [text[i : i + seq_length + 1] for i in range(len(text) - seq_length)]
    assert sorted(seen) == sorted(expected)
    assert seen != expected  # shuffled (38 windows in order by chance: 1/38!)
    in_order = [
        corpus.decode(np.append(row, nxt))
        for ids, nxt_ids in corpus.as_dataset(seq_length, 8, shuffle=False)
        for row, nxt in zip(ids.numpy(), nxt_ids.numpy(), strict=True)
    ]
    assert in_order == expected
    dropped = list(corpus.as_dataset(seq_length, 8, drop_remainder=True))
    assert len(dropped) == len(expected) // 8


def test_as_dataset_is_reproducible_with_a_seed():
    corpus = ktk.data.CharCorpus("abcdefghijklmnopqrstuvwxyz" * 3)
    first = [ids.numpy() for ids, _ in corpus.as_dataset(4, 16, seed=7)]
    second = [ids.numpy() for ids, _ in corpus.as_dataset(4, 16, seed=7)]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("text", ["", "a", None, 123, b"bytes"])
def test_rejects_text_that_is_too_short_or_not_a_string(text):
    with pytest.raises(ValueError, match="text"):
        ktk.data.CharCorpus(text)


def test_rejects_unknown_characters():
    corpus = ktk.data.CharCorpus("abc")
    with pytest.raises(ValueError, match="'z' at position 2"):
        corpus.encode("abz")


@pytest.mark.parametrize("ids", [[0, 3], [-1], [[0, 1]], [0.5]])
def test_decode_rejects_ids_outside_the_vocabulary(ids):
    with pytest.raises(ValueError, match="ids"):
        ktk.data.CharCorpus("abc").decode(ids)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"seq_length": 0, "batch_size": 1}, "seq_length"),
        ({"seq_length": 3, "batch_size": 1}, "seq_length"),
        ({"seq_length": 1, "batch_size": 0}, "batch_size"),
    ],
)
def test_get_batch_and_as_dataset_reject_bad_sizes(kwargs, name):
    corpus = ktk.data.CharCorpus("abc")  # windows need seq_length + 1 <= 3
    with pytest.raises(ValueError, match=name):
        corpus.get_batch(**kwargs)
    with pytest.raises(ValueError, match=name):
        corpus.as_dataset(**kwargs)


def test_rejects_invalid_seed():
    with pytest.raises(ValueError, match="seed"):
        ktk.data.CharCorpus("abc", seed=-1)


@given(
    text=st.text(min_size=3, max_size=200),
    seq_length=st.integers(1, 10),
    seed=st.integers(0, 2**31 - 1),
)
def test_get_batch_every_step_targets_are_the_window_shifted_by_one(text, seq_length, seed):
    corpus = ktk.data.CharCorpus(text, seed=seed)
    if seq_length + 1 > len(text):
        return
    seq, targets = corpus.get_batch(seq_length, 7, return_sequences=True)
    assert seq.shape == targets.shape == (7, seq_length) and targets.dtype == np.int32
    starts = {
        i
        for i in range(len(text) - seq_length)
        if (corpus.text[i : i + seq_length] == seq[0]).all()
    }
    assert any((corpus.text[i + 1 : i + seq_length + 1] == targets[0]).all() for i in starts)
    np.testing.assert_array_equal(seq[:, 1:], targets[:, :-1])
    # Same seed, same windows as the last-step batches; the last target is theirs.
    last_seq, next_char = ktk.data.CharCorpus(text, seed=seed).get_batch(seq_length, 7)
    np.testing.assert_array_equal(last_seq, seq)
    np.testing.assert_array_equal(next_char, targets[:, -1])


def test_as_dataset_every_step_targets_cover_every_window_once():
    text = "the quick brown fox jumps over the lazy dog"
    corpus = ktk.data.CharCorpus(text, seed=3)
    seen = []
    for ids, targets in corpus.as_dataset(5, batch_size=8, return_sequences=True):
        ids, targets = ids.numpy(), targets.numpy()
        assert ids.shape == targets.shape and ids.shape[1] == 5 and targets.dtype == np.int32
        seen.extend(
            corpus.decode(np.append(row, target[-1]))
            for row, target in zip(ids, targets, strict=True)
        )
        np.testing.assert_array_equal(ids[:, 1:], targets[:, :-1])
    assert sorted(seen) == sorted(text[i : i + 6] for i in range(len(text) - 5))


def test_return_sequences_must_be_a_boolean():
    corpus = ktk.data.CharCorpus("abcdef")
    with pytest.raises(ValueError, match="return_sequences"):
        corpus.get_batch(2, 3, return_sequences="yes")
    with pytest.raises(ValueError, match="return_sequences"):
        corpus.as_dataset(2, 3, return_sequences=1)


def test_from_file_rejects_a_path_that_is_not_a_path():
    with pytest.raises(TypeError, match=r"`path`.*Received: path=None"):
        ktk.data.CharCorpus.from_file(None)


def test_from_file_rejects_an_unknown_encoding(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("abcabc" * 10, encoding="utf-8")
    with pytest.raises(ValueError, match=r"Received: encoding='no-such-codec'"):
        ktk.data.CharCorpus.from_file(path, encoding="no-such-codec")
    with pytest.raises(TypeError, match=r"Received: encoding=5"):
        ktk.data.CharCorpus.from_file(path, encoding=5)


def test_as_dataset_checks_its_seed():
    corpus = ktk.data.CharCorpus("abcdefgh" * 20)
    with pytest.raises(ValueError, match=r"Received: seed=-1"):
        corpus.as_dataset(seq_length=4, batch_size=2, seed=-1)
