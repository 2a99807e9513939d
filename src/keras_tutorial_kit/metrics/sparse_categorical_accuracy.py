"""``SparseCategoricalAccuracy``: the tutorial's custom metric, with float counters."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def _matches(y_true, y_pred):
    """Returns 1.0 where ``argmax(y_pred)`` equals the label, compared in integers."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    predicted = ops.argmax(y_pred, axis=-1)
    return ops.cast(ops.equal(ops.cast(y_true, predicted.dtype), predicted), "float32")


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class SparseCategoricalAccuracy(keras.metrics.MeanMetricWrapper):
    """Running accuracy of integer labels against class scores.

    The tutorial's "Custom metrics" section keeps integer counters and compares
    ``tf.argmax(y_pred, axis=-1)`` with ``y_true`` directly: labels shaped
    ``(N, 1)`` broadcast to ``(N, N)`` and the accuracy comes out above 1, and
    ``uint8``/``int64`` labels raise a dtype error. This metric squeezes a
    trailing label axis of size 1, compares in integers whatever the label
    dtype and leaves the float counters (``total`` and ``count``, which sum
    correctly across replicas) and ``sample_weight`` to Keras'
    ``MeanMetricWrapper``; it equals
    ``keras.metrics.SparseCategoricalAccuracy`` over any sequence of
    ``update_state`` calls.

    Predictions of shape ``(N, ..., C)`` and labels of shape ``(N, ...)`` (or
    ``(N, ..., 1)``) are accepted; with extra axes each sample's accuracy is the
    mean over those axes, as in Keras.

    Args:
        name: Name of the metric instance.
        dtype: The dtype of the counters and of the result; ``None`` uses
            ``keras.config.floatx()``.

    Call arguments (``update_state``):
        y_true: Integer class labels (any integer or float dtype), shape ``(N,)``
            or ``(N, 1)``.
        y_pred: Class scores or probabilities, shape ``(N, C)``.
        sample_weight: Optional weights, shape ``(N,)`` or ``(N, 1)``.

    Returns:
        ``result()`` gives the weighted fraction of correct predictions so far
        (0 before any update).

    Raises:
        ValueError: If ``name`` is not a string.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> metric = ktk.metrics.SparseCategoricalAccuracy()
    >>> metric.update_state(np.array([[2], [1]], dtype="uint8"), [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]])
    >>> float(metric.result())
    0.5
    >>> metric.update_state([0, 0], [[0.9, 0.1, 0.0], [0.8, 0.2, 0.0]], sample_weight=[1.0, 2.0])
    >>> float(metric.result())
    0.8
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        if not isinstance(name, str):
            raise ValueError(f"`name` must be a string. Received: name={name!r}")
        super().__init__(fn=_matches, name=name, dtype=dtype)
        # Keras sorts metrics with direction "up" as "higher is better" (e.g. for callbacks).
        self._direction = "up"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}
