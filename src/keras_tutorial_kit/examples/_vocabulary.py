"""The characters file saved next to a ``CharRNN`` by the rnn chapter (``<name>.chars.json``)."""

from __future__ import annotations

import json
import os
import pathlib

from keras_tutorial_kit.data import CharCorpus


def vocabulary_path(model_path: str | os.PathLike[str]) -> pathlib.Path:
    """Where ``run`` writes the characters next to a saved model: ``<name>.chars.json``."""
    path = pathlib.Path(model_path)
    return path.with_name(f"{path.stem}.chars.json")


def save_vocabulary(corpus: CharCorpus, model_path: str | os.PathLike[str]) -> pathlib.Path:
    """Writes ``{"chars": corpus.chars}`` to :func:`vocabulary_path`; returns that path."""
    path = vocabulary_path(model_path)
    path.write_text(json.dumps({"chars": corpus.chars}, ensure_ascii=False), encoding="utf-8")
    return path


def load_vocabulary(path: str | os.PathLike[str]) -> list[str]:
    """Reads the characters written by :func:`save_vocabulary`.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not such a vocabulary.
    """
    with open(path, encoding="utf-8") as file:
        try:
            chars = json.load(file)["chars"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(
                f'The vocabulary file must be JSON {{"chars": [...]}}. Received: path={os.fspath(path)!r}'
            ) from error
    if not isinstance(chars, list) or not all(isinstance(c, str) and len(c) == 1 for c in chars):
        raise ValueError(
            f"The vocabulary must list single characters. Received: path={os.fspath(path)!r}"
        )
    return chars
