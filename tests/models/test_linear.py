"""``Linear`` reproduces the tutorial's published numbers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk


def test_reproduces_the_tutorial_model_class_example():
    """tf.wiki "Model and layer": 100 SGD(0.01) steps on two samples."""
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float32")
    y = np.array([[10.0], [20.0]], dtype="float32")
    model = ktk.models.Linear()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=ktk.losses.MeanSquaredError()
    )
    model.fit(x, y, batch_size=2, epochs=100, shuffle=False, verbose=0)
    kernel = keras.ops.convert_to_numpy(model.linear.kernel).ravel()
    bias = keras.ops.convert_to_numpy(model.linear.bias)
    np.testing.assert_allclose(kernel, [0.4078, 1.1911, 1.9743], atol=5e-5)
    np.testing.assert_allclose(bias, [0.7832], atol=5e-5)


def test_starts_from_zeros_like_the_tutorial():
    model = ktk.models.Linear(units=2)
    out = model(np.ones((3, 4), dtype="float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), np.zeros((3, 2)))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"units": 0}, "units"),
        ({"kernel_initializer": "nope"}, "kernel_initializer"),
        ({"bias_initializer": 3}, "bias_initializer"),
    ],
)
def test_rejects_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=rf"Received: {argument}="):
        ktk.models.Linear(**kwargs)
