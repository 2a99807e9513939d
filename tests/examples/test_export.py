"""Tests for ``ktk.examples.export``: ONNX and SavedModel artifacts, checked outside Keras."""

from __future__ import annotations

import sys

import keras
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples import export

BACKEND = keras.backend.backend()
#: Why ``model.export`` cannot write a format on a backend (Keras 3.15 here).
UNSUPPORTED = {
    ("jax", "onnx"): (
        "jax2onnx writes the CNN's MaxPooling2D as a MaxPool node whose window onnxruntime "
        "rejects ('Unsupported pooling size')"
    ),
    ("torch", "saved_model"): "export_model refuses it: Keras needs torch_xla for it on torch",
}


def _saved(model, input_shape, path):
    model.build(input_shape)
    model.save(path)
    return path


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    keras.utils.set_random_seed(0)
    return {
        "cnn": _saved(
            ktk.models.CNN(filters=(4, 8), dense_units=16), (None, 8, 8, 1), folder / "cnn.keras"
        ),
        "mlp": _saved(ktk.models.MLP(hidden_units=(16,)), (None, 8, 8, 1), folder / "mlp.keras"),
    }


@pytest.mark.parametrize(("name", "format"), [("cnn", "onnx"), ("mlp", "saved_model")])
def test_artifact_gives_the_model_outputs(name, format, saved_models, tmp_path):
    if (BACKEND, format) in UNSUPPORTED:
        pytest.skip(UNSUPPORTED[BACKEND, format])
    if format == "onnx":
        pytest.importorskip("onnxruntime")
    result = export.export_model(saved_models[name], tmp_path, format=format)
    assert result.path == tmp_path / (f"{name}.onnx" if format == "onnx" else name)
    assert result.path.is_file() if format == "onnx" else (result.path / "saved_model.pb").is_file()
    assert result.batch_sizes == export.CHECK_BATCH_SIZES == (1, 8)
    assert 0.0 <= result.max_abs_difference <= 1e-5
    assert 0.0 <= result.max_rel_difference <= 1e-5
    summary = result.summary()
    assert "max absolute difference" in summary and str(result.path) in summary


def test_rejects_unknown_format_and_missing_model(saved_models, tmp_path):
    with pytest.raises(ValueError, match="`format`"):
        export.export_model(saved_models["mlp"], tmp_path, format="tflite")
    with pytest.raises(FileNotFoundError, match="`model_path`"):
        export.export_model(tmp_path / "missing.keras", tmp_path, format="onnx")
    with pytest.raises(ValueError, match="`seed`"):
        export.export_model(saved_models["mlp"], tmp_path, seed=-1)


@pytest.mark.skipif(BACKEND != "torch", reason="the torch backend's limit")
def test_refuses_a_saved_model_on_torch_before_writing(saved_models, tmp_path):
    with pytest.raises(ValueError, match=r"format='saved_model'.*KERAS_BACKEND=torch"):
        export.export_model(saved_models["mlp"], tmp_path / "out", format="saved_model")
    assert not (tmp_path / "out").exists()


def test_onnx_without_onnxruntime_says_what_to_install(saved_models, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    with pytest.raises(ImportError, match="pip install onnxruntime"):
        export.export_model(saved_models["cnn"], tmp_path, format="onnx")
    assert not list(tmp_path.iterdir())  # checked before anything is written
