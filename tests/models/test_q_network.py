"""Tests of ``ktk.models.QNetwork``: equals a Sequential stack; ``act`` equals argmax of the model."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import keras_tutorial_kit as ktk


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_matches_a_sequential_stack_with_the_same_weights():
    model = ktk.models.QNetwork(3, hidden_units=(8, 5), activation="tanh")
    x = np.random.default_rng(0).normal(size=(6, 2, 2)).astype("float32")
    model(x)
    reference = keras.Sequential(
        [
            keras.Input((2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(5, activation="tanh"),
            keras.layers.Dense(3),
        ]
    )
    reference.set_weights(model.get_weights())
    np.testing.assert_allclose(_numpy(model(x)), _numpy(reference(x)), rtol=1e-6, atol=1e-6)


def test_predict_keeps_its_meaning():
    # ``predict`` still returns Q-values (not actions), batch by batch like any model.
    model = ktk.models.QNetwork(2)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    predicted = model.predict(x, verbose=0)
    assert predicted.shape == (5, 2)
    np.testing.assert_allclose(predicted, _numpy(model(x)), rtol=1e-5, atol=1e-6)


@settings(max_examples=6)
@given(
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "elu", "softplus", "silu", "gelu"]),
    hidden=st.lists(st.integers(1, 16), min_size=0, max_size=2),
    batch=st.integers(1, 9),
    seed=st.integers(0, 1000),
)
def test_act_is_the_argmax_of_the_model(activation, hidden, batch, seed):
    keras.utils.clear_session(free_memory=False)  # no gc.collect (~0.3 s an example)
    model = ktk.models.QNetwork(4, hidden_units=tuple(hidden), activation=activation)
    x = np.random.default_rng(seed).normal(size=(batch, 3)).astype("float32")
    q_values = _numpy(model(x))
    actions = model.act(x)
    assert actions.dtype == np.int64 and actions.shape == (batch,)
    # Ties or near-ties may resolve either way between NumPy and the backend.
    chosen = q_values[np.arange(batch), actions]
    np.testing.assert_allclose(chosen, q_values.max(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        model.numpy_q_values(x, model.numpy_weights()), q_values, rtol=1e-5, atol=1e-5
    )


def test_act_sees_weight_changes():
    model = ktk.models.QNetwork(2, hidden_units=())
    x = np.ones((1, 2), np.float32)
    model.build((None, 2))
    model.output_layer.kernel.assign(np.array([[1.0, 0.0], [1.0, 0.0]], np.float32))
    assert model.act(x).tolist() == [0]
    model.output_layer.kernel.assign(np.array([[0.0, 1.0], [0.0, 1.0]], np.float32))
    assert model.act(x).tolist() == [1]


def test_act_on_one_observation_returns_a_scalar():
    model = ktk.models.QNetwork(3)
    model.build((None, 4))
    action = model.act(np.zeros(4, np.float32))
    assert np.ndim(action) == 0 and 0 <= int(action) < 3


def test_epsilon_one_is_uniform_and_seeded():
    # Chi-square test of 6000 actions against uniform over 3 actions; fails with
    # probability 1e-4 for a random seed.
    model = ktk.models.QNetwork(3)
    x = np.zeros((6000, 4), np.float32)
    actions = model.act(x, epsilon=1.0, seed=5)
    assert stats.chisquare(np.bincount(actions, minlength=3)).pvalue > 1e-4
    np.testing.assert_array_equal(actions, model.act(x, epsilon=1.0, seed=5))
    greedy = model.act(x)
    assert len(set(greedy.tolist())) == 1  # identical rows, one greedy action


def test_epsilon_explores_at_the_given_rate():
    # With epsilon=0.3 and 2 actions, a row differs from greedy with probability 0.15.
    model = ktk.models.QNetwork(2)
    x = np.zeros((20000, 4), np.float32)
    greedy = model.act(x)
    changed = int(np.sum(model.act(x, epsilon=0.3, seed=np.random.default_rng(2)) != greedy))
    assert stats.binomtest(changed, len(x), 0.15).pvalue > 1e-4


def test_saves_and_reloads(tmp_path):
    model = ktk.models.QNetwork(2, hidden_units=(7,))
    x = np.random.default_rng(3).normal(size=(3, 4)).astype("float32")
    expected = _numpy(model(x))
    model.save(tmp_path / "q.keras")
    reloaded = keras.models.load_model(tmp_path / "q.keras", safe_mode=True)
    np.testing.assert_array_equal(_numpy(reloaded(x)), expected)
    np.testing.assert_array_equal(reloaded.act(x), model.act(x))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"num_actions": 0}, "num_actions"),
        ({"num_actions": 2, "hidden_units": (4, 0)}, "hidden_units"),
        ({"num_actions": 2, "activation": "nope"}, "activation"),
        ({"num_actions": 2, "kernel_initializer": "nope"}, "kernel_initializer"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ktk.models.QNetwork(**kwargs)


@pytest.mark.parametrize("epsilon", [-0.1, 1.1, "0.5"])
def test_act_rejects_bad_epsilon(epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        ktk.models.QNetwork(2).act(np.zeros((1, 4)), epsilon=epsilon)


def test_act_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        ktk.models.QNetwork(2).act(np.zeros((1, 4)), epsilon=0.5, seed=-2)


def test_rejects_unknown_observation_dimensions():
    with pytest.raises(ValueError, match="input_shape"):
        ktk.models.QNetwork(2).build((None, None))


def test_is_an_mlp_with_a_linear_head():
    model = ktk.models.QNetwork(3, hidden_units=(5,), activation="tanh")
    assert isinstance(model, ktk.models.MLP)
    assert model.num_actions == model.num_classes == 3
    assert model.output_activation is keras.activations.linear
    config = model.get_config()
    assert "num_classes" not in config and "output_activation" not in config
    assert ktk.models.QNetwork.from_config(config).get_config() == config


def test_initializers_reach_every_dense_layer():
    model = ktk.models.QNetwork(2, (3,), kernel_initializer="ones", bias_initializer="ones")
    model.build((None, 4))
    for kernel, bias in model.numpy_weights():
        np.testing.assert_array_equal(kernel, np.ones_like(kernel))
        np.testing.assert_array_equal(bias, np.ones_like(bias))


def test_act_takes_a_weight_snapshot():
    model = ktk.models.QNetwork(2, hidden_units=())
    model.build((None, 2))
    x = np.ones((1, 2), np.float32)
    model.output_layer.kernel.assign(np.array([[1.0, 0.0], [1.0, 0.0]], np.float32))
    snapshot = model.numpy_weights()
    model.output_layer.kernel.assign(np.array([[0.0, 1.0], [0.0, 1.0]], np.float32))
    assert model.act(x, weight_snapshot=snapshot).tolist() == [0]
    assert model.act(x).tolist() == [1]


def test_weights_is_a_deprecated_name_of_weight_snapshot():
    model = ktk.models.QNetwork(2, hidden_units=(3,))
    model.build((None, 2))
    x = np.ones((4, 2), np.float32)
    with pytest.warns(FutureWarning, match="0.4.0"):
        actions = model.act(x, weights=model.numpy_weights())
    np.testing.assert_array_equal(actions, model.act(x))


def test_act_takes_backend_tensors():
    model = ktk.models.QNetwork(3, hidden_units=(4,))
    x = np.random.default_rng(4).normal(size=(5, 2)).astype("float32")
    tensor = keras.ops.convert_to_tensor(x)
    np.testing.assert_array_equal(model.act(tensor), model.act(x))
    np.testing.assert_array_equal(model.act(tensor), _numpy(model(x)).argmax(-1))
