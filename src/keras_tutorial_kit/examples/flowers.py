"""Chapter "Using pre-built models": MobileNetV2 trained from scratch on ``tf_flowers`` by a custom loop."""

from __future__ import annotations

import types
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit.data import load_flowers
from keras_tutorial_kit.data.flowers import FLOWERS_CLASSES
from keras_tutorial_kit.examples import _options
from keras_tutorial_kit.examples._options import Option
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._plots import plot_learning_curves
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.examples._train_step import TrainStep
from keras_tutorial_kit.examples._training import (
    evaluate_accuracy,
    mean_sparse_crossentropy,
    progress_bar,
    set_seed,
)

TRAIN_SPLIT = "train[:80%]"
TEST_SPLIT = "train[80%:]"
QUICK_IMAGE_SIZE = 32
QUICK_BATCHES = 2


CHAPTER = _options.Chapter(
    "flowers",
    "Using pre-built models: MobileNetV2 trained from scratch on tf_flowers by a custom loop.",
    (
        _options.epochs(5),
        _options.batch_size(32),
        _options.learning_rate(1e-3),
        Option(
            "image_size",
            224,
            "Side of the square the images are resized to (>= 32).",
            "int",
            minimum=32,
        ),
        Option(
            "data_dir",
            None,
            "tensorflow-datasets' data folder (its default when ``None``).",
            "path",
        ),
        Option(
            "download", True, "Whether to download ``tf_flowers`` if it is not prepared.", "flag"
        ),
        _options.seed(0, "Seeds the weights and the shuffling; ``None`` for fresh randomness."),
        *_options.outputs(
            "``flowers.keras``",
            "the learning curves",
            f"{QUICK_IMAGE_SIZE}x{QUICK_IMAGE_SIZE} images, one epoch of {QUICK_BATCHES} batches.",
        ),
    ),
    quick={"epochs": 1, "image_size": QUICK_IMAGE_SIZE},
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Trains ``keras.applications.MobileNetV2(weights=None, classes=5)`` on ``tf_flowers``.

    The tutorial's ``tf.keras.applications`` example: the flowers resized to
    ``image_size`` and scaled to ``[0, 1]`` (``ktk.data.load_flowers``), Adam,
    sparse categorical cross-entropy, a custom loop calling the model with
    ``training=True`` so that the batch-normalization statistics update (without
    it the model predicts with its initial statistics and stays at chance).
    The first 80 % of the data set trains, the last 20 % measures the test
    accuracy after each epoch. The data set is downloaded (about 220 MB) on
    the first run; offline, pass the ``data_dir`` of a prepared copy and
    ``download=False``. The tutorial's defaults (5 epochs of 92 steps of 32
    224x224 images) take about 40 minutes on two CPU cores (4.8 s per step,
    measured) and minutes on a GPU.

    Returns:
        A ``ChapterResult`` with ``metrics["test_accuracy"]`` and the
        per-epoch ``loss`` and ``test_accuracy``.

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``tf_flowers`` is not prepared and cannot be downloaded.
    """
    epochs, image_size, quick = options.epochs, options.image_size, options.quick
    png = plot_path(options.plot)
    common: dict[str, Any] = dict(
        image_size=image_size,
        batch_size=options.batch_size,
        seed=options.seed,
        data_dir=options.data_dir,
        download=options.download,
    )
    train = load_flowers(TRAIN_SPLIT, shuffle=True, **common)
    test = load_flowers(TEST_SPLIT, shuffle=False, **common)
    if quick:
        train, test = train.take(QUICK_BATCHES), test.take(QUICK_BATCHES)
    test_images, test_labels = _to_numpy(test)

    set_seed(options.seed)
    model = keras.applications.MobileNetV2(
        input_shape=(image_size, image_size, 3), weights=None, classes=len(FLOWERS_CLASSES)
    )

    # Compiling MobileNetV2's step takes ~20 s; a quick run's two steps are faster eagerly on
    # TensorFlow. Eager JAX compiles every primitive separately, which is slower still.
    compile_step = not quick or keras.backend.backend() == "jax"
    step = TrainStep(
        model,
        keras.optimizers.Adam(learning_rate=options.learning_rate),
        mean_sparse_crossentropy,
        compile=compile_step,
    )
    batches = int(train.cardinality())
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for epoch in range(epochs):
        if options.verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        bar = progress_bar(batches if batches > 0 else None, options.verbose)
        losses = []
        for index, (images, labels) in enumerate(train.as_numpy_iterator()):
            losses.append(step(images, labels))
            if bar is not None:
                bar.update(index + 1, values=[("loss", losses[-1])])
        step.sync()
        history["loss"].append(float(np.mean(losses)))
        history["test_accuracy"].append(
            evaluate_accuracy(step.predict, test_images, test_labels, batch_size=options.batch_size)
        )
        if options.verbose:
            print(f"test_accuracy: {history['test_accuracy'][-1]:.4f}")
    metrics = {
        "test_accuracy": history["test_accuracy"][-1],
        "final_loss": history["loss"][-1],
        "num_test_data": len(test_labels),
    }
    model_path = output_path(options.output_dir, "flowers.keras")
    if model_path is not None:
        model.save(model_path)
    if png is not None:
        plot_learning_curves(
            history, png, title=f"MobileNetV2 on tf_flowers ({image_size}x{image_size})"
        )
    return ChapterResult("flowers", metrics, history, model_path, png, model)


def _to_numpy(dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for batch_images, batch_labels in dataset.as_numpy_iterator():
        images.append(batch_images)
        labels.append(batch_labels)
    return np.concatenate(images), np.concatenate(labels)
