"""``MeanSquaredError``: the tutorial's custom loss, with Keras' reductions and sample weights."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

# The reductions ``keras.losses.Loss`` accepts, in its own spelling.
_REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
def mean_squared_error(y_true, y_pred):
    """Returns the mean of the squared error over the last axis, one value per sample.

    ``y_true`` and ``y_pred`` may differ in rank by one when the larger one ends
    in a dimension of size 1: targets shaped ``(batch,)`` against predictions
    shaped ``(batch, 1)`` give ``batch`` losses, not a ``batch x batch``
    broadcast as the tutorial's ``tf.reduce_mean(tf.square(y_pred - y_true))``
    does.

    Args:
        y_true: Targets, shape ``(batch, ..., d)``.
        y_pred: Predictions, same shape (or one rank more/less, see above).

    Returns:
        A tensor of shape ``(batch, ...)``: ``mean((y_true - y_pred) ** 2, axis=-1)``.

    Example:

    >>> import keras
    >>> import keras_tutorial_kit as ktk
    >>> loss = ktk.losses.mean_squared_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    >>> keras.ops.convert_to_numpy(loss).tolist()
    [0.5, 0.5]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = _match_rank(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def _match_rank(y_true, y_pred):
    """Squeezes or expands a trailing size-1 axis so both tensors have one rank."""
    true_rank, pred_rank = len(y_true.shape), len(y_pred.shape)
    if pred_rank == true_rank + 1 and y_pred.shape[-1] == 1:
        if true_rank == 1:
            y_true = ops.expand_dims(y_true, axis=-1)
        else:
            y_pred = ops.squeeze(y_pred, axis=-1)
    elif true_rank == pred_rank + 1 and y_true.shape[-1] == 1:
        if pred_rank == 1:
            y_pred = ops.expand_dims(y_pred, axis=-1)
        else:
            y_true = ops.squeeze(y_true, axis=-1)
    return y_true, y_pred


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class MeanSquaredError(keras.losses.Loss):
    """Mean squared error over the last axis: the tutorial's custom loss, done properly.

    The tutorial's "Custom loss functions" section subclasses
    ``tf.keras.losses.Loss`` and returns ``tf.reduce_mean(tf.square(y_pred -
    y_true))``: one scalar for the whole batch, so ``sample_weight`` and
    ``reduction`` are silently ignored and 1-D targets broadcast against
    ``(batch, 1)`` predictions. This loss returns one value per sample
    (:func:`mean_squared_error`) and lets the Keras base class apply
    ``sample_weight``, masks and ``reduction``, so it equals
    ``keras.losses.MeanSquaredError`` for every reduction.

    Args:
        reduction: One of ``"sum_over_batch_size"`` (the default), ``"sum"``,
            ``"mean"``, ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        name: Name of the loss instance.
        dtype: The dtype of the loss computation; ``None`` uses
            ``keras.config.floatx()``.

    Call arguments:
        y_true: Targets, shape ``(batch, ..., d)``.
        y_pred: Predictions, shape ``(batch, ..., d)``.
        sample_weight: Optional weights broadcastable to ``(batch, ...)``.

    Returns:
        A scalar, or one value per sample when ``reduction`` is ``"none"``/``None``.

    Raises:
        ValueError: If ``reduction`` is not one of the values above, or
            ``name`` is not a string.

    Example:

    >>> import keras_tutorial_kit as ktk
    >>> loss = ktk.losses.MeanSquaredError()
    >>> float(loss([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    >>> float(loss([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], sample_weight=[1.0, 0.0]))
    0.25
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"`reduction` must be one of {list(_REDUCTIONS)}. Received: reduction={reduction!r}"
            )
        if not isinstance(name, str):
            raise ValueError(f"`name` must be a string. Received: name={name!r}")
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"name": self.name, "reduction": self.reduction, "dtype": self.dtype})
        return config
