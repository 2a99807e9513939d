"""Prints, as JSON, the training history of a kit model compiled with the kit's loss and
metric, trained on fixed global batches: in one process, or as one of several worker
processes of ``tf.distribute.MultiWorkerMirroredStrategy`` (TensorFlow, ``TF_CONFIG``) or
of ``jax.distributed`` with ``keras.distribution.DataParallel`` (JAX).

Usage (``tests/distributed/test_multi_worker.py`` starts the processes):
``python multi_worker_histories.py single`` or
``python multi_worker_histories.py worker INDEX COORDINATOR_OR_TF_CONFIG``.
"""

from __future__ import annotations

import json
import sys

GLOBAL_BATCH_SIZE = 16
EPOCHS = 3


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    value = rng.normal(size=(64, 2)).astype("float32")
    label = rng.integers(0, 3, size=(64, 1)).astype("int64")
    return x, {"value": value, "scores": label}


def _dataset():
    """The same global batches of 16 in every run (the engines split each across workers)."""
    import tensorflow as tf

    x, targets = _data()
    return tf.data.Dataset.from_tensor_slices((x, targets)).batch(GLOBAL_BATCH_SIZE)


def _compiled_model():
    import keras

    import keras_tutorial_kit as ktk

    keras.utils.set_random_seed(1)
    inputs = keras.Input((6,))
    outputs = {
        "value": ktk.layers.LinearLayer(2, name="value")(inputs),
        "scores": ktk.models.MLP(num_classes=3, hidden_units=(8,), name="scores")(inputs),
    }
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss={"value": ktk.losses.MeanSquaredError(), "scores": "sparse_categorical_crossentropy"},
        metrics={"scores": [ktk.metrics.SparseCategoricalAccuracy(name="accuracy")]},
    )
    return model


def _history(model, dataset) -> dict[str, list[float]]:
    history = model.fit(dataset, epochs=EPOCHS, shuffle=False, verbose=0)
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def _reduce_scalar_logs_across_workers() -> None:
    """Keras 3.15 averages each step's logs over the workers with
    ``strategy.reduce("MEAN", v, axis=0)``, which fails for scalar logs ("Invalid reduction
    dimension 0 for input with 0 dimensions"); average them with ``axis=None``."""
    import keras
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction != "auto":
            return original(values, strategy, reduction)
        return keras.tree.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)

    trainer.reduce_per_replica = reduce_per_replica


def _tensorflow_worker(tf_config: str) -> dict:
    import os

    os.environ["TF_CONFIG"] = tf_config
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    _reduce_scalar_logs_across_workers()
    num_workers = strategy.num_replicas_in_sync
    # DATA: every global batch is split into one slice per worker (FILE would need files).
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = _dataset().with_options(options)
    with strategy.scope():
        model = _compiled_model()
        # Keras 3.15's fit builds the compiled loss and metrics from the first batch,
        # reduced across replicas with strategy.reduce, which fails for a nested batch
        # under MultiWorkerMirroredStrategy ("Attempt to convert a value (PerReplica...").
        # Build them from a local batch instead (only shapes and dtypes are read).
        model._symbolic_build(data_batch=next(iter(_dataset())))
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    history = _history(model, dataset)
    return {"replicas": num_workers, "history": history}


def _jax_worker(index: int, coordinator: str, num_processes: int = 2) -> dict:
    import jax

    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=index
    )
    import keras

    devices = jax.devices()
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    model = _compiled_model()
    history = _history(model, _dataset())
    return {"replicas": len(devices), "history": history}


def main() -> None:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import keras

    backend = keras.backend.backend()
    if sys.argv[1] == "single":
        result = {"replicas": 1, "history": _history(_compiled_model(), _dataset())}
    elif backend == "tensorflow":
        result = _tensorflow_worker(sys.argv[3])
    elif backend == "jax":
        result = _jax_worker(int(sys.argv[2]), sys.argv[3])
    else:
        raise SystemExit(f"no multi-worker engine for backend {backend!r}")
    print(json.dumps({"backend": backend, **result}))


if __name__ == "__main__":
    main()
