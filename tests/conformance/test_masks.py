"""Conformance point ``masks``: layers and models pass Keras masks on as their twins do.

Each Keras layer or model is called on a masked input (``Embedding(mask_zero=True)`` or
``Masking``) next to its built-in twin (the ``keras.layers``/``keras.Sequential``
equivalent); the output carries a mask exactly when the twin's does, and then the same
mask.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk

CONTRACT_POINT = "masks"
# Keras warns when a layer that does not support masking drops a mask: that is the point.
pytestmark = pytest.mark.filterwarnings("ignore:Layer .* does not support masking")
NOT_APPLICABLE = {
    "data.CharCorpus": "not a layer",
    "data.MNISTLoader": "not a layer",
    "data.load_flowers": "not a layer",
    "losses.MeanSquaredError": "losses take masks through sample weights (tests/losses)",
    "losses.mean_squared_error": "a function",
    "metrics.SparseCategoricalAccuracy": "not a layer",
    "rl.DQNAgent": "not a layer",
    "rl.LinearSchedule": "not a layer",
    "rl.PrioritizedReplayBuffer": "not a layer",
    "rl.ReplayBuffer": "not a layer",
    "rl.StopWhenSolved": "not a layer",
    "rl.evaluate_policy": "not a layer",
    "samplers.TemperatureSampler": "not a layer",
    "samplers.sample_logits": "not a layer",
}
L = keras.layers
IDS = np.array([[1, 2, 0, 0], [3, 4, 5, 0]], dtype="int32")
# key -> (the kit's layer, its built-in twin, how the masked input is made)
TWINS = {
    "layers.LinearLayer": (lambda: ktk.layers.LinearLayer(3), lambda: L.Dense(3), "sequence"),
    "models.Linear": (
        lambda: ktk.models.Linear(3),
        lambda: keras.Sequential([L.Dense(3)]),
        "sequence",
    ),
    "models.MLP": (
        lambda: ktk.models.MLP(3, hidden_units=(4,)),
        lambda: keras.Sequential([L.Flatten(), L.Dense(4, "relu"), L.Dense(3, "softmax")]),
        "sequence",
    ),
    "models.QNetwork": (
        lambda: ktk.models.QNetwork(3, (4,)),
        lambda: keras.Sequential([L.Flatten(), L.Dense(4, "relu"), L.Dense(3)]),
        "sequence",
    ),
    "models.CNN": (
        lambda: ktk.models.CNN(3, filters=(2, 2), kernel_size=1, dense_units=4),
        lambda: keras.Sequential(
            [
                L.Conv2D(2, 1, padding="same", activation="relu"),
                L.MaxPooling2D(),
                L.Conv2D(2, 1, padding="same", activation="relu"),
                L.MaxPooling2D(),
                L.Flatten(),
                L.Dense(4, "relu"),
                L.Dense(3, "softmax"),
            ]
        ),
        "image",
    ),
    "models.CharRNN": (
        lambda: ktk.models.CharRNN(6, units=4),
        # The kit one-hot encodes the ids; an Embedding without mask_zero is the twin.
        lambda: keras.Sequential([L.Embedding(6, 6), L.LSTM(4), L.Dense(6, "softmax")]),
        "ids",
    ),
}


def _masked_input(kind):
    if kind == "sequence":
        return L.Embedding(6, 5, mask_zero=True)(IDS)
    if kind == "image":  # a mask over the rows of a (batch, rows, columns, 1) image
        images = np.random.default_rng(0).uniform(size=(2, 4, 4, 1)).astype("float32")
        images[:, 2:] = 0.0
        return L.Masking(0.0)(images)
    return IDS  # integer ids: no mask to pass on, the twin's input has none either


def _mask(outputs):
    mask = getattr(outputs, "_keras_mask", None)
    return None if mask is None else keras.ops.convert_to_numpy(mask)


def test_every_public_name_has_a_case(public_names):
    covered = set(TWINS) | set(NOT_APPLICABLE)
    assert covered == public_names, sorted(covered ^ public_names)


@pytest.mark.parametrize("key", sorted(TWINS))
def test_propagates_masks_like_the_builtin_twin(key):
    make, make_twin, kind = TWINS[key]
    twin_input = _masked_input(kind)
    kit_input = _masked_input(kind)
    twin_mask = _mask(make_twin()(twin_input))
    kit_mask = _mask(make()(kit_input))
    assert (kit_mask is None) == (twin_mask is None), f"kit: {kit_mask}, twin: {twin_mask}"
    if twin_mask is not None:
        np.testing.assert_array_equal(kit_mask, twin_mask)
