"""``CharCorpus``: the tutorial's character-level text loader, with encode/decode and tf.data."""

from __future__ import annotations

import codecs
import os
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_bool, check_positive_int, check_seed


class CharCorpus:
    """A text as integer character ids, with random training windows.

    The tutorial's ``DataLoader`` of the chapter "Recurrent neural network"
    (Nietzsche's text, there downloaded and lower-cased), for any string: ``chars``
    are the distinct characters sorted, ``char_indices`` / ``indices_char`` map
    between characters and ids, ``text`` is the whole corpus as a 1-D ``int32``
    array of ids and ``get_batch(seq_length, batch_size)`` returns random windows
    ``seq`` of ``seq_length`` ids with the id that follows each one. Unlike the
    tutorial, the windows come from a private ``numpy.random.Generator`` (seeded by
    ``seed``), ``encode`` / ``decode`` convert strings, and ``as_dataset`` builds a
    shuffled ``tf.data`` pipeline of every window for ``Model.fit``. Both take
    ``return_sequences=True`` to give the next id after every step of a window
    (the window shifted by one) instead of after its last step only.

    Args:
        text: The corpus; at least two characters.
        seed: ``None`` or an integer seeding ``get_batch`` (and ``as_dataset``'s
            shuffle when it gets no seed of its own).
        lower: Whether to lower-case ``text`` first, as the tutorial does.

    Attributes:
        raw_text: The corpus string (lower-cased if ``lower``).
        chars: Sorted list of its distinct characters.
        char_indices: Dict from character to id.
        indices_char: Dict from id to character.
        text: ``int32`` array of shape ``(len(raw_text),)``: the corpus as ids.
        vocab_size: ``len(chars)``.

    Raises:
        ValueError: If ``text`` is not a string of at least two characters or
            ``seed`` is not ``None`` or a non-negative integer.

    Example:

    >>> import keras_tutorial_kit as ktk
    >>> corpus = ktk.data.CharCorpus("hello world", seed=0)
    >>> corpus.chars
    [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
    >>> corpus.encode("hold").tolist()
    [3, 5, 4, 1]
    >>> corpus.decode([7, 5, 6, 4, 1])
    'world'
    >>> seq, next_char = corpus.get_batch(seq_length=4, batch_size=3)
    >>> seq.shape, next_char.shape
    ((3, 4), (3,))
    >>> seq, next_chars = corpus.get_batch(seq_length=4, batch_size=3, return_sequences=True)
    >>> next_chars.shape, bool((seq[:, 1:] == next_chars[:, :-1]).all())
    ((3, 4), True)
    """

    def __init__(self, text: str, seed: int | None = None, lower: bool = False) -> None:
        if not isinstance(text, str) or len(text) < 2:
            shown = text if not isinstance(text, str) or len(text) < 40 else text[:40] + "..."
            raise ValueError(
                f"`text` must be a string of at least 2 characters. Received: text={shown!r}"
            )
        seed = check_seed("seed", seed)
        self.lower = check_bool("lower", lower)
        self.seed = None if seed is None else int(seed)
        self.raw_text = text.lower() if self.lower else text
        self.chars = sorted(set(self.raw_text))
        self.char_indices = {c: i for i, c in enumerate(self.chars)}
        self.indices_char = dict(enumerate(self.chars))
        self.vocab_size = len(self.chars)
        # Object dtype: NumPy's fixed-width strings would drop NUL characters.
        self._lookup = np.array(self.chars, dtype=object)
        self.text = self.encode(self.raw_text)
        self._rng = np.random.default_rng(self.seed)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike,
        encoding: str = "utf-8",
        seed: int | None = None,
        lower: bool = False,
    ) -> CharCorpus:
        """Reads a text file (for example the tutorial's ``nietzsche.txt``) into a corpus.

        Args:
            path: Path of the text file.
            encoding: Its encoding.
            seed: As in the constructor.
            lower: As in the constructor (the tutorial lower-cases Nietzsche).

        Returns:
            A ``CharCorpus``.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            TypeError: If ``path`` is not a string or path, or ``encoding`` not a string.
            ValueError: If ``encoding`` names no codec, and as the constructor.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"`path` must be a string or a path. Received: path={path!r}")
        if not isinstance(encoding, str):
            raise TypeError(f"`encoding` must be a string. Received: encoding={encoding!r}")
        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise ValueError(
                f"`encoding` must name a text encoding. Received: encoding={encoding!r}"
            ) from error
        with open(path, encoding=encoding) as file:
            return cls(file.read(), seed=seed, lower=lower)

    def __len__(self) -> int:
        return int(self.text.shape[0])

    def __repr__(self) -> str:
        return f"CharCorpus(length={len(self)}, vocab_size={self.vocab_size})"

    def encode(self, text: str) -> np.ndarray:
        """Returns the ids of ``text``'s characters, ``int32`` of shape ``(len(text),)``.

        Raises:
            ValueError: If ``text`` holds a character that is not in ``chars``.
        """
        if not isinstance(text, str):
            raise ValueError(f"`text` must be a string. Received: text={text!r}")
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        known = np.frombuffer("".join(self.chars).encode("utf-32-le"), dtype=np.uint32)
        ids = np.searchsorted(known, codes).astype(np.int32)
        bad = (ids >= len(known)) | (known[np.minimum(ids, len(known) - 1)] != codes)
        if bad.any():
            position = int(np.argmax(bad))
            raise ValueError(
                f"`text` holds a character that is not in the corpus: {text[position]!r} at "
                f"position {position}. Known characters: {''.join(self.chars)!r}"
            )
        return ids

    def decode(self, ids: Any) -> str:
        """Returns the string of the character ids ``ids`` (any 1-D integer sequence).

        Raises:
            ValueError: If ``ids`` is not 1-D or holds an id outside ``[0, vocab_size)``.
        """
        ids = np.asarray(ids)
        if ids.ndim == 1 and ids.size == 0:
            return ""
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise ValueError(f"`ids` must be a 1-D integer sequence. Received: ids={ids!r}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(
                f"`ids` must lie in [0, {self.vocab_size}). Received: min={ids.min()}, "
                f"max={ids.max()}"
            )
        return "".join(self._lookup[ids].tolist())

    def _check_seq_length(self, seq_length: Any) -> int:
        seq_length = check_positive_int("seq_length", seq_length)
        if seq_length + 1 > len(self):
            raise ValueError(
                f"`seq_length` must be below the corpus length ({len(self)} characters): a "
                f"window needs seq_length + 1 characters. Received: seq_length={seq_length}"
            )
        return seq_length

    def get_batch(
        self, seq_length: int, batch_size: int, return_sequences: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Random windows of ``seq_length`` ids and the id that follows each, as the tutorial.

        Args:
            seq_length: Window length; the corpus needs ``seq_length + 1`` characters.
            batch_size: Number of windows.
            return_sequences: Whether the targets are the id after every step of each
                window (the window shifted by one, for
                ``CharRNN(..., return_sequences=True)``) instead of after its last step.

        Returns:
            ``(seq, next_char)``: ``int32`` arrays of shapes ``(batch_size, seq_length)``
            and ``(batch_size,)``, with ``next_char[i] == text[start_i + seq_length]``;
            with ``return_sequences``, ``next_char`` has the shape of ``seq`` and
            ``next_char[i, t] == text[start_i + t + 1]``.

        Raises:
            ValueError: If an argument is not a positive integer (or a boolean) or the
                corpus is shorter than ``seq_length + 1``.
        """
        seq_length = self._check_seq_length(seq_length)
        batch_size = check_positive_int("batch_size", batch_size)
        return_sequences = check_bool("return_sequences", return_sequences)
        starts = self._rng.integers(0, len(self) - seq_length, size=batch_size)
        windows = self.text[starts[:, None] + np.arange(seq_length + 1)]
        if return_sequences:
            return windows[:, :-1], windows[:, 1:]
        return windows[:, :-1], windows[:, -1].copy()

    def as_dataset(
        self,
        seq_length: int,
        batch_size: int,
        shuffle: bool = True,
        seed: int | None = None,
        drop_remainder: bool = False,
        return_sequences: bool = False,
    ) -> Any:
        """A ``tf.data.Dataset`` of every window, batched, for ``Model.fit``.

        Each element is ``(ids, next_id)`` with shapes ``(batch, seq_length)`` and
        ``(batch,)``, ``int32``, or with ``return_sequences`` ``(ids, next_ids)``, both
        ``(batch, seq_length)``, ``next_ids`` being ``ids`` shifted by one character
        (the targets of ``CharRNN(..., return_sequences=True)``); one pass visits each of the ``len(text) - seq_length``
        windows once. Shuffling draws a new order on every pass (epoch). Needs
        TensorFlow (imported here), which works with ``fit`` on any backend.

        Args:
            seq_length: Window length; the corpus needs ``seq_length + 1`` characters.
            batch_size: Windows per batch.
            shuffle: Whether to shuffle the windows.
            seed: Shuffle seed; ``None`` uses the corpus ``seed``.
            drop_remainder: Whether to drop a last, smaller batch.
            return_sequences: Whether the targets are the next id after every step
                instead of after the last step only.

        Returns:
            A prefetched ``tf.data.Dataset``.

        Raises:
            ValueError: As ``get_batch``, or if ``shuffle`` / ``drop_remainder`` /
                ``return_sequences`` are not booleans.
        """
        import tensorflow as tf

        seq_length = self._check_seq_length(seq_length)
        batch_size = check_positive_int("batch_size", batch_size)
        shuffle = check_bool("shuffle", shuffle)
        drop_remainder = check_bool("drop_remainder", drop_remainder)
        return_sequences = check_bool("return_sequences", return_sequences)
        seed = check_seed("seed", seed)
        if seed is None:
            seed = self.seed
        num_windows = len(self) - seq_length
        text = tf.constant(self.text)
        offsets = tf.range(seq_length + 1, dtype=tf.int64)
        dataset = tf.data.Dataset.range(num_windows)
        if shuffle:
            dataset = dataset.shuffle(num_windows, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

        def windows(starts):
            gathered = tf.gather(text, starts[:, None] + offsets[None, :])
            return gathered[:, :-1], gathered[:, 1:] if return_sequences else gathered[:, -1]

        return dataset.map(windows, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
