"""``Linear``: the tutorial's linear regression model."""

from __future__ import annotations

from typing import Any

import keras

from keras_tutorial_kit._config import with_arguments
from keras_tutorial_kit.layers import LinearLayer


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class Linear(keras.Model):
    """Linear regression ``y = x @ kernel + bias``, built on :class:`~keras_tutorial_kit.layers.LinearLayer`.

    The model of the tutorial's "Model and layer" section (``class
    Linear(tf.keras.Model)`` wrapping one ``Dense`` layer with zero
    initializers). Its single layer is available as ``model.linear``.

    Args:
        units: Positive integer, the number of outputs.
        kernel_initializer: Initializer for the kernel; zeros by default, as in
            the tutorial.
        bias_initializer: Initializer for the bias; zeros by default.
        **kwargs: Base model arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: A float tensor of shape ``(batch, ..., features)``.

    Returns:
        A tensor of shape ``(batch, ..., units)``.

    Raises:
        ValueError: If ``units`` is not a positive integer or an initializer
            is unknown.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float32")
    >>> y = np.array([[10.0], [20.0]], dtype="float32")
    >>> model = ktk.models.Linear()
    >>> model.compile(optimizer=keras.optimizers.SGD(0.01), loss=ktk.losses.MeanSquaredError())
    >>> history = model.fit(x, y, epochs=100, batch_size=2, verbose=0)
    >>> [round(float(v), 3) for v in model.linear.kernel.numpy().ravel()]
    [0.408, 1.191, 1.974]
    """

    def __init__(
        self,
        units: int = 1,
        kernel_initializer: Any = "zeros",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # The layer checks the arguments (its errors name them as this model does).
        self.linear = LinearLayer(
            units,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            dtype=self.dtype_policy,
            name="linear",
        )
        self.units = self.linear.units
        self.kernel_initializer = self.linear.kernel_initializer
        self.bias_initializer = self.linear.bias_initializer

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.linear.build(input_shape)

    def call(self, inputs):
        return self.linear(inputs)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return self.linear.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        names = ("units", "kernel_initializer", "bias_initializer")
        return with_arguments(super().get_config(), self, names)
