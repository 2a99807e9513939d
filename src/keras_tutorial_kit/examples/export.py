"""Export a saved chapter model out of Python (ONNX, SavedModel) and check it against the model."""

from __future__ import annotations

import dataclasses
import os
import pathlib
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._validation import check_seed

#: The formats, and the name ``keras.Model.export`` knows each by.
FORMATS = {"onnx": "onnx", "saved_model": "tf_saved_model"}
#: The batch sizes the artifact is checked on; both must work, as the batch axis stays free.
CHECK_BATCH_SIZES = (1, 8)


@dataclasses.dataclass
class ExportResult:
    """What :func:`export_model` wrote and how close the artifact came to the model.

    Attributes:
        path: The artifact: a ``.onnx`` file or a SavedModel folder.
        format: ``"onnx"`` or ``"saved_model"``.
        max_abs_difference: The largest ``|artifact - model|`` over the checked outputs.
        max_rel_difference: ``max_abs_difference`` divided by the largest ``|model|`` output.
        batch_sizes: The batch sizes checked.
    """

    path: pathlib.Path
    format: str
    max_abs_difference: float
    max_rel_difference: float
    batch_sizes: tuple[int, ...] = CHECK_BATCH_SIZES

    def summary(self) -> str:
        """Human-readable lines: the artifact and the check."""
        return "\n".join(
            [
                f"exported ({self.format}) to {self.path}",
                f"checked on random inputs, batch sizes {', '.join(map(str, self.batch_sizes))}:",
                f"  max absolute difference  {self.max_abs_difference:.3g}",
                f"  max relative difference  {self.max_rel_difference:.3g}",
            ]
        )


def export_model(
    model_path: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    format: str = "saved_model",
    seed: int | None = 0,
) -> ExportResult:
    """Exports a ``.keras`` model with ``model.export`` and runs the artifact outside Keras.

    The artifact is written into ``output_dir`` and named after the model
    (``cnn.keras`` -> ``cnn.onnx`` or the SavedModel folder ``cnn/``). It is
    then run on random inputs of the model's input shape, for each batch size
    of :data:`CHECK_BATCH_SIZES`: the ONNX file with ``onnxruntime``, the
    SavedModel with ``tf.saved_model.load(path).serve``; the result holds the
    largest difference from the Keras model's outputs.

    Args:
        model_path: A ``.keras`` file, e.g. one written by ``ktk.examples.cnn.run``.
        output_dir: The folder to write the artifact into (created if needed).
        format: ``"onnx"`` or ``"saved_model"``.
        seed: Seeds the random inputs.

    Returns:
        An :class:`ExportResult`.

    Raises:
        ValueError: If ``format`` is unknown, ``seed`` is invalid, or ``format`` is
            ``"saved_model"`` on the torch backend.
        FileNotFoundError: If ``model_path`` does not exist.
        ImportError: If ``format="onnx"`` and onnxruntime is not installed.

    Example:

    After ``ktk.examples.cnn.run(output_dir="out/cnn")``,
    ``export_model("out/cnn/cnn.keras", "out/export", format="onnx")`` writes
    ``out/export/cnn.onnx``; its ``summary()`` is what ``keras-tutorial-kit
    export`` prints. The formats and Keras' names for them:

    >>> from keras_tutorial_kit.examples import export
    >>> export.FORMATS
    {'onnx': 'onnx', 'saved_model': 'tf_saved_model'}
    """
    if format not in FORMATS:
        raise ValueError(f"`format` must be one of {tuple(FORMATS)}. Received: format={format!r}")
    seed = check_seed("seed", seed)
    if format == "saved_model" and keras.backend.backend() == "torch":
        # Keras exports torch models to a SavedModel through torch_xla, which the CPU
        # build of torch lacks: refuse before writing anything.
        raise ValueError(
            "`format='saved_model'` needs the TensorFlow or JAX backend (Keras exports a "
            "torch model to a SavedModel through torch_xla). Received: format='saved_model' "
            "with KERAS_BACKEND=torch"
        )
    if not os.path.isfile(model_path):
        raise FileNotFoundError(
            f"No model file at `model_path`. Received: model_path={os.fspath(model_path)!r}"
        )
    run_artifact = _onnx_runner if format == "onnx" else _saved_model_runner
    if format == "onnx":
        _import_onnxruntime()
    model = keras.saving.load_model(model_path)
    rng = np.random.default_rng(seed)
    # The model's own outputs first: `model.export` needs a model that has been called.
    checks = []
    for batch_size in CHECK_BATCH_SIZES:
        inputs = _random_inputs(model, batch_size, rng)
        checks.append((inputs, keras.ops.convert_to_numpy(model(inputs)).astype(np.float64)))
    directory = pathlib.Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    stem = pathlib.Path(model_path).stem
    path = directory / (f"{stem}.onnx" if format == "onnx" else stem)
    model.export(os.fspath(path), format=FORMATS[format], verbose=False)
    artifact = run_artifact(path)
    abs_difference, scale = 0.0, 0.0
    for inputs, expected in checks:
        received = np.asarray(artifact(inputs), dtype=np.float64)
        abs_difference = max(abs_difference, float(np.max(np.abs(received - expected))))
        scale = max(scale, float(np.max(np.abs(expected))))
    relative = abs_difference / scale if scale > 0 else abs_difference
    return ExportResult(path, format, abs_difference, relative)


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            'format="onnx" needs onnxruntime to check the file: pip install onnxruntime '
            '(and tf2onnx on the TensorFlow backend), or pip install "keras-tutorial-kit[export]"'
        ) from error
    return onnxruntime


def _onnx_runner(path: pathlib.Path) -> Any:
    session = _import_onnxruntime().InferenceSession(
        os.fspath(path), providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    return lambda inputs: session.run(None, {name: inputs})[0]


def _saved_model_runner(path: pathlib.Path) -> Any:
    import tensorflow as tf

    loaded = tf.saved_model.load(os.fspath(path))  # kept: `serve` needs its variables
    return lambda inputs: loaded.serve(tf.constant(inputs)).numpy()


def _random_inputs(model: keras.Model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """Inputs of the model's shape: token ids below ``vocab_size`` for a text model, else floats."""
    if getattr(model, "inputs", None):  # a functional or Sequential model
        shape = tuple(model.inputs[0].shape)
    else:
        shape = tuple(model.get_build_config()["input_shape"])
    shape = (batch_size, *(8 if size is None else size for size in shape[1:]))
    vocab_size = getattr(model, "vocab_size", None)
    if vocab_size is not None:
        return rng.integers(0, vocab_size, size=shape).astype(np.int32)
    return rng.uniform(size=shape).astype(np.float32)
