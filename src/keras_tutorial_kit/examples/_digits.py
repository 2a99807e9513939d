"""The training run shared by the MLP and CNN chapters."""

from __future__ import annotations

import os
from collections.abc import Callable

import keras

from keras_tutorial_kit._validation import (
    check_bool,
    check_positive_int,
    check_positive_number,
    check_seed,
)
from keras_tutorial_kit.data import MNISTLoader
from keras_tutorial_kit.examples._common import (
    ChapterResult,
    output_path,
    plot_learning_curves,
    plot_path,
    set_seed,
    train_classifier,
)

QUICK_EPOCHS = 2
QUICK_STEPS_PER_EPOCH = 10


def run_digits_chapter(
    chapter: str,
    make_model: Callable[[int], keras.Model],
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    source: str,
    mnist_path: str | os.PathLike[str] | None,
    seed: int | None,
    output_dir: str | os.PathLike[str] | None,
    plot: str | os.PathLike[str] | None,
    quick: bool,
    verbose: int,
) -> ChapterResult:
    """Loads the digits, trains ``make_model(10)`` by the tutorial's loop, saves and plots."""
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = check_positive_number("learning_rate", learning_rate)
    seed = check_seed("seed", seed)
    check_bool("quick", quick)
    png = plot_path(plot)
    loader = MNISTLoader(source=source, path=mnist_path, seed=seed)
    set_seed(seed)
    model = make_model(10)
    history = train_classifier(
        model,
        loader,
        epochs=QUICK_EPOCHS if quick else epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        verbose=verbose,
        max_steps_per_epoch=QUICK_STEPS_PER_EPOCH if quick else None,
    )
    metrics = {
        "test_accuracy": history["test_accuracy"][-1],
        "final_loss": history["loss"][-1],
        "num_train_data": loader.num_train_data,
        "num_test_data": loader.num_test_data,
    }
    model_path = output_path(output_dir, f"{chapter}.keras")
    if model_path is not None:
        model.save(model_path)
    if png is not None:
        plot_learning_curves(
            history,
            png,
            title=f"{chapter.upper()} on {source} ({loader.num_train_data} training images, "
            f"{loader.num_test_data} test images)",
        )
    return ChapterResult(chapter, metrics, history, model_path, png, model)
