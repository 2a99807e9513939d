"""Chapter "Keras Pipeline": the MLP built with the Sequential and the Functional API, trained by ``compile``/``fit``."""

from __future__ import annotations

import os

import keras

from keras_tutorial_kit._validation import (
    check_bool,
    check_positive_int,
    check_positive_number,
    check_seed,
)
from keras_tutorial_kit.data import MNISTLoader
from keras_tutorial_kit.examples._common import (
    ChapterResult,
    output_path,
    plot_learning_curves,
    plot_path,
    set_seed,
)

QUICK_EPOCHS = 2
QUICK_TRAIN_DATA = 200


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


def run(
    epochs: int = 50,
    batch_size: int = 50,
    learning_rate: float = 1e-3,
    source: str = "digits",
    mnist_path: str | os.PathLike[str] | None = None,
    seed: int | None = 0,
    output_dir: str | os.PathLike[str] | None = None,
    plot: str | os.PathLike[str] | None = None,
    quick: bool = False,
    verbose: int = 1,
) -> ChapterResult:
    """Builds the MLP twice (Sequential and Functional API), then ``compile``, ``fit``, ``evaluate``.

    The tutorial's "Keras Pipeline" section: ``model.compile(optimizer=Adam,
    loss=sparse_categorical_crossentropy, metrics=[sparse_categorical_accuracy])``,
    ``model.fit(train_data, train_label, epochs, batch_size)``,
    ``model.evaluate(test_data, test_label)``. Both models hold the same
    layers, so they reach similar accuracy (about 0.97 on the offline digits).

    Args:
        epochs: Positive integer, the number of epochs of ``fit``.
        batch_size: Positive integer, the batch size.
        learning_rate: Adam's learning rate.
        source: ``"digits"`` (offline) or ``"mnist"`` (see ``ktk.data.MNISTLoader``).
        mnist_path: A local ``mnist.npz`` for ``source="mnist"``.
        seed: Seeds the weights and the shuffling; ``None`` for fresh randomness.
        output_dir: Folder for ``keras_pipeline_sequential.keras`` and
            ``keras_pipeline_functional.keras``; nothing is saved when ``None``.
        plot: A ``.png`` path for both models' learning curves.
        quick: A seconds-long run: 2 epochs on 200 training images.
        verbose: 0 for silence, 1 for ``fit``'s progress bars, 2 for one line per epoch.

    Returns:
        A ``ChapterResult`` with ``metrics`` ``test_accuracy_sequential`` and
        ``test_accuracy_functional``, the ``fit`` histories (keys prefixed
        ``sequential_``/``functional_``), ``model`` the functional model and
        ``model_path`` its file (``extras["model_paths"]`` has both).

    Raises:
        ValueError: If an argument is out of range.
        OSError: If ``source="mnist"`` and the MNIST file cannot be had.
    """
    epochs = QUICK_EPOCHS if check_bool("quick", quick) else check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = check_positive_number("learning_rate", learning_rate)
    seed = check_seed("seed", seed)
    png = plot_path(plot)
    loader = MNISTLoader(source=source, path=mnist_path, seed=seed)
    train_data, train_label = loader.train_data, loader.train_label
    if quick:
        train_data, train_label = train_data[:QUICK_TRAIN_DATA], train_label[:QUICK_TRAIN_DATA]
    metrics: dict[str, float] = {}
    history: dict[str, list[float]] = {}
    model_paths = {}
    models = {}
    for api, build in (("sequential", sequential_model), ("functional", functional_model)):
        set_seed(seed)
        model = build(loader.image_shape)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
            loss=keras.losses.sparse_categorical_crossentropy,
            metrics=[keras.metrics.sparse_categorical_accuracy],
        )
        if verbose:
            print(f"{api} API")
        fitted = model.fit(
            train_data,
            train_label,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=(loader.test_data, loader.test_label),
            verbose=verbose,
        )
        for key, values in fitted.history.items():
            history[f"{api}_{key.replace('sparse_categorical_accuracy', 'accuracy')}"] = [
                float(v) for v in values
            ]
        _, accuracy = model.evaluate(loader.test_data, loader.test_label, batch_size=500, verbose=0)
        metrics[f"test_accuracy_{api}"] = float(accuracy)
        models[api] = model
        path = output_path(output_dir, f"keras_pipeline_{api}.keras")
        if path is not None:
            model.save(path)
            model_paths[api] = path
    if png is not None:
        plot_learning_curves(
            history,
            png,
            title=f"Keras pipeline on {source}: Sequential (solid) vs Functional (dashed)",
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
