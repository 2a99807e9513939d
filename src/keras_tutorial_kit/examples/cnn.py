"""Chapter "Convolutional neural network": ``ktk.models.CNN`` trained on handwritten digits."""

from __future__ import annotations

import types

from keras_tutorial_kit.examples import _options
from keras_tutorial_kit.examples._digits import QUICK, QUICK_EPOCHS, run_digits_chapter
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.models import CNN

CHAPTER = _options.Chapter(
    "cnn",
    "Convolutional neural network: ktk.models.CNN trained on handwritten digits.",
    _options.digits_options(30, "``cnn.keras``", QUICK),
    quick={"epochs": QUICK_EPOCHS},
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Trains the tutorial's CNN (two conv/pool blocks, ``Dense(1024)``, ``Dense(10)``).

    The same loop as the MLP chapter (``get_batch`` draws, Adam, sparse
    categorical cross-entropy, test accuracy by
    ``ktk.metrics.SparseCategoricalAccuracy``) with ``ktk.models.CNN``, which
    takes any image size: 28x28 MNIST or the 8x8 offline digits. The default
    (``source="digits"``, 30 epochs) takes about ten seconds on two CPU cores
    and reaches about 0.98 test accuracy.

    Returns:
        A ``ChapterResult`` with ``metrics["test_accuracy"]`` and the
        per-epoch ``loss`` and ``test_accuracy`` in ``history``.

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``source="mnist"`` and the MNIST file cannot be had.
    """
    return run_digits_chapter("cnn", lambda num_classes: CNN(num_classes=num_classes), options)
