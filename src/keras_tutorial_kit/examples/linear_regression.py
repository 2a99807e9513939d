"""Chapter "Linear regression": the 2013-2017 house prices fitted by NumPy and by automatic differentiation."""

from __future__ import annotations

import types
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit.examples import _options
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._plots import new_figure
from keras_tutorial_kit.examples._result import ChapterResult
from keras_tutorial_kit.examples._train_step import TrainStep
from keras_tutorial_kit.examples._training import progress_bar
from keras_tutorial_kit.models import Linear

YEARS = np.array([2013, 2014, 2015, 2016, 2017], dtype=np.float32)
PRICES = np.array([12000, 14000, 15000, 16500, 17500], dtype=np.float32)
QUICK_EPOCHS = 500


def normalized_data() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's years and prices, each min-max scaled to ``[0, 1]`` (float32)."""
    x = (YEARS - YEARS.min()) / (YEARS.max() - YEARS.min())
    y = (PRICES - PRICES.min()) / (PRICES.max() - PRICES.min())
    return x, y


def fit_numpy(
    x: np.ndarray, y: np.ndarray, epochs: int, learning_rate: float
) -> tuple[float, float, list[float]]:
    """The tutorial's NumPy gradient descent on ``sum((a * x + b - y) ** 2)``.

    Returns ``(a, b, losses)`` with the loss before each update.
    """
    a, b = np.float32(0.0), np.float32(0.0)
    losses = []
    for _ in range(epochs):
        error = a * x + b - y
        losses.append(float(np.sum(error**2)))
        grad_a, grad_b = 2 * error.dot(x), 2 * error.sum()
        a, b = a - learning_rate * grad_a, b - learning_rate * grad_b
    return float(a), float(b), losses


def fit_autodiff(
    x: np.ndarray, y: np.ndarray, epochs: int, learning_rate: float, verbose: int = 0
) -> tuple[Linear, list[float]]:
    """The same fit as ``ktk.models.Linear`` trained by automatic differentiation and SGD.

    ``tf.GradientTape`` on TensorFlow, ``jax.value_and_grad`` on JAX (see
    ``TrainStep``), with the tutorial's loss ``sum((y_pred - y) ** 2)`` and
    ``keras.optimizers.SGD(learning_rate)``.

    Returns the trained model and the loss before each update.
    """
    model = Linear(units=1)
    features, targets = x[:, None], y[:, None]
    model.build(features.shape)

    def sum_of_squares(y_true, y_pred):
        return keras.ops.sum(keras.ops.square(y_pred - y_true))

    step = TrainStep(model, keras.optimizers.SGD(learning_rate=learning_rate), sum_of_squares)
    bar = progress_bar(epochs, verbose, unit_name="epoch")
    losses: list[float] = []
    chunk = max(1, epochs // 20)
    while len(losses) < epochs:
        losses.extend(step.repeat(features, targets, min(chunk, epochs - len(losses))).tolist())
        if bar is not None:
            bar.update(len(losses), values=[("loss", losses[-1])], finalize=len(losses) == epochs)
    step.sync()
    return model, losses


CHAPTER = _options.Chapter(
    "linear_regression",
    "Linear regression: the 2013-2017 house prices fitted by NumPy and by automatic "
    "differentiation.",
    (
        _options.epochs(10_000, "Positive integer, the number of full-batch updates."),
        _options.learning_rate(5e-4, "Positive step size."),
        *_options.outputs(
            "``linear_regression.keras``",
            "the data, the two fitted lines and the loss curves",
            f"{QUICK_EPOCHS} epochs instead of ``epochs`` (not converged).",
        ),
        _options.seed(None, "Unused (the fit is deterministic); accepted like every chapter."),
    ),
    quick={"epochs": QUICK_EPOCHS},
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Fits ``price = a * year + b`` to the tutorial's data twice and compares the two fits.

    The tutorial's first chapter: the years 2013-2017 and prices 12 000-17 500,
    both min-max normalized, fitted by plain NumPy gradient descent (gradient
    ``2 * (y_pred - y) . x``) and by automatic differentiation with
    ``ktk.models.Linear`` and Keras' SGD on ``sum((y_pred - y) ** 2)``. Both
    make the same update; with the defaults (10 000 epochs, learning rate
    5e-4) both end at the tutorial's ``a = 0.97637``, ``b = 0.05757``.

    Returns:
        A ``ChapterResult`` with ``metrics`` ``a_numpy``, ``b_numpy``,
        ``a_autodiff``, ``b_autodiff``, ``final_loss`` and ``history``
        ``loss_numpy``, ``loss_autodiff`` (per epoch).

    Raises:
        ValueError: If ``epochs`` or ``learning_rate`` is not positive, or
            ``plot`` does not end in ``.png``.
    """
    epochs, learning_rate = options.epochs, options.learning_rate
    png = plot_path(options.plot)
    x, y = normalized_data()
    a_numpy, b_numpy, numpy_losses = fit_numpy(x, y, epochs, learning_rate)
    model, autodiff_losses = fit_autodiff(x, y, epochs, learning_rate, verbose=options.verbose)
    a_autodiff = float(keras.ops.convert_to_numpy(model.linear.kernel)[0, 0])
    b_autodiff = float(keras.ops.convert_to_numpy(model.linear.bias)[0])
    final = a_autodiff * x + b_autodiff - y
    metrics: dict[str, Any] = {
        "a_numpy": a_numpy,
        "b_numpy": b_numpy,
        "a_autodiff": a_autodiff,
        "b_autodiff": b_autodiff,
        "final_loss": float(np.sum(final**2)),
    }
    history = {"loss_numpy": numpy_losses, "loss_autodiff": autodiff_losses}
    model_path = output_path(options.output_dir, "linear_regression.keras")
    if model_path is not None:
        model.save(model_path)
    if png is not None:
        _plot(png, x, y, metrics, history)
    return ChapterResult("linear_regression", metrics, history, model_path, png, model)


def _plot(path, x, y, metrics, history) -> None:
    figure, (left, right) = new_figure(ncols=2)
    left.scatter(YEARS, PRICES, color="black", zorder=3, label="data")
    line_x = np.linspace(0.0, 1.0, 50)
    scale_x = YEARS.max() - YEARS.min()
    scale_y = PRICES.max() - PRICES.min()
    for name, style in (("numpy", "-"), ("autodiff", "--")):
        a, b = metrics[f"a_{name}"], metrics[f"b_{name}"]
        left.plot(
            YEARS.min() + line_x * scale_x,
            PRICES.min() + (a * line_x + b) * scale_y,
            style,
            label=f"{name}: a={a:.5f}, b={b:.5f}",
        )
    left.set_xlabel("year")
    left.set_ylabel("price")
    left.set_xticks(YEARS)
    left.legend()
    left.grid(alpha=0.3)
    for name, values in history.items():
        right.plot(range(1, len(values) + 1), values, label=name)
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel("sum of squared errors (normalized)")
    right.legend()
    right.grid(alpha=0.3)
    figure.suptitle("Linear regression: NumPy gradient descent vs automatic differentiation")
    figure.savefig(path, dpi=100)
