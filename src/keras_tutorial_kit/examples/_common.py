"""Helpers shared by the chapter runners: results, argument checks, output files, plots, custom loops."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np


@dataclasses.dataclass
class ChapterResult:
    """What a chapter run produced.

    Attributes:
        chapter: The chapter's name, as on the command line.
        metrics: Final figures, e.g. ``{"test_accuracy": 0.98}``.
        history: Per-epoch (or per-episode) curves, each a list of floats.
        model_path: The saved ``.keras`` model, or ``None`` without ``output_dir``.
        plot_path: The PNG written, or ``None`` without ``plot``.
        model: The trained model (or agent).
        extras: Chapter-specific results (generated texts, fitted parameters, ...).
    """

    chapter: str
    metrics: dict[str, float]
    history: dict[str, list[float]]
    model_path: pathlib.Path | None = None
    plot_path: pathlib.Path | None = None
    model: Any = dataclasses.field(default=None, repr=False)
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def summary(self) -> str:
        """A few human-readable lines: the metrics and the files written."""
        lines = [f"{self.chapter}:"]
        for name, value in self.metrics.items():
            lines.append(f"  {name:<26} {_format(value)}")
        if self.model_path is not None:
            lines.append(f"  {'model saved to':<26} {self.model_path}")
        if self.plot_path is not None:
            lines.append(f"  {'plot saved to':<26} {self.plot_path}")
        if "samples" in self.extras:
            lines.append(f"prompt: {self.extras.get('prompt', '')!r}")
            for diversity, text in self.extras["samples"].items():
                lines.append(f"--- diversity {diversity} ---\n{text}")
        return "\n".join(lines)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.5g}"
    return str(value)


def output_path(output_dir: str | os.PathLike[str] | None, filename: str) -> pathlib.Path | None:
    """``output_dir / filename`` with ``output_dir`` created, or ``None`` when ``output_dir`` is ``None``."""
    if output_dir is None:
        return None
    directory = pathlib.Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / filename


def plot_path(plot: str | os.PathLike[str] | None) -> pathlib.Path | None:
    """``plot`` as a ``.png`` path with its folder created, or ``None``; raises if not ``.png``."""
    if plot is None:
        return None
    path = pathlib.Path(plot)
    if path.suffix.lower() != ".png":
        raise ValueError(
            f"`plot` must be a path ending in .png. Received: plot={os.fspath(plot)!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def new_figure(ncols: int = 1, width: float = 6.0, height: float = 4.0) -> tuple[Any, Any]:
    """A matplotlib figure and its axes, drawn off-screen (the Agg canvas)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            'Plots need matplotlib: pip install "keras-tutorial-kit[examples]"'
        ) from error
    figure = Figure(figsize=(width * ncols, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, ncols)
    return figure, axes


def plot_learning_curves(
    history: Mapping[str, Sequence[float]],
    path: pathlib.Path,
    title: str,
    xlabel: str = "epoch",
    dashed: Sequence[str] = (),
) -> pathlib.Path:
    """Writes a PNG with the loss curves on the left and the accuracy curves on the right.

    Curves whose key starts with one of ``dashed`` are drawn dashed, so that
    curves lying on top of each other stay visible.
    """
    loss_keys = [key for key in history if "loss" in key]
    other_keys = [key for key in history if key not in loss_keys]
    figure, axes = new_figure(ncols=2 if other_keys else 1)
    axes = np.atleast_1d(axes)
    for ax, keys, label in ((axes[0], loss_keys, "loss"), (axes[-1], other_keys, "accuracy")):
        if not keys:
            continue
        for key in keys:
            values = history[key]
            ax.plot(
                range(1, len(values) + 1),
                values,
                marker="o" if len(values) <= 30 else None,
                markersize=3,
                linestyle="--" if key.startswith(tuple(dashed)) else "-",
                label=key,
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    figure.suptitle(title)
    figure.savefig(path, dpi=100)
    return path


def set_seed(seed: int | None) -> None:
    """Seeds Python, NumPy and the Keras backend when ``seed`` is not ``None``."""
    if seed is not None:
        keras.utils.set_random_seed(seed)


class TrainStep:
    """One optimizer step on ``model`` for a batch, compiled for the active backend.

    The tutorial's custom training loop (``with tf.GradientTape() as tape: ...;
    optimizer.apply_gradients(...)``) on TensorFlow, and the same step through
    ``jax.value_and_grad`` and Keras' stateless API on JAX. The model is called
    with ``training=True``, so layers such as ``BatchNormalization`` update
    their statistics. On JAX the model's variables are written back by
    :meth:`sync` (called by the runners before evaluating or saving).

    Args:
        model: A built Keras model.
        optimizer: A Keras optimizer.
        loss_fn: ``loss_fn(y_true, y_pred)`` returning a scalar.
        compile: Whether to compile the step (``tf.function`` / ``jax.jit``).
            Compiling a large model takes tens of seconds; for a handful of
            steps running eagerly is faster.
    """

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        loss_fn: Callable[[Any, Any], Any],
        compile: bool = True,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.compile = compile
        self.backend = keras.backend.backend()
        if self.backend == "tensorflow":
            self._step = self._tensorflow_step()
        elif self.backend == "jax":
            self._step = self._jax_step()
        else:
            raise NotImplementedError(
                "The custom training loops run on the tensorflow and jax backends. "
                f"Received: KERAS_BACKEND={self.backend!r}"
            )

    def __call__(self, x: Any, y: Any) -> float:
        """Runs one step on ``(x, y)`` and returns the loss as a Python float."""
        return float(self._step(x, y))

    def predict(self, x: Any) -> np.ndarray:
        """The model's outputs for ``x`` (``training=False``) as NumPy, compiled like the step."""
        return np.asarray(keras.ops.convert_to_numpy(self._predict(x)))

    def repeat(self, x: Any, y: Any, steps: int) -> np.ndarray:
        """Runs ``steps`` steps on the same batch inside one compiled loop; returns each loss.

        For full-batch training (the linear regression chapter), where calling
        a compiled step per update costs more than the update itself.
        """
        return np.asarray(self._repeat(x, y, steps), dtype=np.float64)

    def sync(self) -> None:
        """Writes the trained values into the model's variables (a no-op on TensorFlow)."""
        if self.backend == "jax":
            trainable, non_trainable, optimizer_variables = self._state
            for variable, value in zip(self.model.trainable_variables, trainable, strict=True):
                variable.assign(value)
            for variable, value in zip(
                self.model.non_trainable_variables, non_trainable, strict=True
            ):
                variable.assign(value)
            for variable, value in zip(self.optimizer.variables, optimizer_variables, strict=True):
                variable.assign(value)

    def _tensorflow_step(self) -> Callable[[Any, Any], Any]:
        import tensorflow as tf

        model, optimizer, loss_fn = self.model, self.optimizer, self.loss_fn

        def update(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
            return loss

        @tf.function
        def repeat(x, y, steps):
            losses = tf.TensorArray(tf.float32, size=steps)
            for i in tf.range(steps):
                losses = losses.write(i, tf.cast(update(x, y), tf.float32))
            return losses.stack()

        self._repeat = lambda x, y, steps: repeat(x, y, tf.constant(steps, tf.int32)).numpy()

        def predict(x):
            return model(x, training=False)

        self._predict = tf.function(predict, reduce_retracing=True) if self.compile else predict
        return tf.function(update) if self.compile else update

    def _jax_step(self) -> Callable[[Any, Any], Any]:
        import jax

        model, optimizer, loss_fn = self.model, self.optimizer, self.loss_fn
        optimizer.build(model.trainable_variables)

        # `stateless_call` passes keyword arguments straight to `call`.
        call_kwargs = (
            {"training": True} if "training" in inspect.signature(model.call).parameters else {}
        )

        def compute_loss(trainable, non_trainable, x, y):
            y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, **call_kwargs)
            return loss_fn(y, y_pred), non_trainable

        gradient_fn = jax.value_and_grad(compute_loss, has_aux=True)

        def update(state, x, y):
            trainable, non_trainable, optimizer_variables = state
            (loss, non_trainable), gradients = gradient_fn(trainable, non_trainable, x, y)
            trainable, optimizer_variables = optimizer.stateless_apply(
                optimizer_variables, gradients, trainable
            )
            return loss, (trainable, non_trainable, optimizer_variables)

        jitted = jax.jit(update) if self.compile else update

        @functools.partial(jax.jit, static_argnums=3)
        def repeat(state, x, y, steps):
            def body(state, _):
                loss, state = update(state, x, y)
                return state, loss

            state, losses = jax.lax.scan(body, state, length=steps)
            return losses, state

        def run_repeat(x, y, steps):
            losses, self._state = repeat(self._state, x, y, steps)
            return losses

        self._repeat = run_repeat

        def predict(trainable, non_trainable, x):
            return model.stateless_call(trainable, non_trainable, x)[0]

        jitted_predict = jax.jit(predict) if self.compile else predict
        self._predict = lambda x: jitted_predict(self._state[0], self._state[1], x)

        self._state = (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            [v.value for v in optimizer.variables],
        )

        def step(x, y):
            loss, self._state = jitted(self._state, x, y)
            return loss

        return step


def progress_bar(target: int, verbose: int, unit_name: str = "step") -> keras.utils.Progbar | None:
    """A ``keras.utils.Progbar`` over ``target`` units when ``verbose``, else ``None``."""
    if not verbose:
        return None
    return keras.utils.Progbar(target, verbose=1 if verbose == 1 else 2, unit_name=unit_name)


def evaluate_accuracy(
    predict: Callable[[np.ndarray], Any],
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int = 500,
) -> float:
    """Test accuracy of ``predict`` with ``ktk.metrics.SparseCategoricalAccuracy``, batch by batch.

    The tutorial's evaluation loop; ``predict`` maps images to class scores
    (a model, or ``TrainStep.predict``).
    """
    from keras_tutorial_kit.metrics import SparseCategoricalAccuracy

    metric = SparseCategoricalAccuracy()
    for start in range(0, len(images), batch_size):
        stop = start + batch_size
        metric.update_state(labels[start:stop], predict(images[start:stop]))
    return float(metric.result())


def train_classifier(
    model: keras.Model,
    loader: Any,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    verbose: int,
    max_steps_per_epoch: int | None = None,
) -> dict[str, list[float]]:
    """The tutorial's MNIST training loop: ``get_batch`` draws, Adam, sparse cross-entropy.

    Each epoch runs ``num_train_data // batch_size`` steps (at most
    ``max_steps_per_epoch``), then measures the test accuracy. Returns the
    per-epoch mean training ``loss`` and ``test_accuracy``.
    """
    steps_per_epoch = max(1, loader.num_train_data // batch_size)
    if max_steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, max_steps_per_epoch)
    model.build((None, *loader.train_data.shape[1:]))

    def loss_fn(y_true, y_pred):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y_true, y_pred))

    step = TrainStep(model, keras.optimizers.Adam(learning_rate=learning_rate), loss_fn)
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for epoch in range(epochs):
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        bar = progress_bar(steps_per_epoch, verbose)
        losses = []
        for index in range(steps_per_epoch):
            images, labels = loader.get_batch(batch_size)
            losses.append(step(images, labels))
            if bar is not None:
                bar.update(index + 1, values=[("loss", losses[-1])], finalize=False)
        step.sync()
        history["loss"].append(float(np.mean(losses)))
        history["test_accuracy"].append(
            evaluate_accuracy(step.predict, loader.test_data, loader.test_label)
        )
        if bar is not None:
            bar.update(
                steps_per_epoch,
                values=[("test_accuracy", history["test_accuracy"][-1])],
                finalize=True,
            )
    return history
