"""Chapter "Using pre-built models": MobileNetV2 trained from scratch on ``tf_flowers`` by a custom loop."""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._validation import (
    check_bool,
    check_positive_int,
    check_positive_number,
    check_seed,
)
from keras_tutorial_kit.data import load_flowers
from keras_tutorial_kit.data.flowers import FLOWERS_CLASSES
from keras_tutorial_kit.examples._common import (
    ChapterResult,
    TrainStep,
    evaluate_accuracy,
    output_path,
    plot_learning_curves,
    plot_path,
    progress_bar,
    set_seed,
)

TRAIN_SPLIT = "train[:80%]"
TEST_SPLIT = "train[80%:]"
QUICK_IMAGE_SIZE = 32
QUICK_BATCHES = 2


def run(
    epochs: int = 5,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    image_size: int = 224,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    seed: int | None = 0,
    output_dir: str | os.PathLike[str] | None = None,
    plot: str | os.PathLike[str] | None = None,
    quick: bool = False,
    verbose: int = 1,
) -> ChapterResult:
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

    Args:
        epochs: Positive integer, the number of epochs.
        batch_size: Positive integer, the batch size.
        learning_rate: Adam's learning rate.
        image_size: Side of the square the images are resized to (>= 32).
        data_dir: tensorflow-datasets' data folder (its default when ``None``).
        download: Whether to download ``tf_flowers`` if it is not prepared.
        seed: Seeds the weights and the shuffling; ``None`` for fresh randomness.
        output_dir: Folder for ``flowers.keras``; nothing is saved when ``None``.
        plot: A ``.png`` path for the learning curves.
        quick: A seconds-long run: 32x32 images, one epoch of two batches.
        verbose: 0 for silence, 1 for progress bars.

    Returns:
        A ``ChapterResult`` with ``metrics["test_accuracy"]`` and the
        per-epoch ``loss`` and ``test_accuracy``.

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``tf_flowers`` is not prepared and cannot be downloaded.
    """
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = check_positive_number("learning_rate", learning_rate)
    image_size = check_positive_int("image_size", image_size)
    if image_size < 32:
        raise ValueError(
            f"`image_size` must be at least 32 (MobileNetV2). Received: image_size={image_size}"
        )
    if check_bool("quick", quick):
        epochs, image_size = 1, QUICK_IMAGE_SIZE
    seed = check_seed("seed", seed)
    check_bool("download", download)
    png = plot_path(plot)
    common: dict[str, Any] = dict(
        image_size=image_size,
        batch_size=batch_size,
        seed=seed,
        data_dir=data_dir,
        download=download,
    )
    train = load_flowers(TRAIN_SPLIT, shuffle=True, **common)
    test = load_flowers(TEST_SPLIT, shuffle=False, **common)
    if quick:
        train, test = train.take(QUICK_BATCHES), test.take(QUICK_BATCHES)
    test_images, test_labels = _to_numpy(test)

    set_seed(seed)
    model = keras.applications.MobileNetV2(
        input_shape=(image_size, image_size, 3), weights=None, classes=len(FLOWERS_CLASSES)
    )

    def loss_fn(y_true, y_pred):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y_true, y_pred))

    # Compiling MobileNetV2's step takes ~20 s; a quick run's two steps are faster eagerly on
    # TensorFlow. Eager JAX compiles every primitive separately, which is slower still.
    compile_step = not quick or keras.backend.backend() == "jax"
    step = TrainStep(
        model, keras.optimizers.Adam(learning_rate=learning_rate), loss_fn, compile=compile_step
    )
    batches = int(train.cardinality())
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for epoch in range(epochs):
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        bar = progress_bar(batches if batches > 0 else None, verbose)
        losses = []
        for index, (images, labels) in enumerate(train.as_numpy_iterator()):
            losses.append(step(images, labels))
            if bar is not None:
                bar.update(index + 1, values=[("loss", losses[-1])])
        step.sync()
        history["loss"].append(float(np.mean(losses)))
        history["test_accuracy"].append(
            evaluate_accuracy(step.predict, test_images, test_labels, batch_size=batch_size)
        )
        if verbose:
            print(f"test_accuracy: {history['test_accuracy'][-1]:.4f}")
    metrics = {
        "test_accuracy": history["test_accuracy"][-1],
        "final_loss": history["loss"][-1],
        "num_test_data": len(test_labels),
    }
    model_path = output_path(output_dir, "flowers.keras")
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
