"""Chapter "Multilayer perceptron": ``ktk.models.MLP`` trained on handwritten digits by a custom loop."""

from __future__ import annotations

import types

from keras_tutorial_kit.examples._digits import digits_chapter, run_digits_chapter
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.models import MLP

CHAPTER = digits_chapter(
    "mlp",
    "Multilayer perceptron: ktk.models.MLP trained on handwritten digits by a custom loop.",
    50,
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Trains the tutorial's MLP (``Flatten``, ``Dense(100, relu)``, ``Dense(10)``, softmax).

    The tutorial's loop: ``MNISTLoader.get_batch`` draws, Adam at
    ``learning_rate``, sparse categorical cross-entropy, ``num_train_data //
    batch_size`` steps per epoch, then the test accuracy measured with
    ``ktk.metrics.SparseCategoricalAccuracy``. The tutorial trains 5 epochs on
    MNIST's 60 000 images; the offline default (``source="digits"``, 1 348
    training images) makes up for the smaller set with 50 epochs, which take a
    few seconds and reach about 0.97 test accuracy.

    Returns:
        A ``ChapterResult`` with ``metrics["test_accuracy"]`` and the
        per-epoch ``loss`` and ``test_accuracy`` in ``history``.

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``source="mnist"`` and the MNIST file cannot be had.
    """
    return run_digits_chapter(CHAPTER.name, MLP, options)
