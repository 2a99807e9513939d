"""Prints, as JSON, the training histories of one model compiled with the kit's loss and
metric and of its twin compiled with the Keras built-ins, trained data-parallel over two
CPU devices: ``tf.distribute.MirroredStrategy`` on TensorFlow, ``DataParallel`` on JAX.

Run in a fresh process (the devices must be configured before the backend starts):
``KERAS_BACKEND=tensorflow python tests/distributed/fit_histories.py``.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

import keras_tutorial_kit as ktk


def _histories(scope) -> dict[str, dict[str, list[float]]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y_class = rng.integers(0, 3, size=(64, 1)).astype("int64")
    y_value = rng.normal(size=(64, 3)).astype("float32")
    histories = {}
    for kind, loss, metric in (
        ("ktk", ktk.losses.MeanSquaredError, ktk.metrics.SparseCategoricalAccuracy),
        ("keras", keras.losses.MeanSquaredError, keras.metrics.SparseCategoricalAccuracy),
    ):
        with scope():
            keras.utils.set_random_seed(1)
            inputs = keras.Input((6,))
            hidden = keras.layers.Dense(8, activation="relu")(inputs)
            outputs = {
                "value": keras.layers.Dense(3, name="value")(hidden),
                "scores": keras.layers.Dense(3, name="scores")(hidden),
            }
            model = keras.Model(inputs, outputs)
            model.compile(
                optimizer=keras.optimizers.SGD(0.05),
                loss={"value": loss(), "scores": "sparse_categorical_crossentropy"},
                metrics={"scores": [metric(name="accuracy")]},
            )
        history = model.fit(
            x,
            {"value": y_value, "scores": y_class},
            batch_size=16,
            epochs=3,
            shuffle=False,
            validation_data=(x, {"value": y_value, "scores": y_class}),
            verbose=0,
        )
        histories[kind] = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    return histories


def main() -> None:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        replicas = strategy.num_replicas_in_sync
        scope = strategy.scope
    elif backend == "jax":
        import contextlib

        devices = keras.distribution.list_devices("cpu")
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        replicas = len(devices)
        scope = contextlib.nullcontext
    else:
        raise SystemExit(f"unsupported backend {backend}")
    print(json.dumps({"backend": backend, "replicas": replicas, "histories": _histories(scope)}))


if __name__ == "__main__":
    main()
