"""Chapter "Convolutional neural network": ``ktk.models.CNN`` trained on handwritten digits."""

from __future__ import annotations

import types

from keras_tutorial_kit.examples._digits import digits_chapter, run_digits_chapter
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.models import CNN

CHAPTER = digits_chapter(
    "cnn", "Convolutional neural network: ktk.models.CNN trained on handwritten digits.", 30
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
        A ``ChapterResult`` like the MLP chapter's (``ktk.examples.mlp.run``),
        whose ``model`` is a ``ktk.models.CNN``.

    Raises:
        ValueError, OSError: As ``ktk.examples.mlp.run``.
    """
    return run_digits_chapter(CHAPTER.name, CNN, options)
