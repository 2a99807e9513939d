"""Chapter "Multilayer perceptron": ``ktk.models.MLP`` trained on handwritten digits by a custom loop."""

from __future__ import annotations

import os

from keras_tutorial_kit.examples._common import ChapterResult
from keras_tutorial_kit.examples._digits import run_digits_chapter
from keras_tutorial_kit.models import MLP


def run(
    epochs: int = 50,
    batch_size: int = 50,
    learning_rate: float = 1e-3,
    source: str = "digits",
    mnist_path: str | os.PathLike[str] | None = None,
    seed: int | None = 0,
    output_dir: str | os.PathLike[str] | None = None,
    plot: str | os.PathLike[str] | None = None,
    quick: bool = False,
    verbose: int = 1,
) -> ChapterResult:
    """Trains the tutorial's MLP (``Flatten``, ``Dense(100, relu)``, ``Dense(10)``, softmax).

    The tutorial's loop: ``MNISTLoader.get_batch`` draws, Adam at
    ``learning_rate``, sparse categorical cross-entropy, ``num_train_data //
    batch_size`` steps per epoch, then the test accuracy measured with
    ``ktk.metrics.SparseCategoricalAccuracy``. The tutorial trains 5 epochs on
    MNIST's 60 000 images; the offline default (``source="digits"``, 1 348
    training images) makes up for the smaller set with 50 epochs, which take a
    few seconds and reach about 0.97 test accuracy.

    Args:
        epochs: Positive integer, the number of epochs.
        batch_size: Positive integer, the batch size.
        learning_rate: Adam's learning rate.
        source: ``"digits"`` (offline) or ``"mnist"`` (see ``ktk.data.MNISTLoader``).
        mnist_path: A local ``mnist.npz`` for ``source="mnist"``.
        seed: Seeds the weights and the batch draws; ``None`` for fresh randomness.
        output_dir: Folder for ``mlp.keras``; nothing is saved when ``None``.
        plot: A ``.png`` path for the learning curves; no plot when ``None``.
        quick: A seconds-long run: 2 epochs of at most 10 steps.
        verbose: 0 for silence, 1 for progress bars.

    Returns:
        A ``ChapterResult`` with ``metrics["test_accuracy"]`` and the
        per-epoch ``loss`` and ``test_accuracy`` in ``history``.

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``source="mnist"`` and the MNIST file cannot be had.
    """
    return run_digits_chapter(
        "mlp",
        lambda num_classes: MLP(num_classes=num_classes),
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        source=source,
        mnist_path=mnist_path,
        seed=seed,
        output_dir=output_dir,
        plot=plot,
        quick=quick,
        verbose=verbose,
    )
