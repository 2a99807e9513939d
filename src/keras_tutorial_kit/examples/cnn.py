"""Chapter "Convolutional neural network": ``ktk.models.CNN`` trained on handwritten digits."""

from __future__ import annotations

import os

from keras_tutorial_kit.examples._common import ChapterResult
from keras_tutorial_kit.examples._digits import run_digits_chapter
from keras_tutorial_kit.models import CNN


def run(
    epochs: int = 30,
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
    """Trains the tutorial's CNN (two conv/pool blocks, ``Dense(1024)``, ``Dense(10)``).

    The same loop as the MLP chapter (``get_batch`` draws, Adam, sparse
    categorical cross-entropy, test accuracy by
    ``ktk.metrics.SparseCategoricalAccuracy``) with ``ktk.models.CNN``, which
    takes any image size: 28x28 MNIST or the 8x8 offline digits. The default
    (``source="digits"``, 30 epochs) takes about ten seconds on two CPU cores
    and reaches about 0.98 test accuracy.

    Args:
        epochs: Positive integer, the number of epochs.
        batch_size: Positive integer, the batch size.
        learning_rate: Adam's learning rate.
        source: ``"digits"`` (offline) or ``"mnist"`` (see ``ktk.data.MNISTLoader``).
        mnist_path: A local ``mnist.npz`` for ``source="mnist"``.
        seed: Seeds the weights and the batch draws; ``None`` for fresh randomness.
        output_dir: Folder for ``cnn.keras``; nothing is saved when ``None``.
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
        "cnn",
        lambda num_classes: CNN(num_classes=num_classes),
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
