"""``CNN`` equals its ``keras.Sequential`` twin with the same weights, for any image size."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk


def _twin(input_shape, num_classes, filters, kernel_size, dense_units, output_activation):
    layers = [keras.Input(input_shape)]
    for n in filters:
        layers.append(keras.layers.Conv2D(n, kernel_size, padding="same", activation="relu"))
        layers.append(keras.layers.MaxPooling2D(pool_size=2, strides=2))
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(dense_units, activation="relu"),
        keras.layers.Dense(num_classes, activation=output_activation),
    ]
    return keras.Sequential(layers)


@st.composite
def cnn_problems(draw):
    filters = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=2)))
    side = 2 ** len(filters)
    height = draw(st.integers(side, side + 7))
    width = draw(st.integers(side, side + 7))
    channels = draw(st.integers(1, 3))
    return (
        (height, width, channels),
        draw(st.integers(2, 5)),
        filters,
        draw(st.sampled_from([1, 3, 5])),
        draw(st.integers(1, 12)),
        draw(st.sampled_from(["softmax", None])),
        draw(st.integers(0, 2**31 - 1)),
    )


@given(cnn_problems())
def test_matches_sequential_twin(assert_close, problem):
    input_shape, num_classes, filters, kernel_size, dense_units, output_activation, seed = problem
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(2, *input_shape)).astype("float32")
    model = ktk.models.CNN(num_classes, filters, kernel_size, dense_units, output_activation)
    model(x)
    twin = _twin(input_shape, num_classes, filters, kernel_size, dense_units, output_activation)
    twin.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in twin.weights])
    model.set_weights(twin.get_weights())
    assert_close("CNN vs keras.Sequential twin", model(x), twin(x), rtol=1e-6)


def test_default_is_the_tutorial_model_on_mnist_shapes():
    model = ktk.models.CNN()
    model(np.zeros((1, 28, 28, 1), dtype="float32"))
    shapes = [tuple(w.shape) for w in model.weights]
    assert shapes == [
        (5, 5, 1, 32),
        (32,),
        (5, 5, 32, 64),
        (64,),
        (7 * 7 * 64, 1024),
        (1024,),
        (1024, 10),
        (10,),
    ]


@pytest.mark.parametrize("shape", [(2, 3, 3, 1), (2, 8, 3, 1), (2, 8, 8), (2, None, 8, 1)])
def test_rejects_images_too_small_or_not_4d(shape):
    with pytest.raises(ValueError, match=r"Received: input_shape="):
        ktk.models.CNN().build(shape)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"num_classes": -1}, "num_classes"),
        ({"filters": ()}, "filters"),
        ({"filters": (32, 0)}, "filters"),
        ({"kernel_size": 0}, "kernel_size"),
        ({"dense_units": 1.5}, "dense_units"),
        ({"output_activation": "nope"}, "output_activation"),
    ],
)
def test_rejects_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=rf"Received: {argument}="):
        ktk.models.CNN(**kwargs)
