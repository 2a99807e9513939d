"""Inside ``compile``/``fit``/``evaluate`` the kit's loss and metric give the built-ins' history,
on one device and data-parallel over two CPU devices."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk


def _train(loss, metric, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(48, 5)).astype("float32")
    y = rng.normal(size=(48, 2)).astype("float32")
    labels = (x[:, :1] > 0).astype("uint8")  # (N, 1) uint8 labels, the tutorial's failure case
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5,))
    outputs = {
        "value": keras.layers.Dense(2, name="value")(inputs),
        "scores": keras.layers.Dense(2, activation="softmax", name="scores")(inputs),
    }
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss={"value": loss, "scores": "sparse_categorical_crossentropy"},
        metrics={"scores": [metric]},
    )
    weights = rng.uniform(size=(48,)).astype("float32")
    targets = {"value": y, "scores": labels}
    history = model.fit(
        x, targets, sample_weight=weights, batch_size=10, epochs=3, shuffle=False, verbose=0
    )
    evaluation = model.evaluate(x, targets, batch_size=7, verbose=0, return_dict=True)
    return history.history, evaluation


def test_fit_and_evaluate_match_the_built_ins(assert_close):
    ours = _train(ktk.losses.MeanSquaredError(), ktk.metrics.SparseCategoricalAccuracy(name="acc"))
    theirs = _train(
        keras.losses.MeanSquaredError(), keras.metrics.SparseCategoricalAccuracy(name="acc")
    )
    assert ours[0].keys() == theirs[0].keys()
    for key in theirs[0]:
        assert_close(f"fit history '{key}' vs built-ins", ours[0][key], theirs[0][key])
    for key in theirs[1]:
        assert_close(f"evaluate '{key}' vs built-ins", ours[1][key], theirs[1][key])


@pytest.mark.slow
def test_data_parallel_over_two_cpu_devices_matches_the_built_ins(assert_close):
    """``tf.distribute.MirroredStrategy`` (TensorFlow) or ``DataParallel`` (JAX), 2 devices."""
    if keras.backend.backend() == "torch":
        pytest.skip("Keras has no multi-device data-parallel engine for the torch backend")
    script = pathlib.Path(__file__).parent / "distributed" / "fit_histories.py"
    env = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    ours, theirs = result["histories"]["ktk"], result["histories"]["keras"]
    assert ours.keys() == theirs.keys()
    assert any("accuracy" in key for key in ours)
    for key in theirs:
        assert_close(f"2-device fit history '{key}' vs built-ins", ours[key], theirs[key])
