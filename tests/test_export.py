"""Every model exports with ``model.export`` and the artifact, run outside Keras, gives the
model's outputs: a SavedModel reloaded with ``tf.saved_model.load`` in a fresh process, and
an ONNX file run with onnxruntime, each for two batch sizes."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk

BATCH_SIZES = (2, 5)

# name -> (model factory, one batch of inputs for a batch size and a generator)
MODELS = {
    "Linear": (
        lambda: ktk.models.Linear(units=2, kernel_initializer="glorot_uniform"),
        lambda n, rng: rng.normal(size=(n, 3)).astype("float32"),
    ),
    "MLP": (
        lambda: ktk.models.MLP(num_classes=4, hidden_units=(8, 6)),
        lambda n, rng: rng.normal(size=(n, 6)).astype("float32"),
    ),
    "CNN": (
        lambda: ktk.models.CNN(num_classes=3, filters=(2, 3), kernel_size=3, dense_units=8),
        lambda n, rng: rng.normal(size=(n, 12, 10, 1)).astype("float32"),
    ),
    "QNetwork": (
        lambda: ktk.models.QNetwork(num_actions=2, hidden_units=(8,)),
        lambda n, rng: rng.normal(size=(n, 4)).astype("float32"),
    ),
    "CharRNN": (
        lambda: ktk.models.CharRNN(vocab_size=7, units=5),
        lambda n, rng: rng.integers(0, 7, size=(n, 6)).astype("int32"),
    ),
}

# Where Keras cannot export a format on a backend, the reason (also in docs/scaling_out.rst).
SAVED_MODEL_UNSUPPORTED = {
    "torch": (
        "Keras exports a torch model to a SavedModel through torch_xla, which the CPU "
        "torch wheel lacks (and with a dynamic batch size torch.export rejects the "
        "dynamic_shapes Keras passes)"
    ),
}
ONNX_UNSUPPORTED = {}
if importlib.util.find_spec("jax2onnx") is None:
    ONNX_UNSUPPORTED["jax"] = "Keras exports JAX models to ONNX with jax2onnx (not installed)"
# Keras exports these, but onnxruntime cannot run the artifact.
ONNX_BROKEN = {
    ("jax", "CNN"): (
        "jax2onnx writes MaxPooling2D as a MaxPool node whose window onnxruntime rejects "
        "('Unsupported pooling size')"
    ),
}

# Runs in a fresh Python process: no Keras and no kit, only TensorFlow and NumPy. One
# process serves every model (importing TensorFlow is the slow part).
_SERVE_SAVED_MODELS = """
import pathlib
import sys
import numpy as np
import tensorflow as tf

folder = pathlib.Path(sys.argv[1])
inputs = np.load(folder / "inputs.npz")
outputs = {}
for key in inputs.files:
    name, _ = key.split("__")
    serve = tf.saved_model.load(str(folder / name)).signatures["serving_default"]
    (argument, spec), = serve.structured_input_signature[1].items()
    (result,) = serve(**{argument: tf.constant(inputs[key], dtype=spec.dtype)}).values()
    outputs[key] = result.numpy()
np.savez(folder / "outputs.npz", **outputs)
"""


def _model_and_batches(name):
    """Returns the model and ``[(inputs, outputs)]`` for each batch size."""
    factory, make_inputs = MODELS[name]
    keras.utils.set_random_seed(0)
    model = factory()
    rng = np.random.default_rng(0)
    batches = []
    for n in BATCH_SIZES:
        inputs = make_inputs(n, rng)
        batches.append((inputs, keras.ops.convert_to_numpy(model(inputs))))
    return model, batches


@pytest.fixture(scope="module")
def saved_model_results(tmp_path_factory):
    """Exports every model to a SavedModel and serves them all in one fresh process.

    Returns ``{name: [(served, expected)] per batch size}``.
    """
    reason = SAVED_MODEL_UNSUPPORTED.get(keras.backend.backend())
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("saved_models")
    inputs, expected = {}, {}
    for name in MODELS:
        model, batches = _model_and_batches(name)
        model.export(str(folder / name), format="tf_saved_model", verbose=False)
        for i, (x, y) in enumerate(batches):
            inputs[f"{name}__{i}"], expected[f"{name}__{i}"] = x, y
    np.savez(folder / "inputs.npz", **inputs)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("KERAS_BACKEND", None)
    completed = subprocess.run(
        [sys.executable, "-c", _SERVE_SAVED_MODELS, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    served = np.load(folder / "outputs.npz")
    return {
        name: [(served[f"{name}__{i}"], expected[f"{name}__{i}"]) for i in range(len(BATCH_SIZES))]
        for name in MODELS
    }


@pytest.mark.parametrize("name", sorted(MODELS))
def test_tf_saved_model_gives_the_outputs_in_a_fresh_process(
    name, saved_model_results, assert_close
):
    assert [served.shape[0] for served, _ in saved_model_results[name]] == list(BATCH_SIZES)
    for served, expected in saved_model_results[name]:
        assert_close(f"export tf_saved_model {name} ({keras.backend.backend()})", served, expected)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_gives_the_outputs_in_onnxruntime(name, tmp_path, assert_close, request):
    backend = keras.backend.backend()
    if backend in ONNX_UNSUPPORTED:
        pytest.skip(ONNX_UNSUPPORTED[backend])
    if (backend, name) in ONNX_BROKEN:
        request.applymarker(pytest.mark.xfail(strict=True, reason=ONNX_BROKEN[backend, name]))
    onnxruntime = pytest.importorskip("onnxruntime")
    model, batches = _model_and_batches(name)
    artifact = tmp_path / "model.onnx"
    options = {}
    if backend == "torch" and name == "CharRNN":
        # torch traces the LSTM's loop at one length: CharRNN.export asks for it.
        options["input_signature"] = [keras.InputSpec(shape=(None, 6), dtype="int32")]
    model.export(str(artifact), format="onnx", verbose=False, **options)
    session = onnxruntime.InferenceSession(str(artifact), providers=["CPUExecutionProvider"])
    (model_input,) = session.get_inputs()
    for inputs, expected in batches:
        (served,) = session.run(None, {model_input.name: inputs})
        assert_close(f"export onnx {name} ({backend})", served, expected)
