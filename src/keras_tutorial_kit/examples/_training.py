"""The tutorial's classifier training loop and the helpers the chapters' loops share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit.examples._train_step import TrainStep


def set_seed(seed: int | None) -> None:
    """Seeds Python, NumPy and the Keras backend when ``seed`` is not ``None``."""
    if seed is not None:
        keras.utils.set_random_seed(seed)


def mean_sparse_crossentropy(y_true: Any, y_pred: Any) -> Any:
    """The batch mean of the sparse categorical cross-entropy: the tutorial's classifier loss."""
    return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y_true, y_pred))


def progress_bar(target: int, verbose: int, unit_name: str = "step") -> keras.utils.Progbar | None:
    """A ``keras.utils.Progbar`` over ``target`` units when ``verbose``, else ``None``."""
    if not verbose:
        return None
    return keras.utils.Progbar(target, verbose=1 if verbose == 1 else 2, unit_name=unit_name)


def evaluate_accuracy(
    predict: Callable[[np.ndarray], Any],
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int = 500,
) -> float:
    """Test accuracy of ``predict`` with ``ktk.metrics.SparseCategoricalAccuracy``, batch by batch.

    The tutorial's evaluation loop; ``predict`` maps images to class scores
    (a model, or ``TrainStep.predict``).
    """
    from keras_tutorial_kit.metrics import SparseCategoricalAccuracy

    metric = SparseCategoricalAccuracy()
    for start in range(0, len(images), batch_size):
        stop = start + batch_size
        metric.update_state(labels[start:stop], predict(images[start:stop]))
    return float(metric.result())


def train_classifier(
    model: keras.Model,
    loader: Any,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    verbose: int,
    max_steps_per_epoch: int | None = None,
) -> dict[str, list[float]]:
    """The tutorial's MNIST training loop: ``get_batch`` draws, Adam, sparse cross-entropy.

    Each epoch runs ``num_train_data // batch_size`` steps (at most
    ``max_steps_per_epoch``), then measures the test accuracy. Returns the
    per-epoch mean training ``loss`` and ``test_accuracy``.
    """
    steps_per_epoch = max(1, loader.num_train_data // batch_size)
    if max_steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, max_steps_per_epoch)
    model.build((None, *loader.train_data.shape[1:]))

    step = TrainStep(
        model, keras.optimizers.Adam(learning_rate=learning_rate), mean_sparse_crossentropy
    )
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for epoch in range(epochs):
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        bar = progress_bar(steps_per_epoch, verbose)
        losses = []
        for index in range(steps_per_epoch):
            images, labels = loader.get_batch(batch_size)
            losses.append(step(images, labels))
            if bar is not None:
                bar.update(index + 1, values=[("loss", losses[-1])], finalize=False)
        step.sync()
        history["loss"].append(float(np.mean(losses)))
        history["test_accuracy"].append(
            evaluate_accuracy(step.predict, loader.test_data, loader.test_label)
        )
        if bar is not None:
            bar.update(
                steps_per_epoch,
                values=[("test_accuracy", history["test_accuracy"][-1])],
                finalize=True,
            )
    return history
