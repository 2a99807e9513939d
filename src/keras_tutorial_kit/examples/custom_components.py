"""Chapter "Custom layers, losses and metrics": ``LinearLayer``, ``MeanSquaredError`` and ``SparseCategoricalAccuracy`` at work."""

from __future__ import annotations

import os
import tempfile
import types

import keras
import numpy as np

from keras_tutorial_kit.examples import _options
from keras_tutorial_kit.examples._digits import (
    QUICK_EPOCHS,
    QUICK_TRAIN_DATA,
    compile_and_fit,
    load_training_digits,
)
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._plots import plot_learning_curves
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.examples._training import set_seed
from keras_tutorial_kit.examples.linear_regression import normalized_data
from keras_tutorial_kit.layers import LinearLayer
from keras_tutorial_kit.losses import MeanSquaredError
from keras_tutorial_kit.metrics import SparseCategoricalAccuracy

REGRESSION_STEPS = 300
REGRESSION_LEARNING_RATE = 0.5


def classifier(input_shape: tuple[int, ...], num_classes: int = 10) -> keras.Sequential:
    """The tutorial's MLP with ``ktk.layers.LinearLayer`` in place of ``Dense``."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            LinearLayer(100),
            keras.layers.ReLU(),
            LinearLayer(num_classes),
            keras.layers.Softmax(),
        ],
        name="linear_layer_mlp",
    )


CHAPTER = _options.Chapter(
    "custom_components",
    "Custom layers, losses and metrics: LinearLayer, MeanSquaredError and "
    "SparseCategoricalAccuracy at work.",
    _options.digits_options(
        50,
        "``custom_components.keras`` (without it the reload check uses a temporary folder)",
        f"the classifier trains {QUICK_EPOCHS} epochs on {QUICK_TRAIN_DATA} training images "
        "(the regression part is unchanged).",
    ),
    quick={"epochs": QUICK_EPOCHS},
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Trains models built from the kit's custom components and checks them against Keras.

    The tutorial's "Custom layers, losses and metrics" section, in two parts:

    1. A digits classifier whose dense layers are ``ktk.layers.LinearLayer``,
       compiled with ``ktk.metrics.SparseCategoricalAccuracy`` next to Keras'
       own metric: both report the same test accuracy. The model is saved to
       ``.keras`` and reloaded without ``custom_objects``; the reloaded model
       gives the same outputs.
    2. The tutorial's house prices (normalized) fitted by
       ``keras.Sequential([LinearLayer(1)])`` compiled with
       ``ktk.losses.MeanSquaredError`` and SGD (300 full-batch steps, learning
       rate 0.5): the line equals the least-squares line of ``numpy.polyfit``,
       and the loss equals ``keras.losses.MeanSquaredError``.

    Returns:
        A ``ChapterResult`` with ``metrics``: ``test_accuracy`` (the kit's
        metric), ``test_accuracy_keras`` (Keras' metric),
        ``reload_max_abs_difference``, ``regression_a``/``regression_b`` and
        ``polyfit_a``/``polyfit_b``, ``mse_ktk``/``mse_keras``.

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``source="mnist"`` and the MNIST file cannot be had.
    """
    png = plot_path(options.plot)
    data = load_training_digits(options)
    loader = data[0]

    set_seed(options.seed)
    model = classifier(loader.image_shape)
    metrics = [
        SparseCategoricalAccuracy(name="ktk_accuracy"),
        keras.metrics.SparseCategoricalAccuracy(name="keras_accuracy"),
    ]
    history = compile_and_fit(model, data, options, metrics)
    scores = model.evaluate(
        loader.test_data, loader.test_label, batch_size=500, verbose=0, return_dict=True
    )

    model_path = output_path(options.output_dir, "custom_components.keras")
    if model_path is None:
        with tempfile.TemporaryDirectory() as folder:
            reload_difference = _reload_difference(
                model, os.path.join(folder, "model.keras"), loader.test_data
            )
    else:
        reload_difference = _reload_difference(model, model_path, loader.test_data)

    regression = _fit_regression(options.seed, steps=REGRESSION_STEPS)
    metrics = {
        "test_accuracy": float(scores["ktk_accuracy"]),
        "test_accuracy_keras": float(scores["keras_accuracy"]),
        "reload_max_abs_difference": reload_difference,
        **regression,
    }
    if png is not None:
        plot_learning_curves(history, png, title="LinearLayer MLP: ktk metric vs Keras metric")
    return ChapterResult("custom_components", metrics, history, model_path, png, model)


def _reload_difference(
    model: keras.Model, path: str | os.PathLike[str], images: np.ndarray
) -> float:
    """Saves ``model`` to ``path``, reloads it without ``custom_objects``, returns the largest output change."""
    model.save(path)
    reloaded = keras.saving.load_model(path)
    before = keras.ops.convert_to_numpy(model(images))
    after = keras.ops.convert_to_numpy(reloaded(images))
    return float(np.max(np.abs(before - after)))


def _fit_regression(seed: int | None, steps: int) -> dict[str, float]:
    x, y = normalized_data()
    set_seed(seed)
    model = keras.Sequential([keras.Input((1,)), LinearLayer(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(REGRESSION_LEARNING_RATE), loss=MeanSquaredError())
    # `steps` full-batch steps: the five points repeated, one copy per batch, in one `fit` epoch.
    repeated_x, repeated_y = np.tile(x[:, None], (steps, 1)), np.tile(y[:, None], (steps, 1))
    model.fit(repeated_x, repeated_y, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    prediction = keras.ops.convert_to_numpy(model(x[:, None]))
    polyfit_a, polyfit_b = np.polyfit(x.astype(np.float64), y.astype(np.float64), deg=1)
    layer = model.layers[-1]
    return {
        "regression_a": float(keras.ops.convert_to_numpy(layer.kernel)[0, 0]),
        "regression_b": float(keras.ops.convert_to_numpy(layer.bias)[0]),
        "polyfit_a": float(polyfit_a),
        "polyfit_b": float(polyfit_b),
        "mse_ktk": float(MeanSquaredError()(y[:, None], prediction)),
        "mse_keras": float(keras.losses.MeanSquaredError()(y[:, None], prediction)),
    }
