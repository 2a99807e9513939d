"""Chapter "Keras Pipeline": the MLP built with the Sequential and the Functional API, trained by ``compile``/``fit``."""

from __future__ import annotations

import types

import keras

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


def sequential_model(input_shape: tuple[int, ...], num_classes: int = 10) -> keras.Sequential:
    """The tutorial's ``tf.keras.models.Sequential`` MLP: Flatten, Dense(100, relu), Dense, Softmax."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(num_classes),
            keras.layers.Softmax(),
        ],
        name="sequential_mlp",
    )


def functional_model(input_shape: tuple[int, ...], num_classes: int = 10) -> keras.Model:
    """The same MLP written with the Functional API (``keras.Input`` and layer calls)."""
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(100, activation="relu")(x)
    x = keras.layers.Dense(num_classes)(x)
    outputs = keras.layers.Softmax()(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="functional_mlp")


CHAPTER = _options.Chapter(
    "keras_pipeline",
    "Keras Pipeline: the MLP built with the Sequential and the Functional API, trained by "
    "compile/fit.",
    _options.digits_options(
        50,
        "``keras_pipeline_sequential.keras`` and ``keras_pipeline_functional.keras``",
        f"{QUICK_EPOCHS} epochs on {QUICK_TRAIN_DATA} training images.",
    ),
    quick={"epochs": QUICK_EPOCHS},
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Builds the MLP twice (Sequential and Functional API), then ``compile``, ``fit``, ``evaluate``.

    The tutorial's "Keras Pipeline" section: ``model.compile(optimizer=Adam,
    loss=sparse_categorical_crossentropy, metrics=[sparse_categorical_accuracy])``,
    ``model.fit(train_data, train_label, epochs, batch_size)``,
    ``model.evaluate(test_data, test_label)``. Both models hold the same
    layers, so they reach similar accuracy (about 0.97 on the offline digits).

    Returns:
        A ``ChapterResult`` with ``metrics`` ``test_accuracy_sequential`` and
        ``test_accuracy_functional``, the ``fit`` histories (keys prefixed
        ``sequential_``/``functional_``), ``model`` the functional model and
        ``model_path`` its file (``extras["model_paths"]`` has both).

    Raises:
        ValueError, OSError: As ``ktk.examples.mlp.run``.
    """
    png = plot_path(options.plot)
    data = load_training_digits(options)
    loader = data[0]
    metrics: dict[str, float] = {}
    history: dict[str, list[float]] = {}
    model_paths = {}
    models = {}
    for api, build in (("sequential", sequential_model), ("functional", functional_model)):
        set_seed(options.seed)
        model = build(loader.image_shape)
        if options.verbose:
            print(f"{api} API")
        fitted = compile_and_fit(model, data, options, [keras.metrics.sparse_categorical_accuracy])
        for key, values in fitted.items():
            history[f"{api}_{key.replace('sparse_categorical_accuracy', 'accuracy')}"] = values
        _, accuracy = model.evaluate(loader.test_data, loader.test_label, batch_size=500, verbose=0)
        metrics[f"test_accuracy_{api}"] = float(accuracy)
        models[api] = model
        path = output_path(options.output_dir, f"keras_pipeline_{api}.keras")
        if path is not None:
            model.save(path)
            model_paths[api] = path
    if png is not None:
        plot_learning_curves(
            history,
            png,
            title=f"Keras pipeline on {options.source}: Sequential (solid) vs Functional (dashed)",
            dashed=("functional_",),
        )
    return ChapterResult(
        "keras_pipeline",
        metrics,
        history,
        model_paths.get("functional"),
        png,
        models["functional"],
        extras={"model_paths": model_paths, "models": models},
    )
