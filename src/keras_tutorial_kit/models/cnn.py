"""``CNN``: the tutorial's convolutional network for MNIST, for any image size."""

from __future__ import annotations

import math
from typing import Any

import keras

from keras_tutorial_kit._config import with_arguments
from keras_tutorial_kit._validation import (
    check_positive_int,
    check_positive_int_sequence,
    get_activation,
)


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class CNN(keras.Model):
    """Convolution and max-pooling blocks, then two ``Dense`` layers: the tutorial's MNIST CNN.

    The model of the tutorial's "Convolutional neural network" section:
    ``Conv2D(32, 5, "same", relu)``, ``MaxPool2D(2)``, ``Conv2D(64, 5, "same",
    relu)``, ``MaxPool2D(2)``, ``Flatten``, ``Dense(1024, relu)``,
    ``Dense(10)``, softmax. The tutorial reshapes to ``7 * 7 * 64`` and so only
    accepts 28x28 images; this model flattens whatever the pooling leaves, so
    any height, width and channel count works (each pooling halves the size,
    rounding down, so images must be at least ``2 ** len(filters)`` pixels on
    each side). It equals the ``keras.Sequential`` stack of the same layers
    with the same weights.

    Args:
        num_classes: Positive integer, the number of outputs.
        filters: Filters of each convolution block; one block per entry.
        kernel_size: Side of the square convolution kernels.
        dense_units: Units of the hidden ``Dense`` layer.
        output_activation: ``"softmax"`` (the tutorial's) for probabilities,
            ``None`` for logits.
        **kwargs: Base model arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: A float tensor of shape ``(batch, height, width, channels)``.

    Returns:
        A tensor of shape ``(batch, num_classes)``.

    Raises:
        ValueError: If an argument is not a positive integer (or sequence of
            them), ``output_activation`` is unknown, or the input is not 4-D or
            is too small for the pooling blocks.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> model = ktk.models.CNN(num_classes=10, dense_units=64)
    >>> probabilities = model(np.zeros((2, 8, 8, 1), dtype="float32"))
    >>> tuple(probabilities.shape)
    (2, 10)
    """

    def __init__(
        self,
        num_classes: int = 10,
        filters: tuple[int, ...] = (32, 64),
        kernel_size: int = 5,
        dense_units: int = 1024,
        output_activation: Any = "softmax",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.filters = check_positive_int_sequence("filters", filters, allow_empty=False)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.dense_units = check_positive_int("dense_units", dense_units)
        self.output_activation = get_activation("output_activation", output_activation)
        policy = self.dtype_policy
        self.conv_layers = [
            keras.layers.Conv2D(
                n,
                self.kernel_size,
                padding="same",
                activation="relu",
                dtype=policy,
                name=f"conv_{i}",
            )
            for i, n in enumerate(self.filters)
        ]
        self.pool_layers = [
            keras.layers.MaxPooling2D(pool_size=2, strides=2, dtype=policy, name=f"pool_{i}")
            for i in range(len(self.filters))
        ]
        self.flatten = keras.layers.Flatten(dtype=policy, name="flatten")
        self.dense = keras.layers.Dense(
            self.dense_units, activation="relu", dtype=policy, name="dense"
        )
        self.output_layer = keras.layers.Dense(
            self.num_classes, activation=self.output_activation, dtype=policy, name="output"
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_shape = tuple(input_shape)
        min_side = 2 ** len(self.filters)
        if (
            len(input_shape) != 4
            or any(dim is None for dim in input_shape[1:])
            or min(input_shape[1:3]) < min_side
        ):
            raise ValueError(
                "`CNN` needs inputs of shape (batch, height, width, channels) with known "
                f"height, width and channels, and height and width >= {min_side}. "
                f"Received: input_shape={input_shape}"
            )
        shape = input_shape
        for conv, pool in zip(self.conv_layers, self.pool_layers, strict=True):
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
            pool.build(shape)
            shape = pool.compute_output_shape(shape)
        self.flatten.build(shape)
        shape = (shape[0], math.prod(shape[1:]))
        self.dense.build(shape)
        self.output_layer.build(self.dense.compute_output_shape(shape))

    def call(self, inputs):
        x = inputs
        for conv, pool in zip(self.conv_layers, self.pool_layers, strict=True):
            x = pool(conv(x))
        return self.output_layer(self.dense(self.flatten(x)))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], self.num_classes)

    def get_config(self) -> dict[str, Any]:
        names = ("num_classes", "filters", "kernel_size", "dense_units", "output_activation")
        return with_arguments(super().get_config(), self, names)
