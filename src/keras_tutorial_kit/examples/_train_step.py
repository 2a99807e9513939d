"""``TrainStep``: the tutorial's custom training step, compiled for the active backend."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import keras
import numpy as np


class TrainStep:
    """One optimizer step on ``model`` for a batch, compiled for the active backend.

    The tutorial's custom training loop (``with tf.GradientTape() as tape: ...;
    optimizer.apply_gradients(...)``) on TensorFlow, the same step through
    ``jax.value_and_grad`` and Keras' stateless API on JAX, and through
    ``loss.backward()`` on torch (not compiled there). The model is called
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
        elif self.backend == "torch":
            self._step = self._torch_step()
        else:
            raise NotImplementedError(
                "The custom training loops run on the tensorflow, jax and torch backends. "
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

    def _torch_step(self) -> Callable[[Any, Any], Any]:
        import torch

        model, optimizer, loss_fn = self.model, self.optimizer, self.loss_fn
        variables = model.trainable_variables

        def update(x, y):
            model.zero_grad()
            loss = loss_fn(keras.ops.convert_to_tensor(y), model(x, training=True))
            loss.backward()
            gradients = [variable.value.grad for variable in variables]
            with torch.no_grad():
                optimizer.apply(gradients, variables)
            return loss.detach()

        def repeat(x, y, steps):
            return [float(update(x, y)) for _ in range(steps)]

        def predict(x):
            with torch.no_grad():
                return model(x, training=False)

        self._repeat, self._predict = repeat, predict
        return update
