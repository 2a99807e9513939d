"""``SparseCategoricalAccuracy``: the tutorial's custom metric, with float counters."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class SparseCategoricalAccuracy(keras.metrics.Metric):
    """Running accuracy of integer labels against class scores.

    The tutorial's "Custom metrics" section keeps integer counters and compares
    ``tf.argmax(y_pred, axis=-1)`` with ``y_true`` directly: labels shaped
    ``(N, 1)`` broadcast to ``(N, N)`` and the accuracy comes out above 1, and
    ``uint8``/``int64`` labels raise a dtype error. This metric squeezes a
    trailing label axis of size 1, compares in integers whatever the label
    dtype, keeps float counters (``total`` and ``count``) that sum correctly
    across replicas, and applies ``sample_weight``; it equals
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
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="count"
        )
        # Keras sorts metrics with direction "up" as "higher is better" (e.g. for callbacks).
        self._direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
            y_true = ops.squeeze(y_true, axis=-1)
        predicted = ops.argmax(y_pred, axis=-1)
        labels = ops.cast(y_true, predicted.dtype)
        values = ops.cast(ops.equal(labels, predicted), self.dtype)

        if sample_weight is None:
            weights = ops.ones((ops.shape(values)[0],), dtype=self.dtype)
        else:
            weights = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
            values, weights = _match_rank(values, weights)
        # Reduce the values to the weights' rank, then to one value per sample.
        if len(values.shape) > len(weights.shape):
            values = ops.mean(values, axis=tuple(range(len(weights.shape), len(values.shape))))
        weights = ops.broadcast_to(weights, ops.shape(values))
        values = ops.multiply(values, weights)
        if len(values.shape) > 1:
            per_sample = tuple(range(1, len(values.shape)))
            values = ops.mean(values, axis=per_sample)
            weights = ops.mean(weights, axis=per_sample)
        self.total.assign_add(ops.sum(values))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)

    def reset_state(self) -> None:
        self.total.assign(ops.zeros((), dtype=self.dtype))
        self.count.assign(ops.zeros((), dtype=self.dtype))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


def _match_rank(values, weights):
    """Squeezes or expands a trailing size-1 axis of ``weights`` to match ``values``' rank."""
    values_rank, weights_rank = len(values.shape), len(weights.shape)
    if weights_rank == values_rank + 1 and weights.shape[-1] == 1:
        weights = ops.squeeze(weights, axis=-1)
    elif values_rank == weights_rank + 1 and values.shape[-1] == 1:
        if weights_rank == 1:
            weights = ops.expand_dims(weights, axis=-1)
        else:
            values = ops.squeeze(values, axis=-1)
    return values, weights
