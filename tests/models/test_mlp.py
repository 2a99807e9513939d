"""``MLP`` equals its ``keras.Sequential`` twin with the same weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk


def _twin(input_shape, num_classes, hidden_units, activation, output_activation):
    layers = [keras.Input(input_shape), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation=activation) for units in hidden_units]
    layers.append(keras.layers.Dense(num_classes, activation=output_activation))
    return keras.Sequential(layers)


@given(
    input_shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    num_classes=st.integers(2, 6),
    hidden_units=st.lists(st.integers(1, 8), max_size=3).map(tuple),
    activation=st.sampled_from(["relu", "tanh", "gelu"]),
    output_activation=st.sampled_from(["softmax", None, "sigmoid"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_matches_sequential_twin(
    assert_close, input_shape, num_classes, hidden_units, activation, output_activation, seed
):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, *input_shape)).astype("float32")
    model = ktk.models.MLP(num_classes, hidden_units, activation, output_activation)
    model(x)
    twin = _twin(input_shape, num_classes, hidden_units, activation, output_activation)
    twin.set_weights([rng.normal(size=w.shape).astype("float32") for w in twin.weights])
    model.set_weights(twin.get_weights())
    assert_close("MLP vs keras.Sequential twin", model(x), twin(x))


def test_default_is_the_tutorial_model():
    model = ktk.models.MLP()
    probabilities = keras.ops.convert_to_numpy(model(np.ones((2, 28, 28, 1), dtype="float32")))
    assert [tuple(w.shape) for w in model.weights] == [(784, 100), (100,), (100, 10), (10,)]
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"num_classes": 0}, "num_classes"),
        ({"hidden_units": (10, 0)}, "hidden_units"),
        ({"hidden_units": "100"}, "hidden_units"),
        ({"activation": "no_such_activation"}, "activation"),
        ({"output_activation": "no_such_activation"}, "output_activation"),
    ],
)
def test_rejects_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=rf"Received: {argument}="):
        ktk.models.MLP(**kwargs)


def test_rejects_unknown_feature_dimensions():
    with pytest.raises(ValueError, match="input_shape"):
        ktk.models.MLP().build((None, None, 3))
