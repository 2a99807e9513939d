"""Tests for the shared argument checks in ``keras_tutorial_kit._validation``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from keras_tutorial_kit._validation import (
    check_non_negative_number,
    check_positive_number,
    get_activation,
    get_initializer,
)


@pytest.mark.parametrize("value", [1, 0.5, np.float32(2.0), np.int64(3), 1e300])
def test_positive_number_accepts_finite_numbers_above_zero(value):
    assert check_positive_number("rate", value) == float(value)
    assert type(check_positive_number("rate", value)) is float


@pytest.mark.parametrize("value", [0, 0.0, -1, math.inf, math.nan, True, "1", None, [1]])
def test_positive_number_rejects_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"`rate` must be a finite number > 0\. Received: rate="):
        check_positive_number("rate", value)


@pytest.mark.parametrize("value", [0, 0.0, 2, np.float64(0.25)])
def test_non_negative_number_accepts_zero_and_above(value):
    assert check_non_negative_number("offset", value) == float(value)


@pytest.mark.parametrize("value", [-1e-9, -math.inf, math.nan, False, "0", None])
def test_non_negative_number_rejects_naming_the_argument(value):
    with pytest.raises(
        ValueError, match=r"`offset` must be a finite number >= 0\. Received: offset="
    ):
        check_non_negative_number("offset", value)


def test_get_initializer_and_activation_return_keras_objects():
    import keras

    assert isinstance(get_initializer("kernel_initializer", "ones"), keras.initializers.Ones)
    assert get_activation("activation", "relu") is keras.activations.relu
    assert get_activation("activation", None) is keras.activations.linear


@pytest.mark.parametrize(
    ("get", "kind"), [(get_initializer, "initializer"), (get_activation, "activation")]
)
@pytest.mark.parametrize("identifier", ["no_such_thing", 3])
def test_get_helpers_name_the_argument_and_value(get, kind, identifier):
    with pytest.raises(ValueError, match=rf"`arg` must be a Keras {kind}\. Received: arg=") as info:
        get("arg", identifier)
    assert repr(identifier) in str(info.value)
