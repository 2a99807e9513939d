"""Tests for ``keras_tutorial_kit._config.with_arguments``, the shared ``get_config`` helper."""

from __future__ import annotations

import types

import keras
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit._config import with_arguments


def test_serializes_each_kind_of_argument_as_keras_does():
    obj = types.SimpleNamespace(
        units=3,
        use_bias=False,
        name_or_none=None,
        hidden_units=(4, 5),
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=2),
        activation=keras.activations.get("tanh"),
    )
    names = tuple(vars(obj))
    config = with_arguments({"name": "base"}, obj, names)
    assert config == {
        "name": "base",
        "units": 3,
        "use_bias": False,
        "name_or_none": None,
        "hidden_units": [4, 5],
        "kernel_initializer": keras.initializers.serialize(obj.kernel_initializer),
        "activation": "tanh",
    }
    assert list(config) == ["name", *names]


def test_keeps_the_position_of_a_key_already_in_the_config():
    obj = types.SimpleNamespace(units=7)
    config = with_arguments({"units": 1, "name": "n"}, obj, ("units",))
    assert list(config.items()) == [("units", 7), ("name", "n")]


def test_matches_keras_dense_config_entries():
    dense = keras.layers.Dense(3, activation="relu", kernel_initializer="ones")
    names = ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer")
    config = with_arguments({}, dense, names)
    assert config == {name: dense.get_config()[name] for name in names}


def test_rejects_a_name_that_is_not_an_attribute():
    with pytest.raises(AttributeError, match="no_such_argument"):
        with_arguments({}, ktk.layers.LinearLayer(2), ("no_such_argument",))
