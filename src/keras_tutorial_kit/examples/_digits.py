"""The training run shared by the MLP and CNN chapters."""

from __future__ import annotations

import types
from collections.abc import Callable

import keras

from keras_tutorial_kit.data import MNISTLoader
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._plots import plot_learning_curves
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.examples._training import set_seed, train_classifier

QUICK = "2 epochs of at most 10 steps."
QUICK_EPOCHS = 2
QUICK_STEPS_PER_EPOCH = 10


def run_digits_chapter(
    chapter: str, make_model: Callable[[int], keras.Model], options: types.SimpleNamespace
) -> ChapterResult:
    """Loads the digits, trains ``make_model(10)`` by the tutorial's loop, saves and plots."""
    png = plot_path(options.plot)
    loader = MNISTLoader(source=options.source, path=options.mnist_path, seed=options.seed)
    set_seed(options.seed)
    model = make_model(10)
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
