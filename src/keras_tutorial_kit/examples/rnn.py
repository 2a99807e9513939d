"""Chapter "Recurrent neural network": ``ktk.models.CharRNN`` learns a text and writes at four temperatures."""

from __future__ import annotations

import os
import pathlib
import types
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._deprecation import renamed_arguments
from keras_tutorial_kit.data import CharCorpus
from keras_tutorial_kit.examples import _options
from keras_tutorial_kit.examples._options import Option
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._plots import new_figure
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.examples._train_step import TrainStep
from keras_tutorial_kit.examples._training import (
    mean_sparse_crossentropy,
    progress_bar,
    set_seed,
)
from keras_tutorial_kit.examples._vocabulary import (
    load_vocabulary,
    save_vocabulary,
    vocabulary_path,
)
from keras_tutorial_kit.models import CharRNN
from keras_tutorial_kit.samplers import TemperatureSampler

#: The tutorial's four diversities (sampling temperatures).
DIVERSITIES = (0.2, 0.5, 1.0, 1.2)
DEFAULT_CORPUS_NAME = "pydoc_data.topics (the Python reference manual's help topics)"
QUICK = {"num_batches": 20, "units": 32, "seq_length": 20, "length": 80}


def default_corpus() -> str:
    """The default training text: the help topics of Python's own reference manual.

    ``pydoc_data.topics`` is a module of the standard library (it backs
    ``help("if")`` and friends), so every CPython install has it, offline; its
    ``topics`` dict holds about 470 000 characters of English prose and code
    from the language reference. The topics are joined in sorted order and
    each run of whitespace (the manual's indentation) becomes one space, so the
    model spends its capacity on words rather than on indentation.
    """
    from pydoc_data.topics import topics

    return " ".join(" ".join(topics[name].split()) for name in sorted(topics))


def load_generator(
    model_path: str | os.PathLike[str], vocabulary: str | os.PathLike[str] | None = None
) -> tuple[CharRNN, list[str]]:
    """Loads a ``CharRNN`` saved by :func:`run` and its characters, ready for :func:`generate_text`.

    Args:
        model_path: The ``.keras`` file written by :func:`run`.
        vocabulary: Its characters file; :func:`vocabulary_path` of ``model_path`` when ``None``.

    Returns:
        ``(model, chars)``.

    Raises:
        FileNotFoundError: If either file does not exist.
        ValueError: If the model is not a ``CharRNN`` over those characters.
    """
    if not os.path.isfile(model_path):
        raise FileNotFoundError(
            f"No model file at `model_path`. Received: model_path={os.fspath(model_path)!r}"
        )
    if vocabulary is None:
        vocabulary = vocabulary_path(model_path)
    if not os.path.isfile(vocabulary):
        raise FileNotFoundError(
            f"No characters file at `vocabulary` ({os.fspath(vocabulary)!r}): `run` writes it "
            "next to the model; pass another."
        )
    chars = load_vocabulary(vocabulary)
    model = keras.saving.load_model(model_path)
    if not isinstance(model, CharRNN) or model.vocab_size != len(chars):
        raise ValueError(
            f"`model_path` must hold a CharRNN over the {len(chars)} characters of "
            f"{os.fspath(vocabulary)!r}. Received: {type(model).__name__}"
            + (f" over {model.vocab_size} characters" if isinstance(model, CharRNN) else "")
        )
    return model, chars


def generate_text(
    model: CharRNN,
    chars: Sequence[str],
    prompt: str | None,
    length: int,
    temperature: float,
    seed: int | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
) -> str:
    """Writes ``length`` characters after ``prompt`` with a ``TemperatureSampler``.

    A ``prompt`` of ``None`` starts from a newline if ``chars`` has one, else
    from the first character.

    Raises:
        ValueError: If ``prompt`` is empty or holds a character outside ``chars``,
            or a sampler argument is out of range.
    """
    index = {c: i for i, c in enumerate(chars)}
    if prompt is None:
        prompt = "\n" if "\n" in index else chars[0]
    unknown = sorted({c for c in prompt if c not in index})
    if not prompt or unknown:
        raise ValueError(
            "`prompt` must be non-empty and use only the model's characters. "
            f"Received: prompt={prompt!r}"
            + (f" (unknown: {''.join(unknown)!r})" if unknown else "")
        )
    sampler = TemperatureSampler(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    ids = model.generate(np.array([index[c] for c in prompt], np.int32), length, sampler=sampler)
    return "".join(chars[i] for i in ids[0])


CHAPTER = _options.Chapter(
    "rnn",
    "Recurrent neural network: ktk.models.CharRNN learns a text and writes at four temperatures.",
    (
        Option(
            "text_path",
            None,
            "Path of a UTF-8 text file to learn; :func:`default_corpus` when ``None``.",
            "path",
        ),
        Option("num_batches", 1000, "Positive integer, the number of training steps.", "int"),
        Option(
            "seq_length",
            40,
            "Positive integer, the length of the training windows and the prompt.",
            "int",
        ),
        _options.batch_size(50),
        _options.learning_rate(3e-3),
        Option("units", 256, "Positive integer, the LSTM width.", "int"),
        Option("length", 400, "Positive integer, the characters written per diversity.", "int"),
        _options.seed(0, "Seeds the weights, the windows, the prompt and the samplers."),
        *_options.outputs(
            "``rnn.keras`` and its characters ``rnn.chars.json`` (read back by "
            ":func:`load_generator`)",
            "the training loss per step",
            f"{QUICK['num_batches']} steps of a {QUICK['units']}-unit LSTM on "
            f"{QUICK['seq_length']}-character windows, {QUICK['length']} characters per "
            "diversity.",
        ),
        Option(
            "every_step",
            True,
            "Train on the next character after every step of each window "
            "(``CharRNN(return_sequences=True)``); ``False`` trains on the last step only, "
            "as the tutorial does.",
            "flag",
        ),
    ),
    quick=QUICK,
)


@renamed_arguments("0.4.0", text="text_path")
@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Trains a character-level LSTM on a text, then writes at the diversities 0.2, 0.5, 1.0 and 1.2.

    The tutorial's chapter: ``CharCorpus.get_batch(seq_length, batch_size)``
    windows, ``ktk.models.CharRNN(vocab_size, units)``, Adam, sparse
    categorical cross-entropy on the next character, ``num_batches`` steps
    (the tutorial's settings, except a learning rate of 3e-3 instead of 1e-3).
    By default (``every_step=True``) the model predicts the next character
    after every step of each window, not only after the last one as in the
    tutorial, so each window teaches ``seq_length`` predictions instead of one
    and the loss is averaged over all of them;
    then, from a random window of the text as prompt, ``length`` characters at
    each diversity of :data:`DIVERSITIES` through ``CharRNN.generate`` and a
    ``ktk.samplers.TemperatureSampler``. The tutorial trains on Nietzsche; the
    default text here is Python's own reference manual
    (:func:`default_corpus`, from the standard library's ``pydoc_data``), which
    needs no download. Low diversities repeat common words; high ones invent
    words.

    Returns:
        A ``ChapterResult`` with ``metrics`` ``initial_loss`` and ``final_loss``
        (means over the first and last 50 steps, or quarter of the steps if fewer), ``history["loss"]`` per step,
        ``extras["prompt"]`` and ``extras["samples"]`` (diversity -> text).

    Raises:
        ValueError: If an argument is out of range or the text is shorter than
            ``seq_length + 1`` characters.
        FileNotFoundError: If ``text_path`` does not exist.
    """
    text_path, seq_length, seed = options.text_path, options.seq_length, options.seed
    png = plot_path(options.plot)
    if text_path is None:
        corpus, source = CharCorpus(default_corpus(), seed=seed), DEFAULT_CORPUS_NAME
    else:
        if not os.path.isfile(text_path):
            raise FileNotFoundError(
                f"No text file at `text_path`. Received: text_path={os.fspath(text_path)!r}"
            )
        corpus, source = CharCorpus.from_file(text_path, seed=seed), os.fspath(text_path)
    if len(corpus) <= seq_length:
        raise ValueError(
            f"The text must be longer than `seq_length` ({seq_length}) characters. "
            f"Received: {len(corpus)} characters from {source}"
        )

    set_seed(seed)
    model = CharRNN(
        vocab_size=corpus.vocab_size, units=options.units, return_sequences=options.every_step
    )
    model.build((None, seq_length))

    step = TrainStep(
        model, keras.optimizers.Adam(learning_rate=options.learning_rate), mean_sparse_crossentropy
    )
    bar = progress_bar(options.num_batches, options.verbose)
    losses = []
    for index in range(options.num_batches):
        windows, next_chars = corpus.get_batch(
            seq_length, options.batch_size, return_sequences=options.every_step
        )
        losses.append(step(windows, next_chars))
        if bar is not None:
            bar.update(index + 1, values=[("loss", losses[-1])])
    step.sync()

    start = int(np.random.default_rng(seed).integers(0, len(corpus) - seq_length))
    prompt = corpus.decode(corpus.text[start : start + seq_length])
    samples = {
        diversity: generate_text(
            model,
            corpus.chars,
            prompt,
            options.length,
            diversity,
            seed=None if seed is None else seed + i,
        )
        for i, diversity in enumerate(DIVERSITIES)
    }
    window = max(1, min(50, options.num_batches // 4))
    metrics = {
        "initial_loss": float(np.mean(losses[:window])),
        "final_loss": float(np.mean(losses[-window:])),
        "num_chars": len(corpus),
        "vocab_size": corpus.vocab_size,
    }
    model_path = output_path(options.output_dir, "rnn.keras")
    extras: dict[str, Any] = {"prompt": prompt, "samples": samples, "corpus": source}
    if model_path is not None:
        model.save(model_path)
        extras["vocabulary_path"] = save_vocabulary(corpus, model_path)
    if png is not None:
        _plot(png, losses, source)
    return ChapterResult("rnn", metrics, {"loss": losses}, model_path, png, model, extras)


def _plot(path: pathlib.Path, losses: list[float], source: str) -> None:
    figure, ax = new_figure()
    steps = np.arange(1, len(losses) + 1)
    ax.plot(steps, losses, alpha=0.35, label="loss per step")
    window = max(1, min(50, len(losses) // 10))
    if window > 1:
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1 :], smooth, label=f"moving average ({window} steps)")
    ax.set_xlabel("training step")
    ax.set_ylabel("next-character cross-entropy")
    ax.grid(alpha=0.3)
    ax.legend()
    figure.suptitle(f"CharRNN on {source}", fontsize=10)
    figure.savefig(path, dpi=100)
