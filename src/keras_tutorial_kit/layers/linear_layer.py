"""``LinearLayer``: the tutorial's hand-written fully connected layer."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from keras_tutorial_kit._config import with_arguments
from keras_tutorial_kit._validation import check_bool, check_positive_int, get_initializer


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class LinearLayer(keras.layers.Layer):
    """A fully connected layer without activation: ``inputs @ kernel + bias``.

    This is the custom layer of the tutorial's "Custom layers" section
    (``class LinearLayer(tf.keras.layers.Layer)``), made a full Keras 3 citizen:
    its weights are created in ``build`` from the input's last dimension, it
    accepts inputs of any rank >= 2 (the matrix product acts on the last axis),
    it serializes, and it reloads from a ``.keras`` file. It computes exactly
    what ``keras.layers.Dense(units, activation=None)`` computes with the same
    weights.

    Args:
        units: Positive integer, the size of the last output dimension.
        use_bias: Whether to add a bias vector.
        kernel_initializer: Initializer for the ``(input_dim, units)`` kernel:
            a name, a ``keras.initializers.Initializer`` or a config dict.
        bias_initializer: Initializer for the ``(units,)`` bias.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: A tensor of shape ``(batch, ..., input_dim)``. A Keras mask on
            it (e.g. from ``Embedding(mask_zero=True)``) passes through to the
            outputs unchanged, as with ``Dense``.

    Returns:
        A tensor of shape ``(batch, ..., units)``.

    Raises:
        ValueError: If ``units`` is not a positive integer, ``use_bias`` is not
            a bool, an initializer is unknown, or the input's last dimension is
            not known when the layer is built.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> layer = ktk.layers.LinearLayer(units=2, kernel_initializer="ones")
    >>> y = layer(np.array([[1.0, 2.0, 3.0]], dtype="float32"))
    >>> tuple(y.shape)
    (1, 2)
    >>> keras.ops.convert_to_numpy(y).tolist()
    [[6.0, 6.0]]
    """

    def __init__(
        self,
        units: int,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.use_bias = check_bool("use_bias", use_bias)
        self.kernel_initializer = get_initializer("kernel_initializer", kernel_initializer)
        self.bias_initializer = get_initializer("bias_initializer", bias_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        # Like ``Dense``: a mask on the inputs (e.g. from ``Embedding(mask_zero=True)``)
        # passes through unchanged, since each position is transformed on its own.
        self.supports_masking = True
        self.kernel = None
        self.bias = None

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                "The last dimension of the inputs to `LinearLayer` must be known. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, self.units), initializer=self.kernel_initializer
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.units,), initializer=self.bias_initializer
            )
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        outputs = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return outputs

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        names = ("units", "use_bias", "kernel_initializer", "bias_initializer")
        return with_arguments(super().get_config(), self, names)
