"""The digits chapters' shared parts: the MLP/CNN declaration and run, and the ``fit`` of the others."""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit.data import MNISTLoader
from keras_tutorial_kit.examples._options import Chapter, digits_options
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._plots import plot_learning_curves
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.examples._training import set_seed, train_classifier

QUICK_EPOCHS = 2
QUICK_STEPS_PER_EPOCH = 10
QUICK_TRAIN_DATA = 200


def digits_chapter(name: str, summary: str, epochs: int) -> Chapter:
    """The declaration of a chapter trained by :func:`run_digits_chapter` (``epochs`` by default)."""
    return Chapter(
        name,
        summary,
        digits_options(
            epochs,
            f"``{name}.keras``",
            f"{QUICK_EPOCHS} epochs of at most {QUICK_STEPS_PER_EPOCH} steps.",
        ),
        quick={"epochs": QUICK_EPOCHS},
    )


def run_digits_chapter(
    chapter: str, make_model: Callable[..., keras.Model], options: types.SimpleNamespace
) -> ChapterResult:
    """Loads the digits, trains ``make_model(num_classes=10)`` by the tutorial's loop, saves and plots."""
    png = plot_path(options.plot)
    loader = MNISTLoader(source=options.source, path=options.mnist_path, seed=options.seed)
    set_seed(options.seed)
    model = make_model(num_classes=10)
    history = train_classifier(
        model,
        loader,
        epochs=options.epochs,
        batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        verbose=options.verbose,
        max_steps_per_epoch=QUICK_STEPS_PER_EPOCH if options.quick else None,
    )
    metrics = {
        "test_accuracy": history["test_accuracy"][-1],
        "final_loss": history["loss"][-1],
        "num_train_data": loader.num_train_data,
        "num_test_data": loader.num_test_data,
    }
    model_path = output_path(options.output_dir, f"{chapter}.keras")
    if model_path is not None:
        model.save(model_path)
    if png is not None:
        plot_learning_curves(
            history,
            png,
            title=f"{chapter.upper()} on {options.source} ({loader.num_train_data} training "
            f"images, {loader.num_test_data} test images)",
        )
    return ChapterResult(chapter, metrics, history, model_path, png, model)


def load_training_digits(
    options: types.SimpleNamespace,
) -> tuple[MNISTLoader, np.ndarray, np.ndarray]:
    """The loader and its training images and labels (the first 200 of them when ``quick``)."""
    loader = MNISTLoader(source=options.source, path=options.mnist_path, seed=options.seed)
    train_data, train_label = loader.train_data, loader.train_label
    if options.quick:
        train_data, train_label = train_data[:QUICK_TRAIN_DATA], train_label[:QUICK_TRAIN_DATA]
    return loader, train_data, train_label


def compile_and_fit(
    model: keras.Model,
    data: tuple[MNISTLoader, np.ndarray, np.ndarray],
    options: types.SimpleNamespace,
    metrics: Sequence[Any],
) -> dict[str, list[float]]:
    """The tutorial's Keras pipeline: Adam, sparse cross-entropy, ``fit`` scored on the test set."""
    loader, train_data, train_label = data
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=options.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=list(metrics),
    )
    fitted = model.fit(
        train_data,
        train_label,
        epochs=options.epochs,
        batch_size=options.batch_size,
        validation_data=(loader.test_data, loader.test_label),
        verbose=options.verbose,
    )
    return {key: [float(v) for v in values] for key, values in fitted.history.items()}
