"""``LinearLayer`` equals ``keras.layers.Dense(activation=None)`` with the same weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk


@st.composite
def dense_problems(draw):
    """An input of rank 2-4, a unit count, a bias flag and a seed for the weights."""
    rank = draw(st.integers(2, 4))
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))
    units = draw(st.integers(1, 9))
    use_bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    return shape, units, use_bias, seed


@given(dense_problems())
def test_matches_keras_dense(assert_close, problem):
    shape, units, use_bias, seed = problem
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=shape).astype("float32")
    layer = ktk.layers.LinearLayer(units, use_bias=use_bias)
    dense = keras.layers.Dense(units, activation=None, use_bias=use_bias)
    layer.build(x.shape)
    dense.build(x.shape)
    weights = [rng.normal(size=w.shape).astype("float32") for w in dense.weights]
    dense.set_weights(weights)
    layer.set_weights(weights)
    assert_close("LinearLayer vs keras.layers.Dense", layer(x), dense(x))


def _masked_mean_model(projection: keras.layers.Layer) -> keras.Model:
    """Embedding(mask_zero=True) -> projection -> a mean over the unmasked time steps."""
    ids = keras.Input(shape=(5,), dtype="int32")
    embedded = keras.layers.Embedding(7, 4, mask_zero=True, name="embedding")(ids)
    projected = projection(embedded)
    return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(projected))


def test_propagates_masks_like_keras_dense():
    """Padding ids (0) are left out of the masked mean, as they are after ``Dense``."""
    ids = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0], [6, 0, 0, 0, 0]], dtype="int32")
    dense_model = _masked_mean_model(keras.layers.Dense(3, name="projection"))
    kit_model = _masked_mean_model(ktk.layers.LinearLayer(3, name="projection"))
    kit_model.set_weights(dense_model.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(kit_model(ids)),
        keras.ops.convert_to_numpy(dense_model(ids)),
        rtol=1e-6,
    )
    layer = kit_model.get_layer("projection")
    mask = np.array([[True, False]])
    assert layer.supports_masking
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer.compute_mask(np.ones((1, 2, 4), "float32"), mask)), mask
    )


def test_kernel_and_bias_shapes_follow_the_input():
    layer = ktk.layers.LinearLayer(4)
    layer.build((None, 7, 3))
    assert tuple(layer.kernel.shape) == (3, 4)
    assert tuple(layer.bias.shape) == (4,)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "bias"]


def test_without_bias_has_only_a_kernel():
    layer = ktk.layers.LinearLayer(2, use_bias=False)
    layer.build((None, 3))
    assert layer.bias is None
    assert len(layer.trainable_weights) == 1


def test_initializers_are_used_and_serialized():
    layer = ktk.layers.LinearLayer(2, kernel_initializer="ones", bias_initializer="ones")
    y = layer(np.ones((1, 3), dtype="float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(y), [[4.0, 4.0]])
    clone = ktk.layers.LinearLayer.from_config(layer.get_config())
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone(np.ones((1, 3)))), [[4.0, 4.0]])


def test_trains_in_a_custom_loop_like_the_tutorial():
    """One SGD step on a mean squared error moves the weights against the gradient."""
    layer = ktk.layers.LinearLayer(1, kernel_initializer="zeros")
    x = np.array([[1.0, 2.0]], dtype="float32")
    layer.build(x.shape)
    model = keras.Sequential([keras.Input((2,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.train_on_batch(x, np.array([[1.0]], dtype="float32"))
    # d/dw (w.x + b - 1)^2 at w = 0, b = 0 is -2 x; one step of 0.5 gives w = x, b = 1.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.kernel).ravel(), [1.0, 2.0])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.bias), [1.0])


def test_rejects_an_unknown_last_dimension():
    layer = ktk.layers.LinearLayer(2)
    with pytest.raises(ValueError, match="input_shape"):
        layer.build((None, None))


def test_rejects_rank_one_inputs():
    layer = ktk.layers.LinearLayer(2)
    with pytest.raises(ValueError):
        layer(np.ones((3,), dtype="float32"))


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", None, True])
def test_rejects_invalid_units(units):
    with pytest.raises(ValueError, match=r"`units`.*Received: units="):
        ktk.layers.LinearLayer(units)


@pytest.mark.parametrize("use_bias", [1, "yes", None])
def test_rejects_non_bool_use_bias(use_bias):
    with pytest.raises(ValueError, match=r"Received: use_bias="):
        ktk.layers.LinearLayer(2, use_bias=use_bias)


@pytest.mark.parametrize("argument", ["kernel_initializer", "bias_initializer"])
def test_rejects_unknown_initializers(argument):
    with pytest.raises(ValueError, match=rf"Received: {argument}="):
        ktk.layers.LinearLayer(2, **{argument: "no_such_initializer"})
