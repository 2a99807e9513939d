"""``MLP``: the tutorial's multilayer perceptron for MNIST."""

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
class MLP(keras.Model):
    """Flatten, then a stack of ``Dense`` layers: the tutorial's MNIST MLP.

    The model of the tutorial's "Multilayer perceptron" section: ``Flatten``,
    ``Dense(100, activation="relu")``, ``Dense(10)``, softmax. The hidden sizes,
    the activation and the output activation are arguments; any input shape
    ``(batch, d1, d2, ...)`` is flattened to ``(batch, d1 * d2 * ...)``. It
    equals the ``keras.Sequential`` stack ``[Flatten(), Dense(h, activation)
    ..., Dense(num_classes, output_activation)]`` with the same weights.

    Args:
        num_classes: Positive integer, the number of outputs.
        hidden_units: Sizes of the hidden ``Dense`` layers (may be empty).
        activation: Activation of the hidden layers.
        output_activation: Activation of the output layer: ``"softmax"`` (the
            tutorial's) for probabilities, ``None`` for logits.
        **kwargs: Base model arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: A float tensor of shape ``(batch, ...)`` with known non-batch
            dimensions.

    Returns:
        A tensor of shape ``(batch, num_classes)``.

    Raises:
        ValueError: If ``num_classes`` or an entry of ``hidden_units`` is not a
            positive integer, or an activation is unknown.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> model = ktk.models.MLP(num_classes=10, hidden_units=(100,))
    >>> probabilities = model(np.zeros((4, 28, 28, 1), dtype="float32"))
    >>> tuple(probabilities.shape)
    (4, 10)
    >>> keras.ops.convert_to_numpy(keras.ops.sum(probabilities, axis=-1)).round(4).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(
        self,
        num_classes: int = 10,
        hidden_units: tuple[int, ...] = (100,),
        activation: Any = "relu",
        output_activation: Any = "softmax",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.hidden_units = check_positive_int_sequence("hidden_units", hidden_units)
        self.activation = get_activation("activation", activation)
        self.output_activation = get_activation("output_activation", output_activation)
        policy = self.dtype_policy
        self.flatten = keras.layers.Flatten(dtype=policy, name="flatten")
        self.hidden_layers = [
            keras.layers.Dense(units, activation=self.activation, dtype=policy, name=f"dense_{i}")
            for i, units in enumerate(self.hidden_units)
        ]
        self.output_layer = keras.layers.Dense(
            self.num_classes, activation=self.output_activation, dtype=policy, name="output"
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = input_shape[1:]
        if any(dim is None for dim in features):
            raise ValueError(
                "`MLP` needs inputs whose non-batch dimensions are known. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        shape = (input_shape[0], math.prod(features))
        self.flatten.build(input_shape)
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.output_layer.build(shape)

    def call(self, inputs):
        x = self.flatten(inputs)
        for layer in self.hidden_layers:
            x = layer(x)
        return self.output_layer(x)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], self.num_classes)

    def get_config(self) -> dict[str, Any]:
        names = ("num_classes", "hidden_units", "activation", "output_activation")
        return with_arguments(super().get_config(), self, names)
